using System.Globalization;
using System.Text;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Evaluation.Report;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using SkiaSharp;

namespace LatentSynth.Audio.Paths;

using Torch = LatentSynth.Torch.Torch;

/// <summary>One path to draw: its legend name and its points [T, d].</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Path">The latent path [T, d], T ≥ 1.</param>
public sealed record PathPlotSeries(string Name, Tensor Path);

/// <summary>The background of a path plot: a data set's codes coloured by label.</summary>
/// <param name="Codes">The encodings [N, d].</param>
/// <param name="Labels">The label of each code (0-based index into <paramref name="LabelNames"/>), or null for one colour.</param>
/// <param name="LabelNames">Legend names by label (e.g. instrument names); missing names are the label number.</param>
public sealed record PathPlotBackground(Tensor Codes, IReadOnlyList<int>? Labels = null, IReadOnlyList<string>? LabelNames = null);

/// <summary>A rendered path plot and the map from plane coordinates to picture pixels.</summary>
/// <param name="Svg">The standalone &lt;svg&gt; element.</param>
/// <param name="XMin">Plane x at the left edge of the plot area.</param>
/// <param name="XMax">Plane x at the right edge.</param>
/// <param name="YMin">Plane y at the bottom edge.</param>
/// <param name="YMax">Plane y at the top edge.</param>
/// <param name="Left">Pixel x of the plot area's left edge.</param>
/// <param name="Right">Pixel x of the right edge.</param>
/// <param name="Top">Pixel y of the top edge.</param>
/// <param name="Bottom">Pixel y of the bottom edge.</param>
public sealed record PathPlotResult(string Svg, double XMin, double XMax, double YMin, double YMax,
    double Left, double Right, double Top, double Bottom)
{
    /// <summary>The pixel position of plane point (<paramref name="x"/>, <paramref name="y"/>) (y grows downwards).</summary>
    public (double Px, double Py) ToPixel(double x, double y) =>
        (Left + (x - XMin) / (XMax - XMin) * (Right - Left), Bottom - (y - YMin) / (YMax - YMin) * (Bottom - Top));
}

/// <summary>
/// Draws latent paths over a 2-D latent map: the background codes as dots coloured by label, each path
/// as a polyline with a hollow circle at its start, a square at its end and arrowheads showing its
/// direction, and a legend naming the labels and the paths. SVG in the project's chart style
/// (<see cref="Charts"/>: same fonts, palette, ticks); PNG drawn by SkiaSharp into a <see cref="RasterImage"/>
/// and written by <see cref="Png"/>.
/// </summary>
public static class PathPlot
{
    const int MarginLeft = 70, MarginTop = 34, MarginBottom = 48, LegendWidth = 165, FontSize = 13;

    /// <summary>Colours of the paths (dark and saturated, to stand out over the label dots).</summary>
    public static IReadOnlyList<string> PathColors { get; } = ["#111111", "#B2182B", "#2166AC", "#1B7837", "#762A83", "#8C510A"];

    /// <summary>Renders the plot. Options: title, axis labels (default: the projection's), size (default 620×480).</summary>
    /// <exception cref="ArgumentException">No path is given, a path or the background has the wrong latent
    /// dimension, or labels do not match the codes.</exception>
    public static PathPlotResult Render(LatentProjection projection, IReadOnlyList<PathPlotSeries> paths,
        PathPlotBackground? background = null, ChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(projection);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("give at least one path to draw", nameof(paths));
        options ??= new ChartOptions { Width = 620, Height = 480 };
        var projected = new List<(double X, double Y)[]>();
        for (int i = 0; i < paths.Count; i++)
        {
            if (paths[i]?.Path is null) throw new ArgumentNullException(nameof(paths), $"path {i} is null");
            try { projected.Add(projection.Project(paths[i].Path)); }
            catch (ArgumentException e) { throw new ArgumentException($"path {i} (\"{paths[i].Name}\"): {e.Message}", nameof(paths), e); }
        }
        (double X, double Y)[] bg = [];
        int[] labels = [];
        var names = new List<string>();
        if (background is not null)
        {
            try { bg = projection.Project(background.Codes); }
            catch (ArgumentException e) { throw new ArgumentException($"background codes: {e.Message}", nameof(background), e); }
            if (background.Labels is not null)
            {
                if (background.Labels.Count != bg.Length)
                    throw new ArgumentException($"{bg.Length} background codes but {background.Labels.Count} labels: give one label per code", nameof(background));
                if (background.Labels.Any(l => l < 0)) throw new ArgumentException("background labels must be non-negative indices into LabelNames", nameof(background));
                labels = background.Labels.ToArray();
            }
            else labels = new int[bg.Length];
            int classes = Math.Max(background.LabelNames?.Count ?? 0, labels.Length > 0 ? labels.Max() + 1 : 0);
            if (background.Labels is null && background.LabelNames is null) classes = Math.Min(classes, 1);
            for (int c = 0; c < classes; c++)
                names.Add(background.LabelNames is { } ln && c < ln.Count ? ln[c] : background.Labels is null ? "codes" : c.ToString(CultureInfo.InvariantCulture));
        }

        var all = bg.Concat(projected.SelectMany(p => p)).ToList();
        double xMin = all.Min(p => p.X), xMax = all.Max(p => p.X), yMin = all.Min(p => p.Y), yMax = all.Max(p => p.Y);
        double padX = 0.04 * (xMax - xMin), padY = 0.04 * (yMax - yMin);
        var xt = Ticks.Linear(xMin - padX, xMax + padX, 5);
        var yt = Ticks.Linear(yMin - padY, yMax + padY, 5);
        double left = MarginLeft, top = MarginTop + (string.IsNullOrEmpty(options.Title) ? 0 : 8);
        double right = options.Width - LegendWidth, bottom = options.Height - MarginBottom;
        var result = new PathPlotResult("", xt[0], xt[^1], yt[0], yt[^1], left, right, top, bottom);
        string xLabel = string.IsNullOrEmpty(options.XLabel) ? projection.XLabel : options.XLabel;
        string yLabel = string.IsNullOrEmpty(options.YLabel) ? projection.YLabel : options.YLabel;

        // The arrow marker's id must be unique in a page that inlines several plots (an HTML report): it
        // is derived from what is drawn (FNV-1a over the plane coordinates and names), so the same plot
        // always gets the same id and different plots different ones.
        ulong hash = 14695981039346656037UL;
        void Mix(double v) { hash = (hash ^ (ulong)BitConverter.DoubleToInt64Bits(v)) * 1099511628211UL; }
        foreach (var p in all) { Mix(p.X); Mix(p.Y); }
        foreach (var series in paths) foreach (var c in series.Name) Mix(c);
        string markerId = $"path-arrow-{hash:x16}";
        var sb = new StringBuilder();
        int w = options.Width, h = options.Height;
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"path-plot\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{Svg.Escape(Svg.FontFamily)}\" font-size=\"{FontSize}\" role=\"img\">");
        if (!string.IsNullOrEmpty(options.Title)) sb.Append($"<title>{Svg.Escape(options.Title)}</title>");
        sb.Append($"<defs><marker id=\"{markerId}\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>");
        sb.Append($"<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
        if (!string.IsNullOrEmpty(options.Title))
            sb.Append($"<text class=\"title\" x=\"{Svg.N((left + right) / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"{FontSize + 2}\" font-weight=\"600\">{Svg.Escape(options.Title)}</text>");
        sb.Append("<g class=\"x-ticks\" fill=\"#333\">");
        foreach (var t in xt)
        {
            var x = Svg.N(result.ToPixel(t, 0).Px);
            sb.Append($"<line x1=\"{x}\" x2=\"{x}\" y1=\"{Svg.N(top)}\" y2=\"{Svg.N(bottom)}\" stroke=\"#e6e6e6\"/>");
            sb.Append($"<text class=\"tick\" x=\"{x}\" y=\"{Svg.N(bottom + 18)}\" text-anchor=\"middle\">{Svg.Escape(Svg.TickLabel(t))}</text>");
        }
        sb.Append("</g><g class=\"y-ticks\" fill=\"#333\">");
        foreach (var t in yt)
        {
            var y = Svg.N(result.ToPixel(0, t).Py);
            sb.Append($"<line x1=\"{Svg.N(left)}\" x2=\"{Svg.N(right)}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e6e6e6\"/>");
            sb.Append($"<text class=\"tick\" x=\"{Svg.N(left - 8)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"end\">{Svg.Escape(Svg.TickLabel(t))}</text>");
        }
        sb.Append("</g>");
        sb.Append($"<rect x=\"{Svg.N(left)}\" y=\"{Svg.N(top)}\" width=\"{Svg.N(right - left)}\" height=\"{Svg.N(bottom - top)}\" fill=\"none\" stroke=\"#333\"/>");
        sb.Append($"<text class=\"x-label\" x=\"{Svg.N((left + right) / 2)}\" y=\"{Svg.N(h - 10)}\" text-anchor=\"middle\">{Svg.Escape(xLabel)}</text>");
        double cy = (top + bottom) / 2;
        sb.Append($"<text class=\"y-label\" x=\"16\" y=\"{Svg.N(cy)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Svg.N(cy)})\">{Svg.Escape(yLabel)}</text>");

        // Background: one group per label.
        for (int c = 0; c < names.Count; c++)
        {
            sb.Append($"<g class=\"label\" fill=\"{Palette.Color(c)}\" fill-opacity=\"0.55\"><title>{Svg.Escape(names[c])}</title>");
            for (int i = 0; i < bg.Length; i++)
                if (labels[i] == c && double.IsFinite(bg[i].X) && double.IsFinite(bg[i].Y))
                {
                    var (px, py) = result.ToPixel(bg[i].X, bg[i].Y);
                    sb.Append($"<circle cx=\"{Svg.N(px)}\" cy=\"{Svg.N(py)}\" r=\"2.4\"/>");
                }
            sb.Append("</g>");
        }
        // Paths: a white halo under the line, the line, arrowheads along it, start and end markers.
        for (int k = 0; k < paths.Count; k++)
        {
            var color = PathColor(k);
            var px = projected[k].Select(p => result.ToPixel(p.X, p.Y)).ToArray();
            var pts = string.Join(" ", px.Select(p => Svg.N(p.Px) + "," + Svg.N(p.Py)));
            sb.Append($"<g class=\"path\" data-name=\"{Svg.Escape(paths[k].Name)}\"><title>{Svg.Escape(paths[k].Name)}</title>");
            sb.Append($"<polyline class=\"halo\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"5\" stroke-linejoin=\"round\" stroke-opacity=\"0.8\" points=\"{pts}\"/>");
            sb.Append($"<polyline class=\"path-line\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"{pts}\"/>");
            foreach (var (a, b) in ArrowSegments(px))
                sb.Append($"<line class=\"arrow\" x1=\"{Svg.N(a.Px)}\" y1=\"{Svg.N(a.Py)}\" x2=\"{Svg.N(b.Px)}\" y2=\"{Svg.N(b.Py)}\" stroke=\"{color}\" stroke-width=\"2\" marker-end=\"url(#{markerId})\"/>");
            sb.Append($"<circle class=\"start\" cx=\"{Svg.N(px[0].Px)}\" cy=\"{Svg.N(px[0].Py)}\" r=\"5\" fill=\"#ffffff\" stroke=\"{color}\" stroke-width=\"2\"><title>start</title></circle>");
            sb.Append($"<rect class=\"end\" x=\"{Svg.N(px[^1].Px - 4.5)}\" y=\"{Svg.N(px[^1].Py - 4.5)}\" width=\"9\" height=\"9\" fill=\"{color}\"><title>end</title></rect>");
            sb.Append("</g>");
        }
        // Legend: labels (dots), then paths (lines).
        double lx = right + 14, ly = top + 6;
        sb.Append("<g class=\"legend\">");
        for (int c = 0; c < names.Count; c++, ly += 18)
        {
            sb.Append($"<circle cx=\"{Svg.N(lx + 9)}\" cy=\"{Svg.N(ly)}\" r=\"5\" fill=\"{Palette.Color(c)}\"/>");
            sb.Append(LegendText(lx, ly, names[c], "legend-label"));
        }
        if (names.Count > 0) ly += 6;
        for (int k = 0; k < paths.Count; k++, ly += 18)
        {
            sb.Append($"<line x1=\"{Svg.N(lx)}\" x2=\"{Svg.N(lx + 18)}\" y1=\"{Svg.N(ly)}\" y2=\"{Svg.N(ly)}\" stroke=\"{PathColor(k)}\" stroke-width=\"3\"/>");
            sb.Append(LegendText(lx, ly, paths[k].Name, "legend-path"));
        }
        sb.Append("</g></svg>");
        return result with { Svg = sb.ToString() };
    }

    /// <summary>The SVG text of <see cref="Render"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Render"/>.</exception>
    public static string ToSvg(LatentProjection projection, IReadOnlyList<PathPlotSeries> paths,
        PathPlotBackground? background = null, ChartOptions? options = null) =>
        Render(projection, paths, background, options).Svg;

    /// <summary>Renders the plot and writes it as an SVG file (atomically); returns the render.</summary>
    /// <exception cref="ArgumentException">As <see cref="Render"/>, or the file name is empty.</exception>
    public static PathPlotResult WriteSvg(string file, LatentProjection projection, IReadOnlyList<PathPlotSeries> paths,
        PathPlotBackground? background = null, ChartOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(file)) throw new ArgumentException("give the SVG file to write", nameof(file));
        var r = Render(projection, paths, background, options);
        AtomicFile.WriteAllText(file, r.Svg);
        return r;
    }

    /// <summary>Text size of the raster legend in pixels: one line fits the legend's 14-pixel rows.</summary>
    public const float LegendTextSize = 11f;

    /// <summary>
    /// The same plot as a raster picture (RGB, same size and geometry as the SVG), drawn by SkiaSharp
    /// with anti-aliasing: dots, paths as 2-pixel lines with round caps and joins, a hollow start
    /// circle, a filled end circle, the plot frame and a legend (names in black next to their colour
    /// swatch, in DejaVu Sans of <see cref="LegendTextSize"/> pixels, the typeface of
    /// <see cref="LabelText"/>). No tick labels, no arrowheads.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Render"/>.</exception>
    public static RasterImage Raster(LatentProjection projection, IReadOnlyList<PathPlotSeries> paths,
        PathPlotBackground? background = null, ChartOptions? options = null)
    {
        options ??= new ChartOptions { Width = 620, Height = 480 };
        var r = Render(projection, paths, background, options);
        int w = options.Width, h = options.Height;
        // Opaque RGBA: Skia has no 3-byte format; the alpha byte is dropped when copying out.
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill })
        using (var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round })
        using (var font = LabelText.CreateFont(LegendTextSize))
        {
            canvas.Clear(SKColors.White);
            // The frame's 1-pixel lines on pixel centres, so they stay crisp.
            float l = (float)r.Left, t = (float)r.Top, rt = (float)r.Right, b = (float)r.Bottom;
            stroke.Color = SKColor.Parse("#333333");
            stroke.StrokeWidth = 1;
            canvas.DrawRect(SKRect.Create(l + 0.5f, t + 0.5f, rt - l, b - t), stroke);
            if (background is not null)
                foreach (var (p, i) in projection.Project(background.Codes).Select((p, i) => (p, i)))
                {
                    if (!double.IsFinite(p.X) || !double.IsFinite(p.Y)) continue;
                    var (px, py) = r.ToPixel(p.X, p.Y);
                    fill.Color = SKColor.Parse(Palette.Color(background.Labels is null ? 0 : background.Labels[i]));
                    canvas.DrawCircle((float)px, (float)py, 2.4f, fill);
                }
            stroke.StrokeWidth = 2;
            for (int k = 0; k < paths.Count; k++)
            {
                var col = SKColor.Parse(PathColor(k));
                var px = projection.Project(paths[k].Path).Select(p => r.ToPixel(p.X, p.Y)).Select(p => new SKPoint((float)p.Px, (float)p.Py)).ToArray();
                using (var builder = new SKPathBuilder())
                {
                    builder.AddPoly(px, close: false);
                    using var line = builder.Detach();
                    stroke.Color = col;
                    canvas.DrawPath(line, stroke);
                }
                fill.Color = SKColors.White;
                canvas.DrawCircle(px[0], 4.5f, fill);
                canvas.DrawCircle(px[0], 4.5f, stroke); // hollow start: outer radius 5.5
                fill.Color = col;
                canvas.DrawCircle(px[^1], 4.5f, fill); // filled end
            }
            // Legend at the right of the frame: one 14-pixel row per label, then per path, each name's
            // line centred on its swatch.
            int y = (int)r.Top + 2 + 4, legendLine = LabelText.LineHeight(LegendTextSize), baseline = LabelText.Baseline(LegendTextSize);
            fill.Color = SKColors.Black;
            void Name(string name, float cy) => canvas.DrawText(name, rt + 30, cy - legendLine / 2 + baseline, SKTextAlign.Left, font, fill);
            int classes = background is null ? 0 : Math.Max(background.LabelNames?.Count ?? 0, background.Labels is { Count: > 0 } lb ? lb.Max() + 1 : 1);
            for (int c = 0; c < classes; c++, y += 14)
            {
                fill.Color = SKColor.Parse(Palette.Color(c));
                canvas.DrawCircle(rt + 20.5f, y + 0.5f, 3.5f, fill);
                fill.Color = SKColors.Black;
                Name(background!.LabelNames is { } ln && c < ln.Count ? ln[c] : background.Labels is null ? "codes" : c.ToString(CultureInfo.InvariantCulture), y);
            }
            y += 6;
            for (int k = 0; k < paths.Count; k++, y += 14)
            {
                stroke.Color = SKColor.Parse(PathColor(k));
                canvas.DrawLine(rt + 13, y + 1, rt + 27, y + 1, stroke); // covers rows y and y + 1
                Name(paths[k].Name, y);
            }
        }
        var img = new RasterImage(w, h, 3);
        var rgba = bitmap.GetPixelSpan();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int from = y * bitmap.RowBytes + 4 * x, to = (y * w + x) * 3;
                img.Pixels[to] = rgba[from]; img.Pixels[to + 1] = rgba[from + 1]; img.Pixels[to + 2] = rgba[from + 2];
            }
        return img;
    }

    /// <summary>Renders the raster picture and writes it as a PNG file (atomically, via <see cref="Png"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="Render"/>, or the file name is empty.</exception>
    public static void WritePng(string file, LatentProjection projection, IReadOnlyList<PathPlotSeries> paths,
        PathPlotBackground? background = null, ChartOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(file)) throw new ArgumentException("give the PNG file to write", nameof(file));
        Raster(projection, paths, background, options).SavePng(file);
    }

    static string PathColor(int k) => PathColors[k % PathColors.Count];

    static string LegendText(double x, double y, string name, string cls)
    {
        var shown = name.Length > 18 ? name[..17] + "…" : name;
        return $"<text class=\"{cls}\" x=\"{Svg.N(x + 24)}\" y=\"{Svg.N(y)}\" dy=\"0.35em\">{Svg.Escape(shown)}<title>{Svg.Escape(name)}</title></text>";
    }

    // Short segments at about 1/4, 1/2 and 3/4 of the path's pixel length, each carrying an arrowhead.
    static IEnumerable<((double Px, double Py) A, (double Px, double Py) B)> ArrowSegments((double Px, double Py)[] p)
    {
        if (p.Length < 2) yield break;
        var cum = new double[p.Length];
        for (int i = 1; i < p.Length; i++) cum[i] = cum[i - 1] + Math.Sqrt(Math.Pow(p[i].Px - p[i - 1].Px, 2) + Math.Pow(p[i].Py - p[i - 1].Py, 2));
        double total = cum[^1];
        if (total < 12) yield break;
        foreach (var f in new[] { 0.25, 0.5, 0.75 })
        {
            double target = f * total;
            int i = 1;
            while (i < p.Length - 1 && cum[i] < target) i++;
            double len = cum[i] - cum[i - 1];
            if (len <= 0) continue;
            double s = (target - cum[i - 1]) / len;
            double dx = (p[i].Px - p[i - 1].Px) / len, dy = (p[i].Py - p[i - 1].Py) / len;
            var m = (p[i - 1].Px + s * (p[i].Px - p[i - 1].Px), p[i - 1].Py + s * (p[i].Py - p[i - 1].Py));
            yield return ((m.Item1 - dx, m.Item2 - dy), (m.Item1 + dx, m.Item2 + dy));
        }
    }
}
