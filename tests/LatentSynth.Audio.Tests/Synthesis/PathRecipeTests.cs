using LatentSynth.Audio.Synthesis;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Synthesis;

using Torch = LatentSynth.Torch.Torch;

[Collection("AudioRun")]
public sealed class PathRecipeTests(AudioRunFixture fx)
{
    private static bool Finite(Tensor t) => t.ToArray<float>().All(float.IsFinite);

    [Fact]
    public void Every_kind_builds_one_point_per_frame()
    {
        using var model = AudioModel.Open(fx.RunDir);
        int d = model.LatentDim;
        var a = model.NoteCode(fx.Set.Read(fx.Set.Notes[0]));
        var b = model.NoteCode(fx.Set.Read(fx.Set.Notes[4]));
        using var pa = model.Encode(fx.Set.Read(fx.Set.Notes[1]));
        using var pb = model.Encode(fx.Set.Read(fx.Set.Notes[3]));
        const double seconds = 0.4;
        int t = model.PointsFor(seconds);
        Assert.Equal(35, t);
        foreach (var kind in Enum.GetValues<PathKind>())
        {
            var spec = new PathSpec
            {
                Kind = kind, Seconds = seconds, From = a, To = b, FromPath = pa, ToPath = pb, Dim = 1,
                GeodesicPoints = 5, GeodesicIterations = 3,
            };
            double? e0 = null;
            using var path = PathRecipe.Build(model, spec, defaultCenter: a, geodesicInfo: (x, _) => e0 = x);
            Assert.Equal(new long[] { t, d }, path.Shape);
            Assert.Equal(DType.Float32, path.DType);
            Assert.True(Finite(path), $"{kind}: non-finite points");
            Assert.Equal(kind == PathKind.Geodesic, e0.HasValue);
            var p = path.ToArray<float>();
            switch (kind)
            {
                case PathKind.Line or PathKind.Geodesic:
                    for (int j = 0; j < d; j++)
                    {
                        Assert.Equal(a[j], p[j], 3);
                        Assert.Equal(b[j], p[(t - 1) * d + j], 3);
                    }
                    break;
                case PathKind.Traversal:
                    // Only the swept dimension moves, by ±Range around the centre.
                    for (int j = 0; j < d; j++)
                        if (j != 1) Assert.Equal(a[j], p[(t / 2) * d + j], 4);
                    Assert.Equal(a[1] - 2.5, p[1], 3);
                    Assert.Equal(a[1] + 2.5, p[(t - 1) * d + 1], 3);
                    break;
                case PathKind.Circle:
                    // Every point lies at the radius from the centre.
                    for (int i = 0; i < t; i++)
                        Assert.Equal(1.5, Math.Sqrt(Enumerable.Range(0, d).Sum(j => Math.Pow(p[i * d + j] - a[j], 2))), 3);
                    break;
            }
        }
    }

    [Fact]
    public void Invalid_specs_are_refused_with_a_message_naming_the_value()
    {
        using var model = AudioModel.Open(fx.RunDir);
        int d = model.LatentDim;
        string Refused(PathSpec spec) => Assert.Throws<ArgumentException>(() => PathRecipe.Build(model, spec)).Message;
        Assert.Contains("duration", Refused(new PathSpec { Seconds = 0 }));
        Assert.Contains("duration", Refused(new PathSpec { Seconds = -1 }));
        Assert.Contains("duration", Refused(new PathSpec { Seconds = 31 }));
        Assert.Contains("duration", Refused(new PathSpec { Seconds = double.NaN }));
        Assert.Contains("center must have 8 values", Refused(new PathSpec { Kind = PathKind.Circle, Center = new float[3] }));
        Assert.Contains("center holds a non-finite", Refused(new PathSpec { Kind = PathKind.Circle, Center = Enumerable.Repeat(float.NaN, d).ToArray() }));
        Assert.Contains("dim must be in 0..7", Refused(new PathSpec { Kind = PathKind.Traversal, Dim = d }));
        Assert.Contains("dim must be in 0..7", Refused(new PathSpec { Kind = PathKind.Traversal, Dim = -1 }));
        Assert.Contains("range", Refused(new PathSpec { Kind = PathKind.Traversal, Range = 0 }));
        Assert.Contains("start point (from)", Refused(new PathSpec { Kind = PathKind.Line, To = new float[d] }));
        Assert.Contains("end point (to)", Refused(new PathSpec { Kind = PathKind.Line, From = new float[d] }));
        Assert.Contains("to must have 8 values", Refused(new PathSpec { Kind = PathKind.Line, From = new float[d], To = new float[d + 1] }));
        Assert.Contains("start point (from)", Refused(new PathSpec { Kind = PathKind.Geodesic, To = new float[d] }));
        Assert.Contains("first note", Refused(new PathSpec { Kind = PathKind.Morph }));
        Assert.Contains("step size", Refused(new PathSpec { Kind = PathKind.RandomWalk, StepSize = 0 }));
        Assert.Contains("smoothness", Refused(new PathSpec { Kind = PathKind.RandomWalk, Smoothness = 1 }));
        Assert.Contains("radius", Refused(new PathSpec { Kind = PathKind.Spiral, Radius = -1 }));
        Assert.Contains("turns", Refused(new PathSpec { Kind = PathKind.Circle, Turns = 0 }));
        Assert.Contains("plane dimensions", Refused(new PathSpec { Kind = PathKind.Lissajous, PlaneDims = (0, 0) }));
        Assert.Contains("plane dimensions", Refused(new PathSpec { Kind = PathKind.Circle, PlaneDims = (0, d) }));
        Assert.Contains("plane u", Refused(new PathSpec { Kind = PathKind.Circle, Plane = (new float[d], new float[d]) }));
        Assert.Contains("plane v must have 8 values", Refused(new PathSpec { Kind = PathKind.Circle, Plane = (Enumerable.Repeat(1f, d).ToArray(), new float[2]) }));
        Assert.Contains("geodesic points", Refused(new PathSpec { Kind = PathKind.Geodesic, From = new float[d], To = new float[d], GeodesicPoints = 2 }));
        Assert.Contains("geodesic iterations", Refused(new PathSpec { Kind = PathKind.Geodesic, From = new float[d], To = new float[d], GeodesicIterations = -1 }));
    }

    [Fact]
    public void Building_paths_leaves_only_the_result_alive()
    {
        using var model = AudioModel.Open(fx.RunDir);
        var spec = new PathSpec { Kind = PathKind.Geodesic, Seconds = 0.3, From = new float[model.LatentDim], To = Enumerable.Repeat(1f, model.LatentDim).ToArray(), GeodesicPoints = 4, GeodesicIterations = 2 };
        PathRecipe.Build(model, spec).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Torch.LiveTensors;
        foreach (var kind in new[] { PathKind.Geodesic, PathKind.Spiral, PathKind.RandomWalk, PathKind.Traversal })
            PathRecipe.Build(model, spec with { Kind = kind }).Dispose();
        Assert.Equal(before, Torch.LiveTensors);
    }
}
