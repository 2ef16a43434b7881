using System.Globalization;
using System.Text.Json;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Torch;

namespace LatentSynth.Web;

/// <summary>The limits every request is checked against (each bounds the work or memory one request can take).</summary>
public static class SynthLimits
{
    /// <summary>Largest request body in bytes (a drawn path of 2,000 points in latent space fits).</summary>
    public const int MaxBodyBytes = 256 * 1024;
    /// <summary>Longest held point, in seconds.</summary>
    public const double MaxPointSeconds = 4;
    /// <summary>Longest path, in seconds.</summary>
    public const double MaxPathSeconds = 10;
    /// <summary>Most Griffin-Lim iterations.</summary>
    public const int MaxIterations = 200;
    /// <summary>Griffin-Lim iterations when the request names none.</summary>
    public const int DefaultIterations = 32;
    /// <summary>Most points of a drawn path.</summary>
    public const int MaxDrawnPoints = 2000;
    /// <summary>Largest absolute latent value or plane coordinate (the prior is a unit Gaussian: 20 is far outside it).</summary>
    public const double MaxCoordinate = 20;
}

/// <summary>What a decode request asks for, parsed and checked.</summary>
internal sealed record DecodeRequest(Func<AudioModel, Tensor> Build, int Iterations);

/// <summary>Parses the JSON bodies of /api/point and /api/path, with errors that name the field.</summary>
internal static class SynthRequests
{
    private static RequestException Bad(string message) => RequestFields.Bad(message);
    public static JsonElement ParseBody(byte[] body) => RequestFields.ParseBody(body);
    private static JsonElement? Get(JsonElement o, string name) => RequestFields.Get(o, name);
    public static double Number(JsonElement o, string name, double fallback, double min, double max, bool minExclusive = false) =>
        RequestFields.Number(o, name, fallback, min, max, minExclusive);
    public static int Integer(JsonElement o, string name, int fallback, int min, int max) => RequestFields.Integer(o, name, fallback, min, max);
    private static string F(double x) => RequestFields.F(x);

    private static float[] Vector(JsonElement v, string name, int d)
    {
        if (v.ValueKind != JsonValueKind.Array) throw Bad($"{name} must be an array of {d} numbers");
        if (v.GetArrayLength() != d) throw Bad($"{name} must have {d} values (the latent dimension); got {v.GetArrayLength()}");
        var z = new float[d];
        int i = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var x) || !double.IsFinite(x)) throw Bad($"{name}[{i}] must be a finite number");
            if (Math.Abs(x) > SynthLimits.MaxCoordinate) throw Bad($"{name}[{i}] must be in [-{SynthLimits.MaxCoordinate}, {SynthLimits.MaxCoordinate}]; got {F(x)}");
            z[i++] = (float)x;
        }
        return z;
    }

    private static (double X, double Y) PlanePoint(JsonElement o, string name)
    {
        double C(string key)
        {
            if (!o.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x) || !double.IsFinite(x))
                throw Bad($"{name}.{key} must be a number");
            if (Math.Abs(x) > SynthLimits.MaxCoordinate) throw Bad($"{name}.{key} must be in [-{SynthLimits.MaxCoordinate}, {SynthLimits.MaxCoordinate}]; got {F(x)}");
            return x;
        }
        return (C("x"), C("y"));
    }

    /// <summary>A point given as a note id (its code), [d] latent values or {x, y} on the map's plane.</summary>
    private static float[]? Point(JsonElement o, string name, SynthEngine engine)
    {
        if (Get(o, name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => engine.Note(v.GetString()!, name).Code,
            JsonValueKind.Array => Vector(v, name, engine.LatentDim),
            JsonValueKind.Object => engine.Unproject(PlanePoint(v, name).X, PlanePoint(v, name).Y),
            _ => throw Bad($"{name} must be a note id, an array of {engine.LatentDim} numbers or {{\"x\": .., \"y\": ..}}"),
        };
    }

    /// <summary>POST /api/point: {x, y} or {z: [d]}, seconds (0, 4], iterations 1..200.</summary>
    public static DecodeRequest Point(JsonElement o, SynthEngine engine)
    {
        double seconds = Number(o, "seconds", 1.0, 0, SynthLimits.MaxPointSeconds, minExclusive: true);
        int iterations = Integer(o, "iterations", SynthLimits.DefaultIterations, 1, SynthLimits.MaxIterations);
        float[] z;
        if (Get(o, "z") is { } zv) z = Vector(zv, "z", engine.LatentDim);
        else if (Get(o, "note") is { } nv && nv.ValueKind == JsonValueKind.String) z = engine.Note(nv.GetString()!, "note").Code;
        else if (Get(o, "x") is not null || Get(o, "y") is not null) { var (x, y) = PlanePoint(o, "point"); z = engine.Unproject(x, y); }
        else throw Bad("give the point as x and y (map coordinates), z (an array of latent values) or note (a note id)");
        return new DecodeRequest(model =>
        {
            int t = model.PointsFor(seconds);
            var flat = new float[t * z.Length];
            for (int i = 0; i < t; i++) z.CopyTo(flat, i * z.Length);
            return Tensor.From(flat, t, z.Length);
        }, iterations);
    }

    /// <summary>The path kinds the API accepts: every <see cref="PathKinds"/> name, plus "drawn" for explicit points.</summary>
    public static readonly string[] Kinds = [.. PathKinds.All.Select(k => k.Name), "drawn"];

    /// <summary>POST /api/path: a PathSpec-like object, or kind "drawn" with points.</summary>
    public static DecodeRequest Path(JsonElement o, SynthEngine engine)
    {
        if (Get(o, "kind") is not { ValueKind: JsonValueKind.String } kv) throw Bad($"kind is required: one of {string.Join(", ", Kinds)}");
        var kind = kv.GetString()!.Trim().ToLowerInvariant();
        if (!Kinds.Contains(kind)) throw Bad($"kind: unknown path '{SynthEngine.Trim(kind)}'; choose one of {string.Join(", ", Kinds)}");
        double seconds = Number(o, "seconds", 2.0, 0, SynthLimits.MaxPathSeconds, minExclusive: true);
        int iterations = Integer(o, "iterations", SynthLimits.DefaultIterations, 1, SynthLimits.MaxIterations);
        int d = engine.LatentDim;
        if (kind == "drawn")
        {
            var points = DrawnPoints(o, engine);
            return new DecodeRequest(model => Polyline(points, model.PointsFor(seconds), d), iterations);
        }
        var info = PathKinds.Find(kind)!;
        if (info.Ends == PathEnds.NotePaths)
        {
            string Id(string name) => Get(o, name) is { ValueKind: JsonValueKind.String } s ? engine.Note(s.GetString()!, name).Id
                : throw Bad($"a {info.Name} needs {name}: a note id");
            var (a, b) = (Id("from"), Id("to"));
            return new DecodeRequest(model => PathRecipe.Build(model, new PathSpec
            {
                Kind = info.Kind, Seconds = seconds, FromPath = SynthEngine.NotePath(model, a), ToPath = SynthEngine.NotePath(model, b),
            }), iterations);
        }
        (int, int)? dims = null;
        if (Get(o, "dims") is { } dv)
        {
            if (dv.ValueKind != JsonValueKind.Array || dv.GetArrayLength() != 2 || dv.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out _)))
                throw Bad("dims must be two latent dimensions, e.g. [0, 1]");
            var ds = dv.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (ds.Any(x => x < 0 || x >= d) || ds[0] == ds[1]) throw Bad($"dims must be two different dimensions in 0..{d - 1}; got [{ds[0]}, {ds[1]}]");
            dims = (ds[0], ds[1]);
        }
        var spec = new PathSpec
        {
            Kind = info.Kind,
            Seconds = seconds,
            From = Point(o, "from", engine),
            To = Point(o, "to", engine),
            Center = Point(o, "center", engine),
            PlaneDims = dims,
        };
        // Every parameter the body names is checked against the kinds' one range (the field named as sent).
        foreach (var p in PathParameters.All)
            if (Get(o, p.Name) is { } v)
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x)) throw Bad($"{p.Name} must be {(p.IsInteger ? "an integer" : "a number")}");
                double? max = p == PathParameters.Dim ? d - 1 : null;
                if (!p.Accepts(x, max)) throw Bad($"{p.Name} must be in {p.RangeText(max)}{(p.IsInteger ? " (a whole number)" : "")}; got {F(x)}");
                spec = p.Apply(spec, x);
            }
        if (info.Ends == PathEnds.Points && (spec.From is null || spec.To is null))
            throw Bad($"a {kind} path needs from and to (note ids, latent arrays or {{x, y}} points)");
        var mean = engine.Mean;
        var plane = engine.Plane;
        return new DecodeRequest(model => PathRecipe.Build(model, spec, mean, plane), iterations);
    }

    private static float[][] DrawnPoints(JsonElement o, SynthEngine engine)
    {
        if (Get(o, "points") is not { ValueKind: JsonValueKind.Array } pv) throw Bad("a drawn path needs points: an array of [x, y] map coordinates (or latent vectors with space = \"latent\")");
        int n = pv.GetArrayLength();
        if (n < 1 || n > SynthLimits.MaxDrawnPoints) throw Bad($"points must hold 1..{SynthLimits.MaxDrawnPoints} points; got {n}");
        bool latent = Get(o, "space") is { } sv && (sv.ValueKind == JsonValueKind.String ? sv.GetString() switch
        {
            "latent" => true, "plane" => false, _ => throw Bad("space must be \"plane\" or \"latent\""),
        } : throw Bad("space must be \"plane\" or \"latent\""));
        var result = new float[n][];
        int i = 0;
        foreach (var p in pv.EnumerateArray())
        {
            if (latent) result[i] = Vector(p, $"points[{i}]", engine.LatentDim);
            else
            {
                var xy = Vector(p, $"points[{i}]", 2);
                result[i] = engine.Unproject(xy[0], xy[1]);
            }
            i++;
        }
        return result;
    }

    /// <summary>A polyline through <paramref name="points"/> resampled to <paramref name="steps"/> points evenly spaced by
    /// arc length (Euclidean in latent space), so the sound moves at a constant speed along what was drawn.</summary>
    internal static Tensor Polyline(float[][] points, int steps, int d)
    {
        var cum = new double[points.Length];
        for (int i = 1; i < points.Length; i++)
        {
            double s = 0;
            for (int j = 0; j < d; j++) { double e = points[i][j] - points[i - 1][j]; s += e * e; }
            cum[i] = cum[i - 1] + Math.Sqrt(s);
        }
        double total = cum[^1];
        var flat = new float[steps * d];
        int seg = 0;
        for (int k = 0; k < steps; k++)
        {
            double target = steps == 1 ? 0 : total * k / (steps - 1);
            while (seg < points.Length - 2 && cum[seg + 1] < target) seg++;
            int next = Math.Min(seg + 1, points.Length - 1);
            double len = cum[next] - cum[seg];
            double w = len > 0 ? Math.Clamp((target - cum[seg]) / len, 0, 1) : 0;
            for (int j = 0; j < d; j++) flat[k * d + j] = (float)(points[seg][j] + w * (points[next][j] - points[seg][j]));
        }
        return Tensor.From(flat, steps, d);
    }
}
