using LatentSynth.Audio.IO;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

public sealed class AudioFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ls-audio-io-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    internal static float[] Sine(double freq, int rate, int n, double amp = 0.5) =>
        Enumerable.Range(0, n).Select(i => (float)(amp * Math.Sin(2 * Math.PI * freq * i / rate))).ToArray();

    // Tolerances by encoding: one quantization step of the integer formats (2^-15 for 16-bit,
    // 2^-23 for 24-bit, 2^-31 ≈ float precision for 32-bit), exact for float; FLAC is lossless, so
    // the same as its bit depth; Vorbis is lossy: we only ask for a small error relative to the signal.
    [Theory]
    [InlineData(AudioFileFormat.Wav8, "wav", 1.0 / 128)]
    [InlineData(AudioFileFormat.Wav16, "wav", 1.0 / 32768)]
    [InlineData(AudioFileFormat.Wav24, "wav", 1.0 / 8388608)]
    [InlineData(AudioFileFormat.Wav32, "wav", 1e-7)]
    [InlineData(AudioFileFormat.WavFloat, "wav", 0.0)]
    [InlineData(AudioFileFormat.Flac16, "flac", 1.0 / 32768)]
    [InlineData(AudioFileFormat.Flac24, "flac", 1.0 / 8388608)]
    public void LosslessRoundTripsWithinOneQuantizationStep(AudioFileFormat format, string ext, double tolerance)
    {
        var path = Path.Combine(dir, $"x.{ext}");
        var clip = new AudioClip(Sine(440, 22050, 4410), 22050);
        Assert.Equal(0, AudioFile.Write(path, clip, format));
        var back = AudioFile.ReadMono(path);
        Assert.Equal(22050, back.SampleRate);
        Assert.Equal(clip.Samples.Length, back.Samples.Length);
        double maxErr = clip.Samples.Zip(back.Samples, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxErr <= tolerance, $"{format}: max error {maxErr} > {tolerance}");
        var info = AudioFile.Probe(path);
        Assert.Equal((1, 22050, 4410L), (info.Channels, info.SampleRate, info.Frames));
        Assert.Contains(ext == "wav" ? "WAV" : "FLAC", info.Format);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void Mp3RoundTripKeepsPitchAndLoudness()
    {
        // MP3 is lossy and framed (1152 samples): ask for the length within a frame, RMS within 5%
        // and the 440 Hz peak within one FFT bin (1 Hz over 1 s).
        var path = Path.Combine(dir, "x.mp3");
        var clip = new AudioClip(Sine(440, 22050, 22050), 22050);
        AudioFile.Write(path, clip, AudioFileFormat.Mp3);
        var back = AudioFile.ReadMono(path);
        Assert.Equal(22050, back.SampleRate);
        Assert.InRange(back.Samples.Length, 22050 - 1152, 22050 + 1152);
        Assert.InRange(back.Rms, clip.Rms * 0.95, clip.Rms * 1.05);
        Assert.InRange(ResamplerTests.PeakFrequency(back.Samples[..22000], 22050), 439, 441);
        Assert.Contains("MPEG", AudioFile.Probe(path).Format, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void OggVorbisRoundTripKeepsTheSignalWithinFivePercentRms()
    {
        var path = Path.Combine(dir, "x.ogg");
        var clip = new AudioClip(Sine(440, 22050, 22050), 22050);
        AudioFile.Write(path, clip, AudioFileFormat.OggVorbis);
        var back = AudioFile.ReadMono(path);
        Assert.Equal(22050, back.SampleRate);
        Assert.InRange(back.Samples.Length, 22050 - 64, 22050 + 64);
        // Vorbis may delay nothing here (libsndfile trims); compare RMS and the error in the middle.
        Assert.InRange(back.Rms, clip.Rms * 0.95, clip.Rms * 1.05);
        double err = 0;
        for (int i = 2000; i < 20000; i++) err += Math.Pow(clip.Samples[i] - back.Samples[i], 2);
        Assert.True(Math.Sqrt(err / 18000) < 0.05 * clip.Rms, $"Vorbis error RMS {Math.Sqrt(err / 18000)}");
        Assert.Contains("OGG", AudioFile.Probe(path).Format, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PcmWritesClipAndCountTheClippedSamples()
    {
        var path = Path.Combine(dir, "loud.wav");
        var clip = new AudioClip([0.5f, 1.5f, -2f, 0.25f, 1f], 8000);
        Assert.Equal(2, AudioFile.WriteWav(path, clip));
        var back = AudioFile.ReadMono(path);
        Assert.InRange(back.Samples[1], 0.999f, 1f);
        Assert.InRange(back.Samples[2], -1f, -0.999f);
        Assert.Equal(0, AudioFile.WriteWav(Path.Combine(dir, "f.wav"), clip, WavSampleFormat.Float32));
        Assert.Equal(1.5f, AudioFile.ReadMono(Path.Combine(dir, "f.wav")).Samples[1]);
    }

    [Fact]
    public void StereoIsMixedToTheMeanOfTheChannels()
    {
        // libsndfile writes the interleaved stereo file; our writer is mono only, so use a raw WAV header.
        var path = Path.Combine(dir, "stereo.wav");
        short[] left = [1000, 2000, -3000, 0], right = [3000, -2000, -1000, 16000];
        using (var w = new BinaryWriter(File.Create(path)))
        {
            int dataBytes = left.Length * 4;
            w.Write("RIFF"u8); w.Write(36 + dataBytes); w.Write("WAVE"u8);
            w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)2); w.Write(8000); w.Write(8000 * 4); w.Write((short)4); w.Write((short)16);
            w.Write("data"u8); w.Write(dataBytes);
            for (int i = 0; i < left.Length; i++) { w.Write(left[i]); w.Write(right[i]); }
        }
        Assert.Equal(2, AudioFile.Probe(path).Channels);
        var mono = AudioFile.ReadMono(path);
        for (int i = 0; i < left.Length; i++)
            Assert.Equal((left[i] + right[i]) / 2.0 / 32768, mono.Samples[i], 6);
    }

    [Fact]
    public void ReadingResamplesWhenAskedTo()
    {
        var path = Path.Combine(dir, "44k.wav");
        AudioFile.WriteWav(path, new AudioClip(Sine(1000, 44100, 44100), 44100), WavSampleFormat.Float32);
        var clip = AudioFile.ReadMono(path, 22050);
        Assert.Equal(22050, clip.SampleRate);
        Assert.Equal(22050, clip.Samples.Length);
    }

    [Fact]
    public void BadFilesThrowAudioFileExceptionsNamingTheFile()
    {
        var missing = Path.Combine(dir, "nope.wav");
        var empty = Path.Combine(dir, "empty.wav");
        var corrupt = Path.Combine(dir, "corrupt.wav");
        File.WriteAllBytes(empty, []);
        File.WriteAllText(corrupt, "this is not a RIFF file at all, just text pretending to be audio");
        foreach (var p in new[] { missing, empty, corrupt, dir })
        {
            var e = Assert.Throws<AudioFileException>(() => AudioFile.ReadMono(p));
            Assert.Contains(p, e.Message);
            Assert.Equal(p, e.FilePath);
            Assert.Throws<AudioFileException>(() => AudioFile.Probe(p));
        }
        Assert.Contains("empty", Assert.Throws<AudioFileException>(() => AudioFile.ReadMono(empty)).Message);
        // A truncated WAV (header says more data than there is) still reads what is there.
        AudioFile.WriteWav(corrupt, new AudioClip(Sine(440, 8000, 800), 8000));
        var bytes = File.ReadAllBytes(corrupt);
        File.WriteAllBytes(corrupt, bytes[..(bytes.Length / 2)]);
        var partial = AudioFile.ReadMono(corrupt);
        Assert.InRange(partial.Samples.Length, 300, 800);
    }

    [Fact]
    public void WritingToAnImpossiblePlaceNamesThePath()
    {
        var blocker = Path.Combine(dir, "file");
        File.WriteAllText(blocker, "x");
        var target = Path.Combine(blocker, "sub", "x.wav");
        var e = Assert.Throws<AudioFileException>(() => AudioFile.WriteWav(target, new AudioClip([0f], 8000)));
        Assert.Contains(target, e.Message);
    }

    [Fact]
    public void ClipToTensorHasShapeT()
    {
        var clip = new AudioClip([0.1f, 0.2f, 0.3f], 100);
        using var t = clip.ToTensor();
        Assert.Equal(new long[] { 3 }, t.Shape);
        Assert.Equal(clip.Samples, t.ToArray<float>());
        Assert.Equal(0.03, clip.Duration, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioClip([], 0));
    }
}
