using System.Globalization;

using LatentSynth.Models;

namespace LatentSynth.Music.Models;

/// <summary>
/// Settings shared by PianoTree VAE's two baselines ("pianoroll-vae", "midi-event-vae"; Wang et al., ISMIR 2020, §5): one
/// example is a 2-bar segment as a tree tensor [32, 16, 6] (see <see cref="BaselineTreeCodec"/>), which each baseline converts
/// to its own representation; z is a diagonal Gaussian with the prior N(0, I).
/// </summary>
/// <remarks>
/// <para><b>Matched latent size.</b> The comparison is fair only at the same latent_dim as the PianoTree model it is compared
/// with: set <see cref="ModelConfig.LatentDim"/> to PianoTree's. The default, 256, is the paper's 512 halved for CPU training.</para>
/// <para>The image settings of <see cref="ModelConfig"/> (arch, channels, recon, recon_variance) do not apply and must keep their
/// defaults; prior must stay "normal" (the KL is the analytic one from N(0, I)).</para>
/// </remarks>
public abstract record PolyBaselineConfig : ModelConfig
{
    /// <summary>Sets input_shape [32, 16, 6] and latent_dim 256.</summary>
    protected PolyBaselineConfig()
    {
        InputShape = [BaselineTreeCodec.Steps, BaselineTreeCodec.Slots, BaselineTreeCodec.Fields];
        LatentDim = 256;
    }

    /// <summary>
    /// Weight β of the KL term. Default 1: the plain ELBO (Kingma &amp; Welling 2014, Eq. 10), the reconstruction being the
    /// summed −log p(x|z) of the whole segment. (PianoTree's reference weighs averaged cross-entropies against 0.1·KL,
    /// <c>utils.loss_function(weights=(1, .5, .1))</c>; its baselines' weights are not published.)
    /// </summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>What the model's networks are, for the message refusing the image settings.</summary>
    protected abstract string NetworkDescription { get; }

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (InputShape is { Length: > 0 } && !InputShape.SequenceEqual(BaselineTreeCodec.ExampleShape))
            yield return $"input_shape must be [32, 16, 6] (2-bar tree tensors) for model '{Model}', got {Format(InputShape)}";
        if (Prior != "normal")
            yield return $"prior must be 'normal' for model '{Model}' (its KL term is the analytic one from N(0, I)), got '{Prior}'";
        if (Arch != "mlp") yield return $"arch does not apply to model '{Model}' ({NetworkDescription}); remove it";
        if (Channels is not null && !Channels.SequenceEqual([32, 64])) yield return $"channels does not apply to model '{Model}'; remove it";
        if (Recon != "bce" || ReconVariance != "fixed")
            yield return $"recon and recon_variance do not apply to model '{Model}' (its reconstruction is categorical); remove them";
        if (!(Beta >= 0)) yield return $"beta must be non-negative, got {Beta.ToString("R", CultureInfo.InvariantCulture)}";
    }
}

/// <summary>
/// Settings of "pianoroll-vae", PianoTree VAE's piano-roll baseline (Wang et al. 2020, §5: the "PR" baselines; the fully
/// connected one). <see cref="ModelConfig.Hidden"/> lists the encoder's hidden widths (the decoder mirrors them); default
/// [1024], reduced for CPU training (the paper does not publish the baselines' sizes).
/// </summary>
public sealed record PianoRollVaeConfig : PolyBaselineConfig
{
    /// <summary>Sets the defaults: hidden [1024].</summary>
    public PianoRollVaeConfig() => Hidden = [1024];

    /// <inheritdoc />
    protected override string NetworkDescription => "its networks are fully connected: set hidden";
}

/// <summary>
/// Settings of "midi-event-vae", PianoTree VAE's MIDI-event baseline (Wang et al. 2020, §5, after the event representation of
/// Oore et al. 2018 without velocities): a bidirectional GRU encoder and a GRU decoder over event tokens. Sizes are
/// reduced for CPU training (the paper does not publish the baseline's sizes).
/// </summary>
public sealed record MidiEventVaeConfig : PolyBaselineConfig
{
    /// <summary>Units per direction of the bidirectional encoder GRU (default 256).</summary>
    public int EncoderSize { get; init; } = 256;

    /// <summary>Units of the decoder GRU (default 512).</summary>
    public int DecoderSize { get; init; } = 512;

    /// <summary>Size of the event embeddings (default 64).</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>
    /// Tokens of an event sequence, end token included (default 256). A segment whose events do not fit is cut after
    /// max_events tokens (its later notes are lost, and it has no end token); <see cref="MidiEventVaeModel.EventCount"/> tells
    /// how many tokens a segment needs. Each note costs 2 tokens plus the shifts between distinct times.
    /// </summary>
    public int MaxEvents { get; init; } = 256;

    /// <inheritdoc />
    protected override string NetworkDescription => "its networks are recurrent: set encoder_size, decoder_size, embedding_dim";

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (Hidden is not null && !Hidden.SequenceEqual([400])) yield return $"hidden does not apply to model '{Model}' (set encoder_size and decoder_size); remove it";
        if (EncoderSize < 1) yield return $"encoder_size must be at least 1, got {EncoderSize}";
        if (DecoderSize < 1) yield return $"decoder_size must be at least 1, got {DecoderSize}";
        if (EmbeddingDim < 1) yield return $"embedding_dim must be at least 1, got {EmbeddingDim}";
        if (MaxEvents < 2) yield return $"max_events must be at least 2, got {MaxEvents}";
    }
}
