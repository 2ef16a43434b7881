using System.Text.Json.Nodes;
using LatentSynth.Audio.Evaluation;
using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Evaluation;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

public sealed class AudioMetricsTests
{
    private static readonly StftConfig Cfg = new(NFft: 512, HopLength: 128);

    /// <summary>A magnitude [frames, 257] with every bin in [0.5, 1] (no quiet bins) and a spectral slope.</summary>
    private static Tensor Magnitude(int frames = 20)
    {
        var rng = new Random(3);
        int bins = Cfg.NFft / 2 + 1;
        var v = new float[frames * bins];
        for (int t = 0; t < frames; t++)
            for (int k = 0; k < bins; k++)
                v[t * bins + k] = (float)(0.5 + 0.5 * rng.NextDouble()) * (1f - 0.5f * k / bins);
        return Tensor.From(v, frames, bins);
    }

    [Fact]
    public void IdenticalSpectrogramsScoreZero()
    {
        using var scope = Torch.NewScope();
        var s = Magnitude();
        var m = AudioMetrics.Spectral(s, s.Clone());
        Assert.Equal(0, m.SpectralConvergence, 12);
        Assert.Equal(0, m.LogSpectralDistance, 9);
        Assert.Equal(20, m.Frames);
        var e = AudioMetrics.Descriptors(s, s.Clone(), Cfg);
        Assert.Equal(0, e.Centroid, 9);
        Assert.Equal(0, e.Bandwidth, 9);
        Assert.Equal(0, e.Flatness, 9);
        Assert.Equal(0, e.Rolloff, 9);
        Assert.Equal(0, e.Rms, 9);
        Assert.Equal(0, e.ContrastDb, 9);
    }

    [Fact]
    public void ScaledMagnitudeHasKnownScores()
    {
        using var scope = Torch.NewScope();
        var s = Magnitude();
        var twice = s.Mul(2.0);
        var m = AudioMetrics.Spectral(twice, s);
        Assert.Equal(1.0, m.SpectralConvergence, 6);                 // ‖2S − S‖ / ‖S‖
        Assert.Equal(20 * Math.Log10(2), m.LogSpectralDistance, 3);  // every bin 6.02 dB louder
        var half = AudioMetrics.Spectral(s.Mul(0.5), s);
        Assert.Equal(0.5, half.SpectralConvergence, 6);
        // Scale-invariant descriptors do not move; RMS doubles, so its error is the reference's RMS.
        var e = AudioMetrics.Descriptors(twice, s, Cfg);
        Assert.Equal(0, e.Centroid, 6);
        Assert.Equal(0, e.Bandwidth, 6);
        Assert.Equal(0, e.Flatness, 6);
        Assert.Equal(0, e.Rolloff, 6);
        Assert.Equal(0, e.ContrastDb, 3);
        using var d = LatentSynth.Audio.Descriptors.SpectralDescriptors.Compute(s, Cfg);
        Assert.Equal(d.Summarize(energyWeighted: true).Rms, e.Rms, 6);
        Assert.True(e.Rms > 0);
    }

    [Fact]
    public void SpectrogramsOfDifferentLengthAreComparedOverTheirCommonFrames()
    {
        using var scope = Torch.NewScope();
        var s = Magnitude(20);
        var m = AudioMetrics.Spectral(s.Narrow(0, 0, 18), s);
        Assert.Equal(18, m.Frames);
        Assert.Equal(0, m.SpectralConvergence, 12);
        Assert.Throws<ArgumentException>(() => AudioMetrics.Spectral(s.Narrow(1, 0, 100), s));
    }

    [Fact]
    public void CorrelationAndActiveUnitsHaveKnownAnswers()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1.0, AudioMetrics.Correlation(x, x.Select(v => 2 * v + 1).ToArray()), 12);
        Assert.Equal(-1.0, AudioMetrics.Correlation(x, x.Select(v => -v).ToArray()), 12);
        Assert.True(double.IsNaN(AudioMetrics.Correlation(x, [3, 3, 3, 3, 3])));
        Assert.Throws<ArgumentException>(() => AudioMetrics.Correlation(x, [1.0]));

        using var scope = Torch.NewScope();
        // Dimension 0 varies (variance 2.5), dimension 1 barely (1e-4 spread), dimension 2 is constant.
        var codes = Tensor.From(new float[] { 1, 0, 5, 2, 0.01f, 5, 3, 0, 5, 4, 0.01f, 5, 5, 0, 5 }, 5, 3);
        Assert.Equal(1, AudioMetrics.ActiveUnits(codes));
        Assert.Equal(2, AudioMetrics.ActiveUnits(codes, threshold: 1e-6));
    }

    [Fact]
    public void FrameDefaultsFillOnlyWhatAVariantLeavesOut()
    {
        var wae = AudioBenchmark.WithFrameDefaults(new JsonObject { ["model"] = "wae-mmd", ["latent_dim"] = 4 });
        Assert.Equal(4, wae["latent_dim"]!.GetValue<int>());
        Assert.Equal("mlp", wae["arch"]!.GetValue<string>());
        Assert.False(wae.ContainsKey("beta"));  // β and warm-up belong to the default beta-vae only
        var beta = AudioBenchmark.WithFrameDefaults(new JsonObject { ["model"] = "beta-vae" });
        Assert.Equal(0.05, beta["beta"]!.GetValue<double>(), 12);
        var names = AudioBenchmark.DefaultMatrix("/notes").Variants.Select(v => v.Name).ToList();
        Assert.Equal(["beta-vae", "vae", "wae-mmd-rbf", "wae-mmd-imq", "ae"], names);
        Assert.Equal(1.0, AudioBenchmark.DefaultMatrix("/notes").Variants[1].Model["beta"]?.GetValue<double>() ?? 1.0);
    }
}
