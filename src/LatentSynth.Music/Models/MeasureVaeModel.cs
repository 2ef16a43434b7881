using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "measurevae": the bar VAE of InpaintNet (Pati, Lerch &amp; Hadjeres, ISMIR 2019, §3.1, after Roberts et al. 2018's
/// hierarchical decoder; reference code <c>ashispati/InpaintNet</c> <c>MeasureVAE/encoder.py</c>, <c>measure_vae.py</c>,
/// the decoder as copied in <c>RetroCirce/Music-SketchNet</c> <c>MeasureVAE/decoder.py</c>, <c>HierarchicalDecoder</c>).
/// </summary>
/// <remarks>
/// <para><b>Data.</b> One example is one 4/4 bar of 24 ticks (6 per quarter note); each tick is a token of a 130-way
/// vocabulary: 0..127 note-on of that MIDI pitch, 128 hold (<see cref="HoldToken"/>), 129 rest (<see cref="RestToken"/>).
/// Batches may be int64 or float32 holding whole ids (the datasets store float32).</para>
/// <para><b>Encoder</b> (reference <c>Encoder</c>): a token embedding, a bidirectional GRU over the 24 ticks; the final
/// states of every layer and both directions, concatenated ([B, 2·layers·H]), go through two heads
/// Linear(2·layers·H → 2H) → SELU → Linear(2H → z), one giving μ and one log σ; σ = exp(log σ)
/// (<c>Normal(loc=z_mean, scale=torch.exp(z_log_std))</c>).</para>
/// <para><b>Decoder</b> (reference <c>HierarchicalDecoder</c>; the layers are shared in code with
/// <see cref="SketchVaeModel"/>, whose reference decoder has the same structure): the beat GRU runs 4 steps fed a learned scalar
/// (<c>b_0</c>) from the initial state SELU(Linear(z)) split over its layers. Each beat output sets, through
/// SELU(Linear), the initial state of the tick GRU, and, through another SELU(Linear), a beat embedding
/// concatenated to every tick input (the previous token's embedding; a learned vector <c>x_0</c> before the first tick
/// of the bar). The tick GRU runs 6 ticks per beat; its outputs go through Linear → ReLU to the 130 logits (the
/// reference's <c>tick_emb_to_note_emb</c> ends in a ReLU; kept, although a target whose logit is clamped at 0 gets no
/// gradient: on tiny models, unseeded runs sometimes sat near the uniform loss for tens of steps before learning). Teacher-forced, the tick GRU runs once over all
/// beats as a batch of B·4 sequences of 6 ticks (each beat's first input is the previous beat's last target token,
/// as in the reference's sequential loop); free-running, beat after beat, tick after tick.</para>
/// <para><b>Training</b>: per batch, with the probability <see cref="TeacherForcingProbability"/> (reference 0.5) the
/// decoder is teacher-forced, else it feeds back its own argmax (no gradient through the choice), as the reference.
/// The reference evaluates free-running; here <see cref="AutoencoderModel.EvaluationLoss"/> and evaluation mode are
/// teacher-forced, as for the MusicVAEs (the free-running output is <see cref="DecodeTokens"/>). Loss terms:
/// <c>recon</c> (per-tick cross-entropy summed over the bar; reference <c>Trainer.mean_crossentropy_loss</c>),
/// <c>kl_cost</c> (weight β; reference <c>VAETrainer.compute_kld_loss</c>, β = 0.001 on the tick-mean, see
/// <see cref="MeasureVaeConfig"/>), <c>kl</c> and <c>accuracy</c> (reported only); see
/// <see cref="CategoricalSequenceVae"/>. Optimiser: Adam (reference <c>utils/trainer.py</c>), decay and clipping as
/// configured (off by default). Weights are initialised Xavier-normal (reference <c>xavier_initialization</c>).</para>
/// <para><b>For LatentRNN</b>: <see cref="Encode"/> gives μ per bar [B, z]; <see cref="DecodeTokens"/> turns codes back into
/// bars [B, 24].</para>
/// Children (state-dict prefixes): <c>encoder_embedding</c>, <c>encoder</c>, <c>mu_hidden</c>, <c>mu</c>,
/// <c>log_std_hidden</c>, <c>log_std</c>, <c>beat_initial_state</c>, <c>beat_rnn</c>, <c>tick_initial_state</c>,
/// <c>beat_to_tick_input</c>, <c>decoder_embedding</c>, <c>tick_rnn</c>, <c>output</c>; parameters <c>beat_start</c>,
/// <c>tick_start</c>.
/// </remarks>
[Model("measurevae", typeof(MeasureVaeConfig), "MeasureVAE: one 24-tick bar, bidirectional GRU encoder, beat + tick GRU decoder (Pati et al. 2019, InpaintNet)")]
public sealed class MeasureVaeModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    /// <summary>Tokens of the vocabulary: 128 note-ons, hold, rest.</summary>
    public const int VocabularySize = 130;

    /// <summary>The hold token (the sounding note goes on).</summary>
    public const int HoldToken = 128;

    /// <summary>The rest token.</summary>
    public const int RestToken = 129;

    /// <summary>Ticks of a 4/4 bar (6 per quarter note).</summary>
    public const int TicksPerBar = 24;

    private readonly MeasureVaeConfig config;
    private readonly HierarchicalBarDecoder decoder;
    private double? baseLearningRate;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid, or its input_shape is not one bar.</exception>
    public MeasureVaeModel(MeasureVaeConfig config) : base(config)
    {
        this.config = config;
        if (config.InputShapeProblem() is { } problem) throw new ArgumentException("invalid model config: " + problem, nameof(config));
        Length = config.InputShape[0];
        Beats = config.Beats;
        long he = config.EncoderSize, hd = config.DecoderSize, e = config.EmbeddingDim;
        int le = config.EncoderLayers, ld = config.DecoderLayers;
        EncoderEmbedding = RegisterModule("encoder_embedding", new Embedding(VocabularySize, e));
        Encoder = RegisterModule("encoder", new GRU(e, he, le, batchFirst: true, dropout: le > 1 ? config.Dropout : 0, bidirectional: true));
        MuHidden = RegisterModule("mu_hidden", new Linear(2L * le * he, 2L * he));
        MuLayer = RegisterModule("mu", new Linear(2L * he, config.LatentDim));
        LogStdHidden = RegisterModule("log_std_hidden", new Linear(2L * le * he, 2L * he));
        LogStdLayer = RegisterModule("log_std", new Linear(2L * he, config.LatentDim));
        decoder = new HierarchicalBarDecoder(config.LatentDim, VocabularySize, (int)e, hd, ld, config.Dropout, Beats, config.TicksPerBeat);
        decoder.RegisterIn(this);
        // Xavier-normal init of every weight (reference Encoder/Decoder.xavier_initialization); biases keep their defaults.
        foreach (var (name, p) in NamedParameters())
            if (name.Contains("weight", StringComparison.Ordinal)) Init.XavierNormal_(p);
    }

    /// <summary>The settings.</summary>
    public MeasureVaeConfig Settings => config;

    /// <summary>Ticks of one example (24).</summary>
    public long Length { get; }

    /// <summary>Beats of one bar (the beat GRU's steps, 4).</summary>
    public int Beats { get; }

    /// <summary>The encoder's token embedding (130 → embedding_dim).</summary>
    public Embedding EncoderEmbedding { get; }

    /// <summary>The bidirectional encoder GRU.</summary>
    public GRU Encoder { get; }

    /// <summary>First layer of the μ head (followed by SELU).</summary>
    public Linear MuHidden { get; }

    /// <summary>Second layer of the μ head.</summary>
    public Linear MuLayer { get; }

    /// <summary>First layer of the log σ head (followed by SELU).</summary>
    public Linear LogStdHidden { get; }

    /// <summary>Second layer of the log σ head.</summary>
    public Linear LogStdLayer { get; }

    /// <summary>Dense layer from z to the beat GRU's initial state (followed by SELU).</summary>
    public Linear BeatInitialState => decoder.BeatInitialState;

    /// <summary>The beat GRU, fed <see cref="BeatStart"/> at each of its steps.</summary>
    public GRU BeatRnn => decoder.BeatRnn;

    /// <summary>Dense layer from a beat output to the tick GRU's initial state (followed by SELU).</summary>
    public Linear TickInitialState => decoder.TickInitialState;

    /// <summary>Dense layer from a beat output to the beat embedding fed with every tick (followed by SELU).</summary>
    public Linear BeatToTickInput => decoder.BeatToTickInput;

    /// <summary>The decoder's token embedding of the previous tick.</summary>
    public Embedding DecoderEmbedding => decoder.DecoderEmbedding;

    /// <summary>The tick GRU (shared by all beats).</summary>
    public GRU TickRnn => decoder.TickRnn;

    /// <summary>The output projection to the 130 logits (followed by ReLU, as the reference).</summary>
    public Linear OutputLayer => decoder.OutputLayer;

    /// <summary>The learned input of the beat GRU (reference <c>b_0</c>), [1].</summary>
    public Parameter BeatStart => decoder.BeatStart;

    /// <summary>The learned input before the first tick (reference <c>x_0</c>), [embedding_dim].</summary>
    public Parameter TickStart => decoder.TickStart;

    private static Tensor Selu(Tensor x) => HierarchicalBarDecoder.Selu(x);

    /// <summary>The tokens of <paramref name="x"/> ([B, 24], int64 or floating point holding whole ids 0..129) as int64.</summary>
    /// <exception cref="ArgumentException">Wrong shape, non-integral values or ids outside 0..129.</exception>
    public Tensor Tokens(Tensor x, string name = "x") =>
        CategoricalSequenceVae.Tokens(x, Length, VocabularySize, Config.Model, "bars", name);

    /// <summary>μ and σ of q(z|x), each [B, LatentDim] (reference <c>Encoder.forward</c>).</summary>
    /// <exception cref="ArgumentException">x is not a batch of bars.</exception>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        long b = tokens.Size(0);
        var (_, h) = Encoder.Call(EncoderEmbedding.Call(tokens));                   // [layers·2, B, H]
        var last = h.Transpose(0, 1).Contiguous().Reshape(b, -1);                    // [B, layers·2·H]
        var mu = MuLayer.Call(Selu(MuHidden.Call(last)));
        var sigma = LogStdLayer.Call(Selu(LogStdHidden.Call(last))).Exp();
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    /// <inheritdoc />
    /// <remarks>The posterior mean μ, [B, LatentDim]: the bar code LatentRNN works on.</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        return Posterior(x).Mu.MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The standard normal N(0, I) (reference <c>prior_dist</c>).</remarks>
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
    /// Decodes codes <paramref name="z"/> [B, LatentDim] into bars, int64 [B, 24], each tick's token fed back as the next
    /// input: argmax when <paramref name="temperature"/> is null (the reference's <c>sampling='argmax'</c>), else sampled
    /// from softmax(logits / temperature) with <paramref name="generator"/> (the reference's 'multinomial' at temperature 1).
    /// No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor DecodeTokens(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return FreeRunning(z, temperature, generator).Tokens.MoveToOuterScope();
    }

    /// <summary>Draws <paramref name="n"/> codes from the prior and decodes them (<see cref="DecodeTokens"/>): int64 [n, 24].</summary>
    public Tensor Generate(long n, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return DecodeTokens(SamplePrior(n, generator), temperature, generator).MoveToOuterScope();
    }

    /// <summary>The beat GRU's outputs for codes <paramref name="z"/> [B, LatentDim]: [B, beats, decoder_size] (reference <c>forward_beat_rnn</c>).</summary>
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
        return TeacherForced(z, tokens).MoveToOuterScope();
    }

    private Tensor TeacherForced(Tensor z, Tensor tokens) => decoder.TeacherForced(z, tokens);

    /// <summary>The free-running decoder: logits [B, 24, 130] and the tokens fed back [B, 24] (argmax, or sampled at a temperature).</summary>
    private (Tensor Logits, Tensor Tokens) FreeRunning(Tensor z, double? temperature, Generator? generator) =>
        decoder.Sequential(z, temperature, generator);

    /// <summary>The probability of teacher-forcing a training batch at <paramref name="progress"/> (<see cref="MusicVaeSchedules.TeacherForcingProbability"/>; 0.5 by default, as the reference).</summary>
    public double TeacherForcingProbability(TrainingProgress progress) =>
        Math.Clamp(MusicVaeSchedules.TeacherForcingProbability(config.SamplingSchedule, config.SamplingRate, progress.Step), 0.0, 1.0);

    /// <summary>The KL weight β at <paramref name="progress"/> (<see cref="MusicVaeSchedules.Beta"/>; constant 0.024 from step 1 by default).</summary>
    public double Beta(TrainingProgress progress) => MusicVaeSchedules.Beta(progress.Step, config.MaxBeta, config.BetaRate);

    /// <inheritdoc />
    /// <remarks>
    /// In training mode one draw from <see cref="AutoencoderModel.NoiseGenerator"/> decides whether the batch is
    /// teacher-forced (probability <see cref="TeacherForcingProbability"/>) or free-running with argmax feedback, as the
    /// reference's <c>HierarchicalDecoder.forward</c>; in evaluation mode it is teacher-forced.
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress) => LossCore(x, progress, Training);

    /// <inheritdoc />
    /// <remarks>Teacher-forced whatever the mode, β at its value at the end of training.</remarks>
    public override LossTerms EvaluationLoss(Tensor x) => LossCore(x, TrainingProgress.Finished, false);

    private LossTerms LossCore(Tensor x, TrainingProgress progress, bool mayFreeRun)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        var (mu, sigma) = Posterior(tokens);
        long b = tokens.Size(0);
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2013, §2.4; reference: z_dist.rsample()).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        bool teacherForced = true;
        if (mayFreeRun)
        {
            double p = TeacherForcingProbability(progress);
            teacherForced = p >= 1 || (p > 0 && Torch.Rand([1], generator: NoiseGenerator).Item() < p);
        }
        var logits = teacherForced ? TeacherForced(z, tokens) : FreeRunning(z, null, null).Logits;
        // recon: cross-entropy per tick (reference Trainer.mean_crossentropy_loss), summed over the bar; kl_cost: the analytic
        // KL from N(0, I) (reference VAETrainer.compute_kld_loss) at weight β (MeasureVaeConfig.MaxBeta: 0.001 per tick-mean
        // cross-entropy, i.e. 0.024 on the sum); no free bits by default. CategoricalSequenceVae.Loss cites each term.
        var loss = CategoricalSequenceVae.Loss(logits, tokens, mu, sigma, config.FreeBits, Beta(progress));
        return new LossTerms(loss.Total.MoveToOuterScope(), loss.Terms.ToDictionary(t => t.Key, t => t.Value.MoveToOuterScope()), loss.Weights);
    }

    /// <inheritdoc />
    /// <remarks>One Adam over all parameters (reference <c>utils/trainer.py</c>); <paramref name="learningRate"/> is the base rate.</remarks>
    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate)
    {
        baseLearningRate = learningRate;
        return base.CreateOptimizers(learningRate);
    }

    /// <inheritdoc />
    /// <remarks>The learning rate follows <see cref="MusicVaeSchedules.LearningRate"/> (constant with the default decay_rate 1,
    /// as the reference); gradients are clipped to grad_clip when it is positive (off by default, as the reference).</remarks>
    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var opt = optimizers["model"];
        baseLearningRate ??= opt.LearningRate;
        double lr = MusicVaeSchedules.LearningRate(progress.Step, baseLearningRate.Value, config.DecayRate, config.MinLearningRate);
        return CategoricalSequenceVae.Step(opt, lr, () => Loss(x, progress), Parameters(), config.GradClip);
    }
}
