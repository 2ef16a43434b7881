using LatentSynth.Audio.Paths;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Paths;

using Torch = LatentSynth.Torch.Torch;

public class LatentPathsTests
{
    static Tensor V(params double[] x) => Tensor.From(x.Select(v => (float)v).ToArray(), x.Length);

    static double[,] Rows(Tensor t)
    {
        var f = t.ToArray<float>();
        int n = (int)t.Size(0), d = (int)t.Size(1);
        var r = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) r[i, j] = f[i * d + j];
        return r;
    }

    [Fact]
    public void Traversal_changes_only_the_chosen_dimension_from_start_to_end()
    {
        using var scope = Torch.NewScope();
        var c = V(0.5, -1, 2, 3);
        var p = LatentPaths.Traversal(c, 2, -3, 3, 7);
        Assert.Equal([7L, 4L], p.Shape);
        Assert.Equal(DType.Float32, p.DType);
        var r = Rows(p);
        for (int t = 0; t < 7; t++)
        {
            Assert.Equal(0.5, r[t, 0], 6);
            Assert.Equal(-1, r[t, 1], 6);
            Assert.Equal(3, r[t, 3], 6);
            Assert.Equal(-3 + t, r[t, 2], 5);
        }
    }

    [Fact]
    public void Line_has_both_endpoints_and_equal_steps()
    {
        using var scope = Torch.NewScope();
        var r = Rows(LatentPaths.Line(V(0, 0), V(4, -8), 5));
        Assert.Equal(0, r[0, 0], 6); Assert.Equal(4, r[4, 0], 6); Assert.Equal(-8, r[4, 1], 6);
        Assert.Equal(2, r[2, 0], 6); Assert.Equal(-4, r[2, 1], 6);
    }

    [Theory]
    [InlineData(BlendCurve.Linear)]
    [InlineData(BlendCurve.Smoothstep)]
    public void Morph_starts_at_A_first_point_and_ends_at_B_last(BlendCurve curve)
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new float[] { 1, 1, 2, 2, 3, 3 }, 3, 2);            // 3 frames
        var b = Tensor.From(new float[] { -5, 0, -6, 0, -7, 0, -8, 1, -9, 2 }, 5, 2); // 5 frames
        var r = Rows(LatentPaths.Morph(a, b, 9, curve));
        Assert.Equal(9, r.GetLength(0));
        Assert.Equal(1, r[0, 0], 6); Assert.Equal(1, r[0, 1], 6);
        Assert.Equal(-9, r[8, 0], 6); Assert.Equal(2, r[8, 1], 6);
        // Middle frame: A resampled at t = ½ is (2, 2), B at ½ is (−7, 0); w(½) = ½ for both curves.
        Assert.Equal(-2.5, r[4, 0], 5); Assert.Equal(1, r[4, 1], 5);
    }

    [Fact]
    public void Smoothstep_morph_moves_less_than_linear_near_the_ends()
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new float[] { 0, 0 }, 1, 2);
        var b = Tensor.From(new float[] { 1, 0 }, 1, 2);
        var lin = Rows(LatentPaths.Morph(a, b, 11));
        var smooth = Rows(LatentPaths.Morph(a, b, 11, BlendCurve.Smoothstep));
        Assert.Equal(0.1, lin[1, 0], 5);
        Assert.True(smooth[1, 0] < lin[1, 0]);
        Assert.Equal(0.028, smooth[1, 0], 4); // 3·0.01 − 2·0.001
    }

    [Fact]
    public void Blend_is_a_constant_mixture()
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new float[] { 0, 0, 2, 2 }, 2, 2);
        var b = Tensor.From(new float[] { 4, 4, 6, 6 }, 2, 2);
        var r = Rows(LatentPaths.Blend(a, b, 0.25));
        Assert.Equal(1, r[0, 0], 6); Assert.Equal(3, r[1, 1], 6);
        Assert.True(LatentPaths.Blend(a, b, 0).Equal(a));
    }

    [Fact]
    public void Circle_points_lie_at_the_radius_in_the_chosen_plane_and_nowhere_else()
    {
        using var scope = Torch.NewScope();
        var c = V(1, 2, 3, 4, 5);
        var r = Rows(LatentPaths.Circle(c, 1, 3, 0.75, 24));
        double[] cc = [1, 2, 3, 4, 5];
        var angles = new HashSet<int>();
        for (int t = 0; t < 24; t++)
        {
            foreach (int j in new[] { 0, 2, 4 }) Assert.Equal(cc[j], r[t, j], 6);
            double x = r[t, 1] - 2, y = r[t, 3] - 4;
            Assert.Equal(0.75, Math.Sqrt(x * x + y * y), 5);
            angles.Add((int)Math.Round(Math.Atan2(y, x) * 12 / Math.PI));
        }
        Assert.Equal(24, angles.Count); // one full turn, no point repeated
    }

    [Fact]
    public void Circle_in_an_arbitrary_orthonormal_plane()
    {
        using var scope = Torch.NewScope();
        double s = Math.Sqrt(0.5);
        var u = V(s, s, 0); var v = V(0, 0, 1);
        var r = Rows(LatentPaths.Circle(V(0, 0, 0), u, v, 2, 16));
        for (int t = 0; t < 16; t++)
        {
            Assert.Equal(r[t, 0], r[t, 1], 5); // stays in span(u, v)
            Assert.Equal(2, Math.Sqrt(r[t, 0] * r[t, 0] + r[t, 1] * r[t, 1] + r[t, 2] * r[t, 2]), 5);
        }
        var ex = Assert.Throws<ArgumentException>(() => LatentPaths.Circle(V(0, 0, 0), u, V(1, 0, 0), 1, 8));
        Assert.Equal("v", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => LatentPaths.Circle(V(0, 0, 0), V(2, 0, 0), v, 1, 8));
        Assert.Equal("u", ex.ParamName);
    }

    [Fact]
    public void Spiral_radius_is_monotone_from_radiusFrom_to_radiusTo()
    {
        using var scope = Torch.NewScope();
        var r = Rows(LatentPaths.Spiral(V(0, 0, 0), 0, 2, 0.2, 1.5, 3, 50));
        double prev = -1;
        for (int t = 0; t < 50; t++)
        {
            double rad = Math.Sqrt(r[t, 0] * r[t, 0] + r[t, 2] * r[t, 2]);
            Assert.True(rad > prev);
            Assert.Equal(0, r[t, 1], 6);
            prev = rad;
        }
        Assert.Equal(0.2, Math.Sqrt(r[0, 0] * r[0, 0] + r[0, 2] * r[0, 2]), 5);
        Assert.Equal(1.5, prev, 5);
    }

    [Fact]
    public void Lissajous_follows_its_formula()
    {
        using var scope = Torch.NewScope();
        var r = Rows(LatentPaths.Lissajous(V(1, 1), 0, 1, 3, 2, Math.PI / 2, 0.5, 40));
        for (int t = 0; t < 40; t++)
        {
            double th = 2 * Math.PI * t / 40;
            Assert.Equal(1 + 0.5 * Math.Sin(3 * th + Math.PI / 2), r[t, 0], 5);
            Assert.Equal(1 + 0.5 * Math.Sin(2 * th), r[t, 1], 5);
        }
    }

    static double MeanSecondDifference(double[,] r)
    {
        int n = r.GetLength(0), d = r.GetLength(1);
        double sum = 0;
        for (int t = 1; t + 1 < n; t++)
        {
            double s = 0;
            for (int j = 0; j < d; j++) { double x = r[t + 1, j] - 2 * r[t, j] + r[t - 1, j]; s += x * x; }
            sum += Math.Sqrt(s);
        }
        return sum / (n - 2);
    }

    [Fact]
    public void Random_walk_is_deterministic_per_seed_different_across_seeds_and_smoother_with_smoothness()
    {
        using var scope = Torch.NewScope();
        var start = V(0.5, 0, 0, -0.5);
        var a = LatentPaths.RandomWalk(start, 300, 0.1, 0.5, 7);
        var b = LatentPaths.RandomWalk(start, 300, 0.1, 0.5, 7);
        var c = LatentPaths.RandomWalk(start, 300, 0.1, 0.5, 8);
        Assert.True(a.Equal(b));
        Assert.False(a.Equal(c));
        var ra = Rows(a);
        Assert.Equal(0.5, ra[0, 0], 6); Assert.Equal(-0.5, ra[0, 3], 6);
        double rough = MeanSecondDifference(Rows(LatentPaths.RandomWalk(start, 300, 0.1, 0, 7)));
        double mid = MeanSecondDifference(ra);
        double smooth = MeanSecondDifference(Rows(LatentPaths.RandomWalk(start, 300, 0.1, 0.95, 7)));
        Assert.True(rough > mid && mid > smooth, $"mean second differences {rough}, {mid}, {smooth} should decrease");
        // Pulled toward the origin: a long walk stays within a few prior standard deviations.
        var far = Rows(LatentPaths.RandomWalk(V(0, 0, 0, 0), 5000, 0.3, 0.5, 1));
        double maxNorm = 0;
        for (int t = 0; t < 5000; t++)
            maxNorm = Math.Max(maxNorm, Math.Sqrt(Enumerable.Range(0, 4).Sum(j => far[t, j] * far[t, j])));
        Assert.True(maxNorm < 8, $"the walk drifted to ‖z‖ = {maxNorm}");
        // A smooth walk is held at the prior's scale too (without the smoothness correction of the pull
        // its per-dimension spread was about 2.8 here).
        var smoothWalk = LatentPaths.RandomWalk(V(0, 0, 0, 0), 20000, 0.05, 0.8, 2).ToArray<float>();
        double std = Math.Sqrt(smoothWalk.Skip(4 * 4000).Average(x => (double)x * x));
        Assert.InRange(std, 0.6, 1.4);
    }

    [Fact]
    public void Resample_spaces_points_evenly_by_arc_length()
    {
        using var scope = Torch.NewScope();
        // An L-shaped path with uneven points: (0,0) (0.1,0) (3,0) (3,1).
        var p = Tensor.From(new float[] { 0, 0, 0.1f, 0, 3, 0, 3, 1 }, 4, 2);
        var r = Rows(LatentPaths.Resample(p, 5)); // length 4: a point every 1
        double[][] expected = [[0, 0], [1, 0], [2, 0], [3, 0], [3, 1]];
        for (int t = 0; t < 5; t++) { Assert.Equal(expected[t][0], r[t, 0], 5); Assert.Equal(expected[t][1], r[t, 1], 5); }
        // ResampleTime, by contrast, is uniform in the frame index.
        var q = Rows(LatentPaths.ResampleTime(p, 7));
        Assert.Equal(0.05, q[1, 0], 5);
        // In decoded space with g(z) = 2z the spacing is the same.
        var d = Rows(LatentPaths.Resample(z => z * 2.0, p, 5));
        for (int t = 0; t < 5; t++) Assert.Equal(expected[t][0], d[t, 0], 5);
    }

    [Fact]
    public void Resample_in_decoded_space_follows_the_decoder_stretch()
    {
        using var scope = Torch.NewScope();
        // A dense 1-D path 0 → 1 through g(z) = z²: equal decoded steps put point k at z = √(k/4).
        var p = LatentPaths.Line(V(0), V(1), 401);
        var r = Rows(LatentPaths.Resample(z => z.Square(), p, 5));
        for (int k = 0; k < 5; k++) Assert.Equal(Math.Sqrt(k / 4.0), r[k, 0], 2);
        // In latent space the same path is re-spaced evenly.
        var q = Rows(LatentPaths.Resample(p, 5));
        Assert.Equal(0.5, q[2, 0], 5);
    }

    public static TheoryData<string, Action> BadArguments()
    {
        Tensor c() => V(0, 0, 0);
        Tensor path() => Tensor.From(new float[] { 0, 0, 1, 1 }, 2, 2);
        return new TheoryData<string, Action>
        {
            { "center", () => LatentPaths.Traversal(Tensor.From(new float[] { 0, 0 }, 1, 2), 0, 0, 1, 5) },
            { "center", () => LatentPaths.Traversal(V(0, double.NaN), 0, 0, 1, 5) },
            { "dim", () => LatentPaths.Traversal(c(), 3, 0, 1, 5) },
            { "dim", () => LatentPaths.Traversal(c(), -1, 0, 1, 5) },
            { "to", () => LatentPaths.Traversal(c(), 0, 0, double.PositiveInfinity, 5) },
            { "steps", () => LatentPaths.Traversal(c(), 0, 0, 1, 1) },
            { "b", () => LatentPaths.Line(c(), V(1, 1), 5) },
            { "steps", () => LatentPaths.Line(c(), c(), 0) },
            { "pathA", () => LatentPaths.Morph(c(), path(), 5) },
            { "pathB", () => LatentPaths.Morph(path(), Tensor.From(new float[] { 0, 0, 0 }, 1, 3), 5) },
            { "steps", () => LatentPaths.Morph(path(), path(), 1) },
            { "curve", () => LatentPaths.Morph(path(), path(), 5, (BlendCurve)7) },
            { "alpha", () => LatentPaths.Blend(path(), path(), 1.5) },
            { "alpha", () => LatentPaths.Blend(path(), path(), double.NaN) },
            { "start", () => LatentPaths.RandomWalk(path(), 5, 0.1, 0.5, 1) },
            { "steps", () => LatentPaths.RandomWalk(c(), 1, 0.1, 0.5, 1) },
            { "stepSize", () => LatentPaths.RandomWalk(c(), 5, 0, 0.5, 1) },
            { "smoothness", () => LatentPaths.RandomWalk(c(), 5, 0.1, 1, 1) },
            { "smoothness", () => LatentPaths.RandomWalk(c(), 5, 0.1, -0.1, 1) },
            { "dimA", () => LatentPaths.Circle(c(), 5, 1, 1, 8) },
            { "dimB", () => LatentPaths.Circle(c(), 1, 1, 1, 8) },
            { "radius", () => LatentPaths.Circle(c(), 0, 1, -1, 8) },
            { "steps", () => LatentPaths.Circle(c(), 0, 1, 1, 1) },
            { "turns", () => LatentPaths.Circle(c(), 0, 1, 1, 8, 0) },
            { "radiusFrom", () => LatentPaths.Spiral(c(), 0, 1, -0.1, 1, 2, 10) },
            { "radiusTo", () => LatentPaths.Spiral(c(), 0, 1, 0.1, double.NaN, 2, 10) },
            { "turns", () => LatentPaths.Spiral(c(), 0, 1, 0.1, 1, double.NaN, 10) },
            { "a", () => LatentPaths.Lissajous(c(), 0, 1, 0, 2, 0, 1, 10) },
            { "b", () => LatentPaths.Lissajous(c(), 0, 1, 1, -2, 0, 1, 10) },
            { "delta", () => LatentPaths.Lissajous(c(), 0, 1, 1, 2, double.NaN, 1, 10) },
            { "u", () => LatentPaths.Lissajous(c(), V(1, 0), V(0, 1, 0), 1, 2, 0, 1, 10) },
            { "path", () => LatentPaths.Resample(c(), 5) },
            { "steps", () => LatentPaths.Resample(path(), 1) },
            { "steps", () => LatentPaths.ResampleTime(path(), 1) },
        };
    }

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_refused_by_name(string name, Action call)
    {
        using var scope = Torch.NewScope();
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(name, ex.ParamName);
        Assert.Contains(name, ex.Message);
    }
}
