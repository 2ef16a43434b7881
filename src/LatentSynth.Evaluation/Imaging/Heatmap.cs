namespace LatentSynth.Evaluation.Imaging;

/// <summary>A colour ramp from low (0) to high (1) values.</summary>
public sealed class Colormap
{
    private readonly (double At, byte R, byte G, byte B)[] stops;

    /// <summary>Creates a ramp from colour stops (positions in 0..1, increasing, first 0 and last 1).</summary>
    /// <exception cref="ArgumentException">Fewer than two stops, or positions not increasing from 0 to 1.</exception>
    public Colormap(string name, params (double At, byte R, byte G, byte B)[] stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        if (stops.Length < 2) throw new ArgumentException("a colormap needs at least two stops", nameof(stops));
        if (stops[0].At != 0 || stops[^1].At != 1) throw new ArgumentException("the first stop must be at 0 and the last at 1", nameof(stops));
        for (int i = 1; i < stops.Length; i++)
            if (!(stops[i].At > stops[i - 1].At)) throw new ArgumentException("stop positions must increase", nameof(stops));
        Name = name;
        this.stops = stops;
    }

    /// <summary>The ramp's name.</summary>
    public string Name { get; }

    /// <summary>Dark purple through red and orange to pale yellow: monotone in lightness, so it reads in
    /// grey too. Our own stops, chosen for spectrograms (quiet = dark).</summary>
    public static Colormap Fire { get; } = new("fire",
        (0.0, 0, 0, 4), (0.15, 40, 11, 84), (0.35, 120, 28, 109), (0.55, 200, 58, 80),
        (0.75, 245, 125, 21), (0.9, 250, 193, 39), (1.0, 252, 255, 164));

    /// <summary>Dark blue through teal and green to yellow (lightness increasing): for value maps such as
    /// descriptor topographies, where "more" should look brighter. Our own stops.</summary>
    public static Colormap Ocean { get; } = new("ocean",
        (0.0, 33, 17, 78), (0.25, 46, 76, 140), (0.5, 30, 145, 140), (0.75, 110, 200, 90), (1.0, 245, 230, 40));

    /// <summary>Blue (−1) through white (0) to red (+1): for signed values such as correlations (pass (v + 1) / 2).</summary>
    public static Colormap Diverging { get; } = new("diverging",
        (0.0, 33, 102, 172), (0.25, 120, 170, 210), (0.5, 247, 247, 247), (0.75, 230, 140, 110), (1.0, 178, 24, 43));

    /// <summary>The colour of <paramref name="t"/> (clamped to 0..1; NaN maps to mid grey).</summary>
    public (byte R, byte G, byte B) At(double t)
    {
        if (double.IsNaN(t)) return (128, 128, 128);
        t = Math.Clamp(t, 0, 1);
        int i = 1;
        while (i < stops.Length - 1 && stops[i].At < t) i++;
        var (a, b) = (stops[i - 1], stops[i]);
        double f = (t - a.At) / (b.At - a.At);
        static byte Mix(byte x, byte y, double f) => (byte)Math.Round(x + (y - x) * f);
        return (Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }

    /// <summary>"#rrggbb" of <paramref name="t"/>.</summary>
    public string Hex(double t)
    {
        var (r, g, b) = At(t);
        return $"#{r:x2}{g:x2}{b:x2}";
    }
}

/// <summary>Colour PNG pictures of 2-D arrays: spectrograms (time × frequency) and value maps over a plane.</summary>
public static class Heatmap
{
    /// <summary>Renders <paramref name="values"/> ([rows][columns]) as an RGB PNG, one cell per
    /// <paramref name="scale"/>×<paramref name="scale"/> pixels, row 0 at the bottom when
    /// <paramref name="originBottom"/> (as in a spectrogram or a plot), mapping [min, max] through the colormap.</summary>
    /// <param name="values">The array; NaN cells are grey.</param>
    /// <param name="colormap">The colour ramp (default <see cref="Colormap.Fire"/>).</param>
    /// <param name="min">Value drawn as the ramp's start (default: the finite minimum).</param>
    /// <param name="max">Value drawn as the ramp's end (default: the finite maximum).</param>
    /// <param name="scale">Pixels per cell in each direction (1..16).</param>
    /// <param name="originBottom">Whether row 0 is drawn at the bottom.</param>
    /// <exception cref="ArgumentException">The array is empty or ragged, or the scale is out of range.</exception>
    public static byte[] Png(double[][] values, Colormap? colormap = null, double? min = null, double? max = null, int scale = 1, bool originBottom = true)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0 || values[0].Length == 0) throw new ArgumentException("a heatmap needs at least one row and one column", nameof(values));
        int rows = values.Length, cols = values[0].Length;
        if (values.Any(r => r.Length != cols)) throw new ArgumentException("every row of a heatmap must have the same length", nameof(values));
        if (scale is < 1 or > 16) throw new ArgumentException($"scale must be in 1..16; got {scale}", nameof(scale));
        colormap ??= Colormap.Fire;
        var finite = values.SelectMany(r => r).Where(double.IsFinite).ToList();
        double lo = min ?? (finite.Count > 0 ? finite.Min() : 0), hi = max ?? (finite.Count > 0 ? finite.Max() : 1);
        double span = hi > lo ? hi - lo : 1;
        // The upscale stays this loop (decided in issue 11): each cell's colour written into its
        // scale×scale block, row order flipped on the way. Skia's nearest-neighbour scaling would need
        // an RGBA SKBitmap of the cells, a second one of the picture, ScalePixels with nearest sampling
        // and a copy back to RGB for the encoder: more code and two extra copies for the same pixels.
        int w = cols * scale, h = rows * scale;
        var px = new byte[w * h * 3];
        for (int r = 0; r < rows; r++)
        {
            int yTop = (originBottom ? rows - 1 - r : r) * scale;
            for (int c = 0; c < cols; c++)
            {
                double v = values[r][c];
                var (cr, cg, cb) = double.IsFinite(v) ? colormap.At((v - lo) / span) : colormap.At(double.NaN);
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                    {
                        int o = ((yTop + dy) * w + c * scale + dx) * 3;
                        px[o] = cr; px[o + 1] = cg; px[o + 2] = cb;
                    }
            }
        }
        return Imaging.Png.Encode(px, w, h, PngColorType.Rgb);
    }
}
