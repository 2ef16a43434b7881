using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Quality;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Summary of a classifier's predictions p(y|x) over a set of samples.</summary>
/// <param name="MeanConfidence">Mean of max_y p(y|x): how sure the classifier is about each sample.</param>
/// <param name="MeanEntropy">Mean of H[p(y|x)] in nats (low: recognisable samples).</param>
/// <param name="MarginalEntropy">H[p(y)] of the average prediction p(y) = E_x p(y|x) in nats (high: classes well spread).</param>
/// <param name="InceptionScore">exp(E_x KL(p(y|x) ‖ p(y))), between 1 and the number of classes.</param>
public sealed record PredictionStatistics(double MeanConfidence, double MeanEntropy, double MarginalEntropy, double InceptionScore);

/// <summary>Mean [d] and covariance [d, d] (float64) of a set of feature vectors.</summary>
public sealed class GaussianMoments : IDisposable
{
    /// <summary>Takes ownership of <paramref name="mean"/> and <paramref name="covariance"/> (converted to float64).</summary>
    /// <exception cref="ArgumentException">Shapes are not [d] and [d, d].</exception>
    public GaussianMoments(Tensor mean, Tensor covariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        var ms = mean.Shape;
        var cs = covariance.Shape;
        if (ms.Length != 1 || cs.Length != 2 || cs[0] != ms[0] || cs[1] != ms[0])
            throw new ArgumentException($"moments need a mean [d] and a covariance [d, d], got [{string.Join(", ", ms)}] and [{string.Join(", ", cs)}]", nameof(covariance));
        Mean = mean.To(DType.Float64).DetachFromScope();
        Covariance = covariance.To(DType.Float64).DetachFromScope();
    }

    /// <summary>Mean, float64 [d].</summary>
    public Tensor Mean { get; }

    /// <summary>Covariance, float64 [d, d].</summary>
    public Tensor Covariance { get; }

    /// <summary>Sample mean and unbiased (N − 1) covariance of <paramref name="features"/> [N, d], in float64.</summary>
    /// <exception cref="ArgumentException">Not [N, d] with N ≥ 2.</exception>
    public static GaussianMoments Of(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var s = features.Shape;
        if (s.Length != 2 || s[0] < 2)
            throw new ArgumentException($"features must be [N, d] with at least 2 rows, got [{string.Join(", ", s)}]", nameof(features));
        using var scope = Torch.NewScope();
        var x = features.Detach().To(DType.Float64);
        var mean = x.Mean(0);
        var centred = x - mean;
        var cov = centred.Transpose(0, 1).Mm(centred) / (double)(s[0] - 1);
        return new GaussianMoments(mean, cov);
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}

/// <summary>
/// Sample-quality metrics: prediction statistics and the Inception-score analogue, the Fréchet
/// distance between feature sets (FID analogue) and a data-space MMD.
/// </summary>
public static class QualityMetrics
{
    /// <summary>
    /// Statistics of class probabilities <paramref name="probabilities"/> [N, classes] (rows sum to 1),
    /// computed in float64.
    /// </summary>
    /// <exception cref="ArgumentException">Not [N, classes] with N ≥ 1.</exception>
    public static PredictionStatistics Predictions(Tensor probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var s = probabilities.Shape;
        if (s.Length != 2 || s[0] < 1 || s[1] < 1)
            throw new ArgumentException($"probabilities must be [N, classes] with N ≥ 1, got [{string.Join(", ", s)}]", nameof(probabilities));
        using var scope = Torch.NewScope();
        var p = probabilities.Detach().To(DType.Float64);
        // p·log p with 0·log 0 = 0: the clamp only guards log(0), whose product with p = 0 vanishes.
        var logP = p.ClampMin(1e-300).Log();
        var confidence = p.Max(1).Values.Mean().Item();
        var entropy = -(p * logP).Sum(1).Mean().Item();
        var marginal = p.Mean(0);
        var logMarginal = marginal.ClampMin(1e-300).Log();
        var marginalEntropy = -(marginal * logMarginal).Sum().Item();
        // Inception score, Salimans et al. 2016 (Improved Techniques for Training GANs), §4: exp(E_x KL(p(y|x) ‖ p(y))).
        var kl = (p * (logP - logMarginal)).Sum(1).Mean().Item();
        return new PredictionStatistics(confidence, entropy, marginalEntropy, Math.Exp(kl));
    }

    /// <summary>Fréchet distance between the Gaussians fitted to feature sets <paramref name="a"/> and <paramref name="b"/> ([N, d], [M, d]).</summary>
    public static double FrechetDistance(Tensor a, Tensor b)
    {
        using var ma = GaussianMoments.Of(a);
        using var mb = GaussianMoments.Of(b);
        return FrechetDistance(ma, mb);
    }

    /// <summary>
    /// Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2) (Heusel et al. 2017, Eq. 6 — the FID when the
    /// moments are of Inception features): ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2}),
    /// in float64.
    /// </summary>
    /// <remarks>
    /// The usual formula has Tr((Σ1 Σ2)^{1/2}). Σ1 Σ2 is not symmetric, and its general matrix square
    /// root (Schur based) can come out with spurious imaginary parts for near-singular covariances.
    /// Σ1 Σ2 is similar to Σ1^{1/2} Σ2 Σ1^{1/2} (conjugate by Σ1^{1/2}), so both have the same
    /// non-negative eigenvalues λ_i and the trace is Σ √λ_i; the symmetric form is positive
    /// semidefinite, so a symmetric eigendecomposition (<see cref="Linalg.Eigh"/>) gives real,
    /// stable eigenvalues. Round-off negatives (rank-deficient covariances, N ≤ d) are clamped to 0, and so is a
    /// distance that round-off makes slightly negative.
    /// </remarks>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public static double FrechetDistance(GaussianMoments a, GaussianMoments b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Mean.Size(0) != b.Mean.Size(0))
            throw new ArgumentException($"feature sizes differ: {a.Mean.Size(0)} and {b.Mean.Size(0)}", nameof(b));
        using var scope = Torch.NewScope();
        double meanTerm = (a.Mean - b.Mean).Square().Sum().Item();
        var rootA = SymmetricSqrt(a.Covariance);
        var inner = rootA.Mm(b.Covariance).Mm(rootA);
        inner = (inner + inner.Transpose(0, 1)) * 0.5;
        var (eigenvalues, _) = Linalg.Eigh(inner);
        double traceRoot = eigenvalues.ClampMin(0.0).Sqrt().Sum().Item();
        double trA = Trace(a.Covariance), trB = Trace(b.Covariance);
        return Math.Max(0, meanTerm + trA + trB - 2 * traceRoot);
    }

    /// <summary>Square root of a symmetric positive semidefinite matrix: V diag(√max(λ, 0)) Vᵀ.</summary>
    internal static Tensor SymmetricSqrt(Tensor m)
    {
        var sym = (m + m.Transpose(0, 1)) * 0.5;
        var (values, vectors) = Linalg.Eigh(sym);
        return (vectors * values.ClampMin(0.0).Sqrt().Unsqueeze(0)).Mm(vectors.Transpose(0, 1));
    }

    private static double Trace(Tensor m)
    {
        using var eye = Torch.Eye(m.Size(0), dtype: DType.Float64);
        using var diag = m * eye;
        using var sum = diag.Sum();
        return sum.Item();
    }

    /// <summary>
    /// Unbiased squared maximum mean discrepancy between samples <paramref name="x"/> [N, …] and
    /// <paramref name="y"/> [M, …] (flattened; float64) with the RBF kernel k(u, v) = exp(−‖u − v‖² / (2σ²)).
    /// σ is <paramref name="bandwidth"/> or, by default, the median heuristic: the median distance
    /// between distinct points of the pooled sample. Can be slightly negative when the distributions match.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 examples in a set, different item sizes, or a non-positive bandwidth.</exception>
    public static MmdResult Mmd(Tensor x, Tensor y, double? bandwidth = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        long m = x.Shape.Length > 0 ? x.Size(0) : 0, n = y.Shape.Length > 0 ? y.Size(0) : 0;
        if (m < 2 || n < 2) throw new ArgumentException($"MMD needs at least 2 examples in each set, got {m} and {n}", m < 2 ? nameof(x) : nameof(y));
        if (bandwidth is { } bw && !(bw > 0 && double.IsFinite(bw)))
            throw new ArgumentException($"MMD bandwidth must be a positive number, got {bw}", nameof(bandwidth));
        using var scope = Torch.NewScope();
        var a = x.Detach().To(DType.Float64).Reshape(m, -1);
        var b = y.Detach().To(DType.Float64).Reshape(n, -1);
        if (a.Size(1) != b.Size(1))
            throw new ArgumentException($"MMD samples differ in size: {a.Size(1)} and {b.Size(1)} values per example", nameof(y));
        var pooled = Torch.Cat([a, b], 0);
        var d2 = SquaredDistances(pooled, pooled);
        double sigma = bandwidth ?? MedianDistance(d2);
        if (!(sigma > 0)) sigma = 1; // all points equal: any bandwidth gives MMD 0.
        var k = (d2 / (-2 * sigma * sigma)).Exp();
        var kxx = k.Narrow(0, 0, m).Narrow(1, 0, m);
        var kyy = k.Narrow(0, m, n).Narrow(1, m, n);
        var kxy = k.Narrow(0, 0, m).Narrow(1, m, n);
        // Unbiased MMD², Gretton et al. 2012 (A Kernel Two-Sample Test, JMLR), Lemma 6 / Eq. 3: diagonal terms k(x_i, x_i) left out.
        double sxx = kxx.Sum().Item() - m, syy = kyy.Sum().Item() - n; // k(u, u) = 1 for the RBF kernel
        double value = sxx / (m * (m - 1.0)) + syy / (n * (n - 1.0)) - 2 * kxy.Sum().Item() / ((double)m * n);
        return new MmdResult(value, sigma);
    }

    private static Tensor SquaredDistances(Tensor a, Tensor b)
    {
        var na = a.Square().Sum(1).Unsqueeze(1);
        var nb = b.Square().Sum(1).Unsqueeze(0);
        return (na + nb - 2 * a.Mm(b.Transpose(0, 1))).ClampMin(0.0);
    }

    private static double MedianDistance(Tensor squaredDistances)
    {
        long p = squaredDistances.Size(0);
        using var upper = squaredDistances.Triu(1).Contiguous();
        var all = upper.ToArray<double>();
        var values = new double[p * (p - 1) / 2];
        long at = 0;
        for (long i = 0; i < p; i++)
            for (long j = i + 1; j < p; j++) values[at++] = all[i * p + j];
        Array.Sort(values);
        long c = values.Length;
        double med = c % 2 == 1 ? values[c / 2] : 0.5 * (values[c / 2 - 1] + values[c / 2]);
        return Math.Sqrt(med);
    }
}

/// <summary>An MMD estimate and the RBF bandwidth σ it used.</summary>
/// <param name="Mmd2">Unbiased estimate of MMD² (may be slightly negative).</param>
/// <param name="Bandwidth">σ of the RBF kernel.</param>
public sealed record MmdResult(double Mmd2, double Bandwidth);
