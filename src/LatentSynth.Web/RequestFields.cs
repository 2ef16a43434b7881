using System.Globalization;
using System.Text.Json;

namespace LatentSynth.Web;

/// <summary>Checked fields of a JSON request body, shared by both pages' endpoints: every error names the field and its range (400).</summary>
internal static class RequestFields
{
    public static RequestException Bad(string message) => new(400, message);

    /// <summary>The body as a JSON object (depth ≤ 8), or 400.</summary>
    public static JsonElement ParseBody(byte[] body)
    {
        if (body.Length == 0) throw Bad("the request body is empty: send a JSON object");
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("the request body must be a JSON object");
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { throw Bad($"malformed JSON: {e.Message}"); }
    }

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Get(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static double Number(JsonElement o, string name, double fallback, double min, double max, bool minExclusive = false)
    {
        if (Get(o, name) is not { } v) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x)) throw Bad($"{name} must be a number");
        if (!double.IsFinite(x) || (minExclusive ? x <= min : x < min) || x > max)
            throw Bad($"{name} must be in {(minExclusive ? "(" : "[")}{F(min)}, {F(max)}]; got {F(x)}");
        return x;
    }

    public static int Integer(JsonElement o, string name, int fallback, int min, int max)
    {
        if (Get(o, name) is not { } v) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var x)) throw Bad($"{name} must be an integer");
        if (x < min || x > max) throw Bad($"{name} must be in {min}..{max}; got {x}");
        return (int)x;
    }

    /// <summary>A string field (trimmed, at most <paramref name="maxLength"/> characters); null when absent and not required.</summary>
    public static string? String(JsonElement o, string name, bool required, int maxLength = 200, string? hint = null)
    {
        if (Get(o, name) is not { } v)
            return required ? throw Bad($"{name} is required{(hint is null ? "" : ": " + hint)}") : null;
        if (v.ValueKind != JsonValueKind.String) throw Bad($"{name} must be a string{(hint is null ? "" : ": " + hint)}");
        var s = v.GetString()!.Trim();
        if (s.Length > maxLength) throw Bad($"{name} must be at most {maxLength} characters; got {s.Length}");
        return s;
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), lower-cased.</summary>
    public static string Choice(JsonElement o, string name, string fallback, IReadOnlyList<string> choices)
    {
        var s = String(o, name, required: false, 40)?.ToLowerInvariant() ?? fallback;
        if (!choices.Contains(s)) throw Bad($"{name} must be one of {string.Join(", ", choices)}; got '{Trim(s)}'");
        return s;
    }

    public static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Trim(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
