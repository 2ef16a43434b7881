using LatentSynth.Torch;

namespace LatentSynth.Models.Ae;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "ae": a deterministic autoencoder z = enc(x), trained on the reconstruction term alone.
/// Loss terms: <c>recon</c>.
/// </summary>
[Model("ae", typeof(AeConfig), "deterministic autoencoder, reconstruction loss only")]
public sealed class AeModel : EncoderDecoderModel
{
    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public AeModel(AeConfig config) : base(config, config.LatentDim) { }

    /// <inheritdoc />
    public override Tensor Encode(Tensor x) => EncoderOutput(x);

    /// <inheritdoc />
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        using var scope = Torch.NewScope();
        // Plain autoencoder: minimise the reconstruction cost alone (−log p(x|z) of the chosen likelihood).
        var recon = ReconstructionLoss(Decoder.Call(Encode(x)), x);
        return Combine(("recon", recon, 1.0));
    }
}
