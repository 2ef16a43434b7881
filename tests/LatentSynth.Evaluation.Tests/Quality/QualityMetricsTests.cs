using LatentSynth.Evaluation.Quality;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Quality;

using Torch = LatentSynth.Torch.Torch;

public class QualityMetricsTests
{
    private static Tensor Rows(double[,] values)
    {
        int n = values.GetLength(0), d = values.GetLength(1);
        var flat = new double[n * d];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return Tensor.From(flat, n, d);
    }

    [Fact]
    public void FrechetDistanceOfASetWithItselfIsZero()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(3);
        // Correlated features, fewer rows than dimensions (rank-deficient covariance, as with small sample counts).
        var x = Torch.Randn([40, 16], generator: g).Mm(Torch.Randn([16, 64], generator: g)).Relu();
        Assert.InRange(QualityMetrics.FrechetDistance(x, x), 0, 1e-8);
        var y = Torch.Randn([500, 8], generator: g);
        Assert.InRange(QualityMetrics.FrechetDistance(y, y), 0, 1e-8);
        Assert.True(QualityMetrics.FrechetDistance(y, y + 0.5) > 0.5 * 8 * 0.25 * 0.99);
    }

    [Fact]
    public void FrechetDistanceMatchesTheClosedFormForGaussians()
    {
        using var scope = Torch.NewScope();
        double[] mu1 = [0.5, -1, 2], mu2 = [1, 0, 2.5], a = [4, 1, 0.25], b = [1, 9, 0.25];
        var diagA = Torch.Eye(3, dtype: DType.Float64) * Tensor.From(a, 3);
        var diagB = Torch.Eye(3, dtype: DType.Float64) * Tensor.From(b, 3);
        double expected = Enumerable.Range(0, 3).Sum(i => Math.Pow(Math.Sqrt(a[i]) - Math.Sqrt(b[i]), 2) + Math.Pow(mu1[i] - mu2[i], 2));
        using (var ma = new GaussianMoments(Tensor.From(mu1, 3), diagA))
        using (var mb = new GaussianMoments(Tensor.From(mu2, 3), diagB))
            // Exact moments: only float64 round-off separates the two (eigendecompositions of 3×3 matrices).
            Assert.Equal(expected, QualityMetrics.FrechetDistance(ma, mb), 10);

        // The same covariances turned by a common rotation: the distance is rotation invariant.
        double t = 0.7;
        var rot = Rows(new[,] { { Math.Cos(t), -Math.Sin(t), 0 }, { Math.Sin(t), Math.Cos(t), 0 }, { 0, 0, 1 } });
        using (var ma = new GaussianMoments(rot.Mm(Tensor.From(mu1, 3).Unsqueeze(1)).Flatten(), rot.Mm(diagA).Mm(rot.Transpose(0, 1))))
        using (var mb = new GaussianMoments(rot.Mm(Tensor.From(mu2, 3).Unsqueeze(1)).Flatten(), rot.Mm(diagB).Mm(rot.Transpose(0, 1))))
            Assert.Equal(expected, QualityMetrics.FrechetDistance(ma, mb), 9);

        // Sampled Gaussian features with those moments approach the closed form (20000 rows: a few % sampling error).
        using var g = new Generator(5);
        var za = Torch.Randn([20000, 3], DType.Float64, generator: g) * Tensor.From(a.Select(Math.Sqrt).ToArray(), 3) + Tensor.From(mu1, 3);
        var zb = Torch.Randn([20000, 3], DType.Float64, generator: g) * Tensor.From(b.Select(Math.Sqrt).ToArray(), 3) + Tensor.From(mu2, 3);
        Assert.InRange(QualityMetrics.FrechetDistance(za, zb), expected * 0.95, expected * 1.05);

        using var wrong = new GaussianMoments(Torch.Zeros([2], DType.Float64), Torch.Eye(2, dtype: DType.Float64));
        using var three = new GaussianMoments(Tensor.From(mu1, 3), diagA);
        Assert.Throws<ArgumentException>(() => QualityMetrics.FrechetDistance(wrong, three));
        Assert.Throws<ArgumentException>(() => new GaussianMoments(Torch.Zeros(3), Torch.Zeros(2, 2)));
    }

    [Fact]
    public void InceptionScoreIsOneForIdenticalAndClassCountForConfidentSpreadPredictions()
    {
        using var scope = Torch.NewScope();
        var same = Tensor.From(new[] { 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f }, 3, 3);
        var s = QualityMetrics.Predictions(same);
        Assert.Equal(1.0, s.InceptionScore, 6);
        Assert.Equal(0.5, s.MeanConfidence, 6);
        double h = -(0.2 * Math.Log(0.2) + 0.5 * Math.Log(0.5) + 0.3 * Math.Log(0.3));
        Assert.Equal(h, s.MeanEntropy, 6);
        Assert.Equal(h, s.MarginalEntropy, 6);

        // One-hot predictions spread evenly over 4 classes (exact zeros included).
        var onehot = Torch.Cat(Enumerable.Range(0, 5).Select(_ => Torch.Eye(4)).ToList(), 0);
        var c = QualityMetrics.Predictions(onehot);
        Assert.Equal(4.0, c.InceptionScore, 9);
        Assert.Equal(1.0, c.MeanConfidence, 9);
        Assert.Equal(0.0, c.MeanEntropy, 9);
        Assert.Equal(Math.Log(4), c.MarginalEntropy, 9);

        Assert.Throws<ArgumentException>(() => QualityMetrics.Predictions(Torch.Zeros(3)));
    }

    [Fact]
    public void DataSpaceMmdIsNearZeroForOneDistributionAndLargerForAShift()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(11);
        var x = Torch.Rand([200, 1, 4, 4], generator: g);
        var y = Torch.Rand([200, 1, 4, 4], generator: g);
        var shifted = (Torch.Rand([200, 1, 4, 4], generator: g) + 0.3).ClampMax(1.0);
        var same = QualityMetrics.Mmd(x, y);
        var far = QualityMetrics.Mmd(x, shifted);
        Assert.True(Math.Abs(same.Mmd2) < 0.01, $"same distribution: {same.Mmd2}");
        Assert.True(far.Mmd2 > 10 * Math.Max(Math.Abs(same.Mmd2), 1e-3), $"shifted {far.Mmd2} vs same {same.Mmd2}");
        Assert.True(same.Bandwidth > 0);
        // A set against itself: the unbiased estimate is 2S/(m²(m−1)) − 2/m with S = Σ_{i≠j} k ≤ m(m−1), so never above 0.
        Assert.True(QualityMetrics.Mmd(x, x, 1.0).Mmd2 <= 1e-12);
        Assert.Throws<ArgumentException>(() => QualityMetrics.Mmd(x, Torch.Rand(5, 3)));
        Assert.Throws<ArgumentException>(() => QualityMetrics.Mmd(x, y, 0));
        Assert.Throws<ArgumentException>(() => QualityMetrics.Mmd(x.Narrow(0, 0, 1), y));
    }
}
