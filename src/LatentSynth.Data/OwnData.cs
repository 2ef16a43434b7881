using System.Globalization;

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
public static partial class OwnData
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

}
