using LatentSynth.Audio.Descriptors;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Tests.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Descriptors;

using Torch = LatentSynth.Torch.Torch;

public class DescriptorTests
{
    private static readonly StftConfig Config = new();

    [Theory]
    [InlineData(440.0)]
    [InlineData(1000.0)]
    [InlineData(3000.0)]
    public void Sine_centroid_and_rolloff_sit_at_its_frequency_and_its_bandwidth_is_small(double freq)
    {
        using var x = Signals.Sine(freq, 0.5, amplitude: 0.5);
        using var d = SpectralDescriptors.FromSignal(x, Config);
        var s = d.Summarize();
        // The centroid weighs magnitudes (not power) linearly in frequency, so the Hann window's
        // sidelobes — with far more bins above the sine than below — and the reflect-padded edge
        // frames pull it up: measured +2% to +4% (457 Hz for 440, 1022 for 1000, ~3040 for 3000). 5% allowed.
        Assert.InRange(s.Centroid, freq * 0.99, freq * 1.05);
        // Rolloff is a bin frequency (21.5 Hz apart); measured up to 3 bins above (3062 Hz for 3000). 4 bins allowed.
        Assert.InRange(s.Rolloff, freq - 4 * 21.54, freq + 4 * 21.54);
        // The Hann main lobe spans ±2 bins (±43 Hz), but p = 2 weighs the far sidelobes (and the
        // edge frames) by distance²: measured 114 / 139 / 160 Hz for 440 / 1000 / 3000 Hz — small next to
        // white noise's ≈ 3,200 Hz (see the noise test). 200 Hz allowed.
        Assert.True(s.Bandwidth < 200, $"bandwidth {s.Bandwidth} Hz");
        // RMS of a sine of amplitude A is A/√2 (window-compensated, see SpectralDescriptors.Rms); edge
        // frames see reflect padding, so 1% is allowed.
        Assert.InRange(s.Rms, 0.5 / Math.Sqrt(2) * 0.99, 0.5 / Math.Sqrt(2) * 1.01);
        Assert.Equal(20 * Math.Log10(s.Rms), s.LoudnessDb, 6);
        Assert.True(s.Flatness < 1e-3, $"sine flatness {s.Flatness}");
        Assert.Equal(7, s.Contrast.Count);
        Assert.Equal(new long[] { Config.FramesForSamples(x.Shape[0]), 7 }, d.Contrast.Shape);
    }

    [Fact]
    public void White_noise_is_flat_and_has_less_contrast_than_a_sine()
    {
        using var noise = Signals.Noise(1.0, 3);
        using var sine = Signals.Sine(1000, 1.0, amplitude: 0.5);
        var n = Summary(noise);
        var s = Summary(sine);
        // Flatness of one periodogram frame of white Gaussian noise: the power in each bin is
        // exponentially distributed, so E[geometric mean] / mean ≈ e^(−γ) ≈ 0.56, not 1 — "near 1"
        // compared with a sine's ~0. Measured ≈ 0.5–0.6 here.
        Assert.InRange(n.Flatness, 0.45, 0.75);
        Assert.True(s.Flatness < 0.01 * n.Flatness);
        // Noise: centroid near sr/4 (flat spectrum over 0..sr/2).
        Assert.InRange(n.Centroid, 22050 / 4.0 * 0.9, 22050 / 4.0 * 1.1);
        // Flat spectrum over 0..sr/2: bandwidth ≈ its standard deviation 11025/√12 ≈ 3,183 Hz.
        Assert.InRange(n.Bandwidth, 2800, 3600);
        // RMS of N(0, 0.1²) noise is 0.1.
        Assert.InRange(n.Rms, 0.095, 0.105);
        // The band holding the sine (800–1600 Hz) has far more contrast for the sine than for noise.
        Assert.True(s.Contrast[3] > n.Contrast[3] + 20, $"sine {s.Contrast[3]} dB vs noise {n.Contrast[3]} dB");
        Assert.True(s.Contrast.Average() > n.Contrast.Average(), "mean contrast");
    }

    [Fact]
    public void Energy_weighted_summary_ignores_silence()
    {
        using var sine = Signals.Sine(1000, 0.5, amplitude: 0.5);
        using var silence = Torch.Zeros(sine.Shape[0]);
        using var x = Torch.Cat([sine, silence]);
        using var d = SpectralDescriptors.FromSignal(x, Config);
        var plain = d.Summarize();
        var weighted = d.Summarize(energyWeighted: true);
        Assert.InRange(weighted.Centroid, 990, 1050);   // as for a sine alone (measured ≈ 1018 Hz)
        Assert.True(plain.Centroid < 700, $"unweighted centroid {plain.Centroid} counts the silent frames as 0 Hz");
    }

    [Fact]
    public void Bad_inputs_are_named()
    {
        using var wrong = Torch.Ones(4, 100);
        Assert.Contains("513", Assert.Throws<ArgumentException>(() => SpectralDescriptors.Compute(wrong, Config)).Message);
        using var ok = Torch.Ones(4, 513);
        Assert.Contains("RolloffPercent", Assert.Throws<ArgumentException>(() => SpectralDescriptors.Compute(ok, Config, new DescriptorOptions { RolloffPercent = 1.5 })).Message);
        Assert.Contains("Nyquist", Assert.Throws<ArgumentException>(() => SpectralDescriptors.Contrast(ok, Config, nBands: 9)).Message);
    }

    private static ClipDescriptors Summary(Tensor x)
    {
        using var d = SpectralDescriptors.FromSignal(x, Config);
        return d.Summarize();
    }
}
