using Xunit.Abstractions;
using LatentSynth.Audio.Paths;
using LatentSynth.Models;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Paths;

using Torch = LatentSynth.Torch.Torch;

public class GeodesicTests(ITestOutputHelper output)
{
    static Tensor V(params double[] x) => Tensor.From(x.Select(v => (float)v).ToArray(), x.Length);

    [Fact]
    public void With_a_linear_decoder_the_straight_line_is_already_a_geodesic()
    {
        using var scope = Torch.NewScope();
        // g(z) = W z with a fixed, non-orthogonal W (3 → 5): the pulled-back metric WᵀW is constant,
        // so straight lines traversed at constant speed minimise the energy.
        var w = Tensor.From(new float[] { 1, 0.5f, 0, -0.3f, 2, 0.1f, 0, 0, 1, 0.7f, 0.2f, -1, 1, 1, 1 }, 5, 3);
        Func<Tensor, Tensor> g = z => z.Matmul(w.T);
        var z0 = V(-1, 0.5, 2);
        var z1 = V(1.5, -1, 0);
        var result = LatentPaths.Geodesic(g, z0, z1, new GeodesicOptions { Points = 12, Iterations = 100, LearningRate = 0.01 });
        using var diff = (z1 - z0).Unsqueeze(1);
        double expected = w.Matmul(diff).Square().Sum().Item();
        Assert.Equal(expected, result.InitialEnergy, 3);
        Assert.True(result.InitialEnergy - result.FinalEnergy <= 1e-5 * expected,
            $"energy fell from {result.InitialEnergy} to {result.FinalEnergy}: the line should already be minimal");
        output.WriteLine($"linear: energy {result.InitialEnergy:G7} -> {result.FinalEnergy:G7} (exact {expected:G7})");
        Assert.Equal(101, result.EnergyTrace.Count);
        // Every point stays on the segment (perpendicular distance tiny).
        var p = result.Path.ToArray<float>();
        double[] a = [-1, 0.5, 2], dir = [2.5, -1.5, -2];
        double dd = dir.Sum(x => x * x);
        for (int i = 0; i < 12; i++)
        {
            double[] r = [p[i * 3] - a[0], p[i * 3 + 1] - a[1], p[i * 3 + 2] - a[2]];
            double s = (r[0] * dir[0] + r[1] * dir[1] + r[2] * dir[2]) / dd;
            double perp = Math.Sqrt(Enumerable.Range(0, 3).Sum(j => Math.Pow(r[j] - s * dir[j], 2)));
            Assert.True(perp < 1e-3, $"point {i} is {perp} off the line");
        }
        AssertEndpoints(result.Path, z0, z1);
        Assert.Equal(result.FinalEnergy, LatentPaths.CurveEnergy(g, result.Path), 4);
    }

    static void AssertEndpoints(Tensor path, Tensor z0, Tensor z1)
    {
        using var scope = Torch.NewScope();
        Assert.True(path.Select(0, 0).Equal(z0), "the start point moved");
        Assert.True(path.Select(0, path.Size(0) - 1).Equal(z1), "the end point moved");
    }

    [Fact]
    public void A_bump_in_the_decoder_bends_the_geodesic_around_it()
    {
        using var scope = Torch.NewScope();
        // g(z) = [z, 10·exp(−‖z − c‖²)]: a tall bump centred just above the straight line from
        // (−2, 0) to (2, 0). Going over it costs much more than going around below it.
        var c = Tensor.From(new float[] { 0, 0.3f }, 1, 2);
        Func<Tensor, Tensor> g = z =>
        {
            var h = (z - c).Square().Sum(1, keepDim: true).Neg().Exp() * 10.0;
            return Torch.Cat([z, h], 1);
        };
        var z0 = V(-2, 0);
        var z1 = V(2, 0);
        var reports = new Reports();
        var result = LatentPaths.Geodesic(g, z0, z1, new GeodesicOptions { Points = 16, Iterations = 300, LearningRate = 0.05, Progress = reports });
        Assert.Equal(Enumerable.Range(1, 300), reports.Seen.Select(r => r.Iteration));
        Assert.All(reports.Seen, r => Assert.Equal(300, r.Iterations));
        Assert.Equal(result.EnergyTrace.Take(300), reports.Seen.Select(r => r.Energy));
        output.WriteLine($"bump: energy {result.InitialEnergy:G5} -> {result.FinalEnergy:G5}, middle point {string.Join(", ", result.Path.Select(0, 8).ToArray<float>())}");
        Assert.True(result.FinalEnergy < 0.5 * result.InitialEnergy,
            $"energy {result.InitialEnergy} → {result.FinalEnergy}: going around the bump should at least halve it");
        AssertEndpoints(result.Path, z0, z1);
        var p = result.Path.ToArray<float>();
        float middleY = p[8 * 2 + 1];
        Assert.True(middleY < -0.5, $"the middle of the path (y = {middleY}) should bend away from the bump at y = 0.3");
        Assert.True(result.EnergyTrace.Min() >= result.FinalEnergy - 1e-9);
        Assert.Equal(result.FinalEnergy, LatentPaths.CurveEnergy(g, result.Path), 3);
    }

    [Fact]
    public void Geodesic_through_a_trained_model_leaves_the_model_untouched()
    {
        using var scope = Torch.NewScope();
        using var model = (VaeModel)ModelRegistry.Create(new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [16], LatentDim = 3 });
        var optimizers = model.CreateOptimizers(1e-2);
        using var gen = new Generator(3);
        var x = Torch.Rand([32, 1, 4, 4], generator: gen);
        for (int step = 0; step < 5; step++)
        {
            using var s = Torch.NewScope();
            model.TrainStep(x, new TrainingProgress(0, step, 5, 1), optimizers);
        }
        foreach (var o in optimizers.Values) o.Dispose();
        model.ZeroGrad();
        model.Train();
        var before = model.Parameters().Select(p => p.Detach().Clone()).ToList();

        var z0 = V(-1.5, 0.5, 1);
        var z1 = V(1.2, -0.8, -0.4);
        var result = LatentPaths.Geodesic(model, z0, z1, new GeodesicOptions { Points = 8, Iterations = 40, LearningRate = 0.02 });

        output.WriteLine($"vae: energy {result.InitialEnergy:G5} -> {result.FinalEnergy:G5}");
        Assert.True(result.FinalEnergy <= result.InitialEnergy);
        Assert.True(result.InitialEnergy > 0);
        Assert.Equal([8L, 3L], result.Path.Shape);
        AssertEndpoints(result.Path, z0, z1);
        Assert.True(model.Training, "the model's training mode should be restored");
        var after = model.Parameters().ToList();
        for (int i = 0; i < after.Count; i++)
        {
            Assert.True(after[i].Equal(before[i]), $"parameter {i} changed");
            Assert.Null(after[i].Grad);
        }
    }

    [Fact]
    public void Geodesic_refuses_bad_arguments_by_name()
    {
        using var scope = Torch.NewScope();
        Func<Tensor, Tensor> g = z => z;
        Assert.Equal("z1", Assert.Throws<ArgumentException>(() => LatentPaths.Geodesic(g, V(0, 0), V(0, 0, 0))).ParamName);
        Assert.Equal("z0", Assert.Throws<ArgumentException>(() => LatentPaths.Geodesic(g, Tensor.From(new float[] { 0, 0 }, 1, 2), V(0, 0))).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => LatentPaths.Geodesic(g, V(0, 0), V(1, 1), new GeodesicOptions { Points = 2 }));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains("Points", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => LatentPaths.Geodesic(g, V(0, 0), V(1, 1), new GeodesicOptions { LearningRate = 0 }));
        Assert.Contains("LearningRate", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => LatentPaths.Geodesic(g, V(0, 0), V(1, 1), new GeodesicOptions { Iterations = -1 }));
        Assert.Contains("Iterations", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => LatentPaths.CurveEnergy(z => z.Sum(), Tensor.From(new float[] { 0, 0, 1, 1 }, 2, 2)));
        Assert.Equal("decoder", ex.ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => LatentPaths.CurveEnergy(g, Tensor.From(new float[] { 0, 0 }, 1, 2))).ParamName);
    }

    sealed class Reports : IProgress<GeodesicProgress>
    {
        public List<GeodesicProgress> Seen { get; } = [];
        public void Report(GeodesicProgress value) => Seen.Add(value);
    }
}
