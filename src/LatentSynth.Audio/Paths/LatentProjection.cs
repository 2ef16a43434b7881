using System.Globalization;
using LatentSynth.Evaluation.Report;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Paths;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A linear map from the latent space to a 2-D picture plane: x = (z − Origin)·AxisX, y = (z − Origin)·AxisY,
/// with orthonormal axes. Built from the first two principal components of a set of codes
/// (<see cref="FromPca"/>, via <see cref="Pca"/>) or from two latent dimensions (<see cref="FromDims"/>).
/// </summary>
public sealed class LatentProjection
{
    LatentProjection(double[] origin, double[] axisX, double[] axisY, string xLabel, string yLabel)
    {
        Origin = origin; AxisX = axisX; AxisY = axisY; XLabel = xLabel; YLabel = yLabel;
    }

    /// <summary>The point that maps to (0, 0) [d] (the codes' mean for PCA, zero for dimensions).</summary>
    public IReadOnlyList<double> Origin { get; }
    /// <summary>The latent direction drawn horizontally, unit length [d].</summary>
    public IReadOnlyList<double> AxisX { get; }
    /// <summary>The latent direction drawn vertically, unit length [d].</summary>
    public IReadOnlyList<double> AxisY { get; }
    /// <summary>Label of the x axis (e.g. "PC1 (61.2 % of variance)" or "z[0]").</summary>
    public string XLabel { get; }
    /// <summary>Label of the y axis.</summary>
    public string YLabel { get; }
    /// <summary>The latent dimension d.</summary>
    public int LatentDim => Origin.Count;

    /// <summary>The plane of the first two principal components of <paramref name="codes"/> ([N, d], N ≥ 2, d ≥ 2),
    /// centred on their mean.</summary>
    /// <exception cref="ArgumentException">codes is not a finite [N, d] tensor with N ≥ 2 and d ≥ 2.</exception>
    public static LatentProjection FromPca(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Dim != 2 || codes.Size(0) < 2 || codes.Size(1) < 2)
            throw new ArgumentException($"codes must be [N, d] with at least 2 points and 2 dimensions for a PCA plane; got [{string.Join(", ", codes.Shape)}]", nameof(codes));
        PcaResult pca;
        try { pca = Pca.Fit(codes, 2); }
        catch (ArgumentException e) { throw new ArgumentException($"codes: {e.Message}", nameof(codes), e); }
        string L(int k) => string.Format(CultureInfo.InvariantCulture, "PC{0} ({1:0.0} % of variance)", k + 1, 100 * pca.ExplainedVarianceRatio[k]);
        return new LatentProjection(pca.Mean, pca.Components[0], pca.Components[1], L(0), L(1));
    }

    /// <summary>Latent dimensions <paramref name="dimA"/> (horizontal) and <paramref name="dimB"/> (vertical) of a
    /// <paramref name="latentDim"/>-dimensional space, origin at zero.</summary>
    /// <exception cref="ArgumentException">latentDim &lt; 2, a dimension is outside 0..latentDim−1, or the two are equal.</exception>
    public static LatentProjection FromDims(int latentDim, int dimA, int dimB)
    {
        if (latentDim < 2) throw new ArgumentException($"latentDim must be at least 2 for a plane; got {latentDim}", nameof(latentDim));
        if (dimA < 0 || dimA >= latentDim) throw new ArgumentException($"dimA must be in 0..{latentDim - 1}; got {dimA}", nameof(dimA));
        if (dimB < 0 || dimB >= latentDim) throw new ArgumentException($"dimB must be in 0..{latentDim - 1}; got {dimB}", nameof(dimB));
        if (dimA == dimB) throw new ArgumentException($"dimA and dimB must differ; both are {dimA}", nameof(dimB));
        var u = new double[latentDim]; u[dimA] = 1;
        var v = new double[latentDim]; v[dimB] = 1;
        return new LatentProjection(new double[latentDim], u, v, $"z[{dimA}]", $"z[{dimB}]");
    }

    /// <summary>The plane coordinates of the rows of <paramref name="points"/> ([N, d]).</summary>
    /// <exception cref="ArgumentException">points is not a finite [N, d] tensor of this projection's d.</exception>
    public (double X, double Y)[] Project(Tensor points)
    {
        var m = LatentPaths.Matrix(points, nameof(points));
        int n = m.GetLength(0), d = m.GetLength(1);
        if (d != LatentDim) throw new ArgumentException($"points have {d} latent dimensions but the projection has {LatentDim}", nameof(points));
        var r = new (double, double)[n];
        for (int i = 0; i < n; i++)
        {
            double x = 0, y = 0;
            for (int j = 0; j < d; j++) { double c = m[i, j] - Origin[j]; x += c * AxisX[j]; y += c * AxisY[j]; }
            r[i] = (x, y);
        }
        return r;
    }

    /// <summary>The latent point of plane coordinates (x, y): Origin + x·AxisX + y·AxisY, [d] float32
    /// (the inverse of <see cref="Project"/> for points in the plane).</summary>
    public Tensor Unproject(double x, double y)
    {
        var z = new float[LatentDim];
        for (int j = 0; j < LatentDim; j++) z[j] = (float)(Origin[j] + x * AxisX[j] + y * AxisY[j]);
        return Tensor.From(z, LatentDim);
    }
}
