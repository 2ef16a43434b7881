using System.Text.Json.Nodes;
using LatentSynth.Models;

namespace LatentSynth.Training.Tests;

/// <summary>Run configs: file, flags and --set overrides; every bad key or value refused, named.</summary>
public class RunConfigTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-config-").FullName;

    public RunConfigTests() => TestModels.Register();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ConfigException Refused(RunConfigBuilder b) => Assert.Throws<ConfigException>(() => b.Build());

    [Fact]
    public void TryGetAssignedFindsTheLastValueUnderEitherNameWithItsOrigin()
    {
        var file = Path.Combine(dir, "c.json");
        File.WriteAllText(file, """{"model": {"model": "vae"}, "training": {"data": "mnist"}}""");
        var b = RunConfigBuilder.FromFile(file);
        Assert.True(b.TryGetAssigned("model.model", out var model, out var origin));
        Assert.Equal("vae", (string)model!);
        Assert.Equal(file, origin);
        Assert.False(b.TryGetAssigned("training.out", out var none, out var noOrigin));
        Assert.Null(none);
        Assert.Null(noOrigin);
        b.SetAssignment("data=cifar10");
        b.Set("model", "ae", "--model");
        Assert.True(b.TryGetAssigned("training.data", out var data, out origin));
        Assert.Equal("cifar10", (string)data!);
        Assert.Equal("--set data=cifar10", origin);
        Assert.True(b.TryGetAssigned("model.model", out model, out origin));
        Assert.Equal(("ae", "--model"), ((string)model!, origin));
    }

    [Fact]
    public void BareAndQualifiedKeysGoToTheirSections()
    {
        var config = new RunConfigBuilder()
            .Set("model", "test-vae", "--model")
            .SetAssignment("beta=2.5")
            .SetAssignment("model.latent-dim=7")
            .SetAssignment("training.lr=1e-4")
            .SetAssignment("batch_size=32")
            .SetAssignment("hidden=[512,256]")
            .SetAssignment("data=idx:/tmp/digits")
            .SetAssignment("limit_train=null")
            .Build();
        var model = Assert.IsType<TestVaeConfig>(config.Model);
        Assert.Equal("test-vae", model.Model);
        Assert.Equal(2.5, model.Beta);
        Assert.Equal(7, model.LatentDim);
        Assert.Equal([512, 256], model.Hidden);
        Assert.Equal(1e-4, config.Training.Lr);
        Assert.Equal(32, config.Training.BatchSize);
        Assert.Equal("idx:/tmp/digits", config.Training.Data);
        Assert.Null(config.Training.LimitTrain);
        Assert.True(config.InputShapeFromData);
    }

    [Fact]
    public void OneNumberIsAcceptedWhereAListIsExpected()
    {
        var config = new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("hidden=400").Build();
        Assert.Equal([400], config.Model.Hidden);
    }

    [Fact]
    public void LaterSettingsOverrideEarlierOnesFileThenFlagsThenSet()
    {
        var file = Path.Combine(dir, "run.json");
        File.WriteAllText(file, """
            {"model": {"model": "test-vae", "beta": 4, "latent_dim": 3},
             "training": {"epochs": 7, "lr": 0.5, "data": "toy"}}
            """);
        var config = RunConfigBuilder.FromFile(file)
            .Set("training.epochs", 9, "--epochs")
            .SetAssignment("beta=0.25")
            .Build();
        var model = Assert.IsType<TestVaeConfig>(config.Model);
        Assert.Equal(0.25, model.Beta);     // --set beats the file
        Assert.Equal(3, model.LatentDim);   // file beats defaults
        Assert.Equal(9, config.Training.Epochs); // flag beats the file
        Assert.Equal(0.5, config.Training.Lr);
        Assert.Equal(128, config.Training.BatchSize); // default
    }

    [Fact]
    public void TheFlagCanSwitchTheModelAFileChose()
    {
        var file = Path.Combine(dir, "c.json");
        File.WriteAllText(file, """{"model": {"model": "test-vae"}, "training": {}}""");
        var config = RunConfigBuilder.FromFile(file).Set("model.model", "test-ae", "--model").Build();
        Assert.IsType<TestAeConfig>(config.Model);
    }

    [Fact]
    public void JsonRoundTripKeepsEverythingAndNamesTheModel()
    {
        var config = TestModels.Config("test-wae", "runs/x", 5, "lambda=3.5", "kernel=imq", "limit_test=10");
        var json = config.ToJson();
        var node = JsonNode.Parse(json)!;
        Assert.Equal("test-wae", node["model"]!["model"]!.GetValue<string>());
        Assert.Equal(3.5, node["model"]!["lambda"]!.GetValue<double>());
        Assert.Equal(5, node["training"]!["epochs"]!.GetValue<int>());
        var back = RunConfig.FromJson(json);
        Assert.Equal(ModelRegistry.ToJson(config.Model), ModelRegistry.ToJson(back.Model));
        Assert.Equal(config.Training, back.Training);
        Assert.False(back.InputShapeFromData); // run.json records the shape it was trained with
    }

    [Fact]
    public void UnknownKeyIsNamedWithASuggestionAndTheKnownKeys()
    {
        var e = Refused(new RunConfigBuilder().Set("model", "test-vae", "--model").SetAssignment("betta=2"));
        Assert.Contains("--set betta=2: unknown key 'betta'", e.Message);
        Assert.Contains("did you mean beta?", e.Message);
        Assert.Contains("latent_dim", e.Message);
        Assert.Contains("batch_size", e.Message);

        e = Refused(new RunConfigBuilder().Set("model", "test-vae", "--model").SetAssignment("training.beta=2"));
        Assert.Contains("--set training.beta=2: training has no setting 'beta'", e.Message);

        e = Refused(new RunConfigBuilder().Set("model", "test-vae", "--model").SetAssignment("optim.lr=2"));
        Assert.Contains("unknown section 'optim'", e.Message);
    }

    [Fact]
    public void ModelSpecificFlagOnAModelWithoutThatSettingNamesTheFlag()
    {
        var e = Refused(new RunConfigBuilder().Set("model", "test-ae", "--model").Set("model.beta", 2.0, "--beta"));
        Assert.Contains("--beta: model 'test-ae' has no setting 'beta'", e.Message);
        e = Refused(new RunConfigBuilder().Set("model", "test-vae", "--model").Set("model.lambda", 2.0, "--lambda"));
        Assert.Contains("--lambda: model 'test-vae' has no setting 'lambda'", e.Message);
    }

    [Theory]
    [InlineData("latent_dim=abc", "model.latent_dim expects an integer, got \"abc\"")]
    [InlineData("latent_dim=2.5", "model.latent_dim expects an integer, got 2.5")]
    [InlineData("hidden=[8,\"x\"]", "model.hidden expects a list of integers")]
    [InlineData("hidden=null", "model.hidden expects a list of integers and cannot be null")]
    [InlineData("lr=fast", "training.lr expects a number, got \"fast\"")]
    [InlineData("epochs=true", "training.epochs expects an integer, got true")]
    [InlineData("data=null", "training.data expects a string and cannot be null")]
    public void WrongTypesAreRefusedNamingTheKey(string assignment, string expected)
    {
        var e = Refused(new RunConfigBuilder().Set("model", "test-vae", "--model").SetAssignment(assignment));
        Assert.Contains("--set " + assignment + ": " + expected, e.Message);
    }

    [Fact]
    public void BadValuesAreAllRefusedAtOnceEachNamingItsKey()
    {
        var e = Refused(new RunConfigBuilder()
            .Set("model", "test-wae", "--model")
            .Set("model.latent_dim", -1, "--latent-dim")
            .SetAssignment("lambda=-0.5")
            .SetAssignment("prior=cauchy")
            .SetAssignment("kernel=cosine")
            .SetAssignment("hidden=[64,0]")
            .Set("training.batch_size", 0, "--batch-size")
            .SetAssignment("epochs=-3")
            .SetAssignment("lr=0")
            .SetAssignment("limit_test=0"));
        Assert.Contains("model.latent_dim must be at least 1, got -1 (set by --latent-dim)", e.Message);
        Assert.Contains("model.lambda must be non-negative, got -0.5 (set by --set lambda=-0.5)", e.Message);
        Assert.Contains("model.prior must be 'mog', 'normal', 'sphere' or 'uniform', got 'cauchy' (set by --set prior=cauchy)", e.Message);
        Assert.Contains("model.kernel must be 'rbf' or 'imq', got 'cosine'", e.Message);
        Assert.Contains("model.hidden sizes must be positive", e.Message);
        Assert.Contains("training.batch_size must be at least 1, got 0 (set by --batch-size)", e.Message);
        Assert.Contains("training.epochs must be at least 1, got -3", e.Message);
        Assert.Contains("training.lr must be a positive finite number, got 0", e.Message);
        Assert.Contains("training.limit_test must be at least 1", e.Message);
        Assert.True(9 == e.Problems.Count, string.Join("\n", e.Problems)); // one message per bad value

        // A registered prior the model does not support is refused by the model's own check.
        e = Refused(new RunConfigBuilder().Set("model", "test-wae", "--model").Set("model.prior", "sphere", "--prior"));
        Assert.Equal(["model.prior must be 'normal' or 'uniform' for this model, got 'sphere' (set by --prior)"], e.Problems);
    }

    [Fact]
    public void UnknownOrMissingModelIsRefused()
    {
        var e = Refused(new RunConfigBuilder().Set("model", "vea", "--model"));
        Assert.Contains("--model: unknown model 'vea'; known models:", e.Message);
        Assert.Contains("test-vae", e.Message);

        e = Refused(new RunConfigBuilder().SetAssignment("lr=0.1"));
        Assert.Contains("no model chosen", e.Message);

        e = Refused(new RunConfigBuilder().Set("model", 3, "--set model=3"));
        Assert.Contains("model must be a model name (a string), got 3", e.Message);
    }

    [Fact]
    public void MalformedAssignmentsAndFilesAreRefusedNamingThem()
    {
        var e = Assert.Throws<ConfigException>(() => new RunConfigBuilder().SetAssignment("beta"));
        Assert.Contains("--set 'beta': expected key=value", e.Message);
        e = Assert.Throws<ConfigException>(() => new RunConfigBuilder().SetAssignment("=3"));
        Assert.Contains("expected key=value", e.Message);

        var bad = Path.Combine(dir, "bad.json");
        File.WriteAllText(bad, "{\"model\": {\"model\": \"test-vae\",");
        e = Assert.Throws<ConfigException>(() => RunConfigBuilder.FromFile(bad));
        Assert.Contains(bad + ": not valid JSON", e.Message);

        File.WriteAllText(bad, """{"model": {"model": "test-vae"}, "trainer": {}}""");
        e = Assert.Throws<ConfigException>(() => RunConfigBuilder.FromFile(bad));
        Assert.Contains("unknown top-level key 'trainer'", e.Message);

        File.WriteAllText(bad, """{"model": {"model": "test-vae", "latent_dim": "big"}}""");
        e = Refused(RunConfigBuilder.FromFile(bad));
        Assert.Contains(bad + ": model.latent_dim expects an integer, got \"big\"", e.Message);

        var missing = Assert.Throws<LatentSynth.Data.UserPathException>(() => RunConfigBuilder.FromFile(Path.Combine(dir, "missing.json")));
        Assert.Contains($"--config: '{Path.Combine(dir, "missing.json")}' does not exist", missing.Message);
    }

    [Fact]
    public void ValueParsingTakesJsonLiteralsElseStrings()
    {
        Assert.Equal(0.001, RunConfigBuilder.ParseValue("1e-3")!.GetValue<double>());
        Assert.True(RunConfigBuilder.ParseValue("true")!.GetValue<bool>());
        Assert.Null(RunConfigBuilder.ParseValue("null"));
        Assert.Equal("normal", RunConfigBuilder.ParseValue("normal")!.GetValue<string>());
        Assert.Equal("a b", RunConfigBuilder.ParseValue("\"a b\"")!.GetValue<string>());
        Assert.Equal(2, RunConfigBuilder.ParseValue("[512, 256]")!.AsArray().Count);
        Assert.Equal("csv:/data/x.csv", RunConfigBuilder.ParseValue("csv:/data/x.csv")!.GetValue<string>());
    }

    [Fact]
    public void NumbersAreAcceptedForStringSettings()
    {
        var config = new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("out=2024").Build();
        Assert.Equal("2024", config.Training.Out);
    }

    [Fact]
    public void ComputedSettingsAreWrittenButCannotBeSet()
    {
        var config = new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("input_shape=[1,3,3]").Build();
        var json = config.ToJson();
        Assert.Equal(9, JsonNode.Parse(json)!["model"]!["pixels"]!.GetValue<long>());
        Assert.Equal(9, ((TestAeConfig)RunConfig.FromJson(json).Model).Pixels); // read back without complaint
        var e = Refused(new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("pixels=4"));
        Assert.Contains("--set pixels=4: model.pixels is computed from other settings and cannot be set", e.Message);
        // ModelConfig.InputSize is [JsonIgnore]: not written, and not a key.
        Assert.Null(JsonNode.Parse(json)!["model"]!["input_size"]);
        e = Refused(new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("input_size=4"));
        Assert.Contains("--set input_size=4: unknown key 'input_size'", e.Message);
    }

    [Fact]
    public void SettingInputShapeIsRemembered()
    {
        var config = new RunConfigBuilder().Set("model", "test-ae", "--model").SetAssignment("input_shape=[1,5,5]").Build();
        Assert.False(config.InputShapeFromData);
        Assert.Equal([1L, 5, 5], config.Model.InputShape);
    }
}
