using System.Globalization;
using System.Text;

namespace LatentSynth.Data;

/// <summary>The CSV reader (one record per line, optional header and label column).</summary>
public static partial class OwnData
{
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
