using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The image models' test theory (build, forward shapes, finite loss terms that add up, save/load, a few
/// training steps, generation) for both MusicVAE models, plus their schedules and a run through the trainer.
/// Tiny sizes keep it fast; the defaults are built once.
/// </summary>
public class MusicVaeTests
{
    static MusicVaeTests() => MusicModels.Register();

    public static TheoryData<string> Names() => new() { "musicvae", "musicvae-hier" };

    /// <summary>A tiny config of <paramref name="name"/>: 2 bars, 1×16 LSTMs, z of 8.</summary>
    private static MelodyVaeConfig Tiny(string name) => ModelRegistry.DefaultConfig(name) switch
    {
        MusicVaeHierConfig h => h with { InputShape = [32], LatentDim = 8, EncoderSize = 16, EncoderLayers = 1, DecoderSize = 16, DecoderLayers = 1, ConductorSize = 16, ConductorLayers = 1, FreeBits = 0 },
        MusicVaeConfig f => f with { InputShape = [32], LatentDim = 8, EncoderSize = 16, EncoderLayers = 1, DecoderSize = 16, DecoderLayers = 1 },
        var other => throw new InvalidOperationException(other.GetType().Name),
    };

    private static Tensor RandomTokens(long n, long t, ulong seed)
    {
        using var g = new Generator(seed);
        using var scope = Torch.NewScope();
        return (Torch.Rand([n, t], generator: g) * (MelodyTokens.Count - 0.001)).Floor().To(DType.Int64).MoveToOuterScope();
    }

    /// <summary>Melodies with structure (a repeated 4-step motif per example) that a tiny model can learn quickly.</summary>
    private static Tensor MotifTokens(long n, long t, ulong seed)
    {
        using var scope = Torch.NewScope();
        var motif = RandomTokens(n, 4, seed);
        return motif.Repeat(1, t / 4).Contiguous().MoveToOuterScope();
    }

    private static void AssertValidTokens(Tensor tokens, long n, long t)
    {
        Assert.Equal([n, t], tokens.Shape);
        Assert.True(tokens.Ge(0.0).All().Item() == 1 && tokens.Lt((double)MelodyTokens.Count).All().Item() == 1);
        Assert.True(tokens.To(DType.Float64).Round().Equal(tokens.To(DType.Float64)));
    }

    [Fact]
    public void BothModelsAreRegisteredWithSequenceDefaults()
    {
        Assert.Equal(typeof(MusicVaeModel), ModelRegistry.Get("musicvae").ModelType);
        Assert.Equal(typeof(MusicVaeHierModel), ModelRegistry.Get("musicvae-hier").ModelType);
        var flat = (MusicVaeConfig)ModelRegistry.DefaultConfig("musicvae");
        Assert.Equal([32L], flat.InputShape);
        Assert.Equal(64, flat.LatentDim);
        Assert.Empty(flat.Validate());
        var hier = (MusicVaeHierConfig)ModelRegistry.DefaultConfig("musicvae-hier");
        Assert.Equal([256L], hier.InputShape);
        Assert.Equal(16, hier.Bars);
        Assert.Equal(128, hier.LatentDim);
        Assert.Empty(hier.Validate());
        // The JSON round trip keeps the type and the sequence settings.
        var back = (MusicVaeHierConfig)ModelRegistry.FromJson(ModelRegistry.ToJson(hier with { ConductorSize = 64 }));
        Assert.Equal(64, back.ConductorSize);
        Assert.Contains("\"free_bits\"", ModelRegistry.ToJson(flat));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ConfigsRefuseWhatDoesNotApply(string name)
    {
        var config = ModelRegistry.DefaultConfig(name);
        Assert.Empty(config.Validate());
        var bad = (MelodyVaeConfig)config with { Hidden = [64], Prior = "uniform", InputShape = [1, 32], SamplingSchedule = "linear", BetaRate = 1.0 };
        var problems = bad.Validate().ToList();
        Assert.Contains(problems, p => p.StartsWith("hidden does not apply", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("prior must be 'normal'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("input_shape must be [T]", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("sampling_schedule must be", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("beta_rate must be in [0, 1)", StringComparison.Ordinal));
        if (name == "musicvae-hier")
            Assert.Contains(((MelodyVaeConfig)config with { InputShape = [40] }).Validate(), p => p.Contains("whole number of bars", StringComparison.Ordinal));
        // The models check the shape themselves too (the trainer re-checks only the generic shape problems).
        Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny(name) with { InputShape = [1, 32] }));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void DefaultConfigBuildsAndRuns(string name)
    {
        using var scope = Torch.NewScope();
        using var model = ModelRegistry.Create(ModelRegistry.DefaultConfig(name));
        long t = model.InputShape[0];
        var x = RandomTokens(2, t, 1);
        using (Torch.NoGrad())
        {
            Assert.Equal([2L, model.LatentDim], model.Encode(x).Shape);
            var loss = model.EvaluationLoss(x).Values();
            Assert.All(loss.Values, v => Assert.True(double.IsFinite(v)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardShapesAndInputs(string name)
    {
        using var scope = Torch.NewScope();
        using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny(name));
        var x = RandomTokens(6, 32, 2);
        using (Torch.NoGrad())
        {
            var z = model.Encode(x);
            Assert.Equal([6L, 8], z.Shape);
            // float32 token ids (what TensorDataset stores) encode exactly as int64 ones.
            Assert.True(model.Encode(x.To(DType.Float32)).Equal(z));
            var decoded = model.Decode(z);
            Assert.Equal(DType.Float32, decoded.DType);
            AssertValidTokens(decoded, 6, 32);
            Assert.Equal([6L, 32], model.Call(x).Shape);
            Assert.Equal([5L, 8], model.SamplePrior(5).Shape);
            AssertValidTokens(model.Sample(5), 5, 32);
            Assert.Equal([2L, 4, 32], model.Interpolate(x.Narrow(0, 0, 2).To(DType.Float32), x.Narrow(0, 2, 2).To(DType.Float32), 4).Shape);
            var (mu, sigma) = model.Posterior(x);
            Assert.True(sigma.Gt(0.0).All().Item() == 1);
            Assert.Equal(mu.Shape, sigma.Shape);
        }
        Assert.Throws<ArgumentException>(() => model.Encode(RandomTokens(2, 31, 3)));
        Assert.Throws<ArgumentException>(() => model.Encode(Torch.Full([2, 32], 0.5)));
        Assert.Throws<ArgumentException>(() => model.Encode(Torch.Full([2, 32], (double)MelodyTokens.Count)));
        Assert.Throws<ArgumentException>(() => model.Decode(Torch.Zeros(2, 9)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LossTermsAreFiniteAndAddUp(string name)
    {
        using var scope = Torch.NewScope();
        using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny(name));
        var x = RandomTokens(8, 32, 4).To(DType.Float32);
        var loss = model.EvaluationLoss(x);
        var values = loss.Values();
        Assert.Equal(["accuracy", "kl", "kl_cost", "recon"], loss.Terms.Keys.Order().ToArray());
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{name}: {k} = {v}");
        foreach (var t in loss.Terms.Values) Assert.Equal(0, t.Dim);
        double sum = loss.Terms.Sum(t => loss.Weights[t.Key] * t.Value.Item());
        Assert.Equal(sum, values["loss"], 1e-3 * Math.Max(1, Math.Abs(sum)));
        // Untrained, each of the 32 steps costs about ln 90 nats.
        Assert.InRange(values["recon"], 0.8 * 32 * Math.Log(90), 1.2 * 32 * Math.Log(90));
        Assert.InRange(values["accuracy"], 0.0, 1.0);
        Assert.Equal(0.2, loss.Weights["kl_cost"], 12);    // evaluation: β at β_max
        Assert.Equal(0.0, loss.Weights["kl"]);
        Assert.Equal(0.0, loss.Weights["accuracy"]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SaveThenLoadGivesTheSameLossAndMelodies(string name)
    {
        using var scope = Torch.NewScope();
        var config = Tiny(name);
        using var model = (MelodyVaeModel)ModelRegistry.Create(config);
        using var other = (MelodyVaeModel)ModelRegistry.Create(config);
        using var noise = new Generator(7);
        var x = RandomTokens(4, 32, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, noise, (a, b) =>
        {
            var z = a.Encode(x);
            Assert.True(b.Encode(x).Equal(z));
            Assert.True(b.DecodeTokens(z).Equal(a.DecodeTokens(z)));
        });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AFewTrainingStepsLowerTheLoss(string name)
    {
        using var scope = Torch.NewScope();
        using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny(name));
        using var noise = new Generator(11);
        model.NoiseGenerator = noise;
        var x = MotifTokens(8, 32, 6);
        double Evaluate()
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(99);
            using (Torch.NoGrad()) return model.EvaluationLoss(x).Total.Item();
        }
        double before = Evaluate();
        var optimizers = model.CreateOptimizers(1e-2);
        try
        {
            for (int step = 0; step < 15; step++)
            {
                using var s = Torch.NewScope();
                var loss = model.TrainStep(x, new TrainingProgress(0, step, 15, 1), optimizers);
                Assert.True(double.IsFinite(loss.Total.Item()));
                // The learning rate follows Magenta's decay from the rate the optimizers were made with.
                Assert.Equal(MusicVaeSchedules.LearningRate(step, 1e-2, 0.9999, 1e-5), optimizers["model"].LearningRate, 12);
            }
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
        double after = Evaluate();
        Assert.True(after < before - 10.0, $"{name}: loss {before} -> {after}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GenerationGivesValidTokensGreedyOrSampled(string name)
    {
        using var scope = Torch.NewScope();
        using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny(name));
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        var a = model.Generate(3, temperature: 0.5, generator: g1);
        var b = model.Generate(3, temperature: 0.5, generator: g2);
        Assert.Equal(DType.Int64, a.DType);
        AssertValidTokens(a, 3, 32);
        Assert.True(a.Equal(b));                                  // same generator state, same melodies
        var z = model.SamplePrior(3, g1);
        AssertValidTokens(model.DecodeTokens(z), 3, 32);
        Assert.True(model.DecodeTokens(z).Equal(model.DecodeTokens(z)));   // greedy is deterministic
        // A very high temperature spreads the draws over the vocabulary.
        var hot = model.DecodeTokens(z, temperature: 100, generator: g1);
        Assert.True(hot.Ne(model.DecodeTokens(z)).Any().Item() == 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeTokens(z, temperature: 0));
    }

    [Fact]
    public void ScheduledSamplingFollowsTheInverseSigmoid()
    {
        // Magenta lstm_utils.get_sampling_probability: sampling = 1 − k/(k + exp(step/k)); teacher forcing is the rest.
        Assert.Equal(1000.0 / 1001.0, MusicVaeSchedules.TeacherForcingProbability("inverse_sigmoid", 1000, 0), 12);
        Assert.Equal(0.5, MusicVaeSchedules.TeacherForcingProbability("inverse_sigmoid", 1000, (long)Math.Round(1000 * Math.Log(1000))), 3);
        Assert.True(MusicVaeSchedules.TeacherForcingProbability("inverse_sigmoid", 1000, 20000) < 0.01);
        Assert.Equal(0.75, MusicVaeSchedules.TeacherForcingProbability("constant", 0.25, 123), 12);
        Assert.Equal(Math.Pow(0.999, 500), MusicVaeSchedules.TeacherForcingProbability("exponential", 0.999, 500), 12);
        var steps = new long[] { 0, 1000, 3000, 6000, 9000, 12000 };
        var p = steps.Select(s => MusicVaeSchedules.TeacherForcingProbability("inverse_sigmoid", 1000, s)).ToArray();
        for (int i = 1; i < p.Length; i++) Assert.True(p[i] < p[i - 1]);

        // The model uses it in training mode only: with it at 1 (constant rate 0) training and evaluation losses agree.
        using var scope = Torch.NewScope();
        using var noise = new Generator(5);
        var x = RandomTokens(4, 32, 8);
        double LossOf(MelodyVaeModel m, bool training, long step)
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(1);
            m.Train(training);
            using (Torch.NoGrad()) return m.Loss(x, new TrainingProgress(0, step, 10, 1)).Values()["recon"];
        }
        using var teacher = (MelodyVaeModel)ModelRegistry.Create(Tiny("musicvae") with { SamplingSchedule = "constant", SamplingRate = 0 });
        teacher.NoiseGenerator = noise;
        Assert.Equal(LossOf(teacher, false, 5), LossOf(teacher, true, 5), 4);
        Assert.Equal(1.0, teacher.TeacherForcingProbability(new TrainingProgress(0, 5, 10, 1)));
        // Always feeding its own samples changes what the decoder sees, and so the loss.
        using var free = (MelodyVaeModel)ModelRegistry.Create(Tiny("musicvae") with { SamplingSchedule = "constant", SamplingRate = 1 });
        free.NoiseGenerator = noise;
        free.Load(SaveTemp(teacher, out var dir));
        dir.Delete(true);
        Assert.Equal(LossOf(teacher, false, 5), LossOf(free, false, 5), 4);
        Assert.NotEqual(LossOf(free, false, 5), LossOf(free, true, 5));
        foreach (var hierP in new[] { 0.3, 1.0 })
        {
            using var hier = (MelodyVaeModel)ModelRegistry.Create(Tiny("musicvae-hier") with { SamplingSchedule = "constant", SamplingRate = hierP });
            hier.NoiseGenerator = noise;
            Assert.True(double.IsFinite(LossOf(hier, true, 0)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ScheduledSamplingRunsInStretchesThatCarryTheState(string name)
    {
        // With every step chosen for sampling but the "sample" forced to the ground truth, the stretched runs
        // (one fused call per step here) must give the teacher-forced loss exactly: the states carry across.
        using var scope = Torch.NewScope();
        using var noise = new Generator(4);
        using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny(name) with { SamplingSchedule = "constant", SamplingRate = 1 });
        model.NoiseGenerator = noise;
        var x = RandomTokens(5, 32, 12);
        double Recon(bool training)
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(8);
            model.Train(training);
            using (Torch.NoGrad()) return model.Loss(x, new TrainingProgress(0, 3, 10, 1)).Values()["recon"];
        }
        double teacherForced = Recon(false);
        int calls = 0;
        model.ScheduledSampleOverride = (logits, truth) => { calls++; return truth.Clone(); };
        Assert.Equal(teacherForced, Recon(true), 3);
        Assert.True(calls >= 15, $"{calls} sampled steps");
        // And a real sample changes it.
        model.ScheduledSampleOverride = null;
        Assert.NotEqual(teacherForced, Recon(true));
    }

    private static string SaveTemp(Module model, out DirectoryInfo dir)
    {
        dir = Directory.CreateTempSubdirectory("ls-musicvae-");
        var path = Path.Combine(dir.FullName, "m.safetensors");
        model.Save(path);
        return path;
    }

    [Fact]
    public void FreeBitsAndBetaAnnealingAtGivenSteps()
    {
        // β = (1 − beta_rate^step)·max_beta (Magenta base_model.py).
        Assert.Equal(0.0, MusicVaeSchedules.Beta(0, 0.2, 0.99999));
        Assert.Equal((1 - Math.Pow(0.99999, 100_000)) * 0.2, MusicVaeSchedules.Beta(100_000, 0.2, 0.99999), 12);
        Assert.Equal(0.2 * (1 - Math.Exp(-1)), MusicVaeSchedules.Beta(100_000, 0.2, 0.99999), 5);
        Assert.Equal(0.2, MusicVaeSchedules.Beta(1, 0.2, 0.0));
        Assert.Equal(0.2, MusicVaeSchedules.Beta(long.MaxValue / 2, 0.2, 0.99999));
        // max(KL − free_bits·ln 2, 0).
        Assert.Equal(10.0, MusicVaeSchedules.KlCost(10, 0));
        Assert.Equal(10 - 8 * Math.Log(2), MusicVaeSchedules.KlCost(10, 8), 12);
        Assert.Equal(0.0, MusicVaeSchedules.KlCost(3, 8));
        // Learning rate: (lr − min)·decay^step + min, never below the floor.
        Assert.Equal(1e-3, MusicVaeSchedules.LearningRate(0, 1e-3, 0.9999, 1e-5), 15);
        Assert.Equal((1e-3 - 1e-5) * Math.Pow(0.9999, 10_000) + 1e-5, MusicVaeSchedules.LearningRate(10_000, 1e-3, 0.9999, 1e-5), 15);
        Assert.InRange(MusicVaeSchedules.LearningRate(1_000_000, 1e-3, 0.9999, 1e-5), 1e-5, 1.0001e-5);

        // In the model: kl_cost is the batch mean of max(KL_i − free nats, 0), weighted by β at the step.
        using var scope = Torch.NewScope();
        using var noise = new Generator(9);
        var x = RandomTokens(6, 32, 10);
        foreach (var freeBits in new[] { 0.0, 0.5, 1000.0 })
        {
            using var model = (MelodyVaeModel)ModelRegistry.Create(Tiny("musicvae") with { FreeBits = freeBits });
            model.NoiseGenerator = noise;
            using var s = Torch.NewScope();
            noise.ManualSeed(2);
            var progress = new TrainingProgress(0, 50_000, 100, 1000);
            LossTerms loss;
            using (model.Inference()) loss = model.Loss(x, progress);
            Tensor kl;
            using (Torch.NoGrad()) { var (mu, sigma) = model.Posterior(x); kl = MelodyVaeModel.KlDivergence(mu, sigma); }
            double expected = kl.ToArray<float>().Average(k => MusicVaeSchedules.KlCost(k, freeBits));
            Assert.Equal(expected, loss.Terms["kl_cost"].Item(), 4);
            Assert.Equal(kl.Mean().Item(), loss.Terms["kl"].Item(), 4);
            Assert.Equal(MusicVaeSchedules.Beta(50_000, 0.2, 0.99999), loss.Weights["kl_cost"], 12);
            if (freeBits == 1000.0) Assert.Equal(0.0, loss.Terms["kl_cost"].Item());
        }
    }

    /// <summary>Random float32 token sequences, as a data source would give them (TensorDataset holds float32).</summary>
    private sealed class RandomMelodies(long length) : IDatasetSource
    {
        public DatasetSplits Load(string name, Action<string>? warn)
        {
            if (name != "melodies") throw new ArgumentException($"unknown dataset '{name}'; known: melodies");
            return new DatasetSplits(Make("melodies/train", 48, 31), Make("melodies/test", 16, 32));
        }

        private TensorDataset Make(string name, long n, ulong seed)
        {
            using var scope = Torch.NewScope();
            return new TensorDataset(name, MotifTokens(n, length, seed).To(DType.Float32).Contiguous().DetachFromScope());
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainsOneEpochThroughTheTrainer(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ls-musicvae-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = new RunConfigBuilder()
                .Set("model", name, "test")
                .Set("latent_dim", 8, "test")
                .Set("encoder_size", 16, "test")
                .Set("encoder_layers", 1, "test")
                .Set("decoder_size", 16, "test")
                .Set("decoder_layers", 1, "test")
                .Set("data", "melodies", "test")
                .Set("epochs", 1, "test")
                .Set("batch_size", 16, "test")
                .Set("lr", 1e-3, "test")
                .Set("seed", 1, "test")
                .Set("out", dir, "test")
                .Build();
            var result = new Trainer(new RandomMelodies(32)).Train(config);
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            Assert.Equal(1, result.EpochsDone);
            Assert.Equal(3, result.Step);
            Assert.NotNull(result.LastValidation);
            var means = result.LastValidation!.Means;
            Assert.Contains("accuracy", means.Keys);
            Assert.All(means.Values, v => Assert.True(double.IsFinite(v)));
            var saved = RunConfig.Load(Path.Combine(dir, RunFolder.ConfigFile));
            Assert.Equal([32L], saved.Model.InputShape);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>Tests that count live tensors run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MusicProcessWideState
{
    public const string Name = "Music: process-wide state";
}

/// <summary>Training steps, evaluation and generation in a dispose scope leave no live tensors behind.</summary>
[Collection(MusicProcessWideState.Name)]
public class MusicVaeLeakTests
{
    static MusicVaeLeakTests() => MusicModels.Register();

    [Theory]
    [InlineData("musicvae")]
    [InlineData("musicvae-hier")]
    public void ScopedStepsLeaveNoLiveTensors(string name)
    {
        var config = (MelodyVaeConfig)ModelRegistry.DefaultConfig(name) with
        {
            InputShape = [32], LatentDim = 4, EncoderSize = 8, EncoderLayers = 1, DecoderSize = 8, DecoderLayers = 1,
            SamplingSchedule = "constant", SamplingRate = 0.3,
        };
        using var model = (MelodyVaeModel)ModelRegistry.Create(config);
        using var x = Torch.Full([6, 32], 5.0);
        var optimizers = model.CreateOptimizers(1e-3);
        try
        {
            void Step(int i)
            {
                using var scope = Torch.NewScope();
                model.TrainStep(x, new TrainingProgress(0, i, 10, 1), optimizers);
                using (Torch.NoGrad())
                {
                    model.EvaluationLoss(x);
                    model.Sample(2);
                    model.Generate(2, temperature: 0.7);
                    model.Interpolate(x.Narrow(0, 0, 1), x.Narrow(0, 1, 1), 3);
                }
            }
            Step(0);
            long before = Torch.LiveTensors;
            for (int i = 1; i < 4; i++) Step(i);
            Assert.Equal(before, Torch.LiveTensors);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }
}
