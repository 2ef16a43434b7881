using LatentSynth.Torch.IO;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace LatentSynth.Evaluation.Imaging;

/// <summary>Colour types the encoder writes (PNG specification, table 11.1), 8 bits per sample.</summary>
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
    /// Per row, the filter among None, Sub, Up, Average and Paeth whose output has the smallest sum
    /// of absolute values read as signed bytes (the heuristic of the PNG specification, section 12.8).
    /// Usually the smallest files.
    /// </summary>
    Adaptive,
}

/// <summary>
/// A small PNG writer: 8-bit greyscale or RGB, no interlacing, the image data deflated by
/// <see cref="ZLibStream"/> (which adds the zlib header and the Adler-32 checksum), every chunk with
/// its CRC-32 (<see cref="Crc32"/> of System.IO.Hashing), and optional <c>tEXt</c> chunks (keyword and text in Latin-1).
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
        if (stride + 1 > int.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(width), width, "image too wide for this encoder");
        if (pixels.Length != stride * height)
            throw new ArgumentException($"pixels must hold {width}×{height}×{channels} = {stride * height} bytes, got {pixels.Length}", nameof(pixels));
        var texts = (text ?? []).Select(kv => (Keyword: CheckKeyword(kv.Key), Text: Latin1(kv.Value, $"text of '{kv.Key}'"))).ToList();

        using var file = new MemoryStream();
        file.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;             // bit depth
        ihdr[9] = (byte)color;   // colour type
        ihdr[10] = 0;            // compression method: deflate
        ihdr[11] = 0;            // filter method: adaptive filtering with five basic types
        ihdr[12] = 0;            // no interlace
        WriteChunk(file, "IHDR", ihdr);

        foreach (var (keyword, latin1) in texts)
        {
            var data = new byte[keyword.Length + 1 + latin1.Length];
            Encoding.Latin1.GetBytes(keyword, data);
            latin1.CopyTo(data, keyword.Length + 1); // a zero byte separates keyword and text
            WriteChunk(file, "tEXt", data);
        }

        WriteChunk(file, "IDAT", Compress(pixels, (int)stride, height, channels, filter));
        WriteChunk(file, "IEND", []);
        return file.ToArray();
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

    private static byte[] Compress(ReadOnlySpan<byte> pixels, int stride, int height, int bpp, PngFilterStrategy strategy)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var prior = new byte[stride]; // the row above the first is all zeros
            var line = new byte[stride + 1];
            var best = new byte[stride + 1];
            for (int y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                if (strategy == PngFilterStrategy.None)
                {
                    line[0] = 0;
                    row.CopyTo(line.AsSpan(1));
                    z.Write(line);
                }
                else
                {
                    long bestScore = long.MaxValue;
                    for (byte type = 0; type <= 4; type++)
                    {
                        long score = Filter(type, row, prior, bpp, line);
                        if (score < bestScore)
                        {
                            bestScore = score;
                            (best, line) = (line, best);
                        }
                    }
                    z.Write(best);
                }
                row.CopyTo(prior);
            }
        }
        return output.ToArray();
    }

    /// <summary>Filters one row into <paramref name="line"/> (type byte first); returns the sum of
    /// |signed filtered byte| used to compare filters.</summary>
    private static long Filter(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> line)
    {
        line[0] = type;
        long score = 0;
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0;         // left
            int b = prior[i];                             // above
            int c = i >= bpp ? prior[i - bpp] : 0;       // above left
            int predictor = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            byte v = (byte)(row[i] - predictor);
            line[i + 1] = v;
            score += Math.Abs((int)(sbyte)v);
        }
        return score;
    }

    /// <summary>The Paeth predictor (PNG specification, section 9.4): whichever of left, above and
    /// above-left is closest to left + above − above-left, ties in that order.</summary>
    public static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    private static string CheckKeyword(string keyword)
    {
        if (string.IsNullOrEmpty(keyword) || keyword.Length > 79)
            throw new ArgumentException($"a PNG text keyword has 1 to 79 characters, got '{keyword}'", nameof(keyword));
        if (keyword.Any(ch => ch < 32 || (ch > 126 && ch < 161) || ch > 255) || keyword.StartsWith(' ') || keyword.EndsWith(' ') || keyword.Contains("  "))
            throw new ArgumentException($"PNG text keyword '{keyword}' must be printable Latin-1 without leading, trailing or double spaces", nameof(keyword));
        return keyword;
    }

    private static byte[] Latin1(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text, what);
        if (text.Any(ch => ch > 255 || ch == 0))
            throw new ArgumentException($"{what} has characters outside Latin-1 (or a zero), which tEXt can't hold", nameof(text));
        return Encoding.Latin1.GetBytes(text);
    }
}
