using System.Buffers.Binary;

namespace LatentSynth.Data;

/// <summary>The IDX reader (MNIST's format: train-/t10k-images-idx3-ubyte and -labels-idx1-ubyte, plain or .gz).</summary>
public static partial class OwnData
{
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
}
