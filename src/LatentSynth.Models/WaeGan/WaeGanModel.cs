using LatentSynth.Models.Regularizers;
using LatentSynth.Torch;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Models.WaeGan;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "wae-gan": the Wasserstein autoencoder with a latent adversary (Tolstikhin et al. 2018, Alg. 1).
/// A deterministic encoder; a discriminator MLP on z (child <c>discriminator</c>) learns to tell prior
/// draws from encodings, and the encoder is penalised with λ·(−log D(ẑ)) for not fooling it.
/// </summary>
/// <remarks>
/// <para><see cref="CreateOptimizers"/> gives two Adams: "model" (encoder, decoder, likelihood) and
/// "discriminator" (lr × disc_lr_factor). <see cref="TrainStep"/> alternates as Alg. 1 does: one
/// discriminator step on the batch's encodings and fresh prior draws, then one autoencoder step
/// against the updated discriminator.</para>
/// <para>Loss terms: <c>recon</c>, <c>adv</c> (−mean log D(ẑ), weight λ) and <c>disc</c> (the
/// discriminator's loss −mean log D(z̃) − mean log(1 − D(ẑ)), minimised by its own optimizer, reported
/// with weight 0 since it is not part of the total). Alg. 1 scales the discriminator's objective by λ
/// too; we leave that factor out, so "disc" reads the same for every λ (Adam's steps hardly depend
/// on a constant factor of the loss).</para>
/// </remarks>
[Model("wae-gan", typeof(WaeGanConfig), "Wasserstein autoencoder with a latent discriminator (adversarial penalty)")]
public sealed class WaeGanModel : EncoderDecoderModel
{
    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public WaeGanModel(WaeGanConfig config) : base(config, config.LatentDim)
    {
        Settings = config;
        Discriminator = RegisterModule("discriminator", new LatentDiscriminator(config.LatentDim, config.DiscHidden));
    }

    /// <summary>The WAE-GAN settings.</summary>
    public WaeGanConfig Settings { get; }

    /// <summary>The latent discriminator (logits of "drawn from the prior").</summary>
    public LatentDiscriminator Discriminator { get; }

    /// <inheritdoc />
    public override Tensor Encode(Tensor x) => EncoderOutput(x);

    /// <summary>λ at <paramref name="progress"/> (after warm-up).</summary>
    public double AdversarialWeight(TrainingProgress progress) => Warmup.Weight(Settings.Lambda, Settings.WarmupEpochs, progress);

    /// <summary>The parameters the "model" optimizer trains: everything but the discriminator's.</summary>
    public IEnumerable<Tensor> AutoencoderParameters()
    {
        var disc = new HashSet<Tensor>(Discriminator.Parameters(), ReferenceEqualityComparer.Instance);
        return Parameters().Where(p => !disc.Contains(p));
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate) =>
        new Dictionary<string, Optimizer>
        {
            ["model"] = new Adam(AutoencoderParameters(), lr: learningRate),
            ["discriminator"] = new Adam(Discriminator.Parameters(), lr: learningRate * Settings.DiscLrFactor),
        };

    /// <inheritdoc />
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        using var scope = Torch.NewScope();
        var z = Encode(x);
        var recon = ReconstructionLoss(Decoder.Call(z), x);
        var disc = DiscriminatorLoss(z);
        var adv = Adversarial.EncoderLoss(Discriminator.Call(z));
        return Combine(("recon", recon, 1.0), ("adv", adv, AdversarialWeight(progress)), ("disc", disc, null));
    }

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">The optimizers lack "model" or "discriminator" (make them with <see cref="CreateOptimizers"/>).</exception>
    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        if (!optimizers.TryGetValue("model", out var modelOpt) || !optimizers.TryGetValue("discriminator", out var discOpt))
            throw new KeyNotFoundException("wae-gan trains with two optimizers, \"model\" and \"discriminator\"; create them with CreateOptimizers");
        using var scope = Torch.NewScope();
        var z = Encode(x);
        // 1. Discriminator step: ascend log D(z̃) + log(1 − D(ẑ)) (Tolstikhin et al. 2018, Alg. 1).
        discOpt.ZeroGrad();
        var disc = DiscriminatorLoss(z);
        disc.Backward();
        discOpt.Step();
        // 2. Autoencoder step: descend c(x, G(ẑ)) − λ log D(ẑ) against the updated discriminator (Alg. 1).
        modelOpt.ZeroGrad();
        var recon = ReconstructionLoss(Decoder.Call(z), x);
        var adv = Adversarial.EncoderLoss(Discriminator.Call(z));
        var loss = Combine(("recon", recon, 1.0), ("adv", adv, AdversarialWeight(progress)), ("disc", disc.Detach(), null));
        loss.Total.Backward();
        modelOpt.Step();
        return loss;
    }

    /// <summary>The discriminator's loss on encodings <paramref name="z"/> (detached) and as many fresh prior draws.</summary>
    private Tensor DiscriminatorLoss(Tensor z)
    {
        using var scope = Torch.NewScope();
        var zPrior = SamplePrior(z.Size(0));
        return Adversarial.DiscriminatorLoss(Discriminator.Call(zPrior), Discriminator.Call(z.Detach())).MoveToOuterScope();
    }
}
