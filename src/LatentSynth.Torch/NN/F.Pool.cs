namespace LatentSynth.Torch.NN;

public static partial class F
{
    /// <summary>
    /// <c>F.max_pool1d</c>: maximum over sliding windows of <paramref name="input"/> (N, C, L) or
    /// (C, L). <paramref name="stride"/> defaults to <paramref name="kernelSize"/>; padding is implicit
    /// negative infinity; <paramref name="ceilMode"/> rounds the output length up.
    /// </summary>
    /// <exception cref="TorchException">libtorch rejects the sizes (for example padding larger than half the kernel).</exception>
    public static Tensor MaxPool1d(Tensor input, long kernelSize, long? stride = null, long padding = 0, long dilation = 1,
        bool ceilMode = false) =>
        MaxPool(1, "max_pool1d", input, kernelSize, stride is null ? default : stride.Value, padding, dilation, ceilMode);

    /// <summary>
    /// <c>F.max_pool2d</c>: maximum over sliding windows of <paramref name="input"/> (N, C, H, W) or
    /// (C, H, W). Sizes take one value or <c>[h, w]</c>; <paramref name="stride"/> defaults to
    /// <paramref name="kernelSize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An argument has the wrong number of values.</exception>
    /// <exception cref="TorchException">libtorch rejects the sizes.</exception>
    public static Tensor MaxPool2d(Tensor input, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        Sizes dilation = default, bool ceilMode = false) =>
        MaxPool(2, "max_pool2d", input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>
    /// <c>F.avg_pool1d</c>: mean over sliding windows of <paramref name="input"/> (N, C, L) or (C, L).
    /// <paramref name="countIncludePad"/> counts the zero padding in the divisor.
    /// </summary>
    /// <exception cref="TorchException">libtorch rejects the sizes.</exception>
    public static Tensor AvgPool1d(Tensor input, long kernelSize, long? stride = null, long padding = 0,
        bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool(1, "avg_pool1d", input, kernelSize, stride is null ? default : stride.Value, padding, ceilMode, countIncludePad, null);

    /// <summary>
    /// <c>F.avg_pool2d</c>: mean over sliding windows of <paramref name="input"/> (N, C, H, W) or
    /// (C, H, W). <paramref name="divisorOverride"/>, when given, replaces the window size as divisor.
    /// </summary>
    /// <exception cref="ArgumentException">divisorOverride is not positive, or an argument has the wrong number of values.</exception>
    /// <exception cref="TorchException">libtorch rejects the sizes.</exception>
    public static Tensor AvgPool2d(Tensor input, Sizes kernelSize, Sizes stride = default, Sizes padding = default,
        bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null) =>
        AvgPool(2, "avg_pool2d", input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);

    /// <summary><c>F.adaptive_avg_pool1d</c>: averages (N, C, L) down to (N, C, <paramref name="outputSize"/>).</summary>
    /// <exception cref="TorchException">libtorch rejects the input or size.</exception>
    public static Tensor AdaptiveAvgPool1d(Tensor input, long outputSize) =>
        AdaptiveAvgPool(1, "adaptive_avg_pool1d", input, outputSize);

    /// <summary><c>F.adaptive_avg_pool2d</c>: averages (N, C, H, W) down to (N, C, oH, oW) for
    /// <paramref name="outputSize"/> = <c>[oH, oW]</c> (or one value for both).</summary>
    /// <exception cref="ArgumentException">outputSize is not given or has the wrong number of values.</exception>
    /// <exception cref="TorchException">libtorch rejects the input or size.</exception>
    public static Tensor AdaptiveAvgPool2d(Tensor input, Sizes outputSize) =>
        AdaptiveAvgPool(2, "adaptive_avg_pool2d", input, outputSize);

    /// <summary>
    /// <c>F.interpolate</c> (upsampling or downsampling) of <paramref name="input"/> (N, C, L) or
    /// (N, C, H, W). Give exactly one of <paramref name="size"/> (output spatial size) and
    /// <paramref name="scaleFactor"/> (multiplier; output = floor(in * scale)); each takes one value
    /// for every spatial dimension or one per dimension. <paramref name="mode"/>: <c>"nearest"</c>
    /// (3-D or 4-D), <c>"linear"</c> (3-D), <c>"bilinear"</c> or <c>"bicubic"</c> (4-D).
    /// <paramref name="alignCorners"/> applies to the interpolating modes only (default false).
    /// As in PyTorch with <c>recompute_scale_factor=None</c>, a given scale factor is passed on to the kernel.
    /// </summary>
    /// <exception cref="ArgumentException">Both or neither of size and scaleFactor given, an unknown
    /// mode, a mode that does not fit the input's rank, or alignCorners with "nearest".</exception>
    /// <exception cref="TorchException">libtorch rejects the sizes (for example an empty output).</exception>
    public static unsafe Tensor Interpolate(Tensor input, long[]? size = null, double[]? scaleFactor = null,
        string mode = "nearest", bool? alignCorners = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mode);
        if (size is not null && scaleFactor is not null)
            throw new ArgumentException("interpolate: give either size or scaleFactor, not both", nameof(scaleFactor));
        if (size is null && scaleFactor is null)
            throw new ArgumentException("interpolate: give size or scaleFactor", nameof(size));
        int dim = input.Dim;
        bool ok = mode switch
        {
            "nearest" => dim is 3 or 4,
            "linear" => dim == 3,
            "bilinear" or "bicubic" => dim == 4,
            _ => throw new ArgumentException(
                $"interpolate: unknown mode \"{mode}\"; use \"nearest\", \"linear\", \"bilinear\" or \"bicubic\"", nameof(mode)),
        };
        if (!ok)
        {
            string want = mode switch { "nearest" => "3-D (N, C, L) or 4-D (N, C, H, W)", "linear" => "3-D (N, C, L)", _ => "4-D (N, C, H, W)" };
            throw new ArgumentException($"interpolate: mode \"{mode}\" needs a {want} input, got shape {ShapeText(input.Shape)}", nameof(input));
        }
        if (mode == "nearest" && alignCorners is not null)
            throw new ArgumentException(
                "interpolate: alignCorners can only be set with the interpolating modes (linear, bilinear, bicubic)", nameof(alignCorners));
        int spatial = dim - 2;
        long[] sizes = size is null ? [] : Expand(size, spatial, nameof(size));
        double[] scales = scaleFactor is null ? [] : Expand(scaleFactor, spatial, nameof(scaleFactor));
        fixed (long* ps = sizes)
        fixed (double* pf = scales)
            return NativeMethods.Wrap(NativeMethods.lst_nn_interpolate(input.Handle, ps, sizes.Length, pf, scales.Length,
                mode, alignCorners == true ? 1 : 0), "interpolate");

        static T[] Expand<T>(T[] values, int spatial, string param)
        {
            if (values.Length == spatial) return values;
            if (values.Length == 1) return Enumerable.Repeat(values[0], spatial).ToArray();
            throw new ArgumentException(
                $"interpolate: {param} needs 1 or {spatial} values for {spatial} spatial dimension(s), got {values.Length}", param);
        }
    }

    /// <summary>
    /// <c>F.pad</c>: pads the last dimensions of <paramref name="input"/>. <paramref name="pad"/>
    /// lists (before, after) pairs starting from the last dimension: <c>[left, right]</c> pads the
    /// last one, <c>[left, right, top, bottom]</c> the last two. <paramref name="mode"/>:
    /// <c>"constant"</c> (fills <paramref name="value"/>), <c>"reflect"</c>, <c>"replicate"</c> or
    /// <c>"circular"</c>; the non-constant modes pad 1 to 3 trailing dimensions of a batched input.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown mode, or an odd number of pad values.</exception>
    /// <exception cref="TorchException">libtorch rejects the padding (for example reflect padding as
    /// large as the dimension).</exception>
    public static unsafe Tensor Pad(Tensor input, long[] pad, string mode = "constant", double value = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(pad);
        ArgumentNullException.ThrowIfNull(mode);
        if (mode is not ("constant" or "reflect" or "replicate" or "circular"))
            throw new ArgumentException(
                $"pad: unknown mode \"{mode}\"; use \"constant\", \"reflect\", \"replicate\" or \"circular\"", nameof(mode));
        if (pad.Length % 2 != 0)
            throw new ArgumentException($"pad: needs (before, after) pairs, got {pad.Length} values", nameof(pad));
        if (mode != "constant" && value != 0)
            throw new ArgumentException($"pad: mode \"{mode}\" takes no fill value", nameof(value));
        fixed (long* pp = pad)
            return NativeMethods.Wrap(NativeMethods.lst_nn_pad(input.Handle, pp, pad.Length, mode, value), "pad");
    }

    private static unsafe Tensor MaxPool(int spatialDims, string name, Tensor input, Sizes kernelSize, Sizes stride,
        Sizes padding, Sizes dilation, bool ceilMode)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (kernelSize.IsDefault) throw new ArgumentException($"{name}: kernelSize is required", nameof(kernelSize));
        var k = kernelSize.Resolve(spatialDims, [], name, nameof(kernelSize));
        var s = stride.Resolve(spatialDims, [], name, nameof(stride));
        var p = padding.Resolve(spatialDims, [0], name, nameof(padding));
        var d = dilation.Resolve(spatialDims, [1], name, nameof(dilation));
        fixed (long* pk = k)
        fixed (long* ps = s)
        fixed (long* pp = p)
        fixed (long* pd = d)
            return NativeMethods.Wrap(NativeMethods.lst_nn_max_pool(spatialDims, input.Handle, pk, k.Length, ps, s.Length,
                pp, p.Length, pd, d.Length, ceilMode ? 1 : 0), name);
    }

    private static unsafe Tensor AvgPool(int spatialDims, string name, Tensor input, Sizes kernelSize, Sizes stride,
        Sizes padding, bool ceilMode, bool countIncludePad, long? divisorOverride)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (kernelSize.IsDefault) throw new ArgumentException($"{name}: kernelSize is required", nameof(kernelSize));
        if (divisorOverride is <= 0)
            throw new ArgumentException($"{name}: divisorOverride must be positive, got {divisorOverride}", nameof(divisorOverride));
        var k = kernelSize.Resolve(spatialDims, [], name, nameof(kernelSize));
        var s = stride.Resolve(spatialDims, [], name, nameof(stride));
        var p = padding.Resolve(spatialDims, [0], name, nameof(padding));
        fixed (long* pk = k)
        fixed (long* ps = s)
        fixed (long* pp = p)
            return NativeMethods.Wrap(NativeMethods.lst_nn_avg_pool(spatialDims, input.Handle, pk, k.Length, ps, s.Length,
                pp, p.Length, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, divisorOverride ?? 0), name);
    }

    private static unsafe Tensor AdaptiveAvgPool(int spatialDims, string name, Tensor input, Sizes outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (outputSize.IsDefault) throw new ArgumentException($"{name}: outputSize is required", nameof(outputSize));
        var o = outputSize.Resolve(spatialDims, [], name, nameof(outputSize));
        if (o.Length != spatialDims) o = Enumerable.Repeat(o[0], spatialDims).ToArray();
        fixed (long* po = o)
            return NativeMethods.Wrap(NativeMethods.lst_nn_adaptive_avg_pool(spatialDims, input.Handle, po, o.Length), name);
    }
}
