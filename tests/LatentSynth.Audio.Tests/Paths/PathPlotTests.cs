using System.Globalization;
using System.Xml.Linq;
using LatentSynth.Audio.Paths;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Paths;

using Torch = LatentSynth.Torch.Torch;

public class PathPlotTests
{
    static readonly XNamespace Ns = "http://www.w3.org/2000/svg";
    static Tensor V(params double[] x) => Tensor.From(x.Select(v => (float)v).ToArray(), x.Length);

    // Codes of three "instruments" lying in the plane mean + span(u, v) of a 3-D latent space.
    static readonly double S = Math.Sqrt(0.5);
    static readonly double[] Mean = [0.5, -0.25, 1], U = [S, S, 0], W = [0, 0, 1];

    static (Tensor Codes, int[] Labels) PlaneCodes()
    {
        var rng = new Random(5);
        int n = 90;
        var f = new float[n * 3];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            double a = 3 * (labels[i] - 1) + rng.NextDouble(), b = 0.8 * (rng.NextDouble() - 0.5) + labels[i] * 0.3;
            for (int j = 0; j < 3; j++) f[i * 3 + j] = (float)(Mean[j] + a * U[j] + b * W[j]);
        }
        return (Tensor.From(f, n, 3), labels);
    }

    static List<(double X, double Y)> Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToList();

    [Fact]
    public void Svg_is_well_formed_with_one_polyline_per_path_legend_entries_and_consistent_projection()
    {
        using var scope = Torch.NewScope();
        var (codes, labels) = PlaneCodes();
        var projection = LatentProjection.FromPca(codes);
        Assert.StartsWith("PC1 (", projection.XLabel);
        // The background's mean, shifted so the path is not centred on the origin.
        var centre = V(Mean[0], Mean[1], Mean[2]);
        var circle = LatentPaths.Circle(centre, V(U), V(W), 1.5, 20);
        var line = LatentPaths.Line(V(Mean.Zip(U, (m, u) => m - 3 * u).ToArray()), V(Mean.Zip(W, (m, w) => m + w).ToArray()), 7);
        string[] names = ["strings & brass", "flute", "<piano>"];
        var result = PathPlot.Render(projection,
            [new PathPlotSeries("circle", circle), new PathPlotSeries("line", line)],
            new PathPlotBackground(codes, labels, names), new ChartOptions { Title = "paths", Width = 640, Height = 480 });

        var doc = XDocument.Parse(result.Svg);
        Assert.Equal(Ns + "svg", doc.Root!.Name);
        var lines = doc.Descendants(Ns + "polyline").Where(e => e.Attribute("class")?.Value == "path-line").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(20, Points(lines[0]).Count);
        Assert.Equal(7, Points(lines[1]).Count);
        var legend = doc.Descendants(Ns + "text").Where(e => e.Attribute("class")?.Value == "legend-label").Select(e => e.Nodes().OfType<XText>().First().Value).ToList();
        Assert.Equal(names, legend);
        var pathLegend = doc.Descendants(Ns + "text").Where(e => e.Attribute("class")?.Value == "legend-path").Select(e => e.Nodes().OfType<XText>().First().Value).ToList();
        Assert.Equal(["circle", "line"], pathLegend);
        Assert.Equal(3, doc.Descendants(Ns + "g").Count(e => e.Attribute("class")?.Value == "label"));
        Assert.Equal(90, doc.Descendants(Ns + "g").Where(e => e.Attribute("class")?.Value == "label").SelectMany(g => g.Elements(Ns + "circle")).Count());
        Assert.Equal(6, doc.Descendants(Ns + "line").Count(e => e.Attribute("class")?.Value == "arrow"));

        // The circle lies in the PCA plane: projecting it keeps its radius about the projected centre,
        // and unprojecting gives the latent points back.
        var proj = projection.Project(circle);
        var c0 = projection.Project(centre.Unsqueeze(0))[0];
        foreach (var p in proj) Assert.Equal(1.5, Math.Sqrt(Math.Pow(p.X - c0.X, 2) + Math.Pow(p.Y - c0.Y, 2)), 4);
        var circleRows = circle.ToArray<float>();
        for (int t = 0; t < 20; t++)
        {
            var back = projection.Unproject(proj[t].X, proj[t].Y).ToArray<float>();
            for (int j = 0; j < 3; j++) Assert.Equal(circleRows[t * 3 + j], back[j], 4);
        }
        // First and last points of each path land where projection and axes say; so do the markers.
        var lp = Points(lines[1]);
        var lineProj = projection.Project(line);
        foreach (var (svgPoint, plane) in new[] { (lp[0], lineProj[0]), (lp[^1], lineProj[^1]) })
        {
            var (px, py) = result.ToPixel(plane.X, plane.Y);
            // The SVG keeps two decimals.
            Assert.True(Math.Abs(px - svgPoint.X) <= 0.006, $"x {svgPoint.X} should be {px}");
            Assert.True(Math.Abs(py - svgPoint.Y) <= 0.006, $"y {svgPoint.Y} should be {py}");
            Assert.InRange(px, result.Left, result.Right);
            Assert.InRange(py, result.Top, result.Bottom);
        }
        var start = doc.Descendants(Ns + "circle").Where(e => e.Attribute("class")?.Value == "start").ToList()[1];
        Assert.Equal(lp[0].X, double.Parse(start.Attribute("cx")!.Value, CultureInfo.InvariantCulture), 2);
        Assert.Equal(lp[0].Y, double.Parse(start.Attribute("cy")!.Value, CultureInfo.InvariantCulture), 2);
    }

    [Fact]
    public void Dimension_projection_writes_svg_and_png_files()
    {
        using var scope = Torch.NewScope();
        var dir = Directory.CreateTempSubdirectory("latentsynth-paths-");
        try
        {
            var projection = LatentProjection.FromDims(4, 1, 3);
            Assert.Equal("z[1]", projection.XLabel);
            var walk = LatentPaths.RandomWalk(V(0, 0, 0, 0), 50, 0.2, 0.8, 3);
            var p = projection.Project(walk);
            var rows = walk.ToArray<float>();
            Assert.Equal(rows[1 * 4 + 1], p[1].X, 6);
            Assert.Equal(rows[1 * 4 + 3], p[1].Y, 6);

            var svgFile = Path.Combine(dir.FullName, "walk.svg");
            var result = PathPlot.WriteSvg(svgFile, projection, [new PathPlotSeries("walk", walk)]);
            Assert.Equal(result.Svg, File.ReadAllText(svgFile));
            XDocument.Parse(result.Svg);

            var pngFile = Path.Combine(dir.FullName, "walk.png");
            PathPlot.WritePng(pngFile, projection, [new PathPlotSeries("walk", walk)]);
            var bytes = File.ReadAllBytes(pngFile);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(LatentSynth.Evaluation.Imaging.Png.Signature));
            var img = PathPlot.Raster(projection, [new PathPlotSeries("walk", walk)]);
            var (ex, ey) = result.ToPixel(p[^1].X, p[^1].Y);
            // The end marker is a disc of radius 4.5 in the first path colour (#111111): the pixels
            // within 3 of its centre are all (nearly) that colour.
            Assert.Equal(Pixels(img, ex, ey, 0, 3).Count, Pixels(img, ex, ey, 0, 3).Count(q => Near(q, "#111111", 12)));
        }
        finally { dir.Delete(true); }
    }

    // The pixels of img whose centres lie between rMin and rMax of the point (x, y) (picture coordinates,
    // pixel i covering [i, i + 1)), as RGB.
    static List<(byte R, byte G, byte B)> Pixels(LatentSynth.Evaluation.Imaging.RasterImage img, double x, double y, double rMin, double rMax)
    {
        var found = new List<(byte, byte, byte)>();
        for (int py = (int)Math.Floor(y - rMax - 1); py <= y + rMax + 1; py++)
            for (int px = (int)Math.Floor(x - rMax - 1); px <= x + rMax + 1; px++)
            {
                double d = Math.Sqrt(Math.Pow(px + 0.5 - x, 2) + Math.Pow(py + 0.5 - y, 2));
                if (d >= rMin && d <= rMax && px >= 0 && py >= 0 && px < img.Width && py < img.Height)
                    found.Add((img[px, py, 0], img[px, py, 1], img[px, py, 2]));
            }
        return found;
    }

    // Whether a pixel is within tolerance of a "#rrggbb" colour in every channel.
    static bool Near((byte R, byte G, byte B) p, string hex, int tolerance)
    {
        int r = Convert.ToInt32(hex[1..3], 16), g = Convert.ToInt32(hex[3..5], 16), b = Convert.ToInt32(hex[5..7], 16);
        return Math.Abs(p.R - r) <= tolerance && Math.Abs(p.G - g) <= tolerance && Math.Abs(p.B - b) <= tolerance;
    }

    [Fact]
    public void Raster_shows_codes_paths_markers_frame_and_legend_anti_aliased()
    {
        using var scope = Torch.NewScope();
        var projection = LatentProjection.FromDims(2, 0, 1);
        using var codes = Tensor.From(new float[] { 0, 2, 4, 2, 2, -2 }, 3, 2);
        using var path = Tensor.From(new float[] { 0, 0, 2, 1, 4, 0 }, 3, 2);
        using var second = Tensor.From(new float[] { 0, -1, 4, -1.5f }, 2, 2);
        var series = new[] { new PathPlotSeries("rise and fall", path), new PathPlotSeries("flat", second) };
        var background = new PathPlotBackground(codes, [0, 1, 1], ["low", "high"]);
        var result = PathPlot.Render(projection, series, background);
        var img = PathPlot.Raster(projection, series, background);
        Assert.Equal((620, 480, 3), (img.Width, img.Height, img.Channels));
        string first = PathPlot.PathColors[0], other = PathPlot.PathColors[1];

        // Background codes: discs of radius 2.4 in their label's colour.
        foreach (var (x, y, label) in new[] { (0.0, 2.0, 0), (4.0, 2.0, 1), (2.0, -2.0, 1) })
        {
            var (px, py) = result.ToPixel(x, y);
            Assert.All(Pixels(img, px, py, 0, 1.2), q => Assert.True(Near(q, Palette.Color(label), 10), $"code ({x}, {y}): {q}"));
        }
        // The path's segments: pixels of the path colour at the middle of each; anti-aliased edges
        // (pixels between the colour and white) along the slanted line.
        foreach (var (x, y) in new[] { (1.0, 0.5), (3.0, 0.5) })
        {
            var (px, py) = result.ToPixel(x, y);
            var around = Pixels(img, px, py, 0, 2);
            Assert.True(around.Count(q => Near(q, first, 40)) >= 3, $"path at ({x}, {y})");
            Assert.Contains(around, q => q.R is > 60 and < 200);
        }
        var (mx, my) = result.ToPixel(2, -1.25);
        Assert.True(Pixels(img, mx, my, 0, 2).Count(q => Near(q, other, 40)) >= 3, "second path");
        // Start marker: a hollow circle (white inside, a ring of the path colour at radius 3.5 to 5.5)
        // over the start of the line; end marker: a filled disc of radius 4.5.
        var (sx, sy) = result.ToPixel(0, 0);
        Assert.All(Pixels(img, sx, sy, 0, 2.5), q => Assert.True(Near(q, "#ffffff", 8), $"inside the start circle: {q}"));
        var ring = Pixels(img, sx, sy, 4, 5);
        Assert.True(ring.Count(q => Near(q, first, 40)) >= ring.Count * 3 / 4, "start ring");
        Assert.True(Near((img[(int)sx - 8, (int)sy, 0], img[(int)sx - 8, (int)sy, 1], img[(int)sx - 8, (int)sy, 2]), "#ffffff", 8), "left of the start circle (away from the line) is white");
        var (ex, ey) = result.ToPixel(4, 0);
        Assert.All(Pixels(img, ex, ey, 0, 3.5), q => Assert.True(Near(q, first, 12), $"end disc: {q}"));
        // The frame: crisp 1-pixel lines in #333333 on the plot area's edges.
        int left = (int)result.Left, top = (int)result.Top, right = (int)result.Right, bottom = (int)result.Bottom;
        int midY = (top + bottom) / 2, midX = (left + right) / 2;
        foreach (var (x, y) in new[] { (left, midY), (right, midY), (midX, top), (midX, bottom) })
            Assert.Equal((0x33, 0x33, 0x33), ((int)img[x, y, 0], (int)img[x, y, 1], (int)img[x, y, 2]));
        Assert.Equal(255, img[left + 1, midY, 0]);
        // The legend: a dot per label and a line per path at the right of the frame, one 14-pixel
        // row each (6 more pixels between labels and paths), the name in dark text right of it.
        var rows = new[] { (top + 6, Palette.Color(0)), (top + 20, Palette.Color(1)), (top + 40, first), (top + 54, other) };
        foreach (var (y, color) in rows)
        {
            Assert.True(Near((img[right + 20, y, 0], img[right + 20, y, 1], img[right + 20, y, 2]), color, 10), $"legend swatch at row {y}");
            int dark = 0;
            for (int yy = y - 5; yy <= y + 5; yy++)
                for (int xx = right + 30; xx < right + 60; xx++)
                    if (img[xx, yy, 0] < 100 && img[xx, yy, 1] < 100 && img[xx, yy, 2] < 100) dark++;
            Assert.True(dark >= 10, $"legend text at row {y}: {dark} dark pixels");
        }
        Assert.Equal(255, img[right + 20, top + 68, 0]); // no row past the last path
    }

    [Fact]
    public void Bad_plot_arguments_are_refused_by_name()
    {
        using var scope = Torch.NewScope();
        var projection = LatentProjection.FromDims(3, 0, 1);
        var path = Tensor.From(new float[] { 0, 0, 0, 1, 1, 1 }, 2, 3);
        Assert.Equal("paths", Assert.Throws<ArgumentException>(() => PathPlot.ToSvg(projection, [])).ParamName);
        Assert.Equal("paths", Assert.Throws<ArgumentException>(() => PathPlot.ToSvg(projection, [new PathPlotSeries("p", Tensor.From(new float[] { 0, 0 }, 1, 2))])).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => PathPlot.ToSvg(projection, [new PathPlotSeries("p", path)], new PathPlotBackground(path, [0])));
        Assert.Equal("background", ex.ParamName);
        Assert.Equal("dimB", Assert.Throws<ArgumentException>(() => LatentProjection.FromDims(3, 1, 1)).ParamName);
        Assert.Equal("dimA", Assert.Throws<ArgumentException>(() => LatentProjection.FromDims(3, 3, 1)).ParamName);
        Assert.Equal("latentDim", Assert.Throws<ArgumentException>(() => LatentProjection.FromDims(1, 0, 0)).ParamName);
        Assert.Equal("codes", Assert.Throws<ArgumentException>(() => LatentProjection.FromPca(Tensor.From(new float[] { 0, 0, 0 }, 1, 3))).ParamName);
        Assert.Equal("file", Assert.Throws<ArgumentException>(() => PathPlot.WriteSvg(" ", projection, [new PathPlotSeries("p", path)])).ParamName);
    }

    [Fact]
    public void Different_plots_get_different_arrow_marker_ids_so_a_page_can_inline_several()
    {
        var projection = LatentProjection.FromDims(2, 0, 1);
        using var a = Tensor.From(new float[] { 0, 0, 1, 1, 2, 0 }, 3, 2);
        using var b = Tensor.From(new float[] { 0, 0, -1, 1, -2, 0 }, 3, 2);
        string Id(string svg) => XElement.Parse(svg).Descendants(Ns + "marker").Single().Attribute("id")!.Value;
        var one = PathPlot.ToSvg(projection, [new PathPlotSeries("a", a)]);
        var two = PathPlot.ToSvg(projection, [new PathPlotSeries("b", b)]);
        Assert.NotEqual(Id(one), Id(two));
        Assert.Equal(Id(one), Id(PathPlot.ToSvg(projection, [new PathPlotSeries("a", a)]))); // deterministic
        var arrows = XElement.Parse(one).Descendants(Ns + "line").Where(l => l.Attribute("class")?.Value == "arrow").ToList();
        Assert.NotEmpty(arrows);
        Assert.All(arrows, l => Assert.Equal($"url(#{Id(one)})", l.Attribute("marker-end")!.Value));
    }
}
