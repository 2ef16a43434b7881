using LatentSynth.Torch.IO;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LatentSynth.Evaluation;

/// <summary>
/// A small writer of NumPy's <c>.npy</c> format, version 1.0: the magic <c>\x93NUMPY</c>, version
/// bytes 1 0, a little-endian uint16 header length, then an ASCII Python dict
/// (<c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, K), }</c>) padded with spaces and a
/// newline so the data starts at a multiple of 64 bytes, then the C-order little-endian data.
/// </summary>
public static class Npy
{
    /// <summary>The six bytes every NPY file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes float32 data (<c>&lt;f4</c>) of <paramref name="shape"/>.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, params long[] shape) => Write(path, "<f4", MemoryMarshal.AsBytes(data), sizeof(float), CheckCount(data.Length, shape));

    /// <summary>Writes int64 data (<c>&lt;i8</c>) of <paramref name="shape"/>.</summary>
    public static void Write(string path, ReadOnlySpan<long> data, params long[] shape) => Write(path, "<i8", MemoryMarshal.AsBytes(data), sizeof(long), CheckCount(data.Length, shape));

    /// <summary>The header (magic to newline) for <paramref name="descr"/> and <paramref name="shape"/>; its length is a multiple of 64.</summary>
    public static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(descr);
        var dims = shape.Count == 1 ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
            : "(" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}";
        int preamble = Magic.Length + 2 + 2;
        int total = (preamble + dict.Length + 1 + 63) / 64 * 64;
        int headerLength = total - preamble;
        if (headerLength > ushort.MaxValue) throw new ArgumentException("shape too long for an NPY 1.0 header", nameof(shape));
        var bytes = new byte[total];
        Magic.CopyTo(bytes);
        bytes[6] = 1; // major version
        bytes[7] = 0; // minor version
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        var text = dict.PadRight(headerLength - 1) + "\n";
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(preamble));
        return bytes;
    }

    private static long[] CheckCount(int count, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(s => s < 0)) throw new ArgumentException($"shape must be non-negative, got ({string.Join(", ", shape)})", nameof(shape));
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != count) throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {expected} values, data has {count}", nameof(shape));
        return shape;
    }

    private static void Write(string path, string descr, ReadOnlySpan<byte> data, int itemSize, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var header = Header(descr, shape);
        var bytes = new byte[header.Length + data.Length];
        header.CopyTo(bytes, 0);
        data.CopyTo(bytes.AsSpan(header.Length));
        if (!BitConverter.IsLittleEndian)
            for (int i = header.Length; i < bytes.Length; i += itemSize) bytes.AsSpan(i, itemSize).Reverse();
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
