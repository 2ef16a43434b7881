using LatentSynth.Torch;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Initial phase of Griffin-Lim.</summary>
public enum PhaseInit
{
    /// <summary>Uniform random phase in [0, 2π) from <see cref="GriffinLimOptions.Seed"/> (librosa's default).</summary>
    Random,
    /// <summary>Zero phase.</summary>
    Zeros,
    /// <summary><see cref="GriffinLimOptions.InitialPhase"/> (radians, [frames, bins]).</summary>
    Given,
}

/// <summary>Griffin-Lim settings.</summary>
public sealed record GriffinLimOptions
{
    /// <summary>Iterations (default 100).</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>
    /// Momentum α of fast Griffin-Lim (Perraudin, Balazs &amp; Søndergaard 2013), default 0.99; 0 is
    /// the classic algorithm of Griffin &amp; Lim (1984).
    /// </summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Initial phase.</summary>
    public PhaseInit Init { get; init; } = PhaseInit.Random;

    /// <summary>Seed of the random initial phase.</summary>
    public ulong Seed { get; init; }

    /// <summary>Output length in samples (default hop · (frames − 1) when centred).</summary>
    public long? Length { get; init; }

    /// <summary>Initial phase in radians [frames, bins] for <see cref="PhaseInit.Given"/> (not owned).</summary>
    public Tensor? InitialPhase { get; init; }
}

/// <summary>A reconstructed signal and how well its STFT magnitude matches the target.</summary>
/// <param name="Signal">float32 [samples].</param>
/// <param name="SpectralConvergence">‖|STFT(x)| − S‖_F / ‖S‖_F (0 is perfect).</param>
public sealed record GriffinLimResult(Tensor Signal, double SpectralConvergence) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Signal.Dispose();
}

/// <summary>
/// Phase reconstruction from a magnitude spectrogram [frames, NFft/2+1] by (fast) Griffin-Lim.
/// <see cref="Reconstruct"/> runs the whole loop natively (one call into the shim, see
/// <see cref="AudioKernels.GriffinLim"/>); <see cref="ReconstructManaged"/> is the same algorithm
/// written with Torch ops one call at a time (reference and comparison).
/// </summary>
public static class GriffinLim
{
    /// <summary>Fused native Griffin-Lim.</summary>
    /// <exception cref="ArgumentException">Bad shapes or settings (named in the message).</exception>
    public static GriffinLimResult Reconstruct(Tensor magnitude, StftConfig config, GriffinLimOptions? options = null)
    {
        options ??= new GriffinLimOptions();
        Check(magnitude, config, options);
        using var window = config.CreateWindow();
        using var mag = magnitude.To(DType.Float32);
        using var phase = InitialPhase(mag, options);
        var signal = AudioKernels.GriffinLim(mag, config.NFft, config.HopLength, window, config.Center, options.Iterations,
            options.Momentum, phase, options.Length, out var sc);
        return new GriffinLimResult(signal, sc);
    }

    /// <summary>The same algorithm with one Torch op per step (Torch.Stft / Torch.Istft).</summary>
    /// <exception cref="ArgumentException">Bad shapes or settings.</exception>
    public static GriffinLimResult ReconstructManaged(Tensor magnitude, StftConfig config, GriffinLimOptions? options = null)
    {
        options ??= new GriffinLimOptions();
        Check(magnitude, config, options);
        using var scope = Torch.NewScope();
        var mag = magnitude.To(DType.Float32);
        var phase = InitialPhase(mag, options);
        var angles = phase is null ? Torch.Polar(Torch.OnesLike(mag), Torch.ZerosLike(mag)) : Torch.Polar(Torch.OnesLike(mag), phase);
        double a = options.Momentum / (1 + options.Momentum);
        Tensor? tprev = null;
        // As the fused loop: iterate on the requested length when its STFT has the same frames.
        long frames = mag.Shape[0];
        long? loopLength = options.Length is { } want && want >= config.SamplesForFrames(frames)
            && config.FramesForSamples(Math.Min(want, config.SamplesForFrames(frames) + config.NFft / 2)) == frames
            ? Math.Min(want, config.SamplesForFrames(frames) + config.NFft / 2) : null;
        for (int i = 0; i < options.Iterations; i++)
        {
            using var inner = Torch.NewScope();
            var signal = Stft.Istft(angles.Mul(mag), config, loopLength);
            var rebuilt = Stft.Complex(signal, config).Contiguous();
            var next = tprev is null || a == 0 ? rebuilt.Clone() : rebuilt.Sub(tprev, a);
            next = next.Div(next.Abs().Add(1e-16));
            tprev?.Dispose();
            tprev = rebuilt.MoveToOuterScope();
            angles = next.MoveToOuterScope();
        }
        var outSignal = Stft.Istft(angles.Mul(mag), config);
        if (options.Length is { } len) outSignal = Stft.Istft(angles.Mul(mag), config, len);
        var probe = config.FramesForSamples(outSignal.Shape[0]) == mag.Shape[0] && outSignal.Shape[0] >= config.SamplesForFrames(mag.Shape[0])
            ? outSignal : Stft.Istft(angles.Mul(mag), config);
        double sc = SpectralMetrics.SpectralConvergence(probe, mag, config);
        return new GriffinLimResult(outSignal.MoveToOuterScope(), sc);
    }

    /// <summary>The initial phase (radians [frames, bins]) the options ask for, or null for zero phase.</summary>
    public static Tensor? InitialPhase(Tensor magnitude, GriffinLimOptions options)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Init)
        {
            case PhaseInit.Zeros: return null;
            case PhaseInit.Given:
                if (options.InitialPhase is null)
                    throw new ArgumentException("GriffinLimOptions: Init = Given needs InitialPhase (radians, [frames, bins])", nameof(options));
                if (!options.InitialPhase.Shape.SequenceEqual(magnitude.Shape))
                    throw new ArgumentException($"GriffinLimOptions: InitialPhase has shape [{string.Join(", ", options.InitialPhase.Shape)}], the magnitude [{string.Join(", ", magnitude.Shape)}]", nameof(options));
                return options.InitialPhase.To(DType.Float32);
            default:
                using (var g = new Generator(options.Seed))
                using (var u = Torch.Rand(magnitude.Shape, DType.Float32, generator: g))
                    return u.Mul(2 * Math.PI);
        }
    }

    private static void Check(Tensor magnitude, StftConfig config, GriffinLimOptions options)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (magnitude.Dim != 2 || magnitude.Shape[1] != config.Bins)
            throw new ArgumentException(
                $"GriffinLim: magnitude must be [frames, {config.Bins}] for NFft {config.NFft}, got [{string.Join(", ", magnitude.Shape)}]", nameof(magnitude));
        if (magnitude.Shape[0] < 2) throw new ArgumentException("GriffinLim: magnitude needs at least 2 frames", nameof(magnitude));
        if (options.Iterations < 0) throw new ArgumentException($"GriffinLimOptions: Iterations must be non-negative, got {options.Iterations}", nameof(options));
        if (!(options.Momentum >= 0) || double.IsInfinity(options.Momentum))
            throw new ArgumentException($"GriffinLimOptions: Momentum must be finite and >= 0 (0.99 fast, 0 classic), got {options.Momentum}", nameof(options));
        if (options.Length is <= 0) throw new ArgumentException($"GriffinLimOptions: Length must be positive, got {options.Length}", nameof(options));
    }
}

/// <summary>Spectral distances between a reconstruction and its target.</summary>
public static class SpectralMetrics
{
    /// <summary>Spectral convergence ‖X − S‖_F / ‖S‖_F of magnitudes X (estimate) and S (reference), same shape.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static double SpectralConvergence(Tensor estimate, Tensor reference)
    {
        SameShape(estimate, reference);
        using var d = estimate.Sub(reference);
        using var n = d.Norm();
        using var r = reference.Norm();
        double den = r.Item();
        return den > 0 ? n.Item() / den : n.Item();
    }

    /// <summary>Spectral convergence of a signal's STFT magnitude against a reference magnitude [frames, bins].</summary>
    public static double SpectralConvergence(Tensor signal, Tensor referenceMagnitude, StftConfig config)
    {
        using var m = Stft.Magnitude(signal, config);
        return SpectralConvergence(m, referenceMagnitude);
    }

    /// <summary>
    /// Log-spectral distance in dB: for each frame t,
    /// LSD_t = sqrt(mean_k (10 · log10((X²_tk + eps) / (S²_tk + eps)))²) on power spectra, then the
    /// mean over frames. eps = 1e-10 (−100 dB) keeps silent bins finite.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ or are not [frames, bins].</exception>
    public static double LogSpectralDistance(Tensor estimate, Tensor reference, double eps = 1e-10)
    {
        SameShape(estimate, reference);
        if (estimate.Dim != 2) throw new ArgumentException($"LogSpectralDistance: expected [frames, bins], got [{string.Join(", ", estimate.Shape)}]", nameof(estimate));
        using var scope = Torch.NewScope();
        var le = estimate.To(DType.Float64).Square().Add(eps).Log();
        var lr = reference.To(DType.Float64).Square().Add(eps).Log();
        var db = le.Sub(lr).Mul(10.0 / Math.Log(10));
        return db.Square().Mean(1).Sqrt().Mean().Item();
    }

    private static void SameShape(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Shape.SequenceEqual(b.Shape))
            throw new ArgumentException($"spectral metric: shapes differ, estimate [{string.Join(", ", a.Shape)}] vs reference [{string.Join(", ", b.Shape)}]", nameof(a));
    }
}
