namespace LatentSynth.Torch;

/// <summary>
/// Native audio kernels used by LatentSynth.Audio: the fused (fast) Griffin-Lim loop, which runs
/// every iteration inside the shim on ATen ops, and a value-only sort.
/// </summary>
public static class AudioKernels
{
    /// <summary>
    /// Griffin &amp; Lim (1984) phase reconstruction with the momentum of Perraudin, Balazs &amp;
    /// Søndergaard (2013) ("fast Griffin-Lim"; <paramref name="momentum"/> = 0 is the classic
    /// algorithm). <paramref name="magnitude"/> is [frames, nFft/2+1] (frames first);
    /// <paramref name="window"/> has nFft samples (zero-padded if the analysis window is shorter).
    /// The transforms equal <see cref="Torch.Stft"/> / <see cref="Torch.Istft"/> with the same
    /// window, hop and <paramref name="center"/> (reflect padding). <paramref name="initPhase"/>:
    /// angles in radians with the magnitude's shape, or null for zero phase. The result is the
    /// signal (natural length hop·(frames−1) when centred, or <paramref name="length"/>);
    /// <paramref name="spectralConvergence"/> is ‖|STFT(x)| − S‖_F / ‖S‖_F of the returned signal when its STFT has the target's frame count (otherwise of the natural-length signal).
    /// </summary>
    /// <exception cref="ArgumentException">A size or count is out of range.</exception>
    /// <exception cref="TorchException">The shapes do not fit (bins vs nFft, window length, phase shape).</exception>
    public static unsafe Tensor GriffinLim(Tensor magnitude, long nFft, long hopLength, Tensor window, bool center, int iterations,
        double momentum, Tensor? initPhase, long? length, out double spectralConvergence)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentNullException.ThrowIfNull(window);
        if (nFft <= 0) throw new ArgumentException($"griffin_lim: nFft must be positive, got {nFft}", nameof(nFft));
        if (hopLength <= 0) throw new ArgumentException($"griffin_lim: hopLength must be positive, got {hopLength}", nameof(hopLength));
        if (iterations < 0) throw new ArgumentException($"griffin_lim: iterations must be non-negative, got {iterations}", nameof(iterations));
        if (!(momentum >= 0) || double.IsInfinity(momentum))
            throw new ArgumentException($"griffin_lim: momentum must be a finite value >= 0 (0.99 for fast Griffin-Lim, 0 for classic), got {momentum}", nameof(momentum));
        if (length is <= 0) throw new ArgumentException($"griffin_lim: length must be positive, got {length}", nameof(length));
        double sc = double.NaN;
        var result = NativeMethods.Wrap(NativeMethods.lst_audio_griffin_lim(magnitude.Handle, nFft, hopLength, window.Handle, center ? 1 : 0,
            iterations, momentum, NativeMethods.OptionalTensor(initPhase), length ?? -1, &sc), "griffin_lim");
        spectralConvergence = sc;
        return result;
    }

    /// <summary><c>torch.sort(input, dim, descending).values</c>: the values sorted along <paramref name="dim"/>.</summary>
    /// <exception cref="TorchException">dim is out of range.</exception>
    public static Tensor SortValues(Tensor input, int dim = -1, bool descending = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return NativeMethods.Wrap(NativeMethods.lst_audio_sort_values(input.Handle, dim, descending ? 1 : 0), "sort");
    }
}
