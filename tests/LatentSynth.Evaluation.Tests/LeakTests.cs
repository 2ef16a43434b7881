using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Every generation function frees what it creates: only the grid's pictures stay, until the grid is disposed.</summary>
[Collection(ProcessWideState.Name)]
public class LeakTests
{
    [Fact]
    public void GenerationLeavesNoTensorsBehind()
    {
        using var model = TestModels.Tiny();
        using var data = TestModels.Data("d", 12, [1, 7, 5]);
        using var identity = TestModels.Identity([1, 5, 5]);
        using var g = new Generator(1);
        using var reference = Torch.Rand(30, 1, 5, 5).DetachFromScope();
        // The inputs are made once, outside any scope: every tensor made later and not freed counts.
        using var four = data.Examples.Narrow(0, 0, 4).DetachFromScope();
        using var a = data.Examples.Narrow(0, 0, 2).DetachFromScope();
        using var b = data.Examples.Narrow(0, 2, 2).DetachFromScope();
        using var one = data.Examples.Narrow(0, 0, 1).DetachFromScope();
        using var refOne = reference.Narrow(0, 0, 1).DetachFromScope();
        void Everything()
        {
            using (var grid = Generation.Samples(model, 5, g)) grid.Render();
            using (var grid = Generation.Reconstructions(model, four)) grid.Render();
            using (var grid = Generation.Interpolations(model, a, b, 4, InterpolationKind.Spherical)) grid.Render();
            using (var grid = Generation.Traversals(model, one, 2, 3)) grid.Render();
            using (var grid = Generation.Traversals(identity, refOne, 2, 3, reference)) grid.SavePng(Path.Combine(Path.GetTempPath(), $"lst-leak-{Environment.ProcessId}.png"));
            Generation.Encode(model, data, 5);
            Generation.PickPairs(data, 3, g);
            Generation.PickExamples(data, 3, g);
        }
        Everything();   // warm-up: anything created once per process is made here
        long before = Torch.LiveTensors;
        for (int i = 0; i < 3; i++) Everything();
        Assert.Equal(before, Torch.LiveTensors);
        File.Delete(Path.Combine(Path.GetTempPath(), $"lst-leak-{Environment.ProcessId}.png"));
    }
}
