namespace LatentSynth.Audio.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Audio files through libsndfile: read any format it reads (WAV 8/16/24/32-bit int and float, FLAC,
/// OGG, MP3 with libsndfile ≥ 1.1, AIFF, …) as mono, resampled with libsoxr on request; write WAV,
/// FLAC, Ogg Vorbis and MP3 atomically (temporary file in the same folder, then renamed).
/// </summary>
public static class AudioFile
{
    private const int ChunkFrames = 1 << 15;

    /// <summary>The version string of the libsndfile in use, e.g. "libsndfile-1.2.0".</summary>
    public static string LibraryVersion => SndFile.Version();

    /// <summary>Reads the header of <paramref name="path"/>.</summary>
    /// <exception cref="AudioFileException">The file is missing or libsndfile cannot read it.</exception>
    public static AudioInfo Probe(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new SfInfo();
        using var file = Open(path, ref info);
        return new AudioInfo(path, info.Channels, info.SampleRate, info.Frames, FormatOf(info.Format));
    }

    /// <summary>
    /// Reads <paramref name="path"/> as mono (channels averaged frame by frame) and, when
    /// <paramref name="targetSampleRate"/> is given and differs from the file's rate, resamples it
    /// with libsoxr (<see cref="Resampler"/>). Integer formats come back scaled to [-1, 1).
    /// </summary>
    /// <exception cref="AudioFileException">The file is missing, unreadable or corrupt.</exception>
    /// <exception cref="ArgumentOutOfRangeException">targetSampleRate is not positive.</exception>
    public static unsafe AudioClip ReadMono(string path, int? targetSampleRate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (targetSampleRate is <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetSampleRate), targetSampleRate, "the sample rate must be positive");
        var info = new SfInfo();
        float[] mono;
        using (var file = Open(path, ref info))
        {
            int channels = info.Channels;
            if (channels <= 0 || info.SampleRate <= 0)
                throw new AudioFileException(path, $"cannot read '{path}': libsndfile reports {channels} channels at {info.SampleRate} Hz");
            var output = new List<float>(info.Frames is > 0 and < int.MaxValue ? (int)info.Frames : ChunkFrames);
            var buffer = new float[ChunkFrames * channels];
            // Read until libsndfile returns 0 (frame counts of compressed formats can be estimates).
            while (true)
            {
                long got;
                fixed (float* p = buffer) got = SndFile.sf_readf_float(file, p, ChunkFrames);
                if (got <= 0) break;
                for (long f = 0; f < got; f++)
                {
                    float sum = 0;
                    for (int c = 0; c < channels; c++) sum += buffer[f * channels + c];
                    output.Add(sum / channels);
                }
            }
            if (SndFile.sf_error(file) != 0)
                throw new AudioFileException(path, $"cannot read '{path}': {SndFile.ErrorOf(file)}");
            mono = output.ToArray();
        }
        if (targetSampleRate is int rate && rate != info.SampleRate)
            return new AudioClip(Resampler.Resample(mono, info.SampleRate, rate), rate) { Source = path };
        return new AudioClip(mono, info.SampleRate) { Source = path };
    }

    /// <summary>
    /// Writes <paramref name="clip"/> as a mono WAV file. Integer formats clip samples to [-1, 1]
    /// first; returns how many samples were clipped (0 for <see cref="WavSampleFormat.Float32"/>,
    /// which stores values as they are).
    /// </summary>
    /// <exception cref="AudioFileException">The file cannot be written.</exception>
    public static int WriteWav(string path, AudioClip clip, WavSampleFormat format = WavSampleFormat.Pcm16) =>
        Write(path, clip, format switch
        {
            WavSampleFormat.Pcm16 => AudioFileFormat.Wav16,
            WavSampleFormat.Pcm24 => AudioFileFormat.Wav24,
            WavSampleFormat.Pcm32 => AudioFileFormat.Wav32,
            WavSampleFormat.Float32 => AudioFileFormat.WavFloat,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown WAV sample format"),
        });

    /// <summary>
    /// Writes <paramref name="clip"/> as a mono file in <paramref name="format"/>, atomically (a
    /// temporary file beside <paramref name="path"/>, renamed over it when complete). All formats
    /// but <see cref="AudioFileFormat.WavFloat"/> clip to [-1, 1] first; returns the number of
    /// samples clipped.
    /// </summary>
    /// <exception cref="AudioFileException">The file cannot be written (folder missing and not creatable, disk full, unsupported rate for the format, …).</exception>
    public static unsafe int Write(string path, AudioClip clip, AudioFileFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(clip);
        int code = format switch
        {
            AudioFileFormat.Wav8 => SndFile.FormatWav | SndFile.SubPcmU8,
            AudioFileFormat.Wav16 => SndFile.FormatWav | SndFile.SubPcm16,
            AudioFileFormat.Wav24 => SndFile.FormatWav | SndFile.SubPcm24,
            AudioFileFormat.Wav32 => SndFile.FormatWav | SndFile.SubPcm32,
            AudioFileFormat.WavFloat => SndFile.FormatWav | SndFile.SubFloat,
            AudioFileFormat.Flac16 => SndFile.FormatFlac | SndFile.SubPcm16,
            AudioFileFormat.Flac24 => SndFile.FormatFlac | SndFile.SubPcm24,
            AudioFileFormat.OggVorbis => SndFile.FormatOgg | SndFile.SubVorbis,
            AudioFileFormat.Mp3 => SndFile.FormatMpeg | SndFile.SubMp3,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown audio file format"),
        };
        var samples = clip.Samples;
        int clipped = 0;
        if (format != AudioFileFormat.WavFloat)
        {
            samples = (float[])samples.Clone();
            for (int i = 0; i < samples.Length; i++)
            {
                float s = samples[i];
                if (s > 1f) { samples[i] = 1f; clipped++; }
                else if (s < -1f) { samples[i] = -1f; clipped++; }
                else if (float.IsNaN(s)) { samples[i] = 0f; clipped++; }
            }
        }
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            Directory.CreateDirectory(dir);
            var info = new SfInfo { SampleRate = clip.SampleRate, Channels = 1, Format = code };
            if (SndFile.sf_format_check(ref info) == 0)
                throw new AudioFileException(path, $"cannot write '{path}': libsndfile cannot write {format} at {clip.SampleRate} Hz");
            using (var file = SndFile.sf_open(temp, SndFile.ModeWrite, ref info))
            {
                if (file.IsInvalid)
                    throw new AudioFileException(path, $"cannot write '{path}': {SndFile.LastGlobalError()}");
                long written;
                fixed (float* p = samples) written = samples.Length == 0 ? 0 : SndFile.sf_writef_float(file, p, samples.Length);
                if (written != samples.Length)
                    throw new AudioFileException(path, $"cannot write '{path}': {SndFile.ErrorOf(file)} ({written} of {samples.Length} frames written)");
            }
            File.Move(temp, full, overwrite: true);
            return clipped;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            if (e is AudioFileException) throw;
            throw new AudioFileException(path, $"cannot write '{path}': {e.Message.Replace(temp, full)}", e);
        }
    }

    private static SndFileHandle Open(string path, ref SfInfo info)
    {
        if (Directory.Exists(path))
            throw new AudioFileException(path, $"cannot read '{path}': it is a folder, not an audio file");
        if (!File.Exists(path))
            throw new AudioFileException(path, $"cannot read '{path}': no such file");
        var file = SndFile.sf_open(path, SndFile.ModeRead, ref info);
        if (file.IsInvalid)
        {
            var reason = SndFile.LastGlobalError();
            file.Dispose();
            if (new FileInfo(path).Length == 0) reason = "the file is empty";
            throw new AudioFileException(path, $"cannot read '{path}': {reason}");
        }
        return file;
    }

    private static string FormatOf(int format) =>
        SndFile.FormatName(format & SndFile.TypeMask) + ", " + SndFile.FormatName(format & SndFile.SubMask);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
