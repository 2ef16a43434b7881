using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Regularizers;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The latent discriminator of WAE-GAN: an MLP on z with ReLU hidden layers and one output, the
/// logit of "z was drawn from the prior" (Tolstikhin et al. 2018, Alg. 1). State-dict keys
/// <c>net.0.weight</c> …
/// </summary>
public sealed class LatentDiscriminator : Module<Tensor, Tensor>
{
    /// <summary>Creates the discriminator for <paramref name="latentDim"/>-dimensional codes with hidden widths <paramref name="hidden"/>.</summary>
    public LatentDiscriminator(int latentDim, IReadOnlyList<int> hidden)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentDim);
        ArgumentNullException.ThrowIfNull(hidden);
        var net = new Sequential();
        Networks.MlpNetworkFactory.Stack(net, latentDim, hidden, 1);
        Net = RegisterModule("net", net);
    }

    /// <summary>The MLP ([B, d] → [B, 1]).</summary>
    public Sequential Net { get; }

    /// <summary>Logits [B] for codes [B, d].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewScope();
        return Net.Call(input).Squeeze(-1).MoveToOuterScope();
    }
}

/// <summary>The two sides of the WAE-GAN latent game, as batch means.</summary>
public static class Adversarial
{
    /// <summary>
    /// The discriminator's loss: −mean log D(z̃) − mean log(1 − D(ẑ)) for prior draws z̃ and
    /// encodings ẑ, from their logits (binary cross-entropy, prior = 1, encoded = 0).
    /// </summary>
    public static Tensor DiscriminatorLoss(Tensor priorLogits, Tensor encodedLogits)
    {
        ArgumentNullException.ThrowIfNull(priorLogits);
        ArgumentNullException.ThrowIfNull(encodedLogits);
        using var scope = Torch.NewScope();
        // D ascends log D(z̃) + log(1 − D(ẑ)) (Tolstikhin et al. 2018, Alg. 1); we descend its negative.
        var real = F.BinaryCrossEntropyWithLogits(priorLogits, Torch.OnesLike(priorLogits));
        var fake = F.BinaryCrossEntropyWithLogits(encodedLogits, Torch.ZerosLike(encodedLogits));
        return (real + fake).MoveToOuterScope();
    }

    /// <summary>The encoder's penalty: −mean log D(ẑ) (fooling the discriminator), from the logits of the encodings.</summary>
    public static Tensor EncoderLoss(Tensor encodedLogits)
    {
        ArgumentNullException.ThrowIfNull(encodedLogits);
        // Q descends −λ log D(ẑ) (Tolstikhin et al. 2018, Alg. 1); λ is applied by the model.
        return F.BinaryCrossEntropyWithLogits(encodedLogits, Torch.OnesLike(encodedLogits));
    }
}
