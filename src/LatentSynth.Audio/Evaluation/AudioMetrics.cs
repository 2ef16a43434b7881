using LatentSynth.Audio.Descriptors;
using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Evaluation;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Spectral distances of one reconstruction against its reference.</summary>
/// <param name="SpectralConvergence">‖X − S‖_F / ‖S‖_F of the magnitudes (0: identical).</param>
/// <param name="LogSpectralDistance">Mean over frames of the RMS dB difference of the power spectra (0: identical).</param>
/// <param name="Frames">Frames compared (the shorter of the two spectrograms).</param>
public sealed record SpectralScores(double SpectralConvergence, double LogSpectralDistance, long Frames);

/// <summary>Absolute differences of per-clip descriptor summaries (reconstruction against input).</summary>
/// <param name="Centroid">|Δ spectral centroid|, Hz.</param>
/// <param name="Bandwidth">|Δ spectral bandwidth|, Hz.</param>
/// <param name="Flatness">|Δ spectral flatness| (unitless, in [0, 1]).</param>
/// <param name="Rolloff">|Δ 85 % rolloff|, Hz.</param>
/// <param name="Rms">|Δ RMS| (linear amplitude, full scale 1).</param>
/// <param name="ContrastDb">Mean over the contrast bands of |Δ spectral contrast|, dB.</param>
public sealed record DescriptorErrors(double Centroid, double Bandwidth, double Flatness, double Rolloff, double Rms, double ContrastDb)
{
    /// <summary>The errors of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    /// <exception cref="ArgumentException">The two summaries have different numbers of contrast bands.</exception>
    public static DescriptorErrors Between(ClipDescriptors estimate, ClipDescriptors reference)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(reference);
        if (estimate.Contrast.Count != reference.Contrast.Count)
            throw new ArgumentException($"contrast bands differ: {estimate.Contrast.Count} vs {reference.Contrast.Count}", nameof(estimate));
        double contrast = estimate.Contrast.Count == 0 ? 0
            : estimate.Contrast.Zip(reference.Contrast, (a, b) => Math.Abs(a - b)).Average();
        return new DescriptorErrors(Math.Abs(estimate.Centroid - reference.Centroid), Math.Abs(estimate.Bandwidth - reference.Bandwidth),
            Math.Abs(estimate.Flatness - reference.Flatness), Math.Abs(estimate.Rolloff - reference.Rolloff),
            Math.Abs(estimate.Rms - reference.Rms), contrast);
    }
}

/// <summary>
/// The scores of the audio benchmark. Spectral convergence and log-spectral distance are those of
/// <see cref="SpectralMetrics"/> (SC after Sturmel &amp; Daudet 2011 / Arık et al. 2019; LSD on power
/// spectra in dB, mean over frames of the per-frame RMS difference); descriptor summaries are
/// <see cref="FrameDescriptors.Summarize"/> with energy weighting (librosa 0.10 definitions per frame).
/// Spectrograms of different length (a Griffin-Lim signal can be a frame shorter or longer) are compared
/// over their common first frames.
/// </summary>
public static class AudioMetrics
{
    /// <summary>The floor of the log-spectral distance, in dB below the reference's peak power: bins quieter
    /// than this in both spectrograms count as equal (without it, the distance is dominated by the
    /// reconstruction's level in bins where the reference is digital silence).</summary>
    public const double LsdFloorDb = 80;

    /// <summary>SC and LSD of magnitude <paramref name="estimate"/> [T₁, F] against <paramref name="reference"/> [T₂, F]
    /// over their first min(T₁, T₂) frames. LSD uses <see cref="SpectralMetrics.LogSpectralDistance"/> with
    /// eps = peak power of the reference × 10^(−<see cref="LsdFloorDb"/>/10).</summary>
    /// <exception cref="ArgumentException">The inputs are not [frames, bins] with the same bins, or have no frame.</exception>
    public static SpectralScores Spectral(Tensor estimate, Tensor reference)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(reference);
        if (estimate.Dim != 2 || reference.Dim != 2 || estimate.Size(1) != reference.Size(1))
            throw new ArgumentException($"spectral scores need two [frames, bins] magnitudes with the same bins; got [{string.Join(", ", estimate.Shape)}] and [{string.Join(", ", reference.Shape)}]");
        long t = Math.Min(estimate.Size(0), reference.Size(0));
        if (t < 1) throw new ArgumentException("spectral scores need at least one frame in each spectrogram");
        using var scope = Torch.NewScope();
        var e = estimate.Narrow(0, 0, t).To(DType.Float64);
        var r = reference.Narrow(0, 0, t).To(DType.Float64);
        double peak = r.Abs().Max().Item();
        double eps = Math.Max(peak * peak * Math.Pow(10, -LsdFloorDb / 10), 1e-20);
        return new SpectralScores(SpectralMetrics.SpectralConvergence(e, r), SpectralMetrics.LogSpectralDistance(e, r, eps), t);
    }

    /// <summary>Descriptor errors between two magnitude spectrograms (energy-weighted per-clip summaries).</summary>
    public static DescriptorErrors Descriptors(Tensor estimate, Tensor reference, StftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var de = SpectralDescriptors.Compute(estimate, config);
        using var dr = SpectralDescriptors.Compute(reference, config);
        return DescriptorErrors.Between(de.Summarize(energyWeighted: true), dr.Summarize(energyWeighted: true));
    }

    /// <summary>Pearson correlation of two equally long series; NaN when either is constant or they have fewer than 2 values.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"series lengths differ: {x.Count} vs {y.Count}", nameof(y));
        int n = x.Count;
        if (n < 2) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double a = x[i] - mx, b = y[i] - my;
            sxy += a * b; sxx += a * a; syy += b * b;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Active units: latent dimensions whose code variance over the given codes [N, d] exceeds
    /// <paramref name="threshold"/> (Burda et al. 2016's definition with posterior means as codes).</summary>
    public static int ActiveUnits(Tensor codes, double threshold = 0.01)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Dim != 2 || codes.Size(0) < 2) return 0;
        using var scope = Torch.NewScope();
        var v = codes.To(DType.Float64);
        var variance = v.Sub(v.Mean(0)).Square().Sum(0).Div((double)(codes.Size(0) - 1)).ToArray<double>();
        return variance.Count(x => x > threshold);
    }
}
