namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "musicvae-hier", the hierarchical 16-bar melody model. Defaults follow Magenta's
/// <c>hierdec-mel_16bar</c> (<c>free_bits=256</c> for a z of 512, <c>max_beta=0.2</c>, <c>beta_rate</c> and the sampling
/// schedule left at Magenta's defaults: β = 0.2 from the second step and plain teacher forcing, constant sampling
/// rate 0; <c>level_lengths=[16, 16]</c>, <c>disable_autoregression=True</c>) with smaller sizes for CPU training:
/// <list type="bullet">
/// <item>encoder 2×256 per direction (Magenta: 2×2048);</item>
/// <item>conductor 2×256 (Magenta's conductor has the decoder's sizes, 2×1024);</item>
/// <item>per-bar decoder 2×256 (Magenta: 2×1024);</item>
/// <item>z of 128 (Magenta: 512), and free bits scaled with it to 64 (Magenta's 256 bits over 512 dimensions is
/// half a bit per dimension; 64 keeps that ratio).</item>
/// </list>
/// Input: [256] tokens (16 bars of 16 steps); any whole number of bars works, the conductor running once per bar.
/// </summary>
public sealed record MusicVaeHierConfig : MelodyVaeConfig
{
    /// <summary>Sets the 16-bar defaults: input_shape [256], latent_dim 128, free_bits 64, β_max from step 1, teacher forcing.</summary>
    public MusicVaeHierConfig()
    {
        InputShape = [16 * MelodyTokens.StepsPerBar];
        LatentDim = 128;
        FreeBits = 64;
        BetaRate = 0;
        SamplingSchedule = "constant";
        SamplingRate = 0;
    }

    /// <summary>Units of each conductor layer (Magenta: the decoder's <c>dec_rnn_size</c>, 1024). Default 256, for CPU.</summary>
    public int ConductorSize { get; init; } = 256;

    /// <summary>Stacked conductor layers (Magenta: as many as the decoder's, 2).</summary>
    public int ConductorLayers { get; init; } = 2;

    /// <summary>Bars of one example: T / steps_per_bar, the conductor's number of steps.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Bars => InputShape is { Length: 1 } && StepsPerBar > 0 ? InputShape[0] / StepsPerBar : 0;

    /// <inheritdoc />
    public override string? SequenceLengthProblem(long length) =>
        StepsPerBar >= 1 && (length < StepsPerBar || length % StepsPerBar != 0)
            ? $"input_shape must be [T] with T a whole number of bars of {StepsPerBar} steps (steps_per_bar) for model '{Model}', got [{length}]"
            : null;

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (ConductorSize < 1) yield return $"conductor_size must be at least 1, got {ConductorSize}";
        if (ConductorLayers < 1) yield return $"conductor_layers must be at least 1, got {ConductorLayers}";
    }
}
