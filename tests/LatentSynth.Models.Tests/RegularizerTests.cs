using LatentSynth.Models.Priors;
using LatentSynth.Models.Regularizers;
using LatentSynth.Torch;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>MMD and KL against values computed by hand, closed forms and Monte-Carlo estimates.</summary>
public class RegularizerTests
{
    private static readonly KernelInfo Rbf = KernelRegistry.Get("rbf");
    private static readonly KernelInfo Imq = KernelRegistry.Get("imq");

    // ---- MMD --------------------------------------------------------------------------------

    [Fact]
    public void MmdOfTwoAndThreePointsMatchesTheHandComputedValue()
    {
        using var scope = Torch.NewScope();
        // x = {0, 1}, y = {0.5, 2, 3} on the line; one scale, C = 1: k = exp(−d²) or 1/(1 + d²).
        var x = Tensor.From([0f, 1f], 2, 1);
        var y = Tensor.From([0.5f, 2f, 3f], 3, 1);
        double[] xy = [0.25, 4, 9, 0.25, 1, 4];               // squared distances between x and y
        double[] yy = [2.25, 6.25, 1];                          // the 3 distinct pairs of y
        foreach (var (kernel, k) in new (KernelInfo, Func<double, double>)[] { (Rbf, d2 => Math.Exp(-d2)), (Imq, d2 => 1 / (1 + d2)) })
        {
            // Unbiased: pairs i ≠ j only; each unordered pair counts twice.
            double expectedU = 2 * k(1) / (2 * 1) + 2 * yy.Sum(k) / (3 * 2) - 2 * xy.Sum(k) / (2 * 3);
            // Biased: every pair, including i = j (k(0) = 1).
            double expectedB = (2 * k(0) + 2 * k(1)) / 4 + (3 * k(0) + 2 * yy.Sum(k)) / 9 - 2 * xy.Sum(k) / 6;
            double u = Mmd.Compute(x, y, kernel, 1.0, [1.0], unbiased: true).Item();
            double b = Mmd.Compute(x, y, kernel, 1.0, [1.0], unbiased: false).Item();
            Assert.Equal(expectedU, u, 1e-6);
            Assert.Equal(expectedB, b, 1e-6);
            // Multi-scale = sum over scales: scales [1, 2] with C = 1 add the C = 2 kernel.
            double u2 = Mmd.Compute(x, y, kernel, 1.0, [1.0, 2.0], unbiased: true).Item();
            double alone2 = Mmd.Compute(x, y, kernel, 2.0, [1.0], unbiased: true).Item();
            Assert.Equal(u + alone2, u2, 1e-6);
        }
    }

    [Fact]
    public void MmdOfASampleWithItselfDistributionIsNearZeroAndGrowsWithAShift()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(3);
        const int n = 1000, d = 2;
        var p1 = Torch.Randn([n, d], generator: g);
        var p2 = Torch.Randn([n, d], generator: g);
        var shift = Torch.Randn([n, d], generator: g);
        double c = Mmd.DefaultBandwidth(d, 1.0);
        foreach (var kernel in new[] { Rbf, Imq })
        {
            double same = Mmd.Compute(p1, p2, kernel, c).Item();
            double s05 = Mmd.Compute(p1, shift + 0.5, kernel, c).Item();
            double s10 = Mmd.Compute(p1, shift + 1.0, kernel, c).Item();
            double s20 = Mmd.Compute(p1, shift + 2.0, kernel, c).Item();
            Assert.True(Math.Abs(same) < 0.01, $"{kernel.Name}: MMD(P, P) = {same}");
            Assert.True(s05 > 0.05 && s05 > 5 * Math.Abs(same), $"{kernel.Name}: shift 0.5 gives {s05} (same: {same})");
            Assert.True(s10 > s05 && s20 > s10, $"{kernel.Name}: {s05} < {s10} < {s20} expected");
        }
    }

    /// <summary>E exp(−‖W‖²/C) for W ~ N(m, v·I) in d dimensions.</summary>
    private static double GaussianRbfExpectation(double c, double v, double m2, int d) =>
        Math.Pow(1 + 2 * v / c, -d / 2.0) * Math.Exp(-m2 / (c + 2 * v));

    [Fact]
    public void UnbiasedEstimatorAveragesToThePopulationValue()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(4);
        // 50 000 independent problems of 4 + 4 points: P = N(0, I), Q = N(μ, I) in 2-D, μ = (0.7, 0).
        const int problems = 50000, n = 4, d = 2;
        double[] scales = [0.5, 1, 2];
        const double c = 2.0, mu = 0.7;
        var x = Torch.Randn([problems, n, d], generator: g);
        var y = Torch.Randn([problems, n, d], generator: g) + Tensor.From([(float)mu, 0f], 1, 1, d);
        // Population MMD² = Σₛ [E k(X,X') + E k(Y,Y') − 2 E k(X,Y)], X − X' ~ N(0, 2I), X − Y ~ N(−μ, 2I).
        double population = scales.Sum(s => 2 * GaussianRbfExpectation(s * c, 2, 0, d) - 2 * GaussianRbfExpectation(s * c, 2, mu * mu, d));
        var u = Mmd.Compute(x, y, Rbf, c, scales, unbiased: true).To(DType.Float64);
        var b = Mmd.Compute(x, y, Rbf, c, scales, unbiased: false).To(DType.Float64);
        Assert.Equal([(long)problems], u.Shape);
        double meanU = u.Mean().Item(), se = u.Std().Item() / Math.Sqrt(problems);
        double meanB = b.Mean().Item();
        Assert.True(se < 0.03 * population, $"standard error {se} too large to test anything (population {population})");
        Assert.True(Math.Abs(meanU - population) < 4 * se, $"unbiased mean {meanU} vs population {population} (se {se})");
        // The biased V-statistic is off by O(1/n) here, far outside the error bars: the test can tell them apart.
        Assert.True(Math.Abs(meanB - population) > 20 * se, $"biased mean {meanB} vs population {population} (se {se})");
    }

    [Fact]
    public void MmdRefusesBadArguments()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Rand(1, 2);
        var b = Torch.Rand(5, 2);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => Mmd.Compute(a, b, Rbf, 1.0)).Message);
        // The biased V-statistic is defined for one sample: x = {0}, y = {1, 2} with one scale, C = 1 and k = exp(−d²)
        // gives k(0) + (2 k(0) + 2 k(1)) / 4 − 2 (k(1) + k(4)) / 2.
        double one = Mmd.Compute(Tensor.From([0f], 1, 1), Tensor.From([1f, 2f], 2, 1), Rbf, 1.0, [1.0], unbiased: false).Item();
        Assert.Equal(1 + (2 + 2 * Math.Exp(-1)) / 4 - (Math.Exp(-1) + Math.Exp(-4)), one, 1e-6);
        Assert.Throws<ArgumentException>(() => Mmd.Compute(Torch.Rand(3, 2), Torch.Rand(3, 4), Rbf, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mmd.Compute(b, b, Rbf, 0.0));
        Assert.Throws<ArgumentException>(() => Mmd.Compute(b, b, Rbf, 1.0, [1.0, -2.0]));
        Assert.Contains("unknown kernel 'gauss'", Assert.Throws<ArgumentException>(() => KernelRegistry.Get("gauss")).Message);
    }

    // ---- KL ---------------------------------------------------------------------------------

    [Fact]
    public void AnalyticKlMatchesTheClosedForm()
    {
        using var scope = Torch.NewScope();
        double[][] mus = [[0.5, -1.0, 0.0], [2.0, 0.1, -0.3]];
        double[][] sigmas = [[0.8, 1.5, 1.0], [0.2, 1.0, 3.0]];
        var mu = Tensor.From(mus.SelectMany(r => r).Select(v => (float)v).ToArray(), 2, 3);
        var logVar = Tensor.From(sigmas.SelectMany(r => r).Select(s => (float)Math.Log(s * s)).ToArray(), 2, 3);
        var kl = Regularizers.Kl.DiagonalGaussianToStandardNormal(mu, logVar).ToArray<float>();
        for (int i = 0; i < 2; i++)
        {
            // KL(N(μ, σ²) ‖ N(0, 1)) = −log σ + (σ² + μ²)/2 − ½ per dimension.
            double expected = Enumerable.Range(0, 3).Sum(j => -Math.Log(sigmas[i][j]) + (sigmas[i][j] * sigmas[i][j] + mus[i][j] * mus[i][j]) / 2 - 0.5);
            Assert.Equal(expected, kl[i], 1e-5 * Math.Max(1, expected));
        }
        // KL is 0 exactly at the prior.
        Assert.Equal(0f, Regularizers.Kl.DiagonalGaussianToStandardNormal(Torch.Zeros(1, 4), Torch.Zeros(1, 4)).Item());
    }

    [Fact]
    public void MonteCarloKlAveragesToTheAnalyticValue()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(8);
        const int samples = 200_000;
        var mu = Tensor.From([0.5f, -1.0f, 0.2f], 1, 3).Expand(samples, 3);
        var logVar = Tensor.From([-0.4f, 0.8f, 0.0f], 1, 3).Expand(samples, 3);
        var eps = Torch.Randn([samples, 3], generator: g);
        var z = mu + logVar.Mul(0.5).Exp() * eps;
        double analytic = Regularizers.Kl.DiagonalGaussianToStandardNormal(mu.Narrow(0, 0, 1), logVar.Narrow(0, 0, 1)).Item();
        // The standard normal, and the same distribution written as a 1-component mixture at 0 with std 1.
        foreach (IPrior prior in new IPrior[] { new NormalPrior(), new MixturePrior(1, 0.0, 1.0) })
        {
            var mc = Regularizers.Kl.MonteCarlo(z, eps, logVar, prior).To(DType.Float64);
            double mean = mc.Mean().Item(), se = mc.Std().Item() / Math.Sqrt(samples);
            Assert.True(Math.Abs(mean - analytic) < 4 * se, $"{prior.Name}: Monte-Carlo {mean} vs analytic {analytic} (se {se})");
            Assert.True(se < 0.01, $"se {se}");
        }
        Assert.Throws<ArgumentException>(() => Regularizers.Kl.MonteCarlo(z, eps, logVar, new SpherePrior()));
    }

    [Fact]
    public void KlGradientOfTheSampleFormEqualsTheDensityForm()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(9);
        // log q(z|x) from ε must give the same gradient as the Gaussian density evaluated at z = μ + σε.
        var mu = Torch.Randn([4, 3], generator: g).RequiresGrad_();
        var logVar = Torch.Randn([4, 3], generator: g).RequiresGrad_();
        var eps = Torch.Randn([4, 3], generator: g);
        var z = mu + logVar.Mul(0.5).Exp() * eps;
        var fromEps = Regularizers.Kl.DiagonalGaussianLogProbAtSample(eps, logVar).Sum();
        var gradsA = Autograd.Grad([fromEps], [mu, logVar], allowUnused: true);
        var direct = ((z - mu).Square() / logVar.Exp() + logVar + Math.Log(2 * Math.PI)).Sum().Mul(-0.5);
        var gradsB = Autograd.Grad([direct], [mu, logVar]);
        Assert.True((gradsA[0] ?? Torch.ZerosLike(mu)).AllClose(gradsB[0]!, 1e-5, 1e-5));
        Assert.True(gradsA[1]!.AllClose(gradsB[1]!, 1e-5, 1e-5));
    }

    // ---- warm-up ----------------------------------------------------------------------------

    [Fact]
    public void WarmupRisesLinearlyThenHolds()
    {
        // β = 4 over 2 epochs of 10 steps: 0, 1, 2, 3, 4 at steps 0, 5, 10, 15, 20, then 4.
        long[] steps = [0, 5, 10, 15, 20, 35, 1000];
        double[] expected = [0, 1, 2, 3, 4, 4, 4];
        for (int i = 0; i < steps.Length; i++)
            Assert.Equal(expected[i], Warmup.Weight(4.0, 2.0, new TrainingProgress((int)(steps[i] / 10), steps[i], 10, 5)), 12);
        Assert.Equal(4.0, Warmup.Weight(4.0, 0.0, new TrainingProgress(0, 0, 10, 5)));
        Assert.Equal(4.0, Warmup.Weight(4.0, 3.0, TrainingProgress.Finished));
        Assert.Equal(1.5, Warmup.Weight(2.0, 0.5, new TrainingProgress(0, 3, 8, 1)), 12);      // fractional epochs
        Assert.Throws<ArgumentOutOfRangeException>(() => Warmup.Weight(1.0, -1.0, default));
    }
}
