using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LatentSynth.Data;

/// <summary>The NPY reader (one array of records, optional labels beside it; u1, i8, f4 and f8).</summary>
public static partial class OwnData
{
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
}
