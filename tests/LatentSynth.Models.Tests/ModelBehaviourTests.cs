using LatentSynth.Models.BetaVae;
using LatentSynth.Models.Likelihoods;
using LatentSynth.Models.Vae;
using LatentSynth.Models.WaeGan;
using LatentSynth.Models.WaeMmd;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>What each model does beyond the common theory: warm-ups, KL kinds, likelihoods, WAE-GAN's two optimizers.</summary>
[Collection(ProcessWideState.Name)]
public class ModelBehaviourTests
{
    private static Tensor Data(long n, params long[] shape)
    {
        using var g = new Generator(21);
        return Torch.Rand([n, .. shape], generator: g);
    }

    [Fact]
    public void BetaVaeWarmsItsKlWeightUp()
    {
        using var scope = Torch.NewScope();
        var config = new BetaVaeConfig { Model = "beta-vae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2, Beta = 4, WarmupEpochs = 2 };
        using var model = (BetaVaeModel)ModelRegistry.Create(config);
        var x = Data(5, 1, 4, 4);
        // 10 steps per epoch: β(step) = 4·min(1, step/20).
        foreach (var (step, weight) in new (long, double)[] { (0, 0), (5, 1), (10, 2), (15, 3), (20, 4), (25, 4), (400, 4) })
        {
            var loss = model.Loss(x, new TrainingProgress((int)(step / 10), step, 10, 10));
            Assert.Equal(weight, loss.Weights["kl"], 12);
            Assert.Equal(1.0, loss.Weights["recon"]);
            double expected = loss.Terms["recon"].Item() + weight * loss.Terms["kl"].Item();
            Assert.Equal(expected, loss.Total.Item(), 1e-4 * Math.Abs(expected));
        }
        Assert.Equal(4.0, model.EvaluationLoss(x).Weights["kl"]);
        // The plain VAE always weighs the KL by 1.
        using var vae = (VaeModel)ModelRegistry.Create(new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2 });
        Assert.Equal(1.0, vae.Loss(x, new TrainingProgress(0, 0, 10, 10)).Weights["kl"]);
    }

    [Fact]
    public void WaeWarmupAppliesToLambda()
    {
        using var scope = Torch.NewScope();
        var x = Data(6, 1, 4, 4);
        using var mmd = (WaeMmdModel)ModelRegistry.Create(new WaeMmdConfig { Model = "wae-mmd", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2, Lambda = 10, WarmupEpochs = 1 });
        Assert.Equal(0.0, mmd.Loss(x, new TrainingProgress(0, 0, 4, 3)).Weights["mmd"]);
        Assert.Equal(5.0, mmd.Loss(x, new TrainingProgress(0, 2, 4, 3)).Weights["mmd"], 12);
        Assert.Equal(10.0, mmd.Loss(x, new TrainingProgress(1, 4, 4, 3)).Weights["mmd"], 12);
        using var gan = (WaeGanModel)ModelRegistry.Create(new WaeGanConfig { Model = "wae-gan", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2, Lambda = 2, WarmupEpochs = 2, DiscHidden = [8] });
        Assert.Equal(1.0, gan.Loss(x, new TrainingProgress(0, 4, 4, 3)).Weights["adv"], 12);
        Assert.Equal(0.0, gan.Loss(x, new TrainingProgress(0, 4, 4, 3)).Weights["disc"]);
    }

    [Fact]
    public void WaeMmdUsesThePaperBandwidthAndRefusesSingleExampleBatches()
    {
        using var scope = Torch.NewScope();
        using var normal = (WaeMmdModel)ModelRegistry.Create(ModelRegistry.DefaultConfig("wae-mmd") with { LatentDim = 8 });
        Assert.Equal(2.0 * 8 * 1.0, normal.Bandwidth);
        using var uniform = (WaeMmdModel)ModelRegistry.Create(ModelRegistry.DefaultConfig("wae-mmd") with { LatentDim = 8, Prior = "uniform" });
        Assert.Equal(2.0 * 8 / 3.0, uniform.Bandwidth, 12);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => normal.Loss(Data(1, 1, 28, 28), default)).Message);
    }

    [Fact]
    public void VaeUsesTheAnalyticKlForTheNormalPriorAndMonteCarloOtherwise()
    {
        using var scope = Torch.NewScope();
        var x = Data(4, 1, 4, 4);
        var eps = Torch.Randn(4, 2);
        var config = new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2 };
        using var vae = (VaeModel)ModelRegistry.Create(config);
        var (mu, logVar) = vae.Posterior(x);
        var analytic = Regularizers.Kl.DiagonalGaussianToStandardNormal(mu, logVar).Mean();
        Assert.True(vae.LossWithNoise(x, eps, default).Terms["kl"].Equal(analytic));

        // Same weights with a 1-component mixture at 0 with std 1 (= N(0, I)): the single-sample estimate log q − log p.
        using var mog = (VaeModel)ModelRegistry.Create(config with { Prior = "mog", NumComponents = 1, MogRadius = 0, MogStd = 1 });
        mog.LoadStateDict(vae.StateDict());
        var z = mu + logVar.Mul(0.5).Exp() * eps;
        var mc = Regularizers.Kl.MonteCarlo(z, eps, logVar, mog.Prior).Mean();
        var loss = mog.LossWithNoise(x, eps, default);
        Assert.True(loss.Terms["kl"].AllClose(mc, 1e-6, 1e-6));
        Assert.False(loss.Terms["kl"].AllClose(analytic, 1e-3, 1e-3));      // an estimate, not the closed form
        Assert.True(loss.Terms["recon"].Equal(vae.LossWithNoise(x, eps, default).Terms["recon"]));
        Assert.Throws<ArgumentException>(() => vae.LossWithNoise(x, Torch.Randn(4, 3), default));
    }

    [Fact]
    public void NoiseComesFromTheModelsGenerator()
    {
        using var scope = Torch.NewScope();
        var x = Data(4, 1, 4, 4);
        using var vae = (VaeModel)ModelRegistry.Create(new VaeConfig { Model = "vae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2 });
        using var g = new Generator(3);
        vae.NoiseGenerator = g;
        double a = vae.Loss(x, default).Total.Item();
        g.ManualSeed(3);
        double b = vae.Loss(x, default).Total.Item();
        double c = vae.Loss(x, default).Total.Item();
        Assert.Equal(a, b);
        Assert.NotEqual(b, c);
    }

    [Theory]
    [InlineData("bce")]
    [InlineData("mse")]
    [InlineData("l1")]
    public void ReconstructionTermsAreTheirFormulas(string recon)
    {
        using var scope = Torch.NewScope();
        var x = Data(3, 1, 4, 4);
        var config = new Ae.AeConfig { Model = "ae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2, Recon = recon };
        using var model = (Ae.AeModel)ModelRegistry.Create(config);
        var output = model.Decoder.Call(model.Encode(x));
        var xs = x.ToArray<float>();
        var os = output.ToArray<float>();
        // Per example: summed over 16 pixels, then averaged over the 3 examples.
        double expected = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double t = xs[i], o = os[i];
            expected += recon switch
            {
                "bce" => Math.Max(o, 0) - o * t + Math.Log(1 + Math.Exp(-Math.Abs(o))),
                "mse" => (t - o) * (t - o),
                _ => Math.Abs(t - o),
            };
        }
        expected /= 3;
        Assert.Equal(expected, model.Loss(x, default).Terms["recon"].Item(), 1e-5 * Math.Max(1, expected));
        var decoded = model.Decode(model.Encode(x));
        Assert.True(decoded.AllClose(recon == "bce" ? output.Sigmoid() : output, 1e-6, 1e-7));
    }

    [Theory]
    [InlineData("scalar", new long[] { 1 })]
    [InlineData("per-pixel", new long[] { 1, 4, 4 })]
    public void LearnedGaussianVarianceIsAParameterAndTrains(string variance, long[] shape)
    {
        using var scope = Torch.NewScope();
        var x = Data(8, 1, 4, 4);
        var config = new Ae.AeConfig { Model = "ae", InputShape = [1, 4, 4], Hidden = [8], LatentDim = 2, Recon = "mse", ReconVariance = variance };
        using var model = ModelRegistry.Create(config);
        var logVar = model.NamedParameters().Single(p => p.Name == "likelihood.log_var").Parameter;
        Assert.Equal(shape, logVar.Shape);
        Assert.True(logVar.Equal(Torch.Zeros(shape)));
        // At log σ² = 0 the full NLL is ½ Σ [(x − μ)² + log 2π].
        var output = model.Call(x);        // mean = decoder output for mse
        double sq = (x - output).Square().Sum().Item() / 8;
        double nll = model.Loss(x, default).Terms["recon"].Item();
        Assert.Equal(0.5 * (sq + 16 * Math.Log(2 * Math.PI)), nll, 1e-4);
        var optimizers = model.CreateOptimizers(1e-2);
        for (int i = 0; i < 5; i++) using (Torch.NewScope()) model.TrainStep(x, default, optimizers);
        Assert.False(logVar.Equal(Torch.Zeros(shape)));
        foreach (var o in optimizers.Values) o.Dispose();
        Assert.IsType<GaussianLikelihood>(((EncoderDecoderModel)model).Likelihood);
    }

    [Fact]
    public void WaeGanTrainsTheDiscriminatorWithItsOwnOptimizer()
    {
        using var scope = Torch.NewScope();
        var x = Data(16, 1, 4, 4);
        var config = new WaeGanConfig { Model = "wae-gan", InputShape = [1, 4, 4], Hidden = [16], LatentDim = 2, DiscHidden = [16, 16], Lambda = 1 };
        using var model = (WaeGanModel)ModelRegistry.Create(config);
        model.NoiseGenerator = new Generator(5);
        var optimizers = model.CreateOptimizers(1e-3);
        Assert.Equal(["discriminator", "model"], optimizers.Keys.Order());
        var disc = model.Discriminator.Parameters().ToHashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Assert.DoesNotContain(optimizers["model"].Parameters, p => disc.Contains(p));
        Assert.Equal(disc.Count, optimizers["discriminator"].Parameters.Count);
        Assert.Equal(model.Parameters().Count(), optimizers["model"].Parameters.Count + disc.Count);
        Assert.Equal(0.5e-3, optimizers["discriminator"].LearningRate, 12);

        var discBefore = model.Discriminator.Net[0] is Linear l0 ? l0.Weight.Clone() : throw new InvalidOperationException();
        var encBefore = model.NamedParameters().First(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal)).Parameter.Clone();
        var first = model.TrainStep(x, default, optimizers);
        Assert.Equal(["adv", "disc", "recon"], first.Terms.Keys.Order());
        Assert.False(((Linear)model.Discriminator.Net[0]).Weight.Equal(discBefore));
        Assert.False(model.NamedParameters().First(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal)).Parameter.Equal(encBefore));
        double d0 = first.Terms["disc"].Item();
        Assert.InRange(d0, 1.0, 1.8);          // ≈ 2·log 2 for an untrained discriminator
        var e = Assert.Throws<KeyNotFoundException>(() => model.TrainStep(x, default, new Dictionary<string, Optimizer> { ["model"] = optimizers["model"] }));
        Assert.Contains("discriminator", e.Message);
        foreach (var o in optimizers.Values) o.Dispose();
    }

    [Fact]
    public void WaeGanDiscriminatorLearnsToSeparateCodesFromPriorDraws()
    {
        using var scope = Torch.NewScope();
        // The initial weights come from the default generator: seed it (this class runs alone, see
        // ProcessWideState), or the result depends on what tests running beside it drew.
        Torch.ManualSeed(0);
        var x = Data(32, 1, 4, 4);
        // λ = 0: the encoder ignores the adversary, so its codes (near 0 at initialisation) stay unlike draws
        // of a mixture on a circle of radius 4, and the discriminator can win.
        var config = new WaeGanConfig
        {
            Model = "wae-gan", InputShape = [1, 4, 4], Hidden = [16], LatentDim = 2, DiscHidden = [32, 32], Lambda = 0, DiscLrFactor = 1,
            Prior = "mog", NumComponents = 4, MogRadius = 4, MogStd = 0.5,
        };
        using var model = (WaeGanModel)ModelRegistry.Create(config);
        using var g = new Generator(6);
        model.NoiseGenerator = g;
        var optimizers = model.CreateOptimizers(5e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var s = Torch.NewScope();
            double d = model.TrainStep(x, default, optimizers).Terms["disc"].Item();
            if (step == 0) first = d;
            last = d;
        }
        Assert.True(last < 0.3 * first, $"discriminator loss {first} -> {last}");
        foreach (var o in optimizers.Values) o.Dispose();
    }
}
