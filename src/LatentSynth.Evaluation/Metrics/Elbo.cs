using LatentSynth.Data;
using LatentSynth.Models.Priors;
using LatentSynth.Models.Regularizers;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The negative ELBO and its two terms, per example, averaged over the examples (nats for a normalised likelihood).</summary>
/// <param name="NegativeElbo">−ELBO = <see cref="Reconstruction"/> + <see cref="Kl"/>, an upper bound on −log p(x).</param>
/// <param name="Reconstruction">−log p(x|z) at one reparameterised sample z ~ q(z|x), with the model's likelihood.</param>
/// <param name="Kl">KL(q(z|x) ‖ p(z)): analytic where the prior allows it and asked for, otherwise log q(z|x) − log p(z) at the same z.</param>
/// <param name="AnalyticKl">True when <see cref="Kl"/> is the closed form.</param>
/// <param name="Count">Examples evaluated.</param>
public sealed record ElboResult(double NegativeElbo, double Reconstruction, double Kl, bool AnalyticKl, long Count);

/// <summary>
/// The evidence lower bound of a model with a diagonal Gaussian posterior (<see cref="VaeModel"/> and
/// its subclasses, whatever β they trained with): −ELBO(x) = E_q[−log p(x|z)] + KL(q(z|x) ‖ p(z))
/// (Kingma &amp; Welling 2013, Eq. 3 and 10), estimated with one reparameterised sample per example.
/// The reconstruction term uses the model's own likelihood (<see cref="Models.EncoderDecoderModel.Likelihood"/>):
/// for "mse" with fixed variance and "l1" that likelihood omits its normalising constant, so the
/// bound is then defined up to that constant.
/// </summary>
public static class Elbo
{
    /// <summary>The bound on every example of <paramref name="data"/>.</summary>
    public static ElboResult Compute(VaeModel model, TensorDataset data, int batchSize = MetricSupport.DefaultBatchSize,
        Generator? generator = null, bool analyticKl = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, batchSize, generator, analyticKl);
    }

    /// <summary>
    /// The bound on the examples <paramref name="x"/> [N, …InputShape], in batches of
    /// <paramref name="batchSize"/>, evaluation mode, no gradients. The noise ε of z = μ + σ·ε is drawn
    /// from <paramref name="generator"/> (null: the default generator), one [B, LatentDim] draw per batch
    /// (the same draws as <see cref="IwaeNll"/> with k = 1 and the same batches, which then reproduces
    /// −ELBO with <paramref name="analyticKl"/> false exactly). <paramref name="analyticKl"/>: use the
    /// closed-form KL when the prior has one (<see cref="IAnalyticKlPrior"/>, the "normal" prior).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model, or the prior has no log-density.</exception>
    public static ElboResult Compute(VaeModel model, Tensor x, int batchSize = MetricSupport.DefaultBatchSize,
        Generator? generator = null, bool analyticKl = true)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        bool analytic = analyticKl && model.Prior is IAnalyticKlPrior;
        if (!analytic) CheckLogProb(model.Prior);
        using var mode = model.Inference();
        long n = x.Size(0);
        double recon = 0, kl = 0;
        foreach (var (s, c) in MetricSupport.Batches(n, batchSize))
        {
            using var scope = Torch.NewScope();
            var xb = x.Narrow(0, s, c);
            var (mu, logVar) = model.Posterior(xb);
            var eps = Torch.Randn([c, model.LatentDim], generator: generator);
            // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2013, §2.4).
            var z = mu + logVar.Mul(0.5).Exp() * eps;
            recon += MetricSupport.Sum(model.Likelihood.NegLogLikelihood(model.Decoder.Call(z), xb));
            kl += MetricSupport.Sum(analytic
                // Closed-form KL of a diagonal Gaussian from the prior (Kingma & Welling 2013, App. B).
                ? ((IAnalyticKlPrior)model.Prior).KlFromDiagonalGaussian(mu, logVar)
                // log q(z|x) − log p(z) at the same z (Kingma & Welling 2013, Eq. 6), in float64.
                : Kl.DiagonalGaussianLogProbAtSample(eps.To(DType.Float64), logVar.To(DType.Float64)) - model.Prior.LogProb(z).To(DType.Float64));
        }
        return new ElboResult((recon + kl) / n, recon / n, kl / n, analytic, n);
    }

    internal static void CheckLogProb(IPrior prior)
    {
        if (!prior.HasLogProb)
            throw new ArgumentException($"prior '{prior.Name}' has no log-density, so the bound cannot be evaluated", nameof(prior));
    }
}
