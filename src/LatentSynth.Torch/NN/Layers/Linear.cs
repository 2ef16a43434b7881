namespace LatentSynth.Torch.NN;

/// <summary>
/// <c>nn.Linear</c>: y = x Wᵀ + b. <c>weight</c> has shape [out, in] and <c>bias</c> [out], named
/// as in PyTorch's state_dict. Initialised as PyTorch does: weight by Kaiming-uniform with
/// a = √5 (bound 1/√in), bias uniform in ±1/√in.
/// </summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature count is not positive.</exception>
    public Linear(long inFeatures, long outFeatures, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", new Parameter(Torch.Empty([outFeatures, inFeatures], dtype)))!;
        if (bias) Bias = RegisterParameter("bias", new Parameter(Torch.Empty([outFeatures], dtype)));
        LayerInit.ResetLikePyTorch(Weight, Bias, generator);
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>Weight [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"in_features={Repr.Int(InFeatures)}, out_features={Repr.Int(OutFeatures)}, bias={Repr.Bool(Bias is not null)}";
}

/// <summary>The initialisation PyTorch gives Linear and convolution layers (reset_parameters).</summary>
internal static class LayerInit
{
    /// <summary>Weight: Kaiming-uniform with a = √5; bias: uniform in ±1/√fan_in.</summary>
    public static void ResetLikePyTorch(Tensor weight, Tensor? bias, Generator? generator)
    {
        Init.KaimingUniform_(weight, a: Math.Sqrt(5), generator: generator);
        if (bias is null) return;
        var (fanIn, _) = Init.CalculateFanInAndFanOut(weight);
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        Init.Uniform_(bias, -bound, bound, generator);
    }
}
