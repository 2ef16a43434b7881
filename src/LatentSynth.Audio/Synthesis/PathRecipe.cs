using System.Globalization;
using LatentSynth.Audio.Paths;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Synthesis;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The kinds of latent path a sound can be drawn from.</summary>
public enum PathKind
{
    /// <summary>One latent dimension swept around a centre, the others held.</summary>
    Traversal,
    /// <summary>A straight line between two points (e.g. two notes' codes).</summary>
    Line,
    /// <summary>One note's own path turning into another's (both re-timed, blended frame by frame).</summary>
    Morph,
    /// <summary>A smooth, seeded walk pulled toward the prior's centre.</summary>
    RandomWalk,
    /// <summary>A circle in a plane through a centre.</summary>
    Circle,
    /// <summary>An Archimedean spiral in a plane through a centre.</summary>
    Spiral,
    /// <summary>A Lissajous figure in a plane through a centre.</summary>
    Lissajous,
    /// <summary>The shortest path between two points as measured through the decoder (Shao et al. 2017).</summary>
    Geodesic,
}

/// <summary>
/// A latent path described by its kind and parameters: what the command line and the browser
/// synthesizer send, turned into points by <see cref="PathRecipe.Build"/>. Points are latent vectors;
/// the plane is given by two orthonormal directions (default: the first two principal axes of the
/// note set's codes). Every value is checked with a message naming it.
/// </summary>
public sealed record PathSpec
{
    /// <summary>The kind of path.</summary>
    public PathKind Kind { get; init; } = PathKind.Circle;
    /// <summary>Length of the sound in seconds (0 &lt; s ≤ 30); the path gets one point per STFT frame.</summary>
    public double Seconds { get; init; } = 2.0;
    /// <summary>Centre (traversal, walk start, circle, spiral, Lissajous) [d]; null: the note set's mean code.</summary>
    public float[]? Center { get; init; }
    /// <summary>Start point (line, geodesic) [d].</summary>
    public float[]? From { get; init; }
    /// <summary>End point (line, geodesic) [d].</summary>
    public float[]? To { get; init; }
    /// <summary>First path (morph) [Ta, d].</summary>
    public Tensor? FromPath { get; init; }
    /// <summary>Second path (morph) [Tb, d].</summary>
    public Tensor? ToPath { get; init; }
    /// <summary>The swept dimension (traversal).</summary>
    public int Dim { get; init; }
    /// <summary>How far the traversal goes each side of the centre, in prior standard deviations.</summary>
    public double Range { get; init; } = 2.5;
    /// <summary>Plane directions u, v [d] (circle, spiral, Lissajous); null: <see cref="PlaneDims"/> or the PCA plane.</summary>
    public (float[] U, float[] V)? Plane { get; init; }
    /// <summary>Plane given as two latent dimensions; used when <see cref="Plane"/> is null.</summary>
    public (int A, int B)? PlaneDims { get; init; }
    /// <summary>Radius (circle, Lissajous) and end radius (spiral).</summary>
    public double Radius { get; init; } = 1.5;
    /// <summary>Start radius (spiral).</summary>
    public double RadiusFrom { get; init; } = 0.1;
    /// <summary>Turns (circle, spiral).</summary>
    public double Turns { get; init; } = 1;
    /// <summary>Lissajous frequency ratios a : b and phase δ (radians).</summary>
    public (double A, double B, double Delta) Lissajous { get; init; } = (3, 2, Math.PI / 2);
    /// <summary>Seed (random walk).</summary>
    public long Seed { get; init; }
    /// <summary>Step size per frame (random walk), in prior standard deviations.</summary>
    public double StepSize { get; init; } = 0.05;
    /// <summary>Smoothness in [0, 1) (random walk): larger is smoother.</summary>
    public double Smoothness { get; init; } = 0.95;
    /// <summary>Discretisation points of the geodesic before it is re-timed to the sound's length.</summary>
    public int GeodesicPoints { get; init; } = 16;
    /// <summary>Optimizer iterations of the geodesic.</summary>
    public int GeodesicIterations { get; init; } = 200;
}

/// <summary>Turns a <see cref="PathSpec"/> into a latent path for an <see cref="AudioModel"/>.</summary>
public static class PathRecipe
{
    /// <summary>The longest sound a path may describe, in seconds (bounds the work of one request).</summary>
    public const double MaxSeconds = 30;

    /// <summary>Builds the path [T, d], T = the number of frames of <see cref="PathSpec.Seconds"/>.</summary>
    /// <param name="model">The model (its latent dimension and frame rate).</param>
    /// <param name="spec">The path.</param>
    /// <param name="defaultCenter">The centre when the spec names none (e.g. the note set's mean code) [d]; null: the origin.</param>
    /// <param name="defaultPlane">The plane when the spec names none (e.g. the PCA plane of the note set's codes); null: dims 0, 1.</param>
    /// <param name="geodesicInfo">Receives the geodesic's energies (initial straight line, final).</param>
    /// <exception cref="ArgumentException">A value is missing or out of range; the message names it.</exception>
    public static Tensor Build(AudioModel model, PathSpec spec, float[]? defaultCenter = null, (float[] U, float[] V)? defaultPlane = null,
        Action<double, double>? geodesicInfo = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        int d = model.LatentDim;
        if (!(spec.Seconds > 0) || spec.Seconds > MaxSeconds)
            throw new ArgumentException($"duration must be in (0, {MaxSeconds.ToString(CultureInfo.InvariantCulture)}] seconds; got {spec.Seconds.ToString(CultureInfo.InvariantCulture)}");
        int steps = model.PointsFor(spec.Seconds);
        Tensor Vec(float[]? v, string name, float[]? fallback)
        {
            var value = v ?? fallback ?? new float[d];
            if (value.Length != d) throw new ArgumentException($"{name} must have {d} values (the latent dimension); got {value.Length}");
            if (value.Any(x => !float.IsFinite(x))) throw new ArgumentException($"{name} holds a non-finite value");
            return Tensor.From(value, d);
        }
        float[] Need(float[]? v, string name) => v ?? throw new ArgumentException($"a {spec.Kind} path needs {name}");
        using var scope = Torch.NewScope();
        Tensor path;
        switch (spec.Kind)
        {
            case PathKind.Traversal:
                if (spec.Dim < 0 || spec.Dim >= d) throw new ArgumentException($"dim must be in 0..{d - 1}; got {spec.Dim}");
                if (!(spec.Range > 0) || spec.Range > 10) throw new ArgumentException($"range must be in (0, 10]; got {spec.Range}");
                var c = Vec(spec.Center, "center", defaultCenter);
                double at = c.ToArray<float>()[spec.Dim];
                path = LatentPaths.Traversal(c, spec.Dim, at - spec.Range, at + spec.Range, steps);
                break;
            case PathKind.Line:
                path = LatentPaths.Line(Vec(Need(spec.From, "a start point (from)"), "from", null), Vec(Need(spec.To, "an end point (to)"), "to", null), steps);
                break;
            case PathKind.Morph:
                var a = spec.FromPath ?? throw new ArgumentException("a morph needs the path of its first note (from)");
                var b = spec.ToPath ?? throw new ArgumentException("a morph needs the path of its second note (to)");
                path = LatentPaths.Morph(a, b, steps, BlendCurve.Smoothstep);
                break;
            case PathKind.RandomWalk:
                if (!(spec.StepSize > 0) || spec.StepSize > 1) throw new ArgumentException($"step size must be in (0, 1]; got {spec.StepSize}");
                if (!(spec.Smoothness >= 0) || spec.Smoothness >= 1) throw new ArgumentException($"smoothness must be in [0, 1); got {spec.Smoothness}");
                path = LatentPaths.RandomWalk(Vec(spec.Center, "center", defaultCenter), steps, spec.StepSize, spec.Smoothness, spec.Seed);
                break;
            case PathKind.Circle or PathKind.Spiral or PathKind.Lissajous:
                var center = Vec(spec.Center, "center", defaultCenter);
                var (u, v) = PlaneOf(spec, d, defaultPlane);
                if (!(spec.Radius > 0) || spec.Radius > 10) throw new ArgumentException($"radius must be in (0, 10]; got {spec.Radius}");
                if (!(spec.Turns > 0) || spec.Turns > 50) throw new ArgumentException($"turns must be in (0, 50]; got {spec.Turns}");
                path = spec.Kind switch
                {
                    PathKind.Circle => LatentPaths.Circle(center, u, v, spec.Radius, steps, spec.Turns),
                    PathKind.Spiral => LatentPaths.Spiral(center, u, v, spec.RadiusFrom, spec.Radius, spec.Turns, steps),
                    _ => LatentPaths.Lissajous(center, u, v, spec.Lissajous.A, spec.Lissajous.B, spec.Lissajous.Delta, spec.Radius, steps),
                };
                break;
            case PathKind.Geodesic:
                if (spec.GeodesicPoints is < 3 or > 256) throw new ArgumentException($"geodesic points must be in 3..256; got {spec.GeodesicPoints}");
                if (spec.GeodesicIterations is < 0 or > 5000) throw new ArgumentException($"geodesic iterations must be in 0..5000; got {spec.GeodesicIterations}");
                var g = LatentPaths.Geodesic(model.Model, Vec(Need(spec.From, "a start point (from)"), "from", null), Vec(Need(spec.To, "an end point (to)"), "to", null),
                    new GeodesicOptions { Points = spec.GeodesicPoints, Iterations = spec.GeodesicIterations, Seed = spec.Seed });
                geodesicInfo?.Invoke(g.InitialEnergy, g.FinalEnergy);
                // Equal steps of sound change per frame: re-spaced by arc length through the decoder.
                path = LatentPaths.Resample(z => model.Model.Decode(z), g.Path, steps);
                break;
            default:
                throw new ArgumentException($"unknown path kind {spec.Kind}");
        }
        return path.To(DType.Float32).Contiguous().MoveToOuterScope();
    }

    private static (Tensor U, Tensor V) PlaneOf(PathSpec spec, int d, (float[] U, float[] V)? fallback)
    {
        if (spec.Plane is { } p) return (Unit(p.U, "plane u", d), Unit(p.V, "plane v", d));
        if (spec.PlaneDims is { } dims)
        {
            if (dims.A < 0 || dims.A >= d || dims.B < 0 || dims.B >= d || dims.A == dims.B)
                throw new ArgumentException($"plane dimensions must be two different values in 0..{d - 1}; got {dims.A}, {dims.B}");
            var u = new float[d]; var v = new float[d];
            u[dims.A] = 1; v[dims.B] = 1;
            return (Tensor.From(u, d), Tensor.From(v, d));
        }
        if (fallback is { } f) return (Unit(f.U, "plane u", d), Unit(f.V, "plane v", d));
        var e0 = new float[d]; var e1 = new float[d];
        e0[0] = 1; e1[Math.Min(1, d - 1)] = 1;
        return (Tensor.From(e0, d), Tensor.From(e1, d));
    }

    private static Tensor Unit(float[] x, string name, int d)
    {
        if (x.Length != d) throw new ArgumentException($"{name} must have {d} values; got {x.Length}");
        double n = Math.Sqrt(x.Sum(v => (double)v * v));
        if (!(n > 1e-6) || !double.IsFinite(n)) throw new ArgumentException($"{name} must be a non-zero finite vector");
        return Tensor.From(x.Select(v => (float)(v / n)).ToArray(), d);
    }
}
