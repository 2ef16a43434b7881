using System.Text.Json.Nodes;
using LatentSynth.Models.BetaVae;
using LatentSynth.Models.Vae;
using LatentSynth.Models.WaeGan;
using LatentSynth.Models.WaeMmd;

namespace LatentSynth.Models.Tests;

/// <summary>Config JSON round trips and validation messages that name the key.</summary>
public class ConfigTests
{
    public static TheoryData<string> ModelNames()
    {
        var d = new TheoryData<string>();
        foreach (var m in ModelRegistry.All) d.Add(m.Name);
        return d;
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void JsonRoundTripKeepsEveryValue(string name)
    {
        var config = ModelRegistry.DefaultConfig(name) with { LatentDim = 7, Hidden = [64, 32], Prior = "mog", NumComponents = 3, InputShape = [3, 16, 16] };
        var json = ModelRegistry.ToJson(config);
        var back = ModelRegistry.FromJson(json);
        Assert.Equal(ModelRegistry.Get(name).ConfigType, back.GetType());
        Assert.Equal(name, back.Model);
        Assert.Equal(json, ModelRegistry.ToJson(back));
        Assert.Equal([3L, 16, 16], back.InputShape);
        Assert.Equal([64, 32], back.Hidden);
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(name, (string)node["model"]!);
        foreach (var key in new[] { "latent_dim", "input_shape", "arch", "hidden", "channels", "prior", "num_components", "recon", "recon_variance" })
            Assert.True(node.ContainsKey(key), $"{name}: key {key} missing from {json}");
        Assert.False(node.ContainsKey("input_size"));
    }

    [Fact]
    public void ModelSpecificKeysUseSnakeCase()
    {
        var mmd = JsonNode.Parse(ModelRegistry.ToJson(ModelRegistry.DefaultConfig("wae-mmd") with { }))!.AsObject();
        Assert.Equal(10.0, (double)mmd["lambda"]!);
        Assert.Equal("imq", (string)mmd["kernel"]!);
        Assert.Equal(7, mmd["kernel_scales"]!.AsArray().Count);
        Assert.True(mmd.ContainsKey("warmup_epochs"));
        var beta = JsonNode.Parse(ModelRegistry.ToJson(ModelRegistry.DefaultConfig("beta-vae")))!.AsObject();
        Assert.Equal(4.0, (double)beta["beta"]!);
        Assert.True(beta.ContainsKey("warmup_epochs"));
        var gan = JsonNode.Parse(ModelRegistry.ToJson(ModelRegistry.DefaultConfig("wae-gan")))!.AsObject();
        Assert.True(gan.ContainsKey("lambda") && gan.ContainsKey("disc_hidden") && gan.ContainsKey("disc_lr_factor"));

        var parsed = (WaeMmdConfig)ModelRegistry.FromJson("""{"model": "wae-mmd", "lambda": 3.5, "kernel": "rbf", "warmup_epochs": 2}""");
        Assert.Equal(3.5, parsed.Lambda);
        Assert.Equal("rbf", parsed.Kernel);
        Assert.Equal(2.0, parsed.WarmupEpochs);
        Assert.Equal(20, parsed.LatentDim);            // unspecified keys keep their defaults
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void FromJsonNamesAnUnknownKeyOrAWrongType(string name)
    {
        var unknown = Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson($$"""{"model": "{{name}}", "latnet_dim": 4}"""));
        Assert.Contains("latnet_dim", unknown.Message);
        var wrongType = Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson($$"""{"model": "{{name}}", "latent_dim": "four"}"""));
        Assert.Contains("latent_dim", wrongType.Message);
        var wrongArray = Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson($$"""{"model": "{{name}}", "hidden": 400}"""));
        Assert.Contains("hidden", wrongArray.Message);
    }

    [Fact]
    public void FromJsonRefusesMissingOrUnknownModels()
    {
        Assert.Contains("model", Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson("""{"latent_dim": 4}""")).Message);
        Assert.Contains("unknown model 'vqvae'", Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson("""{"model": "vqvae"}""")).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => ModelRegistry.FromJson("{")).Message);
    }

    public static TheoryData<string, string, string> BadValues() => new()
    {
        // model, JSON fragment, the key the message must name
        { "ae", "\"latent_dim\": 0", "latent_dim" },
        { "vae", "\"hidden\": [400, -3]", "hidden" },
        { "ae", "\"input_shape\": [1, 0, 28]", "input_shape" },
        { "ae", "\"channels\": [-1, 8]", "channels" },
        { "ae", "\"arch\": \"resnet\"", "arch" },
        { "ae", "\"prior\": \"cauchy\"", "prior" },
        { "ae", "\"recon\": \"hinge\"", "recon" },
        { "ae", "\"recon_variance\": \"learned\"", "recon_variance" },
        { "ae", "\"recon_variance\": \"scalar\"", "recon_variance" },          // bce has no variance
        { "wae-mmd", "\"prior\": \"mog\", \"num_components\": 0", "num_components" },
        { "wae-mmd", "\"prior\": \"mog\", \"mog_std\": 0", "mog_std" },
        { "wae-mmd", "\"prior\": \"mog\", \"mog_radius\": -1", "mog_radius" },
        { "wae-mmd", "\"lambda\": -1", "lambda" },
        { "wae-mmd", "\"kernel\": \"laplace\"", "kernel" },
        { "wae-mmd", "\"kernel_scales\": []", "kernel_scales" },
        { "wae-mmd", "\"warmup_epochs\": -2", "warmup_epochs" },
        { "wae-gan", "\"lambda\": -0.5", "lambda" },
        { "wae-gan", "\"disc_hidden\": [0]", "disc_hidden" },
        { "wae-gan", "\"disc_lr_factor\": 0", "disc_lr_factor" },
        { "beta-vae", "\"beta\": -1", "beta" },
        { "beta-vae", "\"warmup_epochs\": -1", "warmup_epochs" },
        { "vae", "\"prior\": \"uniform\"", "prior 'uniform' cannot serve a VAE" },
        { "beta-vae", "\"prior\": \"sphere\"", "prior 'sphere' cannot serve a VAE" },
        { "ae", "\"arch\": \"conv\", \"input_shape\": [1, 30, 28]", "divisible by 4" },
        { "ae", "\"arch\": \"conv\", \"input_shape\": [2, 64]", "use arch 'conv1d'" },
        { "ae", "\"arch\": \"conv1d\", \"input_shape\": [1, 28, 28]", "use arch 'conv'" },
        { "ae", "\"arch\": \"conv1d\", \"input_shape\": [2, 30]", "divisible by 4" },
        { "ae", "\"arch\": \"conv\", \"channels\": [8, 16, 32]", "channels" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void CreateRefusesBadValuesNamingTheKey(string model, string fragment, string expected)
    {
        var config = ModelRegistry.FromJson($$"""{"model": "{{model}}", {{fragment}}}""");
        var problems = config.Validate().ToList();
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(config));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ASpatialSizeProblemIsReportedOnceWhateverTheNumberOfBadSizes()
    {
        var config = ModelRegistry.FromJson("""{"model": "ae", "arch": "conv", "input_shape": [1, 30, 30]}""");
        var problem = Assert.Single(config.Validate());
        Assert.Equal("arch 'conv' needs spatial sizes divisible by 4 (two stride-2 convolutions), got input_shape [1, 30, 30]", problem);
    }

    [Fact]
    public void NullValuesFromJsonAreRefusedNotCrashed()
    {
        var config = ModelRegistry.FromJson("""{"model": "wae-mmd", "hidden": null, "kernel_scales": null}""");
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(config));
        Assert.Contains("hidden", e.Message);
        Assert.Contains("kernel_scales", e.Message);
    }

    [Fact]
    public void SeveralProblemsAreReportedTogether()
    {
        var config = new WaeGanConfig { Model = "wae-gan", LatentDim = -1, Lambda = -1, Prior = "nope" };
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(config));
        Assert.Contains("latent_dim", e.Message);
        Assert.Contains("lambda", e.Message);
        Assert.Contains("prior", e.Message);
    }

    [Fact]
    public void DefaultConfigsAreValidAndTyped()
    {
        Assert.IsType<VaeConfig>(ModelRegistry.DefaultConfig("vae"));
        Assert.IsType<BetaVaeConfig>(ModelRegistry.DefaultConfig("beta-vae"));
        foreach (var m in ModelRegistry.All) Assert.Empty(ModelRegistry.DefaultConfig(m.Name).Validate());
        // A VAE with a mixture prior is valid (Monte-Carlo KL).
        Assert.Empty((ModelRegistry.DefaultConfig("vae") with { Prior = "mog" }).Validate());
        // WAEs accept every prior.
        foreach (var p in new[] { "normal", "mog", "uniform", "sphere" })
            Assert.Empty((ModelRegistry.DefaultConfig("wae-mmd") with { Prior = p }).Validate());
    }
}
