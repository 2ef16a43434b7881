using System.Globalization;

namespace LatentSynth.Evaluation.Report;

/// <summary>A metric's value for one variant: the mean over seeds and, with several seeds, their standard deviation.</summary>
public sealed record MetricValue(double Mean, double? Std = null)
{
    /// <summary>"12.35" or "12.35 ± 0.2" (four significant digits, invariant culture).</summary>
    public override string ToString() => Std is double s ? $"{ReportTable.Format(Mean)} ± {ReportTable.Format(s)}" : ReportTable.Format(Mean);
}

/// <summary>What a metric means, its unit and its direction.</summary>
/// <param name="Description">One sentence for the "how to read this" legend.</param>
/// <param name="Unit">Unit shown in headers and axis labels (e.g. "nats/image", "%"); empty when unitless.</param>
/// <param name="LowerIsBetter">True for losses and distances, false for accuracies and likelihoods.</param>
public sealed record MetricInfo(string Description, string Unit, bool LowerIsBetter);

/// <summary>A 2-D map of encoded test points coloured by class.</summary>
/// <param name="Method">How it was made, e.g. "PCA".</param>
/// <param name="Points">(x, y) per point.</param>
/// <param name="Labels">Class index per point.</param>
/// <param name="XLabel">x-axis label, e.g. "PC1 (41.2 % of variance)".</param>
/// <param name="YLabel">y-axis label.</param>
/// <param name="Note">Optional sentence shown under the map (e.g. explained variance).</param>
public sealed record LatentMap(string Method, IReadOnlyList<(double X, double Y)> Points, IReadOnlyList<int> Labels,
    string XLabel, string YLabel, string? Note = null)
{
    /// <summary>Legend names by label for this map (e.g. instruments, or dynamics); null: the report's
    /// <see cref="BenchmarkReport.ClassNames"/>.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>What the colours show (e.g. "instrument"), added to the title; null: the class.</summary>
    public string? ColouredBy { get; init; }

    /// <summary>A map from the first two components of a PCA (a 1-component PCA is drawn on y = 0).</summary>
    /// <exception cref="ArgumentException">The labels do not match the projected points in count.</exception>
    public static LatentMap FromPca(PcaResult pca, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(pca);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != pca.Projected.Length)
            throw new ArgumentException($"{pca.Projected.Length} points but {labels.Count} labels", nameof(labels));
        var pts = pca.Projected.Select(p => (p[0], p.Length > 1 ? p[1] : 0.0)).ToList();
        string Pc(int k) => k < pca.ExplainedVarianceRatio.Length
            ? $"PC{k + 1} ({(100 * pca.ExplainedVarianceRatio[k]).ToString("0.0", CultureInfo.InvariantCulture)} % of variance)"
            : $"PC{k + 1} (none)";
        double shown = pca.ExplainedVarianceRatio.Take(2).Sum();
        return new LatentMap("PCA", pts, labels, Pc(0), Pc(1),
            $"PCA of the latent codes: the two components shown explain {(100 * shown).ToString("0.0", CultureInfo.InvariantCulture)} % of their variance.");
    }
}

/// <summary>A figure of a report: either inline SVG drawn by the project or a PNG picture, with a caption.</summary>
/// <param name="Caption">Text under the figure (what it shows and how to read it).</param>
/// <param name="Svg">SVG markup made by <c>LatentSynth.Evaluation.Plots</c> (trusted: inserted as is), or null.</param>
/// <param name="Png">PNG bytes, or null.</param>
public sealed record ReportFigure(string Caption, string? Svg = null, byte[]? Png = null);

/// <summary>Everything the report shows about one variant (model + objective + prior + seed set).</summary>
public sealed record VariantReport
{
    /// <summary>Short unique name, e.g. "vae-mlp".</summary>
    public required string Name { get; init; }
    /// <summary>One line describing its configuration.</summary>
    public string ConfigSummary { get; init; } = "";
    /// <summary>Metric name → value. Names should match <see cref="BenchmarkReport.MetricInfo"/>.</summary>
    public IReadOnlyDictionary<string, MetricValue> Metrics { get; init; } = new Dictionary<string, MetricValue>();
    /// <summary>Loss term → (epoch, value) points of its training curve.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(double Epoch, double Value)>> Curves { get; init; } =
        new Dictionary<string, IReadOnlyList<(double Epoch, double Value)>>();
    /// <summary>Image kind ("samples", "reconstructions", "interpolations", "traversals", …) → PNG bytes.</summary>
    public IReadOnlyDictionary<string, byte[]> Images { get; init; } = new Dictionary<string, byte[]>();
    /// <summary>2-D map of the test set's codes, when available.</summary>
    public LatentMap? LatentMap { get; init; }
    /// <summary>Further maps of the same codes made another way (e.g. t-SNE), drawn after <see cref="LatentMap"/>.</summary>
    public IReadOnlyList<LatentMap> ExtraLatentMaps { get; init; } = [];
    /// <summary>Sounds by name (e.g. "original: flute A4", "reconstruction", "morph flute → violin") as WAV
    /// files, shown as audio players in the page.</summary>
    public IReadOnlyDictionary<string, byte[]> Audio { get; init; } = new Dictionary<string, byte[]>();
    /// <summary>Further figures drawn by the project (SVG markup from <c>Plots</c>, or PNG bytes), with captions.</summary>
    public IReadOnlyList<ReportFigure> Figures { get; init; } = [];
    /// <summary>The reconstruction objective ("bce", "mse", "l1"; empty when unknown): variants are compared
    /// one to one only with variants of the same objective.</summary>
    public string Objective { get; init; } = "";
    /// <summary>The model family (the registry name: "vae", "wae-mmd", …) for comparisons between families;
    /// empty when unknown.</summary>
    public string Family { get; init; } = "";
}

/// <summary>The input of <see cref="HtmlReport"/> and <see cref="MarkdownSummary"/>: a benchmark's results.</summary>
public sealed record BenchmarkReport
{
    /// <summary>Page title.</summary>
    public required string Title { get; init; }
    /// <summary>Dataset name (e.g. "fashion-mnist").</summary>
    public string Dataset { get; init; } = "";
    /// <summary>Class names by label index (legend of the latent maps); null: numbers.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>The variants, in table order.</summary>
    public IReadOnlyList<VariantReport> Variants { get; init; } = [];
    /// <summary>Metric name → meaning, unit, direction; also fixes the column order (metrics missing here follow, unranked).</summary>
    public IReadOnlyDictionary<string, MetricInfo> MetricInfo { get; init; } = new Dictionary<string, MetricInfo>();
    /// <summary>Optional free-text notes (one paragraph each) shown under the table.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>The entries of "How to read this" after the metrics (term, meaning); null: <see cref="ImageLegend"/>.</summary>
    public IReadOnlyList<(string Term, string Meaning)>? Legend { get; init; }

    /// <summary>The image benchmark's legend: training curves, samples, reconstructions, interpolations, traversals, latent map.</summary>
    public static IReadOnlyList<(string Term, string Meaning)> ImageLegend { get; } =
    [
        ("Training curves", "Each loss term per epoch, as logged during training; the comparison plots put the variants side by side."),
        ("Samples", "Decodings of codes drawn from the prior."),
        ("Reconstructions", "Test images and their decodings after encoding."),
        ("Interpolations", "Decodings along a straight line in latent space between the codes of two test images."),
        ("Traversals", "One latent dimension varied at a time, the others held fixed."),
        ("Latent map", "Test-set codes projected to 2-D, one colour per class: well separated clusters mean the code keeps the class."),
    ];
}

/// <summary>Shared logic of the HTML and Markdown renderings: column order, best values, number format.</summary>
public static class ReportTable
{
    /// <summary>Four significant digits, invariant culture; "n/a" for NaN, "∞"/"−∞" for infinities.</summary>
    public static string Format(double v) =>
        double.IsNaN(v) ? "n/a" : double.IsPositiveInfinity(v) ? "∞" : double.IsNegativeInfinity(v) ? "−∞"
        : v != 0 && (Math.Abs(v) >= 1e6 || Math.Abs(v) < 1e-3) ? v.ToString("0.###e+0", CultureInfo.InvariantCulture)
        : v == 0 ? "0"
        : Math.Round(v, Math.Clamp(3 - (int)Math.Floor(Math.Log10(Math.Abs(v))), 0, 15)).ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>The metric columns: <see cref="BenchmarkReport.MetricInfo"/>'s order, then metrics only
    /// the variants name (in first-seen order).</summary>
    public static IReadOnlyList<string> MetricColumns(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var cols = new List<string>(report.MetricInfo.Keys);
        foreach (var v in report.Variants)
            foreach (var m in v.Metrics.Keys)
                if (!cols.Contains(m)) cols.Add(m);
        return cols;
    }

    /// <summary>The names of the variants holding the best finite mean of <paramref name="metric"/>
    /// (all of them on a tie); empty when the metric's direction is unknown or no variant has a value.</summary>
    public static IReadOnlySet<string> Best(BenchmarkReport report, string metric)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!report.MetricInfo.TryGetValue(metric, out var info)) return new HashSet<string>();
        var values = report.Variants
            .Where(v => v.Metrics.TryGetValue(metric, out var m) && double.IsFinite(m.Mean))
            .Select(v => (v.Name, v.Metrics[metric].Mean)).ToList();
        if (values.Count == 0) return new HashSet<string>();
        double best = info.LowerIsBetter ? values.Min(x => x.Mean) : values.Max(x => x.Mean);
        return values.Where(x => x.Mean == best).Select(x => x.Name).ToHashSet();
    }

    /// <summary>"name (unit)" or "name".</summary>
    public static string Header(BenchmarkReport report, string metric)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.MetricInfo.TryGetValue(metric, out var i) && !string.IsNullOrEmpty(i.Unit) ? $"{metric} ({i.Unit})" : metric;
    }
}
