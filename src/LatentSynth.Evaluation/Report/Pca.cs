using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Report;


/// <summary>A principal-component projection of a set of vectors.</summary>
/// <param name="Mean">The per-dimension mean that was subtracted [D].</param>
/// <param name="Components">The principal directions, unit length, largest variance first ([k][D]);
/// each is signed so that its largest-magnitude entry is positive (a deterministic choice).</param>
/// <param name="ExplainedVariance">The variance along each component (eigenvalue of the covariance, divisor N − 1).</param>
/// <param name="ExplainedVarianceRatio">Each component's share of the total variance (0..1).</param>
/// <param name="Projected">The centred inputs projected on the components ([N][k]).</param>
public sealed record PcaResult(double[] Mean, double[][] Components, double[] ExplainedVariance,
    double[] ExplainedVarianceRatio, double[][] Projected);

/// <summary>Principal component analysis via the eigen-decomposition of the D×D covariance
/// (<see cref="Linalg.Eigh"/>): cheap for many points of modest dimension (latent codes).</summary>
public static class Pca
{
    /// <summary>Projects the rows of <paramref name="data"/> ([N, D], any floating dtype) on their top
    /// <paramref name="components"/> principal directions.</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D, has fewer than 2 rows, or components is not in 1..D.</exception>
    public static PcaResult Fit(Tensor data, int components = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        var shape = data.Shape;
        if (shape.Length != 2) throw new ArgumentException($"PCA needs a 2-D tensor [N, D]; got [{string.Join(", ", shape)}]", nameof(data));
        using var d = data.To(DType.Float64);
        using var c = d.Contiguous();
        return Fit(c.ToArray<double>(), (int)shape[0], (int)shape[1], components);
    }

    /// <summary>Projects <paramref name="n"/> row-major vectors of length <paramref name="d"/> on their top
    /// <paramref name="components"/> principal directions.</summary>
    /// <exception cref="ArgumentException">Sizes do not match, fewer than 2 rows, a value is not finite,
    /// or components is not in 1..d.</exception>
    public static PcaResult Fit(ReadOnlySpan<double> data, int n, int d, int components = 2)
    {
        if (n < 2) throw new ArgumentException($"PCA needs at least 2 points; got {n}", nameof(n));
        if (d < 1) throw new ArgumentException($"PCA needs at least 1 dimension; got {d}", nameof(d));
        if (data.Length != (long)n * d) throw new ArgumentException($"{data.Length} values do not make {n} rows of {d}", nameof(data));
        if (components < 1 || components > d) throw new ArgumentException($"components must be in 1..{d}; got {components}", nameof(components));
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double v = data[i * d + j];
                if (!double.IsFinite(v)) throw new ArgumentException($"row {i}, column {j} is {v}: PCA needs finite values", nameof(data));
                mean[j] += v;
            }
        for (int j = 0; j < d; j++) mean[j] /= n;
        // Covariance (divisor N − 1), accumulated in double.
        var cov = new double[d * d];
        var row = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = data[i * d + j] - mean[j];
            for (int a = 0; a < d; a++)
            {
                double ra = row[a];
                if (ra == 0) continue;
                for (int b = a; b < d; b++) cov[a * d + b] += ra * row[b];
            }
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++)
            {
                cov[a * d + b] /= n - 1;
                cov[b * d + a] = cov[a * d + b];
            }
        double[] values, vectors;
        using (var ct = Tensor.From(cov, d, d))
        {
            var (w, v) = Linalg.Eigh(ct);
            using (w) using (v) { values = w.ToArray<double>(); vectors = v.ToArray<double>(); }
        }
        double total = 0;
        foreach (var x in values) total += Math.Max(0, x);
        var comps = new double[components][];
        var variance = new double[components];
        var ratio = new double[components];
        for (int k = 0; k < components; k++)
        {
            int col = d - 1 - k; // eigh sorts ascending
            var u = new double[d];
            int argmax = 0;
            for (int j = 0; j < d; j++)
            {
                u[j] = vectors[j * d + col];
                if (Math.Abs(u[j]) > Math.Abs(u[argmax])) argmax = j;
            }
            if (u[argmax] < 0) for (int j = 0; j < d; j++) u[j] = -u[j];
            comps[k] = u;
            variance[k] = Math.Max(0, values[col]);
            ratio[k] = total > 0 ? variance[k] / total : 0;
        }
        var projected = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var p = new double[components];
            for (int k = 0; k < components; k++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * comps[k][j];
                p[k] = s;
            }
            projected[i] = p;
        }
        return new PcaResult(mean, comps, variance, ratio, projected);
    }
}
