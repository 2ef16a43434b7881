using LatentSynth.Models.Priors;
using LatentSynth.Torch;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Sample moments and log-densities of the registered priors.</summary>
public class PriorTests
{
    private const int N = 40_000;

    private static IPrior Create(string name, Action<ModelConfig>? _ = null) =>
        PriorRegistry.Create(ModelRegistry.DefaultConfig("wae-mmd") with { Prior = name, NumComponents = 4, MogRadius = 2.0, MogStd = 0.5 });

    private static (double[] Mean, double[] Var) Moments(Tensor s)
    {
        using var scope = Torch.NewScope();
        var d = s.To(DType.Float64);
        return (d.Mean(0).ToArray<double>(), d.Var(0).ToArray<double>());
    }

    [Fact]
    public void BuiltInPriorsAreRegistered()
    {
        Assert.Equal(["mog", "normal", "sphere", "uniform"], PriorRegistry.Names);
        Assert.True(PriorRegistry.Get("normal").DensityEverywhere);
        Assert.True(PriorRegistry.Get("mog").DensityEverywhere);
        Assert.False(PriorRegistry.Get("uniform").DensityEverywhere);
        Assert.False(PriorRegistry.Get("sphere").DensityEverywhere);
        Assert.Contains("known: mog, normal, sphere, uniform", Assert.Throws<ArgumentException>(() => PriorRegistry.Get("cauchy")).Message);
    }

    [Fact]
    public void NormalHasZeroMeanUnitVariance()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(1);
        var s = Create("normal").Sample(N, 4, g);
        Assert.Equal([(long)N, 4], s.Shape);
        var (mean, var) = Moments(s);
        foreach (var m in mean) Assert.InRange(m, -0.03, 0.03);
        foreach (var v in var) Assert.InRange(v, 0.97, 1.03);
        Assert.Equal(1.0, Create("normal").MeanSquare(4));
    }

    [Fact]
    public void UniformFillsTheCube()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(2);
        var prior = Create("uniform");
        var s = prior.Sample(N, 3, g);
        Assert.Equal(1L, s.Abs().Le(1.0).All().ItemLong());
        var (mean, var) = Moments(s);
        foreach (var m in mean) Assert.InRange(m, -0.02, 0.02);
        foreach (var v in var) Assert.InRange(v, 1 / 3.0 - 0.01, 1 / 3.0 + 0.01);
        Assert.InRange(s.Min().Item(), -1.0, -0.999);
        Assert.InRange(s.Max().Item(), 0.999, 1.0);
        // Density 2⁻ᵈ inside, 0 outside.
        var lp = prior.LogProb(Tensor.From([0.5f, -0.9f, 0f, 0.5f, 1.5f, 0f], 2, 3)).ToArray<float>();
        Assert.Equal(-3 * Math.Log(2), lp[0], 1e-6);
        Assert.Equal(float.NegativeInfinity, lp[1]);
    }

    [Fact]
    public void SphereHasRadiusSqrtD()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(3);
        const int d = 5;
        var prior = Create("sphere");
        var s = prior.Sample(N, d, g);
        var norms = s.Norm(2, 1).To(DType.Float64);
        Assert.InRange(norms.Min().Item(), Math.Sqrt(d) * (1 - 1e-5), Math.Sqrt(d) * (1 + 1e-5));
        Assert.InRange(norms.Max().Item(), Math.Sqrt(d) * (1 - 1e-5), Math.Sqrt(d) * (1 + 1e-5));
        var (mean, var) = Moments(s);
        foreach (var m in mean) Assert.InRange(m, -0.03, 0.03);
        foreach (var v in var) Assert.InRange(v, 0.97, 1.03);         // E zᵢ² = r²/d = 1
        Assert.False(prior.HasLogProb);
        Assert.Throws<NotSupportedException>(() => prior.LogProb(s));
    }

    [Fact]
    public void MixtureHasItsMeansOnACircle()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(4);
        var prior = (MixturePrior)Create("mog");
        Assert.Equal(4, prior.Components);
        // K = 4 on a circle of radius 2: (2, 0), (0, 2), (−2, 0), (0, −2), zero beyond the first two coordinates.
        var means = prior.MeanValues(3);
        Assert.Equal(2.0, means[0][0], 12);
        Assert.Equal(2.0, means[1][1], 12);
        Assert.Equal(-2.0, means[2][0], 12);
        Assert.All(means, m => Assert.Equal(0.0, m[2]));
        Assert.All(means, m => Assert.Equal(2.0, Math.Sqrt(m.Sum(v => v * v)), 12));
        var s = prior.Sample(N, 3, g);
        var (mean, var) = Moments(s);
        foreach (var m in mean) Assert.InRange(m, -0.04, 0.04);
        // Per coordinate: the first two mix ±2 (variance r²/2 = 2) with s² = 0.25; the third is s² only.
        Assert.InRange(var[0], 2.25 - 0.06, 2.25 + 0.06);
        Assert.InRange(var[1], 2.25 - 0.06, 2.25 + 0.06);
        Assert.InRange(var[2], 0.25 - 0.01, 0.25 + 0.01);
        Assert.Equal((2.25 * 2 + 0.25) / 3, prior.MeanSquare(3), 12);
        // Each sample lies near one of the means: the distance to the nearest mean is s·χ₃ (mean ≈ 0.8).
        var nearest = (s.Unsqueeze(1) - prior.Means(3).Unsqueeze(0)).Norm(2, 2).Min(1).Values;
        Assert.InRange(nearest.Mean().Item(), 0.75, 0.85);
        // 1-D: evenly spaced on [−r, r].
        double[] line = [-2.0, -2.0 / 3, 2.0 / 3, 2.0];
        Assert.Equal(line.Length, prior.MeanValues(1).Length);
        for (int k = 0; k < line.Length; k++) Assert.Equal(line[k], prior.MeanValues(1)[k][0], 12);
    }

    [Fact]
    public void SamplesComeFromTheGivenGenerator()
    {
        using var scope = Torch.NewScope();
        foreach (var name in PriorRegistry.Names)
        {
            var prior = Create(name);
            using var g1 = new Generator(7);
            using var g2 = new Generator(7);
            Assert.True(prior.Sample(6, 3, g1).Equal(prior.Sample(6, 3, g2)), name);
            Assert.Equal([0L, 3], prior.Sample(0, 3, g1).Shape);
            Assert.Throws<ArgumentOutOfRangeException>(() => prior.Sample(-1, 3, g1));
        }
    }
}
