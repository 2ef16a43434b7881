using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace LatentSynth.Torch.IO;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an
/// 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
/// range, then the raw little-endian data. Loading only parses JSON and copies bytes: it can never
/// execute code. Every malformed input (truncated, tampered, overlapping ranges, unknown dtype)
/// is refused with a <see cref="SafeTensorsException"/> naming the file and the tensor.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (100 MB, as the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional string <paramref name="metadata"/>) to
    /// <paramref name="path"/> atomically: into a temporary file beside it, flushed, then renamed
    /// over the target, so a crash never leaves a half-written file under the final name.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var items = tensors.ToList();
        var seen = new HashSet<string>();
        foreach (var (name, _) in items)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("tensor names must not be empty", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"tensor name '{name}' appears twice", nameof(tensors));
        }

        // Header first (offsets need only sizes), then the data in the same order.
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        long offset = 0;
        var sizes = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var t = items[i].Value;
            var dtype = t.DType;
            long bytes = t.NumEl * dtype.ElementSize();
            sizes[i] = bytes;
            header[items[i].Key] = new Dictionary<string, object>
            {
                ["dtype"] = DTypeCode(dtype, items[i].Key),
                ["shape"] = t.Shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        // Pad the header with spaces to a multiple of 8 so the data starts aligned.
        int padded = (json.Length + 7) / 8 * 8;

        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(json);
            for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
            for (int i = 0; i < items.Count; i++)
            {
                if (sizes[i] == 0) continue;
                var buffer = new byte[sizes[i]];
                CopyBytes(items[i].Value, buffer);
                fs.Write(buffer);
            }
        });
    }

    /// <summary>Reads every tensor of a safetensors file (see <see cref="Read"/> for the checks).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Read(path).Tensors;

    /// <summary>
    /// Reads a safetensors file: its tensors (new, owned by the caller or the current dispose
    /// scope) and its string metadata. Validates the header length, the JSON, every dtype, shape
    /// and byte range (inside the file, exactly the tensor's size, no overlaps, no gaps).
    /// </summary>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses safetensors bytes already in memory; <paramref name="source"/> names them in errors.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source = "<memory>")
    {
        if (bytes.Length < 8) throw new SafeTensorsException(source, null, $"file is {bytes.Length} bytes long, too short to hold a header");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > MaxHeaderBytes || headerLen > (ulong)(bytes.Length - 8))
            throw new SafeTensorsException(source, null, $"header length {headerLen} exceeds the file ({bytes.Length} bytes): truncated or not a safetensors file");
        var headerBytes = bytes.Slice(8, (int)headerLen);
        var data = bytes[(8 + (int)headerLen)..];

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes.ToArray()); }
        catch (JsonException e) { throw new SafeTensorsException(source, null, "header is not valid JSON: " + e.Message); }

        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, DType DType, long[] Shape, long Begin, long End)>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(source, null, "header is not a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(source, null, "__metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new SafeTensorsException(source, null, $"metadata '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop, source));
            }
        }

        // Byte ranges must tile the data buffer exactly: sorted, no overlap, no gap, no excess.
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long cursor = 0;
        foreach (var e in ordered)
        {
            if (e.Begin != cursor)
                throw new SafeTensorsException(source, e.Name, e.Begin < cursor ? "byte range overlaps another tensor" : "gap in the data before this tensor");
            cursor = e.End;
        }
        if (cursor > data.Length)
        {
            // Name the first tensor whose bytes are cut off.
            long available = data.Length;
            var cut = ordered.First(e => e.End > available);
            throw new SafeTensorsException(source, cut.Name,
                $"data section is {data.Length} bytes but the header needs {cursor} (this tensor spans bytes {cut.Begin}..{cut.End}): file truncated");
        }
        if (cursor != data.Length)
            throw new SafeTensorsException(source, null, cursor > data.Length
                ? $"data section is {data.Length} bytes but the header needs {cursor}: file truncated"
                : $"data section is {data.Length} bytes but the header accounts for {cursor}: trailing bytes");

        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var e in entries)
                tensors[e.Name] = FromBytes(data.Slice((int)e.Begin, (int)(e.End - e.Begin)), e.DType, e.Shape);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    private static (string, DType, long[], long, long) ParseEntry(JsonProperty prop, string source)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(source, name, "entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new SafeTensorsException(source, name, "missing dtype");
        var dtype = ParseDType(dt.GetString()!, source, name);
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsException(source, name, "missing shape");
        var shape = new List<long>();
        long numel = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var s) || s < 0)
                throw new SafeTensorsException(source, name, $"invalid shape {sh.GetRawText()}");
            shape.Add(s);
            numel = checked(numel * s);
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new SafeTensorsException(source, name, "missing data_offsets [begin, end]");
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new SafeTensorsException(source, name, $"invalid data_offsets {off.GetRawText()}");
        long expected = numel * dtype.ElementSize();
        if (end - begin != expected)
            throw new SafeTensorsException(source, name, $"byte range holds {end - begin} bytes but {dtype.TorchName()} {Format(shape)} needs {expected}");
        return (name, dtype, shape.ToArray(), begin, end);
    }

    private static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, long[] shape)
    {
        fixed (byte* p = bytes)
        fixed (long* sp = shape)
        {
            var h = NativeMethods.lst_tensor_from_data(p, bytes.Length, (int)dtype, sp, shape.Length);
            return NativeMethods.Wrap(h, "safetensors.load");
        }
    }

    private static unsafe void CopyBytes(Tensor t, byte[] buffer)
    {
        fixed (byte* p = buffer)
            NativeMethods.Check(NativeMethods.lst_tensor_copy_to(t.Handle, p, buffer.Length), "safetensors.save");
    }

    private static string DTypeCode(DType dtype, string name) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentException($"tensor '{name}' has dtype {dtype.TorchName()}, which safetensors cannot store"),
    };

    private static DType ParseDType(string code, string source, string name) => code switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "I64" => DType.Int64,
        "I32" => DType.Int32,
        "U8" => DType.UInt8,
        "BOOL" => DType.Bool,
        _ => throw new SafeTensorsException(source, name, $"unsupported dtype '{code}'"),
    };

    internal static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>The content of a safetensors file.</summary>
/// <param name="Tensors">Tensors by name, in file order.</param>
/// <param name="Metadata">The free-form string metadata (<c>__metadata__</c>).</param>
public sealed record SafeTensorsFile(Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) : IDisposable
{
    /// <summary>Disposes every tensor read.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>A safetensors file that is malformed or does not match what the caller expects.</summary>
public sealed class SafeTensorsException : IOException
{
    /// <summary>Creates the exception; the message names the file and, when known, the tensor.</summary>
    public SafeTensorsException(string file, string? tensor, string problem)
        : base(tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}")
    {
        File = file;
        TensorName = tensor;
    }

    /// <summary>The file (or source) at fault.</summary>
    public string File { get; }

    /// <summary>The tensor at fault, when the problem concerns one.</summary>
    public string? TensorName { get; }
}
