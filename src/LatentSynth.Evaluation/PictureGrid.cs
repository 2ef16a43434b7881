using LatentSynth.Evaluation.Imaging;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation;

/// <summary>
/// Pictures made from a model, [N, C, H, W] float32 in [0, 1], with the layout and labels that
/// explain them; <see cref="Render"/> turns them into one image, <see cref="SavePng"/> into a file.
/// It owns <see cref="Images"/> (never part of a dispose scope).
/// </summary>
public sealed class PictureGrid : IDisposable
{
    /// <summary>Creates the grid, taking ownership of <paramref name="images"/>.</summary>
    /// <exception cref="ArgumentException">Images are not [N, C, H, W] with C 1 or 3, or columns is not positive.</exception>
    public PictureGrid(Tensor images, int columns, IReadOnlyList<string>? rowLabels = null,
        IReadOnlyList<string>? columnLabels = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var s = images.Shape;
        if (s.Length != 4 || s[1] is not (1 or 3) || s[0] < 1)
            throw new ArgumentException($"pictures must be [N ≥ 1, C = 1 or 3, H, W], got [{string.Join(", ", s)}]", nameof(images));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Images = images.DetachFromScope();
        Columns = columns;
        RowLabels = rowLabels;
        ColumnLabels = columnLabels;
        Title = title;
    }

    /// <summary>The pictures, [N, C, H, W] float32, row-major in the grid.</summary>
    public Tensor Images { get; }

    /// <summary>Number of pictures.</summary>
    public int Count => (int)Images.Size(0);

    /// <summary>Pictures per row.</summary>
    public int Columns { get; }

    /// <summary>Rows of pictures.</summary>
    public int Rows => (Count + Columns - 1) / Columns;

    /// <summary>A label per row, or null.</summary>
    public IReadOnlyList<string>? RowLabels { get; }

    /// <summary>A label per column, or null.</summary>
    public IReadOnlyList<string>? ColumnLabels { get; }

    /// <summary>A title line, or null.</summary>
    public string? Title { get; }

    /// <summary>
    /// The grid as an image. <paramref name="style"/> sets the look (scale, padding, colours,
    /// font size); its columns, labels and title, when set, replace the grid's own.
    /// </summary>
    public RasterImage Render(GridOptions? style = null)
    {
        var o = style ?? new GridOptions();
        o = o with
        {
            Columns = o.Columns ?? Columns,
            RowLabels = o.RowLabels ?? RowLabels,
            ColumnLabels = o.ColumnLabels ?? ColumnLabels,
            Title = o.Title ?? Title,
        };
        return ImageGrid.Render(Images, o);
    }

    /// <summary>Renders and writes a PNG (atomically, creating its folder), with optional <c>tEXt</c> entries.</summary>
    public RasterImage SavePng(string path, GridOptions? style = null, IEnumerable<KeyValuePair<string, string>>? text = null)
    {
        var image = Render(style);
        image.SavePng(path, text);
        return image;
    }

    /// <summary>Disposes the pictures.</summary>
    public void Dispose() => Images.Dispose();
}
