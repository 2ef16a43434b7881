namespace LatentSynth.Torch.NN;

public static partial class F
{
    /// <summary>
    /// <c>F.batch_norm</c>: normalises each channel (dimension 1) of <paramref name="input"/>
    /// (N, C, ...) to zero mean and unit variance, then scales by <paramref name="weight"/> and
    /// shifts by <paramref name="bias"/> (both (C), optional). When <paramref name="training"/>,
    /// batch statistics are used (biased variance) and the running statistics, when given, are
    /// updated in place: <c>running = (1 - momentum) * running + momentum * batch</c>, with the
    /// unbiased batch variance. Otherwise <paramref name="runningMean"/> and
    /// <paramref name="runningVar"/> are used and must be given.
    /// </summary>
    /// <exception cref="ArgumentException">Evaluation mode without running statistics, an input of
    /// fewer than 2 dimensions, or training with one value per channel.</exception>
    /// <exception cref="TorchException">libtorch rejects the shapes (for example statistics of the wrong length).</exception>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
        Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"batch_norm expects an input (N, C, ...) of at least 2 dimensions, got shape {ShapeText(shape)}", nameof(input));
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException(
                "batch_norm in evaluation mode (training: false) needs runningMean and runningVar; pass them, or set training: true to use batch statistics",
                runningMean is null ? nameof(runningMean) : nameof(runningVar));
        if (training)
        {
            long perChannel = 1;
            for (int i = 0; i < shape.Length; i++) if (i != 1) perChannel *= shape[i];
            if (perChannel == 1)
                throw new ArgumentException(
                    $"batch_norm: expected more than 1 value per channel when training, got input of shape {ShapeText(shape)}", nameof(input));
        }
        return NativeMethods.Wrap(NativeMethods.lst_nn_batch_norm(input.Handle, NativeMethods.OptionalTensor(runningMean),
            NativeMethods.OptionalTensor(runningVar), NativeMethods.OptionalTensor(weight), NativeMethods.OptionalTensor(bias),
            training ? 1 : 0, momentum, eps), "batch_norm");
    }

    /// <summary>
    /// <c>F.layer_norm</c>: normalises over the trailing dimensions given by
    /// <paramref name="normalizedShape"/> (biased variance, <paramref name="eps"/> added to it), then
    /// applies the elementwise <paramref name="weight"/> and <paramref name="bias"/> (that shape, optional).
    /// </summary>
    /// <exception cref="ArgumentException">normalizedShape is empty.</exception>
    /// <exception cref="TorchException">The input's trailing dimensions do not match normalizedShape.</exception>
    public static unsafe Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null,
        double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0)
            throw new ArgumentException("layer_norm: normalizedShape must name at least one trailing dimension", nameof(normalizedShape));
        fixed (long* p = normalizedShape)
            return NativeMethods.Wrap(NativeMethods.lst_nn_layer_norm(input.Handle, p, normalizedShape.Length,
                NativeMethods.OptionalTensor(weight), NativeMethods.OptionalTensor(bias), eps), "layer_norm");
    }

    /// <summary>
    /// <c>F.dropout</c>: when <paramref name="training"/>, zeroes each element with probability
    /// <paramref name="p"/> and scales the rest by 1 / (1 - p); otherwise returns the input
    /// unchanged. Draws from the default generator (<see cref="Torch.ManualSeed"/>), so a seeded
    /// run reproduces PyTorch's mask exactly.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"dropout probability has to be between 0 and 1, got {p}", nameof(p));
        return NativeMethods.Wrap(NativeMethods.lst_nn_dropout(input.Handle, p, training ? 1 : 0), "dropout");
    }
}
