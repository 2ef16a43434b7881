using LatentSynth.Torch.IO;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Runs one case of tests/goldens/gen_ops.py: loads NAME.in0.., marks the inputs that have a golden
/// gradient NAME.d&lt;i&gt; as requiring grad, runs the C# version of the function, compares the output
/// with NAME.y, back-propagates the golden NAME.go and compares every input gradient.
/// </summary>
internal static class OpsGolden
{
    public const string Area = "ops";

    /// <summary>
    /// Default tolerances. These are the same libtorch kernels PyTorch ran (same library, same
    /// CPU dispatch, tensors below the parallel grain size), so results are expected to be
    /// bit-identical; the tiny slack (a few ulps of float32) only guards against a BLAS build that
    /// picks a different micro-kernel. Measured: every case currently matches exactly.
    /// </summary>
    public const double Rtol = 1e-6, Atol = 1e-7;

    public static void Check(string name, Func<Tensor[], Tensor> fn, double rtol = Rtol, double atol = Atol)
    {
        using var scope = Torch.NewScope();
        var inputs = new List<Tensor>();
        for (int i = 0; Goldens.Has(Area, $"{name}.in{i}"); i++)
        {
            using var stored = Goldens.Get(Area, $"{name}.in{i}");
            var t = stored.Clone(); // never mark the cached golden itself as requiring grad
            if (Goldens.Has(Area, $"{name}.d{i}")) t.RequiresGrad = true;
            inputs.Add(t);
        }
        Assert.NotEmpty(inputs);
        var y = fn(inputs.ToArray());
        var expected = Goldens.Get(Area, $"{name}.y");
        Assert.Equal(expected.DType, y.DType);
        Goldens.AssertClose(expected, y, rtol, atol, $"{name} value");

        if (!Goldens.Has(Area, $"{name}.go"))
        {
            Assert.False(Enumerable.Range(0, inputs.Count).Any(i => Goldens.Has(Area, $"{name}.d{i}")), "gradients without grad_output");
            return;
        }
        Assert.True(y.RequiresGrad, $"{name}: output should be differentiable");
        y.Backward(Goldens.Get(Area, $"{name}.go"));
        int checkedGrads = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (!Goldens.Has(Area, $"{name}.d{i}")) continue;
            var grad = inputs[i].Grad;
            Assert.True(grad is not null, $"{name}: input {i} got no gradient");
            Goldens.AssertClose(Goldens.Get(Area, $"{name}.d{i}"), grad!, rtol, atol, $"{name} grad of input {i}");
            checkedGrads++;
        }
        Assert.True(checkedGrads > 0, $"{name}: no gradient compared");
    }

    /// <summary>Every case name in ops.safetensors (the names that have an output NAME.y).</summary>
    public static IReadOnlyList<string> AllCaseNames()
    {
        var path = Goldens.PathOf(Area);
        var all = SafeTensors.Load(path);
        try
        {
            return all.Keys.Where(k => k.EndsWith(".y", StringComparison.Ordinal)).Select(k => k[..^2]).Order().ToList();
        }
        finally
        {
            foreach (var t in all.Values) t.Dispose();
        }
    }

    public static IEnumerable<object[]> Names(IReadOnlyDictionary<string, Func<Tensor[], Tensor>> cases) =>
        cases.Keys.Select(k => new object[] { k });
}
