using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Models.Priors;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Training.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Tests that seed the default generator, count live tensors or set Cli.Cli.DataSource run
/// alone, one after the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "Process-wide state";
}

// ---- test-only models: tiny, linear, fast --------------------------------------------------------

public sealed record TestVaeConfig : ModelConfig
{
    public double Beta { get; init; } = 1.0;
    public int WarmupEpochs { get; init; }
    /// <summary>Global step (0-based) at which the KL term turns NaN; -1 never.</summary>
    public long NanAtStep { get; init; } = -1;
    /// <summary>Global step (0-based) at which the decoder's weights are multiplied by 1e6 (a diverging but finite run); -1 never.</summary>
    public long BlowUpAtStep { get; init; } = -1;

    /// <summary>Calls of <see cref="Validate"/> on this thread (the "validate once" test counts them).</summary>
    [ThreadStatic] public static int ValidateCalls;

    public override IEnumerable<string> Validate()
    {
        ValidateCalls++;
        foreach (var p in base.Validate()) yield return p;
        if (!(Beta >= 0)) yield return $"beta must be non-negative, got {Beta}";
        if (WarmupEpochs < 0) yield return $"warmup_epochs must be non-negative, got {WarmupEpochs}";
        // Like the zoo's configs: an unknown prior is reported once, by ModelConfig.Validate; a model
        // restricts only registered priors.
        if (PriorRegistry.Registry.Contains(Prior) && Prior != "normal") yield return $"prior must be 'normal' for this model, got '{Prior}'";
    }
}

public sealed record TestWaeConfig : ModelConfig
{
    public double Lambda { get; init; } = 1.0;
    public string Kernel { get; init; } = "rbf";

    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (!(Lambda >= 0)) yield return $"lambda must be non-negative, got {Lambda}";
        if (Kernel is not ("rbf" or "imq")) yield return $"kernel must be 'rbf' or 'imq', got '{Kernel}'";
        if (PriorRegistry.Registry.Contains(Prior) && Prior is not ("normal" or "uniform"))
            yield return $"prior must be 'normal' or 'uniform' for this model, got '{Prior}'";
    }
}

/// <summary>
/// A config with a computed setting: <see cref="Pixels"/> has no setter, so it is written to
/// run.json for information, ignored when read back and refused by <c>--set</c>. (The zoo's
/// <see cref="ModelConfig.InputSize"/> is [JsonIgnore] and so is no key at all.)
/// </summary>
public sealed record TestAeConfig : ModelConfig
{
    /// <summary>Computed: the number of values in one example.</summary>
    public long Pixels => InputSize;
}

/// <summary>A linear Gaussian-posterior VAE on flattened inputs (one hidden width ignored: linear maps only).</summary>
[Model("test-vae", typeof(TestVaeConfig), "tiny linear VAE for trainer tests")]
public sealed class TestVae : AutoencoderModel
{
    private readonly Linear encoder, decoder;
    private readonly TestVaeConfig config;

    public TestVae(TestVaeConfig config) : base(config)
    {
        this.config = config;
        long d = config.InputShape.Aggregate(1L, (a, b) => a * b);
        encoder = RegisterModule("encoder", new Linear(d, 2 * config.LatentDim));
        decoder = RegisterModule("decoder", new Linear(config.LatentDim, d));
    }

    private (Tensor Mu, Tensor LogVar) Posterior(Tensor x)
    {
        var h = encoder.Call(x.Flatten(1));
        return (h.Narrow(1, 0, LatentDim), h.Narrow(1, LatentDim, LatentDim));
    }

    public override Tensor Encode(Tensor x) => Posterior(x).Mu;

    public override Tensor Decode(Tensor z) => decoder.Call(z).Sigmoid().Reshape([z.Size(0), .. InputShape]);

    public override Tensor SamplePrior(long n, Generator? generator = null) => Torch.Randn([n, LatentDim], generator: generator);

    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        long b = x.Size(0);
        if (progress.Step == config.BlowUpAtStep)
            using (Torch.NoGrad()) decoder.Weight.Mul_(1e6);
        var (mu, logVar) = Posterior(x);
        // Reparameterization z = mu + sigma * eps (Kingma & Welling 2013, Sec. 2.4).
        var z = mu + (logVar * 0.5).Exp() * Torch.RandnLike(mu);
        // Bernoulli log-likelihood as BCE with logits, summed over pixels (Kingma & Welling 2013, Appendix C.1).
        var recon = F.BinaryCrossEntropyWithLogits(decoder.Call(z), x.Flatten(1), reduction: Reduction.Sum) / b;
        // Analytic KL(q(z|x) || N(0, I)) (Kingma & Welling 2013, Appendix B).
        var kl = (1.0 + logVar - mu.Square() - logVar.Exp()).Sum() * -0.5 / b;
        if (progress.Step == config.NanAtStep) kl = kl * double.NaN;
        // Linear warm-up of the KL weight from 0 to beta (Sønderby et al. 2016, Sec. 2.3).
        double beta = config.WarmupEpochs > 0 ? config.Beta * Math.Min(1.0, progress.EpochFraction / config.WarmupEpochs) : config.Beta;
        return new LossTerms(recon + kl * beta, new Dictionary<string, Tensor> { ["recon"] = recon, ["kl"] = kl },
            new Dictionary<string, double> { ["kl"] = beta });
    }
}

/// <summary>A linear autoencoder; <see cref="TestBroken"/> reuses it with a wrong input width.</summary>
[Model("test-ae", typeof(TestAeConfig), "tiny linear AE for trainer tests")]
public class TestAe : AutoencoderModel
{
    protected readonly Linear Encoder, Decoder;

    public TestAe(TestAeConfig config) : this(config, 0) { }

    protected TestAe(ModelConfig config, long extraInputs) : base(config)
    {
        long d = config.InputShape.Aggregate(1L, (a, b) => a * b);
        Encoder = RegisterModule("encoder", new Linear(d + extraInputs, config.LatentDim));
        Decoder = RegisterModule("decoder", new Linear(config.LatentDim, d));
    }

    public override Tensor Encode(Tensor x) => Encoder.Call(x.Flatten(1));

    public override Tensor Decode(Tensor z) => Decoder.Call(z).Sigmoid().Reshape([z.Size(0), .. InputShape]);

    public override Tensor SamplePrior(long n, Generator? generator = null) => Torch.Randn([n, LatentDim], generator: generator);

    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        // Bernoulli reconstruction (BCE with logits) summed over pixels, mean over the batch (Kingma & Welling 2013, Appendix C.1).
        var recon = F.BinaryCrossEntropyWithLogits(Decoder.Call(Encode(x)), x.Flatten(1), reduction: Reduction.Sum) / x.Size(0);
        return new LossTerms(recon, new Dictionary<string, Tensor> { ["recon"] = recon });
    }
}

[Model("test-broken", typeof(TestAeConfig), "an AE whose encoder expects one input too many")]
public sealed class TestBroken(TestAeConfig config) : TestAe(config, 1);

/// <summary>An AE with a latent penalty and a second optimizer ("critic"), like an adversarial model.</summary>
[Model("test-wae", typeof(TestWaeConfig), "tiny AE with a latent penalty and a critic, two optimizers")]
public sealed class TestWae : TestAe
{
    private readonly Linear critic;
    private readonly TestWaeConfig config;

    public TestWae(TestWaeConfig config) : base(config, 0)
    {
        this.config = config;
        critic = RegisterModule("critic", new Linear(config.LatentDim, 1));
    }

    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        var z = Encode(x);
        var noisy = z + Torch.RandnLike(z) * 0.1;
        // Bernoulli reconstruction (BCE with logits) summed over pixels, mean over the batch (Kingma & Welling 2013, Appendix C.1).
        var recon = F.BinaryCrossEntropyWithLogits(Decoder.Call(noisy), x.Flatten(1), reduction: Reduction.Sum) / x.Size(0);
        // Test-only latent penalty: mean squared norm of the codes, weighted by lambda (stand-in for WAE's D_Z, Tolstikhin et al. 2018, Eq. 4).
        var penalty = z.Square().Sum(1).Mean();
        return new LossTerms(recon + penalty * config.Lambda, new Dictionary<string, Tensor> { ["recon"] = recon, ["penalty"] = penalty },
            new Dictionary<string, double> { ["penalty"] = config.Lambda });
    }

    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate) => new Dictionary<string, Optimizer>
    {
        ["model"] = new Adam(Encoder.Parameters().Concat(Decoder.Parameters()), lr: learningRate),
        ["critic"] = new Adam(critic.Parameters(), lr: learningRate * 0.5),
    };

    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        var loss = base.TrainStep(x, progress, optimizers);
        var c = optimizers["critic"];
        c.ZeroGrad();
        // Test-only critic objective: regress the critic's output on detached codes towards 0.
        var criticLoss = critic.Call(Encode(x).Detach()).Square().Mean();
        criticLoss.Backward();
        c.Step();
        return loss;
    }
}

// ---- data and observers ---------------------------------------------------------------------------

/// <summary>Synthetic datasets with their own generators (never the default one).</summary>
public sealed class ToySource : IDatasetSource
{
    public int Loads { get; private set; }
    public long TrainCount { get; init; } = 40;
    /// <summary>Seed of the training examples' values (another seed: same shapes, other values).</summary>
    public ulong TrainSeed { get; init; } = 11;

    public DatasetSplits Load(string name, Action<string>? warn)
    {
        Loads++;
        long[] item = name switch
        {
            "toy" => [1, 4, 4],
            "toy-wide" => [1, 5, 5],
            "toy-1d" => [2, 8],
            _ => throw new ArgumentException($"unknown dataset '{name}'; known: toy, toy-wide, toy-1d"),
        };
        warn?.Invoke($"{name}: 0 malformed records skipped");
        return new DatasetSplits(Make(name + "/train", TrainCount, item, TrainSeed), Make(name + "/test", 24, item, 12));
    }

    private static TensorDataset Make(string name, long n, long[] item, ulong seed)
    {
        using var g = new Generator(seed);
        using var scope = Torch.NewScope();
        // Smooth-ish patterns in [0, 1]: a random low-rank product squashed by a sigmoid.
        var a = Torch.Randn([n, 2], generator: g);
        var b = Torch.Randn([2, item.Aggregate(1L, (x, y) => x * y)], generator: g);
        var x = (a.Matmul(b) * 2.0).Sigmoid().Reshape([n, .. item]).Contiguous();
        return new TensorDataset(name, x.DetachFromScope());
    }
}

public sealed class RecordingObserver : ITrainingObserver
{
    public List<TrainingStarted> Starts { get; } = new();
    public List<StepReport> Steps { get; } = new();
    public List<EpochReport> Epochs { get; } = new();
    public List<CheckpointReport> Checkpoints { get; } = new();
    public List<long> LiveTensorsAtEpochEnd { get; } = new();
    public Action<StepReport>? AfterStep { get; set; }

    public void OnStart(TrainingStarted report) => Starts.Add(report);
    public void OnStep(StepReport report)
    {
        Steps.Add(report);
        AfterStep?.Invoke(report);
    }
    public void OnEpochEnd(EpochReport report)
    {
        Epochs.Add(report);
        LiveTensorsAtEpochEnd.Add(Torch.LiveTensors);
    }
    public void OnCheckpoint(CheckpointReport report) => Checkpoints.Add(report);
}

public static class TestModels
{
    static TestModels() => ModelRegistry.RegisterAssembly(typeof(TestModels).Assembly);

    /// <summary>Registers the test models (idempotent).</summary>
    public static void Register() { }

    /// <summary>A run config for the toy data: 5 steps of 8 examples per epoch.</summary>
    public static RunConfig Config(string model, string outDir, int epochs = 3, params string[] sets)
    {
        Register();
        var b = new RunConfigBuilder()
            .Set("model", model, "test")
            .Set("latent_dim", 2, "test")
            .Set("hidden", new System.Text.Json.Nodes.JsonArray(8), "test")
            .Set("data", "toy", "test")
            .Set("epochs", epochs, "test")
            .Set("batch_size", 8, "test")
            .Set("lr", 1e-2, "test")
            .Set("seed", 3, "test")
            .Set("out", outDir, "test");
        foreach (var s in sets) b.SetAssignment(s);
        return b.Build();
    }

    /// <summary>Every tensor of two safetensors files is bit-identical (same keys, dtypes, shapes, values).</summary>
    public static void AssertSameTensors(string expectedPath, string actualPath)
    {
        using var expected = SafeTensors.Read(expectedPath);
        using var actual = SafeTensors.Read(actualPath);
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (var (k, e) in expected.Tensors)
        {
            var a = actual.Tensors[k];
            Assert.Equal(e.DType, a.DType);
            Assert.Equal(e.Shape, a.Shape);
            Assert.True(e.Equal(a), $"{Path.GetFileName(actualPath)}: tensor '{k}' differs");
        }
    }
}
