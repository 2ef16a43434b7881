using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Tests.IO;

namespace LatentSynth.Audio.Tests.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

public sealed class AudioImportTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ls-import-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A source folder with one good stereo-free 44.1 kHz WAV, one good FLAC in a subfolder and four bad files.</summary>
    internal static string MakeSource(string root)
    {
        var src = Path.Combine(root, "src");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        AudioFile.WriteWav(Path.Combine(src, "good.wav"), new AudioClip(AudioFileTests.Sine(440, 44100, 22050), 44100));
        AudioFile.Write(Path.Combine(src, "sub", "other.flac"), new AudioClip(AudioFileTests.Sine(220, 16000, 8000), 16000), AudioFileFormat.Flac16);
        AudioFile.WriteWav(Path.Combine(src, "silent.wav"), new AudioClip(new float[22050], 22050));
        AudioFile.WriteWav(Path.Combine(src, "short.wav"), new AudioClip(AudioFileTests.Sine(440, 22050, 441), 22050));
        File.WriteAllText(Path.Combine(src, "text.wav"), "not audio, just text with a .wav name");
        File.WriteAllBytes(Path.Combine(src, "empty.wav"), []);
        return src;
    }

    [Fact]
    public void GoodFilesAreImportedAndBadOnesSkippedWithReasons()
    {
        var src = MakeSource(root);
        var meta = Path.Combine(root, "meta.csv");
        File.WriteAllText(meta, "file,instrument,pitch,dynamics\ngood.wav,flute,A4,ff\nsub/other.flac,,57,\n");
        var outDir = Path.Combine(root, "out");
        var report = AudioImport.Import(src, outDir, 22050, meta, minDurationSeconds: 0.1);

        Assert.Equal(["good", "sub/other"], report.Imported.Select(n => n.Id));
        var skipped = report.Skipped.ToDictionary(s => s.File, s => s.Reason);
        Assert.Equal(["empty.wav", "short.wav", "silent.wav", "text.wav"], skipped.Keys.Order());
        Assert.StartsWith("empty", skipped["empty.wav"]);
        Assert.StartsWith("too short: 0.020 s", skipped["short.wav"]);
        Assert.StartsWith("silent: peak 0 < 0.0001", skipped["silent.wav"]);
        Assert.StartsWith("unreadable", skipped["text.wav"]);

        var set = NoteSet.Load(outDir);
        Assert.Equal(2, set.Notes.Count);
        var good = set.Notes[0];
        Assert.Equal(("flute", "woodwind", 73, 69, "A4", "ff", 120, "good.wav"), (good.Instrument, good.Family, good.Program, good.Pitch, good.NoteName, good.Dynamics, good.Velocity, good.File));
        var clip = set.Read(good);
        Assert.Equal((22050, 11025), (clip.SampleRate, clip.Samples.Length));
        Assert.InRange(ResamplerTests.PeakFrequency(clip.Samples, 22050), 438, 442);
        var other = set.Notes[1];
        Assert.Equal(("", "", -1, 57, "A3", "", -1), (other.Instrument, other.Family, other.Program, other.Pitch, other.NoteName, other.Dynamics, other.Velocity));
        Assert.Equal((22050, 11025), (set.Read(other).SampleRate, set.Read(other).Samples.Length));
        Assert.Equal(report.CsvPath, Path.Combine(Path.GetFullPath(outDir), "notes.csv"));
    }

    [Fact]
    public void MissingInputsAreNamed()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => AudioImport.Import(Path.Combine(root, "none"), Path.Combine(root, "o")));
        Assert.Contains("none", e.Message);
        Directory.CreateDirectory(Path.Combine(root, "s"));
        var m = Assert.Throws<FileNotFoundException>(() => AudioImport.Import(Path.Combine(root, "s"), Path.Combine(root, "o"), metadataCsv: Path.Combine(root, "m.csv")));
        Assert.Contains("m.csv", m.Message);
        var notes = Assert.Throws<FileNotFoundException>(() => NoteSet.Load(Path.Combine(root, "s")));
        Assert.Contains("render-notes", notes.Message);
    }
}
