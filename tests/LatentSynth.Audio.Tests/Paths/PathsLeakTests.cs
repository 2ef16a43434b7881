using LatentSynth.Audio.Paths;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Paths;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Path generators and the geodesic leave no native tensors behind (the caller owns only the results).</summary>
[Collection("AudioProcessWide")]
public class PathsLeakTests
{
    [Fact]
    public void Generators_and_geodesic_leave_only_their_results_alive()
    {
        using var z0 = Tensor.From(new float[] { -1, 0.5f }, 2);
        using var z1 = Tensor.From(new float[] { 1, -0.5f }, 2);
        using var w = Tensor.From(new float[] { 1, 2, -1, 0.5f, 0, 1 }, 3, 2);
        Func<Tensor, Tensor> g = z => z.Matmul(w.T).Tanh();
        // Warm up once (lazily created native state is not a leak).
        LatentPaths.Geodesic(g, z0, z1, new GeodesicOptions { Points = 5, Iterations = 3 }).Path.Dispose();
        // Let tensors other tests dropped without disposing be finalised first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Torch.LiveTensors;
        var result = LatentPaths.Geodesic(g, z0, z1, new GeodesicOptions { Points = 6, Iterations = 20 });
        using var walk = LatentPaths.RandomWalk(z0, 30, 0.1, 0.5, 2);
        using var circle = LatentPaths.Circle(z0, 0, 1, 1, 12);
        using var morph = LatentPaths.Morph(walk, circle, 20, BlendCurve.Smoothstep);
        using var even = LatentPaths.Resample(g, morph, 10);
        double e = LatentPaths.CurveEnergy(g, even);
        Assert.True(e > 0);
        Assert.Equal(before + 5, Torch.LiveTensors); // path, walk, circle, morph, even
        result.Path.Dispose();
        Assert.Equal(before + 4, Torch.LiveTensors);
    }
}
