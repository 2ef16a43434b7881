using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Networks;

/// <summary>
/// Builds the encoder and decoder networks of a model from its <see cref="ModelConfig"/>. Register a
/// custom factory with <see cref="NetworkRegistry.Register"/> and select it with
/// <see cref="ModelConfig.Arch"/>: every model of the zoo then uses it, with no other change.
/// </summary>
/// <remarks>
/// Contract: the encoder maps a batch [B, …InputShape] to [B, outputs] (a model asks for
/// LatentDim outputs, or 2·LatentDim for a Gaussian posterior's mean and log-variance); the
/// decoder maps [B, LatentDim] to [B, …InputShape] in the likelihood's parameter space (logits for
/// "bce", means for "mse" and "l1"): no output activation.
/// </remarks>
public interface INetworkFactory
{
    /// <summary>The registry name (the value of <c>arch</c>).</summary>
    string Name { get; }

    /// <summary>One line for help texts, including the input shapes it accepts.</summary>
    string Description { get; }

    /// <summary>Problems of <paramref name="config"/> for this network (input shape, widths), each naming its key.</summary>
    IEnumerable<string> Validate(ModelConfig config);

    /// <summary>
    /// The problems of <see cref="Validate"/> that depend on <see cref="ModelConfig.InputShape"/> (for example
    /// "conv needs C×H×W"): while the shape is to come from the data, these wait until it is known. The
    /// same strings as <see cref="Validate"/> returns for them. Default: none.
    /// </summary>
    IEnumerable<string> InputShapeProblems(ModelConfig config) => [];

    /// <summary>
    /// The number of parameters the encoder (with <paramref name="outputs"/> outputs) and the decoder
    /// together will hold, computed from <paramref name="config"/> alone, before anything is allocated;
    /// null when the factory cannot tell (the size check is then skipped). Call only on a config
    /// whose <see cref="Validate"/> found nothing. Computed in floating point, so absurd sizes do not overflow.
    /// </summary>
    double? ParameterCount(ModelConfig config, long outputs) => null;

    /// <summary>What training these networks mostly computes, which picks the thread plan (<see cref="ThreadPlans"/>). Default: dense.</summary>
    Workload Workload => Workload.Dense;

    /// <summary>The encoder: [B, …InputShape] → [B, <paramref name="outputs"/>].</summary>
    Module<Tensor, Tensor> CreateEncoder(ModelConfig config, long outputs);

    /// <summary>The decoder: [B, LatentDim] → [B, …InputShape].</summary>
    Module<Tensor, Tensor> CreateDecoder(ModelConfig config);
}

/// <summary>
/// The networks by name: "mlp", "conv" and "conv1d" are built in; custom ones plug in with
/// <see cref="Register"/>.
/// </summary>
public static class NetworkRegistry
{
    /// <summary>The underlying table.</summary>
    public static NamedRegistry<INetworkFactory> Registry { get; } = CreateBuiltIns();

    private static NamedRegistry<INetworkFactory> CreateBuiltIns()
    {
        var r = new NamedRegistry<INetworkFactory>("network");
        foreach (var f in new INetworkFactory[] { new MlpNetworkFactory(), new ConvNetworkFactory(), new Conv1dNetworkFactory() })
            r.Register(f.Name, f, f.Description);
        return r;
    }

    /// <summary>Adds <paramref name="factory"/> under its <see cref="INetworkFactory.Name"/>.</summary>
    /// <exception cref="ArgumentException">The name is taken and <paramref name="replace"/> is false.</exception>
    public static void Register(INetworkFactory factory, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Registry.Register(factory.Name, factory, factory.Description, replace);
    }

    /// <summary>The factory called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static INetworkFactory Get(string name) => Registry.Get(name);

    /// <summary>Looks <paramref name="name"/> up without throwing.</summary>
    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out INetworkFactory? factory) =>
        Registry.TryGet(name, out factory);

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;
}
