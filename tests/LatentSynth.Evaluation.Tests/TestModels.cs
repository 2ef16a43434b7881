using System.Runtime.CompilerServices;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Evaluation.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Config of <see cref="TinyAe"/>: the shared settings plus the seed of its initial weights.</summary>
public sealed record TinyConfig : ModelConfig
{
    /// <summary>Seed of the weight initialisation (the same seed, the same model).</summary>
    public ulong InitSeed { get; init; } = 1;
}

/// <summary>
/// The smallest autoencoder that fulfils the contract: one linear layer each way, sigmoid output,
/// standard normal prior, BCE loss. Deterministic weights from <see cref="TinyConfig.InitSeed"/>.
/// </summary>
[Model("evaluation-test-tiny", typeof(TinyConfig), "Linear autoencoder for the evaluation tests")]
public sealed class TinyAe : AutoencoderModel
{
    private readonly Linear encoder, decoder;

    public TinyAe(TinyConfig config) : base(config)
    {
        long d = config.InputShape.Aggregate(1L, (a, b) => a * b);
        using var g = new Generator(config.InitSeed);
        encoder = RegisterModule("encoder", new Linear(d, config.LatentDim, generator: g));
        decoder = RegisterModule("decoder", new Linear(config.LatentDim, d, generator: g));
    }

    public override Tensor Encode(Tensor x) => encoder.Forward(x.Flatten(1));

    public override Tensor Decode(Tensor z) => Logits(z).Sigmoid();

    private Tensor Logits(Tensor z) => decoder.Forward(z).Unflatten(1, InputShape);

    public override Tensor SamplePrior(long n, Generator? generator = null) => Torch.Randn([n, LatentDim], generator: generator);

    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        // Bernoulli likelihood: BCE with logits summed per example (Kingma & Welling 2013, appendix C.1).
        var recon = F.BinaryCrossEntropyWithLogits(Logits(Encode(x)), x, reduction: Reduction.Sum) / x.Size(0);
        return new LossTerms(recon, new Dictionary<string, Tensor> { ["recon"] = recon });
    }
}

/// <summary>Config of <see cref="IdentityAe"/>: latent_dim must equal the number of values per example.</summary>
public sealed record IdentityConfig : ModelConfig
{
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        long d = InputShape.Aggregate(1L, (a, b) => a * b);
        if (LatentDim != d) yield return $"latent_dim must be {d} (one per input value), got {LatentDim}";
    }
}

/// <summary>A model whose code is the example itself: traversals and encodings are known exactly.</summary>
[Model("evaluation-test-identity", typeof(IdentityConfig), "Identity 'autoencoder' for the evaluation tests")]
public sealed class IdentityAe(IdentityConfig config) : AutoencoderModel(config)
{
    public override Tensor Encode(Tensor x) => x.Flatten(1).Clone();
    public override Tensor Decode(Tensor z) => z.Unflatten(1, InputShape).Clone();
    public override Tensor SamplePrior(long n, Generator? generator = null) => Torch.Rand([n, LatentDim], generator: generator);
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        var zero = F.MseLoss(Forward(x), x);
        return new LossTerms(zero, new Dictionary<string, Tensor> { ["recon"] = zero });
    }
}

public static class TestModels
{
    /// <summary>Registers the test models (once per process) before any test uses the registry.</summary>
    [ModuleInitializer]
    internal static void Register() => ModelRegistry.RegisterAssembly(typeof(TestModels).Assembly);

    public static TinyAe Tiny(long[]? inputShape = null, int latentDim = 3, ulong seed = 1) =>
        (TinyAe)ModelRegistry.Create(new TinyConfig { Model = "evaluation-test-tiny", InputShape = inputShape ?? [1, 7, 5], LatentDim = latentDim, InitSeed = seed });

    public static IdentityAe Identity(long[] inputShape) =>
        (IdentityAe)ModelRegistry.Create(new IdentityConfig { Model = "evaluation-test-identity", InputShape = inputShape, LatentDim = (int)inputShape.Aggregate(1L, (a, b) => a * b) });

    /// <summary>A labelled dataset of <paramref name="count"/> random examples in [0, 1], labels i mod classes.</summary>
    public static TensorDataset Data(string name, long count, long[] itemShape, int classes = 3, ulong seed = 7)
    {
        using var g = new Generator(seed);
        using var scope = Torch.NewScope();
        var x = Torch.Rand([count, .. itemShape], generator: g);
        var y = Torch.Arange(0L, count).Remainder(classes);
        return new TensorDataset(name, x.DetachFromScope(), y.DetachFromScope());
    }
}

/// <summary>Datasets by name for the tests: "tiny" (train 40 / test 30, [1, 7, 5], 3 classes) and "wrong-shape".</summary>
public sealed class TestDataSource : IDatasetSource
{
    public List<string> Requests { get; } = [];

    public DatasetSplits Load(string name, Action<string>? warn)
    {
        Requests.Add(name);
        return name switch
        {
            "tiny" => new DatasetSplits(TestModels.Data("tiny/train", 40, [1, 7, 5], seed: 1), TestModels.Data("tiny/test", 30, [1, 7, 5], seed: 2)),
            "wrong-shape" => new DatasetSplits(TestModels.Data("wrong/train", 4, [1, 4, 4]), TestModels.Data("wrong/test", 4, [1, 4, 4])),
            _ => throw new ArgumentException($"unknown dataset '{name}'"),
        };
    }
}

/// <summary>
/// Writes run folders as a run is shared without its checkpoints: run.json ({"model": …, "training":
/// {"data": …}}) and model.safetensors, which RunFolder then loads (its fallback when there are no checkpoints).
/// </summary>
public static class RunFolders
{
    public static string Write(string dir, LatentSynth.Models.AutoencoderModel model, string? data = "tiny")
    {
        Directory.CreateDirectory(dir);
        var training = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 1, ["batch_size"] = 8 };
        if (data is not null) training["data"] = data;
        var run = new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = System.Text.Json.Nodes.JsonNode.Parse(LatentSynth.Models.ModelRegistry.ToJson(model.Config)),
            ["training"] = training,
        };
        File.WriteAllText(Path.Combine(dir, LatentSynth.Training.RunFolder.ConfigFile), run.ToJsonString());
        model.Save(Path.Combine(dir, LatentSynth.Training.RunFolder.WeightsFile));
        return dir;
    }
}
