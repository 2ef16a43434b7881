namespace LatentSynth.Torch.Tests;

/// <summary>Golden cases of tests/goldens/nn.safetensors (gen_nn.py): NAME.&lt;input&gt;, NAME.out, NAME.gout and
/// NAME.&lt;input&gt;.grad.</summary>
internal static class NnGolden
{
    private const string Area = "nn";

    /// <summary>
    /// Runs <paramref name="op"/> on the golden inputs of case <paramref name="name"/> (those with a
    /// golden gradient become leaves that require grad), compares the output, back-propagates the
    /// golden grad_output and compares every input gradient (at least one must be compared).
    /// With <paramref name="gradientsOptional"/>, a case without a golden grad_output is checked on its
    /// output only; without it, a missing grad_output fails the test.
    /// </summary>
    public static void CheckCase(string name, string[] inputs, Func<Tensor[], Tensor> op, double rtol, double atol, bool gradientsOptional = false)
    {
        using var scope = Torch.NewScope();
        var args = inputs.Select(n =>
        {
            var t = Goldens.Get(Area, $"{name}.{n}");
            return Goldens.Has(Area, $"{name}.{n}.grad") ? t.Detach().RequiresGrad_() : t;
        }).ToArray();
        var output = op(args);
        Goldens.AssertClose(Goldens.Get(Area, $"{name}.out"), output, rtol, atol, $"{name} output");
        if (gradientsOptional && !Goldens.Has(Area, $"{name}.gout")) return;
        output.Backward(Goldens.Get(Area, $"{name}.gout"));
        int compared = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!Goldens.Has(Area, $"{name}.{inputs[i]}.grad")) continue;
            var grad = args[i].Grad;
            Assert.NotNull(grad);
            Goldens.AssertClose(Goldens.Get(Area, $"{name}.{inputs[i]}.grad"), grad, rtol, atol, $"{name} d/d{inputs[i]}");
            compared++;
        }
        Assert.True(compared > 0, $"{name}: no gradient compared");
    }
}
