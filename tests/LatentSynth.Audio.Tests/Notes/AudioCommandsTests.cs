using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;

namespace LatentSynth.Audio.Tests.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

[Collection("AudioProcessWide")]
public sealed class AudioCommandsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ls-audio-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void RenderNotesRendersThenReportsTheCache()
    {
        var dir = Path.Combine(root, "notes");
        var (code, output) = CliRunner.Run(200, "audio", "render-notes", "--out", dir, "--instruments", "flute,trumpet", "--dynamics", "mf", "--pitch-step", "24");
        Assert.True(code == 0, output);
        // flute 60, 84; trumpet 52, 76: four notes.
        Assert.Contains("rendered 4 notes", output);
        Assert.Contains("2/2", output);
        Assert.Contains(Path.Combine(dir, "notes.csv"), output);
        Assert.Equal(4, NoteSet.Load(dir).Notes.Count);
        Assert.True(File.Exists(Path.Combine(dir, "trumpet", "trumpet_76_mf.wav")));

        (code, output) = CliRunner.Run(200, "audio", "render-notes", "--out", dir, "--instruments", "flute,trumpet", "--dynamics", "mf", "--pitch-step", "24");
        Assert.Equal(0, code);
        Assert.Contains("cached: 4 notes", output);
    }

    [Fact]
    public void RenderNotesErrorsAreOneLine()
    {
        var dir = Path.Combine(root, "bad");
        var (code, output) = CliRunner.Run(300, "audio", "render-notes", "--out", dir, "--font", "/nope/font.sf2");
        Assert.Equal(1, code);
        Assert.StartsWith("error:", output.Trim());
        Assert.Contains("/nope/font.sf2", output);
        Assert.Contains("apt-get install fluid-soundfont-gm", output);
        Assert.Single(output.Trim().Split('\n'));

        (code, output) = CliRunner.Run(300, "audio", "render-notes", "--out", dir, "--instruments", "kazoo");
        Assert.Equal(1, code);
        Assert.Contains("unknown instrument 'kazoo'", output);

        (code, output) = CliRunner.Run(300, "audio", "render-notes", "--out", dir, "--pitch-step", "0");
        Assert.Equal(1, code);
        Assert.Contains("--pitch-step", output);

        (code, output) = CliRunner.Run(300, "audio", "render-notes");
        Assert.Equal(1, code);
        Assert.Contains("--out", output);
    }

    [Fact]
    [BadInput("audio import", "--out a folder that already holds a note set", "refused, naming --out and --append; the set untouched")]
    [BadInput("audio import", "audio render-notes --out onto an imported set", "refused: it holds a set not rendered there; the set untouched")]
    public void Import_onto_an_existing_set_is_refused_and_leaves_it_untouched()
    {
        var src = AudioImportTests.MakeSource(root);
        var outDir = Path.Combine(root, "set");
        var (code, output) = CliRunner.Run(300, "audio", "import", src, "--out", outDir);
        Assert.True(code == 0, output);
        var csv = File.ReadAllBytes(Path.Combine(outDir, "notes.csv"));
        var json = File.ReadAllBytes(Path.Combine(outDir, "notes.json"));
        var wav = File.ReadAllBytes(Path.Combine(outDir, "good.wav"));

        var other = Path.Combine(root, "other");
        Directory.CreateDirectory(other);
        AudioFile.WriteWav(Path.Combine(other, "good.wav"), new AudioClip(Tests.IO.AudioFileTests.Sine(330, 22050, 22050), 22050));
        (code, output) = CliRunner.Run(300, "audio", "import", other, "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("already holds a note set (2 notes)", output);
        Assert.Contains("--append", output);
        Assert.Equal(csv, File.ReadAllBytes(Path.Combine(outDir, "notes.csv")));
        Assert.Equal(json, File.ReadAllBytes(Path.Combine(outDir, "notes.json")));

        // --append adds the new file under a fresh name and leaves every existing file as it was.
        (code, output) = CliRunner.Run(300, "audio", "import", other, "--out", outDir, "--append");
        Assert.True(code == 0, output);
        Assert.Contains("imported 1 (added to the 2 notes already there)", output);
        var set = NoteSet.Load(outDir);
        Assert.Equal(["good", "sub/other", "good~2"], set.Notes.Select(n => n.Id));
        Assert.Equal(wav, File.ReadAllBytes(Path.Combine(outDir, "good.wav")));
        Assert.Equal(22050, set.Read(set.Notes[2]).Samples.Length);
        Assert.Empty(Directory.GetDirectories(outDir, AudioImport.StagingPrefix + "*"));

        // render-notes never replaces a set it did not render.
        var before = File.ReadAllBytes(Path.Combine(outDir, "notes.csv"));
        (code, output) = CliRunner.Run(300, "audio", "render-notes", "--out", outDir, "--instruments", "flute", "--pitch-step", "24");
        Assert.Equal(1, code);
        Assert.Contains("holds a note set that was not rendered here", output);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outDir, "notes.csv")));
    }

    [Fact]
    [BadInput("audio import", "an import that fails half-way", "the output folder is left as it was (files are staged and committed at the end)")]
    public void An_import_that_fails_half_way_leaves_the_output_as_it_was()
    {
        var src = AudioImportTests.MakeSource(root);
        var outDir = Path.Combine(root, "half");
        int seen = 0;
        var failing = new Progress(rel => { if (++seen == 5) throw new IOException("disk full (simulated)"); });
        var e = Assert.Throws<IOException>(() => AudioImport.Import(src, outDir, 22050, progress: failing));
        Assert.Contains("simulated", e.Message);
        // good.wav was read and written before the failure, but only into the staging folder.
        Assert.True(Directory.Exists(outDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));

        var r = CliRunner.Run(300, "audio", "train", "--notes", outDir, "--out", Path.Combine(root, "run"), "--epochs", "1");
        Assert.Equal(1, r.Code);
        Assert.Contains("notes.csv is missing", r.Output);
    }

    [Fact]
    [BadInput("audio import", "a float WAV holding NaN samples", "skipped and named: not finite")]
    public void Import_skips_files_that_are_not_finite()
    {
        var src = Path.Combine(root, "nan-src");
        Directory.CreateDirectory(src);
        var samples = Tests.IO.AudioFileTests.Sine(440, 22050, 22050);
        samples[10] = float.NaN;
        AudioFile.WriteWav(Path.Combine(src, "nan.wav"), new AudioClip(samples, 22050), WavSampleFormat.Float32);
        AudioFile.WriteWav(Path.Combine(src, "ok.wav"), new AudioClip(Tests.IO.AudioFileTests.Sine(440, 22050, 22050), 22050));
        var (code, output) = CliRunner.Run(300, "audio", "import", src, "--out", Path.Combine(root, "nan-set"));
        Assert.True(code == 0, output);
        Assert.Contains("imported 1, skipped 1", output);
        Assert.Contains("not finite: 1 of", output);
        Assert.Equal(["ok"], NoteSet.Load(Path.Combine(root, "nan-set")).Notes.Select(n => n.Id));
    }

    private sealed class Progress(Action<string> action) : IProgress<string>
    {
        public void Report(string value) => action(value);
    }

    [Fact]
    public void ImportPrintsImportedAndSkippedFilesWithReasons()
    {
        var src = AudioImportTests.MakeSource(root);
        var outDir = Path.Combine(root, "imported");
        var (code, output) = CliRunner.Run(200, "audio", "import", src, "--out", outDir, "--rate", "16000", "--min-duration", "0.2");
        Assert.True(code == 0, output);
        Assert.Contains("imported 2, skipped 4", output);
        Assert.Contains("too short", output);
        Assert.Contains("silent", output);
        Assert.Contains("unreadable", output);
        Assert.Contains("text.wav", output);
        var set = NoteSet.Load(outDir);
        Assert.Equal(16000, set.Read(set.Notes[0]).SampleRate);

        (code, output) = CliRunner.Run(200, "audio", "import", Path.Combine(root, "none"), "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("none", output);

        var badMeta = Path.Combine(root, "bad.csv");
        File.WriteAllText(badMeta, "name,pitch\nx,60\n");
        (code, output) = CliRunner.Run(200, "audio", "import", src, "--out", outDir, "--metadata", badMeta);
        Assert.Equal(1, code);
        Assert.Contains("no 'file' column", output);
    }
}
