namespace LatentSynth.Torch.NN;

public static partial class F
{
    /// <summary>
    /// <c>F.conv1d</c>: 1-D convolution (cross-correlation) of <paramref name="input"/>
    /// (N, C_in, L) or unbatched (C_in, L) with <paramref name="weight"/>
    /// (C_out, C_in / groups, kW), plus <paramref name="bias"/> (C_out) when given.
    /// <paramref name="padding"/> may be a number or <c>"same"</c> / <c>"valid"</c>.
    /// </summary>
    /// <exception cref="ArgumentException">weight is not 3-D, input is not 2-D or 3-D, groups &lt; 1,
    /// or an argument has the wrong number of values.</exception>
    /// <exception cref="TorchException">libtorch rejects the combination (for example a channel
    /// count that does not match the weight).</exception>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, Sizes stride = default,
        Sizes padding = default, Sizes dilation = default, long groups = 1) =>
        Conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups);

    /// <summary>
    /// <c>F.conv2d</c>: 2-D convolution of <paramref name="input"/> (N, C_in, H, W) or unbatched
    /// (C_in, H, W) with <paramref name="weight"/> (C_out, C_in / groups, kH, kW), plus
    /// <paramref name="bias"/> (C_out) when given. <paramref name="stride"/>, <paramref name="padding"/>
    /// and <paramref name="dilation"/> take one value or one per dimension (<c>[sH, sW]</c>);
    /// <paramref name="padding"/> may also be <c>"same"</c> (stride 1 only) or <c>"valid"</c>.
    /// </summary>
    /// <exception cref="ArgumentException">weight is not 4-D, input is not 3-D or 4-D, groups &lt; 1,
    /// or an argument has the wrong number of values.</exception>
    /// <exception cref="TorchException">libtorch rejects the combination (for example a channel
    /// count that does not match the weight).</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Sizes stride = default,
        Sizes padding = default, Sizes dilation = default, long groups = 1) =>
        Conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups);

    /// <summary>
    /// <c>F.conv_transpose1d</c>: transposed 1-D convolution ("deconvolution") of
    /// <paramref name="input"/> (N, C_in, L) with <paramref name="weight"/> (C_in, C_out / groups, kW).
    /// <paramref name="outputPadding"/> adds to one side of the output to pick among the sizes a
    /// strided convolution maps to the same input size. Argument order is PyTorch's (groups before dilation).
    /// </summary>
    /// <exception cref="ArgumentException">weight is not 3-D, input is not 2-D or 3-D, or groups &lt; 1.</exception>
    /// <exception cref="TorchException">libtorch rejects the combination.</exception>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, Sizes stride = default,
        Sizes padding = default, Sizes outputPadding = default, long groups = 1, Sizes dilation = default) =>
        ConvTranspose(1, "conv_transpose1d", input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>
    /// <c>F.conv_transpose2d</c>: transposed 2-D convolution of <paramref name="input"/>
    /// (N, C_in, H, W) with <paramref name="weight"/> (C_in, C_out / groups, kH, kW). Output size per
    /// dimension: (in - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1.
    /// </summary>
    /// <exception cref="ArgumentException">weight is not 4-D, input is not 3-D or 4-D, or groups &lt; 1.</exception>
    /// <exception cref="TorchException">libtorch rejects the combination.</exception>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Sizes stride = default,
        Sizes padding = default, Sizes outputPadding = default, long groups = 1, Sizes dilation = default) =>
        ConvTranspose(2, "conv_transpose2d", input, weight, bias, stride, padding, outputPadding, groups, dilation);

    private static void CheckConvRanks(int spatialDims, string name, Tensor input, Tensor weight, long groups, bool transposed)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        int wantWeight = spatialDims + 2;
        var wshape = weight.Shape;
        if (wshape.Length != wantWeight)
        {
            string layout = transposed
                ? (spatialDims == 1 ? "(in_channels, out_channels/groups, kW)" : "(in_channels, out_channels/groups, kH, kW)")
                : (spatialDims == 1 ? "(out_channels, in_channels/groups, kW)" : "(out_channels, in_channels/groups, kH, kW)");
            throw new ArgumentException(
                $"{name} expects a {wantWeight}-D weight {layout}, got a {wshape.Length}-D weight of shape {ShapeText(wshape)}", nameof(weight));
        }
        int inDim = input.Dim;
        if (inDim != spatialDims + 1 && inDim != spatialDims + 2)
            throw new ArgumentException(
                $"{name} expects a {spatialDims + 2}-D (batched) or {spatialDims + 1}-D (unbatched) input, got shape {ShapeText(input.Shape)}", nameof(input));
        if (groups < 1) throw new ArgumentException($"{name}: groups must be at least 1, got {groups}", nameof(groups));
    }

    private static unsafe Tensor Conv(int spatialDims, string name, Tensor input, Tensor weight, Tensor? bias,
        Sizes stride, Sizes padding, Sizes dilation, long groups)
    {
        CheckConvRanks(spatialDims, name, input, weight, groups, transposed: false);
        var s = stride.Resolve(spatialDims, [1], name, nameof(stride));
        var d = dilation.Resolve(spatialDims, [1], name, nameof(dilation));
        var b = NativeMethods.OptionalTensor(bias);
        if (padding.Mode is { } mode)
        {
            if (mode != "same" && mode != "valid")
                throw new ArgumentException($"{name}: padding mode must be \"same\" or \"valid\", got \"{mode}\"", nameof(padding));
            fixed (long* ps = s)
            fixed (long* pd = d)
                return NativeMethods.Wrap(NativeMethods.lst_nn_conv_padmode(spatialDims, input.Handle, weight.Handle, b,
                    ps, s.Length, mode, pd, d.Length, groups), name);
        }
        var p = padding.Resolve(spatialDims, [0], name, nameof(padding));
        fixed (long* ps = s)
        fixed (long* pp = p)
        fixed (long* pd = d)
        {
            var h = spatialDims == 1
                ? NativeMethods.lst_nn_conv1d(input.Handle, weight.Handle, b, ps, s.Length, pp, p.Length, pd, d.Length, groups)
                : NativeMethods.lst_nn_conv2d(input.Handle, weight.Handle, b, ps, s.Length, pp, p.Length, pd, d.Length, groups);
            return NativeMethods.Wrap(h, name);
        }
    }

    private static unsafe Tensor ConvTranspose(int spatialDims, string name, Tensor input, Tensor weight, Tensor? bias,
        Sizes stride, Sizes padding, Sizes outputPadding, long groups, Sizes dilation)
    {
        CheckConvRanks(spatialDims, name, input, weight, groups, transposed: true);
        var s = stride.Resolve(spatialDims, [1], name, nameof(stride));
        var p = padding.Resolve(spatialDims, [0], name, nameof(padding));
        var op = outputPadding.Resolve(spatialDims, [0], name, nameof(outputPadding));
        var d = dilation.Resolve(spatialDims, [1], name, nameof(dilation));
        fixed (long* ps = s)
        fixed (long* pp = p)
        fixed (long* pop = op)
        fixed (long* pd = d)
            return NativeMethods.Wrap(NativeMethods.lst_nn_conv_transpose(spatialDims, input.Handle, weight.Handle,
                NativeMethods.OptionalTensor(bias), ps, s.Length, pp, p.Length, pop, op.Length, groups, pd, d.Length), name);
    }
}
