using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Torch.Tests;

/// <summary>End-to-end training through the whole stack: layers, autograd, optimizer, scopes.</summary>
[Collection(ProcessWideState.Name)]
public class TrainingTests
{
    private static Sequential SmallMlp() => new(new Linear(2, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 1));

    /// <summary>y = sin(x0) * cos(x1) on [-1.5, 1.5]^2: a smooth target a small MLP fits well.</summary>
    private static (Tensor X, Tensor Y) ToyData(int n)
    {
        using var scope = Torch.NewScope();
        var x = (Torch.Rand(n, 2) * 3.0 - 1.5).DetachFromScope();
        var y = (x.Select(1, 0).Sin() * x.Select(1, 1).Cos()).Unsqueeze(1).DetachFromScope();
        return (x, y);
    }

    [Fact]
    public void ThousandStepsInScopesLeaveNoLiveTensors()
    {
        Torch.ManualSeed(1);
        // Tensors that earlier tests left to the garbage collector are finalized now, not in the middle of the count
        // (a fresh CI process once counted a different number after the loop than before it).
        Settle();
        long baseline = Torch.LiveTensors;
        using (var model = SmallMlp())
        using (var opt = new Adam(model.Parameters(), lr: 1e-2))
        {
            var (x, y) = ToyData(64);
            Settle();
            long afterSetup = Torch.LiveTensors;
            for (int step = 0; step < 1000; step++)
            {
                using var scope = Torch.NewScope();
                opt.ZeroGrad();
                var loss = F.MseLoss(model.Forward(x), y);
                loss.Backward();
                opt.Step();
            }
            // Parameters, their gradients and Adam's state are the only survivors of the loop.
            Settle();
            long extra = Torch.LiveTensors - afterSetup;
            Assert.True(extra == 0, $"{extra} tensors alive after 1000 steps (baseline {baseline}, after setup {afterSetup})");
            x.Dispose();
            y.Dispose();
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void SmallMlpLearnsAToyRegressionHundredfold()
    {
        Torch.ManualSeed(0);
        using var model = SmallMlp();
        using var opt = new Adam(model.Parameters(), lr: 1e-2);
        var (x, y) = ToyData(256);
        using var _x = x;
        using var _y = y;
        double Loss()
        {
            using var scope = Torch.NewScope();
            using var ng = Torch.NoGrad();
            return F.MseLoss(model.Forward(x), y).Item();
        }
        double initial = Loss();
        for (int step = 0; step < 1500; step++)
        {
            using var scope = Torch.NewScope();
            opt.ZeroGrad();
            F.MseLoss(model.Forward(x), y).Backward();
            opt.Step();
        }
        double final = Loss();
        Assert.True(final * 100 <= initial, $"loss fell from {initial:G4} to {final:G4}, less than 100x");
    }

    [Fact]
    public void SameSeedSameTrainingRun()
    {
        float[] Train()
        {
            Torch.ManualSeed(7);
            using var model = SmallMlp();
            using var opt = new Adam(model.Parameters(), lr: 1e-2);
            var (x, y) = ToyData(32);
            using var _x = x;
            using var _y = y;
            for (int step = 0; step < 20; step++)
            {
                using var scope = Torch.NewScope();
                opt.ZeroGrad();
                F.MseLoss(model.Forward(x), y).Backward();
                opt.Step();
            }
            return model.Parameters().First().ToArray<float>();
        }
        Assert.Equal(Train(), Train());
    }
}
