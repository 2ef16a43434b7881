using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Descriptors;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of the descriptors (librosa 0.10 defaults).</summary>
public sealed record DescriptorOptions
{
    /// <summary>Exponent p of the bandwidth (librosa default 2).</summary>
    public double BandwidthP { get; init; } = 2;

    /// <summary>Contrast: number of octave bands above <see cref="ContrastFMin"/> (librosa default 6; n_bands + 1 values per frame).</summary>
    public int ContrastBands { get; init; } = 6;

    /// <summary>Contrast: upper edge of the first band in Hz (librosa default 200).</summary>
    public double ContrastFMin { get; init; } = 200;

    /// <summary>Contrast: fraction of each band averaged for its peak and its valley (librosa default 0.02).</summary>
    public double ContrastQuantile { get; init; } = 0.02;

    /// <summary>Flatness: floor on the power spectrum (librosa default amin 1e-10).</summary>
    public double FlatnessAmin { get; init; } = 1e-10;

    /// <summary>Rolloff: fraction of the spectral sum below the rolloff frequency (librosa default 0.85).</summary>
    public double RolloffPercent { get; init; } = 0.85;

    /// <summary>Loudness floor: RMS values below it count as it (1e-5 = −100 dBFS).</summary>
    public double LoudnessFloor { get; init; } = 1e-5;

    /// <summary>Throws an <see cref="ArgumentException"/> naming a setting out of range.</summary>
    public DescriptorOptions Validate()
    {
        if (!(BandwidthP > 0)) throw new ArgumentException($"DescriptorOptions: BandwidthP must be positive, got {BandwidthP}", nameof(BandwidthP));
        if (ContrastBands < 1) throw new ArgumentException($"DescriptorOptions: ContrastBands must be at least 1, got {ContrastBands}", nameof(ContrastBands));
        if (!(ContrastFMin > 0)) throw new ArgumentException($"DescriptorOptions: ContrastFMin must be positive, got {ContrastFMin}", nameof(ContrastFMin));
        if (!(ContrastQuantile > 0 && ContrastQuantile < 1)) throw new ArgumentException($"DescriptorOptions: ContrastQuantile must be in (0, 1), got {ContrastQuantile}", nameof(ContrastQuantile));
        if (!(FlatnessAmin > 0)) throw new ArgumentException($"DescriptorOptions: FlatnessAmin must be positive, got {FlatnessAmin}", nameof(FlatnessAmin));
        if (!(RolloffPercent > 0 && RolloffPercent < 1)) throw new ArgumentException($"DescriptorOptions: RolloffPercent must be in (0, 1), got {RolloffPercent}", nameof(RolloffPercent));
        if (!(LoudnessFloor > 0)) throw new ArgumentException($"DescriptorOptions: LoudnessFloor must be positive, got {LoudnessFloor}", nameof(LoudnessFloor));
        return this;
    }
}

/// <summary>Per-clip summary of <see cref="FrameDescriptors"/>.</summary>
/// <param name="Centroid">Spectral centroid, Hz.</param>
/// <param name="Bandwidth">Spectral bandwidth, Hz.</param>
/// <param name="Contrast">Spectral contrast per band, dB (n_bands + 1 values).</param>
/// <param name="Flatness">Spectral flatness in [0, 1].</param>
/// <param name="Rolloff">Rolloff frequency, Hz.</param>
/// <param name="Rms">RMS amplitude.</param>
/// <param name="LoudnessDb">RMS level, dBFS (computed from the summarized RMS).</param>
public sealed record ClipDescriptors(double Centroid, double Bandwidth, IReadOnlyList<double> Contrast, double Flatness, double Rolloff,
    double Rms, double LoudnessDb);

/// <summary>Descriptors of every frame (float32 tensors, one value per frame; Contrast [frames, n_bands + 1]).</summary>
public sealed class FrameDescriptors : IDisposable
{
    internal FrameDescriptors(Tensor centroid, Tensor bandwidth, Tensor contrast, Tensor flatness, Tensor rolloff, Tensor rms, Tensor loudness, double floor)
    {
        Centroid = centroid; Bandwidth = bandwidth; Contrast = contrast; Flatness = flatness; Rolloff = rolloff; Rms = rms; LoudnessDb = loudness;
        this.floor = floor;
    }

    private readonly double floor;

    /// <summary>Spectral centroid per frame, Hz [frames].</summary>
    public Tensor Centroid { get; }

    /// <summary>Spectral bandwidth per frame, Hz [frames].</summary>
    public Tensor Bandwidth { get; }

    /// <summary>Spectral contrast per frame and band, dB [frames, n_bands + 1].</summary>
    public Tensor Contrast { get; }

    /// <summary>Spectral flatness per frame [frames].</summary>
    public Tensor Flatness { get; }

    /// <summary>Rolloff frequency per frame, Hz [frames].</summary>
    public Tensor Rolloff { get; }

    /// <summary>RMS per frame [frames].</summary>
    public Tensor Rms { get; }

    /// <summary>RMS level per frame, dBFS [frames].</summary>
    public Tensor LoudnessDb { get; }

    /// <summary>
    /// Per-clip summary: the mean over frames, unweighted by default (every frame counts the same,
    /// as the mean of librosa's per-frame arrays); with <paramref name="energyWeighted"/> each frame
    /// is weighted by its energy RMS² so silent frames (whose centroid etc. mean little) hardly
    /// count. RMS is summarized as sqrt(mean RMS²) (the clip's RMS) and loudness is the dB of that.
    /// </summary>
    public ClipDescriptors Summarize(bool energyWeighted = false)
    {
        using var scope = Torch.NewScope();
        var energy = Rms.To(DType.Float64).Square();
        Tensor w;
        double total = energy.Sum().Item();
        if (energyWeighted && total > 0) w = energy.Div(total);
        else w = Torch.OnesLike(energy).Div((double)Math.Max(1, energy.Shape[0]));
        double M(Tensor t) => t.To(DType.Float64).Mul(w).Sum().Item();
        var contrast = Contrast.To(DType.Float64).Mul(w.Unsqueeze(1)).Sum(0).ToArray<double>();
        double rms = Math.Sqrt(energy.Mean().Item());
        return new ClipDescriptors(M(Centroid), M(Bandwidth), contrast, M(Flatness), M(Rolloff), rms,
            20 * Math.Log10(Math.Max(rms, floor)));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Centroid.Dispose(); Bandwidth.Dispose(); Contrast.Dispose(); Flatness.Dispose(); Rolloff.Dispose(); Rms.Dispose(); LoudnessDb.Dispose();
    }
}

/// <summary>
/// Audio descriptors from a magnitude spectrogram [frames, NFft/2+1] (frames first) and its
/// <see cref="StftConfig"/>, following librosa 0.10's definitions (each method says which; the code
/// is written here from those definitions). All work is done with libtorch ops over all frames at once.
/// </summary>
public static class SpectralDescriptors
{
    /// <summary>All descriptors of a signal [T] (magnitude STFT with <paramref name="config"/>).</summary>
    public static FrameDescriptors FromSignal(Tensor signal, StftConfig config, DescriptorOptions? options = null)
    {
        using var mag = Stft.Magnitude(signal, config);
        return Compute(mag, config, options);
    }

    /// <summary>All descriptors of a magnitude spectrogram [frames, bins].</summary>
    /// <exception cref="ArgumentException">The shape does not fit the configuration, or an option is out of range.</exception>
    public static FrameDescriptors Compute(Tensor magnitude, StftConfig config, DescriptorOptions? options = null)
    {
        options = (options ?? new DescriptorOptions()).Validate();
        Check(magnitude, config);
        var rms = Rms(magnitude, config);
        using var clamped = rms.ClampMin(options.LoudnessFloor);
        using var lg = clamped.Log();
        var loud = lg.Mul(20 / Math.Log(10));
        return new FrameDescriptors(Centroid(magnitude, config), Bandwidth(magnitude, config, options.BandwidthP),
            Contrast(magnitude, config, options.ContrastBands, options.ContrastFMin, options.ContrastQuantile),
            Flatness(magnitude, options.FlatnessAmin), Rolloff(magnitude, config, options.RolloffPercent), rms, loud, options.LoudnessFloor);
    }

    /// <summary>
    /// librosa 0.10 spectral_centroid: Σ_k f_k S_tk / Σ_k S_tk per frame (S normalized to sum 1 over
    /// frequency; a frame without energy gives 0). Hz [frames].
    /// </summary>
    public static Tensor Centroid(Tensor magnitude, StftConfig config)
    {
        Check(magnitude, config);
        using var scope = Torch.NewScope();
        var p = Normalized(magnitude);
        var f = config.BinFrequencies().To(DType.Float32);
        return p.Mul(f).Sum(1).MoveToOuterScope();
    }

    /// <summary>
    /// librosa 0.10 spectral_bandwidth (norm = True): (Σ_k S̃_tk |f_k − centroid_t|^p)^(1/p) with S̃ the
    /// magnitude normalized to sum 1 over frequency. Hz [frames].
    /// </summary>
    public static Tensor Bandwidth(Tensor magnitude, StftConfig config, double p = 2)
    {
        Check(magnitude, config);
        if (!(p > 0)) throw new ArgumentException($"Bandwidth: p must be positive, got {p}", nameof(p));
        using var scope = Torch.NewScope();
        var s = Normalized(magnitude);
        var f = config.BinFrequencies().To(DType.Float32);
        var c = s.Mul(f).Sum(1, keepDim: true);
        var dev = f.Unsqueeze(0).Sub(c).Abs().Pow(p);
        return s.Mul(dev).Sum(1).Pow(1.0 / p).MoveToOuterScope();
    }

    /// <summary>
    /// librosa 0.10 spectral_contrast (linear_freq = False): octave bands with edges
    /// [0, fMin, 2 fMin, …, 2^nBands fMin]; band k holds the bins with f_low ≤ f ≤ f_high, plus the bin
    /// just below for k &gt; 0 and every bin above for the last band, minus its top bin for k &lt; nBands.
    /// With q = max(1, round(quantile · bins counted in the band)), peak = mean of its q largest and
    /// valley = mean of its q smallest magnitudes; contrast = 10 log10(max(1e-10, peak)) −
    /// 10 log10(max(1e-10, valley)) (librosa applies power_to_db to the magnitudes). dB [frames, nBands + 1].
    /// </summary>
    public static Tensor Contrast(Tensor magnitude, StftConfig config, int nBands = 6, double fMin = 200, double quantile = 0.02)
    {
        Check(magnitude, config);
        new DescriptorOptions { ContrastBands = nBands, ContrastFMin = fMin, ContrastQuantile = quantile }.Validate();
        double binHz = (double)config.SampleRate / config.NFft;
        int bins = config.Bins;
        if (fMin * Math.Pow(2, nBands - 1) >= config.SampleRate / 2.0)
            throw new ArgumentException($"Contrast: the band edges reach {fMin * Math.Pow(2, nBands - 1)} Hz, above the Nyquist frequency; use fewer bands or a lower fMin", nameof(nBands));
        var results = new List<Tensor>();
        try
        {
            for (int k = 0; k <= nBands; k++)
            {
                double lo = k == 0 ? 0 : fMin * Math.Pow(2, k - 1), hi = fMin * Math.Pow(2, k);
                // Bin indices with lo ≤ k·binHz ≤ hi (the band's mask; a contiguous range).
                int first = (int)Math.Ceiling(lo / binHz - 1e-9), last = Math.Min(bins - 1, (int)Math.Floor(hi / binHz + 1e-9));
                if (first > last) throw new ArgumentException($"Contrast: band {k} ({lo}–{hi} Hz) holds no STFT bin; use a larger NFft or a higher fMin", nameof(fMin));
                if (k > 0) first -= 1;
                if (k == nBands) last = bins - 1;
                int counted = last - first + 1;
                int take = k < nBands ? counted - 1 : counted;
                int q = Math.Max(1, (int)Math.Round(quantile * counted, MidpointRounding.ToEven));
                q = Math.Min(q, take);
                using var scope = Torch.NewScope();
                var sorted = AudioKernels.SortValues(magnitude.Narrow(1, first, take), 1);
                var valley = sorted.Narrow(1, 0, q).Mean(1);
                var peak = sorted.Narrow(1, take - q, q).Mean(1);
                var db = Db(peak).Sub(Db(valley));
                results.Add(db.MoveToOuterScope());
            }
            return Torch.Stack(results, 1);
        }
        finally
        {
            foreach (var r in results) r.Dispose();
        }
    }

    /// <summary>
    /// librosa 0.10 spectral_flatness (power = 2): on P = max(amin, S²),
    /// exp(mean_k ln P_tk) / mean_k P_tk per frame: near 1 for a flat (noise-like) spectrum, near 0 for
    /// a peaky one. [frames].
    /// </summary>
    public static Tensor Flatness(Tensor magnitude, double amin = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        if (magnitude.Dim != 2) throw new ArgumentException($"Flatness: expected [frames, bins], got [{string.Join(", ", magnitude.Shape)}]", nameof(magnitude));
        using var scope = Torch.NewScope();
        var p = magnitude.Square().ClampMin(amin);
        var g = p.Log().Mean(1).Exp();
        return g.Div(p.Mean(1)).MoveToOuterScope();
    }

    /// <summary>
    /// librosa 0.10 spectral_rolloff: the lowest bin frequency f_k at which the cumulative sum of the
    /// magnitude over frequency reaches <paramref name="rollPercent"/> of the frame's total. Hz [frames].
    /// </summary>
    public static Tensor Rolloff(Tensor magnitude, StftConfig config, double rollPercent = 0.85)
    {
        Check(magnitude, config);
        if (!(rollPercent > 0 && rollPercent < 1)) throw new ArgumentException($"Rolloff: rollPercent must be in (0, 1), got {rollPercent}", nameof(rollPercent));
        using var scope = Torch.NewScope();
        var cum = magnitude.To(DType.Float64).Cumsum(1);
        var threshold = cum.Narrow(1, cum.Shape[1] - 1, 1).Mul(rollPercent);
        var reached = cum.Ge(threshold).To(DType.Float32);
        var idx = reached.Argmax(1);   // first bin where the threshold is reached
        var f = config.BinFrequencies().To(DType.Float32);
        return f.IndexSelect(0, idx).MoveToOuterScope();
    }

    /// <summary>
    /// RMS per frame from the magnitude, as librosa 0.10 rms(S=…): the one-sided power spectrum with
    /// its DC (and, for even NFft, Nyquist) bin halved, doubled and summed gives the frame energy by
    /// Parseval. One difference, on purpose: librosa divides by NFft², which measures the windowed
    /// frame (a Hann window scales a sine's RMS by √0.375); we divide by NFft · Σ w², so the RMS is
    /// that of the signal (a sine of amplitude A gives A / √2). For a rectangular window both agree. [frames].
    /// </summary>
    public static Tensor Rms(Tensor magnitude, StftConfig config)
    {
        Check(magnitude, config);
        using var scope = Torch.NewScope();
        var p = magnitude.To(DType.Float64).Square();
        var total = p.Sum(1).Mul(2.0).Sub(p.Select(1, 0));
        if (config.NFft % 2 == 0) total = total.Sub(p.Select(1, config.Bins - 1));
        var w = config.CreateWindow().To(DType.Float64);
        double wss = w.Square().Sum().Item();
        return total.Div(config.NFft * wss).ClampMin(0.0).Sqrt().To(DType.Float32).MoveToOuterScope();
    }

    private static Tensor Normalized(Tensor magnitude)
    {
        var s = magnitude.Sum(1, keepDim: true).ClampMin(1e-30);
        return magnitude.Div(s);
    }

    private static Tensor Db(Tensor x) => x.ClampMin(1e-10).Log().Mul(10 / Math.Log(10));

    private static void Check(Tensor magnitude, StftConfig config)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (magnitude.Dim != 2 || magnitude.Shape[1] != config.Bins)
            throw new ArgumentException($"descriptors: magnitude must be [frames, {config.Bins}] for NFft {config.NFft}, got [{string.Join(", ", magnitude.Shape)}]", nameof(magnitude));
    }
}
