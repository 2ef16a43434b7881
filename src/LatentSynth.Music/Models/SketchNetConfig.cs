using System.Globalization;
using LatentSynth.Models;
using LatentSynth.Music.Data;

namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "sketchnet", Music SketchNet's SketchInpainter and SketchConnector (Chen, Walshaw, Xia &amp; Cochrane,
/// ISMIR 2020, §3.2–3.3; reference code <c>RetroCirce/Music-SketchNet</c> <c>SketchNet/sketchnet.py</c>, trained by
/// <c>3-3-SketchVAE_SketchInpainter.ipynb</c> and <c>3-4-SketchNet.ipynb</c>). Stage 1 is a trained "sketchvae" run named
/// by <see cref="SketchVaeRun"/>; these settings size the rest. Sizes against the reference:
/// <list type="bullet">
/// <item>input_shape [384]: a window of 16 bars of 24 ticks, 6 past + 4 gap + 6 future (<see cref="InpaintGrid"/>;
/// reference <c>n_past = 6</c>, <c>n_inpaint = 4</c>, <c>total_len = 16</c>).</item>
/// <item><see cref="RnnSize"/> 256 per direction of the past/future GRUs (reference <c>pf_dims = 512</c>, halved for
/// CPU); the generation GRUs have 2·rnn_size (reference <c>gen_dims = 1024 = 2·pf_dims</c>).</item>
/// <item><see cref="RnnLayers"/> 2, <see cref="Dropout"/> 0.5 (reference <c>pf_num = 2</c>, <c>dropout = 0.5</c>).</item>
/// <item><see cref="TeacherForcingProbability"/> 0.5 (reference <c>self.eps = 0.5</c>).</item>
/// <item><see cref="Connector"/> true; <see cref="ConnectorSize"/> 256, <see cref="ConnectorLayers"/> 4,
/// <see cref="ConnectorHeads"/> 4, <see cref="ConnectorDropout"/> 0.1 (reference <c>combine_dims = 512</c> (halved),
/// <c>combine_num = 4</c>, <c>combine_head = 4</c>, dropout 0.1).</item>
/// <item><see cref="RevealProbability"/> 0.3: in training, each gap bar's true z_pitch and, independently, its true
/// z_rhythm replace the inpainter's prediction before the connector with this probability (reference
/// <c>combine_decoder</c>: <c>if p &lt; 0.3</c>, on the batches where <c>use_teacher</c>, i.e. with probability eps).</item>
/// <item>latent_dim: must equal the SketchVAE's latent_dim (256 by default); checked when the model is built.</item>
/// </list>
/// The image settings (arch, hidden, channels, prior, recon) do not apply and are refused when changed.
/// </summary>
public sealed record SketchNetConfig : ModelConfig
{
    /// <summary>Sets the defaults listed in the type's documentation.</summary>
    public SketchNetConfig()
    {
        InputShape = [InpaintGrid.WindowSteps];
        LatentDim = 256;
    }

    /// <summary>
    /// The run folder of the trained "sketchvae" (stage 1), for example <c>runs/sketchvae</c>; a relative path is resolved
    /// against the current directory when the model is built. Required to build the model (empty is accepted by
    /// <see cref="Validate"/> only so that the default config is well formed).
    /// </summary>
    public string SketchVaeRun { get; init; } = "";

    /// <summary>Hidden size H of each direction of the past and future context GRUs; the generation GRUs have 2H.</summary>
    public int RnnSize { get; init; } = 256;

    /// <summary>Layers of every GRU of the inpainter.</summary>
    public int RnnLayers { get; init; } = 2;

    /// <summary>Dropout between stacked GRU layers, in training only.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>The probability that a training batch feeds the generation GRUs the true gap codes (else their own predictions).</summary>
    public double TeacherForcingProbability { get; init; } = 0.5;

    /// <summary>Whether the SketchConnector (the transformer over the 16 bars' codes) refines the inpainter's codes.</summary>
    public bool Connector { get; init; } = true;

    /// <summary>Model width of the connector.</summary>
    public int ConnectorSize { get; init; } = 256;

    /// <summary>Self-attention layers of the connector.</summary>
    public int ConnectorLayers { get; init; } = 4;

    /// <summary>Attention heads of the connector (must divide connector_size).</summary>
    public int ConnectorHeads { get; init; } = 4;

    /// <summary>Dropout of the connector, in training only.</summary>
    public double ConnectorDropout { get; init; } = 0.1;

    /// <summary>The probability that a gap bar's true z_pitch (and, independently, z_rhythm) is revealed to the connector in a teacher-forced training batch.</summary>
    public double RevealProbability { get; init; } = 0.3;

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (InputShape is not { Length: 1 } || InputShape[0] != InpaintGrid.WindowSteps)
            yield return $"input_shape must be [{InpaintGrid.WindowSteps}] (a window of {InpaintGrid.WindowBars} bars of {SketchVaeModel.TicksPerBar} ticks: {InpaintGrid.PastBars} past, {InpaintGrid.GapBars} gap, {InpaintGrid.FutureBars} future) for model '{Model}', got {Format(InputShape)}";
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
        if (ConnectorSize < 1) yield return $"connector_size must be at least 1, got {ConnectorSize}";
        if (ConnectorLayers < 1) yield return $"connector_layers must be at least 1, got {ConnectorLayers}";
        if (ConnectorHeads < 1 || ConnectorSize % ConnectorHeads != 0)
            yield return $"connector_heads must be at least 1 and divide connector_size ({ConnectorSize}), got {ConnectorHeads}";
        if (!(ConnectorDropout >= 0 && ConnectorDropout < 1)) yield return $"connector_dropout must be in [0, 1), got {G(ConnectorDropout)}";
        if (!(RevealProbability >= 0 && RevealProbability <= 1)) yield return $"reveal_probability must be in [0, 1], got {G(RevealProbability)}";
    }

    private static string G(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
