using LatentSynth.Data;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>An importance-sampled estimate of −log p(x), averaged over the examples.</summary>
/// <param name="Nll">−(1/N) Σₙ log (1/k Σᵢ p(xₙ, zᵢ)/q(zᵢ|xₙ)).</param>
/// <param name="Samples">k, importance samples per example.</param>
/// <param name="Count">Examples evaluated.</param>
public sealed record IwaeResult(double Nll, int Samples, long Count);

/// <summary>
/// Negative log-likelihood of a model with a diagonal Gaussian posterior, estimated by importance
/// sampling with the posterior as proposal: log p(x) ≈ log (1/k Σᵢ₌₁ᵏ p(x|zᵢ) p(zᵢ) / q(zᵢ|x)),
/// zᵢ ~ q(z|x) (Burda, Grosse &amp; Salakhutdinov 2016, Eq. 9 — the k-sample bound ℒₖ). ℒₖ ≤ log p(x),
/// ℒₖ grows with k and ℒ₁ is the ELBO (ibid., Theorem 1), so the estimate is an upper bound on the
/// true NLL, tighter than −ELBO; Burda et al. report it with k = 5000, common practice uses k = 500.
/// p(x|z) is the model's likelihood (<see cref="Models.EncoderDecoderModel.Likelihood"/>; for "mse"
/// with fixed variance and "l1" it omits its normalising constant, and so does the estimate),
/// p(z) the prior's log-density, q(z|x) the diagonal Gaussian of the encoder.
/// </summary>
public static class IwaeNll
{
    /// <summary>k used by the study unless told otherwise.</summary>
    public const int DefaultSamples = 500;

    /// <summary>The estimate on every example of <paramref name="data"/>.</summary>
    public static IwaeResult Compute(VaeModel model, TensorDataset data, int samples = DefaultSamples, int batchSize = 100,
        int samplesPerChunk = 50, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, samples, batchSize, samplesPerChunk, generator);
    }

    /// <summary>
    /// The estimate on the examples <paramref name="x"/> [N, …InputShape] with k = <paramref name="samples"/>,
    /// in batches of <paramref name="batchSize"/> examples; the decoder sees at most
    /// <paramref name="samplesPerChunk"/> × <paramref name="batchSize"/> latent points at once, which bounds
    /// memory. The noise ε is drawn from <paramref name="generator"/> (null: the default generator) as
    /// [chunk, B, LatentDim] per chunk. Log-weights are combined in float64.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model, or the prior has no log-density.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1.</exception>
    public static IwaeResult Compute(VaeModel model, Tensor x, int samples = DefaultSamples, int batchSize = 100,
        int samplesPerChunk = 50, Generator? generator = null)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        MetricSupport.CheckBatchSize(samples, nameof(samples));
        MetricSupport.CheckBatchSize(samplesPerChunk, nameof(samplesPerChunk));
        Elbo.CheckLogProb(model.Prior);
        using var mode = model.Inference();
        long n = x.Size(0);
        int d = model.LatentDim;
        double total = 0;
        foreach (var (s, c) in MetricSupport.Batches(n, batchSize))
        {
            using var scope = Torch.NewScope();
            var xb = x.Narrow(0, s, c);
            var (mu, logVar) = model.Posterior(xb);
            var std = logVar.Mul(0.5).Exp();
            var logVar64 = logVar.To(DType.Float64);
            var logWeights = new List<Tensor>();
            for (int done = 0; done < samples; done += samplesPerChunk)
            {
                using var chunkScope = Torch.NewScope();
                int k = Math.Min(samplesPerChunk, samples - done);
                var eps = Torch.Randn([k, c, d], generator: generator);
                // zᵢ = μ + σ ⊙ εᵢ ~ q(z|x) (Kingma & Welling 2013, §2.4), sample-major [k·B, d].
                var z = (mu.Unsqueeze(0) + std.Unsqueeze(0) * eps).Reshape(k * c, d);
                var xs = Torch.Cat(Enumerable.Repeat(xb, k).ToList(), 0);
                var logPxz = model.Likelihood.NegLogLikelihood(model.Decoder.Call(z), xs).To(DType.Float64).Neg().View(k, c);
                var logPz = model.Prior.LogProb(z).To(DType.Float64).View(k, c);
                // log q(z|x) of a diagonal Gaussian: −½ Σⱼ (log 2π + log σⱼ² + εⱼ²).
                var logQ = (logVar64.Unsqueeze(0) + eps.To(DType.Float64).Square() + Math.Log(2 * Math.PI)).Sum(2).Mul(-0.5);
                // log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x) (Burda et al. 2016, Eq. 9).
                logWeights.Add((logPxz + logPz - logQ).MoveToOuterScope());
            }
            // ℒₖ = logsumexp(log w) − log k (Burda et al. 2016, Eq. 9).
            var bound = Torch.Cat(logWeights, 0).Logsumexp(0).Sub(Math.Log(samples));
            total -= MetricSupport.Sum(bound);
        }
        return new IwaeResult(total / n, samples, n);
    }
}
