using LatentSynth.Torch.IO;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Access to the PyTorch goldens in tests/goldens (made by tests/goldens/make_goldens.py with
/// Debian's python3-torch and committed). Each area's file is read once per test run.
/// </summary>
public static class Goldens
{
    private static readonly Dictionary<string, Dictionary<string, Tensor>> Cache = new();
    private static readonly object Gate = new();

    /// <summary>The golden tensor <paramref name="name"/> from tests/goldens/<paramref name="area"/>.safetensors.
    /// The returned tensor is a fresh handle owned by the caller (or the current scope).</summary>
    public static Tensor Get(string area, string name)
    {
        Dictionary<string, Tensor> file;
        lock (Gate)
        {
            if (!Cache.TryGetValue(area, out file!))
            {
                var path = Path.Combine(AppContext.BaseDirectory, "goldens", area + ".safetensors");
                var loaded = SafeTensors.Load(path);
                // Cached for the whole run: they must not belong to the caller's dispose scope.
                foreach (var g in loaded.Values) g.DetachFromScope();
                Cache[area] = file = loaded;
            }
        }
        if (!file.TryGetValue(name, out var t))
            throw new KeyNotFoundException($"golden '{name}' not in {area}.safetensors; regenerate with `make goldens`");
        return t.Alias();
    }

    /// <summary>True when the golden exists.</summary>
    public static bool Has(string area, string name)
    {
        try { using var t = Get(area, name); return true; }
        catch (KeyNotFoundException) { return false; }
    }

    /// <summary>Asserts elementwise closeness like torch.allclose: |a-b| &lt;= atol + rtol*|b|,
    /// reporting the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e = expected.To(DType.Float64);
        using var a = actual.To(DType.Float64);
        var ev = e.ToArray<double>();
        var av = a.ToArray<double>();
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < ev.Length; i++)
        {
            if (double.IsNaN(ev[i]) && double.IsNaN(av[i])) continue;
            double excess = Math.Abs(ev[i] - av[i]) - (atol + rtol * Math.Abs(ev[i]));
            if (excess > worstExcess || double.IsNaN(excess)) { worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; worst = i; }
        }
        if (worst >= 0)
            Assert.Fail($"{what}: element {worst} expected {ev[worst]:R} got {av[worst]:R} (rtol {rtol}, atol {atol})");
    }
}
