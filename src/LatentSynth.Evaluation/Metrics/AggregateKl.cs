using LatentSynth.Data;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The aggregate-posterior KL estimate.</summary>
/// <param name="Kl">Estimate of KL(q(z) ‖ p(z)) in nats.</param>
/// <param name="Components">M, the examples whose posteriors form the mixture q(z).</param>
/// <param name="SamplesPerComponent">Draws from each component.</param>
public sealed record AggregateKlResult(double Kl, long Components, int SamplesPerComponent);

/// <summary>
/// KL(q(z) ‖ p(z)) between the aggregate posterior q(z) = (1/M) Σⱼ q(z|xⱼ) of M test examples and
/// the prior: the "marginal KL" of Hoffman &amp; Johnson (2016, "ELBO surgery", Eq. 4), estimated as by
/// Rosca, Lakshminarayanan &amp; Mohamed (2018, "Distribution matching in variational inference", §3).
/// <para>Estimator: draw S points zⱼₛ from every component q(z|xⱼ) (a stratified sample of the
/// mixture), and average log q(z) − log p(z) over the M·S draws, with
/// log q(z) = logsumexp_j log N(z; μⱼ, diag σⱼ²) − log M. For the M-component mixture itself this is
/// an unbiased Monte-Carlo estimate of its KL (variance shrinking as 1/(M·S)). As an estimate of the
/// KL of the population aggregate posterior E_x q(z|x) it is biased upwards: KL is convex in its first
/// argument, so E[KL(q_M ‖ p)] ≥ KL(E q_M ‖ p) (Jensen); each draw also sits in its own component, so
/// a small M overstates log q(z) (for M = 1 the estimate is the mean per-example KL). The bias falls as M grows.</para>
/// </summary>
public static class AggregateKl
{
    /// <summary>M used by default.</summary>
    public const int DefaultComponents = 1000;

    /// <summary>The estimate on (the first <paramref name="components"/>) examples of <paramref name="data"/>.</summary>
    public static AggregateKlResult Compute(VaeModel model, TensorDataset data, int components = DefaultComponents, int samplesPerComponent = 1,
        Generator? generator = null, int batchSize = MetricSupport.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, components, samplesPerComponent, generator, batchSize);
    }

    /// <summary>
    /// The estimate with the posteriors of the first min(N, <paramref name="components"/>) examples of
    /// <paramref name="x"/> (encoded in batches, evaluation mode, no gradients), drawing
    /// <paramref name="samplesPerComponent"/> points from each with <paramref name="generator"/>
    /// (null: the default generator); the mixture density is evaluated for <paramref name="batchSize"/>
    /// draws at a time ([batch, M, d] work), in float64.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model, or the prior has no log-density.</exception>
    public static AggregateKlResult Compute(VaeModel model, Tensor x, int components = DefaultComponents, int samplesPerComponent = 1,
        Generator? generator = null, int batchSize = MetricSupport.DefaultBatchSize)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        MetricSupport.CheckBatchSize(components, nameof(components));
        MetricSupport.CheckBatchSize(samplesPerComponent, nameof(samplesPerComponent));
        Elbo.CheckLogProb(model.Prior);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        long m = Math.Min(x.Size(0), components);
        int d = model.LatentDim;
        var mus = new List<Tensor>();
        var logVars = new List<Tensor>();
        foreach (var (s, c) in MetricSupport.Batches(m, batchSize))
        {
            var (mu, logVar) = model.Posterior(x.Narrow(0, s, c));
            mus.Add(mu.To(DType.Float64));
            logVars.Add(logVar.To(DType.Float64));
        }
        var muAll = Torch.Cat(mus, 0);                       // [M, d]
        var logVarAll = Torch.Cat(logVars, 0);
        var stdAll = logVarAll.Mul(0.5).Exp();
        var invVar = logVarAll.Neg().Exp();
        // log N(z; μⱼ, σⱼ²) = −½ Σ (log 2π + log σ² + (z − μ)²/σ²); the constant per component:
        var constant = (logVarAll + Math.Log(2 * Math.PI)).Sum(1).Mul(-0.5);    // [M]
        double total = 0;
        long draws = m * samplesPerComponent;
        for (int rep = 0; rep < samplesPerComponent; rep++)
        {
            using var repScope = Torch.NewScope();
            var eps = Torch.Randn([m, d], generator: generator).To(DType.Float64);
            var z = muAll + stdAll * eps;                      // one draw from every component
            foreach (var (s, c) in MetricSupport.Batches(m, batchSize))
            {
                using var batchScope = Torch.NewScope();
                var zb = z.Narrow(0, s, c);
                var diff = zb.Unsqueeze(1) - muAll.Unsqueeze(0);                          // [c, M, d]
                var logComp = (diff.Square() * invVar.Unsqueeze(0)).Sum(2).Mul(-0.5) + constant.Unsqueeze(0);
                // log q(z) = logsumexp_j log q(z|xⱼ) − log M (Hoffman & Johnson 2016, aggregate posterior).
                var logQ = logComp.Logsumexp(1).Sub(Math.Log(m));
                var logP = model.Prior.LogProb(zb.To(DType.Float32)).To(DType.Float64);
                total += MetricSupport.Sum(logQ - logP);
            }
        }
        return new AggregateKlResult(total / draws, m, samplesPerComponent);
    }
}
