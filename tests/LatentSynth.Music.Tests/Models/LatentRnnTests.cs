using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>A tiny "measurevae" trained for one epoch into a temporary run folder, shared by the LatentRNN tests.</summary>
public sealed class MeasureVaeRunFixture : IDisposable
{
    static MeasureVaeRunFixture() => MusicModels.Register();

    /// <summary>Trains the run.</summary>
    public MeasureVaeRunFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ls-latentrnn-bars-" + Guid.NewGuid().ToString("N"));
        var result = ModelTheory.TrainTinyBarVae("measurevae", new LatentRnnTests.Source(), Dir);
        if (result.Outcome != TrainingOutcome.Completed) throw new InvalidOperationException($"the MeasureVAE run did not complete: {result.Outcome}");
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
/// The test theory for "inpaintnet" (LatentRNN on a frozen MeasureVAE): build, forward shapes, finite loss, save/load,
/// a few training steps, FillGap, frozen stage 1, refusals, a run through the trainer.
/// </summary>
[Collection(MusicProcessWideState.Name)]
public class LatentRnnTests(MeasureVaeRunFixture bars) : IClassFixture<MeasureVaeRunFixture>
{
    static LatentRnnTests() => MusicModels.Register();

    private const int V = MeasureVaeModel.VocabularySize;

    private LatentRnnConfig Tiny() => (LatentRnnConfig)ModelRegistry.DefaultConfig("inpaintnet") with
    {
        MeasureVaeRun = bars.Dir, LatentDim = 8, RnnSize = 12, RnnLayers = 2, Dropout = 0,
    };

    /// <summary>Learnable windows: one beat bar (MeasureVaeTests.BeatBars) repeated 16 times, int64 [n, 384].</summary>
    internal static Tensor RepeatedWindows(long n, ulong seed)
    {
        using var scope = Torch.NewScope();
        return MeasureVaeTests.BeatBars(n, seed).Unsqueeze(1).Expand(n, 16, 24).Reshape(n, 384).Contiguous().MoveToOuterScope();
    }

    /// <summary>Beat bars ("bars", [24]) and repeated windows ("windows", [384]), float32 as the datasets store them.</summary>
    internal sealed class Source : IDatasetSource
    {
        public DatasetSplits Load(string name, Action<string>? warn) => name switch
        {
            "bars" => new DatasetSplits(Make("bars/train", MeasureVaeTests.BeatBars(48, 31)), Make("bars/test", MeasureVaeTests.BeatBars(16, 32))),
            "windows" => new DatasetSplits(Make("windows/train", RepeatedWindows(24, 33)), Make("windows/test", RepeatedWindows(8, 34))),
            _ => throw new ArgumentException($"unknown dataset '{name}'; known: bars, windows"),
        };

        private static TensorDataset Make(string name, Tensor tokens)
        {
            using var scope = Torch.NewScope();
            return new TensorDataset(name, tokens.To(DType.Float32).Contiguous().DetachFromScope());
        }
    }

    [Fact]
    public void IsRegisteredWithTheWindowDefaults()
    {
        var entry = ModelRegistry.Get("inpaintnet");
        Assert.Equal(typeof(LatentRnnModel), entry.ModelType);
        var config = (LatentRnnConfig)ModelRegistry.DefaultConfig("inpaintnet");
        Assert.Equal([384L], config.InputShape);
        Assert.Equal(128, config.LatentDim);
        Assert.Equal(256, config.RnnSize);
        Assert.Equal(2, config.RnnLayers);
        Assert.Empty(config.Validate());
        var back = (LatentRnnConfig)ModelRegistry.FromJson(ModelRegistry.ToJson(config with { MeasureVaeRun = "runs/bars" }));
        Assert.Equal("runs/bars", back.MeasureVaeRun);
        Assert.Contains((config with { InputShape = [24] }).Validate(), p => p.StartsWith("input_shape must be [384]", StringComparison.Ordinal));
        Assert.Contains((config with { Hidden = [64] }).Validate(), p => p.StartsWith("hidden does not apply", StringComparison.Ordinal));
    }

    [Fact]
    public void BuildsWithForwardShapes()
    {
        using var scope = Torch.NewScope();
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(3, 1);
        Assert.Equal(8, model.MeasureVae.LatentDim);
        Assert.Equal([3L, 384], model.FillGap(x).Shape);
        Assert.Equal(DType.Int64, model.FillGap(x).DType);
        Assert.Equal(DType.Float32, model.FillGap(x.To(DType.Float32)).DType);
        Assert.Equal([3L], model.GapNll(x).Shape);
        Assert.Equal(DType.Float32, model.Call(x.To(DType.Float32)).DType);
        Assert.Throws<NotSupportedException>(() => model.Encode(x));
        Assert.Throws<NotSupportedException>(() => model.Decode(Torch.Zeros(3, 8)));
        Assert.Throws<NotSupportedException>(() => model.SamplePrior(2));
        Assert.Contains("[batch, 384]", Assert.Throws<ArgumentException>(() => model.GapNll(x.Narrow(1, 0, 24))).Message, StringComparison.Ordinal);
        // Only stage 2 is saved and optimised.
        Assert.All(model.NamedParameters(), p => Assert.Matches("^(context_rnn_past|context_rnn_future|generation_rnn|generation_linear)\\.", p.Name));
    }

    [Fact]
    public void LossIsFiniteAndIsTheMeanGapNll()
    {
        using var scope = Torch.NewScope();
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(4, 2).To(DType.Float32);
        var loss = model.EvaluationLoss(x);
        Assert.Equal(["accuracy", "recon"], loss.Terms.Keys.Order().ToArray());
        var values = loss.Values();
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{k} = {v}");
        Assert.True(values["recon"] > 0);
        Assert.Equal(model.GapNll(x).Mean().Item(), values["recon"], 3);
        model.Train();
        using var noise = new Generator(3);
        model.NoiseGenerator = noise;
        for (int i = 0; i < 4; i++) Assert.True(double.IsFinite(model.Loss(x, new TrainingProgress(0, i, 4, 1)).Total.Item()));
    }

    [Fact]
    public void SaveThenLoadGivesTheSameLoss()
    {
        using var scope = Torch.NewScope();
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny());
        using var other = (LatentRnnModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(4, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, alsoEqual: (a, b) => Assert.True(b.FillGap(x).Equal(a.FillGap(x))));
    }

    [Fact]
    public void TrainingLowersTheLossAndLeavesTheMeasureVaeAlone()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(4);
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny());
        using var noise = new Generator(11);
        model.NoiseGenerator = noise;
        var x = RepeatedWindows(16, 6);
        var vaeBefore = model.MeasureVae.NamedParameters().Select(p => (p.Name, Value: p.Parameter.Detach().Clone())).ToList();
        Assert.All(model.MeasureVae.Parameters(), p => Assert.False(p.RequiresGrad));
        double Evaluate()
        {
            using var s = Torch.NewScope();
            using (Torch.NoGrad()) return model.EvaluationLoss(x).Total.Item();
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
        Assert.True(after < before - 20.0, $"loss {before} -> {after}");
        Assert.False(model.MeasureVae.Training);
        foreach (var (name, value) in vaeBefore)
            Assert.True(model.MeasureVae.NamedParameters().Single(p => p.Name == name).Parameter.Equal(value), $"MeasureVAE parameter {name} changed");
    }

    [Fact]
    public void FillGapKeepsTheContextAndPutsValidTokensInTheGap()
    {
        using var scope = Torch.NewScope();
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny());
        var x = RepeatedWindows(5, 7);
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        foreach (var filled in new[] { model.FillGap(x), model.FillGap(x, g1, 0.8) })
        {
            Assert.True(filled.Narrow(1, 0, 144).Equal(x.Narrow(1, 0, 144)));
            Assert.True(filled.Narrow(1, 240, 144).Equal(x.Narrow(1, 240, 144)));
            var gap = filled.Narrow(1, 144, 96);
            Assert.True(gap.Ge(0.0).All().Item() == 1 && gap.Lt((double)V).All().Item() == 1);
        }
        Assert.True(model.FillGap(x, g2, 0.8).Equal(model.FillGap(x, new Generator(21), 0.8)));
        Assert.True(model.FillGap(x).Equal(model.FillGap(x)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.FillGap(x, null, 0));
    }

    [Fact]
    public void AMissingOrWrongMeasureVaeRunIsRefusedByName()
    {
        var missing = Path.Combine(Path.GetTempPath(), "ls-no-such-run-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { MeasureVaeRun = missing }));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("measure_vae_run", e.Message, StringComparison.Ordinal);
        Assert.Contains("measure_vae_run is not set", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { MeasureVaeRun = "" })).Message, StringComparison.Ordinal);
        Assert.Contains("latent_dim", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { LatentDim = 9 })).Message, StringComparison.Ordinal);
    }

    private RunConfig TrainerConfig(string dir, int epochs) => new RunConfigBuilder()
        .Set("model", "inpaintnet", "test")
        .Set("measure_vae_run", bars.Dir, "test")
        .Set("latent_dim", 8, "test")
        .Set("rnn_size", 12, "test")
        .Set("data", "windows", "test")
        .Set("epochs", epochs, "test")
        .Set("batch_size", 8, "test")
        .Set("lr", 1e-3, "test")
        .Set("seed", 1, "test")
        .Set("out", dir, "test")
        .Build();

    [Fact]
    public void TrainsThroughTheTrainerReloadsAndResumesBitForBit() =>
        ModelTheory.TrainsReloadsAndResumesBitForBit<LatentRnnModel>(new Source(), TrainerConfig, loaded =>
        {
            Assert.Equal([8L, 384], loaded.FillGap(RepeatedWindows(8, 9)).Shape);
            using var state = loaded.StateDict();
            Assert.All(state.Keys, k => Assert.Matches("^(context_rnn_past|context_rnn_future|generation_rnn|generation_linear)\\.", k));
        });

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void ScopedStepsLeaveNoLiveTensors(double teacherForcing)
    {
        using var model = (LatentRnnModel)ModelRegistry.Create(Tiny() with { TeacherForcingProbability = teacherForcing });
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
                model.FillGap(x);
            }
            Step(0);
            // Tensors other objects of the process (the fixture's trainer) left to the finalizer go first.
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
