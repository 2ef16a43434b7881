using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Networks;

/// <summary>
/// The convolutional networks, shared by "conv" (2-D, C×H×W) and "conv1d" (1-D, C×L). Exact
/// architecture, with c₁, c₂ = <see cref="ModelConfig.Channels"/>, h = <see cref="ModelConfig.Hidden"/>
/// and S the spatial size (H×W or L):
/// <list type="bullet">
/// <item>Encoder: Conv(C, c₁, kernel 4, stride 2, padding 1) → ReLU → Conv(c₁, c₂, 4, 2, 1) → ReLU →
/// Flatten (c₂·S/16 values in 2-D, c₂·L/4 in 1-D) → [Linear → ReLU for each of h] → Linear(·, outputs).
/// Each convolution halves every spatial size exactly (28 → 14 → 7).</item>
/// <item>Decoder (mirrored): [Linear(LatentDim, hₖ) → ReLU … ] → Linear(·, c₂·S/16) → ReLU →
/// Unflatten to [c₂, H/4, W/4] → ConvTranspose(c₂, c₁, 4, 2, 1) → ReLU → ConvTranspose(c₁, C, 4, 2, 1),
/// each transposed convolution doubling every spatial size exactly (7 → 14 → 28).</item>
/// </list>
/// No output activation; layers are initialised as PyTorch does.
/// </summary>
public abstract class ConvNetworkFactoryBase : INetworkFactory
{
    /// <summary>Convolutions: the <see cref="LatentSynth.Torch.Workload.Convolution"/> thread plan.</summary>
    public Workload Workload => Workload.Convolution;

    private protected ConvNetworkFactoryBase(int spatialDims) => SpatialDims = spatialDims;

    /// <summary>1 or 2.</summary>
    public int SpatialDims { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public IEnumerable<string> Validate(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var p in InputShapeProblems(config)) yield return p;
        if (config.Channels.Length != 2)
            yield return $"channels must hold 2 values for arch '{Name}' (one per stride-2 convolution), got [{string.Join(", ", config.Channels)}]";
    }

    /// <inheritdoc />
    public IEnumerable<string> InputShapeProblems(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var shape = config.InputShape;
        string layout = SpatialDims == 2 ? "C×H×W" : "C×L";
        if (shape.Length != SpatialDims + 1)
        {
            string hint = shape.Length switch
            {
                2 when SpatialDims == 2 => "; for C×L inputs use arch 'conv1d'",
                3 when SpatialDims == 1 => "; for C×H×W inputs use arch 'conv'",
                _ => "; arch 'mlp' takes any shape",
            };
            yield return $"arch '{Name}' needs a {layout} input_shape ({SpatialDims + 1} sizes), got [{string.Join(", ", shape)}]{hint}";
            yield break;
        }
        if (shape.Skip(1).Any(size => size % 4 != 0))
            yield return $"arch '{Name}' needs spatial sizes divisible by 4 (two stride-2 convolutions), got input_shape [{string.Join(", ", shape)}]";
    }

    /// <inheritdoc />
    public double? ParameterCount(ModelConfig config, long outputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (c, c1, c2, reduced) = Sizes(config);
        double flat = c2 * reduced.Aggregate(1.0, (a, b) => a * b);
        double kernel = Math.Pow(4, SpatialDims);
        // Each convolution and its mirrored transposed convolution: weights in·out·kernel, plus biases.
        double convs = 2 * (c * c1 * kernel + c1 * c2 * kernel) + c1 + c2 + c1 + c;
        return convs + MlpNetworkFactory.StackParameters(flat, config.Hidden, outputs)
                     + MlpNetworkFactory.StackParameters(config.LatentDim, config.Hidden.Reverse(), flat);
    }

    /// <inheritdoc />
    public Module<Tensor, Tensor> CreateEncoder(ModelConfig config, long outputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        var (c, c1, c2, reduced) = Sizes(config);
        var net = new Sequential(Conv(c, c1), new ReLU(), Conv(c1, c2), new ReLU(), new Flatten(1));
        MlpNetworkFactory.Stack(net, c2 * reduced.Aggregate(1L, (a, b) => a * b), config.Hidden, outputs);
        return net;
    }

    /// <inheritdoc />
    public Module<Tensor, Tensor> CreateDecoder(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (c, c1, c2, reduced) = Sizes(config);
        var net = new Sequential();
        MlpNetworkFactory.Stack(net, config.LatentDim, config.Hidden.Reverse(), c2 * reduced.Aggregate(1L, (a, b) => a * b));
        net.Append(new ReLU());
        net.Append(new Unflatten(1, [c2, .. reduced]));
        net.Append(ConvTranspose(c2, c1));
        net.Append(new ReLU());
        net.Append(ConvTranspose(c1, c));
        return net;
    }

    private (long C, long C1, long C2, long[] Reduced) Sizes(ModelConfig config)
    {
        var problems = Validate(config).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(config));
        var shape = config.InputShape;
        return (shape[0], config.Channels[0], config.Channels[1], shape.Skip(1).Select(s => s / 4).ToArray());
    }

    /// <summary>A convolution with kernel 4, stride 2, padding 1 (halves each spatial size).</summary>
    private protected abstract Module<Tensor, Tensor> Conv(long inChannels, long outChannels);

    /// <summary>A transposed convolution with kernel 4, stride 2, padding 1 (doubles each spatial size).</summary>
    private protected abstract Module<Tensor, Tensor> ConvTranspose(long inChannels, long outChannels);
}

/// <summary>"conv": 2-D convolutional encoder/decoder for C×H×W inputs with H, W divisible by 4 (see <see cref="ConvNetworkFactoryBase"/>).</summary>
public sealed class ConvNetworkFactory : ConvNetworkFactoryBase
{
    /// <summary>Creates the factory.</summary>
    public ConvNetworkFactory() : base(2) { }

    /// <inheritdoc />
    public override string Name => "conv";

    /// <inheritdoc />
    public override string Description =>
        "two stride-2 Conv2d (channels from 'channels') + linear layers from 'hidden'; decoder mirrored with ConvTranspose2d; C×H×W inputs, H and W divisible by 4";

    private protected override Module<Tensor, Tensor> Conv(long inChannels, long outChannels) =>
        new Conv2d(inChannels, outChannels, kernelSize: 4, stride: 2, padding: 1);

    private protected override Module<Tensor, Tensor> ConvTranspose(long inChannels, long outChannels) =>
        new ConvTranspose2d(inChannels, outChannels, kernelSize: 4, stride: 2, padding: 1);
}

/// <summary>"conv1d": 1-D convolutional encoder/decoder for C×L inputs (for example spectral frames), L divisible by 4 (see <see cref="ConvNetworkFactoryBase"/>).</summary>
public sealed class Conv1dNetworkFactory : ConvNetworkFactoryBase
{
    /// <summary>Creates the factory.</summary>
    public Conv1dNetworkFactory() : base(1) { }

    /// <inheritdoc />
    public override string Name => "conv1d";

    /// <inheritdoc />
    public override string Description =>
        "two stride-2 Conv1d (channels from 'channels') + linear layers from 'hidden'; decoder mirrored with ConvTranspose1d; C×L inputs, L divisible by 4";

    private protected override Module<Tensor, Tensor> Conv(long inChannels, long outChannels) =>
        new Conv1d(inChannels, outChannels, kernelSize: 4, stride: 2, padding: 1);

    private protected override Module<Tensor, Tensor> ConvTranspose(long inChannels, long outChannels) =>
        new ConvTranspose1d(inChannels, outChannels, kernelSize: 4, stride: 2, padding: 1);
}
