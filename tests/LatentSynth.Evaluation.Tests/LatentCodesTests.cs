using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LatentSynth.Evaluation.Tests;

/// <summary>An NPY file read back by the tests: header fields and raw little-endian data.</summary>
public sealed record NpyFile(string Descr, bool FortranOrder, long[] Shape, string Header, int DataOffset, byte[] Data)
{
    public static NpyFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        var m = Regex.Match(header, @"^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([0-9, ]*)\), \} *\n$");
        Assert.True(m.Success, "header: " + header);
        var shape = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        return new NpyFile(m.Groups[1].Value, m.Groups[2].Value == "True", shape, header, 10 + headerLength, bytes[(10 + headerLength)..]);
    }

    public float[] Floats() => Enumerable.Range(0, Data.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i))).ToArray();
    public long[] Longs() => Enumerable.Range(0, Data.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(8 * i))).ToArray();
}

public class LatentCodesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-codes-").FullName;
    public void Dispose() => Directory.Delete(dir, true);

    private static LatentCodes Example() => new(
        [0.1f, -2.5f, 3.25e-7f, float.MaxValue, -0f, 1f / 3f], 3, 2, [4, 0, 9]);

    [Fact]
    public void NpyRoundTripsCodesAndLabels()
    {
        var path = Path.Combine(dir, "codes.npy");
        var files = Example().Write(path);
        Assert.Equal([path, Path.Combine(dir, "codes.labels.npy")], files);

        var codes = NpyFile.Read(path);
        Assert.Equal("<f4", codes.Descr);
        Assert.False(codes.FortranOrder);
        Assert.Equal([3L, 2L], codes.Shape);
        Assert.Equal(0, codes.DataOffset % 64);            // data aligned as NumPy writes it
        Assert.Equal(Example().Means, codes.Floats());

        var labels = NpyFile.Read(files[1]);
        Assert.Equal("<i8", labels.Descr);
        Assert.Equal([3L], labels.Shape);
        Assert.Contains("'shape': (3,)", labels.Header);   // a 1-tuple keeps its comma
        Assert.Equal([4L, 0L, 9L], labels.Longs());
    }

    [Fact]
    public void NpyHeadersAreAlignedForAnyShape()
    {
        foreach (var shape in new long[][] { [], [0], [7], [1, 2, 3, 4, 5, 6, 7, 8], [123456789, 2] })
        {
            var header = Npy.Header("<f4", shape);
            Assert.Equal(0, header.Length % 64);
            Assert.Equal((byte)'\n', header[^1]);
            Assert.Equal(header.Length - 10, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        }
        Assert.Contains("'shape': ()", Encoding.ASCII.GetString(Npy.Header("<f4", [])));
        Assert.Throws<ArgumentException>(() => Npy.Write(Path.Combine(dir, "x.npy"), new float[5], 2, 2));
    }

    [Fact]
    public void CsvHasAHeaderAndReadsBackTheSameFloats()
    {
        var path = Path.Combine(dir, "codes.csv");
        Assert.Equal([path], Example().Write(path));
        var lines = File.ReadAllLines(path);
        Assert.Equal("z0,z1,label", lines[0]);
        Assert.Equal(4, lines.Length);
        var back = lines[1..].SelectMany(l => l.Split(',')[..2]).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Example().Means, back);
        Assert.Equal(["4", "0", "9"], lines[1..].Select(l => l.Split(',')[2]));
        Assert.StartsWith("0.1,-2.5,", lines[1]);
    }

    [Fact]
    public void UnlabelledCodesHaveNoLabelColumnOrFile()
    {
        var codes = new LatentCodes([1, 2, 3], 1, 3, null);
        var csv = Path.Combine(dir, "u.csv");
        codes.Write(csv);
        Assert.Equal(["z0,z1,z2", "1,2,3"], File.ReadAllLines(csv));
        var npy = Path.Combine(dir, "u.npy");
        Assert.Equal([npy], codes.Write(npy));
        Assert.False(File.Exists(Path.Combine(dir, "u.labels.npy")));
    }

    [Fact]
    public void OtherExtensionsAndMismatchedSizesAreRefused()
    {
        Assert.Contains(".csv or .npy", Assert.Throws<ArgumentException>(() => Example().Write(Path.Combine(dir, "codes.txt"))).Message);
        Assert.Throws<ArgumentException>(() => new LatentCodes(new float[5], 3, 2, null));
        Assert.Throws<ArgumentException>(() => new LatentCodes(new float[6], 3, 2, [1]));
    }
}
