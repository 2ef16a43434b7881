using LatentSynth.Audio.IO;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

public sealed class ResamplerTests
{
    /// <summary>Frequency of the largest rfft bin, in Hz (bin width rate/n).</summary>
    internal static double PeakFrequency(float[] x, int rate)
    {
        using var scope = Torch.NewScope();
        var t = Tensor.From(x, x.Length);
        var mag = Fft.Rfft(t).Abs();
        long k = (long)mag.Argmax().Item();
        return (double)k * rate / x.Length;
    }

    [Fact]
    public void A1kHzSineAt44k1KeepsItsFrequencyAmplitudeAndLengthAt22k05()
    {
        var x = AudioFileTests.Sine(1000, 44100, 44100, amp: 0.8);
        var y = Resampler.Resample(x, 44100, 22050);
        // Length: exactly half.
        Assert.Equal(22050, y.Length);
        // Frequency: the FFT peak of 1 s at 22,050 Hz has 1 Hz bins; the peak must be the 1,000 Hz bin.
        Assert.Equal(1000, PeakFrequency(y, 22050), 6);
        // Amplitude: peak within 1% of 0.8 away from the edges (the filter's transients).
        float peak = y[1000..^1000].Max(Math.Abs);
        Assert.InRange(peak, 0.8f * 0.99f, 0.8f * 1.01f);
        // Zero crossings in the middle 0.5 s: 2 per period, 1000 periods per second → 1000 ± 2.
        int crossings = 0;
        for (int i = 5513; i < 5513 + 11025; i++) if (Math.Sign(y[i]) != Math.Sign(y[i - 1])) crossings++;
        Assert.InRange(crossings, 998, 1002);
    }

    [Fact]
    public void UpsamplingAndOddRatiosGiveTheRoundedLength()
    {
        Assert.Equal(48000, Resampler.Resample(new float[44100], 44100, 48000).Length);
        Assert.Equal(2756, Resampler.Resample(new float[1000], 8000, 22050).Length);
        Assert.Equal(new[] { 1f, 2f }, Resampler.Resample([1f, 2f], 100, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample([1f], 0, 100));
    }
}
