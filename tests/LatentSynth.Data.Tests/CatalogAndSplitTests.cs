namespace LatentSynth.Data.Tests;

/// <summary>The dataset registry, the cache location rule and the seeded splits.</summary>
public class CatalogAndSplitTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    [Fact]
    public void ListNamesEveryDatasetAndPattern()
    {
        // Other tests may register more names: check the built-in ones, named datasets before patterns.
        var names = DatasetCatalog.List().Select(d => d.Name).Where(n => !n.StartsWith("tiny-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["fashion-mnist", "mnist", "csv:FILE", "idx:DIR", "npy:FILE"], names);
        Assert.True(DatasetCatalog.List().Single(d => d.Name == "mnist").CanFetch);
        Assert.True(DatasetCatalog.IsKnown("MNIST"));
        Assert.True(DatasetCatalog.IsKnown("npy:/some/file.npy"));
        Assert.False(DatasetCatalog.IsKnown("cifar10"));
    }

    [Fact]
    public void UnknownNamesAreRefusedListingTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("cifar10"));
        Assert.Contains("unknown dataset 'cifar10'", e.Message);
        Assert.Contains("known names: fashion-mnist, mnist, ", e.Message);
        Assert.EndsWith("csv:FILE, idx:DIR, npy:FILE", e.Message);
        e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("npy:"));
        Assert.Contains("needs a path after 'npy:'", e.Message);
        Assert.Throws<ArgumentException>(() => DatasetCatalog.Fetch(""));
        Assert.Throws<ArgumentException>(() => DatasetCatalog.Register("mnist", "again", _ => throw new InvalidOperationException()));
    }

    [Fact]
    public void PatternsLoadThroughTheCatalog()
    {
        var path = tmp.File("v.csv");
        File.WriteAllText(path, string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{i / 10.0},{1 - i / 10.0}")));
        using var splits = DatasetCatalog.Load("csv:" + path);
        Assert.Equal(9, splits.Train.Count);
        Assert.Equal(1, splits.Test.Count);
        Assert.Equal("csv:" + path + "/train", splits.Train.Name);
        var report = DatasetCatalog.Fetch("CSV:" + path);
        Assert.Equal(10, report.RecordsKept);
    }

    [Fact]
    public void CustomDatasetsCanBeRegistered()
    {
        string name = "tiny-" + Guid.NewGuid().ToString("N")[..6];
        DatasetCatalog.Register(name, "two vectors", _ =>
        {
            var ds = new TensorDataset(name + "/train", LatentSynth.Torch.Tensor.From([0f, 1f], 2, 1).DetachFromScope());
            var test = new TensorDataset(name + "/test", LatentSynth.Torch.Tensor.From([0.5f], 1, 1).DetachFromScope());
            return new LoadedDataset(new DatasetSplits(ds, test), new DatasetReport { Name = name, Source = "code" });
        });
        using var s = DatasetCatalog.Load(name);
        Assert.Equal(2, s.Train.Count);
        Assert.Contains(DatasetCatalog.List(), d => d.Name == name && !d.CanFetch);
    }

    [Fact]
    public void CacheFolderFollowsTheDocumentedPrecedence()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u" };
        string Resolve(string? arg) => DataCache.Resolve(arg, k => env.GetValueOrDefault(k));
        Assert.Equal("/home/u/.cache/latentsynth", Resolve(null));
        env["XDG_CACHE_HOME"] = "relative/ignored";
        Assert.Equal("/home/u/.cache/latentsynth", Resolve(null));
        env["XDG_CACHE_HOME"] = "/xdg";
        Assert.Equal("/xdg/latentsynth", Resolve(null));
        env["LATENTSYNTH_CACHE"] = "/env/cache";
        Assert.Equal("/env/cache", Resolve(null));
        Assert.Equal("/arg/cache", Resolve("/arg/cache"));
    }

    [Fact]
    public void PermutationIsFixedBySeedAlone()
    {
        // Pinned: changing the generator would silently change every documented split.
        Assert.Equal(PinnedPermutation, SeededSplit.Permutation(10, 1998));
        Assert.Equal(SeededSplit.Permutation(1000, 7), SeededSplit.Permutation(1000, 7));
        Assert.NotEqual(SeededSplit.Permutation(1000, 7), SeededSplit.Permutation(1000, 8));
        Assert.Equal(Enumerable.Range(0, 1000), SeededSplit.Permutation(1000, 7).Order());
        Assert.Empty(SeededSplit.Permutation(0, 1));
    }

    private static readonly int[] PinnedPermutation = [5, 7, 3, 6, 9, 2, 8, 0, 4, 1];

    [Fact]
    public void DocumentedSplitSizesForTheRealPackages()
    {
        // MNIST: 10,000 records, 2,000 test by the seeded permutation.
        var (train, test) = SeededSplit.Random(10_000, 2_000, NpmImageDataset.Mnist.SplitSeed);
        Assert.Equal(8_000, train.Length);
        Assert.Equal(2_000, test.Length);
        Assert.Equal(Enumerable.Range(0, 10_000), train.Concat(test).Order());

        // Fashion-MNIST: 7,000 per class, stratified 1/7: 1,000 of each class in the test set.
        var labels = Enumerable.Range(0, 70_000).Select(i => (long)(i / 7_000)).ToArray();
        var (ftrain, ftest) = SeededSplit.Stratified(labels, NpmImageDataset.FashionMnist.TestFraction, NpmImageDataset.FashionMnist.SplitSeed);
        Assert.Equal(60_000, ftrain.Length);
        Assert.Equal(10_000, ftest.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1_000, ftest.Count(i => labels[i] == c)));
        Assert.Equal(Enumerable.Range(0, 70_000), ftrain.Concat(ftest).Order());
    }

    [Fact]
    public void SplitArgumentsAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SeededSplit.Random(5, 6, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeededSplit.Stratified(new long[3], 1.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeededSplit.Permutation(-1, 0));
    }
}
