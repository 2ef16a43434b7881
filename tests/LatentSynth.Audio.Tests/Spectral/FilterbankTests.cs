using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Spectral;

using Torch = LatentSynth.Torch.Torch;

public class FilterbankTests
{
    [Fact]
    public void Slaney_mel_scale_known_values()
    {
        using var hz = Tensor.From(new[] { 1000.0, 200.0, 6400.0 }, 3);
        var mel = MelTransform.HzToMel(hz).ToArray<double>();
        Assert.Equal(15.0, mel[0], 12);   // 1 kHz is 15 mels on the Slaney scale
        Assert.Equal(3.0, mel[1], 12);    // 200 Hz / (200/3)
        Assert.Equal(42.0, mel[2], 10);   // 6.4 kHz: one factor 6.4 above 1 kHz = 27 mels more
        using var back = MelTransform.MelToHz(MelTransform.HzToMel(hz));
        Assert.Equal(new[] { 1000.0, 200.0, 6400.0 }, back.ToArray<double>().Select(v => Math.Round(v, 6)));
        var probe = Signals.Golden("hz_probe");
        using var ours = MelTransform.HzToMel(probe);
        Goldens.AssertClose(Signals.Golden("mel_probe"), ours, 1e-12, 1e-12, "hz_to_mel");
    }

    [Theory]
    [InlineData(22050, 1024, 128, 0.0, null, "mel_22050_1024_128")]
    [InlineData(16000, 512, 40, 50.0, 7000.0, "mel_16000_512_40_50_7000")]
    public void Mel_filterbank_equals_the_golden(int sr, int nFft, int nMels, double fMin, double? fMax, string golden)
    {
        using var fb = MelTransform.Build(new StftConfig(sr, nFft, nFft / 4), nMels, fMin, fMax);
        // Both computed in float64 from the same definition and rounded to float32: equal to a few ulps.
        Goldens.AssertClose(Signals.Golden(golden), fb, 1e-5, 1e-8, golden);
        // norm = "slaney": each triangle has area 1 in Hz, so its row sum times the bin spacing is about 1
        // (only about: a triangle is sampled at a few bins at low frequency).
        using var sums = fb.Sum(1);
        double mean = sums.Mean().Item() * sr / nFft;
        Assert.InRange(mean, 0.9, 1.1);
    }

    [Fact]
    public void Nnls_inversion_is_non_negative_and_beats_the_clamped_pseudo_inverse()
    {
        var c = new StftConfig();
        using var x = Signals.Chirp(300, 5000, 0.5);
        using var mag = Stft.Magnitude(x, c);
        using var mel = new MelTransform(c, nMels: 64, nnlsIterations: 200);
        using var m = mel.Forward(mag);
        using var nnls = mel.Inverse(m, FilterbankInversion.Nnls);
        using var pinv = mel.Inverse(m, FilterbankInversion.PseudoInverse);
        Assert.True(nnls.Min().Item() >= 0, "NNLS gave a negative magnitude");
        Assert.True(pinv.Min().Item() >= 0, "pinv + clamp gave a negative magnitude");
        // Error measured in the mel domain (what NNLS minimizes) and against the true spectrum
        // (measured on the linear spectrum: NNLS 0.153, pinv + clamp 0.225).
        using var rn = mel.Forward(nnls);
        using var rp = mel.Forward(pinv);
        double errN = SpectralMetrics.SpectralConvergence(rn, m), errP = SpectralMetrics.SpectralConvergence(rp, m);
        Assert.True(errN < errP, $"mel-domain error: NNLS {errN} vs pinv+clamp {errP}");
        double linN = SpectralMetrics.SpectralConvergence(nnls, mag), linP = SpectralMetrics.SpectralConvergence(pinv, mag);
        Assert.True(linN < linP, $"linear error: NNLS {linN} vs pinv+clamp {linP}");
    }

    [Fact]
    public void Log_frequency_filters_grow_with_frequency_and_cover_every_row()
    {
        var c = new StftConfig();
        using var lf = new LogFrequencyTransform(c);  // 24 per octave from C1 to 11,025 Hz
        Assert.Equal((int)Math.Floor(24 * Math.Log2(11025 / 32.703195662574829)) + 1, lf.Bins);
        using var sums = lf.Filters.Sum(1);
        var s = sums.ToArray<float>();
        Assert.All(s, v => Assert.Equal(1.0, v, 4));        // every filter touches at least one bin
        using var nz = lf.Filters.Gt(0.0);
        using var widths = nz.To(DType.Float32).Sum(1);
        var w = widths.ToArray<float>();
        Assert.True(w[^1] > 4 * w[0], $"top filter covers {w[^1]} bins, bottom {w[0]}");
        // A 1 kHz sine lands in the filter centred nearest 1 kHz.
        using var x = Signals.Sine(1000, 0.3);
        using var mag = Stft.Magnitude(x, c);
        using var f = lf.Forward(mag);
        using var mean = f.Mean(0);
        long arg = mean.Argmax().ItemLong();
        double centre = 32.703195662574829 * Math.Pow(2, arg / 24.0);
        Assert.InRange(centre, 1000 / Math.Pow(2, 1.5 / 24), 1000 * Math.Pow(2, 1.5 / 24));
        using var inv = lf.Inverse(f);
        Assert.True(inv.Min().Item() >= 0);
        Assert.Equal(mag.Shape, inv.Shape);
    }

    [Fact]
    public void Bad_filterbank_settings_are_named()
    {
        var c = new StftConfig();
        Assert.Contains("nMels", Assert.Throws<ArgumentException>(() => MelTransform.Build(c, 0)).Message);
        Assert.Contains("fMax", Assert.Throws<ArgumentException>(() => MelTransform.Build(c, 40, 0, 20000)).Message);
        Assert.Contains("binsPerOctave", Assert.Throws<ArgumentException>(() => LogFrequencyTransform.Build(c, 0)).Message);
        using var mel = new MelTransform(c, 40);
        using var wrong = Torch.Zeros(3, 41);
        Assert.Contains("40", Assert.Throws<ArgumentException>(() => mel.Inverse(wrong)).Message);
    }
}
