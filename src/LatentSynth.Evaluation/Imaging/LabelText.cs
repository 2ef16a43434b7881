using SkiaSharp;

namespace LatentSynth.Evaluation.Imaging;

/// <summary>
/// Label text on pictures, drawn by Skia: anti-aliased DejaVu Sans (the file Debian's
/// <c>fonts-dejavu-core</c> installs, which <c>scripts/setup.sh</c> installs), any case, any character
/// the font has (others show as the font's missing-glyph box). Sizes are the font's em in pixels;
/// a line is <see cref="LineHeight"/> pixels tall, its top at the y given to
/// <see cref="Draw"/>, so ascenders and descenders stay inside it.
/// </summary>
/// <remarks>
/// Design: <see cref="RasterImage"/> stays the one pixel store of every picture (grey or RGB, which
/// Skia has no exact 3-byte format for). Skia renders only each label's coverage into a small
/// <see cref="SKColorType.Alpha8"/> bitmap, which is blended into the image's pixels in the text's
/// grey level. No picture is copied to Skia and back; the drawing code around labels is unchanged.
/// Code that draws a whole picture on its own Skia canvas (the path plot) takes <see cref="CreateFont"/>
/// for the same typeface and look.
/// </remarks>
public static class LabelText
{
    /// <summary>Where <c>fonts-dejavu-core</c> puts DejaVu Sans.</summary>
    public const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>The label size of image grids, in pixels (em).</summary>
    public const float DefaultSize = 14f;

    /// <summary>
    /// The typeface labels use: DejaVu Sans from <see cref="FontFile"/>. When that file is missing
    /// (setup not run), Skia's default typeface, whatever fontconfig finds; the pictures still come
    /// out, their labels in another font, or blank on a system with no fonts at all.
    /// </summary>
    public static SKTypeface Typeface => typeface.Value;

    private static readonly Lazy<SKTypeface> typeface = new(() => SKTypeface.FromFile(FontFile) ?? SKTypeface.Default);

    /// <summary>Whether labels are in DejaVu Sans (its file was found), not in the fallback typeface.</summary>
    public static bool IsDejaVu => Typeface.FamilyName == "DejaVu Sans";

    /// <summary>
    /// A new font of <see cref="Typeface"/> at <paramref name="size"/> pixels with the settings labels
    /// use (anti-aliased edges, subpixel positioning, slight hinting), for code that draws text on its
    /// own Skia canvas in the labels' look; the caller disposes it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a positive number.</exception>
    public static SKFont CreateFont(float size = DefaultSize)
    {
        if (!float.IsFinite(size) || size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "text size must be a positive number of pixels");
        return new SKFont(Typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = true, Hinting = SKFontHinting.Slight };
    }

    /// <summary>Height in pixels of one line of text at <paramref name="size"/>: the font's ascent plus descent, each rounded up.</summary>
    public static int LineHeight(float size = DefaultSize)
    {
        using var font = CreateFont(size);
        return Ascent(font) + (int)Math.Ceiling(font.Metrics.Descent);
    }

    /// <summary>
    /// Width in pixels of <paramref name="text"/> at <paramref name="size"/>: its advance, or where
    /// its ink ends if that is further, rounded up; 0 for empty text.
    /// </summary>
    public static int MeasureWidth(string text, float size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return 0;
        using var font = CreateFont(size);
        float advance = font.MeasureText(text, out var ink);
        return (int)Math.Ceiling(Math.Max(advance, ink.Right));
    }

    /// <summary>
    /// Pixels from the top of a line of text at <paramref name="size"/> down to its baseline: the
    /// font's ascent, rounded up (where <see cref="Draw"/> puts the baseline under the y it is given).
    /// </summary>
    public static int Baseline(float size = DefaultSize)
    {
        using var font = CreateFont(size);
        return Ascent(font);
    }

    private static int Ascent(SKFont font) => (int)Math.Ceiling(-font.Metrics.Ascent);

    /// <summary>
    /// Draws <paramref name="text"/> on <paramref name="image"/> in grey level <paramref name="grey"/>
    /// (every channel), the line's top-left corner at (<paramref name="x"/>, <paramref name="y"/>):
    /// each pixel moves toward the grey by the glyphs' coverage of it (anti-aliasing), clipped at the
    /// image's borders.
    /// </summary>
    public static void Draw(RasterImage image, string text, int x, int y, byte grey = 0, float size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(text);
        using var font = CreateFont(size);
        if (text.Length == 0) return;
        font.MeasureText(text, out var ink);
        const int margin = 2; // room for ink left of the origin or past the measured box
        int baseline = Ascent(font);
        int left = (int)Math.Floor(Math.Min(0, ink.Left)) - margin;
        int width = MeasureWidth(text, size) - left + margin;
        int height = Math.Max(LineHeight(size), (int)Math.Ceiling(baseline + ink.Bottom)) + margin;
        if (x + left >= image.Width || y >= image.Height || x + left + width <= 0 || y + height <= 0) return;

        using var mask = new SKBitmap(new SKImageInfo(width, height, SKColorType.Alpha8, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(mask))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            canvas.Clear(SKColors.Transparent);
            canvas.DrawText(text, -left, baseline, SKTextAlign.Left, font, paint);
        }
        var coverage = mask.GetPixelSpan();
        int stride = mask.RowBytes, channels = image.Channels;
        var pixels = image.Pixels;
        for (int my = 0; my < height; my++)
        {
            int iy = y + my;
            if ((uint)iy >= image.Height) continue;
            for (int mx = 0; mx < width; mx++)
            {
                int ix = x + left + mx, a = coverage[my * stride + mx];
                if (a == 0 || (uint)ix >= image.Width) continue;
                int at = (iy * image.Width + ix) * channels;
                for (int c = 0; c < channels; c++)
                    pixels[at + c] = (byte)((pixels[at + c] * (255 - a) + grey * a + 127) / 255);
            }
        }
    }
}
