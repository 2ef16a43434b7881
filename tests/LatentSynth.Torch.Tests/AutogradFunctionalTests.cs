namespace LatentSynth.Torch.Tests;

public class AutogradFunctionalTests
{
    // f(x) = tanh(x @ W) * sum(x^2): a non-linear map R^3 -> R^2, in float64.
    private static readonly double[] W = [0.5, -1.0, 2.0, 0.3, -0.7, 1.1];

    private static Tensor Fn(Tensor x)
    {
        var w = Tensor.From(W, 3, 2);
        return (x.Matmul(w)).Tanh() * x.Square().Sum();
    }

    [Fact]
    public void JvpMatchesCentralDifferences()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new[] { 0.2, -0.4, 0.9 });
        var v = Tensor.From(new[] { 1.0, 0.5, -2.0 });
        var (y, jv) = AutogradFunctional.Jvp(Fn, x, v);
        Assert.Equal([2L], jv.Shape);
        const double eps = 1e-6;
        var plus = Fn(x + v * eps).ToArray<double>();
        var minus = Fn(x - v * eps).ToArray<double>();
        var got = jv.ToArray<double>();
        for (int i = 0; i < 2; i++)
        {
            double fd = (plus[i] - minus[i]) / (2 * eps);
            // central differences: truncation ~eps^2, rounding ~1e-16/eps = 1e-10
            Assert.True(Math.Abs(fd - got[i]) < 1e-8 * (1 + Math.Abs(fd)), $"component {i}: autograd {got[i]} vs finite differences {fd}");
        }
        Assert.Equal(Fn(x).ToArray<double>(), y.ToArray<double>());
        Assert.False(jv.RequiresGrad);
    }

    [Fact]
    public void VjpEqualsTransposedJacobianTimesCotangent()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new[] { 0.2, -0.4, 0.9 });
        var u = Tensor.From(new[] { 1.5, -0.5 });
        var (_, vjp) = AutogradFunctional.Vjp(Fn, x, u);
        // Build the Jacobian column by column from JVPs with the unit vectors: (J^T u)_k = sum_i u_i J_ik.
        var got = vjp.ToArray<double>();
        for (int k = 0; k < 3; k++)
        {
            var e = new double[3];
            e[k] = 1;
            var (_, col) = AutogradFunctional.Jvp(Fn, x, Tensor.From(e));
            var c = col.ToArray<double>();
            double expected = 1.5 * c[0] - 0.5 * c[1];
            Assert.True(Math.Abs(expected - got[k]) < 1e-12, $"entry {k}: {got[k]} vs {expected}");
        }
    }

    [Fact]
    public void WrongVectorShapeNamesBothShapes()
    {
        using var scope = Torch.NewScope();
        var e = Assert.Throws<ArgumentException>(() => AutogradFunctional.Jvp(Fn, Tensor.From(new[] { 1.0, 2, 3 }), Tensor.From(new[] { 1.0 })));
        Assert.Contains("[1]", e.Message);
        Assert.Contains("[3]", e.Message);
    }

    [Fact]
    public void DeterministicSwitchRoundTrips()
    {
        bool before = Torch.AreDeterministicAlgorithmsEnabled;
        try
        {
            Torch.UseDeterministicAlgorithms(true);
            Assert.True(Torch.AreDeterministicAlgorithmsEnabled);
            Torch.UseDeterministicAlgorithms(false);
            Assert.False(Torch.AreDeterministicAlgorithmsEnabled);
        }
        finally { Torch.UseDeterministicAlgorithms(before); }
    }
}
