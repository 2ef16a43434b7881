using System.Globalization;
using LatentSynth.Models;
using LatentSynth.Music.Data;

namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "pianotree", PianoTree VAE (Wang, Zhang, Zhao, Zhu, Dai &amp; Xia, ISMIR 2020, "PianoTree VAE: Structured
/// Representation Learning for Polyphonic Music"; reference code <c>ZZWaang/PianoTree-VAE</c>, <c>model.py</c>,
/// <c>model_config.json</c>, <c>train.py</c>, <c>utils.py</c>). Sizes: the reference's in each setting's documentation;
/// the defaults are reduced for CPU training (about a quarter to a half of each width, see each setting), everything else
/// as the reference.
/// </summary>
/// <remarks>
/// One example is one tree [32, 16, 6] (<see cref="PolyTree"/>); <see cref="ModelConfig.InputShape"/> must be that. The
/// image settings (arch, hidden, channels, recon, recon_variance) do not apply and must keep their defaults; the prior must
/// be "normal" (the KL is the analytic one from N(0, I), as the reference's <c>kl_divergence(dist, normal)</c>).
/// </remarks>
public sealed record PianoTreeVaeConfig : ModelConfig
{
    /// <summary>Sets the defaults: input_shape [32, 16, 6], latent_dim 128 (reference <c>z_size</c> 512).</summary>
    public PianoTreeVaeConfig()
    {
        InputShape = [PolyTree.Steps, PolyTree.MaxNotes, PolyTree.Width];
        LatentDim = 128;
    }

    /// <summary>Size of the note embedding shared by encoder and decoder (reference <c>note_emb_size</c> 128; default 64).</summary>
    public int NoteEmbedding { get; init; } = 64;

    /// <summary>Units per direction of the encoder's note GRU (reference <c>enc_notes_hid_size</c> 256; default 128).</summary>
    public int EncoderNoteSize { get; init; } = 128;

    /// <summary>Units per direction of the encoder's time GRU (reference <c>enc_time_hid_size</c> 512; default 256).</summary>
    public int EncoderTimeSize { get; init; } = 256;

    /// <summary>Units of the decoder's time GRU (reference <c>dec_time_hid_size</c> 1024; default 256).</summary>
    public int DecoderTimeSize { get; init; } = 256;

    /// <summary>Units per direction of the decoder's GRU that summarises a decoded step for the next time input
    /// (reference <c>dec_emb_hid_size</c> 128; default 64).</summary>
    public int DecoderSummarySize { get; init; } = 64;

    /// <summary>Size of the z projection fed to every time step (reference <c>dec_z_in_size</c> 256; default 64).</summary>
    public int DecoderZInput { get; init; } = 64;

    /// <summary>Units of the decoder's note GRU (reference <c>dec_notes_hid_size</c> 512; default 128).</summary>
    public int DecoderNoteSize { get; init; } = 128;

    /// <summary>Units of the duration GRU (reference <c>dec_dur_hid_size</c>: 64 in model_config.json, 16 in model.py's
    /// default; default 32).</summary>
    public int DecoderDurationSize { get; init; } = 32;

    /// <summary>Weight of the pitch cross-entropy (reference <c>weights[0]</c> = 1).</summary>
    public double PitchWeight { get; init; } = 1;

    /// <summary>Weight of the duration cross-entropy (reference <c>weights[1]</c> = 1).</summary>
    public double DurationWeight { get; init; } = 1;

    /// <summary>
    /// Largest KL weight β (reference <c>weights[2]</c> = 0.1, on the KL averaged over batch and z dimensions, as here).
    /// β = (1 − beta_rate^step)·max_beta (<see cref="MusicVaeSchedules.Beta"/>).
    /// </summary>
    public double MaxBeta { get; init; } = 0.1;

    /// <summary>β annealing rate; 0 (default): β = max_beta from the second step on, as the reference's constant weight
    /// (our β is 0 at step 0, <see cref="MusicVaeSchedules.Beta"/>'s 0⁰ = 1).</summary>
    public double BetaRate { get; init; }

    /// <summary>Teacher-forcing ratio of the time level at the start of training (reference <c>teacher_forcing1</c> [0.8, 0]).</summary>
    public double TimeTeacherForcingStart { get; init; } = 0.8;

    /// <summary>Teacher-forcing ratio of the time level at the end of training (reference 0).</summary>
    public double TimeTeacherForcingEnd { get; init; }

    /// <summary>Teacher-forcing ratio of the note level at the start of training (reference <c>teacher_forcing2</c> [0.6, 0]).</summary>
    public double NoteTeacherForcingStart { get; init; } = 0.6;

    /// <summary>Teacher-forcing ratio of the note level at the end of training (reference 0).</summary>
    public double NoteTeacherForcingEnd { get; init; }

    /// <summary>Learning-rate decay per step (reference <c>MinExponentialLR(gamma=0.9999)</c>): lr·decay^step, never below
    /// <see cref="MinLearningRate"/>.</summary>
    public double DecayRate { get; init; } = 0.9999;

    /// <summary>The learning rate's floor (reference <c>minimum=1e-5</c>).</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>Largest global gradient norm (reference <c>clip_grad_norm_(…, 1)</c>); 0 turns clipping off.</summary>
    public double GradClip { get; init; } = 1;

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (InputShape is not [PolyTree.Steps, PolyTree.MaxNotes, PolyTree.Width])
            yield return $"input_shape must be [{PolyTree.Steps}, {PolyTree.MaxNotes}, {PolyTree.Width}] (one PianoTree tree) for model '{Model}', got [{string.Join(", ", InputShape ?? [])}]";
        if (Prior != "normal") yield return $"prior must be 'normal' for model '{Model}' (its KL term is the analytic one from N(0, I)), got '{Prior}'";
        if (Arch != "mlp") yield return $"arch does not apply to model '{Model}' (its networks are GRUs: set the *_size settings); remove it";
        if (Hidden is not null && !Hidden.SequenceEqual([400])) yield return $"hidden does not apply to model '{Model}' (set the *_size settings); remove it";
        if (Channels is not null && !Channels.SequenceEqual([32, 64])) yield return $"channels does not apply to model '{Model}'; remove it";
        if (Recon != "bce" || ReconVariance != "fixed")
            yield return $"recon and recon_variance do not apply to model '{Model}' (its reconstruction is pitch and duration cross-entropy); remove them";
        foreach (var (name, v) in new[] { ("note_embedding", NoteEmbedding), ("encoder_note_size", EncoderNoteSize), ("encoder_time_size", EncoderTimeSize),
                     ("decoder_time_size", DecoderTimeSize), ("decoder_summary_size", DecoderSummarySize), ("decoder_z_input", DecoderZInput),
                     ("decoder_note_size", DecoderNoteSize), ("decoder_duration_size", DecoderDurationSize) })
            if (v < 1) yield return $"{name} must be at least 1, got {v}";
        foreach (var (name, v) in new[] { ("time_teacher_forcing_start", TimeTeacherForcingStart), ("time_teacher_forcing_end", TimeTeacherForcingEnd),
                     ("note_teacher_forcing_start", NoteTeacherForcingStart), ("note_teacher_forcing_end", NoteTeacherForcingEnd) })
            if (!(v >= 0 && v <= 1)) yield return $"{name} must be a probability in [0, 1], got {G(v)}";
        if (!(PitchWeight >= 0)) yield return $"pitch_weight must be non-negative, got {G(PitchWeight)}";
        if (!(DurationWeight >= 0)) yield return $"duration_weight must be non-negative, got {G(DurationWeight)}";
        if (!(MaxBeta >= 0)) yield return $"max_beta must be non-negative, got {G(MaxBeta)}";
        if (!(BetaRate >= 0 && BetaRate < 1)) yield return $"beta_rate must be in [0, 1), got {G(BetaRate)}";
        if (!(DecayRate > 0 && DecayRate <= 1)) yield return $"decay_rate must be in (0, 1], got {G(DecayRate)}";
        if (!(MinLearningRate >= 0)) yield return $"min_learning_rate must be non-negative, got {G(MinLearningRate)}";
        if (!(GradClip >= 0)) yield return $"grad_clip must be non-negative (0 turns clipping off), got {G(GradClip)}";
    }

    private static string G(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
