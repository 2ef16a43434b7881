namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "sketchvae", the bar VAE of Music SketchNet (Chen, Walshaw, Xia &amp; Cochrane, ISMIR 2020, "Music
/// SketchNet: Controllable Music Generation via Factorized Representations of Pitch and Rhythm", §3.1; reference code
/// <c>RetroCirce/Music-SketchNet</c>, <c>SketchVAE/sketchvae.py</c> and <c>2-3-2-SketchVAE-train.ipynb</c>). The shared
/// sequence settings of <see cref="MelodyVaeConfig"/> map onto the reference as follows; sizes are reduced for CPU
/// training where stated.
/// <list type="bullet">
/// <item>input_shape [24]: one 4/4 bar of 24 ticks (6 per quarter note), tokens 0..129 (<see cref="SketchVaeModel.VocabularySize"/>).</item>
/// <item>encoder_size 256, encoder_layers 2: the pitch and the rhythm encoders are each a 2-layer bidirectional GRU
/// (reference: 2 layers of <c>hidden_dims</c> = 1024 per direction in the training notebook, 512 by default; 256 for CPU).</item>
/// <item>decoder_size 256, decoder_layers 2: the beat and tick GRUs (reference: 2 × 1024 each; 256 for CPU).</item>
/// <item>latent_dim 256 with <see cref="PitchLatentDim"/> 128: z = [z_pitch (128), z_rhythm (latent_dim − 128 = 128)],
/// as the reference (<c>zp_dims = zr_dims = 128</c>).</item>
/// <item><see cref="EmbeddingDim"/> 10 and <see cref="Dropout"/> 0.2: as the reference (<c>p_vocab_dims = 10</c> for the
/// pitch and the decoder embeddings, <c>dropout = 0.2</c> between GRU layers).</item>
/// <item>free_bits 0, β constant (beta_rate 0), max_beta 0.01875: the reference's loss is
/// <c>CE + 0.1·(KLD1 + KLD2)</c> with the cross-entropy averaged over the 24 ticks and each KL averaged over its 128
/// dimensions (<c>kl_divergence(p_dis, normal1).mean()</c>); ours sums the cross-entropy over the ticks and each KL over its
/// dimensions, so the same balance is β = 0.1 × 24 / 128 = 0.01875 (exact while both halves have 128 dimensions). Our β
/// is 0 at step 0 (0⁰ = 1), the reference's 0.1 from the start.</item>
/// <item>sampling_schedule "inverse_sigmoid", sampling_rate 4000: the reference's teacher-forcing probability
/// <c>eps = decay / (decay + exp(iteration / decay))</c> with <c>decay = 4000</c>, drawn anew at every tick (not per batch
/// as MeasureVAE).</item>
/// <item>decay_rate 0.9999, min_learning_rate 1e-5, grad_clip 1: the reference's Adam at <c>lr = 1e-4</c> (set lr 1e-4 in
/// the training config to match) with <c>MinExponentialLR(gamma = 0.9999, minimum = 1e-5)</c> stepped per batch and
/// <c>clip_grad_norm_(…, 1)</c>.</item>
/// </list>
/// </summary>
public sealed record SketchVaeConfig : MelodyVaeConfig
{
    /// <summary>Sets the defaults listed in the type's documentation.</summary>
    public SketchVaeConfig()
    {
        InputShape = [SketchVaeModel.TicksPerBar];
        LatentDim = 256;
        StepsPerBar = SketchVaeModel.TicksPerBar;
        FreeBits = 0;
        MaxBeta = 0.01875;
        BetaRate = 0;
        SamplingSchedule = "inverse_sigmoid";
        SamplingRate = 4000;
        DecayRate = 0.9999;
        MinLearningRate = 1e-5;
        GradClip = 1;
    }

    /// <summary>Size of z_pitch, the first part of z (reference <c>zp_dims = 128</c>); z_rhythm has the other latent_dim − pitch_latent_dim.</summary>
    public int PitchLatentDim { get; init; } = 128;

    /// <summary>Size of z_rhythm, latent_dim − pitch_latent_dim (reference <c>zr_dims = 128</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int RhythmLatentDim => LatentDim - PitchLatentDim;

    /// <summary>Size of the pitch encoder's and of the decoder's token embeddings (reference <c>p_vocab_dims = 10</c>).</summary>
    public int EmbeddingDim { get; init; } = 10;

    /// <summary>Dropout between stacked GRU layers, in training only (reference <c>dropout = 0.2</c>).</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>Ticks per beat, the tick GRU's run length (reference <c>tick_num = 6</c>; 24 ticks per bar give 4 beats).</summary>
    public int TicksPerBeat { get; init; } = SketchVaeModel.TicksPerBar / 4;

    /// <summary>Beats per bar: steps_per_bar / ticks_per_beat, the beat GRU's run length (reference <c>beat_num = 4</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Beats => TicksPerBeat > 0 ? StepsPerBar / TicksPerBeat : 0;

    /// <inheritdoc />
    /// <remarks>130: note-ons of MIDI pitches 0..127, hold (128) and rest (129).</remarks>
    [System.Text.Json.Serialization.JsonIgnore]
    public override int Vocabulary => SketchVaeModel.VocabularySize;

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
        if (StepsPerBar != SketchVaeModel.TicksPerBar)
            yield return $"steps_per_bar must be {SketchVaeModel.TicksPerBar} for model '{Model}' (the pitch/rhythm split works on 24-tick bars), got {StepsPerBar}";
        if (PitchLatentDim < 1 || PitchLatentDim >= LatentDim)
            yield return $"pitch_latent_dim must be at least 1 and below latent_dim ({LatentDim}) so that z_rhythm keeps at least one dimension, got {PitchLatentDim}";
        if (EmbeddingDim < 1) yield return $"embedding_dim must be at least 1, got {EmbeddingDim}";
        if (!(Dropout >= 0 && Dropout < 1)) yield return $"dropout must be in [0, 1), got {Dropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
        if (TicksPerBeat < 1 || StepsPerBar % TicksPerBeat != 0)
            yield return $"ticks_per_beat must divide steps_per_bar ({StepsPerBar}) into whole beats, got {TicksPerBeat}";
    }
}
