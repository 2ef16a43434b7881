using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using Xunit;

namespace LatentSynth.TestSupport;

/// <summary>
/// The PyTorch goldens: <c>tests/goldens/&lt;area&gt;.safetensors</c>, made by <c>tests/goldens/gen_&lt;area&gt;.py</c> with
/// Debian's python3-torch and committed. A test project copies the files it reads to <c>goldens/</c> in its output
/// folder (a <c>None</c> item with <c>LinkBase="goldens"</c> in its .csproj). Each area's file is read once per run.
/// </summary>
public static class Goldens
{
    private static readonly Dictionary<string, Dictionary<string, Tensor>> Cache = new();
    private static readonly object Gate = new();

    /// <summary>Where the goldens of <paramref name="area"/> are in the test output folder.</summary>
    /// <param name="area">The file's name without extension, e.g. <c>"nn"</c>.</param>
    /// <returns>The full path of <c>goldens/&lt;area&gt;.safetensors</c> next to the test assembly.</returns>
    public static string PathOf(string area) => Path.Combine(AppContext.BaseDirectory, "goldens", area + ".safetensors");

    private static Dictionary<string, Tensor> Load(string area)
    {
        lock (Gate)
        {
            if (!Cache.TryGetValue(area, out var file))
            {
                file = SafeTensors.Load(PathOf(area));
                // Cached for the whole run: they must not belong to the caller's dispose scope.
                foreach (var g in file.Values) g.DetachFromScope();
                Cache[area] = file;
            }
            return file;
        }
    }

    /// <summary>
    /// The golden tensor <paramref name="name"/> of <paramref name="area"/>: a fresh detached handle owned by the
    /// caller (or the current scope). It shares the cached storage but not autograd state, so
    /// <c>RequiresGrad_</c> on it leaks nowhere.
    /// </summary>
    /// <param name="area">The goldens file, e.g. <c>"nn"</c> for tests/goldens/nn.safetensors.</param>
    /// <param name="name">The tensor's name in that file.</param>
    /// <returns>A new handle to the golden.</returns>
    /// <exception cref="KeyNotFoundException">The file has no tensor <paramref name="name"/>.</exception>
    public static Tensor Get(string area, string name) =>
        Load(area).TryGetValue(name, out var t) ? t.Detach()
            : throw new KeyNotFoundException(
                $"golden '{name}' not in {area}.safetensors; regenerate with `make goldens` (or /usr/bin/python3 tests/goldens/gen_{area}.py)");

    /// <summary>True when <paramref name="area"/> has a golden named <paramref name="name"/>.</summary>
    /// <param name="area">The goldens file.</param>
    /// <param name="name">The tensor's name in that file.</param>
    /// <returns>Whether the golden exists.</returns>
    public static bool Has(string area, string name) => Load(area).ContainsKey(name);

    /// <summary>Every golden of <paramref name="area"/> whose name starts with <paramref name="prefix"/>, keyed by the
    /// rest of the name; each a fresh detached handle as from <see cref="Get"/>.</summary>
    /// <param name="area">The goldens file.</param>
    /// <param name="prefix">The common start of the names (e.g. <c>"vae.sd."</c>).</param>
    /// <returns>The matching goldens, keyed by name less <paramref name="prefix"/>.</returns>
    public static Dictionary<string, Tensor> WithPrefix(string area, string prefix) =>
        Load(area).Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(e => e.Key[prefix.Length..], e => e.Value.Detach());

    /// <summary>
    /// Asserts equal shapes and elementwise closeness like torch.allclose: |expected − actual| ≤ atol + rtol·|expected|,
    /// reporting the worst element. A NaN is accepted only where both tensors have NaN.
    /// </summary>
    /// <param name="expected">The golden.</param>
    /// <param name="actual">Our result.</param>
    /// <param name="rtol">Relative tolerance.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="what">What is compared, for the failure message.</param>
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
