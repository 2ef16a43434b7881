using System.Globalization;
using LatentSynth.Audio.Paths;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Synthesis;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The kinds of latent path a sound can be drawn from; <see cref="PathKinds"/> describes each (name, parameters, build).</summary>
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
    public double Range { get; init; } = PathParameters.Range.Default;
    /// <summary>Plane directions u, v [d] (circle, spiral, Lissajous); null: <see cref="PlaneDims"/> or the PCA plane.</summary>
    public (float[] U, float[] V)? Plane { get; init; }
    /// <summary>Plane given as two latent dimensions; used when <see cref="Plane"/> is null.</summary>
    public (int A, int B)? PlaneDims { get; init; }
    /// <summary>Radius (circle, Lissajous) and end radius (spiral).</summary>
    public double Radius { get; init; } = PathParameters.Radius.Default;
    /// <summary>Start radius (spiral).</summary>
    public double RadiusFrom { get; init; } = PathParameters.RadiusFrom.Default;
    /// <summary>Turns (circle, spiral).</summary>
    public double Turns { get; init; } = PathParameters.Turns.Default;
    /// <summary>Lissajous frequency ratios a : b and phase δ (radians).</summary>
    public (double A, double B, double Delta) Lissajous { get; init; } = (3, 2, Math.PI / 2);
    /// <summary>Seed (random walk).</summary>
    public long Seed { get; init; }
    /// <summary>Step size per frame (random walk), in prior standard deviations.</summary>
    public double StepSize { get; init; } = PathParameters.StepSize.Default;
    /// <summary>Smoothness in [0, 1) (random walk): larger is smoother.</summary>
    public double Smoothness { get; init; } = PathParameters.Smoothness.Default;
    /// <summary>Discretisation points of the geodesic before it is re-timed to the sound's length.</summary>
    public int GeodesicPoints { get; init; } = (int)PathParameters.GeodesicPoints.Default;
    /// <summary>Optimizer iterations of the geodesic.</summary>
    public int GeodesicIterations { get; init; } = (int)PathParameters.GeodesicIterations.Default;
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
        var info = PathKinds.Of(spec.Kind);
        switch (info.Ends)
        {
            case PathEnds.Points when spec.From is null:
                throw new ArgumentException($"a {info.Name} path needs a start point (from)");
            case PathEnds.Points when spec.To is null:
                throw new ArgumentException($"a {info.Name} path needs an end point (to)");
            case PathEnds.NotePaths when spec.FromPath is null:
                throw new ArgumentException($"a {info.Name} needs the path of its first note (from)");
            case PathEnds.NotePaths when spec.ToPath is null:
                throw new ArgumentException($"a {info.Name} needs the path of its second note (to)");
        }
        foreach (var p in info.Parameters)
            p.Check(p.Read(spec), p == PathParameters.Dim ? d - 1 : null);
        using var scope = Torch.NewScope();
        var path = info.Build(new PathBuild(model, spec, steps, Vec, () => PlaneOf(spec, d, defaultPlane), defaultCenter, geodesicInfo));
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
