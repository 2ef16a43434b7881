using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LatentSynth.Evaluation.Tests;

/// <summary>
/// A minimal PNG reader for the tests, written independently of the encoder (Skia's): it checks the
/// signature, every chunk's CRC (computed bit by bit, without a table), the zlib
/// stream's Adler-32 (computed here over the inflated bytes), undoes all five filter types, and
/// returns the pixels with the tEXt entries. 8-bit greyscale and RGB, no interlace only; the image
/// data may be split over several IDAT chunks.
/// </summary>
public sealed record DecodedPng(int Width, int Height, int Channels, byte[] Pixels, Dictionary<string, string> Text,
    List<string> ChunkTypes, List<byte> FilterTypes)
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static DecodedPng Read(byte[] file)
    {
        Assert.True(file.AsSpan(0, 8).SequenceEqual(Signature), "PNG signature");
        int pos = 8, width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        var text = new Dictionary<string, string>();
        var types = new List<string>();
        while (pos < file.Length)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos)));
            string type = Encoding.ASCII.GetString(file, pos + 4, 4);
            var data = file.AsSpan(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos + 8 + length));
            Assert.Equal(BitwiseCrc(file.AsSpan(pos + 4, 4 + length)), crc);
            types.Add(type);
            switch (type)
            {
                case "IHDR":
                    Assert.Equal(13, length);
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);
                    channels = data[9] switch { 0 => 1, 2 => 3, var t => throw new Xunit.Sdk.XunitException($"colour type {t}") };
                    Assert.Equal(0, data[10]);
                    Assert.Equal(0, data[11]);
                    Assert.Equal(0, data[12]);
                    break;
                case "tEXt":
                    int zero = data.IndexOf((byte)0);
                    text[Encoding.Latin1.GetString(data[..zero])] = Encoding.Latin1.GetString(data[(zero + 1)..]);
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            pos += 12 + length;
        }
        Assert.Equal(file.Length, pos);
        Assert.Equal("IHDR", types[0]);
        Assert.Equal("IEND", types[^1]);

        var compressed = idat.ToArray();
        Assert.Equal(8, compressed[0] & 0x0F);                             // zlib: deflate
        Assert.InRange(compressed[0] >> 4, 0, 7);                          // window ≤ 32K (libpng shrinks it for small images)
        Assert.Equal(0, ((compressed[0] << 8) | compressed[1]) % 31);      // header check bits
        byte[] raw;
        using (var z = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var o = new MemoryStream())
        {
            z.CopyTo(o);
            raw = o.ToArray();
        }
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(compressed.Length - 4)), Adler32(raw));

        int stride = width * channels;
        Assert.Equal((stride + 1) * height, raw.Length);
        var pixels = new byte[stride * height];
        var filters = new List<byte>();
        for (int y = 0; y < height; y++)
        {
            byte f = raw[y * (stride + 1)];
            filters.Add(f);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? pixels[y * stride + i - channels] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
                int pred = f switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => PaethReference(a, b, c),
                    _ => throw new Xunit.Sdk.XunitException($"filter type {f}"),
                };
                pixels[y * stride + i] = (byte)(raw[y * (stride + 1) + 1 + i] + pred);
            }
        }
        return new DecodedPng(width, height, channels, pixels, text, types, filters);
    }

    /// <summary>CRC-32 one bit at a time (PNG specification, annex D, without the table).</summary>
    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return c ^ 0xFFFFFFFF;
    }

    /// <summary>Adler-32 (RFC 1950, section 8.2).</summary>
    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint s1 = 1, s2 = 0;
        foreach (byte b in data)
        {
            s1 = (s1 + b) % 65521;
            s2 = (s2 + s1) % 65521;
        }
        return (s2 << 16) | s1;
    }

    /// <summary>Paeth as the specification's pseudo-code writes it.</summary>
    private static int PaethReference(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        if (pb <= pc) return b;
        return c;
    }
}
