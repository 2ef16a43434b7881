using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Imaging;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>How <see cref="ImageGrid"/> lays pictures out.</summary>
public sealed record GridOptions
{
    /// <summary>Pictures per row; null: as many as fit a square, <c>ceil(sqrt(N))</c>.</summary>
    public int? Columns { get; init; }

    /// <summary>
    /// Integer enlargement of each picture (nearest neighbour); null: the smallest factor that makes
    /// the longer side at least <see cref="ImageGrid.AutoScaleTarget"/> pixels (3 for 28×28).
    /// </summary>
    public int? Scale { get; init; }

    /// <summary>Pixels of background around and between pictures (after enlargement).</summary>
    public int Padding { get; init; } = 2;

    /// <summary>Grey level of the background and padding (255 white).</summary>
    public byte Background { get; init; } = 255;

    /// <summary>Grey level of label text (0 black).</summary>
    public byte TextColor { get; init; }

    /// <summary>Size of label and title text in pixels (the font's em; see <see cref="LabelText"/>).</summary>
    public float FontSize { get; init; } = LabelText.DefaultSize;

    /// <summary>Labels drawn left of each row (right-aligned); null for none. At most one per row.</summary>
    public IReadOnlyList<string>? RowLabels { get; init; }

    /// <summary>Labels drawn above each column (centred); null for none. At most one per column.</summary>
    public IReadOnlyList<string>? ColumnLabels { get; init; }

    /// <summary>A line of text above everything; null for none.</summary>
    public string? Title { get; init; }
}

/// <summary>
/// Where everything goes in a grid picture: its size and each cell's top-left corner. Cells fill
/// rows left to right, top to bottom.
/// </summary>
/// <param name="Rows">Rows of cells.</param>
/// <param name="Columns">Cells per row.</param>
/// <param name="CellWidth">Width of one enlarged picture.</param>
/// <param name="CellHeight">Height of one enlarged picture.</param>
/// <param name="Scale">Enlargement factor of the pictures.</param>
/// <param name="Left">Width of the row-label margin (0 without row labels).</param>
/// <param name="Top">Height of the title and column-label band (0 without them).</param>
/// <param name="Padding">Background between and around cells.</param>
/// <param name="Width">Width of the whole picture.</param>
/// <param name="Height">Height of the whole picture.</param>
public sealed record GridLayout(int Rows, int Columns, int CellWidth, int CellHeight, int Scale,
    int Left, int Top, int Padding, int Width, int Height)
{
    /// <summary>Top-left corner of cell <paramref name="index"/> (row-major).</summary>
    public (int X, int Y) Cell(int index) => Cell(index / Columns, index % Columns);

    /// <summary>Top-left corner of the cell in <paramref name="row"/>, <paramref name="column"/>.</summary>
    public (int X, int Y) Cell(int row, int column) =>
        (Left + Padding + column * (CellWidth + Padding), Top + Padding + row * (CellHeight + Padding));
}

/// <summary>
/// Lays N pictures [N, C, H, W] (C = 1 grey or 3 RGB, values in [0, 1]) out in rows × columns on
/// one image, with padding, optional row and column labels and a title (<see cref="LabelText"/>),
/// each picture enlarged by an integer factor so small ones (28×28 digits) are easy to see.
/// </summary>
public static class ImageGrid
{
    /// <summary>The automatic scale makes a picture's longer side at least this many pixels.</summary>
    public const int AutoScaleTarget = 64;

    /// <summary>
    /// Most pixels in one grid (2^28 ≈ 268 million, about 0.8 GB as RGB): <see cref="Layout"/> refuses
    /// larger grids before any image is allocated.
    /// </summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>The automatic enlargement for pictures of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static int AutoScale(int height, int width) => Math.Max(1, (AutoScaleTarget + Math.Max(height, width) - 1) / Math.Max(height, width));

    /// <summary>Computes the layout of <paramref name="count"/> pictures of <paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <exception cref="ArgumentException">A count, size or option is out of range, or there are more labels than rows or columns.</exception>
    public static GridLayout Layout(int count, int height, int width, GridOptions? options = null)
    {
        var o = options ?? new GridOptions();
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "a grid needs at least one picture");
        if (height < 1 || width < 1) throw new ArgumentException($"pictures must be at least 1×1, got {height}×{width}", nameof(height));
        if (o.Columns is < 1) throw new ArgumentException($"columns must be at least 1, got {o.Columns}", nameof(options));
        if (o.Scale is < 1) throw new ArgumentException($"scale must be at least 1, got {o.Scale}", nameof(options));
        if (o.Padding < 0) throw new ArgumentException($"padding must be non-negative, got {o.Padding}", nameof(options));
        if (!float.IsFinite(o.FontSize) || o.FontSize <= 0) throw new ArgumentException($"font size must be a positive number of pixels, got {o.FontSize}", nameof(options));
        int cols = o.Columns ?? (int)Math.Ceiling(Math.Sqrt(count));
        cols = Math.Min(cols, count);
        int rows = (count + cols - 1) / cols;
        if (o.RowLabels is { } rl && rl.Count > rows)
            throw new ArgumentException($"{rl.Count} row labels for {rows} rows", nameof(options));
        if (o.ColumnLabels is { } cl && cl.Count > cols)
            throw new ArgumentException($"{cl.Count} column labels for {cols} columns", nameof(options));

        int scale = o.Scale ?? AutoScale(height, width);
        int pad = o.Padding, fh = LabelText.LineHeight(o.FontSize);
        long cw = (long)width * scale, ch = (long)height * scale;
        int labelWidth = o.RowLabels is { Count: > 0 } ? o.RowLabels.Max(l => LabelText.MeasureWidth(l ?? "", o.FontSize)) : 0;
        int left = labelWidth > 0 ? labelWidth + pad : 0;
        int textRows = (string.IsNullOrEmpty(o.Title) ? 0 : 1) + (o.ColumnLabels is { Count: > 0 } ? 1 : 0);
        int top = textRows * (fh + pad);
        long w = left + pad + cols * (cw + pad);
        long h = top + pad + rows * (ch + pad);
        if (!string.IsNullOrEmpty(o.Title)) w = Math.Max(w, LabelText.MeasureWidth(o.Title, o.FontSize) + 2L * pad);
        if (w * h > MaxPixels)
            throw new ArgumentException($"the grid would be {w}×{h} pixels, over the limit of {MaxPixels.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}; use fewer pictures or a smaller scale", nameof(options));
        return new GridLayout(rows, cols, (int)cw, (int)ch, scale, left, top, pad, (int)w, (int)h);
    }

    /// <summary>Renders pictures from a tensor [N, C, H, W] (or [N, H, W], grey) of any real dtype.</summary>
    /// <exception cref="ArgumentException">The tensor has another rank, C is not 1 or 3, or an option is out of range.</exception>
    public static RasterImage Render(Tensor images, GridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var shape = images.Shape;
        if (shape.Length == 3) shape = [shape[0], 1, shape[1], shape[2]];
        if (shape.Length != 4)
            throw new ArgumentException($"images must be [N, C, H, W] or [N, H, W], got [{string.Join(", ", images.Shape)}]", nameof(images));
        if (shape[1] is not (1 or 3))
            throw new ArgumentException($"images need 1 (grey) or 3 (RGB) channels, got {shape[1]} in [{string.Join(", ", shape)}]", nameof(images));
        if (shape.Any(s => s > int.MaxValue)) throw new ArgumentException("images are too large", nameof(images));
        using var scope = Torch.NewScope();
        var data = images.Detach().To(DType.Float32).Contiguous().ToArray<float>();
        return Render(data, (int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3], options);
    }

    /// <summary>Renders <paramref name="count"/> pictures laid out as [N, C, H, W] in <paramref name="data"/>.</summary>
    public static RasterImage Render(ReadOnlySpan<float> data, int count, int channels, int height, int width, GridOptions? options = null)
    {
        var o = options ?? new GridOptions();
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "pictures need 1 (grey) or 3 (RGB) channels");
        var layout = Layout(count, height, width, o);
        long per = (long)channels * height * width;
        if (data.Length != per * count)
            throw new ArgumentException($"expected {count}×{channels}×{height}×{width} = {per * count} values, got {data.Length}", nameof(data));

        var image = new RasterImage(layout.Width, layout.Height, channels, o.Background);
        for (int i = 0; i < count; i++)
        {
            var (x, y) = layout.Cell(i);
            image.DrawPlanes(data.Slice((int)(i * per), (int)per), channels, width, height, x, y, layout.Scale);
        }

        int fh = LabelText.LineHeight(o.FontSize), pad = layout.Padding, textY = pad;
        if (!string.IsNullOrEmpty(o.Title))
        {
            image.DrawText(o.Title, pad, textY, o.TextColor, o.FontSize);
            textY += fh + pad;
        }
        if (o.ColumnLabels is { Count: > 0 } columnLabels)
            for (int c = 0; c < columnLabels.Count; c++)
            {
                var text = columnLabels[c] ?? "";
                var (x, _) = layout.Cell(0, c);
                image.DrawText(text, x + (layout.CellWidth - LabelText.MeasureWidth(text, o.FontSize)) / 2, textY, o.TextColor, o.FontSize);
            }
        if (o.RowLabels is { Count: > 0 } rowLabels)
            for (int r = 0; r < rowLabels.Count; r++)
            {
                var text = rowLabels[r] ?? "";
                var (_, y) = layout.Cell(r, 0);
                image.DrawText(text, layout.Left - LabelText.MeasureWidth(text, o.FontSize), y + (layout.CellHeight - fh) / 2, o.TextColor, o.FontSize);
            }
        return image;
    }
}
