using System.Globalization;
using LatentSynth.Models;
using LatentSynth.Music.Data;

namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "inpaintnet", the LatentRNN of InpaintNet (Pati, Lerch &amp; Hadjeres, ISMIR 2019, "Learning to Traverse
/// Latent Spaces for Musical Score Inpainting", §3.2; reference code <c>ashispati/InpaintNet</c>
/// <c>LatentRNN/latent_rnn.py</c>, <c>latent_rnn_trainer.py</c>, <c>train_inpaintnet.py</c>). Stage 1 is a trained
/// "measurevae" run named by <see cref="MeasureVaeRun"/>; these settings size stage 2. Sizes against the reference:
/// <list type="bullet">
/// <item>input_shape [384]: a window of 16 bars of 24 ticks, 6 past + 4 gap + 6 future (<see cref="InpaintGrid"/>;
/// the reference draws 2..6 target bars at a random position of its 16-bar windows per batch, here the gap is fixed).</item>
/// <item><see cref="RnnSize"/> 256 (reference <c>latent_rnn_hidden_size=512</c>; halved for CPU, as MeasureVAE's GRUs).</item>
/// <item><see cref="RnnLayers"/> 2 and <see cref="Dropout"/> 0.5: as the reference (<c>num_latent_rnn_layers=2</c>,
/// <c>latent_rnn_dropout_prob=0.5</c>).</item>
/// <item><see cref="TeacherForcingProbability"/> 0.5: the reference's <c>teacher_forcing_prob</c> (auto-regressive
/// model, <c>auto_reg=True</c>, <c>teacher_forcing=True</c> by default).</item>
/// <item>latent_dim: must equal the MeasureVAE's latent_dim (128 by default, as "measurevae"'s default); checked when
/// the model is built.</item>
/// </list>
/// The image settings (arch, hidden, channels, prior, recon) do not apply and are refused when changed.
/// </summary>
public sealed record LatentRnnConfig : ModelConfig
{
    /// <summary>Sets the defaults listed in the type's documentation.</summary>
    public LatentRnnConfig()
    {
        InputShape = [InpaintGrid.WindowSteps];
        LatentDim = 128;
    }

    /// <summary>
    /// The run folder of the trained "measurevae" (stage 1), for example <c>runs/bars</c>; a relative path is resolved
    /// against the current directory when the model is built. Required to build the model (empty is accepted by
    /// <see cref="Validate"/> only so that the default config is well formed).
    /// </summary>
    public string MeasureVaeRun { get; init; } = "";

    /// <summary>Hidden size H of each direction of the past and future context GRUs; the generation GRU has 2H.</summary>
    public int RnnSize { get; init; } = 256;

    /// <summary>Layers of each of the three GRUs.</summary>
    public int RnnLayers { get; init; } = 2;

    /// <summary>Dropout between stacked GRU layers, in training only.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>The probability that a training batch feeds the generation GRU the true gap codes (else its own re-encoded bars).</summary>
    public double TeacherForcingProbability { get; init; } = 0.5;

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (InputShape is not { Length: 1 } || InputShape[0] != InpaintGrid.WindowSteps)
            yield return $"input_shape must be [{InpaintGrid.WindowSteps}] (a window of {InpaintGrid.WindowBars} bars of {MeasureVaeModel.TicksPerBar} ticks: {InpaintGrid.PastBars} past, {InpaintGrid.GapBars} gap, {InpaintGrid.FutureBars} future) for model '{Model}', got {Format(InputShape)}";
        if (Prior != "normal") yield return $"prior does not apply to model '{Model}'; remove it";
        if (Arch != "mlp") yield return $"arch does not apply to model '{Model}' (set rnn_size and rnn_layers); remove it";
        if (Hidden is not null && !Hidden.SequenceEqual([400])) yield return $"hidden does not apply to model '{Model}' (set rnn_size); remove it";
        if (Channels is not null && !Channels.SequenceEqual([32, 64])) yield return $"channels does not apply to model '{Model}'; remove it";
        if (Recon != "bce" || ReconVariance != "fixed")
            yield return $"recon and recon_variance do not apply to model '{Model}' (its loss is the cross-entropy of the gap's tokens); remove them";
        if (RnnSize < 1) yield return $"rnn_size must be at least 1, got {RnnSize}";
        if (RnnLayers < 1) yield return $"rnn_layers must be at least 1, got {RnnLayers}";
        if (!(Dropout >= 0 && Dropout < 1)) yield return $"dropout must be in [0, 1), got {G(Dropout)}";
        if (!(TeacherForcingProbability >= 0 && TeacherForcingProbability <= 1))
            yield return $"teacher_forcing_probability must be in [0, 1], got {G(TeacherForcingProbability)}";
    }

    private static string G(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
