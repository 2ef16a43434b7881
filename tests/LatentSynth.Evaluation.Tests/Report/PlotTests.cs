using System.Xml.Linq;
using LatentSynth.Evaluation.Plots;

namespace LatentSynth.Evaluation.Tests.Report;

public class PlotTests
{
    static readonly XNamespace S = "http://www.w3.org/2000/svg";

    static XDocument Parse(string svg) => XDocument.Parse(svg); // throws on malformed XML

    static List<string> Texts(XDocument doc, string cls) =>
        doc.Descendants(S + "text").Where(t => (string?)t.Attribute("class") == cls).Select(t => t.Nodes().OfType<XText>().First().Value).ToList();

    [Fact]
    public void LineChartIsWellFormedWithTicksLegendAndEscapedLabels()
    {
        var series = new[]
        {
            new LineSeries("recon <bce> & more", [(1, 200.0), (2, 150), (3, 120), (4, 110)]),
            new LineSeries("kl", [(1, 10.0), (2, 14), (3, 16), (4, double.NaN)]),
        };
        string svg = Charts.Line(series, new ChartOptions { Title = "A&B <curves>", XLabel = "epoch", YLabel = "loss (nats/image)" });
        Assert.Contains("A&amp;B &lt;curves&gt;", svg);
        Assert.Contains("recon &lt;bce&gt; &amp; more", svg);
        var doc = Parse(svg);
        Assert.Equal("svg", doc.Root!.Name.LocalName);
        Assert.Equal(["recon <bce> & more", "kl"], Texts(doc, "legend-entry"));
        Assert.Equal("loss (nats/image)", Texts(doc, "y-label").Single());
        Assert.Equal("epoch", Texts(doc, "x-label").Single());
        // Nice ticks covering the data: y from 0 to 200 in steps of 50, x 1..4.
        var yTicks = doc.Descendants(S + "g").Single(g => (string?)g.Attribute("class") == "y-ticks").Elements(S + "text").Select(t => t.Value).ToList();
        Assert.Equal(["0", "50", "100", "150", "200"], yTicks);
        var xTicks = doc.Descendants(S + "g").Single(g => (string?)g.Attribute("class") == "x-ticks").Elements(S + "text").Select(t => t.Value).ToList();
        Assert.Equal(["1", "1.5", "2", "2.5", "3", "3.5", "4"], xTicks);
        // Two series: one polyline each (the NaN ends the second one, it is not drawn as 0).
        var lines = doc.Descendants(S + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(3, lines[1].Attribute("points")!.Value.Split(' ').Length);
        Assert.NotEqual(lines[0].Attribute("stroke")!.Value, lines[1].Attribute("stroke")!.Value);
    }

    [Fact]
    public void LogAxisUsesPowersOfTenAndDropsNonPositiveValues()
    {
        var s = new LineSeries("loss", [(0, 0.01), (1, 1.0), (2, 50), (3, 0)]);
        var doc = Parse(Charts.Line([s], new ChartOptions { LogY = true, YLabel = "loss" }));
        var yTicks = doc.Descendants(S + "g").Single(g => (string?)g.Attribute("class") == "y-ticks").Elements(S + "text").Select(t => t.Value).ToList();
        Assert.Equal(["0.01", "0.1", "1", "10", "100"], yTicks);
        Assert.Equal(3, doc.Descendants(S + "polyline").Single().Attribute("points")!.Value.Split(' ').Length);
    }

    [Fact]
    public void NiceTicks()
    {
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1.0], Ticks.Linear(0, 1, 5).Select(t => Math.Round(t, 12)));
        Assert.Equal([-10, -5, 0, 5, 10], Ticks.Linear(-9.3, 7.1, 4));
        var flat = Ticks.Linear(3, 3);   // a constant series still gets a span around its value
        Assert.True(flat[0] < 3 && flat[^1] > 3);
        Assert.Equal([1e-3, 1e-2, 1e-1], Ticks.Log(0.002, 0.05));
        Assert.Equal("0.3", Svg.TickLabel(0.1 + 0.2));
        Assert.Equal("1e-5", Svg.TickLabel(1e-5));
        Assert.Equal("2.5e6", Svg.TickLabel(2.5e6));
    }

    [Fact]
    public void ScatterHasOneGroupPerClassWithLegendNames()
    {
        var pts = new List<(double, double)> { (0, 0), (1, 1), (2, 0.5), (-1, 3), (0.5, 0.5) };
        int[] labels = [0, 1, 2, 1, 0];
        string svg = Charts.Scatter(pts, labels, ["T-shirt/top", "Trouser", "A<B&C"],
            new ChartOptions { XLabel = "PC1 (50.0 % of variance)", YLabel = "PC2 (20.0 % of variance)" });
        Assert.Contains("A&lt;B&amp;C", svg);
        var doc = Parse(svg);
        var groups = doc.Descendants(S + "g").Where(g => (string?)g.Attribute("class") == "class").ToList();
        Assert.Equal([2, 2, 1], groups.Select(g => g.Elements(S + "circle").Count()));
        Assert.Equal(3, groups.Select(g => g.Attribute("fill")!.Value).Distinct().Count());
        Assert.Equal(["T-shirt/top", "Trouser", "A<B&C"], Texts(doc, "legend-entry"));
        Assert.Equal("PC1 (50.0 % of variance)", Texts(doc, "x-label").Single());
    }

    [Fact]
    public void ScatterRefusesMismatchedLabels()
    {
        var e = Assert.Throws<ArgumentException>(() => Charts.Scatter([(0, 0)], [0, 1]));
        Assert.Contains("1 points but 2 labels", e.Message);
        Assert.Throws<ArgumentException>(() => Charts.Line([]));
    }

    [Fact]
    public void EscapeDropsCharactersXmlCannotCarry() =>
        Assert.Equal("a&lt;b&amp;c&quot;d&apos;e", Svg.Escape("a<b&c\"d'e\u0001"));

    [Fact]
    public void ThePaletteHasADistinctColourForEachOfTheTwelveInstruments()
    {
        Assert.True(Palette.Colors.Count >= 12);
        Assert.Equal(Palette.Colors.Count, Palette.Colors.Select(c => c.ToLowerInvariant()).Distinct().Count());
        Assert.Equal(Palette.Color(0), Palette.Color(Palette.Colors.Count)); // cycles past the end
    }
}
