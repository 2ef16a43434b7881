using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>A tiny "sketchvae" (z of 4 + 4) trained for one epoch into a temporary run folder, shared by the SketchNet tests.</summary>
public sealed class SketchVaeRunFixture : IDisposable
{
    static SketchVaeRunFixture() => MusicModels.Register();

    /// <summary>Trains the run.</summary>
    public SketchVaeRunFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ls-sketchnet-bars-" + Guid.NewGuid().ToString("N"));
        var result = ModelTheory.TrainTinyBarVae("sketchvae", new SketchNetTests.Source(), Dir, ("pitch_latent_dim", 4));
        if (result.Outcome != TrainingOutcome.Completed) throw new InvalidOperationException($"the SketchVAE run did not complete: {result.Outcome}");
    }

    /// <summary>The run folder.</summary>
    public string Dir { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>
/// The test theory for "sketchnet" (SketchInpainter + SketchConnector on a frozen SketchVAE): build, shapes, finite loss,
/// save/load, training, frozen stage 1, refusals, a run through the trainer.
/// </summary>
[Collection(MusicProcessWideState.Name)]
public class SketchNetTests(SketchVaeRunFixture bars) : IClassFixture<SketchVaeRunFixture>
{
    static SketchNetTests() => MusicModels.Register();

    internal static SketchNetConfig Tiny(string run) => (SketchNetConfig)ModelRegistry.DefaultConfig("sketchnet") with
    {
        SketchVaeRun = run, LatentDim = 8, RnnSize = 12, RnnLayers = 2, Dropout = 0, ConnectorSize = 16, ConnectorLayers = 2, ConnectorHeads = 2, ConnectorDropout = 0,
    };

    private SketchNetConfig Tiny() => Tiny(bars.Dir);

    /// <summary>Learnable windows: one pattern bar (SketchVaeTests.PatternBars) repeated 16 times, int64 [n, 384].</summary>
    internal static Tensor RepeatedWindows(long n, int seed)
    {
        using var scope = Torch.NewScope();
        return SketchVaeTests.PatternBars(n, seed).Unsqueeze(1).Expand(n, 16, 24).Reshape(n, 384).Contiguous().MoveToOuterScope();
    }

    /// <summary>Pattern bars ("bars", [24]) and repeated windows ("windows", [384]), float32 as the datasets store them.</summary>
    internal sealed class Source : IDatasetSource
    {
        public DatasetSplits Load(string name, Action<string>? warn) => name switch
        {
            "bars" => new DatasetSplits(Make("bars/train", SketchVaeTests.PatternBars(64, 31)), Make("bars/test", SketchVaeTests.PatternBars(16, 32))),
            "windows" => new DatasetSplits(Make("windows/train", RepeatedWindows(24, 33)), Make("windows/test", RepeatedWindows(8, 34))),
            _ => throw new ArgumentException($"unknown dataset '{name}'; known: bars, windows"),
        };

        private static TensorDataset Make(string name, Tensor tokens)
        {
            using var scope = Torch.NewScope();
            return new TensorDataset(name, tokens.To(DType.Float32).Contiguous().DetachFromScope());
        }
    }

    private const string Prefixes = "^(past_p_gru|past_r_gru|future_p_gru|future_r_gru|gen_p_gru|gen_r_gru|gen_p_out|gen_r_out|combine_in|combine_nn_[0-9]+|combine_norm|combine_out)\\.";

    [Fact]
    public void IsRegisteredWithTheReferenceDefaults()
    {
        var entry = ModelRegistry.Get("sketchnet");
        Assert.Equal(typeof(SketchNetModel), entry.ModelType);
        var config = (SketchNetConfig)ModelRegistry.DefaultConfig("sketchnet");
        Assert.Equal([384L], config.InputShape);
        Assert.Equal(256, config.LatentDim);
        Assert.Equal(0.3, config.RevealProbability);
        Assert.Equal(0.5, config.TeacherForcingProbability);
        Assert.True(config.Connector);
        Assert.Empty(config.Validate());
        var back = (SketchNetConfig)ModelRegistry.FromJson(ModelRegistry.ToJson(config with { SketchVaeRun = "runs/sv", Connector = false }));
        Assert.Equal("runs/sv", back.SketchVaeRun);
        Assert.False(back.Connector);
        Assert.Contains((config with { InputShape = [24] }).Validate(), p => p.StartsWith("input_shape must be [384]", StringComparison.Ordinal));
        Assert.Contains((config with { ConnectorHeads = 3 }).Validate(), p => p.StartsWith("connector_heads", StringComparison.Ordinal));
        Assert.Contains((config with { RevealProbability = 2 }).Validate(), p => p.StartsWith("reveal_probability", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BuildsWithForwardShapes(bool connector)
    {
        using var scope = Torch.NewScope();
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny() with { Connector = connector });
        var x = RepeatedWindows(3, 1);
        Assert.Equal(8, model.SketchVae.LatentDim);
        Assert.Equal([3L, 384], model.FillGap(x).Shape);
        Assert.Equal(DType.Int64, model.FillGap(x).DType);
        Assert.Equal(DType.Float32, model.FillGap(x.To(DType.Float32)).DType);
        Assert.Equal([3L], model.GapNll(x).Shape);
        Assert.Equal(DType.Float32, model.Call(x.To(DType.Float32)).DType);
        Assert.Throws<NotSupportedException>(() => model.Encode(x));
        Assert.Throws<NotSupportedException>(() => model.Decode(Torch.Zeros(3, 8)));
        Assert.Throws<NotSupportedException>(() => model.SamplePrior(2));
        Assert.Contains("[batch, 384]", Assert.Throws<ArgumentException>(() => model.GapNll(x.Narrow(1, 0, 24))).Message, StringComparison.Ordinal);
        Assert.All(model.NamedParameters(), p => Assert.Matches(Prefixes, p.Name));
        Assert.Equal(connector, model.NamedParameters().Any(p => p.Name.StartsWith("combine_", StringComparison.Ordinal)));
    }

    [Fact]
    public void LossIsFiniteAndRevealsAndTeacherForcingRun()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(4, 2).To(DType.Float32);
        var loss = model.EvaluationLoss(x);
        Assert.Equal(["accuracy", "inpainter_recon", "recon"], loss.Terms.Keys.Order().ToArray());
        var values = loss.Values();
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{k} = {v}");
        Assert.True(values["recon"] > 0);
        Assert.Equal(model.GapNll(x).Mean().Item(), values["recon"], 3);
        model.Train();
        using var noise = new Generator(3);
        model.NoiseGenerator = noise;
        foreach (double p in new[] { 0.0, 1.0 })
        {
            using var forced = (SketchNetModel)ModelRegistry.Create(Tiny() with { TeacherForcingProbability = p, RevealProbability = 1 });
            forced.Train();
            forced.NoiseGenerator = noise;
            Assert.True(double.IsFinite(forced.Loss(x, new TrainingProgress(0, 0, 4, 1)).Total.Item()));
        }
        for (int i = 0; i < 4; i++) Assert.True(double.IsFinite(model.Loss(x, new TrainingProgress(0, i, 4, 1)).Total.Item()));
    }

    [Fact]
    public void SketchCodesReplaceTheirHalfOfTheCode()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny());
        var rhythm = Tensor.From(Enumerable.Repeat(2L, 24).ToArray(), 1, 24);
        var (codes, mask) = model.SketchCodes(1, null, rhythm);
        Assert.Equal([1L, 8], codes.Shape);
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 1, 1 }, mask.ToArray<float>());
        Assert.True(codes.Narrow(1, 4, 4).Equal(model.SketchVae.EncodeRhythm(rhythm)));
        var x = RepeatedWindows(1, 3);
        var filled = model.FillGap(x, null, null, codes.Unsqueeze(1).Expand(1, 4, 8).Contiguous(), mask.Unsqueeze(1).Expand(1, 4, 8).Contiguous());
        Assert.Equal([1L, 384], filled.Shape);
        Assert.Throws<ArgumentException>(() => model.FillGap(x, null, null, codes, mask));
    }

    [Fact]
    public void SaveThenLoadGivesTheSameLoss()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny());
        using var other = (SketchNetModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(4, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, alsoEqual: (a, b) => Assert.True(b.FillGap(x).Equal(a.FillGap(x))));
    }

    [Fact]
    public void TrainingLowersTheLossAndLeavesTheSketchVaeAlone()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(4);
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny());
        using var noise = new Generator(11);
        model.NoiseGenerator = noise;
        var x = RepeatedWindows(16, 6);
        var vaeBefore = model.SketchVae.NamedParameters().Select(p => (p.Name, Value: p.Parameter.Detach().Clone())).ToList();
        Assert.All(model.SketchVae.Parameters(), p => Assert.False(p.RequiresGrad));
        double Evaluate()
        {
            using var s = Torch.NewScope();
            using (Torch.NoGrad()) return model.EvaluationLoss(x).Values()["recon"];
        }
        double before = Evaluate();
        model.Train();
        var optimizers = model.CreateOptimizers(1e-2);
        try
        {
            for (int step = 0; step < 30; step++)
            {
                using var s = Torch.NewScope();
                Assert.True(double.IsFinite(model.TrainStep(x, new TrainingProgress(0, step, 30, 1), optimizers).Total.Item()));
            }
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
        model.Eval();
        double after = Evaluate();
        Assert.True(after < before - 10.0, $"loss {before} -> {after}");
        Assert.False(model.SketchVae.Training);
        foreach (var (name, value) in vaeBefore)
            Assert.True(model.SketchVae.NamedParameters().Single(p => p.Name == name).Parameter.Equal(value), $"SketchVAE parameter {name} changed");
    }

    [Fact]
    public void AMissingOrWrongSketchVaeRunIsRefusedByName()
    {
        var missing = Path.Combine(Path.GetTempPath(), "ls-no-such-run-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { SketchVaeRun = missing }));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("sketch_vae_run", e.Message, StringComparison.Ordinal);
        Assert.Contains("sketch_vae_run is not set", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { SketchVaeRun = "" })).Message, StringComparison.Ordinal);
        Assert.Contains("latent_dim", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { LatentDim = 9 })).Message, StringComparison.Ordinal);
    }

    private RunConfig TrainerConfig(string dir, int epochs) => new RunConfigBuilder()
        .Set("model", "sketchnet", "test")
        .Set("sketch_vae_run", bars.Dir, "test")
        .Set("latent_dim", 8, "test")
        .Set("rnn_size", 12, "test")
        .Set("connector_size", 16, "test")
        .Set("connector_layers", 1, "test")
        .Set("data", "windows", "test")
        .Set("epochs", epochs, "test")
        .Set("batch_size", 8, "test")
        .Set("lr", 1e-3, "test")
        .Set("seed", 1, "test")
        .Set("out", dir, "test")
        .Build();

    [Fact]
    public void TrainsThroughTheTrainerReloadsAndResumesBitForBit() =>
        ModelTheory.TrainsReloadsAndResumesBitForBit<SketchNetModel>(new Source(), TrainerConfig, loaded =>
        {
            Assert.Equal([8L, 384], loaded.FillGap(RepeatedWindows(8, 9)).Shape);
            using var state = loaded.StateDict();
            Assert.All(state.Keys, k => Assert.Matches(Prefixes, k));
        });

    [Fact]
    public void TheConnectorsLossDoesNotReachTheInpainter()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny());
        model.Eval();
        var loss = model.EvaluationLoss(RepeatedWindows(4, 13));
        loss.Terms["recon"].Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            bool inpainter = !name.StartsWith("combine_", StringComparison.Ordinal);
            bool touched = p.Grad is { } g && g.Abs().Sum().Item() > 0;
            Assert.True(inpainter ? !touched : true, $"{name} got a gradient from the connector's recon");
        }
        Assert.Contains(model.NamedParameters(), p => p.Name.StartsWith("combine_out", StringComparison.Ordinal) && p.Parameter.Grad is { } g && g.Abs().Sum().Item() > 0);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(1.0, true)]
    [InlineData(0.5, false)]
    public void ScopedStepsLeaveNoLiveTensors(double teacherForcing, bool connector)
    {
        using var model = (SketchNetModel)ModelRegistry.Create(Tiny() with { TeacherForcingProbability = teacherForcing, Connector = connector });
        using var x = RepeatedWindows(4, 12);
        using var noise = new Generator(2);
        model.NoiseGenerator = noise;
        var optimizers = model.CreateOptimizers(1e-3);
        try
        {
            void Step(int i)
            {
                using var scope = Torch.NewScope();
                model.Train();
                model.TrainStep(x, new TrainingProgress(0, i, 10, 1), optimizers);
                model.EvaluationLoss(x);
                model.GapNll(x);
                model.FillGap(x, noise, 0.7);
                var (codes, mask) = model.SketchCodes(4, null, Torch.Zeros(4, 24));
                model.FillGap(x, null, null, codes.Unsqueeze(1).Expand(4, 4, 8).Contiguous(), mask.Unsqueeze(1).Expand(4, 4, 8).Contiguous());
            }
            Step(0);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long before = Torch.LiveTensors;
            for (int i = 1; i < 6; i++) Step(i);
            Assert.Equal(before, Torch.LiveTensors);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }
}
