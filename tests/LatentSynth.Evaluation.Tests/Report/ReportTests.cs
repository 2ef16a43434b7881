using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Evaluation.Report;

namespace LatentSynth.Evaluation.Tests.Report;

public static class SampleReport
{
    /// <summary>A minimal 16-bit mono WAV (RIFF header + samples) of a 440 Hz tone, made by hand for the
    /// page's audio players (the Evaluation tests do not depend on the audio library).</summary>
    public static byte[] Wav(double seconds = 0.25, int rate = 8000)
    {
        int n = (int)(seconds * rate);
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write("RIFF"u8); w.Write(36 + 2 * n); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(2 * rate); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(2 * n);
        for (int i = 0; i < n; i++) w.Write((short)(8000 * Math.Sin(2 * Math.PI * 440 * i / rate)));
        w.Flush();
        return ms.ToArray();
    }

    public static byte[] Png(byte shade) => Imaging.Png.Encode(Enumerable.Repeat(shade, 12 * 8).ToArray(), 12, 8, PngColorType.Grayscale);

    public static BenchmarkReport Make()
    {
        var pca = Pca.Fit(new double[] { 3, 0, -3, 0, 0, 1, 0, -1, 1, 1, -1, -1 }, 6, 2);
        var map = LatentMap.FromPca(pca, [0, 0, 1, 1, 2, 2]);
        (double, double)[] Curve(double a) => [(1, a), (2, a * 0.7), (3, a * 0.6)];
        return new BenchmarkReport
        {
            Title = "Benchmark <fashion> & friends",
            Dataset = "fashion-mnist",
            ClassNames = ["T-shirt/top", "Trouser", "Pullover"],
            MetricInfo = new Dictionary<string, MetricInfo>
            {
                ["test_bce"] = new("Binary cross-entropy per test image.", "nats/image", LowerIsBetter: true),
                ["accuracy"] = new("Classifier accuracy on generated samples.", "%", LowerIsBetter: false),
            },
            Variants =
            [
                new VariantReport
                {
                    Name = "ae", ConfigSummary = "mlp, latent 8",
                    Metrics = new Dictionary<string, MetricValue> { ["test_bce"] = new(80.5), ["accuracy"] = new(61.25, 1.5) },
                    Curves = new Dictionary<string, IReadOnlyList<(double, double)>> { ["reconstruction"] = Curve(200) },
                    Images = new Dictionary<string, byte[]> { ["reconstructions"] = Png(40), ["samples"] = Png(90) },
                    Audio = new Dictionary<string, byte[]> { ["tone <440 Hz>"] = Wav() },
                    LatentMap = map,
                },
                new VariantReport
                {
                    Name = "vae <β=4>", ConfigSummary = "beta 4 & warm-up",
                    Metrics = new Dictionary<string, MetricValue> { ["test_bce"] = new(95.25), ["accuracy"] = new(88.0), ["extra"] = new(3) },
                    Curves = new Dictionary<string, IReadOnlyList<(double, double)>> { ["reconstruction"] = Curve(220), ["kl"] = Curve(2) },
                    Images = new Dictionary<string, byte[]> { ["samples"] = Png(120), ["traversals"] = Png(200) },
                    LatentMap = map,
                },
                new VariantReport
                {
                    Name = "wae-mmd",
                    Metrics = new Dictionary<string, MetricValue> { ["test_bce"] = new(80.5) },   // ties the AE on BCE
                },
            ],
        };
    }
}

public class HtmlReportTests
{
    static readonly string Html = HtmlReport.Render(SampleReport.Make());

    [Fact]
    public void MakesNoExternalRequests()
    {
        var refs = Regex.Matches(Html, @"\b(?:src|href)\s*=\s*""([^""]*)""", RegexOptions.IgnoreCase).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, r => Assert.True(r.StartsWith("data:", StringComparison.Ordinal) || r.StartsWith('#'), $"external reference: {r}"));
        Assert.DoesNotMatch(new Regex(@"(?:src|href)\s*=\s*['""]?\s*(?:https?:)?//", RegexOptions.IgnoreCase), Html);
        Assert.DoesNotContain("<link", Html);
        Assert.DoesNotContain("@import", Html);
        Assert.DoesNotContain("url(", Html);
    }

    [Fact]
    public void EveryImageIsAPngDataUri()
    {
        var imgs = Regex.Matches(Html, @"<img\b[^>]*>").Select(m => m.Value).ToList();
        Assert.Equal(4, imgs.Count);
        foreach (var img in imgs)
        {
            var src = Regex.Match(img, @"src=""data:image/png;base64,([A-Za-z0-9+/=]+)""");
            Assert.True(src.Success, img);
            Assert.Equal(Png.Signature.ToArray(), Convert.FromBase64String(src.Groups[1].Value)[..8]);
            Assert.Matches(@"alt=""[^""]+""", img);
        }
        // Known kinds come in the order samples, reconstructions, interpolations, traversals.
        Assert.True(Html.IndexOf("ae: samples", StringComparison.Ordinal) < Html.IndexOf("ae: reconstructions", StringComparison.Ordinal));
    }

    [Fact]
    public void BestCellsAreMarkedByEachMetricsDirection()
    {
        var tbody = Regex.Match(Html, "<tbody>(.*)</tbody>", RegexOptions.Singleline).Groups[1].Value;
        var rows = Regex.Matches(tbody, "<tr>(.*?)</tr>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, rows.Count);
        // Columns: test_bce (lower better), accuracy (higher better), extra (no info: never marked).
        bool[][] best = rows.Select(r => Regex.Matches(r, "<td([^>]*)>").Select(m => m.Groups[1].Value.Contains("class=\"best\"")).ToArray()).ToArray();
        Assert.Equal([true, false, false], best[0]);   // ae: best BCE (tied)
        Assert.Equal([false, true, false], best[1]);   // vae: best accuracy
        Assert.Equal([true, false, false], best[2]);   // wae: tied best BCE; missing cells not marked
        Assert.Contains("data-value=\"95.25\"", rows[1]);
        Assert.Contains("61.25 ± 1.5", rows[0]);
        Assert.Contains("test_bce (nats/image) ↓", Html);
        Assert.Contains("accuracy (%) ↑", Html);
    }

    [Fact]
    public void HasSortingScriptLegendSectionsAndEscapedText()
    {
        Assert.Contains("<script>", Html);
        Assert.Contains("getElementById('results-table')", Html);
        Assert.Contains("addEventListener('click'", Html);
        Assert.Contains("How to read this", Html);
        Assert.Contains("Benchmark &lt;fashion&gt; &amp; friends", Html);
        Assert.DoesNotContain("<fashion>", Html);
        Assert.Contains("vae &lt;β=4&gt;", Html);
        Assert.Contains("id=\"v1-vae----4-\"", Html);
        Assert.Contains("href=\"#v1-vae----4-\"", Html);
        // Every inline SVG is well-formed XML: 2 variant curve plots, 2 latent maps, 1 comparison (reconstruction).
        var svgs = Regex.Matches(Html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(5, svgs.Count);
        Assert.Equal(2, svgs.Count(s => (string?)s.Root!.Attribute("class") == "scatter-plot"));
    }

    [Fact]
    public void WritesAtomically()
    {
        var dir = Directory.CreateTempSubdirectory("lst-report-").FullName;
        try
        {
            var path = Path.Combine(dir, "sub", "report.html");
            HtmlReport.Write(SampleReport.Make(), path);
            MarkdownSummary.Write(SampleReport.Make(), Path.Combine(dir, "sub", "summary.md"));
            Assert.Equal(Html, File.ReadAllText(path));
            Assert.Equal(["report.html", "summary.md"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName).Order());
        }
        finally { Directory.Delete(dir, true); }
    }
}

public class MarkdownSummaryTests
{
    [Fact]
    public void TableAndConclusions()
    {
        var md = MarkdownSummary.Render(SampleReport.Make());
        const string expected = """
            # Benchmark <fashion> & friends

            Dataset: **fashion-mnist**

            | Variant | test_bce (nats/image) ↓ | accuracy (%) ↑ | extra |
            |---|---:|---:|---:|
            | ae | **80.5** | 61.25 ± 1.5 | – |
            | vae <β=4> | 95.25 | **88** | 3 |
            | wae-mmd | **80.5** | – | – |

            ↓ lower is better, ↑ higher is better; the best value per column is in **bold**.

            ## Conclusions

            - Best test_bce (lower is better): **ae**, **wae-mmd** with 80.5 nats/image.
            - Best accuracy (higher is better): **vae <β=4>** with 88 %.

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), md);
    }

    [Fact]
    public void PipesInNamesAreEscaped()
    {
        var r = new BenchmarkReport { Title = "t", Variants = [new VariantReport { Name = "a|b", Metrics = new Dictionary<string, MetricValue> { ["m"] = new(1) } }] };
        Assert.Contains("| a\\|b | 1 |", MarkdownSummary.Render(r));
    }

    [Fact]
    public void NumberFormat()
    {
        Assert.Equal("123.5", ReportTable.Format(123.456));
        Assert.Equal("0.1235", ReportTable.Format(0.123456));
        Assert.Equal("1.235e+6", ReportTable.Format(1234567));
        Assert.Equal("n/a", ReportTable.Format(double.NaN));
        Assert.Equal("0", ReportTable.Format(0));
    }
}

/// <summary>A fact that runs only where Debian's chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = HeadlessChromium.SkipReason;
}

public class BrowserTests
{
    [ChromiumFact]
    public void PageRendersInHeadlessChromium()
    {
        var dir = Directory.CreateTempSubdirectory("lst-browser-").FullName;
        try
        {
            var page = Path.Combine(dir, "report.html");
            HtmlReport.Write(SampleReport.Make(), page);
            string[] common = HeadlessChromium.CommonFlags(Path.Combine(dir, "profile"));
            // The console check must be able to fail: a page with an error and a broken picture shows both.
            var bad = Path.Combine(dir, "bad.html");
            File.WriteAllText(bad, "<html><body><img src=\"data:image/png;base64,AAAA\"><script>console.error('boom');</script></body></html>");
            var (rc, _, err) = RunChromium([.. common, "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + bad]);
            Assert.Contains(":CONSOLE", err);

            string dom;
            // A virtual-time budget lets the audio players load their metadata before the DOM is dumped.
            (rc, dom, err) = RunChromium([.. common, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", "file://" + page]);
            Assert.True(rc == 0, $"chromium exited {rc}: {err}");
            var console = err.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
            Assert.True(console.Count == 0, "console messages: " + string.Join("\n", console));
            Assert.Contains("data-images-loaded=\"4/4\"", dom);   // every picture decoded (set by the page's load handler)
            Assert.Contains("data-audio-loaded=\"1/1\"", dom);      // the WAV decoded with a positive duration
            Assert.Contains("id=\"results-table\"", dom);
            Assert.Equal(4, Regex.Matches(dom, "<img ").Count);
            Assert.Equal(5, Regex.Matches(dom, "<svg ").Count);
            // Sorting by clicking a header: a copy of the page with a script that clicks the test_bce header
            // twice after load and records the row order each time (indices into the original order).
            var sortPage = Path.Combine(dir, "sort.html");
            File.WriteAllText(sortPage, File.ReadAllText(page).Replace("</body>", """
<script>window.addEventListener('load',function(){var t=document.getElementById('results-table'),b=t.tBodies[0];
var orig=[].slice.call(b.rows);function order(){return [].map.call(b.rows,function(r){return orig.indexOf(r);}).join(',');}
var h=t.tHead.rows[0].cells[1];h.click();var asc=order()+':'+h.getAttribute('aria-sort');h.click();var desc=order()+':'+h.getAttribute('aria-sort');
document.documentElement.setAttribute('data-sort-check',asc+'/'+desc);});</script></body>
"""));
            (rc, dom, err) = RunChromium([.. common, "--dump-dom", "file://" + sortPage]);
            Assert.True(rc == 0, $"chromium exited {rc}: {err}");
            // test_bce: ae 80.5, vae 95.25, wae-mmd 80.5 → ascending ae, wae-mmd, vae (a stable sort keeps the
            // tie's order); descending vae first.
            Assert.Contains("data-sort-check=\"0,2,1:ascending/1,0,2:descending\"", dom);
            var shot = Path.Combine(dir, "report.png");
            (rc, _, err) = RunChromium([.. common, "--window-size=1280,2400", $"--screenshot={shot}", "file://" + page]);
            Assert.True(rc == 0 && File.Exists(shot), $"no screenshot (exit {rc}): {err}");
            Assert.Equal(Png.Signature.ToArray(), File.ReadAllBytes(shot)[..8]);
            // LATENTSYNTH_SCREENSHOT=path keeps the screenshot for a person to look at.
            var keep = Environment.GetEnvironmentVariable("LATENTSYNTH_SCREENSHOT");
            if (!string.IsNullOrEmpty(keep)) File.Copy(shot, keep, overwrite: true);
        }
        finally { Directory.Delete(dir, true); }
    }

    static (int Rc, string Out, string Err) RunChromium(string[] args) => HeadlessChromium.Run(args);
}
