using System.Globalization;

using LatentSynth.Models;

namespace LatentSynth.Music.Models;

/// <summary>
/// Settings shared by the categorical sequence VAEs: the MusicVAE models (Roberts et al. 2018, "A Hierarchical
/// Latent Vector Model for Learning Long-Term Structure in Music"; Magenta's <c>models/music_vae</c> hyper-parameters,
/// whose names are given in each setting's documentation) and MeasureVAE (<see cref="MeasureVaeConfig"/>, which
/// documents how each setting maps onto InpaintNet's).
/// </summary>
/// <remarks>
/// <para><b>How a sequence model fits <see cref="ModelConfig"/>.</b> The base record carries the image
/// models' settings. Here they mean:</para>
/// <list type="bullet">
/// <item><see cref="ModelConfig.InputShape"/> is <c>[T]</c>: one melody of T 16th-note steps, each a token of
/// <see cref="MelodyTokens"/> (0..89). As for the image models the trainer sets it from the data; the model
/// refuses any other rank (and the hierarchical one a T that is not whole bars).</item>
/// <item><see cref="ModelConfig.LatentDim"/> is the size of z (Magenta's <c>z_size</c>).</item>
/// <item><see cref="ModelConfig.Prior"/> must stay "normal": the KL term is the analytic one of a diagonal
/// Gaussian from N(0, I), as in Magenta.</item>
/// <item><see cref="ModelConfig.Arch"/>, <see cref="ModelConfig.Hidden"/>, <see cref="ModelConfig.Channels"/>,
/// <see cref="ModelConfig.Recon"/> and <see cref="ModelConfig.ReconVariance"/> describe image networks and
/// likelihoods; the sequence models have their own (LSTM sizes below, a 90-way categorical per step). They must
/// keep their defaults: a changed value is refused with a message naming the setting to use instead, rather
/// than silently ignored.</item>
/// </list>
/// <para>The base checks (latent_dim, input_shape, finite numbers) apply unchanged; <see cref="Validate"/> adds
/// the sequence settings'. Note that a trainer taking <c>input_shape</c> from the data re-checks only
/// <see cref="ModelConfig.InputShapeProblems"/>, so the models check the sequence length again when built.</para>
/// </remarks>
public abstract record MelodyVaeConfig : ModelConfig
{
    /// <summary>Sets the defaults of a 2-bar melody model: input_shape [32] and latent_dim 64.</summary>
    protected MelodyVaeConfig()
    {
        InputShape = [2 * MelodyTokens.StepsPerBar];
        LatentDim = 64;
    }

    /// <summary>
    /// Units per direction of each encoder layer (Magenta's <c>enc_rnn_size</c> entries). Default 256: the paper's
    /// encoders use 2048 (<c>cat-mel_2bar_big</c>, <c>hierdec-mel_16bar</c>); reduced eightfold so that an
    /// epoch of Nottingham fits a 2-core CPU (an LSTM step costs O(H²)).
    /// </summary>
    public int EncoderSize { get; init; } = 256;

    /// <summary>
    /// Stacked bidirectional encoder layers. Default 2, the depth of Magenta's 16-bar encoders
    /// (<c>enc_rnn_size=[2048, 2048]</c>); the 2-bar <c>cat-mel_2bar_big</c> uses one.
    /// </summary>
    public int EncoderLayers { get; init; } = 2;

    /// <summary>
    /// Units of each decoder layer (Magenta's <c>dec_rnn_size</c> entries). Default 256: <c>cat-mel_2bar_small</c>'s
    /// size (<c>[256, 256]</c>), against 2048 in <c>cat-mel_2bar_big</c> and 1024 in <c>hierdec-mel_16bar</c>; reduced
    /// for CPU training.
    /// </summary>
    public int DecoderSize { get; init; } = 256;

    /// <summary>Stacked decoder layers. Default 2 (<c>cat-mel_2bar_small</c>, <c>hierdec-mel_16bar</c>; the big 2-bar model has 3).</summary>
    public int DecoderLayers { get; init; } = 2;

    /// <summary>
    /// Free bits (Magenta's <c>free_bits</c>, Roberts et al. 2018 §3.1 after Kingma et al. 2016): the KL cost is
    /// max(KL − free_bits·ln 2, 0) nats per sequence, so the first free_bits bits of information in z are not
    /// penalised. In bits over the whole z, not per dimension, as in Magenta.
    /// </summary>
    public double FreeBits { get; init; }

    /// <summary>Largest KL weight β_max (Magenta's <c>max_beta</c>): β = (1 − beta_rate^step)·β_max.</summary>
    public double MaxBeta { get; init; } = 0.2;

    /// <summary>
    /// Rate of the exponential β annealing (Magenta's <c>beta_rate</c>) in [0, 1): β = (1 − beta_rate^step)·β_max.
    /// 0 gives β_max from the second step on (β = 0 at step 0, as in Magenta, where 0⁰ = 1).
    /// </summary>
    public double BetaRate { get; init; } = 0.99999;

    /// <summary>
    /// Schedule of scheduled sampling (Bengio et al. 2015; Magenta's <c>sampling_schedule</c>): "constant"
    /// (the probability of feeding the model's own sample is <see cref="SamplingRate"/>), "inverse_sigmoid"
    /// (the probability of feeding the ground truth is k/(k + exp(step/k)), k = <see cref="SamplingRate"/>) or
    /// "exponential" (that of feeding the model's sample is 1 − k^step).
    /// </summary>
    public string SamplingSchedule { get; init; } = "inverse_sigmoid";

    /// <summary>Parameter k of <see cref="SamplingSchedule"/> (Magenta's <c>sampling_rate</c>; 1000 in the melody configs).</summary>
    public double SamplingRate { get; init; } = 1000;

    /// <summary>
    /// Learning-rate decay per optimisation step (Magenta's <c>decay_rate</c>, 0.9999): the rate at step t is
    /// (lr − min_learning_rate)·decay_rate^t + min_learning_rate, lr being the training config's <c>lr</c>
    /// (Magenta's <c>learning_rate</c>, 1e-3).
    /// </summary>
    public double DecayRate { get; init; } = 0.9999;

    /// <summary>The learning rate's floor (Magenta's <c>min_learning_rate</c>, 1e-5).</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>Largest global gradient norm; gradients are rescaled above it (Magenta's <c>grad_clip</c> = 1 with <c>clip_mode='global_norm'</c>). 0 turns clipping off.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Steps per bar (16th notes of a 4/4 bar, <see cref="MelodyTokens.StepsPerBar"/>).</summary>
    public int StepsPerBar { get; init; } = MelodyTokens.StepsPerBar;

    /// <summary>Tokens of the vocabulary (a categorical over this many classes per step): the 90 melody tokens here.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public virtual int Vocabulary => MelodyTokens.Count;

    /// <summary>What one example is, for messages about input_shape.</summary>
    protected virtual string ExampleDescription => $"one melody of T {MelodyTokens.StepsPerBar}th-note steps of melody tokens";

    /// <summary>The problem with a sequence length <paramref name="length"/> for this model, or null when it fits.</summary>
    public virtual string? SequenceLengthProblem(long length) =>
        length >= 2 ? null : $"input_shape must be [T] with T >= 2 steps, got [{length}]";

    /// <summary>The problem with <see cref="ModelConfig.InputShape"/> for a sequence model, or null.</summary>
    public string? InputShapeProblem() => InputShape is not { Length: 1 }
        ? $"input_shape must be [T] ({ExampleDescription}) for model '{Model}', got {Format(InputShape)}"
        : SequenceLengthProblem(InputShape[0]);

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (InputShape is { Length: > 0 } && InputShape.All(s => s >= 1) && InputShapeProblem() is { } shape) yield return shape;
        if (Prior != "normal")
            yield return $"prior must be 'normal' for model '{Model}' (its KL term is the analytic one from N(0, I)), got '{Prior}'";
        // The image settings have no effect here: refuse a change instead of ignoring it.
        if (Arch != "mlp") yield return $"arch does not apply to model '{Model}' (its networks are recurrent: set encoder_size, encoder_layers, decoder_size, decoder_layers); remove it";
        if (Hidden is not null && !Hidden.SequenceEqual([400])) yield return $"hidden does not apply to model '{Model}' (set encoder_size and decoder_size); remove it";
        if (Channels is not null && !Channels.SequenceEqual([32, 64])) yield return $"channels does not apply to model '{Model}'; remove it";
        if (Recon != "bce" || ReconVariance != "fixed")
            yield return $"recon and recon_variance do not apply to model '{Model}' (its reconstruction is a {Vocabulary}-way categorical per step); remove them";

        if (EncoderSize < 1) yield return $"encoder_size must be at least 1, got {EncoderSize}";
        if (EncoderLayers < 1) yield return $"encoder_layers must be at least 1, got {EncoderLayers}";
        if (DecoderSize < 1) yield return $"decoder_size must be at least 1, got {DecoderSize}";
        if (DecoderLayers < 1) yield return $"decoder_layers must be at least 1, got {DecoderLayers}";
        if (StepsPerBar < 1) yield return $"steps_per_bar must be at least 1, got {StepsPerBar}";
        if (!(FreeBits >= 0)) yield return $"free_bits must be non-negative, got {G(FreeBits)}";
        if (!(MaxBeta >= 0)) yield return $"max_beta must be non-negative, got {G(MaxBeta)}";
        if (!(BetaRate >= 0 && BetaRate < 1)) yield return $"beta_rate must be in [0, 1), got {G(BetaRate)}";
        switch (SamplingSchedule)
        {
            case "constant":
                if (!(SamplingRate >= 0 && SamplingRate <= 1)) yield return $"sampling_rate must be a probability in [0, 1] with sampling_schedule 'constant', got {G(SamplingRate)}";
                break;
            case "inverse_sigmoid":
                if (!(SamplingRate >= 1)) yield return $"sampling_rate must be at least 1 with sampling_schedule 'inverse_sigmoid' (Magenta uses 1000), got {G(SamplingRate)}";
                break;
            case "exponential":
                if (!(SamplingRate > 0 && SamplingRate <= 1)) yield return $"sampling_rate must be in (0, 1] with sampling_schedule 'exponential', got {G(SamplingRate)}";
                break;
            default:
                yield return $"sampling_schedule must be 'constant', 'inverse_sigmoid' or 'exponential', got '{SamplingSchedule}'";
                break;
        }
        if (!(DecayRate > 0 && DecayRate <= 1)) yield return $"decay_rate must be in (0, 1], got {G(DecayRate)}";
        if (!(MinLearningRate >= 0)) yield return $"min_learning_rate must be non-negative, got {G(MinLearningRate)}";
        if (!(GradClip >= 0)) yield return $"grad_clip must be non-negative (0 turns clipping off), got {G(GradClip)}";
    }

    private static string G(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
