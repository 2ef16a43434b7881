namespace LatentSynth.Torch.Optim;

/// <summary>Gradient clipping (<c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// Rescales the gradients of <paramref name="parameters"/> in place so that their total norm
    /// (all gradients taken together as one vector) is at most <paramref name="maxNorm"/>, and
    /// returns the total norm measured before clipping. Each gradient is multiplied by
    /// min(1, maxNorm / (total + 1e-6)), as in PyTorch. <paramref name="normType"/> is the order
    /// of the norm (<see cref="double.PositiveInfinity"/> for the largest absolute value).
    /// Parameters without a gradient are skipped; 0 is returned when none has one. With
    /// <paramref name="errorIfNonfinite"/>, a NaN or infinite total raises
    /// <see cref="TorchException"/> and leaves the gradients unchanged.
    /// </summary>
    public static unsafe double ClipGradNorm_(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0,
        bool errorIfNonfinite = false)
    {
        var list = Materialize(parameters);
        if (double.IsNaN(maxNorm)) throw new ArgumentException("maxNorm is NaN", nameof(maxNorm));
        if (double.IsNaN(normType)) throw new ArgumentException("normType is NaN", nameof(normType));
        double total = 0;
        NativeMethods.WithHandles(list, raw =>
        {
            fixed (IntPtr* p = raw)
                NativeMethods.Check(NativeMethods.lst_optim_clip_grad_norm_(p, raw.Length, maxNorm, normType, errorIfNonfinite ? 1 : 0, out total),
                    "clip_grad_norm_");
            return 0;
        });
        return total;
    }

    /// <summary>
    /// Clamps every gradient of <paramref name="parameters"/> in place into
    /// [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (<c>clip_grad_value_</c>).
    /// </summary>
    public static unsafe void ClipGradValue_(IEnumerable<Tensor> parameters, double clipValue)
    {
        var list = Materialize(parameters);
        if (!(clipValue >= 0)) throw new ArgumentException($"clipValue must be >= 0, got {clipValue}", nameof(clipValue));
        NativeMethods.WithHandles(list, raw =>
        {
            fixed (IntPtr* p = raw)
                NativeMethods.Check(NativeMethods.lst_optim_clip_grad_value_(p, raw.Length, clipValue), "clip_grad_value_");
            return 0;
        });
    }

    private static Tensor[] Materialize(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        for (int i = 0; i < list.Length; i++)
            if (list[i] is null) throw new ArgumentException($"parameter {i} is null", nameof(parameters));
        return list;
    }
}
