using LatentSynth.Torch;

namespace LatentSynth.Models.Regularizers;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A positive-definite kernel of the squared distance: k(x, y) = f(‖x − y‖², C) with bandwidth C.
/// </summary>
/// <param name="Name">Registry name (the value of <c>kernel</c>).</param>
/// <param name="Description">One line for help texts.</param>
/// <param name="Function">f(squared distances, C), elementwise.</param>
public sealed record KernelInfo(string Name, string Description, Func<Tensor, double, Tensor> Function);

/// <summary>The MMD kernels by name: "rbf" and "imq" are built in.</summary>
public static class KernelRegistry
{
    /// <summary>The underlying table.</summary>
    public static NamedRegistry<KernelInfo> Registry { get; } = CreateBuiltIns();

    private static NamedRegistry<KernelInfo> CreateBuiltIns()
    {
        var r = new NamedRegistry<KernelInfo>("kernel");
        void Add(KernelInfo k) => r.Register(k.Name, k, k.Description);
        // Gaussian RBF kernel exp(−‖x − y‖²/C) (Tolstikhin et al. 2018, §4).
        Add(new KernelInfo("rbf", "Gaussian RBF exp(-|x-y|^2 / C)", (d2, c) => d2.Div(-c).Exp()));
        // Inverse multiquadratic kernel C/(C + ‖x − y‖²) (Tolstikhin et al. 2018, §4).
        Add(new KernelInfo("imq", "inverse multiquadratic C / (C + |x-y|^2)", (d2, c) => d2.Add(c).Reciprocal().Mul(c)));
        return r;
    }

    /// <summary>Adds <paramref name="kernel"/> under its name.</summary>
    /// <exception cref="ArgumentException">The name is taken and <paramref name="replace"/> is false.</exception>
    public static void Register(KernelInfo kernel, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Registry.Register(kernel.Name, kernel, kernel.Description, replace);
    }

    /// <summary>The kernel called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static KernelInfo Get(string name) => Registry.Get(name);

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;
}

/// <summary>
/// Maximum mean discrepancy between two samples (Gretton et al. 2012) with a multi-scale kernel
/// k(x, y) = Σₛ f(‖x − y‖², s·C), as WAE-MMD uses it (Tolstikhin et al. 2018).
/// </summary>
public static class Mmd
{
    /// <summary>The scales s of Tolstikhin et al. 2018, §4: [0.1, 0.2, 0.5, 1, 2, 5, 10].</summary>
    public static IReadOnlyList<double> DefaultScales { get; } = [0.1, 0.2, 0.5, 1, 2, 5, 10];

    /// <summary>The base bandwidth C = 2·d·σ² for a d-dimensional prior with per-coordinate variance σ² (Tolstikhin et al. 2018, §4).</summary>
    public static double DefaultBandwidth(int dim, double priorVariance) => 2.0 * dim * priorVariance;

    /// <summary>‖aᵢ − bⱼ‖² for a [..., n, d] and b [..., m, d] → [..., n, m] (exact differences: the diagonal of a sample with itself is exactly 0).</summary>
    public static Tensor SquaredDistances(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = Torch.NewScope();
        return (a.Unsqueeze(-2) - b.Unsqueeze(-3)).Square().Sum(-1).MoveToOuterScope();
    }

    /// <summary>The multi-scale kernel matrix Σₛ f(D, s·C) of squared distances D.</summary>
    public static Tensor KernelMatrix(Tensor squaredDistances, KernelInfo kernel, double bandwidth, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(squaredDistances);
        ArgumentNullException.ThrowIfNull(kernel);
        CheckScales(bandwidth, scales);
        using var scope = Torch.NewScope();
        Tensor? sum = null;
        foreach (var s in scales)
        {
            var k = kernel.Function(squaredDistances, s * bandwidth);
            sum = sum is null ? k : sum + k;
        }
        return sum!.MoveToOuterScope();
    }

    /// <summary>
    /// MMD² between samples <paramref name="x"/> [..., n, d] and <paramref name="y"/> [..., m, d]
    /// (leading dimensions are batches of independent problems) → [...]. Unbiased: the U-statistic
    /// of Gretton et al. 2012, Lemma 6 (diagonal terms left out; can be negative); otherwise the
    /// biased V-statistic (all pairs).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, or fewer than 2 points per sample for the unbiased estimate.</exception>
    public static Tensor Compute(Tensor x, Tensor y, KernelInfo kernel, double bandwidth, IReadOnlyList<double>? scales = null, bool unbiased = true)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(kernel);
        scales ??= DefaultScales;
        CheckScales(bandwidth, scales);
        if (x.Dim < 2 || y.Dim != x.Dim || x.Size(-1) != y.Size(-1) || !x.Shape[..^2].AsSpan().SequenceEqual(y.Shape[..^2]))
            throw new ArgumentException($"MMD needs samples [..., n, d] and [..., m, d] with the same leading sizes and d, got [{string.Join(", ", x.Shape)}] and [{string.Join(", ", y.Shape)}]", nameof(y));
        long n = x.Size(-2), m = y.Size(-2);
        if (unbiased && (n < 2 || m < 2))
            throw new ArgumentException($"the unbiased MMD estimate needs at least 2 points in each sample, got {n} and {m}", nameof(x));
        if (n < 1 || m < 1) throw new ArgumentException("MMD needs non-empty samples", nameof(x));
        using var scope = Torch.NewScope();
        var kxx = KernelMatrix(SquaredDistances(x, x), kernel, bandwidth, scales);
        var kyy = KernelMatrix(SquaredDistances(y, y), kernel, bandwidth, scales);
        var kxy = KernelMatrix(SquaredDistances(x, y), kernel, bandwidth, scales);
        int[] last2 = [-2, -1];
        Tensor result;
        if (unbiased)
        {
            // MMD²_u = Σ_{i≠j} k(xᵢ,xⱼ)/(n(n−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(m(m−1)) − 2 Σ_{i,j} k(xᵢ,yⱼ)/(nm) (Gretton et al. 2012, Lemma 6).
            var sxx = kxx.Mul(OffDiagonal(n, x.DType)).Sum(last2).Div((double)(n * (n - 1)));
            var syy = kyy.Mul(OffDiagonal(m, y.DType)).Sum(last2).Div((double)(m * (m - 1)));
            var sxy = kxy.Sum(last2).Div((double)(n * m));
            result = sxx + syy - sxy.Mul(2.0);
        }
        else
        {
            // MMD²_b = Σ k(xᵢ,xⱼ)/n² + Σ k(yᵢ,yⱼ)/m² − 2 Σ k(xᵢ,yⱼ)/(nm) (Gretton et al. 2012, Eq. 5).
            var sxx = kxx.Sum(last2).Div((double)(n * n));
            var syy = kyy.Sum(last2).Div((double)(m * m));
            var sxy = kxy.Sum(last2).Div((double)(n * m));
            result = sxx + syy - sxy.Mul(2.0);
        }
        return result.MoveToOuterScope();
    }

    private static Tensor OffDiagonal(long n, DType dtype) => Torch.Eye(n, dtype: dtype).Neg().Add(1.0);

    private static void CheckScales(double bandwidth, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(scales);
        if (!(bandwidth > 0) || double.IsInfinity(bandwidth))
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "the kernel bandwidth C must be finite and > 0");
        if (scales.Count == 0 || scales.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException($"kernel scales must be a non-empty list of finite values > 0, got [{string.Join(", ", scales)}]", nameof(scales));
    }
}
