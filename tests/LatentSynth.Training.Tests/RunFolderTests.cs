using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Training.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Opening run folders as <c>eval</c>, <c>--resume</c> and the generation verbs do: config, data
/// name, which weights are read, and every way a folder can be wrong, each a one-line
/// <see cref="ArgumentException"/> or <see cref="IOException"/> naming the folder, file or tensor.
/// </summary>
[Collection(ProcessWideState.Name)]
public class RunFolderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("lst-runfolder-").FullName;
    private readonly ToySource source = new();

    public RunFolderTests() => TestModels.Register();

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A real run: the trainer writes it (2 epochs of test-ae on the toy data).</summary>
    private string Trained(string name = "run", params string[] sets)
    {
        var dir = Path.Combine(root, name);
        new Trainer(source).Train(TestModels.Config("test-ae", dir, 2, sets));
        return dir;
    }

    private static float[] Outputs(AutoencoderModel model)
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(9);
        var x = Torch.Rand([3, 1, 4, 4], generator: g);
        using (Torch.NoGrad()) return model.Forward(x).ToArray<float>();
    }

    /// <summary>The exception <paramref name="action"/> throws: one a user can cause, on one line.</summary>
    private static Exception UserError(Action action)
    {
        var e = Assert.ThrowsAny<Exception>(action);
        Assert.True(e is ArgumentException or IOException, $"{e.GetType().Name}: {e.Message}");
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    private static string OpenError(string dir) => UserError(() => RunFolder.Open(dir)).Message;

    private static string LoadError(string dir) => UserError(() => RunFolder.Open(dir).LoadModel().Dispose()).Message;

    [Fact]
    public void OpensTheConfigDataNameAndTheLatestCheckpointsWeights()
    {
        var dir = Trained();
        var run = RunFolder.Open(dir);
        Assert.Equal("test-ae", run.Config.Model.Model);
        Assert.Equal([1L, 4, 4], run.Config.Model.InputShape);
        Assert.Equal("toy", run.DataName);
        Assert.Equal(2, run.Config.Training.Epochs);

        using var model = run.LoadModel(out var checkpoint);
        Assert.Equal("epoch-2", checkpoint!.Name);
        Assert.Equal(checkpoint.ModelPath, run.ModelWeightsPath);
        Assert.False(model.Training); // ready for generation: evaluation mode
        // The run folder's copy is the latest checkpoint's weights, byte for byte.
        Assert.Equal(File.ReadAllBytes(checkpoint.ModelPath), File.ReadAllBytes(run.WeightsPath));

        // The weights really came from the file: a freshly initialised model differs.
        Torch.ManualSeed(123);
        using var fresh = ModelRegistry.Create(run.Config.Model);
        Assert.NotEqual(Outputs(fresh), Outputs(model));
        fresh.Load(checkpoint.ModelPath);
        Assert.Equal(Outputs(fresh), Outputs(model));
    }

    [Fact]
    public void WithoutCheckpointsTheRunFoldersModelSafetensorsIsUsed()
    {
        var dir = Trained();
        float[] expected;
        using (var model = RunFolder.Open(dir).LoadModel()) expected = Outputs(model);

        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true); // shared as run.json + model.safetensors
        var run = RunFolder.Open(dir);
        Assert.Equal(run.WeightsPath, run.ModelWeightsPath);
        using (var model = run.LoadModel(out var checkpoint))
        {
            Assert.Null(checkpoint);
            Assert.Equal(expected, Outputs(model));
        }
        var (result, evaluated) = run.Evaluate(source);
        Assert.Null(evaluated);
        Assert.Equal(24, result.Examples);
    }

    [Fact]
    public void MissingFolderFilesAndWeightsAreNamed()
    {
        var nowhere = Path.Combine(root, "nowhere");
        Assert.Contains($"run folder '{nowhere}' does not exist", OpenError(nowhere));
        var file = Path.Combine(root, "a-file");
        File.WriteAllText(file, "");
        Assert.Contains($"run '{file}' is a file; give the run folder", OpenError(file));
        var empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
        Assert.Contains("is not a run folder: it has no run.json", OpenError(empty));

        var dir = Trained();
        File.WriteAllText(Path.Combine(dir, "checkpoints", "latest"), "epoch-7\n");
        var e = UserError(() => RunFolder.Open(dir).LoadModel().Dispose());
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Contains("epoch-7' is incomplete: trainer.json is missing", e.Message);

        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true);
        File.Delete(Path.Combine(dir, "model.safetensors"));
        e = UserError(() => RunFolder.Open(dir).LoadModel().Dispose());
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Contains($"run folder '{dir}' has no weights: no complete checkpoint", e.Message);
        Assert.Contains("and no model.safetensors", e.Message);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"training\": {}}", "no model chosen")]
    [InlineData("{\"model\": {\"model\": \"no-such-model\"}}", "unknown model 'no-such-model'")]
    [InlineData("{\"model\": {\"model\": 5}}", "model must be a model name (a string), got 5")]
    [InlineData("{\"model\": \"test-ae\"}", "'model' must be a JSON object")]
    [InlineData("{\"model\": {\"model\": \"test-ae\", \"latent_dimm\": 3}}", "model 'test-ae' has no setting 'latent_dimm'; did you mean latent_dim?")]
    [InlineData("{\"model\": {\"model\": \"test-ae\", \"latent_dim\": -1}}", "model.latent_dim must be at least 1, got -1")]
    [InlineData("{\"model\": {\"model\": \"test-ae\"}, \"training\": {\"data\": null}}", "training.data expects a string and cannot be null")]
    [InlineData("{\"model\": {\"model\": \"test-ae\"}, \"training\": {\"data\": [5]}}", "training.data expects a string, got [5]")]
    public void BadRunJsonIsExplainedNamingTheFile(string json, string expected)
    {
        var dir = Trained();
        File.WriteAllText(Path.Combine(dir, "run.json"), json);
        var message = OpenError(dir);
        Assert.Contains(expected, message);
        Assert.Contains(Path.Combine(dir, "run.json"), message);
        Assert.IsAssignableFrom<ConfigException>(UserError(() => RunFolder.Open(dir)));
    }

    [Fact]
    public void TruncatedWeightsNameTheFileAndTheTensor()
    {
        var dir = Trained();
        // In a checkpoint, the sizes recorded in trainer.json catch it first.
        var inCheckpoint = Path.Combine(dir, "checkpoints", "epoch-2", "model.safetensors");
        var bytes = File.ReadAllBytes(inCheckpoint);
        File.WriteAllBytes(inCheckpoint, bytes[..^6]);
        Assert.Contains($"is corrupt: model.safetensors is {bytes.Length - 6} bytes, trainer.json recorded {bytes.Length}", LoadError(dir));

        // A lone model.safetensors is checked by the safetensors reader.
        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true);
        var weights = Path.Combine(dir, "model.safetensors");
        File.WriteAllBytes(weights, bytes[..^6]);
        var message = LoadError(dir);
        Assert.Contains("corrupt weights", message);
        Assert.Contains(weights, message);
        Assert.Contains("tensor '", message);

        File.WriteAllBytes(weights, bytes[..4]);
        Assert.Contains("too short", LoadError(dir));
    }

    [Fact]
    public void WeightsOfAnotherShapeNameTheFileAndTheTensor()
    {
        var dir = Trained();
        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true);
        var run = RunFolder.Open(dir);
        using (var bigger = ModelRegistry.Create(run.Config.Model with { LatentDim = 3 }))
            bigger.Save(run.WeightsPath);
        var e = UserError(() => run.LoadModel().Dispose());
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Contains($"{run.WeightsPath} does not fit model 'test-ae' of run.json", e.Message);
        Assert.Contains("encoder.weight", e.Message);
    }

    [Fact]
    public void LoadDataTakesTheRunsDatasetOrTheGivenOneWholeAndChecksShapes()
    {
        var run = RunFolder.Open(Trained("limited", "limit_train=12", "limit_test=5"));
        using (var splits = run.LoadData(source))
            Assert.Equal((40L, 24L), (splits.Train.Count, splits.Test.Count)); // limits are the trainer's, not the verbs'

        var e = UserError(() => run.LoadData(source, "toy-wide").Dispose());
        Assert.Contains($"dataset 'toy-wide' has examples of shape [1, 5, 5] but the model of run '{run.Dir}' takes [1, 4, 4]; choose data shaped like the run's own ('toy')", e.Message);
        Assert.Contains("unknown dataset 'nope'", UserError(() => run.LoadData(source, "nope").Dispose()).Message);
        Assert.Throws<ArgumentNullException>(() => run.LoadData(null!));
    }
}
