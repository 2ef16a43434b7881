using System.Text.Json.Nodes;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests;

/// <summary>A tiny musicvae run and a tiny musicvae-hier run, both trained once through <c>music train</c> on 40 generated tunes.</summary>
public sealed class TinyMusicTrainRuns : IDisposable
{
    /// <summary>Writes the tunes and trains both runs.</summary>
    public TinyMusicTrainRuns()
    {
        Dir = TempFolder();
        var midi = Path.Combine(Dir, "midi");
        Directory.CreateDirectory(midi);
        for (int k = 0; k < 40; k++)
            Write(Path.Combine(midi, $"t{k}.mid"), 480,
                Enumerable.Range(0, 16).Select(i => new Q(60 + (k + i * (1 + k % 3)) % 12, i, i % 4 == 3 ? 0.5 : 1)), (0, 4, 4));
        Data = "midi:" + midi;
        string[] tiny = ["--epochs", "1", "--batch-size", "16", "--latent-dim", "4", "--set", "encoder_size=8", "--set", "decoder_size=8",
            "--set", "encoder_layers=1", "--set", "decoder_layers=1"];
        Flat = Path.Combine(Dir, "flat");
        // No --model: music train's default.
        (FlatCode, FlatOutput) = CliRunner.Run(250, ["music", "train", "--data", Data, "--out", Flat, .. tiny]);
        Hier = Path.Combine(Dir, "hier");
        (HierCode, HierOutput) = CliRunner.Run(250, ["music", "train", "--model", "musicvae-hier", "--data", Data, "--out", Hier,
            "--set", "conductor_size=8", "--set", "conductor_layers=1", .. tiny]);
    }

    /// <summary>The temporary folder holding the MIDI files and the runs.</summary>
    public string Dir { get; }

    /// <summary>"midi:DIR" of the tunes (2-bar windows).</summary>
    public string Data { get; }

    /// <summary>The run trained without --model.</summary>
    public string Flat { get; }

    /// <summary>The musicvae-hier run.</summary>
    public string Hier { get; }

    /// <summary>Exit code and output of training <see cref="Flat"/>.</summary>
    public int FlatCode { get; }

    /// <summary>Output of training <see cref="Flat"/>.</summary>
    public string FlatOutput { get; }

    /// <summary>Exit code of training <see cref="Hier"/>.</summary>
    public int HierCode { get; }

    /// <summary>Output of training <see cref="Hier"/>.</summary>
    public string HierOutput { get; }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

[Collection("MusicProcessWide")]
public sealed class MusicTrainEvalCliTests(TinyMusicTrainRuns runs) : IClassFixture<TinyMusicTrainRuns>, IDisposable
{
    private readonly string outDir = TempFolder();

    public void Dispose() => Directory.Delete(outDir, recursive: true);

    private static string ModelOf(string run) => RunFolder.Open(run).Config.Model.Model;

    [Fact]
    public void MusicTrainDefaultsToMusicVaeAndWritesARunFolder()
    {
        Assert.True(runs.FlatCode == 0, runs.FlatOutput);
        Assert.Equal("musicvae", ModelOf(runs.Flat));
        Assert.Contains("train musicvae on " + runs.Data, runs.FlatOutput);
        Assert.Contains("Done", runs.FlatOutput);
        var run = RunFolder.Open(runs.Flat);
        Assert.Equal(runs.Data, run.Config.Training.Data);
        Assert.Equal(8, ((MelodyVaeConfig)run.Config.Model).EncoderSize);
        Assert.True(File.Exists(run.WeightsPath), run.WeightsPath);
    }

    [Fact]
    public void MusicTrainDefaultDataDependsOnTheModel()
    {
        Assert.Equal("nottingham", LatentSynth.Cli.MusicTrainCommand.DefaultData("musicvae"));
        Assert.Equal("nottingham-16", LatentSynth.Cli.MusicTrainCommand.DefaultData("musicvae-hier"));
        Assert.Equal("nottingham-bars24", LatentSynth.Cli.MusicTrainCommand.DefaultData("measurevae"));
        Assert.Equal("nottingham-bars24", LatentSynth.Cli.MusicTrainCommand.DefaultData("sketchvae"));
        Assert.Equal(["inpaintnet", "measurevae", "midi-event-vae", "musicvae", "musicvae-hier", "pianoroll-vae", "pianotree", "sketchnet", "sketchvae"], LatentSynth.Cli.MusicTrainCommand.MelodyModels());
        Assert.Equal("nottingham-poly", LatentSynth.Cli.MusicTrainCommand.DefaultData("pianotree"));
        Assert.Equal("nottingham-poly", LatentSynth.Cli.MusicTrainCommand.DefaultData("pianoroll-vae"));
        Assert.Equal("nottingham-poly", LatentSynth.Cli.MusicTrainCommand.DefaultData("midi-event-vae"));
        Assert.Equal("nottingham-inpaint", LatentSynth.Cli.MusicTrainCommand.DefaultData("inpaintnet"));
        Assert.Equal("nottingham-inpaint", LatentSynth.Cli.MusicTrainCommand.DefaultData("sketchnet"));
    }

    [Fact]
    public void MusicTrainResumesLikeTrain()
    {
        Assert.True(runs.FlatCode == 0, runs.FlatOutput);
        var copy = Path.Combine(outDir, "flat");
        CopyFolder(runs.Flat, copy);
        var (code, output) = CliRunner.Run(250, "music", "train", "--resume", copy, "--epochs", "2");
        Assert.True(code == 0, output);
        Assert.Contains("resume", output);
        Assert.Contains("2 epochs", output);
        (code, output) = CliRunner.Run(250, "music", "train", "--resume", copy, "--data", runs.Data);
        Assert.Equal(1, code);
        Assert.Contains("--data cannot be combined with it", output);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    [Fact]
    public void HierRunWorksWithEveryMusicVerb()
    {
        Assert.True(runs.HierCode == 0, runs.HierOutput);
        Assert.Equal("musicvae-hier", ModelOf(runs.Hier));
        Assert.Contains("train musicvae-hier on " + runs.Data, runs.HierOutput);

        var (code, output) = CliRunner.Run(250, "music", "sample", runs.Hier, "--n", "2", "--out", Path.Combine(outDir, "s"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(outDir, "s", "sample-02.mid")), output);
        Assert.True(File.Exists(Path.Combine(outDir, "s", "samples.png")), output);

        (code, output) = CliRunner.Run(250, "music", "reconstruct", runs.Hier, "--n", "2", "--out", Path.Combine(outDir, "r"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(outDir, "r", "reconstruction-02.mid")), output);
        Assert.Contains("Per-step accuracy (greedy decoding of μ): mean", output);

        (code, output) = CliRunner.Run(250, "music", "interpolate", runs.Hier, "--steps", "3", "--from", "0", "--to", "1", "--out", Path.Combine(outDir, "i"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(outDir, "i", "interpolation.mid")), output);
        Assert.Contains("Hamming to A", output);

        (code, output) = CliRunner.Run(250, "music", "eval", runs.Hier, "--limit", "4");
        Assert.True(code == 0, output);
        Assert.Contains("musicvae-hier", output);
        Assert.Contains("on 4 of the", output);
        foreach (var row in new[] { "teacher-forced accuracy", "sampled accuracy", "greedy accuracy", "teacher-forced accuracy, events", "NLL per step", "KL per window" })
            Assert.Contains(row, output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EvalJsonHoldsWhatMelodyAccuracyGives(bool hier)
    {
        var runDir = hier ? runs.Hier : runs.Flat;
        Assert.True((hier ? runs.HierCode : runs.FlatCode) == 0, hier ? runs.HierOutput : runs.FlatOutput);
        var json = Path.Combine(outDir, "eval.json");
        var (code, output) = CliRunner.Run(250, "music", "eval", runDir, "--limit", "5", "--seed", "3", "--json", json);
        Assert.True(code == 0, output);
        var obj = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.Equal(5, (int)obj["windows"]!);
        Assert.Equal(5 * 32, (long)obj["steps"]!);
        Assert.Equal(hier ? "musicvae-hier" : "musicvae", (string)obj["model"]!);
        Assert.False(string.IsNullOrEmpty((string?)obj["dataset"]));

        // The same numbers from the library on the same five windows.
        var run = RunFolder.Open(runDir);
        using var model = (MelodyVaeModel)run.LoadModel();
        using var splits = run.LoadData(LatentSynth.Cli.Cli.DataSource);
        using var windows = splits.Test.Examples.Narrow(0, 0, 5).To(DType.Int64);
        var expected = MelodyAccuracy.Evaluate(model, windows, seed: 3).ToDictionary();
        foreach (var (key, value) in expected)
        {
            Assert.True(obj.ContainsKey(key), key);
            if (!double.IsFinite(value)) { Assert.Null(obj[key]); continue; }
            Assert.Equal(value, (double)obj[key]!, 9);
            if (key.EndsWith("_acc", StringComparison.Ordinal)) Assert.InRange((double)obj[key]!, 0.0, 1.0);
        }
        Assert.True((double)obj["nll_step"]! > 0);

        // The file exists now: --force is needed to replace it.
        (code, output) = CliRunner.Run(250, "music", "eval", runDir, "--limit", "5", "--json", json);
        Assert.Equal(1, code);
        Assert.Contains("--force", output);
        (code, output) = CliRunner.Run(250, "music", "eval", runDir, "--limit", "5", "--seed", "3", "--json", json, "--force");
        Assert.True(code == 0, output);
    }

    [Theory]
    [InlineData("--model", "vae", "--model vae is not a melody model; music train takes one of inpaintnet, measurevae, midi-event-vae, musicvae, musicvae-hier, pianoroll-vae, pianotree, sketchnet, sketchvae")]
    [InlineData("--set", "model=wae-mmd", "--set model=wae-mmd is not a melody model")]
    [InlineData("--data", "mnist", "--data mnist is not a melody dataset; music train takes nottingham")]
    [InlineData("--arch", "conv", "--arch is a setting of the image models (latentsynth train)")]
    [InlineData("--beta", "2", "--beta is a flag of the image models (latentsynth train); in music train set it with --set beta=VALUE")]
    [InlineData("--hidden", "64", "--hidden is a flag of the image models (latentsynth train); in music train set it with --set hidden=VALUE")]
    [BadInput("music", "`music train --model vae` / `--set model=wae-mmd` / `--data mnist` / an image-model flag (`--arch`, `--hidden`, `--prior`, `--recon`, `--kernel`, `--beta`, `--lambda`, `--warmup-epochs`)", "refused before any data is read: one error line naming the flag and what music train takes (image models: `latentsynth train`); no run folder")]
    public void MusicTrainRefusesImageModelsDataAndFlags(string flag, string value, string message)
    {
        var run = Path.Combine(outDir, "refused");
        string[] data = flag == "--data" ? [] : ["--data", runs.Data];
        var (code, output) = CliRunner.Run(400, ["music", "train", .. data, "--out", run, "--epochs", "1", flag, value]);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void MusicTrainRefusesAnImageModelFromAConfigFileNamingTheFile()
    {
        var config = Path.Combine(outDir, "image-run.json");
        File.WriteAllText(config, """{"model": {"model": "vae"}, "training": {"data": "mnist"}}""");
        var run = Path.Combine(outDir, "refused");
        var (code, output) = CliRunner.Run(400, "music", "train", "--config", config, "--out", run);
        Assert.Equal(1, code);
        Assert.Contains($"model 'vae' ({config}) is not a melody model", output);
        Assert.False(Directory.Exists(run));
        // With a melody model the config's image dataset is refused, naming the file too.
        (code, output) = CliRunner.Run(400, "music", "train", "--config", config, "--model", "musicvae", "--out", run);
        Assert.Equal(1, code);
        Assert.Contains($"dataset 'mnist' ({config}) is not a melody dataset", output);
    }

    [Fact]
    public void MusicTrainHelpHidesTheImageFlagsAndListsTheMelodyDatasets()
    {
        var (code, output) = CliRunner.Run(400, "music", "train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("nottingham-16", output);
        Assert.Contains("midi16:DIR", output);
        Assert.Contains("--latent-dim", output);
        foreach (var flag in LatentSynth.Cli.MusicTrainCommand.ImageOnlyFlags) Assert.DoesNotContain(flag + " ", output);
    }

    [Theory]
    [InlineData("--limit", "0", "--limit must be between 1 and")]
    [InlineData("--seed", "-1", "--seed must be between 0 and")]
    [BadInput("music", "`music eval RUN --limit 0` / `--seed -1`", "refused before the run is opened: one error line naming the flag and its limits")]
    public void EvalRefusesBadNumbers(string flag, string value, string message)
    {
        var json = Path.Combine(outDir, "e.json");
        var (code, output) = CliRunner.Run(400, "music", "eval", runs.Flat, flag, value, "--json", json);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(json));
    }

    [Fact]
    [BadInput("music", "`music eval DIR` where DIR is not a run folder", "refused: one error line naming the folder")]
    public void EvalRefusesAFolderThatIsNotARun()
    {
        var (code, output) = CliRunner.Run(400, "music", "eval", outDir);
        Assert.Equal(1, code);
        Assert.Contains(Path.GetFileName(outDir), output);
    }

    [Fact]
    [BadInput("music", "`music eval RUN` / `music train --resume RUN` where RUN holds an image model (vae on npy:FILE)", "refused: one error line naming the run's model and the melody models the music verbs take; the run untouched")]
    public void EvalRefusesARunOfAnotherModel()
    {
        var npy = Path.Combine(outDir, "x.npy");
        var rng = new Random(3);
        LatentSynth.Evaluation.Npy.Write(npy, Enumerable.Range(0, 64 * 4).Select(_ => (float)rng.NextDouble()).ToArray(), 64, 4);
        var run = Path.Combine(outDir, "vae-run");
        var (code, output) = CliRunner.Run(250, "train", "--data", "npy:" + npy, "--model", "vae", "--arch", "mlp", "--latent-dim", "2",
            "--hidden", "8", "--epochs", "1", "--out", run);
        Assert.True(code == 0, output);
        (code, output) = CliRunner.Run(400, "music", "eval", run);
        Assert.Equal(1, code);
        Assert.Contains("holds model 'vae', not a melody model", output);
        // music train does not continue it either.
        (code, output) = CliRunner.Run(400, "music", "train", "--resume", run, "--epochs", "2");
        Assert.Equal(1, code);
        Assert.Contains("--resume: '" + run + "' holds model 'vae', not a melody model", output);
        Assert.Equal(1, RunFolder.Open(run).Config.Training.Epochs);
    }
}
