using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Spectral;

using Torch = LatentSynth.Torch.Torch;

public class PipelineTests
{
    [Theory]
    [InlineData(CompressionKind.None)]
    [InlineData(CompressionKind.Log)]
    [InlineData(CompressionKind.Log1p)]
    [InlineData(CompressionKind.Power)]
    public void Compression_inverts(CompressionKind kind)
    {
        var comp = new Compression(kind);
        using var x = Torch.Rand(4, 7).Mul(3.0);
        using var y = comp.Forward(x);
        using var back = comp.Inverse(y);
        Goldens.AssertClose(x, back, 1e-4, 1e-5, kind.ToString());   // float32 exp/log round trip
    }

    [Fact]
    public void Normalizer_fits_to_unit_range_and_survives_save_load()
    {
        using var a = Torch.Rand(20, 6).Mul(5.0).Sub(1.0);
        using var b = Torch.Rand(13, 6).Mul(2.0);
        using var n = FrameNormalizer.Fit([a, b]);
        using var na = n.Apply(a);
        using var nb = n.Apply(b);
        double lo = Math.Min(na.Min().Item(), nb.Min().Item()), hi = Math.Max(na.Max().Item(), nb.Max().Item());
        Assert.Equal(0.0, lo, 6);
        Assert.Equal(1.0, hi, 6);
        using var inv = n.Invert(na);
        Goldens.AssertClose(a, inv, 1e-5, 1e-5, "invert");
        var dir = Directory.CreateTempSubdirectory("ls-norm-");
        try
        {
            foreach (var (mode, perBin) in new[] { (NormalizerMode.MinMax, false), (NormalizerMode.Standard, true) })
            {
                using var fit = FrameNormalizer.Fit(a, mode, perBin);
                var path = Path.Combine(dir.FullName, $"{mode}.safetensors");
                fit.Save(path);
                using var loaded = FrameNormalizer.Load(path);
                Assert.Equal(mode, loaded.Mode);
                Assert.Equal(perBin, loaded.PerBin);
                Assert.True(fit.Offset.Equal(loaded.Offset) && fit.Scale.Equal(loaded.Scale));
                using var s = fit.Apply(a);
                Assert.Equal(0.0, s.Mean(0).Abs().Max().Item() * (perBin ? 1 : 0), 4);  // per-bin standard: zero mean
            }
            File.WriteAllText(Path.Combine(dir.FullName, "bad.safetensors"), "not a file");
            Assert.ThrowsAny<Exception>(() => FrameNormalizer.Load(Path.Combine(dir.FullName, "bad.safetensors")));
        }
        finally { dir.Delete(true); }
        Assert.Contains("no frames", Assert.Throws<ArgumentException>(() => FrameNormalizer.Fit(Array.Empty<Tensor>())).Message);
    }

    [Theory]
    [InlineData("mel")]
    [InlineData("logfreq")]
    [InlineData("linear")]
    public void Analyze_synthesize_round_trip_and_save_load(string kind)
    {
        var c = new StftConfig();
        using var x = Signals.Chirp(300, 3000, 0.5);
        using var p = new SpectralPipeline(c, new TransformSettings(kind, NMels: 96, NnlsIterations: 100), new Compression());
        p.FitNormalizer([x]);
        using var frames = p.Analyze(x);
        Assert.Equal(new long[] { c.FramesForSamples(x.Shape[0]), p.Bins }, frames.Shape);
        Assert.InRange(frames.Min().Item(), -1e-6, 1e-6);
        Assert.InRange(frames.Max().Item(), 1 - 1e-6, 1 + 1e-6);
        using var mag = Stft.Magnitude(x, c);
        using var back = p.ToMagnitude(frames);
        double sc = SpectralMetrics.SpectralConvergence(back, mag);
        // linear: exact up to float32; mel (96 bands) / log-frequency: the filterbank loses detail.
        Assert.True(sc < (kind == "linear" ? 1e-4 : 0.5), $"{kind}: magnitude round trip SC {sc}");
        using var r = p.Synthesize(frames, new GriffinLimOptions { Iterations = 32, Length = x.Shape[0] });
        Assert.Equal(x.Shape, r.Signal.Shape);
        Assert.True(r.SpectralConvergence < 0.5, $"{kind}: GL SC {r.SpectralConvergence}");

        var dir = Directory.CreateTempSubdirectory("ls-pipe-");
        try
        {
            p.Save(dir.FullName);
            using var q = SpectralPipeline.Load(dir.FullName);
            Assert.Equal(p.Stft, q.Stft);
            Assert.Equal(p.Settings, q.Settings);
            Assert.Equal(p.Compression, q.Compression);
            using var f2 = q.Analyze(x);
            Assert.True(frames.Equal(f2), "loaded pipeline analyzes differently");
            File.Delete(Path.Combine(dir.FullName, SpectralPipeline.NormalizerFile));
            Assert.Throws<FileNotFoundException>(() => SpectralPipeline.Load(dir.FullName));
            File.WriteAllText(Path.Combine(dir.FullName, SpectralPipeline.SettingsFile), "{ nope");
            Assert.Throws<InvalidDataException>(() => SpectralPipeline.Load(dir.FullName));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Unknown_transform_settings_are_named()
    {
        var c = new StftConfig();
        Assert.Contains("\"cqt\"", Assert.Throws<ArgumentException>(() => new SpectralPipeline(c, new TransformSettings("cqt"), new Compression())).Message);
        Assert.Contains("Eps", Assert.Throws<ArgumentException>(() => new SpectralPipeline(c, new TransformSettings(), new Compression(Eps: 0))).Message);
    }
}
