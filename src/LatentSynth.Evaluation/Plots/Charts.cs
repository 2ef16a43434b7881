using System.Text;

namespace LatentSynth.Evaluation.Plots;

/// <summary>One line of a line chart: a name for the legend and its points in x order.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">(x, y) pairs; non-finite values (and y ≤ 0 on a log axis) are left out, breaking the line.</param>
public sealed record LineSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>Titles, axis labels (with their units) and size of a chart.</summary>
public sealed record ChartOptions
{
    /// <summary>Title above the plot area (optional).</summary>
    public string? Title { get; init; }
    /// <summary>x-axis label, units included, e.g. "epoch" or "PC1 (42.0 % of variance)".</summary>
    public string XLabel { get; init; } = "";
    /// <summary>y-axis label, units included, e.g. "loss (nats per image)".</summary>
    public string YLabel { get; init; } = "";
    /// <summary>Logarithmic y axis (values ≤ 0 are not drawn).</summary>
    public bool LogY { get; init; }
    /// <summary>Width in CSS pixels.</summary>
    public int Width { get; init; } = 560;
    /// <summary>Height in CSS pixels.</summary>
    public int Height { get; init; } = 340;
}

/// <summary>SVG charts drawn by the project: a line chart (training curves) and a categorical scatter
/// plot (2-D latent maps). The output is a standalone &lt;svg&gt; element (valid XML) with its text
/// escaped, ready to inline into HTML or save as a .svg file.</summary>
public static class Charts
{
    const int FontSize = 13;
    const int MarginLeft = 70, MarginTop = 34, MarginBottom = 48, LegendWidth = 165;

    /// <summary>A line chart of several series with a legend, nice ticks and labelled axes.</summary>
    /// <exception cref="ArgumentException">No series is given.</exception>
    public static string Line(IReadOnlyList<LineSeries> series, ChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("a line chart needs at least one series", nameof(series));
        options ??= new ChartOptions();
        bool logY = options.LogY;
        bool Usable((double X, double Y) p) => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0);
        var all = series.SelectMany(s => s.Points).Where(Usable).ToList();
        double xMin = all.Count > 0 ? all.Min(p => p.X) : 0, xMax = all.Count > 0 ? all.Max(p => p.X) : 1;
        double yMin = all.Count > 0 ? all.Min(p => p.Y) : (logY ? 0.1 : 0), yMax = all.Count > 0 ? all.Max(p => p.Y) : 1;
        var xt = Ticks.Linear(xMin, xMax, 6);
        var yt = logY ? Ticks.Log(yMin, yMax) : Ticks.Linear(yMin, yMax, 5);
        var frame = new Frame(options, xt, yt, logY, legendCount: series.Count);
        var sb = frame.Begin("line-chart");
        for (int i = 0; i < series.Count; i++)
        {
            var color = Palette.Color(i);
            var dash = i >= Palette.Colors.Count ? " stroke-dasharray=\"6 3\"" : "";
            var seg = new StringBuilder();
            foreach (var p in series[i].Points.OrderBy(p => p.X))
            {
                if (!Usable(p)) { Flush(); continue; }
                seg.Append(seg.Length == 0 ? "" : " ").Append(Svg.N(frame.X(p.X))).Append(',').Append(Svg.N(frame.Y(p.Y)));
            }
            Flush();
            // A single point would be invisible as a polyline: mark every point when there are few.
            var pts = series[i].Points.Where(Usable).ToList();
            if (pts.Count <= 30)
                foreach (var p in pts)
                    sb.Append($"<circle cx=\"{Svg.N(frame.X(p.X))}\" cy=\"{Svg.N(frame.Y(p.Y))}\" r=\"2.5\" fill=\"{color}\"/>");
            void Flush()
            {
                if (seg.Length > 0)
                    sb.Append($"<polyline class=\"series\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{seg}\"><title>{Svg.Escape(series[i].Name)}</title></polyline>");
                seg.Clear();
            }
        }
        frame.Legend(sb, series.Select(s => s.Name).ToList(), swatch: "line");
        return frame.End(sb);
    }

    /// <summary>A scatter plot with one colour per category and a legend naming the categories.</summary>
    /// <param name="points">(x, y) of each point.</param>
    /// <param name="labels">The category of each point (0-based index into <paramref name="classNames"/>).</param>
    /// <param name="classNames">Legend names by category; when null, categories are named by their number.</param>
    /// <param name="options">Titles and size.</param>
    /// <exception cref="ArgumentException">Points and labels differ in count, or a label is negative.</exception>
    public static string Scatter(IReadOnlyList<(double X, double Y)> points, IReadOnlyList<int> labels,
        IReadOnlyList<string>? classNames = null, ChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(labels);
        if (points.Count != labels.Count)
            throw new ArgumentException($"{points.Count} points but {labels.Count} labels: give one label per point", nameof(labels));
        if (labels.Any(l => l < 0)) throw new ArgumentException("labels must be non-negative class indices", nameof(labels));
        options ??= new ChartOptions { Width = 520, Height = 420 };
        var ok = Enumerable.Range(0, points.Count).Where(i => double.IsFinite(points[i].X) && double.IsFinite(points[i].Y)).ToList();
        double xMin = ok.Count > 0 ? ok.Min(i => points[i].X) : -1, xMax = ok.Count > 0 ? ok.Max(i => points[i].X) : 1;
        double yMin = ok.Count > 0 ? ok.Min(i => points[i].Y) : -1, yMax = ok.Count > 0 ? ok.Max(i => points[i].Y) : 1;
        int classes = Math.Max(classNames?.Count ?? 0, labels.Count > 0 ? labels.Max() + 1 : 0);
        var names = Enumerable.Range(0, classes).Select(c => classNames != null && c < classNames.Count ? classNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // A little room around the cloud, so no point sits on the frame.
        double padX = 0.03 * (xMax - xMin), padY = 0.03 * (yMax - yMin);
        var frame = new Frame(options, Ticks.Linear(xMin - padX, xMax + padX, 5), Ticks.Linear(yMin - padY, yMax + padY, 5), false, classes);
        var sb = frame.Begin("scatter-plot");
        // One group per class, so a class can be styled or counted as a whole.
        for (int c = 0; c < classes; c++)
        {
            sb.Append($"<g class=\"class\" fill=\"{Palette.Color(c)}\" fill-opacity=\"0.75\"><title>{Svg.Escape(names[c])}</title>");
            foreach (var i in ok)
                if (labels[i] == c)
                    sb.Append($"<circle cx=\"{Svg.N(frame.X(points[i].X))}\" cy=\"{Svg.N(frame.Y(points[i].Y))}\" r=\"2.6\"/>");
            sb.Append("</g>");
        }
        frame.Legend(sb, names, swatch: "dot");
        return frame.End(sb);
    }

    /// <summary>Plot-area geometry and the shared parts: background, grid, axes, ticks, labels, legend.</summary>
    sealed class Frame(ChartOptions o, double[] xt, double[] yt, bool logY, int legendCount)
    {
        readonly double left = MarginLeft, top = MarginTop + (string.IsNullOrEmpty(o.Title) ? 0 : 8);
        double Right => o.Width - (legendCount > 0 ? LegendWidth : 20);
        double Bottom => o.Height - MarginBottom;
        double YMinT => logY ? Math.Log10(yt[0]) : yt[0];
        double YMaxT => logY ? Math.Log10(yt[^1]) : yt[^1];

        public double X(double x) => left + (x - xt[0]) / (xt[^1] - xt[0]) * (Right - left);
        public double Y(double y) => Bottom - ((logY ? Math.Log10(y) : y) - YMinT) / (YMaxT - YMinT) * (Bottom - top);

        public StringBuilder Begin(string kind)
        {
            var sb = new StringBuilder();
            sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{kind}\" width=\"{o.Width}\" height=\"{o.Height}\" viewBox=\"0 0 {o.Width} {o.Height}\" font-family=\"{Svg.Escape(Svg.FontFamily)}\" font-size=\"{FontSize}\" role=\"img\">");
            if (!string.IsNullOrEmpty(o.Title))
                sb.Append($"<title>{Svg.Escape(o.Title)}</title>");
            sb.Append($"<rect width=\"{o.Width}\" height=\"{o.Height}\" fill=\"#ffffff\"/>");
            if (!string.IsNullOrEmpty(o.Title))
                sb.Append($"<text class=\"title\" x=\"{Svg.N((left + Right) / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"{FontSize + 2}\" font-weight=\"600\">{Svg.Escape(o.Title)}</text>");
            // Grid and ticks.
            sb.Append("<g class=\"x-ticks\" fill=\"#333\">");
            foreach (var t in xt)
            {
                var x = Svg.N(X(t));
                sb.Append($"<line x1=\"{x}\" x2=\"{x}\" y1=\"{Svg.N(top)}\" y2=\"{Svg.N(Bottom)}\" stroke=\"#e6e6e6\"/>");
                sb.Append($"<line x1=\"{x}\" x2=\"{x}\" y1=\"{Svg.N(Bottom)}\" y2=\"{Svg.N(Bottom + 5)}\" stroke=\"#333\"/>");
                sb.Append($"<text class=\"tick\" x=\"{x}\" y=\"{Svg.N(Bottom + 18)}\" text-anchor=\"middle\">{Svg.Escape(Svg.TickLabel(t))}</text>");
            }
            sb.Append("</g><g class=\"y-ticks\" fill=\"#333\">");
            foreach (var t in yt)
            {
                var y = Svg.N(Y(t));
                sb.Append($"<line x1=\"{Svg.N(left)}\" x2=\"{Svg.N(Right)}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e6e6e6\"/>");
                sb.Append($"<line x1=\"{Svg.N(left - 5)}\" x2=\"{Svg.N(left)}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#333\"/>");
                sb.Append($"<text class=\"tick\" x=\"{Svg.N(left - 8)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"end\">{Svg.Escape(Svg.TickLabel(t))}</text>");
            }
            sb.Append("</g>");
            sb.Append($"<rect x=\"{Svg.N(left)}\" y=\"{Svg.N(top)}\" width=\"{Svg.N(Right - left)}\" height=\"{Svg.N(Bottom - top)}\" fill=\"none\" stroke=\"#333\"/>");
            sb.Append($"<text class=\"x-label\" x=\"{Svg.N((left + Right) / 2)}\" y=\"{Svg.N(o.Height - 10)}\" text-anchor=\"middle\">{Svg.Escape(o.XLabel)}</text>");
            double cy = (top + Bottom) / 2;
            sb.Append($"<text class=\"y-label\" x=\"16\" y=\"{Svg.N(cy)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Svg.N(cy)})\">{Svg.Escape(o.YLabel)}</text>");
            sb.Append("<g class=\"data\">");
            return sb;
        }

        public void Legend(StringBuilder sb, IReadOnlyList<string> names, string swatch)
        {
            sb.Append("</g>");
            if (names.Count == 0) return;
            double x = Right + 14, y = top + 6;
            sb.Append("<g class=\"legend\">");
            for (int i = 0; i < names.Count; i++, y += 18)
            {
                var color = Palette.Color(i);
                sb.Append(swatch == "line"
                    ? $"<line x1=\"{Svg.N(x)}\" x2=\"{Svg.N(x + 18)}\" y1=\"{Svg.N(y)}\" y2=\"{Svg.N(y)}\" stroke=\"{color}\" stroke-width=\"3\"{(i >= Palette.Colors.Count ? " stroke-dasharray=\"6 3\"" : "")}/>"
                    : $"<circle cx=\"{Svg.N(x + 9)}\" cy=\"{Svg.N(y)}\" r=\"5\" fill=\"{color}\"/>");
                var name = names[i].Length > 18 ? names[i][..17] + "…" : names[i];
                sb.Append($"<text class=\"legend-entry\" x=\"{Svg.N(x + 24)}\" y=\"{Svg.N(y)}\" dy=\"0.35em\">{Svg.Escape(name)}<title>{Svg.Escape(names[i])}</title></text>");
            }
            sb.Append("</g>");
        }

        public string End(StringBuilder sb) => sb.Append("</svg>").ToString();
    }
}
