using System.Globalization;
using System.Text;

namespace LatentSynth.Evaluation.Plots;

/// <summary>Small helpers for writing SVG by hand: escaping and invariant number formatting.</summary>
public static class Svg
{
    /// <summary>The font stack used in every plot (system fonts only: no downloads).</summary>
    public const string FontFamily = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif";

    /// <summary>Escapes text for XML character data and attribute values (&amp; &lt; &gt; &quot; &apos;);
    /// drops characters XML 1.0 cannot carry (control characters other than tab/newline).</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                default:
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
                    if (c is '\uFFFE' or '\uFFFF') continue;
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A coordinate with at most two decimals, invariant culture.</summary>
    public static string N(double v) => double.IsFinite(v) ? Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture) : "0";

    /// <summary>A tick label: short, without float noise (e.g. 0.30000000000000004 → "0.3"; 1e-5 → "1e-5").</summary>
    public static string TickLabel(double v)
    {
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e5 || a < 1e-3)
        {
            int exp = (int)Math.Floor(Math.Log10(a));
            double mant = v / Math.Pow(10, exp);
            string m = Math.Round(mant, 3).ToString("0.###", CultureInfo.InvariantCulture);
            return (m == "1" ? "1" : m) + "e" + exp.ToString(CultureInfo.InvariantCulture);
        }
        return Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture);
    }
}

/// <summary>Colours for categories: the Okabe–Ito palette (readable with the common colour-vision
/// deficiencies), extended by two distinct colours for up to ten classes, then repeated.</summary>
public static class Palette
{
    /// <summary>The colours in order (hex RGB): 12 distinct ones, so the 12 instruments of the note set each get their own.</summary>
    public static IReadOnlyList<string> Colors { get; } =
    [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
        "#56B4E9", "#F0E442", "#000000", "#999999", "#882255",
        "#332288", "#999933",
    ];

    /// <summary>The colour of category <paramref name="index"/> (cycles past the end).</summary>
    public static string Color(int index) => Colors[((index % Colors.Count) + Colors.Count) % Colors.Count];
}

/// <summary>Axis ticks at "nice" values (1, 2, 2.5, 5 × 10^k on linear axes; powers of ten on log axes).</summary>
public static class Ticks
{
    /// <summary>Nice tick values covering [<paramref name="min"/>, <paramref name="max"/>], about
    /// <paramref name="target"/> of them; the first tick ≤ min and the last ≥ max.</summary>
    public static double[] Linear(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) { min = 0; max = 1; }
        if (max < min) (min, max) = (max, min);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad; max += pad;
        }
        double raw = (max - min) / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = mag * (raw / mag <= 1 ? 1 : raw / mag <= 2 ? 2 : raw / mag <= 2.5 ? 2.5 : raw / mag <= 5 ? 5 : 10);
        double start = Math.Floor(min / step + 1e-9) * step;
        double end = Math.Ceiling(max / step - 1e-9) * step;
        int count = (int)Math.Round((end - start) / step) + 1;
        var ticks = new double[count];
        for (int i = 0; i < count; i++)
        {
            double t = start + i * step;
            ticks[i] = Math.Abs(t) < step * 1e-9 ? 0 : t;
        }
        return ticks;
    }

    /// <summary>Powers of ten covering [<paramref name="min"/>, <paramref name="max"/>] (both &gt; 0);
    /// every other decade when there are more than eight.</summary>
    public static double[] Log(double min, double max)
    {
        if (!(min > 0) || !(max > 0)) throw new ArgumentException("log ticks need positive bounds", nameof(min));
        if (max < min) (min, max) = (max, min);
        int lo = (int)Math.Floor(Math.Log10(min) + 1e-9), hi = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (hi == lo) hi = lo + 1;
        int stride = (hi - lo) > 8 ? 2 : 1;
        var list = new List<double>();
        for (int e = lo; e <= hi; e += stride) list.Add(Math.Pow(10, e));
        if (list[^1] < max) list.Add(Math.Pow(10, lo + ((hi - lo + stride - 1) / stride) * stride));
        return list.ToArray();
    }
}
