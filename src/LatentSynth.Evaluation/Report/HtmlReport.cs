using LatentSynth.Torch.IO;
using System.Globalization;
using System.Text;
using LatentSynth.Evaluation.Plots;

namespace LatentSynth.Evaluation.Report;

/// <summary>Renders a <see cref="BenchmarkReport"/> as one self-contained HTML page: inline CSS, inline SVG
/// plots, images as data: URIs and a small inline script that sorts the results table. The page makes
/// no network request.</summary>
public static class HtmlReport
{
    static readonly string[] ImageOrder = ["samples", "reconstructions", "interpolations", "traversals"];

    /// <summary>The page as a string.</summary>
    public static string Render(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        string E(string? s) => Svg.Escape(s);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append($"<title>{E(report.Title)}</title><style>{Css}</style></head><body>\n");
        sb.Append($"<h1>{E(report.Title)}</h1>");
        if (!string.IsNullOrEmpty(report.Dataset))
            sb.Append($"<p class=\"meta\">Dataset: <b>{E(report.Dataset)}</b> · {report.Variants.Count} variant(s)</p>");

        // Results table.
        var cols = ReportTable.MetricColumns(report);
        sb.Append("<h2 id=\"results\">Results</h2>");
        sb.Append("<table id=\"results-table\" class=\"results\"><thead><tr><th data-type=\"text\" aria-sort=\"none\">Variant</th>");
        foreach (var c in cols)
        {
            string arrow = report.MetricInfo.TryGetValue(c, out var info) ? (info.LowerIsBetter ? " ↓" : " ↑") : "";
            string tip = info != null ? $"{info.Description} ({(info.LowerIsBetter ? "lower" : "higher")} is better)" : "direction unknown: not ranked";
            sb.Append($"<th data-type=\"number\" aria-sort=\"none\" title=\"{E(tip)}\">{E(ReportTable.Header(report, c))}{arrow}</th>");
        }
        sb.Append("</tr></thead><tbody>");
        var best = cols.ToDictionary(c => c, c => ReportTable.Best(report, c));
        foreach (var (v, vi) in report.Variants.Select((v, i) => (v, i)))
        {
            sb.Append($"<tr><th scope=\"row\" data-value=\"{E(v.Name)}\"><a href=\"#{Anchor(vi, v.Name)}\">{E(v.Name)}</a></th>");
            foreach (var c in cols)
            {
                if (v.Metrics.TryGetValue(c, out var m))
                {
                    bool isBest = best[c].Contains(v.Name);
                    string value = double.IsFinite(m.Mean) ? m.Mean.ToString("R", CultureInfo.InvariantCulture) : "";
                    sb.Append($"<td data-value=\"{value}\"{(isBest ? " class=\"best\" title=\"best in this column\"" : "")}>{E(m.ToString())}{(isBest ? " <span class=\"star\" aria-label=\"best\">★</span>" : "")}</td>");
                }
                else sb.Append("<td data-value=\"\" class=\"missing\">–</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        sb.Append("<p class=\"hint\">Click a column header to sort. ★ and a green cell mark the best value of each column (↓ lower is better, ↑ higher is better).</p>");
        foreach (var n in report.Notes) sb.Append($"<p>{E(n)}</p>");
        var reading = ReportReading.WaeAgainstVae(report);
        if (reading.Count > 0)
        {
            sb.Append($"<h2 id=\"reading\">Reading: WAE against VAE</h2><p>{E(reading[0])}</p><ul class=\"reading\">");
            foreach (var line in reading.Skip(1)) sb.Append($"<li>{E(line)}</li>");
            sb.Append("</ul>");
            var pairs = ReportReading.WaeAgainstVaeByVariant(report);
            if (pairs.Count > 0)
            {
                sb.Append("<p>Variant by variant (each WAE against each VAE with the same reconstruction objective):</p><ul class=\"reading\">");
                foreach (var line in pairs) sb.Append($"<li>{E(line)}</li>");
                sb.Append("</ul>");
            }
        }

        // How to read this.
        sb.Append("<details open class=\"legend\"><summary>How to read this</summary><dl>");
        foreach (var c in cols)
        {
            if (report.MetricInfo.TryGetValue(c, out var i))
                sb.Append($"<dt>{E(ReportTable.Header(report, c))}</dt><dd>{E(i.Description)} <i>{(i.LowerIsBetter ? "Lower" : "Higher")} is better.</i></dd>");
            else sb.Append($"<dt>{E(c)}</dt><dd>No description given; not ranked.</dd>");
        }
        foreach (var (term, meaning) in report.Legend ?? BenchmarkReport.ImageLegend)
            sb.Append($"<dt>{E(term)}</dt><dd>{E(meaning)}</dd>");
        sb.Append("</dl></details>");

        // Cross-variant comparison of each curve term present in at least two variants.
        var terms = report.Variants.SelectMany(v => v.Curves.Keys).Distinct().ToList();
        var shared = terms.Where(t => report.Variants.Count(v => v.Curves.ContainsKey(t)) >= 2).ToList();
        if (shared.Count > 0)
        {
            sb.Append("<h2 id=\"comparison\">Training curves compared</h2><div class=\"plots\">");
            foreach (var t in shared)
            {
                var series = report.Variants.Where(v => v.Curves.ContainsKey(t)).Select(v => new LineSeries(v.Name, v.Curves[t])).ToList();
                sb.Append("<figure>").Append(Charts.Line(series, new ChartOptions { Title = t, XLabel = "epoch", YLabel = CurveUnit(report, t), LogY = WantsLog(series) })).Append("</figure>");
            }
            sb.Append("</div>");
        }

        // One section per variant.
        foreach (var (v, vi) in report.Variants.Select((v, i) => (v, i)))
        {
            sb.Append($"<section class=\"variant\" id=\"{Anchor(vi, v.Name)}\"><h2>{E(v.Name)}</h2>");
            if (!string.IsNullOrEmpty(v.ConfigSummary)) sb.Append($"<p class=\"config\"><code>{E(v.ConfigSummary)}</code></p>");
            sb.Append("<div class=\"plots\">");
            if (v.Curves.Count > 0)
            {
                var series = v.Curves.Select(kv => new LineSeries(kv.Key, kv.Value)).ToList();
                sb.Append("<figure>").Append(Charts.Line(series, new ChartOptions { Title = $"{v.Name}: training curves", XLabel = "epoch", YLabel = "loss term value", LogY = WantsLog(series) }))
                  .Append("<figcaption>Training curves (log scale when the terms span several orders of magnitude).</figcaption></figure>");
            }
            foreach (var map in (v.LatentMap is { } first ? [first] : Array.Empty<LatentMap>()).Concat(v.ExtraLatentMaps))
            {
                string by = map.ColouredBy is { } cb ? $", by {cb}" : "";
                sb.Append("<figure>").Append(Charts.Scatter(map.Points, map.Labels, map.ClassNames ?? report.ClassNames,
                    new ChartOptions { Title = $"{v.Name}: latent map ({map.Method}{by})", XLabel = map.XLabel, YLabel = map.YLabel, Width = 560, Height = 420 }));
                sb.Append($"<figcaption>{E(map.Note ?? $"{map.Method} of the test set's latent codes, coloured by class.")}</figcaption></figure>");
            }
            foreach (var f in v.Figures)
            {
                sb.Append("<figure>");
                if (f.Svg is { } svg) sb.Append(svg);
                if (f.Png is { } png) sb.Append($"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{E(f.Caption)}\">");
                sb.Append($"<figcaption>{E(f.Caption)}</figcaption></figure>");
            }
            sb.Append("</div>");
            if (v.Audio.Count > 0)
            {
                sb.Append("<div class=\"sounds\">");
                foreach (var (name, wav) in v.Audio)
                    sb.Append($"<figure class=\"sound\"><figcaption>{E(name)}</figcaption><audio controls preload=\"auto\" src=\"data:audio/wav;base64,{Convert.ToBase64String(wav)}\"></audio></figure>");
                sb.Append("</div>");
            }
            sb.Append("<div class=\"images\">");
            foreach (var kind in v.Images.Keys.OrderBy(k => Array.IndexOf(ImageOrder, k) is var i && i < 0 ? int.MaxValue : i).ThenBy(k => k, StringComparer.Ordinal))
                sb.Append($"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(v.Images[kind])}\" alt=\"{E(v.Name)}: {E(kind)}\"><figcaption>{E(kind)}</figcaption></figure>");
            sb.Append("</div></section>\n");
        }
        sb.Append("<footer>Generated by LatentSynth. This page is self-contained and works offline.</footer>");
        sb.Append($"<script>{Script}</script></body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the page to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <exception cref="IOException">The file cannot be written; the message names the path.</exception>
    public static void Write(BenchmarkReport report, string path) =>
        AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(Render(report)));

    /// <summary>The id of variant number <paramref name="index"/>'s section, usable in a URL fragment:
    /// "v{index}-" then the name's ASCII letters, digits, '-' and '_' (anything else becomes '-').</summary>
    public static string Anchor(int index, string name) =>
        $"v{index}-" + new string((name ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());

    static string CurveUnit(BenchmarkReport r, string term) =>
        r.MetricInfo.TryGetValue(term, out var i) && !string.IsNullOrEmpty(i.Unit) ? $"{term} ({i.Unit})" : term;

    static bool WantsLog(IReadOnlyList<LineSeries> series)
    {
        var ys = series.SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).ToList();
        return ys.Count > 0 && ys.All(y => y > 0) && ys.Max() / ys.Min() > 100;
    }

    const string Css = """
body{font-family:system-ui,-apple-system,'Segoe UI','DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
.meta,.hint,figcaption,footer{color:#555;font-size:.92em}
table.results{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:8px 0}
.results th,.results td{border:1px solid #ccc;padding:5px 10px;text-align:right}
.results th[scope=row],.results thead th:first-child{text-align:left;white-space:nowrap}
.results td{white-space:nowrap}
.results thead th{background:#f2f2f2;cursor:pointer;user-select:none;white-space:nowrap}
.results thead th[aria-sort=ascending]::after{content:" ▲"}.results thead th[aria-sort=descending]::after{content:" ▼"}
.results td.best{background:#d9f2e3;font-weight:700}.star{color:#0b7a3b}
.results td.missing{color:#999;text-align:center}
.sounds{display:flex;flex-wrap:wrap;gap:8px 20px}.sound figcaption{font-size:.9em}.sound audio{width:260px}
.plots,.images{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:8px 0}figcaption{max-width:560px}figure img{image-rendering:pixelated;min-width:160px;max-width:100%;border:1px solid #ddd}
details.legend{background:#fafafa;border:1px solid #e2e2e2;padding:8px 14px;margin:12px 0}
details.legend dt{font-weight:600;margin-top:6px}details.legend dd{margin-left:16px}
code{background:#f4f4f4;padding:1px 4px;border-radius:3px}footer{margin-top:40px;border-top:1px solid #ddd;padding-top:8px}
""";

    // Sorts the results table by the clicked header: numbers by data-value (empty cells last), text otherwise.
    // After loading, <html data-images-loaded="ok/total"> counts the pictures that decoded, and
    // data-audio-loaded="ok/total" the sounds whose metadata loaded with a positive duration (browser tests read them).
    const string Script = """
(function(){var t=document.getElementById('results-table');if(!t)return;var hs=t.tHead.rows[0].cells;
for(var i=0;i<hs.length;i++)(function(col,h){h.addEventListener('click',function(){
var asc=h.getAttribute('aria-sort')!=='ascending';for(var j=0;j<hs.length;j++)hs[j].setAttribute('aria-sort','none');
h.setAttribute('aria-sort',asc?'ascending':'descending');var num=h.getAttribute('data-type')==='number';
var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=x.cells[col].getAttribute('data-value'),c=y.cells[col].getAttribute('data-value');
if(num){if(a===''&&c==='')return 0;if(a==='')return 1;if(c==='')return -1;var d=parseFloat(a)-parseFloat(c);return asc?d:-d;}
var s=a.localeCompare(c);return asc?s:-s;});rows.forEach(function(r){b.appendChild(r);});});})(i,hs[i]);})();
window.addEventListener('load',function(){var im=document.images,ok=0;for(var i=0;i<im.length;i++)if(im[i].complete&&im[i].naturalWidth>0)ok++;
document.documentElement.setAttribute('data-images-loaded',ok+'/'+im.length);
var au=document.getElementsByTagName('audio'),n=au.length,okA=0,seen=0;function mark(){document.documentElement.setAttribute('data-audio-loaded',okA+'/'+n);}
mark();for(var k=0;k<n;k++)(function(a){function done(good){if(a._lsSeen)return;a._lsSeen=1;seen++;if(good)okA++;mark();}
if(a.readyState>=1)done(a.duration>0);else{a.addEventListener('loadedmetadata',function(){done(a.duration>0);});a.addEventListener('error',function(){done(false);});}})(au[k]);});
""";
}
