using LatentSynth.Torch;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Short-time Fourier transform settings. The defaults (1024-sample window ≈ 46 ms, hop 256 ≈
/// 11.6 ms at 22,050 Hz, Hann window, centred frames) are librosa's defaults. Frames are centred:
/// frame t covers samples around t · hop (the signal is reflect-padded by NFft / 2 on both sides).
/// </summary>
/// <param name="SampleRate">Sample rate in Hz.</param>
/// <param name="NFft">FFT size in samples; gives NFft / 2 + 1 frequency bins.</param>
/// <param name="HopLength">Samples between successive frames.</param>
/// <param name="WinLength">Window length (≤ NFft; default NFft). A shorter window is zero-padded on both sides to NFft.</param>
/// <param name="Window">"hann", "hamming", "blackman" or "rectangular".</param>
/// <param name="Center">Centre frames on t · hop (reflect padding), as librosa and torch.stft do by default.</param>
public sealed record StftConfig(int SampleRate = 22050, int NFft = 1024, int HopLength = 256, int? WinLength = null,
    string Window = "hann", bool Center = true)
{
    /// <summary>Number of frequency bins, NFft / 2 + 1.</summary>
    public int Bins => NFft / 2 + 1;

    /// <summary>
    /// The fewest samples the STFT accepts: NFft / 2 + 1 when frames are centred (the reflect padding
    /// of NFft / 2 needs more samples than that), NFft otherwise.
    /// </summary>
    public int MinSamples => Center ? NFft / 2 + 1 : NFft;

    /// <summary>The window length in use (WinLength or NFft).</summary>
    public int EffectiveWinLength => WinLength ?? NFft;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the setting when one is out of range.</summary>
    public StftConfig Validate()
    {
        if (SampleRate <= 0) throw new ArgumentException($"StftConfig: SampleRate must be positive, got {SampleRate}", nameof(SampleRate));
        if (NFft < 2) throw new ArgumentException($"StftConfig: NFft must be at least 2 (1024 is usual at 22,050 Hz), got {NFft}", nameof(NFft));
        if (HopLength <= 0) throw new ArgumentException($"StftConfig: HopLength must be positive (NFft / 4 is usual), got {HopLength}", nameof(HopLength));
        if (WinLength is { } w && (w <= 0 || w > NFft))
            throw new ArgumentException($"StftConfig: WinLength must be in [1, NFft = {NFft}], got {w}", nameof(WinLength));
        if (HopLength > EffectiveWinLength)
            throw new ArgumentException($"StftConfig: HopLength {HopLength} is larger than the window ({EffectiveWinLength}); frames would leave gaps and cannot be inverted", nameof(HopLength));
        if (Window is not ("hann" or "hamming" or "blackman" or "rectangular"))
            throw new ArgumentException($"StftConfig: unknown Window \"{Window}\"; use \"hann\", \"hamming\", \"blackman\" or \"rectangular\"", nameof(Window));
        return this;
    }

    /// <summary>Seconds from frame 0's centre to frame <paramref name="frame"/>'s centre (frame · hop / sr).</summary>
    public double FrameToSeconds(double frame) => frame * HopLength / SampleRate;

    /// <summary>The frame whose centre is nearest to <paramref name="seconds"/>.</summary>
    public long SecondsToFrame(double seconds) => (long)Math.Round(seconds * SampleRate / HopLength);

    /// <summary>Number of frames the STFT gives for a signal of <paramref name="samples"/> samples.</summary>
    public long FramesForSamples(long samples) => Center ? 1 + samples / HopLength : samples < NFft ? 0 : 1 + (samples - NFft) / HopLength;

    /// <summary>Number of frames for a signal of <paramref name="seconds"/> seconds.</summary>
    public long FramesForSeconds(double seconds) => FramesForSamples((long)Math.Round(seconds * SampleRate));

    /// <summary>Signal length the inverse STFT gives for <paramref name="frames"/> frames (hop · (frames − 1) when centred).</summary>
    public long SamplesForFrames(long frames) => Center ? (long)HopLength * (frames - 1) : NFft + (long)HopLength * (frames - 1);

    /// <summary>Duration in seconds of the signal rebuilt from <paramref name="frames"/> frames.</summary>
    public double SecondsForFrames(long frames) => (double)SamplesForFrames(frames) / SampleRate;

    /// <summary>The analysis window, float32 [NFft] (periodic; zero-padded on both sides when WinLength &lt; NFft, as torch.stft does).</summary>
    public Tensor CreateWindow()
    {
        Validate();
        int w = EffectiveWinLength;
        var win = Window switch
        {
            "hann" => Torch.HannWindow(w),
            "hamming" => Torch.HammingWindow(w),
            "blackman" => Torch.BlackmanWindow(w),
            _ => Torch.Ones(w),
        };
        if (w == NFft) return win;
        int left = (NFft - w) / 2;
        using (win)
        using (var l = Torch.Zeros(left))
        using (var r = Torch.Zeros(NFft - w - left))
            return Torch.Cat([l, win, r]);
    }

    /// <summary>Centre frequency in Hz of each bin, float64 [Bins] (k · sr / NFft).</summary>
    public Tensor BinFrequencies() => Fft.Rfftfreq(NFft, 1.0 / SampleRate, DType.Float64);
}
