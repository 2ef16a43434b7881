using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

public class AutogradCoreTests
{
    [Fact]
    public void BackwardWithoutGradientOnAScalarLoss()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[] { 1, 2, 3 }).RequiresGrad_();
        var y = Tensor.From(new float[] { 0, 0, 0 });
        var loss = F.MseLoss(x, y, Reduction.Sum); // sum x^2 -> grad 2x
        loss.Backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.Grad!.ToArray<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void BackwardOnANonScalarWithoutGradientExplains()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[] { 1, 2 }).RequiresGrad_();
        var y = F.MseLoss(x, Tensor.From(new float[] { 0, 0 }), Reduction.None);
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Equal("backward", e.Operation);
        Assert.Contains("scalar outputs", e.Message);
    }

    [Fact]
    public void NoGradScopeStopsRecordingAndRestores()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[] { 1, 2 }).RequiresGrad_();
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            var y = F.MseLoss(x, x.Detach(), Reduction.Sum);
            Assert.False(y.RequiresGrad);
        }
        Assert.True(Torch.IsGradEnabled);
    }

    [Fact]
    public void AutogradGradGivesGradientsOfOutputsWrtInputs()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new double[] { 1, -2 }).RequiresGrad_();
        var zero = Tensor.From(new double[] { 0, 0 });
        var y = F.MseLoss(x, zero, Reduction.Sum); // y = sum x^2
        var g = Autograd.Grad([y], [x], createGraph: true);
        Assert.Equal(new double[] { 2, -4 }, g[0]!.ToArray<double>());
        // second order through the first gradient: d/dx sum(2x * x.detach-free) = d/dx sum(g*g)/4 = 2x
        var h = F.MseLoss(g[0]!, zero, Reduction.Sum); // sum (2x)^2 = 4 sum x^2 -> grad 8x
        var g2 = Autograd.Grad([h], [x]);
        Assert.Equal(new double[] { 8, -16 }, g2[0]!.ToArray<double>());
    }
}
