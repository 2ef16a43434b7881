using System.Text.Json.Nodes;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests;

using Torch = LatentSynth.Torch.Torch;

public class RunFolderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-run-").FullName;
    public void Dispose() => Directory.Delete(dir, true);

    private string Run(string name = "run", string? data = "tiny", ulong seed = 5, int latentDim = 3)
    {
        using var model = TestModels.Tiny(latentDim: latentDim, seed: seed);
        return RunFolders.Write(Path.Combine(dir, name), model, data);
    }

    private static string OpenError(string path) => Assert.Throws<RunFolderException>(() => RunFolder.Open(path)).Message;

    [Fact]
    public void OpensTheModelWithItsWeightsConfigAndDataName()
    {
        var path = Run(seed: 5);
        using var original = TestModels.Tiny(seed: 5);
        using var run = RunFolder.Open(path);
        Assert.Equal("evaluation-test-tiny", run.Config.Model);
        Assert.Equal(3, run.Model.LatentDim);
        Assert.Equal("tiny", run.DataName);
        Assert.False(run.Model.Training);
        Assert.Equal(1, run.Run["training"]!["epochs"]!.GetValue<int>());
        using var scope = Torch.NewScope();
        using var data = TestModels.Data("d", 4, [1, 7, 5]);
        using (Torch.NoGrad())
            Assert.Equal(original.Forward(data.Examples).ToArray<float>(), run.Model.Forward(data.Examples).ToArray<float>());
        // A model built with other initial weights differs: the weights really came from the file.
        using var other = TestModels.Tiny(seed: 6);
        using (Torch.NoGrad())
            Assert.NotEqual(other.Forward(data.Examples).ToArray<float>(), run.Model.Forward(data.Examples).ToArray<float>());
    }

    [Fact]
    public void MissingFolderAndFilesAreNamed()
    {
        Assert.Contains("does not exist", OpenError(Path.Combine(dir, "nowhere")));
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "");
        Assert.Contains("is a file", OpenError(file));
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        Assert.Contains("has no run.json", OpenError(empty));
        var path = Run();
        File.Delete(Path.Combine(path, "model.safetensors"));
        Assert.Contains("has no model.safetensors", OpenError(path));
    }

    [Theory]
    [InlineData("{ not json", "is not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"training\": {}}", "has no \"model\" object")]
    [InlineData("{\"model\": {\"model\": \"no-such-model\"}}", "unknown model 'no-such-model'")]
    [InlineData("{\"model\": {\"model\": 5}}", "\"model\"")]
    [InlineData("{\"model\": \"evaluation-test-tiny\"}", "has no \"model\" object")]
    [InlineData("{\"model\": {\"model\": \"evaluation-test-tiny\", \"latent_dimm\": 3}}", "latent_dimm")]
    [InlineData("{\"model\": {\"model\": \"evaluation-test-tiny\", \"latent_dim\": -1}}", "latent_dim must be at least 1")]
    [InlineData("{\"model\": {\"model\": \"evaluation-test-tiny\", \"input_shape\": [1, 7, 5], \"latent_dim\": 3}, \"training\": {\"data\": 5}}", "\"data\" must be a dataset name")]
    public void BadRunJsonIsExplained(string json, string expected)
    {
        var path = Run();
        File.WriteAllText(Path.Combine(path, "run.json"), json);
        var message = OpenError(path);
        Assert.Contains(expected, message);
        Assert.Contains("run.json", message);
    }

    [Fact]
    public void TruncatedWeightsNameTheFileAndTheTensor()
    {
        var path = Run();
        var weights = Path.Combine(path, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..^6]);
        var message = OpenError(path);
        Assert.Contains("corrupt weights", message);
        Assert.Contains(weights, message);
        Assert.Contains("tensor '", message);

        File.WriteAllBytes(weights, bytes[..4]);
        Assert.Contains("too short", OpenError(path));
    }

    [Fact]
    public void WeightsOfAnotherShapeNameTheFileAndTheTensor()
    {
        var path = Run(latentDim: 3);
        using (var bigger = TestModels.Tiny(latentDim: 4)) bigger.Save(Path.Combine(path, "model.safetensors"));
        var message = OpenError(path);
        Assert.Contains("model.safetensors does not fit model 'evaluation-test-tiny'", message);
        Assert.Contains("encoder.weight", message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public void LoadDataUsesTheRunsDatasetOrTheGivenOneAndChecksShapes()
    {
        var source = new TestDataSource();
        using (var run = RunFolder.Open(Run("a")))
        {
            using var splits = run.LoadData(source);
            Assert.Equal(30, splits.Test.Count);
            Assert.Equal(["tiny"], source.Requests);
            var e = Assert.Throws<ArgumentException>(() => run.LoadData(source, "wrong-shape"));
            Assert.Contains("[1, 4, 4]", e.Message);
            Assert.Contains("[1, 7, 5]", e.Message);
            Assert.Contains("no dataset catalog", Assert.Throws<InvalidOperationException>(() => run.LoadData(null)).Message);
        }
        using (var run = RunFolder.Open(Run("b", data: null)))
        {
            Assert.Null(run.DataName);
            Assert.Contains("--data", Assert.Throws<ArgumentException>(() => run.LoadData(source)).Message);
            using var splits = run.LoadData(source, "tiny");
            Assert.Equal(40, splits.Train.Count);
        }
    }
}
