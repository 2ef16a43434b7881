using System.Globalization;

namespace LatentSynth.Torch.NN;

/// <summary>
/// Formats values the way Python's <c>str.format</c> prints them in PyTorch's <c>extra_repr</c>,
/// independent of the current culture: floats as Python's <c>repr(float)</c> (<c>1e-05</c>,
/// <c>0.1</c>, <c>1.0</c>), integers plainly, tuples as <c>(3,)</c> / <c>(3, 3)</c>, booleans as
/// <c>True</c>/<c>False</c>.
/// </summary>
internal static class Repr
{
    /// <summary>Python's <c>repr(float)</c>: the shortest digits that round-trip, written in
    /// positional notation when the decimal exponent is in [-4, 16) and in scientific notation
    /// (at least two exponent digits, explicit sign) otherwise; integral values keep a ".0".</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        // Shortest round-trip text, e.g. "1E-05", "0.0001", "123.5", "1.5E+20".
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        int exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? r : r[..e];
        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string digits = intPart + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        // value = 0.d1d2d3… × 10^decpt
        int decpt = intPart.Length + exponent;
        int lead = 0;
        while (lead < digits.Length && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        decpt -= lead;
        if (digits.Length == 0) return sign + "0.0";
        if (decpt <= -4 || decpt > 16)
        {
            int exp = decpt - 1;
            string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return sign + m + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
        if (decpt >= digits.Length) return sign + digits + new string('0', decpt - digits.Length) + ".0";
        return sign + digits[..decpt] + "." + digits[decpt..];
    }

    /// <summary>An integral value as a Python int (<c>20</c>), anything else as <see cref="Float"/>:
    /// for arguments whose PyTorch default is an int (Softplus's beta and threshold).</summary>
    public static string IntOrFloat(double value) =>
        double.IsFinite(value) && value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? Int((long)value)
            : Float(value);

    /// <summary>An integer in invariant digits (<c>-1</c>, never a culture's minus sign).</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Python tuple of integers: <c>(3,)</c>, <c>(3, 4)</c>.</summary>
    public static string Tuple(IEnumerable<long> values)
    {
        var items = values.Select(Int).ToList();
        return "(" + string.Join(", ", items) + (items.Count == 1 ? ",)" : ")");
    }

    /// <summary>A Python bool.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
