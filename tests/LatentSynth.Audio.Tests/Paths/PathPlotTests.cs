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
            // The end marker is painted in the first path colour (#111111).
            Assert.Equal(0x11, img[(int)Math.Round(ex), (int)Math.Round(ey), 0]);
        }
        finally { dir.Delete(true); }
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
