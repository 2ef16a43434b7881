using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Data;

[Collection("MusicProcessWide")]
public sealed class MusicDataCliTests : IDisposable
{
    private readonly string dir = TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void InfoPrintsTunesWindowsSkippedFilesHistogramAndSplit()
    {
        for (int k = 0; k < 10; k++)
            Write(Path.Combine(dir, $"tune{k}.mid"), 480, Enumerable.Range(0, 16).Select(i => new Q(60 + k, i, 1)), (0, 4, 4));
        Write(Path.Combine(dir, "jig.mid"), 480, [new(60, 0, 1.5)], (0, 6, 8));
        File.WriteAllText(Path.Combine(dir, "broken.mid"), "MThd garbage");
        var (code, output) = CliRunner.Run(250, "music", "data", "info", "midi:" + dir);
        Assert.True(code == 0, output);
        Assert.Contains("tunes kept      │ 10", output);
        Assert.Contains("2 (1 time signature 6/8, 1 unreadable MIDI)", output);
        Assert.Contains("train 9 / test 1", output);
        Assert.Contains("train 27 / test 3", output);
        Assert.Contains("no event (hold)", output);
        Assert.Contains("broken.mid", output);
        Assert.Contains("jig.mid", output);
    }

    [Fact]
    public void TrainEvalAndResumeAMusicVaeThroughTheCommandLine()
    {
        // 40 four-bar tunes of a user's own folder, 2-bar windows: the generic train / eval / --resume
        // verbs run MusicVAE once the music verbs registered its models and datasets.
        for (int k = 0; k < 40; k++)
            Write(Path.Combine(dir, $"t{k}.mid"), 480, Enumerable.Range(0, 16).Select(i => new Q(60 + (k + i) % 12, i, 1)), (0, 4, 4));
        var run = Path.Combine(dir, "run");
        var (code, output) = CliRunner.Run(250, "train", "--data", "midi:" + dir, "--model", "musicvae", "--epochs", "1",
            "--batch-size", "16", "--set", "encoder_size=32", "--set", "decoder_size=32", "--set", "encoder_layers=1", "--set", "decoder_layers=1", "--latent-dim", "8", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("epoch 1/1: train loss", output);
        Assert.Contains("accuracy", output);
        (code, output) = CliRunner.Run(250, "eval", run);
        Assert.True(code == 0, output);
        Assert.Contains("accuracy", output);
        (code, output) = CliRunner.Run(250, "train", "--resume", run, "--epochs", "2");
        Assert.True(code == 0, output);
        Assert.Contains("epoch 2/2: train loss", output);
    }

    [Fact]
    [BadInput("music data", "`music data info mnist` (not a melody dataset)", "refused: one error line listing the melody dataset names")]
    public void InfoRefusesANonMusicName()
    {
        var (code, output) = CliRunner.Run(250, "music", "data", "info", "mnist");
        Assert.Equal(1, code);
        Assert.Contains("not a melody dataset", output);
        Assert.Contains("nottingham-16", output);
    }

    [NottinghamFact]
    public void InfoOnNottingham()
    {
        var (code, output) = CliRunner.Run(250, "music", "data", "info", "nottingham", "--cache", dir);
        Assert.True(code == 0, output);
        Assert.Contains("MIDI files      │ 1,034", output);
        Assert.Contains("time signature 6/8", output);
        Assert.Contains("token histogram", output);
    }

    [Fact]
    public void InfoOnAnInpaintingFolderShowsThe24StepGrid()
    {
        for (int k = 0; k < 10; k++)
            Write(Path.Combine(dir, $"tune{k}.mid"), 480, Enumerable.Range(0, 204).Select(i => new Q(60 + k, i / 3.0, 1.0 / 3)), (0, 4, 4));
        var (code, output) = CliRunner.Run(250, "music", "data", "info", "midi-inpaint:" + dir);
        Assert.True(code == 0, output);
        Assert.Contains("tunes kept      │ 10", output);
        Assert.Contains("24 steps per 4/4 bar", output);
        Assert.Contains("170 24-step units", output);
        Assert.Contains("6 past + 4 gap + 6 future", output);
        Assert.Contains("train 9 / test 1", output);
        Assert.Contains("train 18 / test 2", output);
        Assert.Contains("int64 [N, 384]", output);
        Assert.Contains("rest", output);
    }

    [NottinghamFact]
    public void InfoOnNottinghamInpaint()
    {
        var (code, output) = CliRunner.Run(250, "music", "data", "info", "nottingham-inpaint", "--cache", dir);
        Assert.True(code == 0, output);
        Assert.Contains("MIDI files      │ 1,034", output);
        Assert.Contains("tunes kept      │ 578", output);
        Assert.Contains("28 notes off the 24-step grid", output);
        Assert.Contains("19,887 24-step units", output);
        Assert.Contains("train 520 / test 58, seed 9010", output);
        Assert.Contains("train 9,732 / test 1,597", output);
        Assert.Contains("note-on D5", output);
    }
}
