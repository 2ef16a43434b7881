using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Torch.Tests;

/// <summary>The code shown in README.md ("Using the library"), kept compiling and working.</summary>
[Collection(ProcessWideState.Name)]
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExampleTrainsAndSaves()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lst-readme-{Guid.NewGuid():N}.safetensors");
        double first = 0, last = 0;
        // --- README snippet (the loop runs 100 steps there; 30 here) ---
        Torch.ManualSeed(0);
        using var model = new Sequential(new Linear(784, 400), new ReLU(), new Linear(400, 784));
        using var opt = new Adam(model.Parameters(), lr: 1e-3);
        for (int step = 0; step < 30; step++)
        {
            using var scope = Torch.NewScope();          // frees every tensor made in this step
            var x = Torch.Rand(128, 784);
            var loss = F.BinaryCrossEntropyWithLogits(model.Forward(x), x, reduction: Reduction.Sum);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        model.Save(path);
        // --- end of snippet ---
        try
        {
            Assert.True(last < first, $"loss did not fall: {first} -> {last}");
            using var file = IO.SafeTensors.Read(path);
            Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], file.Tensors.Keys.ToArray());
        }
        finally { File.Delete(path); }
    }
}
