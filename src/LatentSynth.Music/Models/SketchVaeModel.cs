using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "sketchvae": the bar VAE of Music SketchNet (Chen, Walshaw, Xia &amp; Cochrane, ISMIR 2020, §3.1; reference code
/// <c>RetroCirce/Music-SketchNet</c> <c>SketchVAE/sketchvae.py</c>, trained by <c>2-3-2-SketchVAE-train.ipynb</c>), whose
/// latent code is factorized into a pitch half and a rhythm half.
/// </summary>
/// <remarks>
/// <para><b>Data.</b> One example is one 4/4 bar of 24 ticks of the 130-token vocabulary of <see cref="InpaintTokens"/>
/// (0..127 note-on, 128 hold, 129 rest), int64 or float32 holding whole ids. Inside, each bar is split as
/// <see cref="InpaintGrid.Split"/> does (<see cref="SplitBars"/>, batched): the onsets' pitches in order, padded with
/// <see cref="InpaintGrid.PitchPad"/> (128) to 24, and one <see cref="BarRhythm"/> class (onset, hold, rest) per tick.</para>
/// <para><b>Pitch encoder</b> (reference <c>pitch_encoder</c>): an embedding of the 129 pitch tokens, a bidirectional GRU
/// over the bar's pitches only: the padding is left out exactly, as the reference's <c>pack_padded_sequence</c> does, by
/// running the GRU once per distinct length on the rows of that length (no masking). A bar without onsets is encoded as
/// the one-token sequence [128] (the reference cannot pack a length 0). <b>Rhythm encoder</b> (reference
/// <c>rhythm_encoder</c>): a bidirectional GRU over the 24 one-hot rhythm classes. Each takes the final states of every
/// layer and both directions, concatenated ([B, 2·layers·H]), to μ and log σ by one Linear each; σ = exp(log σ) (the
/// reference uses the raw linear output as the scale, <c>Normal(p_mu, p_var)</c>, which may be negative; the exponential
/// is the usual parameterisation, as MeasureVAE's). z = [z_pitch, z_rhythm].</para>
/// <para><b>Decoder</b> (reference <c>final_decoder</c>, <c>forward_beat</c>, <c>forward_tick</c>): the beat → tick GRU
/// decoder, layer for layer the same structure as MeasureVAE's; the code is shared (the internal
/// <c>HierarchicalBarDecoder</c>). It decodes the whole 130-token bar from the concatenated z.</para>
/// <para><b>Training</b>: scheduled sampling per tick, as the reference: before each tick's next input one draw from
/// <see cref="AutoencoderModel.NoiseGenerator"/> feeds the ground truth with the probability
/// <see cref="TeacherForcingProbability"/> (reference <c>eps = decay / (decay + exp(iteration / decay))</c>, decay 4000),
/// else the decoder's own argmax. Evaluation is teacher-forced, as for MeasureVAE and the MusicVAEs (the reference
/// validates in <c>model.eval()</c>, where its coin is skipped, i.e. free-running; that output here is
/// <see cref="DecodeTokens"/>). Loss terms:
/// <c>recon</c> (cross-entropy over the 130 tokens per tick summed over the bar; reference <c>loss_function</c>:
/// <c>F.cross_entropy(recon, target)</c>, averaged over the ticks, see <see cref="SketchVaeConfig"/> for the scale),
/// <c>kl_cost</c> = KL(q(z_pitch|x) ‖ N(0, I)) + KL(q(z_rhythm|x) ‖ N(0, I)) at weight β (reference
/// <c>beta * (KLD1 + KLD2)</c>, <c>vae_beta = 0.1</c>), and, reported only (weight 0), <c>kl</c> (their sum),
/// <c>kl_pitch</c>, <c>kl_rhythm</c> and <c>accuracy</c> (reference <c>acc</c>). Optimiser: Adam with the learning rate
/// decayed per step and the gradient norm clipped to 1, as the reference.</para>
/// Children (state-dict prefixes): <c>pitch_embedding</c>, <c>pitch_encoder</c>, <c>pitch_mu</c>, <c>pitch_log_std</c>,
/// <c>rhythm_encoder</c>, <c>rhythm_mu</c>, <c>rhythm_log_std</c>, and the decoder's <c>beat_initial_state</c>,
/// <c>beat_rnn</c>, <c>tick_initial_state</c>, <c>beat_to_tick_input</c>, <c>decoder_embedding</c>, <c>tick_rnn</c>,
/// <c>output</c>; parameters <c>beat_start</c>, <c>tick_start</c>.
/// </remarks>
[Model("sketchvae", typeof(SketchVaeConfig), "SketchVAE: one 24-tick bar, z factorized into pitch and rhythm, beat + tick GRU decoder (Chen et al. 2020, Music SketchNet)")]
public sealed class SketchVaeModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    /// <summary>Tokens of the vocabulary: 128 note-ons, hold, rest.</summary>
    public const int VocabularySize = InpaintTokens.Count;

    /// <summary>Tokens of the pitch sequences: 128 pitches and the padding <see cref="InpaintGrid.PitchPad"/>.</summary>
    public const int PitchVocabularySize = InpaintGrid.PitchPad + 1;

    /// <summary>Ticks of a 4/4 bar (6 per quarter note).</summary>
    public const int TicksPerBar = InpaintTokens.StepsPerBar;

    private readonly SketchVaeConfig config;
    private readonly HierarchicalBarDecoder decoder;
    private double? baseLearningRate;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid, or its input_shape is not one bar.</exception>
    public SketchVaeModel(SketchVaeConfig config) : base(config)
    {
        this.config = config;
        if (config.InputShapeProblem() is { } problem) throw new ArgumentException("invalid model config: " + problem, nameof(config));
        if (config.Validate().FirstOrDefault() is { } invalid) throw new ArgumentException("invalid model config: " + invalid, nameof(config));
        Length = config.InputShape[0];
        long he = config.EncoderSize, hd = config.DecoderSize;
        int le = config.EncoderLayers, ld = config.DecoderLayers, e = config.EmbeddingDim;
        double pe = le > 1 ? config.Dropout : 0;
        PitchEmbedding = RegisterModule("pitch_embedding", new Embedding(PitchVocabularySize, e));
        PitchEncoder = RegisterModule("pitch_encoder", new GRU(e, he, le, batchFirst: true, dropout: pe, bidirectional: true));
        PitchMu = RegisterModule("pitch_mu", new Linear(2L * le * he, config.PitchLatentDim));
        PitchLogStd = RegisterModule("pitch_log_std", new Linear(2L * le * he, config.PitchLatentDim));
        RhythmEncoder = RegisterModule("rhythm_encoder", new GRU(BarRhythm.Count, he, le, batchFirst: true, dropout: pe, bidirectional: true));
        RhythmMu = RegisterModule("rhythm_mu", new Linear(2L * le * he, config.RhythmLatentDim));
        RhythmLogStd = RegisterModule("rhythm_log_std", new Linear(2L * le * he, config.RhythmLatentDim));
        decoder = new HierarchicalBarDecoder(config.LatentDim, VocabularySize, e, hd, ld, config.Dropout, config.Beats, config.TicksPerBeat);
        decoder.RegisterIn(this);
        // PyTorch's default initialisation throughout, as the reference (no Xavier re-initialisation, unlike MeasureVAE).
    }

    /// <summary>The settings.</summary>
    public SketchVaeConfig Settings => config;

    /// <summary>Ticks of one example (24).</summary>
    public long Length { get; }

    /// <summary>Size of z_pitch, the first <see cref="PitchLatentDim"/> entries of z.</summary>
    public int PitchLatentDim => config.PitchLatentDim;

    /// <summary>Size of z_rhythm, the last <see cref="RhythmLatentDim"/> entries of z.</summary>
    public int RhythmLatentDim => config.RhythmLatentDim;

    /// <summary>The pitch encoder's embedding (129 → embedding_dim; reference <c>p_embedding</c>).</summary>
    public Embedding PitchEmbedding { get; }

    /// <summary>The bidirectional pitch GRU (reference <c>p_encoder_gru</c>).</summary>
    public GRU PitchEncoder { get; }

    /// <summary>μ of q(z_pitch|x) from the pitch GRU's final states (reference <c>p_linear_mu</c>).</summary>
    public Linear PitchMu { get; }

    /// <summary>log σ of q(z_pitch|x) (reference <c>p_linear_var</c>, here a log scale).</summary>
    public Linear PitchLogStd { get; }

    /// <summary>The bidirectional rhythm GRU over one-hot rhythm classes (reference <c>r_encoder_gru</c>).</summary>
    public GRU RhythmEncoder { get; }

    /// <summary>μ of q(z_rhythm|x) (reference <c>r_linear_mu</c>).</summary>
    public Linear RhythmMu { get; }

    /// <summary>log σ of q(z_rhythm|x) (reference <c>r_linear_var</c>, here a log scale).</summary>
    public Linear RhythmLogStd { get; }

    /// <summary>The tokens of <paramref name="x"/> ([B, 24], int64 or floating point holding whole ids 0..129) as int64.</summary>
    /// <exception cref="ArgumentException">Wrong shape, non-integral values or ids outside 0..129.</exception>
    public Tensor Tokens(Tensor x, string name = "x") =>
        CategoricalSequenceVae.Tokens(x, Length, VocabularySize, Config.Model, "bars", name);

    /// <summary>
    /// <see cref="InpaintGrid.Split"/> of every bar of <paramref name="x"/> [B, 24], batched: <c>Pitches</c> int64 [B, 24]
    /// (the onsets' pitches in order, then 128) and <c>Rhythm</c> int64 [B, 24] (<see cref="BarRhythm"/> classes).
    /// </summary>
    /// <exception cref="ArgumentException">x is not a batch of bars.</exception>
    public (Tensor Pitches, Tensor Rhythm) SplitBars(Tensor x)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        long b = tokens.Size(0);
        var onset = tokens.Lt((long)InpaintTokens.Hold);
        var rhythm = Torch.Where(onset, (long)BarRhythm.Onset, Torch.Where(tokens.Eq((long)InpaintTokens.Hold), (long)BarRhythm.Hold, (long)BarRhythm.Rest));
        // The k-th onset goes to column k; the other ticks to a spare column 24, dropped.
        var column = Torch.Where(onset, onset.To(DType.Int64).Cumsum(1) - 1L, (long)Length);
        var pitches = Torch.Full([b, Length + 1], (double)InpaintGrid.PitchPad).To(DType.Int64).Scatter(1, column, tokens).Narrow(1, 0, Length);
        return (pitches.Contiguous().MoveToOuterScope(), rhythm.MoveToOuterScope());
    }

    /// <summary>
    /// The pitch sequences of <paramref name="pitches"/> ([B, 24] of pitches 0..127 then only the padding 128, as
    /// <see cref="InpaintGrid.Split"/> gives them; int64 or floating point) as int64, with their lengths (onsets per bar).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, ids outside 0..128, or a pitch after the padding began.</exception>
    public (Tensor Pitches, long[] Lengths) PitchSequences(Tensor pitches, string name = "pitches")
    {
        using var scope = Torch.NewScope();
        var p = CategoricalSequenceVae.Tokens(pitches, Length, PitchVocabularySize, Config.Model, "pitch sequences", name);
        var pad = p.Eq((long)InpaintGrid.PitchPad);
        if (p.Size(0) > 0 && pad.Narrow(1, 0, Length - 1).LogicalAnd(pad.Narrow(1, 1, Length - 1).LogicalNot()).Any().Item() == 1)
            throw new ArgumentException($"{name} has a pitch after the padding {InpaintGrid.PitchPad} began; model '{Config.Model}' expects the onsets' pitches first, then only {InpaintGrid.PitchPad}", name);
        var lengths = pad.LogicalNot().To(DType.Int64).Sum(1).ToArray<long>();
        return (p.MoveToOuterScope(), lengths);
    }

    /// <summary>The rhythms of <paramref name="rhythm"/> ([B, 24] of <see cref="BarRhythm"/> classes 0..2, int64 or floating point) as int64.</summary>
    /// <exception cref="ArgumentException">Wrong shape, non-integral values or classes outside 0..2.</exception>
    public Tensor RhythmClasses(Tensor rhythm, string name = "rhythm") =>
        CategoricalSequenceVae.Tokens(rhythm, Length, BarRhythm.Count, Config.Model, "rhythms", name);

    /// <summary>The final states of every layer and direction of <paramref name="gru"/> over <paramref name="input"/>, [N, 2·layers·H].</summary>
    private static Tensor FinalStates(GRU gru, Tensor input)
    {
        using var scope = Torch.NewScope();
        var (_, h) = gru.Call(input);                                                  // [layers·2, N, H]
        return h.Transpose(0, 1).Contiguous().Reshape(input.Size(0), -1).MoveToOuterScope();
    }

    /// <summary>μ and σ of q(z_pitch|pitches), each [B, pitch_latent_dim] (reference <c>pitch_encoder</c>); see <see cref="PitchSequences"/> for the input.</summary>
    /// <exception cref="ArgumentException">The pitches are not a batch of padded pitch sequences.</exception>
    public (Tensor Mu, Tensor Sigma) PitchPosterior(Tensor pitches)
    {
        using var scope = Torch.NewScope();
        var (p, lengths) = PitchSequences(pitches);
        long b = p.Size(0);
        var embedded = PitchEmbedding.Call(p);                                         // [B, 24, E]
        // One GRU run per distinct length over exactly the rows' pitches: the padding never enters (as packing).
        var order = new List<long>();
        var parts = new List<Tensor>();
        foreach (var group in Enumerable.Range(0, (int)b).GroupBy(i => Math.Max(1L, lengths[i])))
        {
            var rows = group.Select(i => (long)i).ToArray();
            order.AddRange(rows);
            var index = Tensor.From(rows, rows.Length);
            parts.Add(FinalStates(PitchEncoder, embedded.IndexSelect(0, index).Narrow(1, 0, group.Key)));
        }
        var inverse = new long[b];
        for (int k = 0; k < order.Count; k++) inverse[order[k]] = k;
        var last = b == 0
            ? Torch.Zeros(0, 2L * config.EncoderLayers * config.EncoderSize)
            : Torch.Cat(parts, 0).IndexSelect(0, Tensor.From(inverse, b));
        return (PitchMu.Call(last).MoveToOuterScope(), PitchLogStd.Call(last).Exp().MoveToOuterScope());
    }

    /// <summary>μ and σ of q(z_rhythm|rhythm), each [B, rhythm_latent_dim] (reference <c>rhythm_encoder</c>) from <see cref="BarRhythm"/> classes [B, 24].</summary>
    /// <exception cref="ArgumentException">The rhythm is not [B, 24] of classes 0..2.</exception>
    public (Tensor Mu, Tensor Sigma) RhythmPosterior(Tensor rhythm)
    {
        using var scope = Torch.NewScope();
        var r = RhythmClasses(rhythm);
        var oneHot = r.Unsqueeze(-1).Eq(Torch.Arange(BarRhythm.Count)).To(DType.Float32);   // [B, 24, 3] (reference nrx)
        var last = FinalStates(RhythmEncoder, oneHot);
        return (RhythmMu.Call(last).MoveToOuterScope(), RhythmLogStd.Call(last).Exp().MoveToOuterScope());
    }

    /// <summary>The pitch half of z for a pitch sketch alone: μ of q(z_pitch|pitches), [B, pitch_latent_dim]; input as <see cref="PitchSequences"/>.</summary>
    /// <exception cref="ArgumentException">The pitches are not a batch of padded pitch sequences.</exception>
    public Tensor EncodePitches(Tensor pitches)
    {
        using var scope = Torch.NewScope();
        return PitchPosterior(pitches).Mu.MoveToOuterScope();
    }

    /// <summary>The rhythm half of z for a rhythm sketch alone: μ of q(z_rhythm|rhythm), [B, rhythm_latent_dim], from <see cref="BarRhythm"/> classes [B, 24].</summary>
    /// <exception cref="ArgumentException">The rhythm is not [B, 24] of classes 0..2.</exception>
    public Tensor EncodeRhythm(Tensor rhythm)
    {
        using var scope = Torch.NewScope();
        return RhythmPosterior(rhythm).Mu.MoveToOuterScope();
    }

    /// <summary>The posterior means of both halves of z for bars <paramref name="x"/> [B, 24]: z_pitch [B, pitch_latent_dim], z_rhythm [B, rhythm_latent_dim].</summary>
    /// <exception cref="ArgumentException">x is not a batch of bars.</exception>
    public (Tensor ZPitch, Tensor ZRhythm) EncodeParts(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (pitches, rhythm) = SplitBars(x);
        return (EncodePitches(pitches).MoveToOuterScope(), EncodeRhythm(rhythm).MoveToOuterScope());
    }

    /// <summary>μ and σ of q(z|x) = q(z_pitch|x) q(z_rhythm|x), each [B, LatentDim] (pitch half first).</summary>
    /// <exception cref="ArgumentException">x is not a batch of bars.</exception>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (pitches, rhythm) = SplitBars(x);
        var (pm, ps) = PitchPosterior(pitches);
        var (rm, rs) = RhythmPosterior(rhythm);
        return (Torch.Cat([pm, rm], 1).MoveToOuterScope(), Torch.Cat([ps, rs], 1).MoveToOuterScope());
    }

    /// <inheritdoc />
    /// <remarks>The posterior means [z_pitch, z_rhythm], [B, LatentDim] (<see cref="EncodeParts"/> concatenated).</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (zp, zr) = EncodeParts(x);
        return Torch.Cat([zp, zr], 1).MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The standard normal N(0, I) over both halves (reference <c>std_normal</c>).</remarks>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        Torch.Randn([n, LatentDim], generator: generator ?? NoiseGenerator);

    /// <inheritdoc />
    /// <remarks>The greedy bar of each code as float32 token ids [B, 24]; see <see cref="DecodeTokens"/>.</remarks>
    public override Tensor Decode(Tensor z)
    {
        using var scope = Torch.NewScope();
        return DecodeTokens(z).To(DType.Float32).MoveToOuterScope();
    }

    /// <summary>
    /// Decodes codes <paramref name="z"/> [B, LatentDim] ([z_pitch, z_rhythm]) into bars, int64 [B, 24], each tick's token
    /// fed back as the next input: argmax when <paramref name="temperature"/> is null (the reference's inference), else
    /// sampled from softmax(logits / temperature) with <paramref name="generator"/>. No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor DecodeTokens(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return decoder.Sequential(z, temperature, generator).Tokens.MoveToOuterScope();
    }

    /// <summary>Draws <paramref name="n"/> codes from the prior and decodes them (<see cref="DecodeTokens"/>): int64 [n, 24].</summary>
    public Tensor Generate(long n, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return DecodeTokens(SamplePrior(n, generator), temperature, generator).MoveToOuterScope();
    }

    /// <summary>The beat GRU's outputs for codes <paramref name="z"/> [B, LatentDim]: [B, beats, decoder_size] (reference <c>forward_beat</c>).</summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    public Tensor BeatOutputs(Tensor z)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        return decoder.BeatOutputs(z);
    }

    /// <summary>
    /// The decoder's logits [B, 24, 130] for codes <paramref name="z"/> with the ground truth <paramref name="x"/> [B, 24]
    /// fed as inputs (teacher forcing). Gradients are recorded as usual.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim], or x is not [B, 24] of tokens, or their batches differ.</exception>
    public Tensor TeacherForcedLogits(Tensor z, Tensor x)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        if (tokens.Size(0) != z.Size(0))
            throw new ArgumentException($"z holds {z.Size(0)} codes but x holds {tokens.Size(0)} bars", nameof(x));
        return decoder.TeacherForced(z, tokens).MoveToOuterScope();
    }

    /// <summary>
    /// The probability of feeding the ground truth at a training tick at <paramref name="progress"/>
    /// (<see cref="MusicVaeSchedules.TeacherForcingProbability"/>; by default the reference's k / (k + exp(step / k)), k = 4000).
    /// </summary>
    public double TeacherForcingProbability(TrainingProgress progress) =>
        Math.Clamp(MusicVaeSchedules.TeacherForcingProbability(config.SamplingSchedule, config.SamplingRate, progress.Step), 0.0, 1.0);

    /// <summary>The KL weight β at <paramref name="progress"/> (<see cref="MusicVaeSchedules.Beta"/>; constant 0.01875 from step 1 by default).</summary>
    public double Beta(TrainingProgress progress) => MusicVaeSchedules.Beta(progress.Step, config.MaxBeta, config.BetaRate);

    /// <inheritdoc />
    /// <remarks>
    /// In training mode the decoder runs tick by tick and, before each tick, one draw from
    /// <see cref="AutoencoderModel.NoiseGenerator"/> decides whether its next input is the ground truth (probability
    /// <see cref="TeacherForcingProbability"/>) or its own argmax, as the reference's <c>forward_tick</c>; in evaluation
    /// mode it is teacher-forced.
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress) => LossCore(x, progress, Training);

    /// <inheritdoc />
    /// <remarks>Teacher-forced whatever the mode, β at its value at the end of training.</remarks>
    public override LossTerms EvaluationLoss(Tensor x) => LossCore(x, TrainingProgress.Finished, false);

    private LossTerms LossCore(Tensor x, TrainingProgress progress, bool scheduledSampling)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        var (mu, sigma) = Posterior(tokens);
        long b = tokens.Size(0);
        // Reparameterisation z = μ + σ ⊙ ε for both halves (Kingma & Welling 2013, §2.4; reference: p_dis.rsample(), r_dis.rsample()).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        Tensor logits;
        double p = scheduledSampling ? TeacherForcingProbability(progress) : 1.0;
        if (p >= 1) logits = decoder.TeacherForced(z, tokens);
        else
        {
            var noise = NoiseGenerator;
            logits = decoder.Sequential(z, null, null, tokens, () => p > 0 && Torch.Rand([1], generator: noise).Item() < p).Logits;
        }
        // recon: per-tick cross-entropy over the 130 tokens (reference loss_function: F.cross_entropy), summed over the bar;
        // kl_cost: KL(q(z_pitch|x) ‖ N(0, I)) + KL(q(z_rhythm|x) ‖ N(0, I)) (reference KLD1 + KLD2) at weight β
        // (SketchVaeConfig.MaxBeta: vae_beta 0.1 on tick- and dimension-means, i.e. 0.01875 on the sums); no free bits.
        // The KL of the concatenated diagonal Gaussian is the sum of the halves' KLs. CategoricalSequenceVae.Loss cites each term.
        var loss = CategoricalSequenceVae.Loss(logits, tokens, mu, sigma, config.FreeBits, Beta(progress));
        var terms = loss.Terms.ToDictionary(t => t.Key, t => t.Value.MoveToOuterScope());
        var weights = new Dictionary<string, double>(loss.Weights);
        int zp = config.PitchLatentDim, zr = config.RhythmLatentDim;
        terms["kl_pitch"] = MelodyVaeModel.KlDivergence(mu.Narrow(1, 0, zp), sigma.Narrow(1, 0, zp)).Mean().MoveToOuterScope();
        terms["kl_rhythm"] = MelodyVaeModel.KlDivergence(mu.Narrow(1, zp, zr), sigma.Narrow(1, zp, zr)).Mean().MoveToOuterScope();
        weights["kl_pitch"] = 0.0;
        weights["kl_rhythm"] = 0.0;
        return new LossTerms(loss.Total.MoveToOuterScope(), terms, weights);
    }

    /// <inheritdoc />
    /// <remarks>One Adam over all parameters (reference <c>optim.Adam(model.parameters(), lr)</c>); <paramref name="learningRate"/> is the base rate.</remarks>
    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate)
    {
        baseLearningRate = learningRate;
        return base.CreateOptimizers(learningRate);
    }

    /// <inheritdoc />
    /// <remarks>The learning rate follows <see cref="MusicVaeSchedules.LearningRate"/> (reference <c>MinExponentialLR</c>,
    /// γ 0.9999, minimum 1e-5, per batch); the gradient norm is clipped to grad_clip (reference 1).</remarks>
    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var opt = optimizers["model"];
        baseLearningRate ??= opt.LearningRate;
        double lr = MusicVaeSchedules.LearningRate(progress.Step, baseLearningRate.Value, config.DecayRate, config.MinLearningRate);
        return CategoricalSequenceVae.Step(opt, lr, () => Loss(x, progress), Parameters(), config.GradClip);
    }
}
