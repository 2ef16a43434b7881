namespace LatentSynth.Audio.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>Sample-rate conversion through libsoxr (very high quality recipe, SOXR_VHQ, linear phase).</summary>
public static class Resampler
{
    /// <summary>
    /// Resamples mono <paramref name="samples"/> from <paramref name="fromRate"/> to
    /// <paramref name="toRate"/> Hz in one call (soxr_oneshot). The result has
    /// round(n · toRate / fromRate) samples; equal rates return a copy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is not positive.</exception>
    /// <exception cref="InvalidOperationException">libsoxr reports an error (its message is included).</exception>
    public static unsafe float[] Resample(float[] samples, int fromRate, int toRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (fromRate <= 0) throw new ArgumentOutOfRangeException(nameof(fromRate), fromRate, "the sample rate must be positive");
        if (toRate <= 0) throw new ArgumentOutOfRangeException(nameof(toRate), toRate, "the sample rate must be positive");
        if (fromRate == toRate || samples.Length == 0) return (float[])samples.Clone();
        long expected = (long)Math.Round((double)samples.Length * toRate / fromRate);
        // A little room: soxr_oneshot writes at most the expected count (it flushes at the end).
        var output = new float[expected + 16];
        var quality = Soxr.soxr_quality_spec(Soxr.VeryHighQuality, 0);
        nuint inDone = 0, outDone = 0;
        nint error;
        fixed (float* pin = samples)
        fixed (float* pout = output)
            error = Soxr.soxr_oneshot(fromRate, toRate, 1, pin, (nuint)samples.Length, &inDone, pout, (nuint)output.Length, &outDone,
                null, &quality, null);
        if (error != 0)
            throw new InvalidOperationException($"libsoxr cannot resample {fromRate} Hz to {toRate} Hz: {System.Runtime.InteropServices.Marshal.PtrToStringUTF8(error)}");
        var result = new float[expected];
        Array.Copy(output, result, Math.Min((long)outDone, expected));
        return result;
    }
}
