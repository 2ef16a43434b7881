using LatentSynth.Cli;
using LatentSynth.TestSupport;

namespace LatentSynth.Evaluation.Tests;

/// <summary>
/// The output-path policy and the picture limits of the generation verbs, through the command line:
/// what a flag may not overwrite, when --force is needed, and counts refused before any work.
/// </summary>
[Collection(ProcessWideState.Name)]
public sealed class OutputPathTests() : TinyRunCliTest("lst-outpaths-")
{
    private string Out(string name) => Path.Combine(dir, name);

    private static CliResult Run(params string[] args) => CliRunner.Run(10_000, args);

    /// <summary>Exit 1 and a single "error:" line holding every one of <paramref name="mentions"/>.</summary>
    private static void OneLineError(CliResult r, params string[] mentions)
    {
        Assert.True(r.Code == 1, r.Output);
        var text = r.Output.Trim();
        Assert.StartsWith("error:", text);
        Assert.Single(text.Split('\n'));
        foreach (var m in mentions) Assert.Contains(m, text);
    }

    private static void Ok(CliResult r) => Assert.True(r.Code == 0, r.Output);

    [Fact]
    [BadInput("output paths", "`sample RUN --png RUN/checkpoints/epoch-2/model.safetensors`", "refused before any work: one error line naming --png, the path and the run's checkpoints; the weights are untouched; exit 1")]
    public void Sample_refuses_to_write_over_checkpoint_weights()
    {
        var weights = Path.Combine(run, "checkpoints", "epoch-2", "model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        File.Copy(Path.Combine(run, "model.safetensors"), weights);
        var before = File.ReadAllBytes(weights);
        OneLineError(Run("sample", run, "--png", weights), "--png", weights, "checkpoints");
        OneLineError(Run("sample", run, "--png", weights, "--force"), "--png", weights, "checkpoints");
        Assert.Equal(before, File.ReadAllBytes(weights));
    }

    [Fact]
    [BadInput("output paths", "`sample RUN --png RUN/run.json`, `encode RUN --out RUN/metrics.csv` (a run folder's own files)", "refused even with --force: one error line naming the flag and the path; the file is untouched; exit 1")]
    public void A_run_folders_own_files_are_never_outputs()
    {
        var config = Path.Combine(run, "run.json");
        var metrics = Path.Combine(run, "metrics.csv");
        File.WriteAllText(metrics, "epoch,loss\n1,0.5\n");
        var configBefore = File.ReadAllText(config);
        OneLineError(Run("sample", run, "--png", config), "--png", config, "run's own run.json");
        OneLineError(Run("sample", run, "--png", config, "--force"), "--png", config);
        OneLineError(Run("encode", run, "--out", metrics, "--force"), "--out", metrics, "run's own metrics.csv");
        Assert.Equal(configBefore, File.ReadAllText(config));
        Assert.Equal("epoch,loss\n1,0.5\n", File.ReadAllText(metrics));
    }

    [Fact]
    [BadInput("output paths", "`sample RUN --png FILE` where FILE exists (a PNG, or a file of another kind)", "a PNG is replaced only with --force; any other kind is refused even with --force; one error line naming --png and FILE; exit 1")]
    public void An_existing_file_needs_force_and_the_same_kind()
    {
        var png = Out("a.png");
        Ok(Run("sample", run, "--n", "4", "--png", png, "--seed", "1"));
        var first = File.ReadAllBytes(png);
        OneLineError(Run("sample", run, "--n", "4", "--png", png, "--seed", "2"), "--png", png, "already exists", "--force");
        Assert.Equal(first, File.ReadAllBytes(png));
        Ok(Run("sample", run, "--n", "4", "--png", png, "--seed", "2", "--force"));
        Assert.NotEqual(first, File.ReadAllBytes(png));

        var notes = Out("notes.png");
        File.WriteAllText(notes, "not a picture");
        OneLineError(Run("sample", run, "--png", notes, "--force"), "--png", notes, "not a PNG file");
        Assert.Equal("not a picture", File.ReadAllText(notes));

        var npy = Out("z.npy");
        Ok(Run("encode", run, "--out", npy));
        OneLineError(Run("encode", run, "--out", npy), "--out", npy, "already exists");
        File.Delete(npy);   // the labels file beside it is checked too
        OneLineError(Run("encode", run, "--out", npy), "--out", Out("z.labels.npy"), "already exists");
        Ok(Run("encode", run, "--out", npy, "--force"));
    }

    [Fact]
    [BadInput("output paths", "rerunning `sample RUN` (its default RUN/samples.png exists), as `make demo` does", "allowed without --force: a verb regenerates its own default file in the run folder")]
    public void A_verbs_own_default_in_the_run_folder_is_regenerated()
    {
        Ok(Run("sample", run, "--n", "4"));
        Ok(Run("sample", run, "--n", "4", "--seed", "5"));
        Ok(Run("sample", run, "--n", "4", "--png", Path.Combine(run, "samples.png")));
        Ok(Run("encode", run));
        Ok(Run("encode", run));
        // Another verb's default is not this verb's: reconstructions.png is sample's only with --force.
        Ok(Run("reconstruct", run, "--n", "2"));
        OneLineError(Run("sample", run, "--n", "4", "--png", Path.Combine(run, "reconstructions.png")), "--png", "already exists");
    }

    [Fact]
    [BadInput("output paths", "`sample RUN --png DIR` where DIR is a folder; `--png FILE/x.png` under an existing file", "one error line naming --png and the path (a folder, or which part is a file); exit 1")]
    public void Folders_and_paths_under_files_are_refused_by_name()
    {
        var folder = Out("pictures");
        Directory.CreateDirectory(folder);
        OneLineError(Run("sample", run, "--png", folder), "--png", folder, "is a folder");
        var aFile = Out("a-file");
        File.WriteAllText(aFile, "");
        var under = Path.Combine(aFile, "sub", "s.png");
        OneLineError(Run("sample", run, "--png", under), "--png", under, $"'{aFile}' is a file");
        OneLineError(Run("encode", run, "--out", Path.Combine(aFile, "z.csv")), "--out", $"'{aFile}' is a file");
    }

    [Theory]
    [InlineData("sample", "--n", "100000000", "--n 100000000")]
    [InlineData("reconstruct", "--n", "6000", "--n 6000")]
    [InlineData("interpolate", "--steps", "100000000", "--steps 100000000")]
    [InlineData("traverse", "--steps", "20000", "--steps 20000")]
    [BadInput("numbers", "`sample RUN --n 100000000`, `interpolate RUN --steps 100000000` (and reconstruct --n, traverse --steps)", "refused before the model is loaded: one error line naming the flag and the limit of 10,000 pictures per PNG; exit 1")]
    public void Picture_counts_are_bounded_before_any_work(string verb, string flag, string value, string mention)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        OneLineError(Run(verb, run, flag, value), mention, "at most 10,000");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Empty(Directory.GetFiles(run, "*.png"));
    }

    [Fact]
    [BadInput("numbers", "`sample RUN --scale 100000`", "refused before decoding: one error line naming --scale and the grid's size in pixels; exit 1")]
    public void The_png_size_is_bounded_before_decoding()
    {
        OneLineError(Run("sample", run, "--n", "4", "--scale", "100000"), "--scale", "pixels, over the limit of 268,435,456");
        Assert.False(File.Exists(Path.Combine(run, "samples.png")));
    }
}
