using LatentSynth.Cli;
using LatentSynth.Evaluation.Imaging;

namespace LatentSynth.Evaluation.Tests;

/// <summary>Tests that redirect the console, seed the default generator or set the verbs' data source run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "Process-wide state";
}

/// <summary>The verbs sample/reconstruct/interpolate/traverse/encode as a user runs them, on a tiny run folder.</summary>
[Collection(ProcessWideState.Name)]
public class CliVerbTests() : TinyRunCliTest("lst-verbs-")
{
    private static void AssertOneLineError(CliResult result, string expected)
    {
        Assert.Equal(1, result.Code);
        Assert.Contains("error: " + expected, result.Output.ReplaceLineEndings(" "));
        Assert.DoesNotContain("   at ", result.Output);
    }

    private string Out(string name) => Path.Combine(dir, name);

    [Fact]
    public void SampleWritesAGridThatTheSeedDetermines()
    {
        var (code, output) = CliRunner.Run("sample", run, "--n", "10", "--png", Out("a.png"), "--seed", "3");
        Assert.True(code == 0, output);
        Assert.Contains("a.png", output);
        var png = DecodedPng.Read(File.ReadAllBytes(Out("a.png")));
        var layout = ImageGrid.Layout(10, 7, 5);    // 4 columns, 3 rows, scale 10 (7 px → 70 px)
        Assert.Equal((layout.Width, layout.Height, 1), (png.Width, png.Height, png.Channels));
        Assert.Equal("10 samples from the prior, seed 3", png.Text["Description"]);
        Assert.StartsWith("LatentSynth", png.Text["Software"]);

        Assert.Equal(0, CliRunner.Run("sample", run, "--n", "10", "--png", Out("b.png"), "--seed", "3").Code);
        Assert.Equal(0, CliRunner.Run("sample", run, "--n", "10", "--png", Out("c.png"), "--seed", "4").Code);
        Assert.Equal(png.Pixels, DecodedPng.Read(File.ReadAllBytes(Out("b.png"))).Pixels);
        Assert.NotEqual(png.Pixels, DecodedPng.Read(File.ReadAllBytes(Out("c.png"))).Pixels);

        // Defaults: 64 samples into RUN/samples.png; --cols and --scale shape the grid.
        Assert.Equal(0, CliRunner.Run("sample", run).Code);
        var defaults = DecodedPng.Read(File.ReadAllBytes(Path.Combine(run, "samples.png")));
        Assert.Equal(ImageGrid.Layout(64, 7, 5).Width, defaults.Width);
        Assert.Equal(0, CliRunner.Run("sample", run, "--n", "6", "--cols", "6", "--scale", "1", "--png", Out("d.png")).Code);
        Assert.Equal((2 + 6 * 7, 2 + 9), (DecodedPng.Read(File.ReadAllBytes(Out("d.png"))).Width, DecodedPng.Read(File.ReadAllBytes(Out("d.png"))).Height));
    }

    [Fact]
    public void RunFoldersNamedInAnyScriptStillGetTheirPngText()
    {
        var other = Path.Combine(dir, "运行-ü");
        Directory.Move(run, other);
        Assert.Equal(0, CliRunner.Run("sample", other, "--n", "2").Code);
        var png = DecodedPng.Read(File.ReadAllBytes(Path.Combine(other, "samples.png")));
        Assert.Contains("??-ü", png.Text["Source"]);   // tEXt is Latin-1: the rest is replaced
    }

    [Fact]
    public void ReconstructInterpolateTraverseWriteTheirGrids()
    {
        Assert.Equal(0, CliRunner.Run("reconstruct", run, "--n", "5", "--png", Out("r.png"), "--scale", "2").Code);
        var r = DecodedPng.Read(File.ReadAllBytes(Out("r.png")));
        var rl = ImageGrid.Layout(10, 7, 5, new GridOptions { Columns = 5, Scale = 2, RowLabels = ["input", "recon"], ColumnLabels = ["0", "1", "2", "0", "1"] });
        Assert.Equal((rl.Width, rl.Height), (r.Width, r.Height));
        Assert.Contains("reconstructions", r.Text["Description"]);

        Assert.Equal(0, CliRunner.Run("interpolate", run, "--steps", "4", "--pairs", "3", "--png", Out("i.png"), "--spherical").Code);
        var i = DecodedPng.Read(File.ReadAllBytes(Out("i.png")));
        var il = ImageGrid.Layout(18, 7, 5, new GridOptions { Columns = 6, RowLabels = ["0→1", "1→2", "2→0"], ColumnLabels = ["A", "0", "0.33", "0.67", "1", "B"] });
        Assert.Equal((il.Width, il.Height), (i.Width, i.Height));
        Assert.StartsWith("spherical interpolations between 3 pairs", i.Text["Description"]);

        Assert.Equal(0, CliRunner.Run("traverse", run, "--range", "2", "--steps", "5", "--index", "4", "--png", Out("t.png")).Code);
        var t = DecodedPng.Read(File.ReadAllBytes(Out("t.png")));
        var tl = ImageGrid.Layout(15, 7, 5, new GridOptions { Columns = 5, RowLabels = ["z0", "z1", "z2"], ColumnLabels = ["-2", "-1", "0", "+1", "+2"] });
        Assert.Equal((tl.Width, tl.Height), (t.Width, t.Height));
        Assert.Contains("around example 4 (class 1) of tiny/test", t.Text["Description"]);

        // Defaults write into the run folder.
        foreach (var verb in new[] { "reconstruct", "interpolate", "traverse" })
            Assert.Equal(0, CliRunner.Run(verb, run).Code);
        foreach (var file in new[] { "reconstructions.png", "interpolations.png", "traversals.png" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
    }

    [Fact]
    public void EncodeWritesCsvOrNpyWithLabels()
    {
        Assert.Equal(0, CliRunner.Run("encode", run, "--out", Out("z.npy")).Code);
        var codes = NpyFile.Read(Out("z.npy"));
        Assert.Equal([30L, 3L], codes.Shape);
        var labels = NpyFile.Read(Out("z.labels.npy"));
        Assert.Equal(Enumerable.Range(0, 30).Select(k => (long)(k % 3)), labels.Longs());

        var (code, output) = CliRunner.Run("encode", run, "--out", Out("z.csv"), "--split", "train", "--batch-size", "7");
        Assert.Equal(0, code);
        Assert.Contains("3-dimensional codes of the 40 examples of tiny/train", output);
        var lines = File.ReadAllLines(Out("z.csv"));
        Assert.Equal("z0,z1,z2,label", lines[0]);
        Assert.Equal(41, lines.Length);

        Assert.Equal(0, CliRunner.Run("encode", run).Code);
        Assert.True(File.Exists(Path.Combine(run, "latents.csv")));
    }

    [Fact]
    public void MistakesEndInOneErrorLine()
    {
        AssertOneLineError(CliRunner.Run("sample", Out("missing")), $"run folder '{Out("missing")}' does not exist");
        AssertOneLineError(CliRunner.Run("sample", run, "--n", "0"), "--n must be at least 1, got 0");
        AssertOneLineError(CliRunner.Run("sample", run, "--scale", "0"), "--scale must be at least 1, got 0");
        AssertOneLineError(CliRunner.Run("sample", run, "--seed", "-1"), "--seed must be at least 0, got -1");
        AssertOneLineError(CliRunner.Run("reconstruct", run, "--n", "31"), "--n 31 is more than the 30 examples of tiny/test");
        AssertOneLineError(CliRunner.Run("interpolate", run, "--steps", "1"), "--steps must be at least 2, got 1");
        AssertOneLineError(CliRunner.Run("interpolate", run, "--pairs", "16"), "--pairs 16 needs 32 examples; tiny/test has 30");
        AssertOneLineError(CliRunner.Run("traverse", run, "--range", "0"), "--range must be a positive number, got 0");
        AssertOneLineError(CliRunner.Run("traverse", run, "--index", "30"), "--index must be in [0, 29] for tiny/test, got 30");
        AssertOneLineError(CliRunner.Run("encode", run, "--out", Out("z.txt")), "--out must end in .csv or .npy");
        AssertOneLineError(CliRunner.Run("encode", run, "--data", "nope"), "unknown dataset 'nope'");
        AssertOneLineError(CliRunner.Run("encode", run, "--data", "wrong-shape"), "dataset 'wrong-shape' has examples of shape [1, 4, 4]");
        var aFile = Out("a-file");
        File.WriteAllText(aFile, "");
        AssertOneLineError(CliRunner.Run("sample", run, "--png", Path.Combine(aFile, "s.png")), $"--png: cannot write '{Path.Combine(aFile, "s.png")}'");
        AssertOneLineError(CliRunner.Run("encode", run, "--out", Path.Combine(aFile, "z.csv")), $"--out: cannot write '{Path.Combine(aFile, "z.csv")}'");
        File.WriteAllBytes(Path.Combine(run, "model.safetensors"), [1, 2, 3]);
        AssertOneLineError(CliRunner.Run("sample", run), "corrupt weights:");
    }

    [Fact]
    public void ByDefaultVerbsNeedingDataAskTheDatasetCatalog()
    {
        Cli.Cli.DataSource = null; // back to the default: the dataset catalog, which has no "tiny"
        // The known names are every registered dataset, sorted (the music sets too, when the music verbs registered them).
        var refused = CliRunner.Run("reconstruct", run);
        AssertOneLineError(refused, "unknown dataset 'tiny'; known names: fashion-mnist, ");
        Assert.Contains(", mnist", refused.Output);
        Assert.Equal(0, CliRunner.Run("sample", run, "--n", "2", "--png", Out("s.png")).Code);   // sampling needs none
    }

    [Theory]
    [InlineData("sample", "--n", "[default: 64]")]
    [InlineData("reconstruct", "--n", "[default: 16]")]
    [InlineData("interpolate", "--steps", "[default: 10]")]
    [InlineData("traverse", "--range", "[default: 3]")]
    [InlineData("traverse", "--steps", "[default: 9]")]
    [InlineData("encode", "--out", "[default: RUN/latents.csv]")]
    public void HelpShowsEachOptionsDefault(string verb, string option, string expected)
    {
        var (code, output) = CliRunner.Run(verb, "--help");
        Assert.Equal(0, code);
        var line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal)) ?? "";
        // The description may wrap: look at the option's line and the ones after it.
        var from = output.IndexOf(line, StringComparison.Ordinal);
        Assert.True(line.Length > 0, output);
        Assert.Contains(expected, output.Substring(from, Math.Min(300, output.Length - from)).ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.Contains("--seed", output);
        Assert.Contains("RUN", output);
    }

    [Fact]
    public void RootHelpListsTheVerbs()
    {
        var (_, output) = CliRunner.Run("--help");
        foreach (var verb in new[] { "sample", "reconstruct", "interpolate", "traverse", "encode" })
            Assert.Contains(verb, output);
    }
}
