namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "measurevae", the bar VAE of InpaintNet (Pati, Lerch &amp; Hadjeres, ISMIR 2019, "Learning to Traverse
/// Latent Spaces for Musical Score Inpainting", §3.1; reference code <c>ashispati/InpaintNet</c>, <c>MeasureVAE/</c>, and
/// its copy in <c>RetroCirce/Music-SketchNet</c>). The shared sequence settings of <see cref="MelodyVaeConfig"/> map onto
/// the reference as follows; sizes are reduced for CPU training where stated.
/// <list type="bullet">
/// <item>input_shape [24]: one 4/4 bar of 24 ticks (6 per quarter note), tokens 0..129 (<see cref="MeasureVaeModel.VocabularySize"/>).</item>
/// <item>encoder_size 256, encoder_layers 2: a 2-layer bidirectional GRU (reference: 2×512 per direction; halved for CPU).</item>
/// <item>decoder_size 256, decoder_layers 2: the beat and tick GRUs (reference: 2×512 each; halved for CPU).</item>
/// <item>latent_dim 128 (reference <c>latent_space_dim=256</c>; halved with the GRUs: one bar holds little information).</item>
/// <item><see cref="EmbeddingDim"/> 10 and <see cref="Dropout"/> 0.5: as the reference (<c>note_embedding_dim=10</c>,
/// <c>encoder/decoder_dropout_prob=0.5</c>).</item>
/// <item>free_bits 0, β constant (beta_rate 0): the reference's KL has no free bits and a fixed weight.
/// max_beta 0.024: the reference's total is <c>mean_crossentropy_loss + 0.001·KL</c> with the cross-entropy averaged over the
/// 24 ticks (<c>VAETrainer.compute_kld_loss(beta=0.001)</c>, <c>Trainer.mean_crossentropy_loss</c>); ours sums the
/// cross-entropy over the ticks (−log p(x|z) of the bar, as MusicVAE), so the same balance is β = 0.001 × 24 = 0.024.
/// Note that our β is 0 at step 0 (MusicVAE's 0⁰ = 1), the reference's 0.001 from the start.</item>
/// <item>sampling_schedule "constant", sampling_rate 0.5: the reference decoder's <c>teacher_forcing_prob = 0.5</c>, one coin per
/// batch (<c>HierarchicalDecoder.forward</c>: <c>teacher_forced = random.random() &lt; teacher_forcing_prob</c>); a batch
/// not teacher-forced feeds back the decoder's own argmax (<c>sampling = 'argmax'</c>). Any schedule of
/// <see cref="MusicVaeSchedules.TeacherForcingProbability"/> may be set; in this model it decides per batch, not per step.</item>
/// <item>decay_rate 1 and grad_clip 0: the reference trains with a plain Adam at a fixed rate (<c>utils/trainer.py</c>,
/// <c>torch.optim.Adam(lr=1e-4)</c>; set <c>lr</c> 1e-4 in the training config to match), without clipping.</item>
/// </list>
/// </summary>
public sealed record MeasureVaeConfig : MelodyVaeConfig
{
    /// <summary>Sets the defaults listed in the type's documentation.</summary>
    public MeasureVaeConfig()
    {
        InputShape = [MeasureVaeModel.TicksPerBar];
        LatentDim = 128;
        StepsPerBar = MeasureVaeModel.TicksPerBar;
        FreeBits = 0;
        MaxBeta = 0.024;
        BetaRate = 0;
        SamplingSchedule = "constant";
        SamplingRate = 0.5;
        DecayRate = 1;
        GradClip = 0;
    }

    /// <summary>Size of the token embeddings of the encoder and of the decoder (reference <c>note_embedding_dim=10</c>).</summary>
    public int EmbeddingDim { get; init; } = 10;

    /// <summary>Dropout between stacked GRU layers, in training only (reference <c>encoder/decoder_dropout_prob=0.5</c>).</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>Ticks per beat, the tick GRU's run length (reference: 6; 24 ticks per bar give 4 beats).</summary>
    public int TicksPerBeat { get; init; } = MeasureVaeModel.TicksPerBar / 4;

    /// <summary>Beats per bar: steps_per_bar / ticks_per_beat, the beat GRU's run length.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Beats => TicksPerBeat > 0 ? StepsPerBar / TicksPerBeat : 0;

    /// <inheritdoc />
    /// <remarks>130: note-ons of MIDI pitches 0..127, hold (128) and rest (129).</remarks>
    [System.Text.Json.Serialization.JsonIgnore]
    public override int Vocabulary => MeasureVaeModel.VocabularySize;

    /// <inheritdoc />
    protected override string ExampleDescription => $"one bar of {StepsPerBar} ticks of tokens 0..{Vocabulary - 1}";

    /// <inheritdoc />
    public override string? SequenceLengthProblem(long length) =>
        length != StepsPerBar
            ? $"input_shape must be [{StepsPerBar}] (one bar of steps_per_bar ticks) for model '{Model}', got [{length}]"
            : null;

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (EmbeddingDim < 1) yield return $"embedding_dim must be at least 1, got {EmbeddingDim}";
        if (!(Dropout >= 0 && Dropout < 1)) yield return $"dropout must be in [0, 1), got {Dropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
        if (TicksPerBeat < 1 || StepsPerBar % TicksPerBeat != 0)
            yield return $"ticks_per_beat must divide steps_per_bar ({StepsPerBar}) into whole beats, got {TicksPerBeat}";
    }
}
