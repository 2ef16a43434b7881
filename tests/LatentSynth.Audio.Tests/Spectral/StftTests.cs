using LatentSynth.Audio.Spectral;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Spectral;

using Torch = LatentSynth.Torch.Torch;

public class StftTests
{
    [Fact]
    public void Defaults_are_46ms_window_and_11_6ms_hop()
    {
        var c = new StftConfig();
        Assert.Equal(513, c.Bins);
        Assert.Equal(0.0464, (double)c.NFft / c.SampleRate, 3);
        Assert.Equal(0.01161, c.FrameToSeconds(1), 5);
        Assert.Equal(87, c.FramesForSeconds(1.0));           // 1 + 22050 / 256
        Assert.Equal(256 * 86, c.SamplesForFrames(87));
        Assert.Equal(86, c.SecondsToFrame(c.FrameToSeconds(86)));
    }

    [Fact]
    public void Magnitude_is_frames_first_and_matches_a_naive_dft_of_one_frame()
    {
        var c = new StftConfig(SampleRate: 8000, NFft: 256, HopLength: 64);
        using var x = Signals.Chirp(100, 3000, 0.25, 8000);   // 2000 samples
        using var mag = Stft.Magnitude(x, c);
        Assert.Equal(new long[] { 1 + 2000 / 64, 129 }, mag.Shape);
        // Frame 10 covers samples [10·64 − 128, 10·64 + 128): inside the signal, no padding involved.
        using var scope = Torch.NewScope();
        var frame = x.Narrow(0, 10 * 64 - 128, 256).To(DType.Float64).Mul(c.CreateWindow().To(DType.Float64));
        var n = Torch.Arange(0.0, 256, 1.0, DType.Float64);
        var k = Torch.Arange(0.0, 129, 1.0, DType.Float64);
        var angle = k.Unsqueeze(1).Mul(n.Unsqueeze(0)).Mul(-2 * Math.PI / 256);   // [129, 256]
        var re = angle.Cos().Matmul(frame);
        var im = angle.Sin().Matmul(frame);
        var naive = re.Square().Add(im.Square()).Sqrt();
        var ours = mag.Select(0, 10).To(DType.Float64);
        double peak = naive.Max().Item();
        // float32 FFT vs float64 sum over 256 products: errors ~1e-6 of the peak; 1e-5 · peak allowed.
        double maxErr = ours.Sub(naive).Abs().Max().Item();
        Assert.True(maxErr < 1e-5 * peak, $"max |ours − naive DFT| = {maxErr}, peak {peak}");
    }

    [Fact]
    public void Istft_of_stft_gives_back_the_signal()
    {
        var c = new StftConfig();
        using var x = Signals.Chirp(200, 4000, 0.5);
        using var spec = Stft.Complex(x, c);
        using var y = Stft.Istft(spec, c, x.Shape[0]);
        using var d = y.Sub(x);
        // float32 round trip of a 0.5-amplitude signal: ~1e-7 errors; 1e-5 allowed.
        Assert.True(d.Abs().Max().Item() < 1e-5, $"max error {d.Abs().Max().Item()}");
    }

    [Fact]
    public void Short_window_is_zero_padded_and_centred()
    {
        var c = new StftConfig(NFft: 16, HopLength: 4, WinLength: 8);
        using var w = c.CreateWindow();
        var v = w.ToArray<float>();
        Assert.Equal(16, v.Length);
        Assert.All(v.Take(4).Concat(v.Skip(12)), z => Assert.Equal(0f, z));
        Assert.True(v[8] > 0.9f);
    }

    [Theory]
    [InlineData(0, 1024, 256, null, "hann", "SampleRate")]
    [InlineData(22050, 1, 256, null, "hann", "NFft")]
    [InlineData(22050, 1024, 0, null, "hann", "HopLength")]
    [InlineData(22050, 1024, 256, 2048, "hann", "WinLength")]
    [InlineData(22050, 1024, 256, null, "kaiser", "kaiser")]
    [InlineData(22050, 1024, 512, 256, "hann", "larger than the window")]
    public void Bad_configs_are_named(int sr, int nFft, int hop, int? win, string window, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new StftConfig(sr, nFft, hop, win, window).Validate());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Istft_rejects_the_wrong_bin_count()
    {
        using var z = Torch.Zeros(10, 100);
        using var zc = Torch.Complex(z, z);
        var e = Assert.Throws<ArgumentException>(() => Stft.Istft(zc, new StftConfig()));
        Assert.Contains("513", e.Message);
    }
}
