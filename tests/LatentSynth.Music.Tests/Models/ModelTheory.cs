using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.Optim;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The test theory the music models share: the save/load round trip of every model, and what both bar VAEs
/// (MeasureVAE, SketchVAE) must do alike — valid bars, seeded generation, one epoch through the trainer, no leaked tensors.</summary>
internal static class ModelTheory
{
    /// <summary>Bars of 24 tokens in 0..129, integral: the bar VAEs' output contract.</summary>
    public static void AssertValidBars(Tensor tokens, long n)
    {
        Assert.Equal([n, 24L], tokens.Shape);
        Assert.True(tokens.Ge(0.0).All().Item() == 1 && tokens.Lt((double)InpaintTokens.Count).All().Item() == 1);
        Assert.True(tokens.To(DType.Float64).Round().Equal(tokens.To(DType.Float64)));
    }

    /// <summary>
    /// Generation of a bar VAE: int64 valid bars; the same generator seed gives the same bars; greedy decoding is deterministic,
    /// a hot temperature changes it, a zero temperature is refused.
    /// </summary>
    /// <param name="model">The bar VAE (its prior).</param>
    /// <param name="generate">Its Generate(n, temperature, generator).</param>
    /// <param name="decode">Its DecodeTokens(z, temperature, generator).</param>
    public static void GenerationGivesValidBarsGreedyOrSampled(AutoencoderModel model, Func<long, double?, Generator?, Tensor> generate,
        Func<Tensor, double?, Generator?, Tensor> decode)
    {
        using var scope = Torch.NewScope();
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        var a = generate(3, 0.5, g1);
        var b = generate(3, 0.5, g2);
        Assert.Equal(DType.Int64, a.DType);
        AssertValidBars(a, 3);
        Assert.True(a.Equal(b));
        var z = model.SamplePrior(3, g1);
        Assert.True(decode(z, null, null).Equal(decode(z, null, null)));
        Assert.True(decode(z, 100, g1).Ne(decode(z, null, null)).Any().Item() == 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => decode(z, 0, null));
    }

    /// <summary>Learnable float32 bars named "bars" (48 train, 16 test), as a data source would give them, from <paramref name="bars"/>(n, seed).</summary>
    public sealed class BarsSource(Func<long, ulong, Tensor> bars) : IDatasetSource
    {
        /// <inheritdoc />
        public DatasetSplits Load(string name, Action<string>? warn)
        {
            if (name != "bars") throw new ArgumentException($"unknown dataset '{name}'; known: bars");
            return new DatasetSplits(Make("bars/train", 48, 31), Make("bars/test", 16, 32));
        }

        private TensorDataset Make(string name, long n, ulong seed)
        {
            using var scope = Torch.NewScope();
            return new TensorDataset(name, bars(n, seed).To(DType.Float32).Contiguous().DetachFromScope());
        }
    }

    /// <summary>
    /// One epoch of a tiny <paramref name="model"/> (z 8, 1×16 GRUs, batch 16, plus <paramref name="extra"/> keys) on
    /// <paramref name="source"/>'s "bars" through the trainer: completed in 3 steps with finite validation means; returns the
    /// saved model config (input shape [24] checked).
    /// </summary>
    public static ModelConfig TrainsOneEpochThroughTheTrainer(string model, IDatasetSource source, params (string Key, int Value)[] extra) =>
        TrainsOneEpochThroughTheTrainer(model, source, [24L],
            [("encoder_size", 16), ("encoder_layers", 1), ("decoder_size", 16), ("decoder_layers", 1), .. extra]);

    /// <summary>
    /// One epoch of <paramref name="model"/> (z 8, batch 16, the size keys <paramref name="sizes"/>) on <paramref name="source"/>'s
    /// "bars" (48 examples) through the trainer: completed in 3 steps with finite validation means; returns the saved model
    /// config, whose input shape must be <paramref name="inputShape"/> (taken from the data).
    /// </summary>
    public static ModelConfig TrainsOneEpochThroughTheTrainer(string model, IDatasetSource source, long[] inputShape, (string Key, int Value)[] sizes)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ls-{model}-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = TrainTiny(model, source, dir, sizes);
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            Assert.Equal(3, result.Step);
            Assert.All(result.LastValidation!.Means.Values, v => Assert.True(double.IsFinite(v)));
            var saved = RunConfig.Load(Path.Combine(dir, RunFolder.ConfigFile)).Model;
            Assert.Equal(inputShape, saved.InputShape);
            return saved;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Trains one epoch of a tiny bar VAE <paramref name="model"/> (z 8, 1×16 GRUs, batch 16, lr 1e-3, seed 1, plus
    /// <paramref name="extra"/> keys) on <paramref name="source"/>'s "bars" into <paramref name="dir"/>: the run the model tests
    /// and the frozen stage-1 runs of the gap models' tests use.
    /// </summary>
    public static TrainingResult TrainTinyBarVae(string model, IDatasetSource source, string dir, params (string Key, int Value)[] extra) =>
        TrainTiny(model, source, dir, [("encoder_size", 16), ("encoder_layers", 1), ("decoder_size", 16), ("decoder_layers", 1), .. extra]);

    /// <summary>One epoch of <paramref name="model"/> (z 8, batch 16, lr 1e-3, seed 1, the size keys <paramref name="sizes"/>) on
    /// <paramref name="source"/>'s "bars" into <paramref name="dir"/>.</summary>
    public static TrainingResult TrainTiny(string model, IDatasetSource source, string dir, (string Key, int Value)[] sizes)
    {
        var builder = new RunConfigBuilder()
            .Set("model", model, "test")
            .Set("latent_dim", 8, "test")
            .Set("data", "bars", "test")
            .Set("epochs", 1, "test")
            .Set("batch_size", 16, "test")
            .Set("lr", 1e-3, "test")
            .Set("seed", 1, "test")
            .Set("out", dir, "test");
        foreach (var (key, value) in sizes) builder.Set(key, System.Text.Json.Nodes.JsonValue.Create(value), "test");
        return new Trainer(source).Train(builder.Build());
    }

    /// <summary>
    /// <paramref name="steps"/> scoped training steps (progress from <paramref name="progress"/>), each followed by evaluation,
    /// sampling, generation, interpolation and <paramref name="extra"/> without gradients, leave the live-tensor count where the
    /// first step left it (<paramref name="extra"/> covers the model's own generation).
    /// </summary>
    public static void ScopedStepsLeaveNoLiveTensors(AutoencoderModel model, Tensor x, Func<int, TrainingProgress> progress, int steps,
        Action<Tensor>? extra = null)
    {
        var optimizers = model.CreateOptimizers(1e-3);
        try
        {
            void Step(int i)
            {
                using var scope = Torch.NewScope();
                model.TrainStep(x, progress(i), optimizers);
                using (Torch.NoGrad())
                {
                    model.EvaluationLoss(x);
                    extra?.Invoke(x);
                    model.Sample(2);
                    model.Interpolate(x.Narrow(0, 0, 1), x.Narrow(0, 1, 1), 3);
                }
            }
            Step(0);
            long before = Torch.LiveTensors;
            for (int i = 1; i < steps; i++) Step(i);
            Assert.Equal(before, Torch.LiveTensors);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }

    /// <summary>
    /// Saves <paramref name="model"/>, checks that <paramref name="other"/> (initialized differently) gives another evaluation
    /// loss on <paramref name="x"/>, loads the file into it and checks the losses are equal; then <paramref name="alsoEqual"/>
    /// compares whatever else the model produces, without gradients. With <paramref name="noise"/>, both models draw their
    /// posterior noise from it, reseeded before each loss.
    /// </summary>
    public static void SaveLoadRoundTrip<T>(T model, T other, Tensor x, Generator? noise = null, Action<T, T>? alsoEqual = null)
        where T : AutoencoderModel
    {
        var dir = Directory.CreateTempSubdirectory("ls-music-model-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            if (noise is not null) model.NoiseGenerator = other.NoiseGenerator = noise;
            double LossOf(T m)
            {
                using var s = Torch.NewScope();
                noise?.ManualSeed(3);
                using (Torch.NoGrad()) return m.EvaluationLoss(x).Total.Item();
            }
            model.Save(path);
            Assert.NotEqual(LossOf(model), LossOf(other));
            other.Load(path);
            Assert.Equal(LossOf(model), LossOf(other));
            if (alsoEqual is not null)
                using (Torch.NoGrad()) alsoEqual(model, other);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="steps"/> training steps of <paramref name="model"/> on the batch <paramref name="x"/> at learning rate
    /// <paramref name="lr"/> (each step's loss finite; <paramref name="afterStep"/> may check more), its posterior noise drawn from
    /// <paramref name="noise"/>: the evaluation loss before and after, the noise reseeded alike for both.
    /// </summary>
    public static (double Before, double After) TrainSteps(AutoencoderModel model, Tensor x, Generator noise, int steps, double lr,
        Action<int, IReadOnlyDictionary<string, Optimizer>>? afterStep = null)
    {
        model.NoiseGenerator = noise;
        double Evaluate()
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(99);
            using (Torch.NoGrad()) return model.EvaluationLoss(x).Total.Item();
        }
        double before = Evaluate();
        var optimizers = model.CreateOptimizers(lr);
        try
        {
            for (int step = 0; step < steps; step++)
            {
                using var s = Torch.NewScope();
                var loss = model.TrainStep(x, new TrainingProgress(0, step, steps, 1), optimizers);
                Assert.True(double.IsFinite(loss.Total.Item()), $"step {step}: loss {loss.Total.Item()}");
                afterStep?.Invoke(step, optimizers);
            }
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
        return (before, Evaluate());
    }

    /// <summary>
    /// Through the trainer: 1 epoch (3 steps, finite validation), the run reloads (<paramref name="checkLoaded"/> looks at the
    /// loaded model), resumes to 2 epochs (6 steps), and its parameters equal, bit for bit, those of a straight 2-epoch run.
    /// </summary>
    /// <param name="source">The data the configs name.</param>
    /// <param name="config">The run config for (folder, epochs).</param>
    /// <param name="checkLoaded">Checks on the model loaded from the 1-epoch run.</param>
    public static void TrainsReloadsAndResumesBitForBit<T>(IDatasetSource source, Func<string, int, RunConfig> config, Action<T> checkLoaded)
        where T : AutoencoderModel
    {
        var root = Path.Combine(Path.GetTempPath(), "ls-music-run-" + Guid.NewGuid().ToString("N"));
        string straight = Path.Combine(root, "straight"), resumed = Path.Combine(root, "resumed");
        try
        {
            var result = new Trainer(source).Train(config(resumed, 1));
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            Assert.Equal(3, result.Step);
            Assert.All(result.LastValidation!.Means.Values, v => Assert.True(double.IsFinite(v)));
            using (var loaded = (T)RunFolder.Open(resumed).LoadModel()) checkLoaded(loaded);

            var again = new Trainer(source).Resume(resumed, epochs: 2);
            Assert.Equal(TrainingOutcome.Completed, again.Outcome);
            Assert.Equal(6, again.Step);
            Assert.Equal(TrainingOutcome.Completed, new Trainer(source).Train(config(straight, 2)).Outcome);
            using var a = (T)RunFolder.Open(straight).LoadModel();
            using var b = (T)RunFolder.Open(resumed).LoadModel();
            foreach (var ((name, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
                Assert.True(pa.Equal(pb), $"{name} differs between the straight and the resumed run");
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The registered defaults of <paramref name="name"/> build a model whose code of the 2 examples <paramref name="x"/> is
    /// [2, <paramref name="latentDim"/>], whose evaluation loss terms are finite, and whose generation passes <paramref name="checkGeneration"/>.
    /// </summary>
    public static void DefaultConfigBuildsAndRuns<T>(string name, Tensor x, long latentDim, Action<T> checkGeneration) where T : AutoencoderModel
    {
        using var scope = Torch.NewScope();
        using var model = (T)ModelRegistry.Create(ModelRegistry.DefaultConfig(name));
        using (Torch.NoGrad())
        {
            Assert.Equal([2L, latentDim], model.Encode(x).Shape);
            Assert.All(model.EvaluationLoss(x).Values().Values, v => Assert.True(double.IsFinite(v)));
            checkGeneration(model);
        }
    }
}
