using LatentSynth.Torch.IO;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SkiaSharp;
using System.IO.Hashing;
using System.Text;

namespace LatentSynth.Evaluation.Imaging;

/// <summary>Colour types <see cref="Png"/> writes (PNG specification, table 11.1), 8 bits per sample.</summary>
public enum PngColorType
{
    /// <summary>One grey sample per pixel (colour type 0).</summary>
    Grayscale = 0,
    /// <summary>Red, green, blue samples per pixel (colour type 2).</summary>
    Rgb = 2,
}

/// <summary>How scanlines are filtered before compression (PNG specification, section 9).</summary>
public enum PngFilterStrategy
{
    /// <summary>Filter type 0 on every row: the bytes as they are.</summary>
    None,
    /// <summary>
    /// Per row, the filter among None, Sub, Up, Average and Paeth that libpng's heuristic picks
    /// (inside Skia's encoder). Usually the smallest files.
    /// </summary>
    Adaptive,
}

/// <summary>
/// PNG files by Skia (SkiaSharp's PNG encoder, libpng and zlib inside): 8-bit greyscale or RGB, no
/// interlacing. Skia does not write text chunks, so optional <c>tEXt</c> chunks (keyword and text
/// in Latin-1) are put into its output right after <c>IHDR</c>, each with its CRC-32
/// (<see cref="Crc32"/> of System.IO.Hashing): file-format plumbing, not a second encoder.
/// </summary>
public static class Png
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Samples per pixel of a colour type.</summary>
    public static int Channels(PngColorType color) => color switch
    {
        PngColorType.Grayscale => 1,
        PngColorType.Rgb => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "colour type must be Grayscale or Rgb"),
    };

    /// <summary>
    /// Encodes an image: <paramref name="pixels"/> holds <paramref name="height"/> rows of
    /// <paramref name="width"/> pixels, each of <see cref="Channels"/> bytes, top row first.
    /// <paramref name="text"/> entries become <c>tEXt</c> chunks (keyword 1–79 printable Latin-1
    /// characters without leading, trailing or double spaces; text in Latin-1).
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, the pixel count does not match, or a
    /// keyword or text can't be stored.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorType color,
        IEnumerable<KeyValuePair<string, string>>? text = null, PngFilterStrategy filter = PngFilterStrategy.Adaptive)
    {
        int channels = Channels(color);
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1 pixel");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be at least 1 pixel");
        long stride = (long)width * channels;
        if (4L * width + 1 > int.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(width), width, "image too wide for this encoder");
        if (pixels.Length != stride * height)
            throw new ArgumentException($"pixels must hold {width}×{height}×{channels} = {stride * height} bytes, got {pixels.Length}", nameof(pixels));
        var texts = (text ?? []).Select(kv => (Keyword: CheckKeyword(kv.Key), Text: Latin1(kv.Value, $"text of '{kv.Key}'"))).ToList();

        var encoded = EncodeWithSkia(pixels, width, height, color, filter);
        // Skia's file: signature, IHDR (8 + 13 + 4 bytes), then the rest; tEXt goes between.
        int afterIhdr = Signature.Length + 8 + 13 + 4;
        if (!encoded.AsSpan(0, Signature.Length).SequenceEqual(Signature) || Encoding.ASCII.GetString(encoded, Signature.Length + 4, 4) != "IHDR")
            throw new InvalidOperationException("Skia's PNG output does not start with the signature and IHDR");
        using var file = new MemoryStream(encoded.Length + texts.Sum(t => t.Keyword.Length + t.Text.Length + 13));
        file.Write(encoded, 0, afterIhdr);
        foreach (var (keyword, latin1) in texts)
        {
            var data = new byte[keyword.Length + 1 + latin1.Length];
            Encoding.Latin1.GetBytes(keyword, data);
            latin1.CopyTo(data, keyword.Length + 1); // a zero byte separates keyword and text
            WriteChunk(file, "tEXt", data);
        }
        file.Write(encoded, afterIhdr, encoded.Length - afterIhdr);
        return file.ToArray();
    }

    /// <summary>Skia encodes from an <see cref="SKPixmap"/> over the samples: greyscale as
    /// <see cref="SKColorType.Gray8"/> directly; RGB widened to opaque RGBA, which Skia writes as
    /// PNG colour type 2 (no alpha). Adaptive filtering is libpng's choice among all five filters.</summary>
    private static byte[] EncodeWithSkia(ReadOnlySpan<byte> pixels, int width, int height, PngColorType color, PngFilterStrategy filter)
    {
        byte[] samples;
        SKImageInfo info;
        if (color == PngColorType.Grayscale)
        {
            samples = pixels.ToArray();
            info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        }
        else
        {
            samples = new byte[4L * width * height];
            for (int i = 0, j = 0; i < pixels.Length; i += 3, j += 4)
            {
                samples[j] = pixels[i];
                samples[j + 1] = pixels[i + 1];
                samples[j + 2] = pixels[i + 2];
                samples[j + 3] = 255;
            }
            info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        }
        var options = new SKPngEncoderOptions(
            filter == PngFilterStrategy.None ? SKPngEncoderFilterFlags.None : SKPngEncoderFilterFlags.AllFilters, 6);
        var handle = GCHandle.Alloc(samples, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = pixmap.Encode(options)
                ?? throw new InvalidOperationException($"Skia could not encode a {width}×{height} {color} PNG");
            return data.ToArray();
        }
        finally { handle.Free(); }
    }

    /// <summary>Encodes the image (see <see cref="Encode"/>) and writes it to <paramref name="path"/>,
    /// creating its folder; the file appears complete or not at all (written aside, then renamed).</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, PngColorType color,
        IEnumerable<KeyValuePair<string, string>>? text = null, PngFilterStrategy filter = PngFilterStrategy.Adaptive)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = Encode(pixels, width, height, color, text, filter);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Writes one chunk: length (4 bytes, big-endian), type (4 ASCII letters), data, and the CRC-32 of
    /// type and data (big-endian).
    /// </summary>
    public static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (type is null || type.Length != 4 || !type.All(char.IsAsciiLetter))
            throw new ArgumentException($"a chunk type is 4 ASCII letters, got '{type}'", nameof(type));
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        var crc = new Crc32();
        crc.Append(head[4..]);
        crc.Append(data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc.GetCurrentHashAsUInt32());
        stream.Write(head);
        stream.Write(data);
        stream.Write(tail);
    }

    private static string CheckKeyword(string keyword)
    {
        if (string.IsNullOrEmpty(keyword) || keyword.Length > 79)
            throw new ArgumentException($"a PNG text keyword has 1 to 79 characters, got '{keyword}'", nameof(keyword));
        if (keyword.Any(ch => ch < 32 || (ch > 126 && ch < 161) || ch > 255) || keyword.StartsWith(' ') || keyword.EndsWith(' ') || keyword.Contains("  "))
            throw new ArgumentException($"PNG text keyword '{keyword}' must be printable Latin-1 without leading, trailing or double spaces", nameof(keyword));
        return keyword;
    }

    /// <summary>
    /// <paramref name="text"/> made storable in a tEXt chunk, which holds Latin-1 only: any other
    /// character (a path in another script, an arrow) and the zero character become '?'.
    /// </summary>
    public static string ToLatin1(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Concat(text.Select(c => c is > '\0' and <= '\u00FF' ? c : '?'));
    }

    private static byte[] Latin1(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text, what);
        if (text.Any(ch => ch > 255 || ch == 0))
            throw new ArgumentException($"{what} has characters outside Latin-1 (or a zero), which tEXt can't hold", nameof(text));
        return Encoding.Latin1.GetBytes(text);
    }
}
