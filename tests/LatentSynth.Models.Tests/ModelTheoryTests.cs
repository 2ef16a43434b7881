using LatentSynth.Torch;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The same checks for every registered model (ModelRegistry.All), with the mlp and the conv networks.</summary>
public class ModelTheoryTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var m in ModelRegistry.All)
            foreach (var arch in new[] { "mlp", "conv" })
                data.Add(m.Name, arch);
        return data;
    }

    [Fact]
    public void TheZooIsRegistered()
    {
        var names = ModelRegistry.All.Select(m => m.Name).ToList();
        Assert.Equal(["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"], names);
        Assert.True(Cases().Count >= 10);
    }

    /// <summary>The loss terms each model reports (sorted).</summary>
    private static readonly Dictionary<string, string[]> ExpectedTerms = new()
    {
        ["ae"] = ["recon"],
        ["vae"] = ["kl", "recon"],
        ["beta-vae"] = ["kl", "recon"],
        ["wae-mmd"] = ["mmd", "recon"],
        ["wae-gan"] = ["adv", "disc", "recon"],
    };

    private static Tensor Batch(long n, long[] shape, ulong seed)
    {
        using var g = new Generator(seed);
        return Torch.Rand([n, .. shape], generator: g);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BuildsFromDefaultConfigWithShapes(string name, string arch)
    {
        using var scope = Torch.NewScope();
        var config = ModelRegistry.DefaultConfig(name) with { Arch = arch };
        Assert.Empty(config.Validate());
        using var model = ModelRegistry.Create(config);
        Assert.Equal(ModelRegistry.Get(name).ModelType, model.GetType());
        Assert.Equal([1L, 28, 28], model.InputShape);
        int d = model.LatentDim;
        var x = Batch(6, model.InputShape, 1);
        using (Torch.NoGrad())
        {
            Assert.Equal([6L, 1, 28, 28], model.Call(x).Shape);
            var z = model.Encode(x);
            Assert.Equal([6L, d], z.Shape);
            var decoded = model.Decode(z);
            Assert.Equal([6L, 1, 28, 28], decoded.Shape);
            // The default likelihood is Bernoulli: Decode gives probabilities.
            Assert.True(decoded.Ge(0.0).All().Item() == 1 && decoded.Le(1.0).All().Item() == 1);
            Assert.Equal([5L, d], model.SamplePrior(5).Shape);
            Assert.Equal([5L, 1, 28, 28], model.Sample(5).Shape);
            // Interpolation: [B, steps, …InputShape] and the latent path's end points are the codes.
            var a = x.Narrow(0, 0, 2);
            var b = x.Narrow(0, 2, 2);
            Assert.Equal([2L, 7, 1, 28, 28], model.Interpolate(a, b, 7).Shape);
            var za = model.Encode(a);
            var zb = model.Encode(b);
            var path = AutoencoderModel.InterpolateLatent(za, zb, 7);
            Assert.Equal([2L, 7, d], path.Shape);
            Assert.True(path.Select(1, 0).Equal(za));
            Assert.True(path.Select(1, 6).AllClose(zb, 1e-6, 1e-6));
        }
        Assert.Throws<ArgumentException>(() => model.Encode(Torch.Rand(2, 1, 27, 28)));
        Assert.Throws<ArgumentException>(() => model.Decode(Torch.Rand(2, d + 1)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossTermsAreFiniteAndAddUp(string name, string arch)
    {
        using var scope = Torch.NewScope();
        using var model = ModelRegistry.Create(ModelRegistry.DefaultConfig(name) with { Arch = arch });
        var x = Batch(8, model.InputShape, 2);
        var loss = model.EvaluationLoss(x);
        var values = loss.Values();
        Assert.Contains("recon", loss.Terms.Keys);
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{name}/{arch}: {k} = {v}");
        Assert.Equal(0, loss.Total.Dim);
        foreach (var t in loss.Terms.Values) Assert.Equal(0, t.Dim);
        Assert.Equal(loss.Terms.Keys.Order(), loss.Weights.Keys.Order());
        double sum = loss.Terms.Sum(t => loss.Weights[t.Key] * t.Value.Item());
        Assert.Equal(sum, values["loss"], 1e-3 * Math.Max(1, Math.Abs(sum)));
        // A bce reconstruction of data in [0, 1] costs at least nothing and, untrained, about log 2 per pixel.
        Assert.InRange(values["recon"], 100, 2000);
        Assert.True(ExpectedTerms.TryGetValue(name, out var expected), $"new model '{name}': list its loss terms in ExpectedTerms");
        Assert.Equal(expected, loss.Terms.Keys.Order().ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveThenLoadGivesIdenticalOutputs(string name, string arch)
    {
        using var scope = Torch.NewScope();
        var config = ModelRegistry.DefaultConfig(name) with { Arch = arch };
        var dir = Directory.CreateTempSubdirectory("ls-models-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            using var model = ModelRegistry.Create(config);
            var x = Batch(4, model.InputShape, 3);
            model.Save(path);
            using var other = ModelRegistry.Create(config);
            using (Torch.NoGrad())
            {
                Assert.False(other.Call(x).Equal(model.Call(x)));   // a fresh model differs …
                other.Load(path);
                Assert.True(other.Call(x).Equal(model.Call(x)));    // … until it loads the weights
                Assert.True(other.Encode(x).Equal(model.Encode(x)));
                using var g1 = new Generator(5);
                using var g2 = new Generator(5);
                Assert.True(other.Sample(3, g1).Equal(model.Sample(3, g2)));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AFewTrainingStepsLowerTheLoss(string name, string arch)
    {
        using var scope = Torch.NewScope();
        using var model = ModelRegistry.Create(ModelRegistry.DefaultConfig(name) with { Arch = arch });
        using var noise = new Generator(11);
        model.NoiseGenerator = noise;
        var x = Batch(8, model.InputShape, 4);
        double Evaluate()
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(99);                     // the same noise for both evaluations
            using (Torch.NoGrad()) return model.EvaluationLoss(x).Total.Item();
        }
        double before = Evaluate();
        var optimizers = model.CreateOptimizers(1e-3);
        try
        {
            for (int step = 0; step < 12; step++)
            {
                using var s = Torch.NewScope();
                var loss = model.TrainStep(x, new TrainingProgress(0, step, 12, 1), optimizers);
                Assert.True(double.IsFinite(loss.Total.Item()));
            }
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
        double after = Evaluate();
        Assert.True(after < before - 1.0, $"{name}/{arch}: loss {before} -> {after}");
    }
}
