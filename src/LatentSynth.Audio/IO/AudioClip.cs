using LatentSynth.Torch;

namespace LatentSynth.Audio.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>A mono sound: samples (nominally in [-1, 1]) at a sample rate in Hz.</summary>
/// <param name="Samples">The samples, one per frame.</param>
/// <param name="SampleRate">Frames per second (positive).</param>
public sealed record AudioClip(float[] Samples, int SampleRate)
{
    /// <summary>The samples, one per frame.</summary>
    public float[] Samples { get; } = Samples ?? throw new ArgumentNullException(nameof(Samples));

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; } = SampleRate > 0 ? SampleRate
        : throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "the sample rate must be positive");

    /// <summary>Length in seconds.</summary>
    public double Duration => (double)Samples.Length / SampleRate;

    /// <summary>
    /// Where the clip came from (the file <see cref="AudioFile.ReadMono"/> read, or a note id), for
    /// messages; null when unknown. Not part of the clip's value.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>Number of samples that are NaN or infinite (a float WAV can hold them; no model can use them).</summary>
    public int NonFiniteCount
    {
        get
        {
            int n = 0;
            foreach (var s in Samples) if (!float.IsFinite(s)) n++;
            return n;
        }
    }

    /// <summary>
    /// Null when the clip can be analysed with <paramref name="stft"/>; otherwise why not, as
    /// "not finite: …" or "too short: …". The one usability check of a sound: the import, the
    /// audio data preparation (which skips such notes) and every analysis (<c>AudioModel.Analyze</c>,
    /// which refuses them with the clip's <see cref="Source"/>) ask it.
    /// </summary>
    public string? Problem(Spectral.StftConfig stft)
    {
        ArgumentNullException.ThrowIfNull(stft);
        if (NonFiniteCount is int bad and > 0)
            return $"not finite: {bad:N0} of {Samples.Length:N0} samples are NaN or infinite";
        // Centred frames reflect-pad NFft/2 samples on each side, which needs more samples than that.
        long need = (long)Math.Ceiling(stft.MinSamples * (double)SampleRate / stft.SampleRate);
        if (Samples.Length < need)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"too short: {Samples.Length:N0} samples ({Duration * 1000:0.#} ms); one STFT frame of n_fft {stft.NFft} needs at least {need:N0}");
        return null;
    }

    /// <summary>Largest absolute sample (0 for an empty clip).</summary>
    public float Peak
    {
        get
        {
            float p = 0;
            foreach (var s in Samples) p = Math.Max(p, Math.Abs(s));
            return p;
        }
    }

    /// <summary>Root mean square of the samples (0 for an empty clip).</summary>
    public double Rms
    {
        get
        {
            if (Samples.Length == 0) return 0;
            double sum = 0;
            foreach (var s in Samples) sum += (double)s * s;
            return Math.Sqrt(sum / Samples.Length);
        }
    }

    /// <summary>The samples as a float32 tensor of shape [T] (a copy; the caller disposes it).</summary>
    public Tensor ToTensor() => Tensor.From(Samples, Samples.Length);
}

/// <summary>What <see cref="AudioFile.Probe"/> finds in a file's header.</summary>
/// <param name="Path">The file.</param>
/// <param name="Channels">Number of channels.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Frames">Frames per channel (for some compressed formats an estimate from the header).</param>
/// <param name="Format">libsndfile's names of the container and encoding, e.g. "WAV (Microsoft), Signed 16 bit PCM".</param>
public sealed record AudioInfo(string Path, int Channels, int SampleRate, long Frames, string Format)
{
    /// <summary>Length in seconds.</summary>
    public double Duration => SampleRate > 0 ? (double)Frames / SampleRate : 0;
}

/// <summary>Sample encodings <see cref="AudioFile.WriteWav"/> can write.</summary>
public enum WavSampleFormat
{
    /// <summary>Signed 16-bit integer PCM.</summary>
    Pcm16,
    /// <summary>Signed 24-bit integer PCM.</summary>
    Pcm24,
    /// <summary>Signed 32-bit integer PCM.</summary>
    Pcm32,
    /// <summary>IEEE 32-bit float (not clipped).</summary>
    Float32,
}

/// <summary>Containers and encodings <see cref="AudioFile.Write"/> can write.</summary>
public enum AudioFileFormat
{
    /// <summary>WAV, 8-bit unsigned PCM.</summary>
    Wav8,
    /// <summary>WAV, 16-bit PCM.</summary>
    Wav16,
    /// <summary>WAV, 24-bit PCM.</summary>
    Wav24,
    /// <summary>WAV, 32-bit PCM.</summary>
    Wav32,
    /// <summary>WAV, 32-bit float.</summary>
    WavFloat,
    /// <summary>FLAC, 16-bit.</summary>
    Flac16,
    /// <summary>FLAC, 24-bit.</summary>
    Flac24,
    /// <summary>Ogg Vorbis (lossy).</summary>
    OggVorbis,
    /// <summary>MPEG-1 layer III (lossy; needs a libsndfile built with LAME, as Debian's 1.2 is).</summary>
    Mp3,
}

/// <summary>An audio file cannot be read or written; the message names the file and gives libsndfile's reason.</summary>
public sealed class AudioFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="message">The whole message (it names the file).</param>
    /// <param name="inner">The cause, if any.</param>
    public AudioFileException(string path, string message, Exception? inner = null) : base(message, inner) => FilePath = path;

    /// <summary>The file the error is about.</summary>
    public string FilePath { get; }
}
