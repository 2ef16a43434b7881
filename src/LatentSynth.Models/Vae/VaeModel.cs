using LatentSynth.Models.Priors;
using LatentSynth.Models.Regularizers;
using LatentSynth.Torch;

namespace LatentSynth.Models.Vae;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "vae": the variational autoencoder of Kingma and Welling (2013). The encoder outputs 2·LatentDim
/// values, split into the mean μ and log-variance log σ² of a diagonal Gaussian q(z|x); training
/// draws z = μ + σ·ε with ε ~ N(0, I) (reparameterisation) and minimises recon + KL(q(z|x) ‖ p(z)).
/// The KL is analytic for priors that provide it (<see cref="IAnalyticKlPrior"/>, the "normal"
/// prior), otherwise the single-sample Monte-Carlo estimate log q(z|x) − log p(z) (Kingma and
/// Welling 2013, Eq. 6) at the same z. <see cref="Encode"/> returns μ. Loss terms: <c>recon</c>, <c>kl</c>.
/// </summary>
[Model("vae", typeof(VaeConfig), "variational autoencoder: diagonal Gaussian posterior, recon + KL")]
public class VaeModel : EncoderDecoderModel
{
    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public VaeModel(VaeConfig config) : base(config, 2L * config.LatentDim) { }

    /// <summary>Mean and log-variance of q(z|x), each [B, LatentDim].</summary>
    public (Tensor Mu, Tensor LogVar) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var parts = EncoderOutput(x).Chunk(2, 1);
        return (parts[0].MoveToOuterScope(), parts[1].MoveToOuterScope());
    }

    /// <inheritdoc />
    /// <remarks>The posterior mean μ.</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        return Posterior(x).Mu.MoveToOuterScope();
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = Torch.NewScope();
        var eps = Torch.Randn([x.Size(0), LatentDim], generator: NoiseGenerator);
        return LossWithNoise(x, eps, progress).MoveToOuterScope();
    }

    /// <summary>The loss with the reparameterisation noise given: z = μ + exp(½ log σ²)·<paramref name="eps"/> ([B, LatentDim]).</summary>
    public LossTerms LossWithNoise(Tensor x, Tensor eps, TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(eps);
        using var scope = Torch.NewScope();
        var (mu, logVar) = Posterior(x);
        if (!eps.Shape.AsSpan().SequenceEqual(mu.Shape))
            throw new ArgumentException($"eps has shape [{string.Join(", ", eps.Shape)}]; expected [{string.Join(", ", mu.Shape)}]", nameof(eps));
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2013, §2.4).
        var z = mu + logVar.Mul(0.5).Exp() * eps;
        var recon = ReconstructionLoss(Decoder.Call(z), x);
        var kl = (Prior is IAnalyticKlPrior analytic
            ? analytic.KlFromDiagonalGaussian(mu, logVar)
            : Kl.MonteCarlo(z, eps, logVar, Prior)).Mean();
        // Negative ELBO recon + KL (Kingma & Welling 2013, Eq. 10); β-VAE weighs the KL by β (Higgins et al. 2017, Eq. 4).
        return Combine(("recon", recon, 1.0), ("kl", kl, KlWeight(progress)));
    }

    /// <summary>The weight of the KL term at <paramref name="progress"/>: 1 for the plain VAE.</summary>
    public virtual double KlWeight(TrainingProgress progress) => 1.0;
}
