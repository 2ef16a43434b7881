namespace LatentSynth.Torch;

/// <summary>
/// torch.fft: discrete Fourier transforms along one dimension. <c>norm</c> is PyTorch's string:
/// <c>"backward"</c> (default: no scaling forward, 1/n inverse), <c>"ortho"</c> (1/√n both ways)
/// or <c>"forward"</c> (1/n forward, none inverse). <c>n</c> pads with zeros or trims the input
/// along <c>dim</c> to that length first. All transforms are differentiable.
/// </summary>
public static class Fft
{
    /// <summary>
    /// <c>torch.fft.fft</c>: the complex DFT X_k = Σ_t x_t e^{-2πi kt/n} along <paramref name="dim"/>
    /// (real input is treated as complex). Named <c>Fft1d</c> because C# forbids a member named like
    /// its class.
    /// </summary>
    /// <exception cref="ArgumentException">n is not positive, or norm is unknown.</exception>
    /// <exception cref="TorchException">dim is out of range.</exception>
    public static Tensor Fft1d(Tensor input, long? n = null, int dim = -1, string? norm = null) =>
        Call(NativeMethods.lst_fft_fft, "fft.fft", input, n, dim, norm);

    /// <summary><c>torch.fft.ifft</c>: the inverse complex DFT along <paramref name="dim"/>.</summary>
    /// <exception cref="ArgumentException">n is not positive, or norm is unknown.</exception>
    /// <exception cref="TorchException">dim is out of range.</exception>
    public static Tensor Ifft(Tensor input, long? n = null, int dim = -1, string? norm = null) =>
        Call(NativeMethods.lst_fft_ifft, "fft.ifft", input, n, dim, norm);

    /// <summary>
    /// <c>torch.fft.rfft</c>: the DFT of a real signal, keeping the n/2 + 1 non-negative
    /// frequencies (the rest are their complex conjugates). The result is complex64 for float32
    /// input and complex128 for float64.
    /// </summary>
    /// <exception cref="ArgumentException">n is not positive, or norm is unknown.</exception>
    /// <exception cref="TorchException">input is complex, or dim is out of range.</exception>
    public static Tensor Rfft(Tensor input, long? n = null, int dim = -1, string? norm = null) =>
        Call(NativeMethods.lst_fft_rfft, "fft.rfft", input, n, dim, norm);

    /// <summary>
    /// <c>torch.fft.irfft</c>: the inverse of <see cref="Rfft"/>, a real signal of length
    /// <paramref name="n"/> (default 2 (m - 1) for m input frequencies; give n for odd lengths).
    /// The imaginary parts of the zero (and, for even n, the Nyquist) frequency are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">n is not positive, or norm is unknown.</exception>
    /// <exception cref="TorchException">dim is out of range.</exception>
    public static Tensor Irfft(Tensor input, long? n = null, int dim = -1, string? norm = null) =>
        Call(NativeMethods.lst_fft_irfft, "fft.irfft", input, n, dim, norm);

    /// <summary>
    /// <c>torch.fft.rfftfreq</c>: the n/2 + 1 sample frequencies of <see cref="Rfft"/> for a
    /// signal of <paramref name="n"/> samples spaced <paramref name="d"/> apart: k / (d n).
    /// </summary>
    /// <exception cref="ArgumentException">n is negative.</exception>
    public static Tensor Rfftfreq(long n, double d = 1.0, DType dtype = DType.Float32)
    {
        if (n < 0) throw new ArgumentException($"rfftfreq: n must be non-negative, got {n}", nameof(n));
        return NativeMethods.Wrap(NativeMethods.lst_fft_rfftfreq(n, d, (int)dtype), "fft.rfftfreq");
    }

    /// <summary>
    /// <c>torch.fft.fftfreq</c>: the sample frequencies of <see cref="Fft1d"/> in its output order
    /// (0, 1, …, ceil(n/2) - 1, -floor(n/2), …, -1) / (d n).
    /// </summary>
    /// <exception cref="ArgumentException">n is negative.</exception>
    public static Tensor Fftfreq(long n, double d = 1.0, DType dtype = DType.Float32)
    {
        if (n < 0) throw new ArgumentException($"fftfreq: n must be non-negative, got {n}", nameof(n));
        return NativeMethods.Wrap(NativeMethods.lst_fft_fftfreq(n, d, (int)dtype), "fft.fftfreq");
    }

    private static Tensor Call(Func<TensorHandle, long, long, string?, TensorHandle> native, string name, Tensor input, long? n,
        int dim, string? norm)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (n is <= 0) throw new ArgumentException($"{name}: n must be positive, got {n}", nameof(n));
        CheckNorm(name, norm);
        return NativeMethods.Wrap(native(input.Handle, n ?? -1, dim, norm), name);
    }

    internal static void CheckNorm(string name, string? norm)
    {
        if (norm is not (null or "backward" or "forward" or "ortho"))
            throw new ArgumentException($"{name}: norm must be \"backward\", \"forward\" or \"ortho\", got \"{norm}\"", nameof(norm));
    }
}
