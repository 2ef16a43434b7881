using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LatentSynth.Data;

/// <summary>
/// Loaders for data people bring themselves (<c>idx:DIR</c>, <c>npy:FILE</c>, <c>csv:FILE</c>).
/// Every record is validated; malformed ones are skipped, counted and reported as a warning.
/// <para>Values: 8-bit data (IDX ubyte, NPY <c>|u1</c>, NPY <c>&lt;i8</c> whose values must be 0..255,
/// and CSV files whose values are all integers 0..255 with at least one above 1) are divided by 255.
/// Floating-point data are kept as they are; values outside [0, 1] raise a warning (Bernoulli/BCE
/// reconstruction needs [0, 1]), non-finite values make their record skipped.</para>
/// <para>Splits: a separate test file is used when it exists (IDX: the <c>t10k-*</c> files; NPY/CSV:
/// the same name with <c>_test</c> appended to the stem, or <c>_train</c> replaced by <c>_test</c>:
/// <c>x.npy</c> → <c>x_test.npy</c>, <c>x_train.csv</c> → <c>x_test.csv</c>). Otherwise 10 % of the
/// records (round(N/10), at least 1) chosen by a seeded permutation (<see cref="SplitSeed"/>) are the
/// test set and the rest train.</para>
/// </summary>
public static class OwnData
{
    /// <summary>Seed of the 90/10 split used when no test file exists (fixed, so every run splits alike).</summary>
    public const ulong SplitSeed = 9010;

    /// <summary>Fraction of the records in the test set when no test file exists.</summary>
    public const double TestFraction = 0.1;

    /// <summary>Why a record whose value is finite as written but infinite as float32 (|v| &gt; 3.4e38) is skipped.</summary>
    private const string TooLargeForFloat32 = "value too large for float32";

    private static string SplitRule(bool separate, string? testFile) => separate
        ? $"separate test file ({testFile})"
        : $"seeded permutation (SplitMix64 Fisher–Yates, seed {SplitSeed}): round(N × {TestFraction}) records (at least 1) are the test set, the rest train";

    /// <summary>The test file that goes with <paramref name="path"/> (see the class remarks), whether or not it exists.</summary>
    public static string TestFileFor(string path)
    {
        var dir = Path.GetDirectoryName(path) ?? "";
        var name = Path.GetFileName(path);
        string ext = name.EndsWith(".labels.npy", StringComparison.OrdinalIgnoreCase) ? ".labels.npy" : Path.GetExtension(name);
        var stem = name[..^ext.Length];
        stem = stem.EndsWith("_train", StringComparison.Ordinal) ? stem[..^"_train".Length] + "_test" : stem + "_test";
        return Path.Combine(dir, stem + ext);
    }

    /// <summary>The labels file that goes with an NPY data file: <c>x.npy</c> → <c>x.labels.npy</c>.</summary>
    public static string LabelsFileFor(string npyPath) =>
        Path.Combine(Path.GetDirectoryName(npyPath) ?? "", Path.GetFileNameWithoutExtension(npyPath) + ".labels.npy");

    /// <summary>Refuses a missing data file, and a folder given where a file is expected, in one line naming --data.</summary>
    private static void RequireFile(string name, string path)
    {
        if (Directory.Exists(path))
        {
            var prefix = name[..name.IndexOf(':')];
            throw new DatasetException($"--data {name}: '{path}' is a folder; {prefix}: takes a .{prefix} file (for example --data {prefix}:{Path.Combine(path, "x." + prefix)})");
        }
        if (!File.Exists(path)) throw new DatasetException($"{name}: file {path} does not exist");
    }

    // ---- shared ending -------------------------------------------------------------------------

    private static LoadedDataset Finish(LoadContext ctx, string name, string source, RawData train, RawData? test,
        string? testFile, SkipTally tally, long read, string scaling)
    {
        if (tally.Total > 0) ctx.Warn($"{name}: skipped {tally.Total} malformed record(s) of {read}: {tally.Describe()}");
        if (train.Count == 0) throw new DatasetException($"{name}: no usable record in {source} (read {read}); see the warnings for why");
        if (test is not null && !test.ItemShape.SequenceEqual(train.ItemShape))
            throw new DatasetException($"{name}: the test file {testFile} holds items of shape {SafeShape(test.ItemShape)} but the training data {SafeShape(train.ItemShape)}");
        if (test is not null && (test.Labels is null) != (train.Labels is null))
            ctx.Warn($"{name}: only one of the training and test data has labels; labels are dropped");
        ctx.Status($"building the {name} tensors");
        var splits = ctx.Time("split", () =>
        {
            TensorDataset trainSet, testSet;
            if (test is null)
            {
                if (train.Count < 2) throw new DatasetException($"{name}: {train.Count} usable record: need at least 2 to split into train and test");
                int nTest = Math.Max(1, (int)Math.Round(train.Count * TestFraction, MidpointRounding.AwayFromZero));
                var (tr, te) = SeededSplit.Random(train.Count, nTest, SplitSeed);
                trainSet = train.Materialize(tr, $"{name}/train", null);
                try { testSet = train.Materialize(te, $"{name}/test", null); }
                catch { trainSet.Dispose(); throw; }
            }
            else
            {
                bool dropLabels = (test.Labels is null) != (train.Labels is null);
                var a = dropLabels ? new RawData(train.ItemShape, train.Count, train.Bytes, train.Floats, null) : train;
                var b = dropLabels ? new RawData(test.ItemShape, test.Count, test.Bytes, test.Floats, null) : test;
                trainSet = a.Materialize(Enumerable.Range(0, a.Count).ToArray(), $"{name}/train", null);
                try { testSet = b.Materialize(Enumerable.Range(0, b.Count).ToArray(), $"{name}/test", null); }
                catch { trainSet.Dispose(); throw; }
            }
            return new DatasetSplits(trainSet, testSet);
        });
        var report = new DatasetReport
        {
            Name = name,
            Source = source,
            RecordsRead = read,
            RecordsKept = train.Count + (test?.Count ?? 0),
            Skipped = tally.Counts,
            TrainCount = splits.Train.Count,
            TestCount = splits.Test.Count,
            ItemShape = train.ItemShape,
            SplitRule = SplitRule(test is not null, testFile),
            Scaling = scaling,
            Timings = ctx.Timings,
            Warnings = ctx.Warnings,
        };
        return new LoadedDataset(splits, report);
    }

    private static string SafeShape(long[] s) => "[" + string.Join(", ", s) + "]";

    private static void WarnOutOfRange(LoadContext ctx, string what, long outside, long total, float min, float max)
    {
        if (outside > 0)
            ctx.Warn($"{what}: {outside} of {total} values lie outside [0, 1] (min {min.ToString("G6", CultureInfo.InvariantCulture)}, " +
                     $"max {max.ToString("G6", CultureInfo.InvariantCulture)}); they are kept as they are, but Bernoulli (BCE) " +
                     "reconstruction needs [0, 1]: rescale the data or use --recon mse or l1");
    }

    // ---- IDX -----------------------------------------------------------------------------------

    /// <summary>
    /// Reads the standard IDX files from <paramref name="directory"/>: <c>train-images-idx3-ubyte</c>
    /// and <c>train-labels-idx1-ubyte</c>, optionally <c>t10k-images-idx3-ubyte</c> and
    /// <c>t10k-labels-idx1-ubyte</c> (each plain or <c>.gz</c>; a dot instead of the second hyphen,
    /// as in <c>train-images.idx3-ubyte</c>, is accepted too). Big-endian headers; the magic numbers
    /// must be 0x00000803 (unsigned bytes, 3 dimensions) and 0x00000801. Images become
    /// [N, 1, rows, cols] divided by 255; labels are taken as they are (0..255).
    /// </summary>
    public static LoadedDataset LoadIdx(string directory, DatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var ctx = new LoadContext(options);
        string name = "idx:" + directory;
        if (File.Exists(directory))
            throw new DatasetException($"--data {name}: '{directory}' is a file; idx: takes the folder holding the IDX files (--data idx:{Path.GetDirectoryName(Path.GetFullPath(directory))})");
        if (!Directory.Exists(directory)) throw new DatasetException($"{name}: folder {directory} does not exist");
        var tally = new SkipTally();
        long read = 0;
        RawData? Part(string prefix, bool required)
        {
            var images = FindIdx(directory, prefix, "images", 3);
            var labels = FindIdx(directory, prefix, "labels", 1);
            if (images is null)
            {
                if (required) throw new DatasetException($"{name}: no {prefix}-images-idx3-ubyte[.gz] in {directory}");
                if (labels is not null) ctx.Warn($"{name}: {labels} has no matching {prefix} images file; ignored");
                return null;
            }
            ctx.Status($"reading {Path.GetFileName(images)}");
            var raw = ctx.Time("parse", () => ReadIdxPart(ctx, name, images, labels, tally, ref read));
            return raw;
        }
        var train = Part("train", required: true)!;
        var test = Part("t10k", required: false);
        var testName = test is null ? null : FindIdx(directory, "t10k", "images", 3);
        return Finish(ctx, name, $"IDX files in {directory}", train, test, testName, tally, read, "8-bit pixels / 255 as float32");
    }

    private static string? FindIdx(string dir, string prefix, string kind, int dims)
    {
        foreach (var sep in new[] { "-", "." })
            foreach (var gz in new[] { "", ".gz" })
            {
                var p = Path.Combine(dir, $"{prefix}-{kind}{sep}idx{dims}-ubyte{gz}");
                if (File.Exists(p)) return p;
            }
        return null;
    }

    private static RawData ReadIdxPart(LoadContext ctx, string name, string imagesPath, string? labelsPath, SkipTally tally, ref long read)
    {
        var img = ReadIdx(ctx, imagesPath, 3);
        int rows = img.Dims[1], cols = img.Dims[2], size = rows * cols;
        int n = img.Complete;
        long[]? labels = null;
        if (labelsPath is not null)
        {
            var lab = ReadIdx(ctx, labelsPath, 1);
            if (lab.Dims[0] != img.Dims[0])
                ctx.Warn($"{name}: {Path.GetFileName(imagesPath)} declares {img.Dims[0]} images but {Path.GetFileName(labelsPath)} {lab.Dims[0]} labels");
            if (lab.Complete < n)
            {
                tally.Add("no label", $"{Path.GetFileName(imagesPath)} records {lab.Complete}..{n - 1}", n - lab.Complete);
                n = lab.Complete;
            }
            else if (lab.Complete > n)
                ctx.Warn($"{name}: {lab.Complete - n} label(s) in {Path.GetFileName(labelsPath)} have no image; ignored");
            labels = new long[n];
            for (int i = 0; i < n; i++) labels[i] = lab.Data[i];
        }
        else ctx.Warn($"{name}: no labels file for {Path.GetFileName(imagesPath)}; the data are unlabelled");
        if (img.Dims[0] > img.Complete)
            tally.Add("truncated", $"{Path.GetFileName(imagesPath)} records {img.Complete}..{img.Dims[0] - 1}", img.Dims[0] - img.Complete);
        read += img.Dims[0];
        var bytes = img.Data.Slice(0, n * size).ToArray();
        return new RawData([1, rows, cols], n, bytes, null, labels);
    }

    private readonly ref struct IdxFile(int[] dims, ReadOnlySpan<byte> data, int complete)
    {
        public int[] Dims { get; } = dims;
        public ReadOnlySpan<byte> Data { get; } = data;
        /// <summary>Records whose bytes are all present.</summary>
        public int Complete { get; } = complete;
    }

    private static IdxFile ReadIdx(LoadContext ctx, string path, int expectedDims)
    {
        var bytes = FileHelpers.ReadMaybeGzip(path, ctx);
        string file = Path.GetFileName(path);
        uint expectedMagic = 0x00000800u | (uint)expectedDims;
        if (bytes.Length < 4) throw new DatasetException($"{file}: {bytes.Length} bytes, too short for an IDX header");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            string hint = bytes[0] == 0x1f && bytes[1] == 0x8b ? " (the file is gzip-compressed: name it .gz)"
                : (magic & 0xFFFFFF00u) == 0x00000800u ? $" (an unsigned-byte IDX file with {magic & 0xFF} dimensions: is it the other file of the pair?)"
                : (magic & 0xFFFF0000u) == 0 ? $" (IDX element type 0x{(magic >> 8) & 0xFF:x2} is not supported: only unsigned bytes, 0x08)"
                : " (not an IDX file)";
            throw new DatasetException($"{file}: wrong magic number 0x{magic:x8}, expected 0x{expectedMagic:x8}{hint}");
        }
        int header = 4 + 4 * expectedDims;
        if (bytes.Length < header) throw new DatasetException($"{file}: {bytes.Length} bytes, too short for its {header}-byte header (truncated)");
        var dims = new int[expectedDims];
        for (int i = 0; i < expectedDims; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) throw new DatasetException($"{file}: invalid dimension {dims[i]} in the header");
        }
        long recordSize = 1;
        for (int i = 1; i < expectedDims; i++) recordSize *= dims[i];
        if (recordSize > 1 << 24) throw new DatasetException($"{file}: records of {recordSize} bytes are implausibly large");
        long available = (bytes.Length - header) / recordSize;
        int complete = (int)Math.Min(dims[0], available);
        if (complete < dims[0])
            ctx.Warn($"{file}: the header declares {dims[0]} records but only {complete} are complete: the file is truncated; using those");
        else if (bytes.Length - header > (long)dims[0] * recordSize)
            ctx.Warn($"{file}: {bytes.Length - header - (long)dims[0] * recordSize} trailing bytes after the declared records; ignored");
        return new IdxFile(dims, bytes.AsSpan(header), complete);
    }

    // ---- NPY -----------------------------------------------------------------------------------

    /// <summary>
    /// Reads a NumPy <c>.npy</c> file (format 1.0, 2.0 or 3.0; dtypes <c>&lt;f4</c>, <c>&lt;f8</c>,
    /// <c>|u1</c>, <c>&lt;i8</c>; C order) holding an N×D, N×H×W or N×C×H×W array; items become
    /// [D], [1, H, W] or [C, H, W]. Optional labels: <c>FILE.labels.npy</c> (<see cref="LabelsFileFor"/>),
    /// a 1-D (or N×1) integer array of non-negative labels. Split and scaling: see the class remarks.
    /// </summary>
    public static LoadedDataset LoadNpy(string path, DatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var ctx = new LoadContext(options);
        string name = "npy:" + path;
        RequireFile(name, path);
        var tally = new SkipTally();
        long read = 0;
        var stats = new FloatStats();
        var train = ctx.Time("parse", () => ReadNpyPart(ctx, path, tally, ref read, stats));
        var testPath = TestFileFor(path);
        RawData? test = null;
        if (File.Exists(testPath)) test = ctx.Time("parse", () => ReadNpyPart(ctx, testPath, tally, ref read, stats));
        WarnOutOfRange(ctx, name, stats.Outside, stats.Total, stats.Min, stats.Max);
        string scaling = train.Bytes is not null ? "8-bit values / 255 as float32" : "floating-point values kept as they are (float32)";
        return Finish(ctx, name, $"NumPy file {path}", train, test, test is null ? null : testPath, tally, read, scaling);
    }

    private sealed class FloatStats
    {
        public long Outside, Total;
        public float Min = float.PositiveInfinity, Max = float.NegativeInfinity;
    }

    /// <summary>A parsed .npy header and its data bytes.</summary>
    private sealed record Npy(string Descr, long[] Shape, byte[] Bytes, int DataOffset, string File)
    {
        public int ElementSize => Descr[^1] - '0';
    }

    private static readonly Regex DescrRe = new(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]", RegexOptions.Compiled);
    private static readonly Regex FortranRe = new(@"['""]fortran_order['""]\s*:\s*(True|False)", RegexOptions.Compiled);
    private static readonly Regex ShapeRe = new(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.Compiled);

    private static Npy ReadNpyHeader(string path, string[] allowed)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException($"cannot read {path}: {e.Message}", e); }
        string file = Path.GetFileName(path);
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(magic))
            throw new DatasetException($"{file}: not a .npy file (it must start with \\x93NUMPY); save arrays with numpy.save");
        int major = bytes[6];
        int headerLen, start;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new DatasetException($"{file}: truncated .npy header");
            headerLen = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))); start = 12;
        }
        else throw new DatasetException($"{file}: .npy format version {major}.{bytes[7]} is not supported (1.0, 2.0 and 3.0 are)");
        if (headerLen < 0 || start + (long)headerLen > bytes.Length) throw new DatasetException($"{file}: the .npy header ({headerLen} bytes) runs past the end of the file (truncated)");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, start, headerLen);
        var descr = DescrRe.Match(header);
        var fortran = FortranRe.Match(header);
        var shapeM = ShapeRe.Match(header);
        if (!descr.Success || !fortran.Success || !shapeM.Success)
            throw new DatasetException($"{file}: cannot read the .npy header {header.Trim()}");
        var d = descr.Groups[1].Value;
        if (d == "<u1") d = "|u1";
        if (!allowed.Contains(d))
            throw new DatasetException($"{file}: dtype '{descr.Groups[1].Value}' is not supported here (use {string.Join(", ", allowed)}; for example arr.astype('float32'))");
        if (fortran.Groups[1].Value == "True")
            throw new DatasetException($"{file}: the array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
        var shape = new List<long>();
        foreach (var part in shapeM.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                throw new DatasetException($"{file}: invalid shape ({shapeM.Groups[1].Value}) in the .npy header");
            shape.Add(s);
        }
        return new Npy(d, shape.ToArray(), bytes, start + headerLen, file);
    }

    /// <summary>Complete records available (warns on truncation).</summary>
    private static int CompleteRecords(LoadContext ctx, Npy npy, long perRecord)
    {
        long declared = npy.Shape[0];
        long dataBytes = npy.Bytes.Length - npy.DataOffset;
        long available = perRecord == 0 ? declared : dataBytes / (perRecord * npy.ElementSize);
        if (available < declared)
            ctx.Warn($"{npy.File}: the header declares {declared} records but only {available} are complete: the file is truncated; using those");
        else if (dataBytes > declared * perRecord * npy.ElementSize)
            ctx.Warn($"{npy.File}: {dataBytes - declared * perRecord * npy.ElementSize} trailing bytes after the array; ignored");
        return checked((int)Math.Min(declared, available));
    }

    private static RawData ReadNpyPart(LoadContext ctx, string path, SkipTally tally, ref long read, FloatStats stats)
    {
        ctx.Status($"reading {Path.GetFileName(path)}");
        var npy = ReadNpyHeader(path, ["<f4", "<f8", "|u1", "<i8"]);
        long[] item = npy.Shape.Length switch
        {
            2 => [npy.Shape[1]],
            3 => [1, npy.Shape[1], npy.Shape[2]],
            4 => [npy.Shape[1], npy.Shape[2], npy.Shape[3]],
            _ => throw new DatasetException($"{npy.File}: array of shape ({string.Join(", ", npy.Shape)}): need N×D, N×H×W or N×C×H×W"),
        };
        long d = item.Aggregate(1L, (a, b) => a * b);
        if (d == 0 || d > 1 << 24) throw new DatasetException($"{npy.File}: items of {d} values are not supported");
        int n = CompleteRecords(ctx, npy, d);
        if (npy.Shape[0] > n) tally.Add("truncated", $"{npy.File} records {n}..{npy.Shape[0] - 1}", npy.Shape[0] - n);
        read += npy.Shape[0];
        var data = npy.Bytes.AsSpan(npy.DataOffset);
        var keep = new bool[n];

        // Labels first: records without a valid label are skipped with the rest.
        long[]? labels = null;
        int labelCount = n;
        var labelsPath = LabelsFileFor(path);
        if (File.Exists(labelsPath))
        {
            var lab = ReadNpyHeader(labelsPath, ["<i8", "|u1", "<i4"]);
            if (!(lab.Shape.Length == 1 || (lab.Shape.Length == 2 && lab.Shape[1] == 1)))
                throw new DatasetException($"{lab.File}: labels of shape ({string.Join(", ", lab.Shape)}): need a 1-D array of N labels");
            int m = CompleteRecords(ctx, lab, 1);
            labelCount = m;
            if (lab.Shape[0] != npy.Shape[0])
                ctx.Warn($"{lab.File} declares {lab.Shape[0]} labels but {npy.File} {npy.Shape[0]} records");
            labels = new long[n];
            var ld = lab.Bytes.AsSpan(lab.DataOffset);
            for (int i = 0; i < n; i++)
            {
                if (i >= m) continue;
                labels[i] = lab.Descr switch
                {
                    "<i8" => BinaryPrimitives.ReadInt64LittleEndian(ld[(8 * i)..]),
                    "<i4" => BinaryPrimitives.ReadInt32LittleEndian(ld[(4 * i)..]),
                    _ => ld[i],
                };
            }
            if (m > n) ctx.Warn($"{lab.File}: {m - n} label(s) have no record; ignored");
        }
        bool isByte = npy.Descr is "|u1" or "<i8";
        var outBytes = isByte ? new byte[(long)n * d] : null;
        var outFloats = isByte ? null : new float[(long)n * d];
        int kept = 0;
        for (int r = 0; r < n; r++)
        {
            string where = $"{npy.File} record {r}";
            if (labels is not null && (r >= labelCount || labels[r] < 0))
            {
                tally.Add(r >= labelCount ? "no label" : "bad label", where);
                continue;
            }
            string? bad = null;
            long baseIdx = (long)kept * d;
            long outside = 0;
            float mn = float.PositiveInfinity, mx = float.NegativeInfinity;
            for (long j = 0; j < d && bad is null; j++)
            {
                long e = (long)r * d + j;
                switch (npy.Descr)
                {
                    case "|u1": outBytes![baseIdx + j] = data[(int)e]; break;
                    case "<i8":
                        long v = BinaryPrimitives.ReadInt64LittleEndian(data[(int)(8 * e)..]);
                        if (v is < 0 or > 255) bad = "value out of range"; else outBytes![baseIdx + j] = (byte)v;
                        break;
                    default:
                        double f = npy.Descr == "<f4" ? BinaryPrimitives.ReadSingleLittleEndian(data[(int)(4 * e)..]) : BinaryPrimitives.ReadDoubleLittleEndian(data[(int)(8 * e)..]);
                        if (!double.IsFinite(f)) { bad = "non-numeric value"; break; }
                        float g = (float)f;
                        // A float64 like 1e39 is finite but overflows float32 to infinity: the
                        // record would pass here and training would later blame the learning rate.
                        if (!float.IsFinite(g)) { bad = TooLargeForFloat32; break; }
                        outFloats![baseIdx + j] = g;
                        if (g is < 0 or > 1) outside++;
                        if (g < mn) mn = g;
                        if (g > mx) mx = g;
                        break;
                }
            }
            if (bad is not null) { tally.Add(bad, where); continue; }
            if (!isByte)
            {
                stats.Outside += outside; stats.Total += d;
                stats.Min = Math.Min(stats.Min, mn); stats.Max = Math.Max(stats.Max, mx);
            }
            if (labels is not null) labels[kept] = labels[r];
            kept++;
        }
        if (labels is not null) Array.Resize(ref labels, kept);
        return new RawData(item, kept,
            isByte ? outBytes.AsSpan(0, (int)(kept * d)).ToArray() : null,
            isByte ? null : outFloats.AsSpan(0, (int)(kept * d)).ToArray(), labels);
    }

    // ---- CSV -----------------------------------------------------------------------------------

    /// <summary>
    /// Reads a CSV file of numbers (comma-separated, one record a line). The first line is a header
    /// when any of its fields is not a number; a header column named <c>label</c> (any case) holds
    /// the labels (non-negative integers). Items are vectors [D], except D = 784, taken as a 28×28
    /// image [1, 28, 28] (MNIST-style CSV files). Blank lines, lines with a different number of
    /// fields and non-numeric values make their record skipped. Split and scaling: see the class remarks.
    /// </summary>
    public static LoadedDataset LoadCsv(string path, DatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var ctx = new LoadContext(options);
        string name = "csv:" + path;
        RequireFile(name, path);
        var tally = new SkipTally();
        var train = ctx.Time("parse", () => ParseCsv(ctx, path, tally));
        var testPath = TestFileFor(path);
        var test = File.Exists(testPath) ? ctx.Time("parse", () => ParseCsv(ctx, testPath, tally)) : null;
        if (test is not null && test.Dim != train.Dim)
            throw new DatasetException($"{name}: {Path.GetFileName(testPath)} has {test.Dim} values per record but {Path.GetFileName(path)} {train.Dim}");
        // 8-bit when every value of both files is an integer in 0..255 and one exceeds 1.
        bool bytes = train.AllByteIntegers && (test?.AllByteIntegers ?? true) && Math.Max(train.Max, test?.Max ?? 0) > 1;
        var stats = new FloatStats();
        var a = train.ToRaw(bytes, stats);
        var b = test?.ToRaw(bytes, stats);
        if (!bytes) WarnOutOfRange(ctx, name, stats.Outside, stats.Total, stats.Min, stats.Max);
        string scaling = bytes ? "all values are integers 0..255: taken as 8-bit, / 255 as float32" : "floating-point values kept as they are (float32)";
        return Finish(ctx, name, $"CSV file {path}", a, b, b is null ? null : testPath, tally, train.Read + (test?.Read ?? 0), scaling);
    }

    private sealed class CsvTable
    {
        public int Dim;
        public long Read;
        public List<float> Values = new();
        public List<long>? Labels;
        public bool AllByteIntegers = true;
        public float Max = float.NegativeInfinity;
        public int Count => Dim == 0 ? 0 : Values.Count / Dim;

        public RawData ToRaw(bool asBytes, FloatStats stats)
        {
            long[] item = Dim == 784 ? [1, 28, 28] : [Dim];
            if (asBytes) return new RawData(item, Count, Values.Select(v => (byte)v).ToArray(), null, Labels?.ToArray());
            foreach (var v in Values)
            {
                stats.Total++;
                if (v is < 0 or > 1) stats.Outside++;
                if (v < stats.Min) stats.Min = v;
                if (v > stats.Max) stats.Max = v;
            }
            return new RawData(item, Count, null, Values.ToArray(), Labels?.ToArray());
        }
    }

    private static CsvTable ParseCsv(LoadContext ctx, string path, SkipTally tally)
    {
        ctx.Status($"reading {Path.GetFileName(path)}");
        string file = Path.GetFileName(path);
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException($"cannot read {path}: {e.Message}", e); }
        var t = new CsvTable();
        int first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first < 0) throw new DatasetException($"{file}: the file holds no data");
        var head = Split(lines[first]);
        bool hasHeader = head.Any(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        int labelCol = -1, fields = head.Length;
        if (hasHeader)
        {
            labelCol = Array.FindIndex(head, f => f.Equals("label", StringComparison.OrdinalIgnoreCase));
            t.Labels = labelCol >= 0 ? new List<long>() : null;
            if (labelCol < 0) ctx.Warn($"{file}: the header has no 'label' column; the data are unlabelled");
        }
        t.Dim = fields - (labelCol >= 0 ? 1 : 0);
        if (t.Dim == 0) throw new DatasetException($"{file}: no value columns besides the label");
        var row = new float[t.Dim];
        for (int li = hasHeader ? first + 1 : first; li < lines.Length; li++)
        {
            string where = $"{file} line {li + 1}";
            var line = lines[li];
            if (line.Trim().Length == 0)
            {
                // Blank lines at the very end are just the file's end, not records.
                if (lines.Skip(li).All(l => l.Trim().Length == 0)) break;
                t.Read++;
                tally.Add("empty", where);
                continue;
            }
            t.Read++;
            var parts = Split(line);
            if (parts.Length != fields) { tally.Add("wrong length", where + $" ({parts.Length} fields, expected {fields})"); continue; }
            string? bad = null;
            long label = 0;
            int k = 0;
            bool allInt = true;
            float max = float.NegativeInfinity;
            for (int c = 0; c < parts.Length && bad is null; c++)
            {
                if (!double.TryParse(parts[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                {
                    bad = c == labelCol ? "bad label" : "non-numeric value";
                    break;
                }
                if (c == labelCol)
                {
                    if (v < 0 || v != Math.Floor(v) || v > int.MaxValue) bad = "bad label";
                    else label = (long)v;
                    continue;
                }
                float f = (float)v;
                if (!float.IsFinite(f)) { bad = TooLargeForFloat32; break; }
                row[k++] = f;
                if (!(v >= 0 && v <= 255 && v == Math.Floor(v))) allInt = false;
                if (f > max) max = f;
            }
            if (bad is not null) { tally.Add(bad, where); continue; }
            t.Values.AddRange(row);
            t.Labels?.Add(label);
            t.AllByteIntegers &= allInt;
            t.Max = Math.Max(t.Max, max);
        }
        return t;
    }

    private static string[] Split(string line) =>
        line.Split(',').Select(f => f.Trim().Trim('"').Trim()).ToArray();
}
