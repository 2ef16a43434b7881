namespace LatentSynth.Evaluation.Imaging;

/// <summary>
/// CRC-32 as PNG chunks use it (ISO 3309 / ITU-T V.42: polynomial 0x04C11DB7, bit-reflected as
/// 0xEDB88320, register preset to all ones and inverted at the end; PNG specification, section 5.5
/// and annex D). Table-driven, one byte at a time.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a CRC: <c>Append(Compute(a), b) == Compute(a + b)</c> (a chunk's CRC covers its
    /// type and its data, which are appended one after the other).
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
