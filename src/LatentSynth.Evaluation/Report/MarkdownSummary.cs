using LatentSynth.Torch.IO;
using System.Text;

namespace LatentSynth.Evaluation.Report;

/// <summary>A Markdown summary of a <see cref="BenchmarkReport"/> for reading in a terminal: the results
/// table (best per column in bold), the WAE-against-VAE reading (<see cref="ReportReading"/>) and one bullet
/// per ranked metric naming its best variant.</summary>
public static class MarkdownSummary
{
    /// <summary>The summary as Markdown text.</summary>
    public static string Render(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append("# ").Append(Cell(report.Title)).Append("\n\n");
        if (!string.IsNullOrEmpty(report.Dataset)) sb.Append("Dataset: **").Append(Cell(report.Dataset)).Append("**\n\n");
        var cols = ReportTable.MetricColumns(report);
        sb.Append("| Variant |");
        foreach (var c in cols)
        {
            string arrow = report.MetricInfo.TryGetValue(c, out var i) ? (i.LowerIsBetter ? " ↓" : " ↑") : "";
            sb.Append(' ').Append(Cell(ReportTable.Header(report, c))).Append(arrow).Append(" |");
        }
        sb.Append("\n|---|").Append(string.Concat(cols.Select(_ => "---:|"))).Append('\n');
        var best = cols.ToDictionary(c => c, c => ReportTable.Best(report, c));
        foreach (var v in report.Variants)
        {
            sb.Append("| ").Append(Cell(v.Name)).Append(" |");
            foreach (var c in cols)
            {
                string text = v.Metrics.TryGetValue(c, out var m) ? m.ToString() : "–";
                sb.Append(' ').Append(best[c].Contains(v.Name) ? $"**{text}**" : text).Append(" |");
            }
            sb.Append('\n');
        }
        sb.Append("\n↓ lower is better, ↑ higher is better; the best value per column is in **bold**.\n\n");
        var reading = ReportReading.WaeAgainstVae(report);
        if (reading.Count > 0)
        {
            sb.Append("## Reading: WAE against VAE\n\n").Append(reading[0]).Append("\n\n");
            foreach (var line in reading.Skip(1)) sb.Append("- ").Append(line).Append('\n');
            sb.Append('\n');
            var pairs = ReportReading.WaeAgainstVaeByVariant(report);
            if (pairs.Count > 0)
            {
                sb.Append("Variant by variant (each WAE against each VAE with the same reconstruction objective):\n\n");
                foreach (var line in pairs) sb.Append("- ").Append(line).Append('\n');
                sb.Append('\n');
            }
        }
        sb.Append("## Conclusions\n\n");
        int bullets = 0;
        foreach (var c in cols)
        {
            var b = best[c];
            if (b.Count == 0) continue;
            var info = report.MetricInfo[c];
            var value = report.Variants.First(v => b.Contains(v.Name)).Metrics[c];
            sb.Append("- Best ").Append(Cell(c)).Append(info.LowerIsBetter ? " (lower is better): " : " (higher is better): ")
              .Append(string.Join(", ", report.Variants.Where(v => b.Contains(v.Name)).Select(v => "**" + Cell(v.Name) + "**")))
              .Append(" with ").Append(value.ToString()).Append(string.IsNullOrEmpty(info.Unit) ? "" : " " + info.Unit).Append(".\n");
            bullets++;
        }
        if (bullets == 0) sb.Append("- No ranked metric has a value yet.\n");
        foreach (var n in report.Notes) sb.Append("- ").Append(n.ReplaceLineEndings(" ")).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes the summary to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <exception cref="IOException">The file cannot be written; the message names the path.</exception>
    public static void Write(BenchmarkReport report, string path) =>
        AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(Render(report)));

    /// <summary>Text safe inside a table cell: pipes escaped, line breaks turned into spaces.</summary>
    static string Cell(string s) => (s ?? "").Replace("|", "\\|").ReplaceLineEndings(" ");
}
