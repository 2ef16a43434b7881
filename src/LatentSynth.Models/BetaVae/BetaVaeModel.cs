using LatentSynth.Models.Regularizers;
using LatentSynth.Models.Vae;

namespace LatentSynth.Models.BetaVae;

/// <summary>
/// "beta-vae": the VAE with the KL term weighted by β (Higgins et al. 2017), the weight rising
/// linearly from 0 to β over the first warmup_epochs epochs (Sønderby et al. 2016).
/// <see cref="LossTerms.Weights"/>["kl"] carries the weight in force. Loss terms: <c>recon</c>, <c>kl</c>.
/// </summary>
[Model("beta-vae", typeof(BetaVaeConfig), "VAE with KL weight beta and a linear warm-up over warmup_epochs")]
public sealed class BetaVaeModel : VaeModel
{
    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public BetaVaeModel(BetaVaeConfig config) : base(config) => Settings = config;

    /// <summary>The β-VAE settings.</summary>
    public BetaVaeConfig Settings { get; }

    /// <inheritdoc />
    /// <remarks>β · min(1, epoch fraction / warmup_epochs).</remarks>
    public override double KlWeight(TrainingProgress progress) => Warmup.Weight(Settings.Beta, Settings.WarmupEpochs, progress);
}
