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
