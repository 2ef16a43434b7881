using LatentSynth.Evaluation.Imaging;
using LatentSynth.Evaluation.Report;

namespace LatentSynth.Evaluation.Tests;

public class HeatmapTests
{
    [Fact]
    public void CellsAreScaledColouredByValueAndRowZeroIsAtTheBottom()
    {
        double[][] values = [[0, 1, 2], [3, 4, double.NaN]];
        var png = DecodedPng.Read(Heatmap.Png(values, Colormap.Fire, scale: 2));
        Assert.Equal((6, 4, 3), (png.Width, png.Height, png.Channels));
        (byte, byte, byte) Pixel(int x, int y) { int o = (y * png.Width + x) * 3; return (png.Pixels[o], png.Pixels[o + 1], png.Pixels[o + 2]); }
        // Row 0 (values 0, 1, 2) is drawn in the bottom two pixel rows; value 0 is the ramp's start.
        Assert.Equal(Colormap.Fire.At(0), Pixel(0, 3));
        Assert.Equal(Colormap.Fire.At(0), Pixel(1, 2));
        Assert.Equal(Colormap.Fire.At(2 / 4.0), Pixel(4, 3));
        Assert.Equal(Colormap.Fire.At(1), Pixel(2, 0));              // the maximum, 4, top row
        Assert.Equal(((byte)128, (byte)128, (byte)128), Pixel(5, 0)); // NaN is grey
        // An explicit range clamps.
        var clamped = DecodedPng.Read(Heatmap.Png([[-5.0, 10.0]], Colormap.Ocean, min: 0, max: 1));
        Assert.Equal(Colormap.Ocean.At(0), (clamped.Pixels[0], clamped.Pixels[1], clamped.Pixels[2]));
        Assert.Equal(Colormap.Ocean.At(1), (clamped.Pixels[3], clamped.Pixels[4], clamped.Pixels[5]));
    }

    [Fact]
    public void RampsInterpolateBetweenStopsAndGetBrighter()
    {
        var m = new Colormap("two", (0, 0, 0, 0), (1, 200, 100, 50));
        Assert.Equal(((byte)100, (byte)50, (byte)25), m.At(0.5));
        Assert.Equal("#c86432", m.Hex(1));
        foreach (var c in new[] { Colormap.Fire, Colormap.Ocean })
        {
            double Luma(double t) { var (r, g, b) = c.At(t); return 0.2126 * r + 0.7152 * g + 0.0722 * b; }
            for (double t = 0.05; t <= 1; t += 0.05) Assert.True(Luma(t) > Luma(t - 0.05), $"{c.Name} at {t}");
        }
    }

    [Fact]
    public void BadInputIsRefused()
    {
        Assert.Throws<ArgumentException>(() => Heatmap.Png([]));
        Assert.Throws<ArgumentException>(() => Heatmap.Png([[1.0, 2], [3.0]]));
        Assert.Throws<ArgumentException>(() => Heatmap.Png([[1.0]], scale: 0));
        Assert.Throws<ArgumentException>(() => new Colormap("bad", (0.2, 0, 0, 0), (1, 1, 1, 1)));
    }

    [Fact]
    public void TheReportShowsSoundsFiguresAndPerMapLegends()
    {
        var map = new LatentMap("PCA", [(0, 0), (1, 1)], [0, 1], "PC1", "PC2") { ClassNames = ["flute", "violin"], ColouredBy = "instrument" };
        var report = new BenchmarkReport
        {
            Title = "sounds",
            Variants =
            [
                new VariantReport
                {
                    Name = "vae", LatentMap = map,
                    Audio = new Dictionary<string, byte[]> { ["original"] = [1, 2, 3], ["morph flute → violin"] = [4, 5] },
                    Figures = [new ReportFigure("spectrogram", Png: Heatmap.Png([[0.0, 1]])), new ReportFigure("a chart", Svg: "<svg class=\"x\"></svg>")],
                },
            ],
        };
        var html = HtmlReport.Render(report);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "<audio controls").Count);
        Assert.Contains("src=\"data:audio/wav;base64,AQID\"", html);
        Assert.Contains("<figcaption>morph flute → violin</figcaption>", html);
        Assert.Contains("<svg class=\"x\"></svg><figcaption>a chart</figcaption>", html);
        Assert.Contains("alt=\"spectrogram\"", html);
        Assert.Contains("latent map (PCA, by instrument)", html);
        Assert.Contains(">violin<", html);
    }
}
