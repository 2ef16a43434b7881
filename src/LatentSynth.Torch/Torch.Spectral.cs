namespace LatentSynth.Torch;

public static partial class Torch
{
    /// <summary>
    /// <c>torch.stft(..., return_complex=True)</c>: short-time Fourier transform of
    /// <paramref name="input"/> (L) or (B, L). Frames of <paramref name="nFft"/> samples, taken every
    /// <paramref name="hopLength"/> (default nFft / 4), are multiplied by <paramref name="window"/>
    /// (length <paramref name="winLength"/>, default nFft, zero-padded on both sides to nFft;
    /// default all ones) and transformed. With <paramref name="center"/> the signal is first padded
    /// by nFft / 2 on both sides using <paramref name="padMode"/> (<c>"reflect"</c>,
    /// <c>"constant"</c>, <c>"replicate"</c> or <c>"circular"</c>), so frame t is centred on
    /// sample t · hop. <paramref name="normalized"/> scales by 1/√nFft. <paramref name="onesided"/>
    /// (default: true for real input and window) keeps the nFft / 2 + 1 non-negative frequencies.
    /// Result: complex (freq, frames) or (B, freq, frames). Differentiable.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, winLength exceeds nFft, the input
    /// is not 1-D or 2-D, an unknown padMode, or a signal too short for nFft (or for its reflect padding).</exception>
    /// <exception cref="TorchException">libtorch rejects the combination (for example a window of the wrong length).</exception>
    public static Tensor Stft(Tensor input, long nFft, long? hopLength = null, long? winLength = null, Tensor? window = null,
        bool center = true, string padMode = "reflect", bool normalized = false, bool? onesided = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(padMode);
        CheckFrameSizes("stft", nFft, hopLength, winLength);
        if (padMode is not ("reflect" or "constant" or "replicate" or "circular"))
            throw new ArgumentException(
                $"stft: unknown padMode \"{padMode}\"; use \"reflect\", \"constant\", \"replicate\" or \"circular\"", nameof(padMode));
        var shape = input.Shape;
        if (shape.Length is not (1 or 2))
            throw new ArgumentException($"stft expects a 1-D (L) or 2-D (B, L) signal, got shape [{string.Join(", ", shape)}]", nameof(input));
        long length = shape[^1];
        long pad = center ? nFft / 2 : 0;
        // Reflect padding mirrors without repeating the edge sample, so it needs pad < length;
        // circular padding may wrap around at most once, so pad <= length.
        if (center && ((padMode == "reflect" && pad >= length) || (padMode == "circular" && pad > length)))
            throw new ArgumentException(
                $"stft: {padMode} padding by nFft/2 = {pad} needs a signal of more than {(padMode == "reflect" ? pad : pad - 1)} samples, got {length}; " +
                "use a smaller nFft, a longer signal, or padMode \"constant\"", nameof(nFft));
        if (nFft > length + 2 * pad)
            throw new ArgumentException(
                $"stft: nFft = {nFft} is larger than the {(center ? "padded " : "")}signal ({length + 2 * pad} samples); " +
                "use a smaller nFft or a longer signal", nameof(nFft));
        return NativeMethods.Wrap(NativeMethods.lst_spectral_stft(input.Handle, nFft, hopLength ?? -1, winLength ?? -1,
            NativeMethods.OptionalTensor(window), center ? 1 : 0, padMode, normalized ? 1 : 0, onesided is null ? -1 : onesided.Value ? 1 : 0),
            "stft");
    }

    /// <summary>
    /// <c>torch.istft</c>: inverse of <see cref="Stft"/> by windowed overlap-add, dividing by the
    /// summed squared window. <paramref name="input"/> is the complex (freq, frames) or
    /// (B, freq, frames) spectrogram; the other arguments must match the forward transform.
    /// <paramref name="length"/> trims or zero-pads the output to that many samples. With a window
    /// satisfying the NOLA condition, <c>Istft(Stft(x))</c> reproduces x.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, winLength exceeds nFft, or the input is not complex.</exception>
    /// <exception cref="TorchException">libtorch rejects the combination (for example a window that
    /// fails the NOLA condition, or a frequency count that does not fit nFft).</exception>
    public static Tensor Istft(Tensor input, long nFft, long? hopLength = null, long? winLength = null, Tensor? window = null,
        bool center = true, bool normalized = false, bool? onesided = null, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckFrameSizes("istft", nFft, hopLength, winLength);
        if (length is <= 0) throw new ArgumentException($"istft: length must be positive, got {length}", nameof(length));
        if (!input.IsComplex)
            throw new ArgumentException(
                $"istft expects a complex spectrogram, got dtype {input.DType.TorchName()}; build one with Torch.ViewAsComplex or Torch.Complex",
                nameof(input));
        return NativeMethods.Wrap(NativeMethods.lst_spectral_istft(input.Handle, nFft, hopLength ?? -1, winLength ?? -1,
            NativeMethods.OptionalTensor(window), center ? 1 : 0, normalized ? 1 : 0, onesided is null ? -1 : onesided.Value ? 1 : 0,
            length ?? -1), "istft");
    }

    /// <summary>
    /// <c>torch.hann_window</c>: w[k] = 0.5 - 0.5 cos(2πk / N) for k &lt; <paramref name="windowLength"/>,
    /// where N = windowLength when <paramref name="periodic"/> (for spectral analysis) and
    /// windowLength - 1 otherwise (symmetric).
    /// </summary>
    /// <exception cref="ArgumentException">windowLength is negative, or dtype is not floating point.</exception>
    public static Tensor HannWindow(long windowLength, bool periodic = true, DType dtype = DType.Float32)
    {
        CheckWindow("hann_window", windowLength, dtype);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_hann_window(windowLength, periodic ? 1 : 0, (int)dtype), "hann_window");
    }

    /// <summary>
    /// <c>torch.hamming_window</c>: w[k] = α - β cos(2πk / N), N as for <see cref="HannWindow"/>.
    /// </summary>
    /// <exception cref="ArgumentException">windowLength is negative, or dtype is not floating point.</exception>
    public static Tensor HammingWindow(long windowLength, bool periodic = true, double alpha = 0.54, double beta = 0.46,
        DType dtype = DType.Float32)
    {
        CheckWindow("hamming_window", windowLength, dtype);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_hamming_window(windowLength, periodic ? 1 : 0, alpha, beta, (int)dtype),
            "hamming_window");
    }

    /// <summary>
    /// <c>torch.blackman_window</c>: w[k] = 0.42 - 0.5 cos(2πk / N) + 0.08 cos(4πk / N), N as for
    /// <see cref="HannWindow"/>.
    /// </summary>
    /// <exception cref="ArgumentException">windowLength is negative, or dtype is not floating point.</exception>
    public static Tensor BlackmanWindow(long windowLength, bool periodic = true, DType dtype = DType.Float32)
    {
        CheckWindow("blackman_window", windowLength, dtype);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_blackman_window(windowLength, periodic ? 1 : 0, (int)dtype),
            "blackman_window");
    }

    /// <summary>
    /// <c>torch.view_as_complex</c>: a real tensor of shape [.., 2] (last dimension contiguous) as a
    /// complex view of shape [..]. Differentiable.
    /// </summary>
    /// <exception cref="TorchException">The last dimension is not 2 or not contiguous, or the dtype is not float32/float64.</exception>
    public static Tensor ViewAsComplex(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_view_as_complex(input.Handle), "view_as_complex");
    }

    /// <summary><c>torch.view_as_real</c>: see <see cref="Tensor.ViewAsReal"/>.</summary>
    /// <exception cref="TorchException">The tensor is not complex, or is an unresolved conjugate.</exception>
    public static Tensor ViewAsReal(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.ViewAsReal();
    }

    /// <summary>
    /// <c>torch.polar</c>: the complex tensor <paramref name="abs"/> · (cos <paramref name="angle"/>
    /// + i sin <paramref name="angle"/>), from float tensors of the same shape and dtype. Differentiable.
    /// </summary>
    /// <exception cref="TorchException">The dtypes differ or are not float32/float64, or the shapes do not broadcast.</exception>
    public static Tensor Polar(Tensor abs, Tensor angle)
    {
        ArgumentNullException.ThrowIfNull(abs);
        ArgumentNullException.ThrowIfNull(angle);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_polar(abs.Handle, angle.Handle), "polar");
    }

    /// <summary>
    /// <c>torch.complex</c>: the complex tensor <paramref name="real"/> + i <paramref name="imag"/>
    /// (float32 → complex64, float64 → complex128). Differentiable.
    /// </summary>
    /// <exception cref="TorchException">The dtypes differ or are not float32/float64, or the shapes do not broadcast.</exception>
    public static Tensor Complex(Tensor real, Tensor imag)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(imag);
        return NativeMethods.Wrap(NativeMethods.lst_spectral_complex(real.Handle, imag.Handle), "complex");
    }

    private static void CheckFrameSizes(string name, long nFft, long? hopLength, long? winLength)
    {
        if (nFft <= 0) throw new ArgumentException($"{name}: nFft must be positive, got {nFft}", nameof(nFft));
        if (hopLength is <= 0) throw new ArgumentException($"{name}: hopLength must be positive, got {hopLength}", nameof(hopLength));
        if (winLength is <= 0 || winLength > nFft)
            throw new ArgumentException($"{name}: winLength must be in [1, nFft = {nFft}], got {winLength}", nameof(winLength));
    }

    private static void CheckWindow(string name, long windowLength, DType dtype)
    {
        if (windowLength < 0) throw new ArgumentException($"{name}: windowLength must be non-negative, got {windowLength}", nameof(windowLength));
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{name}: dtype must be floating point, got {dtype.TorchName()}", nameof(dtype));
    }
}
