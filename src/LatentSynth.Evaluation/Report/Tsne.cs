using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Report;
using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of <see cref="Tsne.Fit(Tensor, TsneOptions?)"/>. The defaults are those of van der Maaten
/// &amp; Hinton (2008) §3.4 and of common practice (perplexity 30, 1000 iterations, early exaggeration 12 for
/// 250 iterations, momentum 0.5 then 0.8), with the learning rate chosen from N as Belkina et al. (2019)
/// propose (N / exaggeration / 4, at least 50), and a PCA initialisation (deterministic, and it keeps more
/// of the global layout than a random one: Kobak &amp; Linderman 2021).</summary>
public sealed record TsneOptions
{
    /// <summary>The effective number of neighbours each point's affinities are spread over (5..50 usual).</summary>
    public double Perplexity { get; init; } = 30;
    /// <summary>Gradient-descent iterations in all.</summary>
    public int Iterations { get; init; } = 1000;
    /// <summary>How long the affinities are multiplied by <see cref="Exaggeration"/> (the "early exaggeration" phase).</summary>
    public int ExaggerationIterations { get; init; } = 250;
    /// <summary>The early exaggeration factor.</summary>
    public double Exaggeration { get; init; } = 12;
    /// <summary>Learning rate; null: max(N / <see cref="Exaggeration"/> / 4, 50).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Seed of the tiny jitter added to the PCA initialisation (breaks ties between identical points).</summary>
    public ulong Seed { get; init; } = 0;

    /// <summary>Checks the settings against the number of points.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate(int n)
    {
        if (n < 4) throw new ArgumentException($"t-SNE needs at least 4 points; got {n}");
        if (!(Perplexity >= 1) || Perplexity > (n - 1) / 3.0)
            throw new ArgumentException($"perplexity must be in 1..(N - 1) / 3 = {(n - 1) / 3.0:0.#} for {n} points; got {Perplexity} (lower it or use more points)");
        if (Iterations < 1) throw new ArgumentException($"iterations must be ≥ 1; got {Iterations}");
        if (ExaggerationIterations < 0) throw new ArgumentException($"exaggeration iterations must be ≥ 0; got {ExaggerationIterations}");
        if (!(Exaggeration >= 1)) throw new ArgumentException($"exaggeration must be ≥ 1; got {Exaggeration}");
        if (LearningRate is double lr && !(lr > 0)) throw new ArgumentException($"learning rate must be > 0; got {lr}");
    }
}

/// <summary>A t-SNE embedding.</summary>
/// <param name="Points">2-D coordinates per input row ([N][2]).</param>
/// <param name="KlDivergence">KL(P ‖ Q) of the final embedding (without exaggeration): lower is a more faithful map.</param>
/// <param name="Sigmas">The Gaussian bandwidth found for each point (σ_i, in input units) to meet the perplexity.</param>
public sealed record TsneResult(double[][] Points, double KlDivergence, double[] Sigmas);

/// <summary>Exact t-SNE (van der Maaten &amp; Hinton 2008, "Visualizing data using t-SNE", JMLR 9): Gaussian
/// input affinities calibrated per point to a perplexity by bisection, symmetrised; Student-t (one degree
/// of freedom) affinities in 2-D; gradient descent on KL(P ‖ Q) with momentum and the per-coordinate
/// adaptive gains of Jacobs (1988) used by the reference implementation. O(N²) memory and time per
/// iteration, in float64 on libtorch: meant for the ≤ 2,000-point latent maps of the report (1,000 points:
/// a few seconds), not for large data sets (Barnes-Hut is not implemented).</summary>
public static class Tsne
{
    /// <summary>Embeds the rows of <paramref name="data"/> ([N, D]) in 2-D.</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D, holds non-finite values, or a setting is out of range.</exception>
    public static TsneResult Fit(Tensor data, TsneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new TsneOptions();
        if (data.Shape.Length != 2) throw new ArgumentException($"t-SNE needs a 2-D tensor [N, D]; got [{string.Join(", ", data.Shape)}]", nameof(data));
        int n = (int)data.Shape[0];
        options.Validate(n);
        using var outer = Torch.NewScope();
        var x = data.To(DType.Float64).Contiguous();
        if (!x.IsFinite().All().Item().Equals(1.0)) throw new ArgumentException("t-SNE needs finite values; the data holds NaN or infinity", nameof(data));
        var (p, sigmas) = JointProbabilities(x, options.Perplexity);

        // Initialisation: the first two principal components, scaled to a standard deviation of 1e-4
        // (the scale of the reference's random start), plus a 1e-8 jitter.
        var pca = Pca.Fit(x, Math.Min(2, (int)x.Shape[1]));
        var init = new double[n * 2];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 2; k++) init[i * 2 + k] = k < pca.Projected[i].Length ? pca.Projected[i][k] : 0;
        var y = Tensor.From(init, n, 2);
        using (var g = new Generator(options.Seed))
        {
            var std = y.Select(1, 0).Std(0).Item();
            y = y.Mul(std > 0 ? 1e-4 / std : 1.0).Add(Torch.Randn([n, 2], DType.Float64, generator: g).Mul(1e-8));
        }
        var velocity = Torch.ZerosLike(y);
        var gains = Torch.OnesLike(y);
        double lr = options.LearningRate ?? Math.Max(n / options.Exaggeration / 4, 50);
        var offDiagonal = Torch.Ones([n, n], DType.Float64).Sub(Torch.Eye(n, dtype: DType.Float64));
        for (int it = 0; it < options.Iterations; it++)
        {
            using var step = Torch.NewScope();
            double exaggeration = it < options.ExaggerationIterations ? options.Exaggeration : 1;
            double momentum = it < options.ExaggerationIterations ? 0.5 : 0.8;
            var (grad, _) = Gradient(p, y, offDiagonal, exaggeration);
            // Gains grow where the gradient and the last step disagree in sign and shrink where they agree
            // (the reference implementation's rule), floored at 0.01.
            var agree = grad.Sign().Eq(velocity.Sign());
            var newGains = Torch.Where(agree, gains.Mul(0.8), gains.Add(0.2)).ClampMin(0.01);
            gains.CopyFrom(newGains);
            velocity.CopyFrom(velocity.Mul(momentum).Sub(grad.Mul(gains).Mul(lr)));
            y.Add_(velocity);
            // Keep the map centred (the objective does not depend on a translation).
            y.Sub_(y.Mean(0, keepDim: true));
        }
        var (_, kl) = Gradient(p, y, offDiagonal, 1);
        var pts = y.ToArray<double>();
        var points = new double[n][];
        for (int i = 0; i < n; i++) points[i] = [pts[2 * i], pts[2 * i + 1]];
        return new TsneResult(points, kl, sigmas);
    }

    /// <summary>The symmetrised input affinities p_ij = (p_j|i + p_i|j) / 2N ([N, N], zero diagonal) with
    /// each conditional p_·|i a Gaussian over squared distances whose precision β_i = 1/(2σ_i²) is found
    /// by bisection so that 2^H(P_i) equals the perplexity (van der Maaten &amp; Hinton 2008, Eq. 1 and §3.1).
    /// All rows are searched at once, 64 halvings (far below float64 resolution of β).</summary>
    public static (Tensor P, double[] Sigmas) JointProbabilities(Tensor x, double perplexity)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = (int)x.Shape[0];
        Tensor p;
        double[] sigmas;
        using (var scope = Torch.NewScope())
        {
            var sq = x.Square().Sum(1, keepDim: true);
            var d = sq.Add(sq.T).Sub(x.Matmul(x.T).Mul(2.0)).ClampMin(0.0);
            var eye = Torch.Eye(n, dtype: DType.Float64).Gt(0.5);
            // Distances shifted by each row's smallest off-diagonal one: the entropy does not change and
            // exp() cannot underflow for every neighbour at once.
            var dOff = d.MaskedFill(eye, double.PositiveInfinity);
            var dShift = dOff.Sub(dOff.Min(1, keepDim: true).Values);
            double target = Math.Log(perplexity);
            var beta = Torch.Ones([n, 1], DType.Float64);
            var lo = Torch.Zeros([n, 1], DType.Float64);
            var hi = Torch.FullLike(beta, double.PositiveInfinity);
            var dFinite = dShift.MaskedFill(eye, 0.0);
            Tensor Conditional(Tensor b) => dShift.Mul(b).Neg().Exp();
            for (int i = 0; i < 64; i++)
            {
                using var s = Torch.NewScope();
                var w = Conditional(beta);
                var z = w.Sum(1, keepDim: true);
                // H = log Z + β Σ_j d_ij w_ij / Z (natural log), for the shifted distances.
                var h = z.Log().Add(beta.Mul(dFinite.Mul(w).Sum(1, keepDim: true)).Div(z));
                var tooFlat = h.Gt(target); // entropy too high: the Gaussian is too wide, raise β
                lo.CopyFrom(Torch.Where(tooFlat, beta, lo));
                hi.CopyFrom(Torch.Where(tooFlat, hi, beta));
                var up = Torch.Where(hi.IsInf(), beta.Mul(2.0), lo.Add(hi).Mul(0.5));
                var down = lo.Add(hi).Mul(0.5);
                beta.CopyFrom(Torch.Where(tooFlat, up, down));
            }
            var wFinal = Conditional(beta);
            var cond = wFinal.Div(wFinal.Sum(1, keepDim: true));
            p = cond.Add(cond.T).Div(2.0 * n).ClampMin(1e-300).MaskedFill(eye, 0.0).MoveToOuterScope();
            sigmas = beta.Reciprocal().Mul(0.5).Sqrt().ToArray<double>();
        }
        return (p, sigmas);
    }

    /// <summary>The gradient of KL(αP ‖ Q) with respect to the map points (van der Maaten &amp; Hinton 2008,
    /// Eq. 5: ∂C/∂y_i = 4 Σ_j (α p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹) and KL(P ‖ Q) for α = 1.</summary>
    /// <param name="p">Joint input affinities [N, N] (zero diagonal, summing to 1).</param>
    /// <param name="y">Map points [N, 2] (float64).</param>
    /// <param name="offDiagonal">Ones off the diagonal, zeros on it [N, N].</param>
    /// <param name="exaggeration">α, the early-exaggeration factor.</param>
    public static (Tensor Gradient, double Kl) Gradient(Tensor p, Tensor y, Tensor offDiagonal, double exaggeration)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(offDiagonal);
        var sq = y.Square().Sum(1, keepDim: true);
        var d = sq.Add(sq.T).Sub(y.Matmul(y.T).Mul(2.0)).ClampMin(0.0);
        var num = d.Add(1.0).Reciprocal().Mul(offDiagonal);
        var q = num.Div(num.Sum());
        var w = p.Mul(exaggeration).Sub(q).Mul(num);
        var grad = w.Sum(1, keepDim: true).Mul(y).Sub(w.Matmul(y)).Mul(4.0);
        double kl = exaggeration == 1
            ? p.Mul(p.ClampMin(1e-300).Log().Sub(q.ClampMin(1e-300).Log())).Sum().Item()
            : double.NaN;
        return (grad, kl);
    }
}
