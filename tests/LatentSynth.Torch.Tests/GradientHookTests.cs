using LatentSynth.Torch.Optim;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Optimizer.GradientHook / PrepareGradients: the place data-parallel training averages gradients. The hook runs once
/// per step, before the update, and before gradient clipping when the model prepares the gradients first.
/// </summary>
public sealed class GradientHookTests
{
    [Fact]
    public void TheHookRunsOncePerStepBeforeTheUpdateAndSeesWhatTheStepUses()
    {
        using var scope = Torch.NewScope();
        var w = Tensor.From(new float[] { 1, 2 }, 2).RequiresGrad_();
        using var sgd = new SGD([w], lr: 1.0);
        int calls = 0;
        sgd.GradientHook = ps =>
        {
            calls++;
            using (Torch.NoGrad()) ps[0].Grad!.Mul_(0.5); // as an average over 2 ranks would
        };
        for (int step = 0; step < 3; step++)
        {
            sgd.ZeroGrad();
            (w * w).Sum().Backward(); // grad 2w
            sgd.PrepareGradients();
            sgd.PrepareGradients(); // a second call (clipping code, then Step) does not halve again
            sgd.Step();
        }
        Assert.Equal(3, calls);
        // Each step: w ← w − 0.5·2w = 0: the hook's halving reached the update exactly once.
        Assert.Equal(new float[] { 0, 0 }, w.ToArray<float>());

        sgd.GradientHook = null;
        sgd.ZeroGrad();
        (w * w).Sum().Backward();
        sgd.Step();
        Assert.Equal(3, calls);
    }
}
