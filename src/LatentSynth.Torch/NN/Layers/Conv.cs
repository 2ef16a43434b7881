namespace LatentSynth.Torch.NN;

/// <summary>
/// Shared part of the convolution layers: parameter shapes, PyTorch's initialisation, repr.
/// Weight: [out, in/groups, k…] for convolutions, [in, out/groups, k…] for transposed ones.
/// </summary>
public abstract class ConvNd : Module<Tensor, Tensor>
{
    private protected ConvNd(int dims, bool transposed, long inChannels, long outChannels, Sizes kernelSize, Sizes stride,
        Sizes padding, Sizes dilation, long groups, bool bias, DType dtype, Generator? generator, Sizes outputPadding = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (inChannels % groups != 0) throw new ArgumentException($"inChannels ({inChannels}) must be divisible by groups ({groups})", nameof(inChannels));
        if (outChannels % groups != 0) throw new ArgumentException($"outChannels ({outChannels}) must be divisible by groups ({groups})", nameof(outChannels));
        KernelSize = Expand(kernelSize, dims, nameof(kernelSize), 1);
        foreach (var k in KernelSize)
            if (k <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"kernel sizes must be positive, got {Format(KernelSize)}");
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride.IsDefault ? Expand(1, dims, nameof(stride), 1) : Expand(stride, dims, nameof(stride), 1);
        Padding = padding.IsDefault ? Expand(0, dims, nameof(padding), 0) : padding.Mode is null ? Expand(padding, dims, nameof(padding), 0) : padding;
        if (Padding.Mode is { } mode)
        {
            if (transposed)
                throw new ArgumentException($"padding '{mode}' is not supported by transposed convolutions; give numbers", nameof(padding));
            if (mode is not ("same" or "valid"))
                throw new ArgumentException($"padding '{mode}' is not a padding mode; use \"same\", \"valid\" or numbers", nameof(padding));
            if (mode == "same" && Stride.Any(s => s != 1))
                throw new ArgumentException($"padding 'same' is not supported for strided convolutions (stride {Format(Stride)})", nameof(padding));
        }
        Dilation = dilation.IsDefault ? Expand(1, dims, nameof(dilation), 1) : Expand(dilation, dims, nameof(dilation), 1);
        OutputPadding = outputPadding.IsDefault ? Expand(0, dims, nameof(outputPadding), 0) : Expand(outputPadding, dims, nameof(outputPadding), 0);
        Groups = groups;
        Transposed = transposed;
        long[] shape = transposed
            ? [inChannels, outChannels / groups, .. KernelSize]
            : [outChannels, inChannels / groups, .. KernelSize];
        Weight = RegisterParameter("weight", new Parameter(Torch.Empty(shape, dtype)))!;
        if (bias) Bias = RegisterParameter("bias", new Parameter(Torch.Empty([outChannels], dtype)));
        LayerInit.ResetLikePyTorch(Weight, Bias, generator);
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel size per spatial dimension.</summary>
    public Sizes KernelSize { get; }
    /// <summary>Stride per spatial dimension.</summary>
    public Sizes Stride { get; }
    /// <summary>Padding per spatial dimension (or "same"/"valid").</summary>
    public Sizes Padding { get; }
    /// <summary>Dilation per spatial dimension.</summary>
    public Sizes Dilation { get; }
    /// <summary>Output padding (transposed convolutions only).</summary>
    public Sizes OutputPadding { get; }
    /// <summary>Channel groups.</summary>
    public long Groups { get; }
    /// <summary>True for transposed convolutions.</summary>
    public bool Transposed { get; }
    /// <summary>The kernel.</summary>
    public Parameter Weight { get; }
    /// <summary>Bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        // PyTorch's order: padding, dilation, output_padding, groups, bias (each only when not the default).
        var s = $"{Repr.Int(InChannels)}, {Repr.Int(OutChannels)}, kernel_size={Repr.Tuple(KernelSize)}, stride={Repr.Tuple(Stride)}";
        if (Padding.Mode is not null) s += $", padding={Padding.Mode}";
        else if (Padding.Any(p => p != 0)) s += $", padding={Repr.Tuple(Padding)}";
        if (Dilation.Any(d => d != 1)) s += $", dilation={Repr.Tuple(Dilation)}";
        if (OutputPadding.Any(p => p != 0)) s += $", output_padding={Repr.Tuple(OutputPadding)}";
        if (Groups != 1) s += $", groups={Repr.Int(Groups)}";
        if (Bias is null) s += ", bias=False";
        return s;
    }

    private static Sizes Expand(Sizes s, int dims, string name, long min)
    {
        var v = s.ToArray();
        if (v.Length == 1 && dims > 1) v = Enumerable.Repeat(v[0], dims).ToArray();
        if (v.Length != dims)
            throw new ArgumentException($"{name} needs {(dims == 1 ? "1 value" : $"1 or {dims} values")}, got {Format(v)}", name);
        foreach (var x in v)
            if (x < min) throw new ArgumentOutOfRangeException(name, $"{name} values must be at least {min}, got {Format(v)}");
        return new Sizes(v);
    }

    private static string Format(IEnumerable<long> v) => "[" + string.Join(", ", v.Select(Repr.Int)) + "]";
}

/// <summary><c>nn.Conv1d</c> over (N, C, L) inputs.</summary>
public sealed class Conv1d : ConvNd
{
    /// <summary>Creates the layer (PyTorch's defaults and initialisation).</summary>
    public Conv1d(long inChannels, long outChannels, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        Sizes dilation = default, long groups = 1, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(1, false, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, dtype, generator) { }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary><c>nn.Conv2d</c> over (N, C, H, W) inputs.</summary>
public sealed class Conv2d : ConvNd
{
    /// <summary>Creates the layer (PyTorch's defaults and initialisation).</summary>
    public Conv2d(long inChannels, long outChannels, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        Sizes dilation = default, long groups = 1, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(2, false, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, dtype, generator) { }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary><c>nn.ConvTranspose1d</c> over (N, C, L) inputs.</summary>
public sealed class ConvTranspose1d : ConvNd
{
    /// <summary>Creates the layer (PyTorch's defaults and initialisation).</summary>
    public ConvTranspose1d(long inChannels, long outChannels, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        Sizes outputPadding = default, long groups = 1, bool bias = true, Sizes dilation = default, DType dtype = DType.Float32,
        Generator? generator = null)
        : base(1, true, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, dtype, generator, outputPadding) { }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        F.ConvTranspose1d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}

/// <summary><c>nn.ConvTranspose2d</c> over (N, C, H, W) inputs.</summary>
public sealed class ConvTranspose2d : ConvNd
{
    /// <summary>Creates the layer (PyTorch's defaults and initialisation).</summary>
    public ConvTranspose2d(long inChannels, long outChannels, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        Sizes outputPadding = default, long groups = 1, bool bias = true, Sizes dilation = default, DType dtype = DType.Float32,
        Generator? generator = null)
        : base(2, true, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, dtype, generator, outputPadding) { }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        F.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}
