using System.Text;
using LatentSynth.Evaluation.Imaging;

namespace LatentSynth.Evaluation.Tests;

public class PngTests
{
    [Fact]
    public void FileStartsWithSignatureAndEndsWithIend()
    {
        var png = Png.Encode(new byte[] { 7 }, 1, 1, PngColorType.Grayscale);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(Convert.FromHexString("0000000D49484452"), png[8..16]);           // IHDR, 13 bytes
        Assert.Equal(Convert.FromHexString("0000000049454E44AE426082"), png[^12..]);   // IEND + its CRC
    }

    [Fact]
    public void WriteChunkLaysOutLengthTypeDataCrc()
    {
        using var ms = new MemoryStream();
        Png.WriteChunk(ms, "tEXt", "a\0b"u8);
        var bytes = ms.ToArray();
        Assert.Equal(Convert.FromHexString("0000000374455874" + "610062"), bytes[..11]);
        Assert.Equal(Convert.FromHexString(DecodedPng.BitwiseCrc("tEXta\0b"u8).ToString("X8")), bytes[11..]);
        Assert.Throws<ArgumentException>(() => Png.WriteChunk(ms, "TOOLONG", []));
    }

    public static TheoryData<int, int, PngColorType, PngFilterStrategy> Sizes()
    {
        var data = new TheoryData<int, int, PngColorType, PngFilterStrategy>();
        foreach (var color in new[] { PngColorType.Grayscale, PngColorType.Rgb })
            foreach (var filter in new[] { PngFilterStrategy.None, PngFilterStrategy.Adaptive })
                foreach (var (w, h) in new[] { (1, 1), (1, 7), (7, 1), (3, 5), (17, 9), (31, 2), (64, 33) })
                    data.Add(w, h, color, filter);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void PixelsDecodeBackExactly(int width, int height, PngColorType color, PngFilterStrategy filter)
    {
        int channels = color == PngColorType.Rgb ? 3 : 1;
        var pixels = new byte[width * height * channels];
        var rng = new Random(width * 1000 + height);
        // Half the rows smooth (gradients favour Sub/Up/Average/Paeth), half noise (favours None).
        for (int y = 0; y < height; y++)
            for (int i = 0; i < width * channels; i++)
                pixels[y * width * channels + i] = y % 2 == 0 ? (byte)(3 * i + 5 * y + i % channels * 40) : (byte)rng.Next(256);
        var png = Png.Encode(pixels, width, height, color, filter: filter);
        var decoded = DecodedPng.Read(png);
        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(channels, decoded.Channels);
        Assert.Equal(pixels, decoded.Pixels);
        if (filter == PngFilterStrategy.None) Assert.All(decoded.FilterTypes, f => Assert.Equal(0, f));
    }

    [Fact]
    public void AdaptiveFilteringUsesSeveralFilterTypesAndShrinksSmoothImages()
    {
        const int w = 96, h = 64;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    pixels[(y * w + x) * 3 + c] = (byte)(x * (c + 1) + y * (3 - c) + (x * y) / 17);
        var adaptive = Png.Encode(pixels, w, h, PngColorType.Rgb, filter: PngFilterStrategy.Adaptive);
        var plain = Png.Encode(pixels, w, h, PngColorType.Rgb, filter: PngFilterStrategy.None);
        var decoded = DecodedPng.Read(adaptive);
        Assert.Equal(pixels, decoded.Pixels);
        Assert.True(decoded.FilterTypes.Distinct().Count() >= 2, "filters used: " + string.Join(",", decoded.FilterTypes.Distinct()));
        Assert.True(adaptive.Length < plain.Length, $"adaptive {adaptive.Length} bytes vs unfiltered {plain.Length}");
    }

    [Fact]
    public void TextChunksRoundTripBeforeTheImageData()
    {
        var text = new Dictionary<string, string> { ["Software"] = "LatentSynth", ["Description"] = "64 samples, seed 0, café" };
        var png = Png.Encode(new byte[6], 2, 1, PngColorType.Rgb, text);
        var decoded = DecodedPng.Read(png);
        Assert.Equal(text, decoded.Text);
        // Right after IHDR, before the image data (Skia adds an sBIT chunk of its own before IDAT).
        Assert.Equal(["IHDR", "tEXt", "tEXt"], decoded.ChunkTypes[..3]);
        Assert.True(decoded.ChunkTypes.IndexOf("IDAT") > 2, string.Join(",", decoded.ChunkTypes));
        Assert.Equal(["IDAT", "IEND"], decoded.ChunkTypes[^2..]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" leading")]
    [InlineData("double  space")]
    [InlineData("ünïcode→")]
    public void BadTextKeywordsAreRefused(string keyword)
    {
        var e = Assert.Throws<ArgumentException>(() => Png.Encode(new byte[1], 1, 1, PngColorType.Grayscale, [new(keyword, "x")]));
        Assert.Contains("keyword", e.Message);
    }

    [Fact]
    public void WrongSizesAreRefusedWithTheCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => Png.Encode(new byte[10], 2, 2, PngColorType.Rgb));
        Assert.Contains("12 bytes, got 10", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Png.Encode([], 0, 1, PngColorType.Grayscale));
        Assert.Throws<ArgumentOutOfRangeException>(() => Png.Encode([], 1, 0, PngColorType.Grayscale));
        Assert.Throws<ArgumentException>(() => Png.Encode(new byte[1], 1, 1, PngColorType.Grayscale, [new("Comment", "\u2192")]));
    }

    [Fact]
    public void WriteCreatesTheFolderAndLeavesNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("lst-png-").FullName;
        try
        {
            var path = Path.Combine(dir, "sub", "a.png");
            Png.Write(path, new byte[] { 1, 2, 3, 4 }, 2, 2, PngColorType.Grayscale);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, DecodedPng.Read(File.ReadAllBytes(path)).Pixels);
            Assert.Equal(["a.png"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Latin1TextIsStoredByteForByte()
    {
        var png = Png.Encode(new byte[1], 1, 1, PngColorType.Grayscale, [new("Title", "é")]);
        var needle = Encoding.Latin1.GetBytes("Title\0é");
        Assert.True(png.AsSpan().IndexOf(needle) > 0);
    }
}
