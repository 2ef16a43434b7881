using LatentSynth.Evaluation.Report;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Report;

using Torch = LatentSynth.Torch.Torch;

public class PcaTests
{
    [Fact]
    public void RecoversADominantDirectionAndItsVariance()
    {
        const int n = 600, d = 6;
        var rng = new Random(11);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var u = Enumerable.Range(0, d).Select(_ => Gauss()).ToArray();
        double norm = Math.Sqrt(u.Sum(x => x * x));
        for (int j = 0; j < d; j++) u[j] /= norm;
        var data = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            double t = 5 * Gauss();
            for (int j = 0; j < d; j++) data[i * d + j] = 3 + t * u[j] + 0.3 * Gauss();
        }
        var pca = Pca.Fit(data, n, d);
        double cos = Enumerable.Range(0, d).Sum(j => pca.Components[0][j] * u[j]);
        Assert.True(Math.Abs(cos) > 0.99, $"|cos| = {Math.Abs(cos)}");
        // Unit, orthogonal components.
        Assert.Equal(1, pca.Components[1].Sum(x => x * x), 9);
        Assert.Equal(0, Enumerable.Range(0, d).Sum(j => pca.Components[0][j] * pca.Components[1][j]), 9);
        // The explained variance is the sample variance (N − 1) of the projection; signal 25 vs noise 0.09 per axis.
        var p0 = pca.Projected.Select(p => p[0]).ToArray();
        double var0 = p0.Sum(x => x * x) / (n - 1);     // projections of centred data have mean 0
        Assert.Equal(var0, pca.ExplainedVariance[0], 1e-9 * var0);
        Assert.InRange(pca.ExplainedVarianceRatio[0], 0.97, 1.0);
        Assert.True(pca.ExplainedVarianceRatio[1] < 0.02);
        Assert.Equal(3, pca.Mean.Average(), 0.5);
    }

    [Fact]
    public void ExactVarianceOnAKnownCross()
    {
        // Points (±3, 0), (0, ±1): covariance diag(6, 2/3), so ratios 0.9 and 0.1, components the axes.
        double[] data = [3, 0, -3, 0, 0, 1, 0, -1];
        var pca = Pca.Fit(data, 4, 2);
        Assert.Equal(6, pca.ExplainedVariance[0], 12);
        Assert.Equal(2.0 / 3, pca.ExplainedVariance[1], 12);
        Assert.Equal(0.9, pca.ExplainedVarianceRatio[0], 12);
        Assert.Equal([1.0, 0.0], pca.Components[0].Select(x => Math.Round(x, 12)));
        Assert.Equal([3.0, 0.0], pca.Projected[0].Select(x => Math.Round(x, 12) + 0.0));
        var map = LatentMap.FromPca(pca, [0, 0, 1, 1]);
        Assert.Equal("PC1 (90.0 % of variance)", map.XLabel);
        Assert.Equal("PC2 (10.0 % of variance)", map.YLabel);
        Assert.Contains("100.0 %", map.Note);
    }

    [Fact]
    public void FitsATensorAndRefusesBadInput()
    {
        using var x = Tensor.From(new float[] { 3, 0, -3, 0, 0, 1, 0, -1 }, 4, 2);
        var pca = Pca.Fit(x);
        Assert.Equal(6, pca.ExplainedVariance[0], 5);
        using var bad = Torch.Zeros(2, 2, 2);
        Assert.Contains("2-D", Assert.Throws<ArgumentException>(() => Pca.Fit(bad)).Message);
        Assert.Contains("at least 2 points", Assert.Throws<ArgumentException>(() => Pca.Fit(new double[] { 1, 2 }, 1, 2)).Message);
        Assert.Contains("components", Assert.Throws<ArgumentException>(() => Pca.Fit(new double[] { 1, 2, 3, 4 }, 2, 2, 3)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => Pca.Fit(new double[] { 1, double.NaN, 3, 4 }, 2, 2)).Message);
    }
}
