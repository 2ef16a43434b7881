using LatentSynth.Evaluation.Metrics;
using LatentSynth.Models;
using LatentSynth.Models.Regularizers;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Models and data whose metrics are known in closed form.</summary>
internal static class MetricModels
{
    public static VaeModel Vae(int latentDim = 2) =>
        (VaeModel)ModelRegistry.Create(new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [16], LatentDim = latentDim });

    /// <summary>A VAE whose encoder outputs 0 (μ = 0, log σ² = 0: q(z|x) = p(z) = N(0, I) for every x)
    /// and, with <paramref name="zeroDecoder"/>, whose decoder outputs logits 0 (p(x|z) = ½ per pixel).</summary>
    public static VaeModel PosteriorIsPrior(bool zeroDecoder)
    {
        var model = Vae();
        using var noGrad = Torch.NoGrad();
        foreach (var p in model.Encoder.Parameters()) p.Zero_();
        if (zeroDecoder) foreach (var p in model.Decoder.Parameters()) p.Zero_();
        return model;
    }

    /// <summary>A VAE (latent 2) whose posterior is N(<paramref name="mu"/>, diag exp(<paramref name="logVar"/>)) for every x:
    /// encoder weights zero, the last layer's bias [μ, log σ²].</summary>
    public static VaeModel FixedPosterior(double[] mu, double[] logVar, string prior = "normal")
    {
        var model = (VaeModel)ModelRegistry.Create(new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [16], LatentDim = 2, Prior = prior });
        using var noGrad = Torch.NoGrad();
        var ps = model.Encoder.Parameters().ToList();
        foreach (var p in ps) p.Zero_();
        var bias = ps[^1];
        Assert.Equal([4L], bias.Shape);
        using var values = Tensor.From(mu.Concat(logVar).Select(v => (float)v).ToArray(), 4);
        bias.CopyFrom(values);
        return model;
    }

    /// <summary>Binary data [n, 1, 4, 4]: one of four stripe patterns per example, 10 % of pixels flipped.</summary>
    public static Tensor StripeData(long n, ulong seed)
    {
        using var g = new Generator(seed);
        using var scope = Torch.NewScope();
        var patterns = new float[4 * 16];
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 16; i++)
                patterns[k * 16 + i] = k switch { 0 => i / 4 % 2, 1 => i % 2, 2 => i / 4 < 2 ? 1 : 0, _ => i % 4 < 2 ? 1 : 0 };
        var protos = Tensor.From(patterns, 4, 16);
        var which = Torch.Randint(4, [n], generator: g);
        var x = protos.IndexSelect(0, which);
        var flip = Torch.Rand([n, 16], generator: g).Lt(0.1).To(DType.Float32);
        return (x + flip - x * flip * 2.0).Reshape(n, 1, 4, 4).DetachFromScope();
    }

    /// <summary>A VAE trained <paramref name="steps"/> full-batch Adam steps on <paramref name="x"/>; its weights start from the seeded default generator.</summary>
    public static VaeModel TrainedVae(Tensor x, int steps = 150)
    {
        Torch.ManualSeed(11);
        var model = Vae();
        using var noise = new Generator(5);
        model.NoiseGenerator = noise;
        var opts = model.CreateOptimizers(1e-2);
        for (int i = 0; i < steps; i++)
        {
            using var scope = Torch.NewScope();
            model.TrainStep(x, new TrainingProgress(0, i, steps, 1), opts);
        }
        foreach (var o in opts.Values) (o as IDisposable)?.Dispose();
        model.NoiseGenerator = null;
        return model;
    }
}

public class MetricsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).Contiguous().ToArray<double>();

    [Fact]
    public void ReconstructionOfTheIdentityHasZeroErrorAndTheEntropyAsBce()
    {
        using var model = TestModels.Identity([1, 3, 5]);
        using var data = TestModels.Data("d", 23, [1, 3, 5]);
        var r = ReconstructionMetrics.Compute(model, data, batchSize: 5);
        Assert.Equal(0.0, r.Mse);
        Assert.Equal(0.0, r.MsePerElement);
        Assert.Equal(23, r.Count);
        // BCE of x against itself is the Bernoulli entropy −Σ[x log x + (1 − x) log(1 − x)] per example.
        var x = D(data.Examples);
        double h = x.Sum(v => -(v * Math.Log(v) + (1 - v) * Math.Log(1 - v))) / 23;
        Assert.Equal(h, r.Bce, 1e-5);   // float32 data, float64 arithmetic: only the clamp at 1e-6 and the data's rounding differ
    }

    [Fact]
    public void ReconstructionMatchesADirectComputationWhateverTheBatchSize()
    {
        using var model = TestModels.Tiny();
        using var data = TestModels.Data("d", 17, [1, 7, 5]);
        using var scope = Torch.NewScope();
        double[] p, x = D(data.Examples);
        using (Torch.NoGrad()) p = D(model.Decode(model.Encode(data.Examples)));
        double bce = 0, mse = 0;
        for (int i = 0; i < x.Length; i++)
        {
            bce -= x[i] * Math.Log(p[i]) + (1 - x[i]) * Math.Log(1 - p[i]);
            mse += (x[i] - p[i]) * (x[i] - p[i]);
        }
        foreach (int b in new[] { 1, 4, 17, 100 })
        {
            var r = ReconstructionMetrics.Compute(model, data, b);
            Assert.Equal(bce / 17, r.Bce, 1e-9 * bce);
            Assert.Equal(mse / 17, r.Mse, 1e-9 * mse);
            Assert.Equal(mse / 17 / 35, r.MsePerElement, 1e-9 * mse);
        }
        Assert.True(model.Training, "the model's mode is put back");
        Assert.Contains("x must be [B, 1, 7, 5]", Assert.Throws<ArgumentException>(() => ReconstructionMetrics.Compute(model, Torch.Zeros(3, 1, 5, 5))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconstructionMetrics.Compute(model, data, 0));
    }

    [Fact]
    public void PosteriorEqualToThePriorGivesZeroKlZeroActiveUnitsAndKnownBounds()
    {
        using var model = MetricModels.PosteriorIsPrior(zeroDecoder: true);
        using var x = MetricModels.StripeData(20, 1);
        double dlog2 = 16 * Math.Log(2);   // p(x|z) = ½ per pixel, whatever z
        using var g = new Generator(3);
        var elbo = Elbo.Compute(model, x, batchSize: 6, generator: g);
        Assert.True(elbo.AnalyticKl);
        Assert.Equal(0.0, elbo.Kl, 1e-12);
        Assert.Equal(dlog2, elbo.Reconstruction, 1e-5);
        Assert.Equal(dlog2, elbo.NegativeElbo, 1e-5);
        var mc = Elbo.Compute(model, x, batchSize: 6, generator: g, analyticKl: false);
        Assert.False(mc.AnalyticKl);
        Assert.Equal(0.0, mc.Kl, 1e-6);   // log q(z|x) − log p(z) at z: the same density, float32 z
        // Every importance weight is p(x|z) p(z)/q(z|x) = 2⁻¹⁶, so the estimate is exact for any k.
        var iwae = IwaeNll.Compute(model, x, samples: 30, batchSize: 7, samplesPerChunk: 8, generator: g);
        Assert.Equal(dlog2, iwae.Nll, 1e-5);
        Assert.Equal((30, 20L), (iwae.Samples, iwae.Count));
        // The aggregate posterior is M copies of N(0, I): exactly the prior.
        var agg = AggregateKl.Compute(model, x, components: 15, samplesPerComponent: 3, generator: g, batchSize: 4);
        Assert.Equal(0.0, agg.Kl, 1e-6);
        Assert.Equal((15L, 3), (agg.Components, agg.SamplesPerComponent));
        var au = ActiveUnits.Compute(model, x);
        Assert.Equal(0, au.Active);
        Assert.All(au.Variances, v => Assert.Equal(0.0, v));
        Assert.Equal(2, au.Variances.Length);
    }

    [Fact]
    public void OneSharedPosteriorGivesItsClosedFormKlAsBothPerExampleAndAggregateKl()
    {
        double[] mu = [0.5, -1.0], logVar = [-1.0, 0.4];
        using var model = MetricModels.FixedPosterior(mu, logVar);
        using var x = MetricModels.StripeData(20, 1);
        // KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ (1 + log σ² − μ² − σ²) (Kingma & Welling 2013, App. B).
        double kl = -0.5 * Enumerable.Range(0, 2).Sum(j => 1 + logVar[j] - mu[j] * mu[j] - Math.Exp(logVar[j]));
        using var g = new Generator(8);
        var elbo = Elbo.Compute(model, x, generator: g);
        Assert.Equal(kl, elbo.Kl, 1e-6);   // float32 network output, float64 sum
        // Twenty identical components: the aggregate posterior is the same Gaussian. 2000 draws: MC error ~0.03.
        var agg = AggregateKl.Compute(model, x, components: 20, samplesPerComponent: 100, generator: g);
        Assert.Equal(kl, agg.Kl, 0.1);
        Assert.Equal(0, ActiveUnits.Compute(model, x).Active);
    }

    [Fact]
    public void WithAMixturePriorTheElboUsesTheMonteCarloKlAndIwaeWithOneSampleReproducesIt()
    {
        using var model = MetricModels.FixedPosterior([0.3, 0.2], [-0.5, -0.2], prior: "mog");
        using var x = MetricModels.StripeData(12, 4);
        using var g1 = new Generator(31);
        using var g2 = new Generator(31);
        var elbo = Elbo.Compute(model, x, batchSize: 5, generator: g1);
        Assert.False(elbo.AnalyticKl);
        var iwae = IwaeNll.Compute(model, x, samples: 1, batchSize: 5, generator: g2);
        Assert.Equal(elbo.NegativeElbo, iwae.Nll, 1e-9 * Math.Abs(elbo.NegativeElbo));
        var iwae50 = IwaeNll.Compute(model, x, samples: 50, batchSize: 5, samplesPerChunk: 7, generator: g2);
        Assert.True(iwae50.Nll <= elbo.NegativeElbo + 0.05, $"{iwae50.Nll} vs {elbo.NegativeElbo}");
    }

    [Fact]
    public void ActiveUnitsAreTheCodeDimensionsThatVaryOverTheData()
    {
        using var model = TestModels.Identity([1, 2, 2]);
        using var scope = Torch.NewScope();
        using var g = new Generator(4);
        // Columns: U(0,1) (variance 1/12), constant ½, 0.05·U(0,1) (variance 2·10⁻⁴), U(0,1).
        var u = Torch.Rand([200, 4], generator: g) * Tensor.From([1f, 0f, 0.05f, 1f], 1, 4) + Tensor.From([0f, 0.5f, 0f, 0f], 1, 4);
        var x = u.Reshape(200, 1, 2, 2);
        var values = D(u);
        var expected = Enumerable.Range(0, 4).Select(j =>
        {
            var col = Enumerable.Range(0, 200).Select(i => values[i * 4 + j]).ToArray();
            double mean = col.Average();
            return col.Sum(v => (v - mean) * (v - mean)) / 199;
        }).ToArray();
        var au = ActiveUnits.Compute(model, x, batchSize: 33);
        Assert.Equal(2, au.Active);
        for (int j = 0; j < 4; j++) Assert.Equal(expected[j], au.Variances[j], 1e-9);
        Assert.Equal(0.0, au.Variances[1]);
        Assert.InRange(au.Variances[0], 0.06, 0.11);
        Assert.Equal(3, ActiveUnits.Compute(model, x, threshold: 1e-4).Active);
        Assert.Throws<ArgumentException>(() => ActiveUnits.Compute(model, x.Narrow(0, 0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActiveUnits.Compute(model, x, threshold: -1));
    }

    [Fact]
    public void LatentMmdIsNearZeroWhenCodesFollowThePriorAndLargeWhenTheyDoNot()
    {
        // The identity model's prior is U(0, 1)^d, and so are its codes on uniform data.
        using var model = TestModels.Identity([1, 2, 2]);
        using var data = TestModels.Data("u", 400, [1, 2, 2], seed: 9);
        using var scope = Torch.NewScope();
        using var g = new Generator(2);
        var same = LatentMmd.Compute(model, data, g, batchSize: 64);
        var shifted = LatentMmd.Compute(model, data.Examples.Mul(0.5).Add(0.5), g);
        output.WriteLine($"same {same} shifted {shifted}");
        Assert.Equal(400, same.Count);
        Assert.Equal("imq", same.Kernel);
        Assert.InRange(same.Bandwidth, 2 * 4 * 0.3, 2 * 4 * 0.37);   // C = 2·d·E[z²], E[z²] = ⅓ for U(0, 1)
        Assert.InRange(Math.Abs(same.Mmd2), 0, 0.01);
        Assert.True(shifted.Mmd2 > 20 * Math.Abs(same.Mmd2) && shifted.Mmd2 > 0.05, $"shifted {shifted.Mmd2} vs same {same.Mmd2}");
        var limited = LatentMmd.Compute(model, data, g, kernel: "rbf", maxPoints: 50, bandwidth: 1.5, unbiased: false);
        Assert.Equal((50L, "rbf", 1.5), (limited.Count, limited.Kernel, limited.Bandwidth));
        // Identical samples: the biased (V-statistic) MMD² is exactly 0; the same kernel machinery as WAE-MMD.
        var a = data.Examples.Flatten(1);
        Assert.Equal(0.0, LatentMmd.Between(a, a, KernelRegistry.Get("imq"), 2.0, unbiased: false), 1e-12);
        Assert.Throws<ArgumentException>(() => LatentMmd.Compute(model, data, g, kernel: "nope"));
    }
}

/// <summary>Tests on a VAE trained from seeded weights (the default generator), and the leak check.</summary>
[Collection(ProcessWideState.Name)]
public class TrainedVaeMetricsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void IwaeIsATighterBoundThanTheElboAndItsOneSampleCaseIsTheElbo()
    {
        using var train = MetricModels.StripeData(64, 1);
        using var test = MetricModels.StripeData(40, 2);
        using var model = MetricModels.TrainedVae(train);
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        // k = 1 with the same noise (one [B, d] draw per batch) is the single-sample ELBO with the Monte-Carlo KL.
        var elboMc = Elbo.Compute(model, test, batchSize: 16, generator: g1, analyticKl: false);
        var iwae1 = IwaeNll.Compute(model, test, samples: 1, batchSize: 16, generator: g2);
        Assert.Equal(elboMc.NegativeElbo, iwae1.Nll, 1e-9 * Math.Abs(elboMc.NegativeElbo) + 1e-9);
        using var g3 = new Generator(22);
        var elbo = Elbo.Compute(model, test, generator: g3);
        var iwae = IwaeNll.Compute(model, test, samples: 200, batchSize: 16, samplesPerChunk: 64, generator: g3);
        var iwae10 = IwaeNll.Compute(model, test, samples: 10, batchSize: 16, samplesPerChunk: 3, generator: g3);
        // ℒₖ increases with k (Burda et al. 2016, Theorem 1): the NLL estimate falls.
        Assert.True(iwae.Nll <= iwae10.Nll && iwae10.Nll <= elbo.NegativeElbo, $"k=200 {iwae.Nll}, k=10 {iwae10.Nll}, -ELBO {elbo.NegativeElbo}");
        Assert.True(elbo.AnalyticKl);
        Assert.True(iwae.Nll <= elbo.NegativeElbo, $"IWAE NLL {iwae.Nll} should not exceed −ELBO {elbo.NegativeElbo}");
        Assert.True(iwae.Nll > 0 && iwae.Nll < 16 * Math.Log(2), $"IWAE NLL {iwae.Nll}: training should beat uniform pixels");
        Assert.True(elbo.Kl > 0);
        var agg = AggregateKl.Compute(model, test, generator: g3);
        Assert.True(agg.Kl > -0.05 && agg.Kl < elbo.Kl + 0.5, $"aggregate KL {agg.Kl}, mean KL {elbo.Kl}");
        var au = ActiveUnits.Compute(model, test);
        output.WriteLine($"elboMc {elboMc} iwae1 {iwae1} elbo {elbo} iwae {iwae} agg {agg} au {au.Active} [{string.Join(", ", au.Variances)}]");
        Assert.InRange(au.Active, 1, 2);
        Assert.True(model.Training, "the model's mode is put back");
    }

    [Fact]
    public void MetricsLeaveNoTensorsBehind()
    {
        using var model = MetricModels.PosteriorIsPrior(zeroDecoder: false);
        using var x = MetricModels.StripeData(10, 3);
        using var g = new Generator(1);
        void Everything()
        {
            ReconstructionMetrics.Compute(model, x, 3);
            Elbo.Compute(model, x, 3, g);
            Elbo.Compute(model, x, 3, g, analyticKl: false);
            IwaeNll.Compute(model, x, 5, 3, 2, g);
            LatentMmd.Compute(model, x, g);
            AggregateKl.Compute(model, x, 8, 2, g, 3);
            ActiveUnits.Compute(model, x, batchSize: 3);
        }
        Everything();
        long before = Torch.LiveTensors;
        Everything();
        Assert.Equal(before, Torch.LiveTensors);
    }
}
