using System.Globalization;
using LatentSynth.Audio.Paths;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Synthesis;

/// <summary>
/// One numeric parameter of a latent path: its name (the JSON field of the synthesizer's /api/path; the command-line
/// flag is <see cref="Flag"/>), what it means, its default and its range. The command line builds its options from
/// these, the server checks requests against them, <see cref="PathRecipe.Build"/> checks every spec against them and
/// the browser page reads them from /api/info: one range per parameter, everywhere.
/// </summary>
/// <param name="Name">The JSON field name, snake_case (for example "geodesic_iterations").</param>
/// <param name="Description">What it does, for help texts.</param>
/// <param name="Default">The value when none is given.</param>
/// <param name="Min">The smallest value (or the exclusive lower bound with <paramref name="MinExclusive"/>).</param>
/// <param name="Max">The largest value; for <see cref="PathParameters.Dim"/> the latent dimension lowers it to d − 1.</param>
/// <param name="MinExclusive">Whether <paramref name="Min"/> itself is refused.</param>
/// <param name="IsInteger">Whether only whole numbers are accepted.</param>
/// <param name="Read">Reads the value from a spec.</param>
/// <param name="Apply">Returns a spec with the value set.</param>
public sealed record PathParameter(string Name, string Description, double Default, double Min, double Max, bool MinExclusive, bool IsInteger,
    Func<PathSpec, double> Read, Func<PathSpec, double, PathSpec> Apply)
{
    /// <summary>The command-line flag: <c>--</c> and the name with dashes.</summary>
    public string Flag => "--" + Name.Replace('_', '-');

    /// <summary>The name in words, as error messages say it (for example "geodesic iterations").</summary>
    public string Label => Name.Replace('_', ' ');

    /// <summary>The accepted range as text: <c>(0, 10]</c>, <c>[0, 1]</c> or <c>3..64</c> for whole numbers.</summary>
    public string RangeText(double? max = null) => IsInteger
        ? $"{F(Min)}..{F(max ?? Max)}"
        : $"{(MinExclusive ? "(" : "[")}{F(Min)}, {F(max ?? Max)}]";

    /// <summary>Whether <paramref name="value"/> is accepted (finite, in range, whole when it must be).</summary>
    /// <param name="value">The value.</param>
    /// <param name="max">A lower upper bound than <see cref="Max"/> (the traversal's dimension: d − 1).</param>
    public bool Accepts(double value, double? max = null) =>
        double.IsFinite(value) && (MinExclusive ? value > Min : value >= Min) && value <= (max ?? Max)
        && (!IsInteger || Math.Floor(value) == value);

    /// <summary>Throws unless <see cref="Accepts"/>; the message names the parameter by <paramref name="name"/>
    /// (default: <see cref="Label"/>), its range and the value.</summary>
    /// <exception cref="ArgumentException">The value is refused.</exception>
    public void Check(double value, double? max = null, string? name = null)
    {
        if (!Accepts(value, max))
            throw new ArgumentException($"{name ?? Label} must be in {RangeText(max)}{(IsInteger ? " (a whole number)" : "")}; got {F(value)}");
    }

    /// <summary><paramref name="x"/> as help texts and messages write it (invariant, at most 3 decimals).</summary>
    public static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The default as text.</summary>
    public string DefaultText => F(Default);
}

/// <summary>The numeric parameters of the latent paths, each with its one default and range.</summary>
public static class PathParameters
{
    /// <summary>The swept dimension (traversal): 0..d − 1.</summary>
    public static readonly PathParameter Dim = new("dim", "Swept latent dimension", 0, 0, 4096, false, true, s => s.Dim, (s, v) => s with { Dim = (int)v });
    /// <summary>How far the traversal goes each side of the centre, in prior standard deviations.</summary>
    public static readonly PathParameter Range = new("range", "Traversal reach each side of the centre", 2.5, 0, 10, true, false, s => s.Range, (s, v) => s with { Range = v });
    /// <summary>Radius of the circle and the Lissajous figure, end radius of the spiral.</summary>
    public static readonly PathParameter Radius = new("radius", "Radius (circle, Lissajous) or end radius (spiral)", 1.5, 0, 10, true, false, s => s.Radius, (s, v) => s with { Radius = v });
    /// <summary>Start radius of the spiral.</summary>
    public static readonly PathParameter RadiusFrom = new("radius_from", "Start radius (spiral)", 0.1, 0, 10, false, false, s => s.RadiusFrom, (s, v) => s with { RadiusFrom = v });
    /// <summary>Turns of the circle and the spiral.</summary>
    public static readonly PathParameter Turns = new("turns", "Turns (circle, spiral)", 1, 0, 50, true, false, s => s.Turns, (s, v) => s with { Turns = v });
    /// <summary>Seed of the random walk and of the geodesic's start (2^53 − 1 at most: exact in JSON and JavaScript).</summary>
    public static readonly PathParameter Seed = new("seed", "Seed (random walk, geodesic)", 0, 0, 9007199254740991, false, true, s => s.Seed, (s, v) => s with { Seed = (long)v });
    /// <summary>Step per frame of the random walk, in prior standard deviations.</summary>
    public static readonly PathParameter StepSize = new("step_size", "Step per frame (random walk)", 0.05, 0, 1, true, false, s => s.StepSize, (s, v) => s with { StepSize = v });
    /// <summary>Smoothness of the random walk (larger is smoother).</summary>
    public static readonly PathParameter Smoothness = new("smoothness", "Smoothness (random walk; larger is smoother)", 0.95, 0, 0.999, false, false, s => s.Smoothness, (s, v) => s with { Smoothness = v });
    /// <summary>Discretisation points of the geodesic (before it is re-timed to the sound's length).</summary>
    public static readonly PathParameter GeodesicPoints = new("geodesic_points", "Points of the geodesic before re-timing", 16, 3, 64, false, true, s => s.GeodesicPoints, (s, v) => s with { GeodesicPoints = (int)v });
    /// <summary>
    /// Optimizer iterations of the geodesic. 500 at most: the server's bound on the work of one request, and now the
    /// command line's too (it allowed 5,000); the default of 200 is what the measurements in the README used.
    /// </summary>
    public static readonly PathParameter GeodesicIterations = new("geodesic_iterations", "Optimizer iterations of the geodesic", 200, 0, 500, false, true, s => s.GeodesicIterations, (s, v) => s with { GeodesicIterations = (int)v });

    /// <summary>Every parameter, in help order.</summary>
    public static IReadOnlyList<PathParameter> All { get; } = [Dim, Range, Radius, RadiusFrom, Turns, Seed, StepSize, Smoothness, GeodesicPoints, GeodesicIterations];
}

/// <summary>What a kind of path starts from.</summary>
public enum PathEnds
{
    /// <summary>A centre point (default: the notes' mean code).</summary>
    Center,
    /// <summary>Two points: from and to.</summary>
    Points,
    /// <summary>Two notes' own latent paths: from and to.</summary>
    NotePaths,
}

/// <summary>What a path kind's build function receives: the model, the checked spec, the number of points and the
/// resolved centre and plane.</summary>
/// <param name="Model">The audio model.</param>
/// <param name="Spec">The spec, its parameters checked.</param>
/// <param name="Steps">Points of the path (one per STFT frame of the sound).</param>
/// <param name="Vector">Turns a spec vector into a [d] tensor (checked; the fallback when null, else the origin).</param>
/// <param name="Plane">The plane's two unit directions (circle, spiral, Lissajous).</param>
/// <param name="DefaultCenter">The centre when the spec names none.</param>
/// <param name="GeodesicInfo">Receives the geodesic's energies.</param>
public sealed record PathBuild(AudioModel Model, PathSpec Spec, int Steps, Func<float[]?, string, float[]?, Tensor> Vector,
    Func<(Tensor U, Tensor V)> Plane, float[]? DefaultCenter, Action<double, double>? GeodesicInfo);

/// <summary>
/// One kind of latent path: its name (CLI <c>--kind</c>, the API's <c>kind</c>, the page's tool list), what it is,
/// what it starts from, whether it lies in a plane, its parameters and the function that builds it.
/// </summary>
/// <param name="Kind">The enum value.</param>
/// <param name="Name">The name users type (for example "random-walk").</param>
/// <param name="Description">One line saying what it is.</param>
/// <param name="Ends">What it starts from.</param>
/// <param name="UsesPlane">Whether it lies in a plane (the notes' PCA plane or two dimensions).</param>
/// <param name="Parameters">The numeric parameters it reads.</param>
/// <param name="Build">Builds the path [Steps, d].</param>
public sealed record PathKindInfo(PathKind Kind, string Name, string Description, PathEnds Ends, bool UsesPlane,
    IReadOnlyList<PathParameter> Parameters, Func<PathBuild, Tensor> Build);

/// <summary>The kinds of latent path: one descriptor each, read by the recipe, the command line, the server and the page.</summary>
public static class PathKinds
{
    /// <summary>Every kind, in the order help texts and the page list them.</summary>
    public static IReadOnlyList<PathKindInfo> All { get; } =
    [
        new(PathKind.Traversal, "traversal", "one latent dimension swept around a centre, the others held", PathEnds.Center, false,
            [PathParameters.Dim, PathParameters.Range], b =>
            {
                var c = b.Vector(b.Spec.Center, "center", b.DefaultCenter);
                double at = c.ToArray<float>()[b.Spec.Dim];
                return LatentPaths.Traversal(c, b.Spec.Dim, at - b.Spec.Range, at + b.Spec.Range, b.Steps);
            }),
        new(PathKind.Line, "line", "the straight line between two points", PathEnds.Points, false, [],
            b => LatentPaths.Line(b.Vector(b.Spec.From, "from", null), b.Vector(b.Spec.To, "to", null), b.Steps)),
        new(PathKind.Morph, "morph", "one note's own path turning into another's", PathEnds.NotePaths, false, [],
            b => LatentPaths.Morph(b.Spec.FromPath!, b.Spec.ToPath!, b.Steps, BlendCurve.Smoothstep)),
        new(PathKind.RandomWalk, "random-walk", "a smooth, seeded walk pulled toward the prior's centre", PathEnds.Center, false,
            [PathParameters.Seed, PathParameters.StepSize, PathParameters.Smoothness],
            b => LatentPaths.RandomWalk(b.Vector(b.Spec.Center, "center", b.DefaultCenter), b.Steps, b.Spec.StepSize, b.Spec.Smoothness, b.Spec.Seed)),
        new(PathKind.Circle, "circle", "a circle in a plane through the centre", PathEnds.Center, true,
            [PathParameters.Radius, PathParameters.Turns], b =>
            {
                var (u, v) = b.Plane();
                return LatentPaths.Circle(b.Vector(b.Spec.Center, "center", b.DefaultCenter), u, v, b.Spec.Radius, b.Steps, b.Spec.Turns);
            }),
        new(PathKind.Spiral, "spiral", "an Archimedean spiral in a plane through the centre", PathEnds.Center, true,
            [PathParameters.RadiusFrom, PathParameters.Radius, PathParameters.Turns], b =>
            {
                var (u, v) = b.Plane();
                return LatentPaths.Spiral(b.Vector(b.Spec.Center, "center", b.DefaultCenter), u, v, b.Spec.RadiusFrom, b.Spec.Radius, b.Spec.Turns, b.Steps);
            }),
        new(PathKind.Lissajous, "lissajous", "a Lissajous figure (3:2) in a plane through the centre", PathEnds.Center, true,
            [PathParameters.Radius], b =>
            {
                var (u, v) = b.Plane();
                var (fa, fb, delta) = b.Spec.Lissajous;
                return LatentPaths.Lissajous(b.Vector(b.Spec.Center, "center", b.DefaultCenter), u, v, fa, fb, delta, b.Spec.Radius, b.Steps);
            }),
        new(PathKind.Geodesic, "geodesic", "the shortest path between two points through the decoder (Shao et al. 2017)", PathEnds.Points, false,
            [PathParameters.GeodesicPoints, PathParameters.GeodesicIterations, PathParameters.Seed], b =>
            {
                var model = b.Model;
                var g = LatentPaths.Geodesic(model.Model, b.Vector(b.Spec.From, "from", null), b.Vector(b.Spec.To, "to", null),
                    new GeodesicOptions { Points = b.Spec.GeodesicPoints, Iterations = b.Spec.GeodesicIterations, Seed = b.Spec.Seed });
                b.GeodesicInfo?.Invoke(g.InitialEnergy, g.FinalEnergy);
                // Equal steps of sound change per frame: re-spaced by arc length through the decoder.
                return LatentPaths.Resample(z => model.Model.Decode(z), g.Path, b.Steps);
            }),
    ];

    /// <summary>The names, comma-separated, for help texts and errors.</summary>
    public static string NameList => string.Join(", ", All.Select(k => k.Name));

    /// <summary>The descriptor of <paramref name="kind"/>.</summary>
    public static PathKindInfo Of(PathKind kind) => All.FirstOrDefault(k => k.Kind == kind)
        ?? throw new ArgumentException($"unknown path kind {kind}");

    /// <summary>The kind named <paramref name="name"/> (case and surrounding spaces ignored), or null.</summary>
    public static PathKindInfo? Find(string? name)
    {
        var key = name?.Trim().ToLowerInvariant();
        return All.FirstOrDefault(k => k.Name == key);
    }
}
