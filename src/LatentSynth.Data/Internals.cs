using System.Diagnostics;
using LatentSynth.Torch;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>Records held in managed memory before they become tensors.</summary>
internal sealed class RawData
{
    public RawData(long[] itemShape, int count, byte[]? bytes, float[]? floats, long[]? labels)
    {
        ItemShape = itemShape;
        Count = count;
        Bytes = bytes;
        Floats = floats;
        Labels = labels;
        ItemSize = checked((int)itemShape.Aggregate(1L, (a, b) => a * b));
        Debug.Assert((bytes is null) != (floats is null));
    }

    /// <summary>Shape of one example.</summary>
    public long[] ItemShape { get; }
    public int ItemSize { get; }
    public int Count { get; }
    /// <summary>8-bit intensities, divided by 255 when materialized.</summary>
    public byte[]? Bytes { get; }
    /// <summary>Values kept as they are.</summary>
    public float[]? Floats { get; }
    public long[]? Labels { get; }

    /// <summary>The examples at <paramref name="indices"/> as a float32 dataset [n, …item shape].</summary>
    public TensorDataset Materialize(int[] indices, string name, IReadOnlyList<string>? classNames)
    {
        int n = indices.Length, d = ItemSize;
        long[] shape = [n, .. ItemShape];
        using var scope = Torch.NewScope();
        Tensor x, y;
        if (n == 0)
        {
            x = Torch.Zeros(shape, DType.Float32);
            y = Torch.Zeros([0L], DType.Int64);
        }
        else
        {
            var values = new float[(long)n * d];
            if (Bytes is { } bytes)
            {
                // p / 255 in float32, correctly rounded: what torchvision's ToTensor gives.
                Span<float> lut = stackalloc float[256];
                for (int v = 0; v < 256; v++) lut[v] = v / 255f;
                for (int k = 0; k < n; k++)
                {
                    var src = bytes.AsSpan(indices[k] * d, d);
                    var dst = values.AsSpan(k * d, d);
                    for (int j = 0; j < d; j++) dst[j] = lut[src[j]];
                }
            }
            else
            {
                for (int k = 0; k < n; k++) Floats.AsSpan(indices[k] * d, d).CopyTo(values.AsSpan(k * d, d));
            }
            x = Tensor.From<float>(values, shape);
            y = Labels is { } labels ? Tensor.From<long>(indices.Select(i => labels[i]).ToArray(), n) : null!;
        }
        return new TensorDataset(name, x.DetachFromScope(), Labels is null ? null : y.DetachFromScope(), Labels is null ? null : classNames);
    }
}

/// <summary>Counts skipped records by reason and remembers where the first few were.</summary>
internal sealed class SkipTally
{
    private const int ExamplesPerReason = 3;
    private readonly Dictionary<string, long> counts = new();
    private readonly Dictionary<string, List<string>> examples = new();

    public void Add(string reason, string where)
    {
        counts[reason] = counts.GetValueOrDefault(reason) + 1;
        if (!examples.TryGetValue(reason, out var list)) examples[reason] = list = new List<string>();
        if (list.Count < ExamplesPerReason) list.Add(where);
    }

    public void Add(string reason, string where, long count)
    {
        if (count <= 0) return;
        counts[reason] = counts.GetValueOrDefault(reason) + count;
        if (!examples.TryGetValue(reason, out var list)) examples[reason] = list = new List<string>();
        if (list.Count < ExamplesPerReason) list.Add(where);
    }

    public long Total => counts.Values.Sum();

    public IReadOnlyDictionary<string, long> Counts => new SortedDictionary<string, long>(counts, StringComparer.Ordinal);

    /// <summary>"2 empty (at a, b); 1 wrong length (at c)".</summary>
    public string Describe() => string.Join("; ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
    {
        var ex = examples[kv.Key];
        string more = kv.Value > ex.Count ? ", …" : "";
        return $"{kv.Value} {kv.Key} (at {string.Join(", ", ex)}{more})";
    }));
}

/// <summary>Collects warnings and timings during one load and forwards messages to the options' callbacks.</summary>
internal sealed class LoadContext
{
    private readonly DatasetOptions options;
    private readonly List<string> warnings = new();
    private readonly Dictionary<string, TimeSpan> timings = new();

    public LoadContext(DatasetOptions? options) => this.options = options ?? DatasetOptions.Default;

    public DatasetOptions Options => options;
    public IReadOnlyList<string> Warnings => warnings;
    public IReadOnlyDictionary<string, TimeSpan> Timings => timings;

    public void Warn(string message)
    {
        warnings.Add(message);
        options.Warn?.Invoke(message);
    }

    public void Status(string message) => options.Status?.Invoke(message);

    public T Time<T>(string phase, Func<T> work)
    {
        var sw = Stopwatch.StartNew();
        try { return work(); }
        finally { timings[phase] = timings.GetValueOrDefault(phase) + sw.Elapsed; }
    }

    public void Time(string phase, Action work) => Time(phase, () => { work(); return 0; });
}

/// <summary>Reading helpers shared by the file loaders.</summary>
internal static class FileHelpers
{
    /// <summary>All bytes of <paramref name="path"/>, decompressed when it ends in .gz (a cut-off stream keeps what came through, with a warning).</summary>
    public static byte[] ReadMaybeGzip(string path, LoadContext ctx)
    {
        byte[] raw;
        try { raw = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot read {path}: {e.Message}", e);
        }
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return raw;
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
            throw new DatasetException($"{path}: not a gzip file (its first bytes are not 1f 8b); rename it without .gz if it is not compressed");
        using var input = new MemoryStream(raw);
        using var gz = new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[1 << 16];
        try
        {
            int read;
            while ((read = gz.Read(buffer, 0, buffer.Length)) > 0) output.Write(buffer, 0, read);
        }
        catch (InvalidDataException e)
        {
            if (output.Length == 0) throw new DatasetException($"{path}: the gzip data are corrupt ({e.Message})", e);
            ctx.Warn($"{path}: the gzip stream breaks off after {output.Length} decompressed bytes ({e.Message}); using what came through");
        }
        return output.ToArray();
    }
}
