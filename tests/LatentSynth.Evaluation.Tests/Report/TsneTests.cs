using LatentSynth.Evaluation.Report;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Report;

using Torch = LatentSynth.Torch.Torch;

public class TsneTests
{
    /// <summary>Three tight Gaussian clusters in 10-D, well apart.</summary>
    private static (double[] Data, int[] Labels) Clusters(int perCluster, int seed = 5)
    {
        const int d = 10;
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var data = new double[3 * perCluster * d];
        var labels = new int[3 * perCluster];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < perCluster; i++)
            {
                int row = c * perCluster + i;
                labels[row] = c;
                for (int j = 0; j < d; j++) data[row * d + j] = (j == c ? 8.0 : 0.0) + Gauss();
            }
        return (data, labels);
    }

    [Fact]
    public void EachPointsBandwidthMeetsThePerplexity()
    {
        var (data, _) = Clusters(20);
        int n = 60, d = 10;
        using var x = Tensor.From(data, n, d);
        var (p, sigmas) = Tsne.JointProbabilities(x, perplexity: 12);
        using (p)
        {
            // Recompute each conditional distribution by hand from σ_i and check 2^H = perplexity (H in bits).
            for (int i = 0; i < n; i++)
            {
                var w = new double[n];
                double z = 0;
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double dist = 0;
                    for (int k = 0; k < d; k++) dist += Math.Pow(data[i * d + k] - data[j * d + k], 2);
                    w[j] = Math.Exp(-dist / (2 * sigmas[i] * sigmas[i]));
                    z += w[j];
                }
                double h = 0;
                for (int j = 0; j < n; j++) if (w[j] > 0) { double q = w[j] / z; h -= q * Math.Log2(q); }
                // Bisection to float64 resolution: the perplexity is met to 1e-6 relative.
                Assert.Equal(12.0, Math.Pow(2, h), 5);
            }
            var pa = p.ToArray<double>();
            Assert.Equal(1.0, pa.Sum(), 10);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(0.0, pa[i * n + i]);
                for (int j = 0; j < i; j++) Assert.Equal(pa[i * n + j], pa[j * n + i], 15);
            }
        }
    }

    [Fact]
    public void TheGradientEqualsAutogradOfTheKlDivergence()
    {
        var (data, _) = Clusters(6);
        int n = 18;
        using var scope = Torch.NewScope();
        var x = Tensor.From(data, n, 10);
        var (p, _) = Tsne.JointProbabilities(x, perplexity: 4);
        using var g = new Generator(3);
        var y = Torch.Randn([n, 2], DType.Float64, generator: g).RequiresGrad_();
        var off = Torch.Ones([n, n], DType.Float64).Sub(Torch.Eye(n, dtype: DType.Float64));
        // KL(P ‖ Q) written directly with autograd: Q from Student-t kernels normalised over i ≠ j.
        var sq = y.Square().Sum(1, keepDim: true);
        var d2 = sq.Add(sq.T).Sub(y.Matmul(y.T).Mul(2.0));
        var num = d2.Add(1.0).Reciprocal().Mul(off);
        var q = num.Div(num.Sum());
        var eye = Torch.Eye(n, dtype: DType.Float64);
        var kl = p.Mul(p.Add(eye).Log().Sub(q.Add(eye).Log())).Sum();
        kl.Backward();
        var expected = y.Grad!.ToArray<double>();
        var (grad, value) = Tsne.Gradient(p, y.Detach(), off, 1);
        var actual = grad.ToArray<double>();
        // Two float64 evaluations of the same quantity in different orders: agree to 1e-12 relative.
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * scale, $"element {i}: {expected[i]} vs {actual[i]}");
        Assert.Equal(kl.Item(), value, 12);
    }

    [Fact]
    public void SeparatedClustersStaySeparatedAndTheRunIsDeterministic()
    {
        var (data, labels) = Clusters(25);
        int n = 75;
        using var x = Tensor.From(data, n, 10);
        var options = new TsneOptions { Perplexity = 10, Iterations = 400, ExaggerationIterations = 100 };
        var a = Tsne.Fit(x, options);
        var b = Tsne.Fit(x, options);
        for (int i = 0; i < n; i++) Assert.Equal(a.Points[i], b.Points[i]);
        // Every point's 5 nearest map neighbours are from its own cluster.
        int agree = 0, total = 0;
        for (int i = 0; i < n; i++)
        {
            var near = Enumerable.Range(0, n).Where(j => j != i)
                .OrderBy(j => Math.Pow(a.Points[i][0] - a.Points[j][0], 2) + Math.Pow(a.Points[i][1] - a.Points[j][1], 2)).Take(5);
            foreach (var j in near) { total++; if (labels[j] == labels[i]) agree++; }
        }
        Assert.Equal(total, agree);
        // The fitted map is far more faithful than the initial (nearly collapsed) one: KL well below log N.
        Assert.True(a.KlDivergence < 0.5 * Math.Log(n), $"KL {a.KlDivergence}");
        Assert.All(a.Points, pt => Assert.True(double.IsFinite(pt[0]) && double.IsFinite(pt[1])));
    }

    [Fact]
    public void BadInputIsRefusedWithAMessage()
    {
        using var x = Torch.Randn(10, 3);
        var e = Assert.Throws<ArgumentException>(() => Tsne.Fit(x, new TsneOptions { Perplexity = 30 }));
        Assert.Contains("perplexity", e.Message);
        using var one = Torch.Randn(10);
        Assert.Throws<ArgumentException>(() => Tsne.Fit(one));
        using var nan = Torch.FullLike(Torch.Zeros(10, 2), double.NaN);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => Tsne.Fit(nan, new TsneOptions { Perplexity = 2 })).Message);
    }
}
