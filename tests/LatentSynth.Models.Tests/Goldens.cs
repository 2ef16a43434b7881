using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Models.Tests;

/// <summary>
/// The PyTorch goldens of tests/goldens/models.safetensors (made by gen_models.py with Debian's
/// python3-torch), read once per run.
/// </summary>
public static class Goldens
{
    private static readonly object Gate = new();
    private static Dictionary<string, Tensor>? cache;

    private static Dictionary<string, Tensor> All
    {
        get
        {
            lock (Gate)
            {
                if (cache is null)
                {
                    var path = Path.Combine(AppContext.BaseDirectory, "goldens", "models.safetensors");
                    var loaded = SafeTensors.Load(path);
                    foreach (var t in loaded.Values) t.DetachFromScope();   // cached for the whole run
                    cache = loaded;
                }
                return cache;
            }
        }
    }

    /// <summary>The golden <paramref name="name"/>, a fresh detached handle owned by the caller (or the current
    /// scope): it shares the cached storage but not autograd state, so RequiresGrad_ on it leaks nowhere.</summary>
    public static Tensor Get(string name) =>
        All.TryGetValue(name, out var t) ? t.Detach()
            : throw new KeyNotFoundException($"golden '{name}' not in models.safetensors; run /usr/bin/python3 tests/goldens/gen_models.py");

    /// <summary>Every golden whose name starts with <paramref name="prefix"/>, keyed by the rest of the name.</summary>
    public static Dictionary<string, Tensor> WithPrefix(string prefix) =>
        All.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(e => e.Key[prefix.Length..], e => e.Value.Detach());

    /// <summary>|expected − actual| ≤ atol + rtol·|expected| elementwise (like torch.allclose), reporting the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol, double atol, string what)
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
            double excess = Math.Abs(ev[i] - av[i]) - (atol + rtol * Math.Abs(ev[i]));
            if (excess > worstExcess || double.IsNaN(excess)) { worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; worst = i; }
        }
        if (worst >= 0) Assert.Fail($"{what}: element {worst} expected {ev[worst]:R} got {av[worst]:R} (rtol {rtol}, atol {atol})");
    }
}
