using LatentSynth.Music.Data;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests;

/// <summary>A tiny MusicVAE trained once through the command line on a user's MIDI folder of 40 generated tunes.</summary>
public sealed class TinyMusicRun : IDisposable
{
    /// <summary>Trains the run.</summary>
    public TinyMusicRun()
    {
        Dir = TempFolder();
        var midi = Path.Combine(Dir, "midi");
        Directory.CreateDirectory(midi);
        for (int k = 0; k < 40; k++)
            Write(Path.Combine(midi, $"t{k}.mid"), 480,
                Enumerable.Range(0, 16).Select(i => new Q(60 + (k + i * (1 + k % 3)) % 12, i, i % 4 == 3 ? 0.5 : 1)), (0, 4, 4));
        Run = Path.Combine(Dir, "run");
        var (code, output) = CliRunner.Run(250, "train", "--data", "midi:" + midi, "--model", "musicvae", "--epochs", "1",
            "--batch-size", "16", "--set", "encoder_size=32", "--set", "decoder_size=32", "--set", "encoder_layers=1",
            "--set", "decoder_layers=1", "--latent-dim", "8", "--out", Run);
        if (code != 0) throw new InvalidOperationException("training the tiny music run failed: " + output);
    }

    /// <summary>The temporary folder holding the MIDI files and the run.</summary>
    public string Dir { get; }

    /// <summary>The run folder.</summary>
    public string Run { get; }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

[Collection("MusicProcessWide")]
public sealed class MusicVerbsCliTests(TinyMusicRun tiny) : IClassFixture<TinyMusicRun>, IDisposable
{
    private readonly string outDir = TempFolder();

    public void Dispose() => Directory.Delete(outDir, recursive: true);

    private static bool IsPng(string path) => File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });

    private static bool IsWav(string path) => new FileInfo(path).Length > 44 && File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual("RIFF"u8);

    [Fact]
    public void SampleWritesMidiWavAndAPianoRoll()
    {
        var (code, output) = CliRunner.Run(250, "music", "sample", tiny.Run, "--n", "3", "--out", outDir, "--temperature", "0.8", "--seed", "5");
        Assert.True(code == 0, output);
        for (int i = 1; i <= 3; i++)
        {
            var mid = Path.Combine(outDir, $"sample-{i:D2}.mid");
            Assert.True(File.Exists(mid), output);
            Assert.Contains($"sample-{i:D2}.mid:", output);
            Assert.True(IsWav(Path.ChangeExtension(mid, ".wav")), output);
            // The MIDI reads back through the data path.
            Assert.Equal(32, MelodyGrid.ToTokens(MidiReader.Read(mid)).Tokens?.Length ?? 32);
        }
        Assert.False(File.Exists(Path.Combine(outDir, "sample-04.mid")));
        Assert.True(IsPng(Path.Combine(outDir, "samples.png")));
        Assert.Contains("samples.png", output);

        // The same seed gives the same melodies; the files exist now, so --force is needed.
        var first = File.ReadAllBytes(Path.Combine(outDir, "sample-01.mid"));
        (code, output) = CliRunner.Run(250, "music", "sample", tiny.Run, "--n", "3", "--out", outDir, "--temperature", "0.8", "--seed", "5");
        Assert.Equal(1, code);
        Assert.Contains("--force", output);
        (code, output) = CliRunner.Run(250, "music", "sample", tiny.Run, "--n", "3", "--out", outDir, "--temperature", "0.8", "--seed", "5", "--force");
        Assert.True(code == 0, output);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(outDir, "sample-01.mid")));
    }

    [Fact]
    [BadInput("music", "`music sample` where fluidsynth is not on PATH (or the sound font is missing)", "one warning line naming what is missing; the MIDI files and the piano roll are written, no WAV files; exit 0")]
    public void SampleWithoutFluidSynthWarnsOnceAndSkipsTheWavs()
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        var empty = Path.Combine(outDir, "empty-bin");
        Directory.CreateDirectory(empty);
        var dir = Path.Combine(outDir, "s");
        CliResult result;
        try
        {
            Environment.SetEnvironmentVariable("PATH", empty);
            result = CliRunner.Run(250, "music", "sample", tiny.Run, "--n", "2", "--out", dir);
        }
        finally { Environment.SetEnvironmentVariable("PATH", path); }
        Assert.True(result.Code == 0, result.Output);
        var warnings = result.Output.Split('\n').Where(l => l.Contains("warning", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("no WAV files", warnings[0]);
        Assert.Contains("fluidsynth", warnings[0]);
        Assert.True(File.Exists(Path.Combine(dir, "sample-02.mid")));
        Assert.True(IsPng(Path.Combine(dir, "samples.png")));
        Assert.Empty(Directory.GetFiles(dir, "*.wav"));
    }

    [Fact]
    public void MissingRendererNamesAMissingSoundFont()
    {
        var why = LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer(new LatentSynth.Audio.Notes.NoteRenderOptions { SoundFont = Path.Combine(outDir, "none.sf2") });
        Assert.NotNull(why);
        Assert.Contains("none.sf2", why);
    }

    [Theory]
    [InlineData("--n", "0", "--n must be between 1 and 64")]
    [InlineData("--n", "65", "--n must be between 1 and 64")]
    [InlineData("--temperature", "0", "--temperature must be above 0")]
    [InlineData("--temperature", "11", "--temperature must be above 0 and at most 10")]
    [InlineData("--temperature", "NaN", "--temperature must be above 0")]
    [BadInput("music", "`music sample RUN --n 0` / `--n 65` / `--temperature 0` / `--temperature 11` / `--temperature NaN`", "refused before any work: one error line naming the flag and its limits; nothing written")]
    public void SampleRefusesBadCountsAndTemperatures(string flag, string value, string message)
    {
        var dir = Path.Combine(outDir, "new");
        var (code, output) = CliRunner.Run(250, "music", "sample", tiny.Run, "--out", dir, flag, value);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    [BadInput("music", "`music sample RUN --out FILE` (an existing file, not a folder)", "refused: one error line naming --out; the file untouched")]
    public void SampleRefusesAFileAsOutputFolder()
    {
        var file = Path.Combine(outDir, "notes.txt");
        File.WriteAllText(file, "mine");
        var (code, output) = CliRunner.Run(250, "music", "sample", tiny.Run, "--out", file);
        Assert.Equal(1, code);
        Assert.Contains("--out", output);
        Assert.Contains("is a file", output);
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    [BadInput("music", "`music sample DIR` where DIR is not a run folder", "refused: one error line naming the folder")]
    public void SampleRefusesAFolderThatIsNotARun()
    {
        var (code, output) = CliRunner.Run(250, "music", "sample", outDir, "--out", Path.Combine(outDir, "o"));
        Assert.Equal(1, code);
        Assert.Contains(Path.GetFileName(outDir), output);
    }

    [Fact]
    [BadInput("music", "`music sample RUN` where RUN holds an image model (vae on npy:FILE)", "refused: one error line naming the run's model and the melody models the music verbs take; nothing written")]
    public void SampleRefusesARunOfAnotherModel()
    {
        var npy = Path.Combine(outDir, "x.npy");
        var rng = new Random(3);
        LatentSynth.Evaluation.Npy.Write(npy, Enumerable.Range(0, 64 * 4).Select(_ => (float)rng.NextDouble()).ToArray(), 64, 4);
        var run = Path.Combine(outDir, "vae-run");
        var (code, output) = CliRunner.Run(250, "train", "--data", "npy:" + npy, "--model", "vae", "--arch", "mlp", "--latent-dim", "2",
            "--hidden", "8", "--epochs", "1", "--out", run);
        Assert.True(code == 0, output);
        var dir = Path.Combine(outDir, "o");
        (code, output) = CliRunner.Run(250, "music", "sample", run, "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("holds model 'vae', not a melody model", output);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void ReconstructWritesPairsAndPrintsAccuracy()
    {
        var (code, output) = CliRunner.Run(250, "music", "reconstruct", tiny.Run, "--n", "2", "--out", outDir);
        Assert.True(code == 0, output);
        foreach (var f in new[] { "original-01", "reconstruction-01", "original-02", "reconstruction-02" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, f + ".mid")), f);
            Assert.True(IsWav(Path.Combine(outDir, f + ".wav")), f);
        }
        Assert.True(IsPng(Path.Combine(outDir, "reconstructions.png")));
        Assert.Contains("Per-step accuracy (greedy decoding of μ): mean", output);
        Assert.Contains("accuracy", output);
    }

    [Fact]
    [BadInput("music", "`music reconstruct RUN --n 33` (over 32) / `--n 32` (more than the run's test windows)", "refused: one error line naming --n and the limit")]
    public void ReconstructRefusesTooManyWindows()
    {
        var (code, output) = CliRunner.Run(250, "music", "reconstruct", tiny.Run, "--n", "33", "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--n must be between 1 and 32", output);
        (code, output) = CliRunner.Run(250, "music", "reconstruct", tiny.Run, "--n", "32", "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--n 32 is more than the", output);
        Assert.Empty(Directory.GetFiles(outDir));
    }

    [Fact]
    public void InterpolateWritesOneMidiAndPrintsHammingDistances()
    {
        var (code, output) = CliRunner.Run(250, "music", "interpolate", tiny.Run, "--steps", "4", "--out", outDir, "--from", "0", "--to", "1");
        Assert.True(code == 0, output);
        var mid = Path.Combine(outDir, "interpolation.mid");
        Assert.True(File.Exists(mid));
        Assert.True(IsWav(Path.Combine(outDir, "interpolation.wav")));
        Assert.True(IsPng(Path.Combine(outDir, "interpolation.png")));
        Assert.Contains("Hamming to A", output);
        Assert.Contains("on the straight line", output);
        // Four melodies of 32 steps one after the other: 128 steps (8 bars).
        var tune = MidiReader.Read(mid);
        Assert.True(tune.EndTick <= 128 * MelodyGrid.WriteTicksPerQuarter / 4, $"{tune.EndTick}");
        (code, output) = CliRunner.Run(250, "music", "interpolate", tiny.Run, "--steps", "3", "--out", outDir, "--spherical", "--force");
        Assert.True(code == 0, output);
        Assert.Contains("slerp", output);
    }

    [Fact]
    [BadInput("music", "`music interpolate RUN --from 5 --to 5` / `--to 9999` / `--steps 1`", "refused: one error line naming the flag (and the number of test windows)")]
    public void InterpolateRefusesBadWindowsAndSteps()
    {
        var (code, output) = CliRunner.Run(250, "music", "interpolate", tiny.Run, "--out", outDir, "--from", "1", "--to", "1");
        Assert.Equal(1, code);
        Assert.Contains("--from and --to both name test window 1", output);
        (code, output) = CliRunner.Run(250, "music", "interpolate", tiny.Run, "--out", outDir, "--to", "9999");
        Assert.Equal(1, code);
        Assert.Contains("--to 9999 is past the last", output);
        (code, output) = CliRunner.Run(250, "music", "interpolate", tiny.Run, "--out", outDir, "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("--steps must be between 2 and 64", output);
        Assert.Empty(Directory.GetFiles(outDir));
    }

    [Fact]
    public void LerpAndSlerpMeetTheEnds()
    {
        float[] a = [1, 0], b = [0, 1];
        Assert.Equal(a, LatentSynth.Music.Evaluation.MelodyInterpolation.Lerp(a, b, 0, false));
        Assert.Equal(b, LatentSynth.Music.Evaluation.MelodyInterpolation.Lerp(a, b, 1, true), (x, y) => Math.Abs(x - y) < 1e-6);
        var mid = LatentSynth.Music.Evaluation.MelodyInterpolation.Lerp(a, b, 0.5, true);
        Assert.Equal(1.0, Math.Sqrt(mid[0] * mid[0] + mid[1] * mid[1]), 5); // on the unit circle
        Assert.Equal(0.5f, LatentSynth.Music.Evaluation.MelodyInterpolation.Lerp(a, b, 0.5, false)[0]);
        Assert.Equal(0.25, LatentSynth.Music.Evaluation.MelodyInterpolation.Hamming([1, 2, 3, 4], [1, 2, 3, 5]));
    }
}
