using System.Text;

namespace LatentSynth.Data.Tests;

/// <summary>Bring-your-own-data loaders: IDX (plain, .gz), NPY, CSV, with malformed inputs.</summary>
public class OwnDataTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    // ---- IDX -----------------------------------------------------------------------------------

    private string IdxDir(string name, int nTrain, int nTest, bool gz, int h = 4, int w = 3)
    {
        var dir = tmp.File(name);
        Directory.CreateDirectory(dir);
        string ext = gz ? ".gz" : "";
        byte[] Maybe(byte[] b) => gz ? Fixtures.Gzip(b) : b;
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte" + ext), Maybe(Fixtures.IdxImages(Fixtures.Images(nTrain, h, w))));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte" + ext), Maybe(Fixtures.IdxLabels(Enumerable.Range(0, nTrain).Select(i => (byte)(i % 10)).ToArray())));
        if (nTest > 0)
        {
            File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte" + ext), Maybe(Fixtures.IdxImages(Fixtures.Images(nTest, h, w, salt: 100))));
            File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte" + ext), Maybe(Fixtures.IdxLabels(Enumerable.Range(0, nTest).Select(i => (byte)(9 - i % 10)).ToArray())));
        }
        return dir;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxPlainAndGzipLoadWithTheirOwnTestSet(bool gz)
    {
        var dir = IdxDir(gz ? "gz" : "plain", 12, 5, gz);
        var log = new Log();
        using var loaded = OwnData.LoadIdx(dir, log.Options(tmp.File("cache")));
        var (train, test) = (loaded.Splits.Train, loaded.Splits.Test);
        Assert.Empty(log.Warnings);
        Assert.Equal([12L, 1, 4, 3], train.Examples.Shape);
        Assert.Equal([5L, 1, 4, 3], test.Examples.Shape);
        // Files keep their order; values are bytes / 255.
        var images = Fixtures.Images(12, 4, 3);
        var x = train.Examples.ToArray<float>();
        Assert.Equal(images[7, 2, 1] / 255f, x[7 * 12 + 2 * 3 + 1]);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)(i % 10)), train.Labels!.ToArray<long>());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (long)(9 - i % 10)), test.Labels!.ToArray<long>());
        Assert.Contains("separate test file", loaded.Report.SplitRule);
    }

    [Fact]
    public void IdxWithoutTestFilesIsSplitNinetyTen()
    {
        var dir = IdxDir("notest", 30, 0, gz: false);
        using var loaded = OwnData.LoadIdx(dir, new Log().Options(tmp.File("cache")));
        Assert.Equal(27, loaded.Splits.Train.Count);
        Assert.Equal(3, loaded.Splits.Test.Count);
        Assert.Contains($"seed {OwnData.SplitSeed}", loaded.Report.SplitRule);
    }

    [Fact]
    public void IdxWrongMagicIsRefusedWithAHint()
    {
        var dir = IdxDir("swap", 4, 0, gz: false);
        // Labels where the images should be.
        File.Copy(Path.Combine(dir, "train-labels-idx1-ubyte"), Path.Combine(dir, "train-images-idx3-ubyte"), overwrite: true);
        var e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(dir, new Log().Options(tmp.File("c"))));
        Assert.Contains("wrong magic number 0x00000801, expected 0x00000803", e.Message);
        Assert.Contains("other file of the pair", e.Message);

        // A gzip file without .gz in its name.
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), Fixtures.Gzip(Fixtures.IdxImages(Fixtures.Images(4, 2, 2))));
        e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(dir, new Log().Options(tmp.File("c"))));
        Assert.Contains("gzip-compressed", e.Message);

        // Float IDX (element type 0x0D) is not supported.
        var floats = Fixtures.IdxImages(Fixtures.Images(4, 2, 2));
        floats[2] = 0x0D;
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), floats);
        e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(dir, new Log().Options(tmp.File("c"))));
        Assert.Contains("element type 0x0d is not supported", e.Message);
    }

    [Fact]
    public void IdxTruncatedFilesKeepTheCompleteRecordsAndCountTheRest()
    {
        var dir = IdxDir("trunc", 10, 0, gz: false, h: 4, w: 4);
        var images = Path.Combine(dir, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..(16 + 16 * 7 + 5)]);     // 7 complete images and part of an 8th
        var log = new Log();
        using var loaded = OwnData.LoadIdx(dir, log.Options(tmp.File("c")));
        Assert.Equal(7, loaded.Report.RecordsKept);
        Assert.Equal(10, loaded.Report.RecordsRead);
        Assert.Equal(3, loaded.Report.Skipped["truncated"]);
        Assert.Contains(log.Warnings, w => w.Contains("declares 10 records but only 7 are complete"));
        Assert.Contains(log.Warnings, w => w.Contains("3 truncated"));
        Assert.Contains(log.Warnings, w => w.Contains("3 label(s)") && w.Contains("have no image"));

        // Labels cut short: images without a label are skipped as such.
        File.WriteAllBytes(images, bytes);
        var labels = Path.Combine(dir, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..(8 + 6)]);
        using var again = OwnData.LoadIdx(dir, new Log().Options(tmp.File("c")));
        Assert.Equal(6, again.Report.RecordsKept);
        Assert.Equal(4, again.Report.Skipped["no label"]);

        // A header cut short is an error, not a crash.
        File.WriteAllBytes(images, bytes[..10]);
        var e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(dir, new Log().Options(tmp.File("c"))));
        Assert.Contains("too short for its 16-byte header", e.Message);
    }

    [Fact]
    public void IdxMissingFolderOrFilesAreClearErrors()
    {
        var e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(tmp.File("nope")));
        Assert.Contains("does not exist", e.Message);
        Directory.CreateDirectory(tmp.File("empty"));
        e = Assert.Throws<DatasetException>(() => OwnData.LoadIdx(tmp.File("empty")));
        Assert.Contains("no train-images-idx3-ubyte", e.Message);
    }

    // ---- NPY -----------------------------------------------------------------------------------

    [Fact]
    public void NpyFloatVectorsWithLabelsAndOutOfRangeWarning()
    {
        var path = tmp.File("vec.npy");
        var values = new float[] { 0, 0.5f, 1, /**/ 0.25f, 2, -1, /**/ float.NaN, 0, 0, /**/ 0.1f, 0.2f, 0.3f, /**/ 1, 1, 1 };
        File.WriteAllBytes(path, Fixtures.Npy("<f4", [5, 3], Fixtures.F32(values)));
        File.WriteAllBytes(OwnData.LabelsFileFor(path), Fixtures.Npy("<i8", [5], Fixtures.I64(3, 1, 4, 1, -5)));
        var log = new Log();
        using var loaded = OwnData.LoadNpy(path, log.Options(tmp.File("c")));
        // Record 2 has a NaN, record 4 a negative label: both skipped; the rest kept as they are.
        Assert.Equal(3, loaded.Report.RecordsKept);
        Assert.Equal(1, loaded.Report.Skipped["non-numeric value"]);
        Assert.Equal(1, loaded.Report.Skipped["bad label"]);
        Assert.Contains(log.Warnings, w => w.Contains("2 of 9 values lie outside [0, 1]") && w.Contains("max 2") && w.Contains("min -1"));
        Assert.Equal([3L], loaded.Splits.Train.ItemShape);
        var all = loaded.Splits.Train.Examples.ToArray<float>().Concat(loaded.Splits.Test.Examples.ToArray<float>()).ToArray();
        Assert.Contains(2f, all);
        Assert.Equal(9, all.Length);
        Assert.Equal(new long[] { 1, 1, 3, }, loaded.Splits.Train.Labels!.ToArray<long>().Concat(loaded.Splits.Test.Labels!.ToArray<long>()).Order());
    }

    [Fact]
    public void NpyBytesImagesAreScaledAndTheTestFileIsUsed()
    {
        var path = tmp.File("img_train.npy");
        var data = Enumerable.Range(0, 4 * 2 * 3).Select(i => (byte)(i * 10)).ToArray();
        File.WriteAllBytes(path, Fixtures.Npy("|u1", [4, 2, 3], data));
        File.WriteAllBytes(tmp.File("img_test.npy"), Fixtures.Npy("|u1", [2, 2, 3], data[..12], major: 2));
        Assert.Equal(tmp.File("img_test.npy"), OwnData.TestFileFor(path));
        using var loaded = OwnData.LoadNpy(path, new Log().Options(tmp.File("c")));
        Assert.Equal([4L, 1, 2, 3], loaded.Splits.Train.Examples.Shape);
        Assert.Equal([2L, 1, 2, 3], loaded.Splits.Test.Examples.Shape);
        Assert.Equal(data.Select(b => b / 255f), loaded.Splits.Train.Examples.ToArray<float>());
        Assert.Null(loaded.Splits.Train.Labels);
        Assert.Contains("img_test.npy", loaded.Report.SplitRule);
    }

    [Fact]
    public void NpyFloat64ChannelsAndInt64BytesValidated()
    {
        var path = tmp.File("chw.npy");
        File.WriteAllBytes(path, Fixtures.Npy("<f8", [3, 2, 1, 2], Fixtures.F64(Enumerable.Range(0, 12).Select(i => i / 12.0).ToArray()), major: 2));
        using (var loaded = OwnData.LoadNpy(path, new Log().Options(tmp.File("c"))))
        {
            Assert.Equal([2L, 1, 2], loaded.Splits.Train.ItemShape);
            Assert.Equal(3, loaded.Report.RecordsKept);
        }

        var ints = tmp.File("ints.npy");
        File.WriteAllBytes(ints, Fixtures.Npy("<i8", [3, 2], Fixtures.I64(0, 255, 300, 1, 17, 34)));
        var log = new Log();
        using var li = OwnData.LoadNpy(ints, log.Options(tmp.File("c")));
        Assert.Equal(2, li.Report.RecordsKept);
        Assert.Equal(1, li.Report.Skipped["value out of range"]);
        Assert.Contains(log.Warnings, w => w.Contains("ints.npy record 1"));
        Assert.Equal(new[] { 0f, 1f, 17 / 255f, 34 / 255f }.Order(),
            li.Splits.Train.Examples.ToArray<float>().Concat(li.Splits.Test.Examples.ToArray<float>()).Order());
    }

    [Fact]
    public void NpyMalformedFilesAreRefusedOrTrimmed()
    {
        var path = tmp.File("bad.npy");
        var full = Fixtures.Npy("<f4", [4, 2], Fixtures.F32(0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f));
        // Truncated data: 2 complete records of 4.
        File.WriteAllBytes(path, full[..(full.Length - 32 + 18)]);
        var log = new Log();
        using (var loaded = OwnData.LoadNpy(path, log.Options(tmp.File("c"))))
        {
            Assert.Equal(2, loaded.Report.RecordsKept);
            Assert.Equal(2, loaded.Report.Skipped["truncated"]);
            Assert.Contains(log.Warnings, w => w.Contains("declares 4 records but only 2 are complete"));
        }
        // Truncated header.
        File.WriteAllBytes(path, full[..20]);
        Assert.Contains("truncated", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        // Not .npy at all.
        File.WriteAllText(path, "hello, world");
        Assert.Contains("not a .npy file", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        // Unsupported dtype and Fortran order.
        File.WriteAllBytes(path, Fixtures.Npy("<f2", [2, 2], new byte[8]));
        Assert.Contains("dtype '<f2' is not supported", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        File.WriteAllBytes(path, Fixtures.Npy(">f4", [2, 2], new byte[16]));
        Assert.Contains("dtype '>f4' is not supported", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        File.WriteAllBytes(path, Fixtures.Npy("<f4", [2, 2], new byte[16], fortran: true));
        Assert.Contains("Fortran order", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        // 1-D or 5-D data.
        File.WriteAllBytes(path, Fixtures.Npy("<f4", [4], new byte[16]));
        Assert.Contains("need N×D", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
        // Every record bad: no usable record.
        File.WriteAllBytes(path, Fixtures.Npy("<f4", [2, 1], Fixtures.F32(float.NaN, float.PositiveInfinity)));
        Assert.Contains("no usable record", Assert.Throws<DatasetException>(() => OwnData.LoadNpy(path)).Message);
    }

    [Fact]
    public void NpyFloat64ValuesThatOverflowFloat32AreBadRecords()
    {
        var path = tmp.File("f64.npy");
        var values = new double[] { 0, 0.5, 1, /**/ 1e39, 0, 0, /**/ 0.1, 0.2, -1e300, /**/ 1, 1, 1 };
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        File.WriteAllBytes(path, Fixtures.Npy("<f8", [4, 3], bytes));
        var log = new Log();
        using var loaded = OwnData.LoadNpy(path, log.Options(tmp.File("c")));
        // 1e39 and -1e300 are finite doubles but infinite as float32: their records are skipped.
        Assert.Equal(2, loaded.Report.RecordsKept);
        Assert.Equal(2, loaded.Report.Skipped["value too large for float32"]);
        Assert.Equal(2, loaded.Splits.Train.Count + loaded.Splits.Test.Count);
    }

    // ---- CSV -----------------------------------------------------------------------------------

    [Fact]
    public void CsvWithHeaderLabelsAndBadRowsCounted()
    {
        var path = tmp.File("pix.csv");
        var sb = new StringBuilder("label,p0,p1,p2,p3\n");
        for (int i = 0; i < 20; i++) sb.Append($"{i % 3},{i},{i * 2},{255 - i},0\n");
        sb.Append('\n');                         // empty record in the middle
        sb.Append("1,2,3\n");                    // wrong length
        sb.Append("1,2,abc,3,4\n");              // non-numeric
        sb.Append("-1,2,3,4,5\n");               // bad label
        sb.Append("1.5,2,3,4,5\n");              // bad label
        sb.Append("2,10,20,30,40\n\n\n");        // good, then trailing blank lines (not records)
        File.WriteAllText(path, sb.ToString());
        var log = new Log();
        using var loaded = OwnData.LoadCsv(path, log.Options(tmp.File("c")));
        var r = loaded.Report;
        Assert.Equal(21, r.RecordsKept);
        Assert.Equal(26, r.RecordsRead);
        Assert.Equal(new Dictionary<string, long> { ["bad label"] = 2, ["empty"] = 1, ["non-numeric value"] = 1, ["wrong length"] = 1 }, r.Skipped);
        Assert.Contains(log.Warnings, w => w.Contains("pix.csv line 23") && w.Contains("3 fields, expected 5"));
        // All integers 0..255: taken as 8-bit.
        Assert.Contains("8-bit", r.Scaling);
        Assert.Equal([4L], loaded.Splits.Train.ItemShape);
        Assert.Equal(19, loaded.Splits.Train.Count);   // round(21 / 10) = 2 test
        var all = loaded.Splits.Train.Examples.ToArray<float>();
        Assert.All(all, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(255 / 255f, all.Concat(loaded.Splits.Test.Examples.ToArray<float>()));
    }

    [Fact]
    public void CsvFloatsWithoutHeaderAreKeptAndWarnedWhenOutsideUnitRange()
    {
        var path = tmp.File("vec_train.csv");
        File.WriteAllText(path, "0.5,0.25\n0.1,1.5\n0.2,0.3\n");
        File.WriteAllText(tmp.File("vec_test.csv"), "0.9,0.8\n");
        var log = new Log();
        using var loaded = OwnData.LoadCsv(path, log.Options(tmp.File("c")));
        Assert.Null(loaded.Splits.Train.Labels);
        Assert.Equal(3, loaded.Splits.Train.Count);
        Assert.Equal(1, loaded.Splits.Test.Count);
        Assert.Equal([0.5f, 0.25f, 0.1f, 1.5f, 0.2f, 0.3f], loaded.Splits.Train.Examples.ToArray<float>());
        Assert.Contains(log.Warnings, w => w.Contains("1 of 8 values lie outside [0, 1]"));
        Assert.Contains("kept as they are", loaded.Report.Scaling);
    }

    [Fact]
    public void Csv784ColumnsAreImagesAndMismatchedTestFileIsRefused()
    {
        var path = tmp.File("mn.csv");
        var header = "label," + string.Join(",", Enumerable.Range(0, 784).Select(i => $"px{i}"));
        var rows = Enumerable.Range(0, 5).Select(r => $"{r}," + string.Join(",", Fixtures.Image(r, 0)));
        File.WriteAllText(path, header + "\n" + string.Join("\n", rows));
        using (var loaded = OwnData.LoadCsv(path, new Log().Options(tmp.File("c"))))
            Assert.Equal([1L, 28, 28], loaded.Splits.Train.ItemShape);

        File.WriteAllText(tmp.File("mn_test.csv"), "1,2,3\n");
        Assert.Contains("has 3 values per record", Assert.Throws<DatasetException>(() => OwnData.LoadCsv(path)).Message);
        File.WriteAllText(tmp.File("blank.csv"), "\n\n");
        Assert.Contains("holds no data", Assert.Throws<DatasetException>(() => OwnData.LoadCsv(tmp.File("blank.csv"))).Message);
    }
}
