using LatentSynth.Evaluation.Imaging;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests;

using Torch = LatentSynth.Torch.Torch;

public class GridTests
{
    [Fact]
    public void AutoScaleMakesTheLongerSideAtLeast64Pixels()
    {
        Assert.Equal(3, ImageGrid.AutoScale(28, 28));
        Assert.Equal(64, ImageGrid.AutoScale(1, 1));
        Assert.Equal(2, ImageGrid.AutoScale(32, 10));
        Assert.Equal(1, ImageGrid.AutoScale(64, 64));
        Assert.Equal(1, ImageGrid.AutoScale(100, 3));
    }

    [Fact]
    public void LayoutSizesWithoutLabels()
    {
        // 10 digits of 28×28: ceil(sqrt(10)) = 4 columns, 3 rows, scale 3 (84 px), padding 2.
        var l = ImageGrid.Layout(10, 28, 28);
        Assert.Equal((3, 4, 84, 84, 3), (l.Rows, l.Columns, l.CellWidth, l.CellHeight, l.Scale));
        Assert.Equal(2 + 4 * (84 + 2), l.Width);
        Assert.Equal(2 + 3 * (84 + 2), l.Height);
        Assert.Equal((2, 2), l.Cell(0));
        Assert.Equal((2 + 86, 2 + 2 * 86), l.Cell(9));

        var wide = ImageGrid.Layout(3, 5, 7, new GridOptions { Columns = 8, Scale = 1, Padding = 0 });
        Assert.Equal((1, 3, 21, 5), (wide.Rows, wide.Columns, wide.Width, wide.Height)); // columns capped at N
    }

    [Fact]
    public void LayoutSizesWithLabelsAndTitle()
    {
        var o = new GridOptions
        {
            Columns = 3, Scale = 2, Padding = 4, FontSize = 16,
            RowLabels = ["a", "long label"], ColumnLabels = ["x", "y", "z"], Title = "T",
        };
        var l = ImageGrid.Layout(5, 10, 6, o);
        int labelWidth = LabelText.MeasureWidth("long label", 16);
        int textRow = LabelText.LineHeight(16) + 4;              // line height + padding
        Assert.Equal(labelWidth + 4, l.Left);
        Assert.Equal(2 * textRow, l.Top);
        Assert.Equal(l.Left + 4 + 3 * (12 + 4), l.Width);
        Assert.Equal(l.Top + 4 + 2 * (20 + 4), l.Height);
        Assert.Equal((l.Left + 4 + 2 * 16, l.Top + 4 + 24), l.Cell(1, 2));

        // A title wider than the grid widens the picture.
        var titled = ImageGrid.Layout(1, 2, 2, new GridOptions { Scale = 1, Padding = 1, FontSize = 8, Title = "a long title" });
        Assert.Equal(LabelText.MeasureWidth("a long title", 8) + 2, titled.Width);
    }

    [Fact]
    public void LayoutRefusesBadOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Layout(0, 2, 2));
        Assert.Contains("3 row labels for 2 rows", Assert.Throws<ArgumentException>(() =>
            ImageGrid.Layout(4, 2, 2, new GridOptions { Columns = 2, RowLabels = ["a", "b", "c"] })).Message);
        Assert.Contains("column labels", Assert.Throws<ArgumentException>(() =>
            ImageGrid.Layout(2, 2, 2, new GridOptions { ColumnLabels = ["a", "b", "c"] })).Message);
        Assert.Throws<ArgumentException>(() => ImageGrid.Layout(2, 2, 2, new GridOptions { Scale = 0 }));
        Assert.Throws<ArgumentException>(() => ImageGrid.Layout(2, 2, 2, new GridOptions { Padding = -1 }));
        Assert.Contains("font size", Assert.Throws<ArgumentException>(() => ImageGrid.Layout(2, 2, 2, new GridOptions { FontSize = 0 })).Message);
        Assert.Contains("fewer pictures", Assert.Throws<ArgumentException>(() => ImageGrid.Layout(100_000, 28, 28, new GridOptions { Scale = 8 })).Message);
    }

    [Fact]
    public void GreyPicturesLandInTheirCellsEnlargedWithBackgroundBetween()
    {
        using var scope = Torch.NewScope();
        // Picture i is 2×3 with value (i + 1)/10 everywhere except pixel (row 1, col 2) = 1.
        var data = new float[4 * 2 * 3];
        for (int i = 0; i < 4; i++)
            for (int p = 0; p < 6; p++) data[i * 6 + p] = p == 5 ? 1f : (i + 1) / 10f;
        var options = new GridOptions { Columns = 2, Scale = 3, Padding = 1, Background = 200 };
        var image = ImageGrid.Render(Tensor.From(data, 4, 1, 2, 3), options);
        var layout = ImageGrid.Layout(4, 2, 3, options);
        Assert.Equal((layout.Width, layout.Height, 1), (image.Width, image.Height, image.Channels));
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = layout.Cell(i);
            byte v = RasterImage.ToByte((i + 1) / 10f);
            Assert.Equal(v, image[x, y]);
            Assert.Equal(v, image[x + 5, y + 2]);        // last column of pixel (0, 1), last row of its block
            Assert.Equal(255, image[x + 6, y + 3]);      // pixel (1, 2) enlarged to 3×3
            Assert.Equal(255, image[x + 8, y + 5]);
            Assert.Equal(200, image[x - 1, y]);          // padding
            Assert.Equal(200, image[x + 9, y + 6]);
        }
        // Every pixel is either background or a picture value.
        var allowed = new HashSet<byte> { 200, 255 };
        for (int i = 0; i < 4; i++) allowed.Add(RasterImage.ToByte((i + 1) / 10f));
        Assert.All(image.Pixels, p => Assert.Contains(p, allowed));
    }

    [Fact]
    public void RgbPicturesKeepTheirColours()
    {
        using var scope = Torch.NewScope();
        // One 1×2 picture: pixel 0 red, pixel 1 (0, 0.5, 1).
        var planes = new float[] { 1, 0, /* G */ 0, 0.5f, /* B */ 0, 1 };
        var image = ImageGrid.Render(Tensor.From(planes, 1, 3, 1, 2), new GridOptions { Scale = 1, Padding = 0 });
        Assert.Equal((2, 1, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 128, 255 }, image.Pixels);
        var decoded = DecodedPng.Read(image.ToPng());
        Assert.Equal(image.Pixels, decoded.Pixels);
        Assert.Equal(3, decoded.Channels);
    }

    [Fact]
    public void ValuesAreClampedAndNaNIsBlack()
    {
        Assert.Equal(0, RasterImage.ToByte(-0.5f));
        Assert.Equal(255, RasterImage.ToByte(7f));
        Assert.Equal(0, RasterImage.ToByte(float.NaN));
        Assert.Equal(128, RasterImage.ToByte(0.5f));
        Assert.Equal(255, RasterImage.ToByte(float.PositiveInfinity));
    }

    [Fact]
    public void RenderAcceptsNhwAndRefusesOtherChannelCounts()
    {
        using var scope = Torch.NewScope();
        var image = ImageGrid.Render(Torch.Zeros(2, 4, 4), new GridOptions { Scale = 1, Padding = 0 });
        Assert.Equal((8, 4, 1), (image.Width, image.Height, image.Channels));
        Assert.Contains("1 (grey) or 3 (RGB) channels, got 2", Assert.Throws<ArgumentException>(() => ImageGrid.Render(Torch.Zeros(1, 2, 4, 4))).Message);
        Assert.Contains("[N, C, H, W]", Assert.Throws<ArgumentException>(() => ImageGrid.Render(Torch.Zeros(4, 4))).Message);
    }

    [Fact]
    public void LabelsAreDrawnInTheirMargins()
    {
        using var scope = Torch.NewScope();
        var o = new GridOptions { Columns = 2, Scale = 4, Padding = 2, FontSize = 10, RowLabels = ["r0", "r1"], ColumnLabels = ["c0", "c1"] };
        var image = ImageGrid.Render(Torch.Ones(4, 1, 8, 8), o);   // white pictures on white: only text is dark
        var layout = ImageGrid.Layout(4, 8, 8, o);
        int DarkIn(int x0, int y0, int x1, int y1)
        {
            int n = 0;
            for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) if (image[x, y] < 128) n++;   // anti-aliased: dark, not only black
            return n;
        }
        Assert.True(DarkIn(0, layout.Top, layout.Left, image.Height) > 0, "row labels");
        Assert.True(DarkIn(layout.Left, 0, image.Width, layout.Top) > 0, "column labels");
        Assert.Equal(0, DarkIn(layout.Left, layout.Top, image.Width, image.Height));
        Assert.Equal(DarkIn(0, 0, image.Width, image.Height), DarkIn(0, layout.Top, layout.Left, image.Height) + DarkIn(layout.Left, 0, image.Width, layout.Top));
    }

    [Fact]
    public void LabelsAreAntiAliasedDejaVuSansInAnyCase()
    {
        if (File.Exists(LabelText.FontFile)) Assert.True(LabelText.IsDejaVu, LabelText.Typeface.FamilyName);
        RasterImage Draw(string text)
        {
            var image = new RasterImage(80, 30, 1, 255);
            image.DrawText(text, 5, 5, 0, 16);
            return image;
        }
        var upper = Draw("Rgb");
        // Ink only inside the measured box: from x = 5, width MeasureWidth, one line tall.
        int w = LabelText.MeasureWidth("Rgb", 16), h = LabelText.LineHeight(16);
        for (int y = 0; y < upper.Height; y++)
            for (int x = 0; x < upper.Width; x++)
                if (x < 5 || x >= 5 + w || y < 5 || y >= 5 + h) Assert.Equal(255, upper[x, y]);
        Assert.Contains(upper.Pixels, p => p < 64);                  // solid strokes
        Assert.Contains(upper.Pixels, p => p is > 64 and < 192);     // and soft edges
        // Small letters are their own glyphs, and characters beyond ASCII are drawn.
        Assert.NotEqual(Draw("RGB").Pixels, upper.Pixels);
        Assert.NotEqual(LabelText.MeasureWidth("rgb", 16), LabelText.MeasureWidth("RGB", 16));
        Assert.Contains(Draw("0→1 é").Pixels, p => p < 64);
        Assert.Equal(0, LabelText.MeasureWidth(""));
        Assert.True(LabelText.LineHeight(20) > LabelText.LineHeight(10));
    }

    [Fact]
    public void LabelsOnRgbPicturesAreGreyAndClippedAtTheBorders()
    {
        var image = new RasterImage(20, 10, 3, 255);
        image.DrawText("Wide label past the border", -3, -4, 40, 14);
        Assert.Contains(image.Pixels, p => p < 128);
        for (int i = 0; i < image.Pixels.Length; i += 3)
            Assert.True(image.Pixels[i] == image.Pixels[i + 1] && image.Pixels[i] == image.Pixels[i + 2]);
        Assert.All(image.Pixels, p => Assert.True(p >= 40));        // never darker than the text's grey
        Assert.Throws<ArgumentOutOfRangeException>(() => image.DrawText("x", 0, 0, 0, 0));
    }
}
