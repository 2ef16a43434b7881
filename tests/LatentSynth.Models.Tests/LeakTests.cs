using LatentSynth.Torch;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Training steps in a dispose scope leave nothing behind: the live-tensor count stays flat.</summary>
[Collection(ProcessWideState.Name)]
public class LeakTests
{
    [Theory]
    [MemberData(nameof(ConfigTests.ModelNames), MemberType = typeof(ConfigTests))]
    public void ScopedTrainStepsLeaveNoLiveTensors(string name)
    {
        var config = ModelRegistry.DefaultConfig(name) with { InputShape = [1, 8, 8], Hidden = [16], LatentDim = 3 };
        using var model = ModelRegistry.Create(config);
        using var x = Torch.Rand(6, 1, 8, 8);
        var optimizers = model.CreateOptimizers(1e-3);
        try
        {
            void Step(int i)
            {
                using var scope = Torch.NewScope();
                model.TrainStep(x, new TrainingProgress(0, i, 10, 1), optimizers);
                using (Torch.NoGrad())
                {
                    model.EvaluationLoss(x);
                    model.Sample(2);
                    model.Interpolate(x.Narrow(0, 0, 1), x.Narrow(0, 1, 1), 3);
                }
            }
            Step(0);                                   // gradients and optimizer state now exist
            long before = Torch.LiveTensors;
            for (int i = 1; i < 6; i++) Step(i);
            Assert.Equal(before, Torch.LiveTensors);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }
}
