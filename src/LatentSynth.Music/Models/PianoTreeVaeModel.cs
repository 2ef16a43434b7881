using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "pianotree": PianoTree VAE (Wang et al., ISMIR 2020, §3–4; reference <c>ZZWaang/PianoTree-VAE</c> <c>model.py</c>,
/// <c>VAE</c>), a hierarchical VAE of 2-bar polyphonic segments given as trees [32, 16, 6] (<see cref="PolyTree"/>).
/// </summary>
/// <remarks>
/// <para><b>Note embedding</b> (reference <c>note_embedding</c>, a Linear over [one-hot pitch, 5 duration bits]): an
/// embedding of the pitch token (0..127, 128 EOS, 129 pad, 130 the decoder's start-of-list) plus a bias-free Linear of the
/// 5 bits — the same map written as a sum. Shared by encoder and decoder, as the reference.</para>
/// <para><b>Encoder</b> (reference <c>encoder</c>): per step a bidirectional note GRU over the step's slots up to and
/// including EOS (the reference packs the sequences; here the forward direction is read at the last real slot and the
/// backward direction runs over the real slots reversed, which is what packing computes), its two final states the step's
/// vector [2·encoder_note_size]; a bidirectional time GRU over the 32 step vectors, its two final states concatenated give
/// μ (Linear) and σ = exp(Linear) (reference <c>linear_mu</c>, <c>linear_std(x).exp_()</c>).</para>
/// <para><b>Decoder</b> (reference <c>decoder</c>, <c>decode_notes</c>, <c>decode_note</c>): the time GRU starts from
/// Linear(z) and at each step reads [summary of the previous step, Linear(z)]; the summary of step t is a bidirectional GRU
/// over that step's note embeddings (the true notes when the time level is teacher-forced, else the decoded ones; a learned
/// vector before step 0). Per step the note GRU starts from Linear(time output) and at each slot reads [time output,
/// previous note's embedding] (a start-of-list embedding before slot 0; the true previous note when the note level is
/// teacher-forced, else the decoded one), its output gives the 129 pitch logits (0..127 and EOS; pad is never predicted)
/// through a Linear. Per note the duration GRU starts from Linear([note output, pitch logits]), reads a learned start vector
/// and then its own previous bit (one-hot of 2; argmax, or sampled at a temperature), and gives 2 logits per bit (5 steps),
/// as the reference, which feeds back its own argmax bit always. Unlike the reference there is no start-of-list slot in the
/// data (<see cref="PolyTree"/>): the decoder predicts all 16 slots, the reference slots 1..15.</para>
/// <para><b>Teacher forcing</b> (reference <c>train.py</c> + <c>utils.scheduled_sampling</c>): the ratio at training
/// fraction f (step / planned steps) is (start − end)·σ(−10(f − ½)) + end, 0.8 → 0 for the time level and 0.6 → 0 for
/// the note level; one coin per time step and one per note slot, each for the whole batch (the reference's
/// <c>random.random() &lt; ratio</c>), drawn from <see cref="AutoencoderModel.NoiseGenerator"/>. Evaluation is fully
/// teacher-forced (the reference evaluates with the schedule's ratio; ours matches the other sequence models here).</para>
/// <para><b>Loss</b> (reference <c>utils.loss_function</c>): see <see cref="Loss"/>. Optimiser: Adam, lr·0.9999^step
/// floored at 1e-5 (reference <c>MinExponentialLR</c>), gradients clipped to norm 1 (<c>clip_grad_norm_</c>).</para>
/// </remarks>
[Model("pianotree", typeof(PianoTreeVaeConfig), "PianoTree VAE: 2-bar polyphonic trees [32,16,6], note GRU + time GRU encoder, time/note/duration GRU decoder (Wang et al. 2020)")]
public sealed class PianoTreeVaeModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    /// <summary>Pitch classes the decoder predicts: MIDI 0..127 and EOS (128).</summary>
    public const int PitchClasses = 129;

    /// <summary>The embedding's start-of-list index (the decoder's input before slot 0).</summary>
    public const int StartToken = 130;

    /// <summary>Weights of the five duration bits' cross-entropies, most significant first (reference <c>loss_function</c>: <c>w = [1, 0.6, 0.4, 0.3, 0.3]</c>).</summary>
    public static IReadOnlyList<double> DurationBitWeights { get; } = [1, 0.6, 0.4, 0.3, 0.3];

    private const int T = PolyTree.Steps, S = PolyTree.MaxNotes, D = PolyTree.DurationBits;
    private readonly PianoTreeVaeConfig config;
    private double? baseLearningRate;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public PianoTreeVaeModel(PianoTreeVaeConfig config) : base(config)
    {
        this.config = config;
        int e = config.NoteEmbedding;
        PitchEmbedding = RegisterModule("pitch_embedding", new Embedding(StartToken + 1, e));
        DurationEmbedding = RegisterModule("duration_embedding", new Linear(D, e, bias: false));
        EncoderNotesForward = RegisterModule("enc_notes_fwd", new GRU(e, config.EncoderNoteSize, batchFirst: true));
        EncoderNotesBackward = RegisterModule("enc_notes_bwd", new GRU(e, config.EncoderNoteSize, batchFirst: true));
        EncoderTime = RegisterModule("enc_time", new GRU(2L * config.EncoderNoteSize, config.EncoderTimeSize, batchFirst: true, bidirectional: true));
        MuLayer = RegisterModule("linear_mu", new Linear(2L * config.EncoderTimeSize, config.LatentDim));
        StdLayer = RegisterModule("linear_std", new Linear(2L * config.EncoderTimeSize, config.LatentDim));
        ZToTimeHidden = RegisterModule("z2dec_hid", new Linear(config.LatentDim, config.DecoderTimeSize));
        ZToTimeInput = RegisterModule("z2dec_in", new Linear(config.LatentDim, config.DecoderZInput));
        SummaryForward = RegisterModule("dec_notes_emb_fwd", new GRU(e, config.DecoderSummarySize, batchFirst: true));
        SummaryBackward = RegisterModule("dec_notes_emb_bwd", new GRU(e, config.DecoderSummarySize, batchFirst: true));
        DecoderTime = RegisterModule("dec_time", new GRU(config.DecoderZInput + 2L * config.DecoderSummarySize, config.DecoderTimeSize, batchFirst: true));
        TimeToNoteHidden = RegisterModule("dec_time_to_notes_hid", new Linear(config.DecoderTimeSize, config.DecoderNoteSize));
        DecoderNotes = RegisterModule("dec_notes", new GRU(config.DecoderTimeSize + (long)e, config.DecoderNoteSize, batchFirst: true));
        PitchOut = RegisterModule("pitch_out", new Linear(config.DecoderNoteSize, PitchClasses));
        DurationHidden = RegisterModule("dur_hid", new Linear(PitchClasses + (long)config.DecoderNoteSize, config.DecoderDurationSize));
        DecoderDuration = RegisterModule("dec_dur", new GRU(2, config.DecoderDurationSize, batchFirst: true));
        DurationOut = RegisterModule("dur_out", new Linear(config.DecoderDurationSize, 2));
        // Learned start vectors (reference dec_init_input and dur_sos_token, torch.rand-initialised).
        TimeStart = RegisterParameter("dec_init_input", new Parameter(Torch.Rand(2L * config.DecoderSummarySize)))!;
        DurationStart = RegisterParameter("dur_sos_token", new Parameter(Torch.Rand(2L)))!;
    }

    /// <summary>The settings.</summary>
    public PianoTreeVaeConfig Settings => config;

    /// <summary>Pitch-token embedding (0..127, EOS, pad, start-of-list).</summary>
    public Embedding PitchEmbedding { get; }
    /// <summary>The duration bits' part of the note embedding.</summary>
    public Linear DurationEmbedding { get; }
    /// <summary>Encoder note GRU, forward direction.</summary>
    public GRU EncoderNotesForward { get; }
    /// <summary>Encoder note GRU, backward direction (run on the real slots reversed).</summary>
    public GRU EncoderNotesBackward { get; }
    /// <summary>Encoder time GRU (bidirectional).</summary>
    public GRU EncoderTime { get; }
    /// <summary>μ head.</summary>
    public Linear MuLayer { get; }
    /// <summary>log σ head.</summary>
    public Linear StdLayer { get; }
    /// <summary>z → the time GRU's initial state.</summary>
    public Linear ZToTimeHidden { get; }
    /// <summary>z → the part of every time input that carries z.</summary>
    public Linear ZToTimeInput { get; }
    /// <summary>Step-summary GRU, forward direction.</summary>
    public GRU SummaryForward { get; }
    /// <summary>Step-summary GRU, backward direction.</summary>
    public GRU SummaryBackward { get; }
    /// <summary>Decoder time GRU.</summary>
    public GRU DecoderTime { get; }
    /// <summary>Time output → the note GRU's initial state.</summary>
    public Linear TimeToNoteHidden { get; }
    /// <summary>Decoder note GRU.</summary>
    public GRU DecoderNotes { get; }
    /// <summary>Note output → 129 pitch logits.</summary>
    public Linear PitchOut { get; }
    /// <summary>[note output, pitch logits] → the duration GRU's initial state.</summary>
    public Linear DurationHidden { get; }
    /// <summary>Duration GRU (5 steps per note).</summary>
    public GRU DecoderDuration { get; }
    /// <summary>Duration output → 2 logits per bit.</summary>
    public Linear DurationOut { get; }
    /// <summary>The time GRU's summary input before step 0.</summary>
    public Parameter TimeStart { get; }
    /// <summary>The duration GRU's first input.</summary>
    public Parameter DurationStart { get; }

    /// <summary>
    /// Pitch tokens (int64 [B, 32, 16]) and duration bits (float32 [B, 32, 16, 5]) of a batch of trees.
    /// </summary>
    /// <exception cref="ArgumentException">x is not [B, 32, 16, 6], or holds pitch tokens that are not whole numbers
    /// 0..129, or bits other than 0 and 1.</exception>
    public static (Tensor Pitch, Tensor Bits) Split(Tensor x, string name = "x")
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Dim != 4 || x.Size(1) != T || x.Size(2) != S || x.Size(3) != PolyTree.Width)
            throw new ArgumentException($"model 'pianotree': {name} must be trees [B, {T}, {S}, {PolyTree.Width}], got [{string.Join(", ", x.Shape)}]", name);
        using var scope = Torch.NewScope();
        var f = x.To(DType.Float32);
        var p = f.Select(3, 0);
        if (p.Lt(0.0).Any().Item() != 0 || p.Gt((double)PolyTree.Pad).Any().Item() != 0 || p.Ne(p.Floor()).Any().Item() != 0)
            throw new ArgumentException($"model 'pianotree': {name} holds pitch tokens outside the whole numbers 0..{PolyTree.Pad}", name);
        var bits = f.Narrow(3, 1, D);
        if (bits.Ne(0.0).Mul(bits.Ne(1.0)).Any().Item() != 0)
            throw new ArgumentException($"model 'pianotree': {name} holds duration bits other than 0 and 1", name);
        return (p.To(DType.Int64).MoveToOuterScope(), bits.Contiguous().MoveToOuterScope());
    }

    /// <summary>Note embeddings of pitch tokens (int64 [...]) and bits (float32 [..., 5]): [..., note_embedding].</summary>
    public Tensor Embed(Tensor pitch, Tensor bits) => PitchEmbedding.Call(pitch) + DurationEmbedding.Call(bits);

    /// <summary>Real slots per step (notes + EOS, 16 without EOS) of pitch tokens [..., 16], at least 1: int64 [...].</summary>
    private static Tensor Lengths(Tensor pitch) => pitch.Ne((long)PolyTree.Pad).To(DType.Int64).Sum(-1).ClampMin(1L);

    /// <summary>
    /// A bidirectional GRU over sequences [N, 16, E] of <paramref name="lengths"/> [N] real items, as a packed sequence
    /// would give it: the forward state at the last real item, the backward state after the real items reversed. [N, 2H].
    /// </summary>
    private static Tensor Summarize(GRU forward, GRU backward, Tensor x, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        long n = x.Size(0), len = x.Size(1), e = x.Size(2), h = forward.HiddenSize;
        var last = (lengths - 1L).Reshape(n, 1, 1);
        var fwd = forward.Call(x).Output.Gather(1, last.Expand(n, 1, h)).Squeeze(1);
        var j = Torch.Arange(len).Reshape(1, len);
        var l = lengths.Reshape(n, 1);
        var reversed = Torch.Where(j.Lt(l), l - 1L - j, j.Expand(n, len));            // [N, 16]
        var xr = x.Gather(1, reversed.Unsqueeze(2).Expand(n, len, e));
        var bwd = backward.Call(xr).Output.Gather(1, last.Expand(n, 1, h)).Squeeze(1);
        return Torch.Cat([fwd, bwd], 1).MoveToOuterScope();
    }

    /// <summary>μ and σ of q(z|x), each [B, LatentDim] (reference <c>encoder</c>).</summary>
    /// <exception cref="ArgumentException">x is not a batch of trees.</exception>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (pitch, bits) = Split(x);
        var (mu, sigma) = PosteriorOf(pitch, bits);
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    private (Tensor Mu, Tensor Sigma) PosteriorOf(Tensor pitch, Tensor bits)
    {
        long b = pitch.Size(0);
        var emb = Embed(pitch, bits).Reshape(b * T, S, config.NoteEmbedding);
        var steps = Summarize(EncoderNotesForward, EncoderNotesBackward, emb, Lengths(pitch).Reshape(b * T)).Reshape(b, T, 2L * config.EncoderNoteSize);
        var (_, h) = EncoderTime.Call(steps);                                                // [2, B, H]
        var last = h.Transpose(0, 1).Contiguous().Reshape(b, -1);
        return (MuLayer.Call(last), StdLayer.Call(last).Exp());
    }

    /// <inheritdoc />
    /// <remarks>The posterior mean μ, [B, LatentDim].</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        return Posterior(x).Mu.MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The standard normal N(0, I) (reference <c>standard_normal</c>).</remarks>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        Torch.Randn([n, LatentDim], generator: generator ?? NoiseGenerator);

    /// <inheritdoc />
    /// <remarks>The greedy trees of the codes, float32 [B, 32, 16, 6]; see <see cref="DecodeTrees"/>.</remarks>
    public override Tensor Decode(Tensor z) => DecodeTrees(z);

    /// <summary>
    /// Decodes codes <paramref name="z"/> [B, LatentDim] into well-formed trees, float32 [B, 32, 16, 6], free-running at
    /// every level: argmax when <paramref name="temperature"/> is null (the reference's inference), else every pitch and
    /// duration bit sampled from softmax(logits / temperature) with <paramref name="generator"/>. After a step's first EOS
    /// the slots are pad. No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor DecodeTrees(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        var r = RunDecoder(z, null, null, null, temperature, generator);
        return Torch.Cat([r.Pitch.To(DType.Float32).Unsqueeze(3), r.Bits], 3).MoveToOuterScope();
    }

    /// <summary>Draws <paramref name="n"/> codes from the prior and decodes them (<see cref="DecodeTrees"/>): float32 [n, 32, 16, 6].</summary>
    public Tensor Generate(long n, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return DecodeTrees(SamplePrior(n, generator), temperature, generator).MoveToOuterScope();
    }

    /// <summary>The greedy reconstruction of trees <paramref name="x"/> from their posterior means: float32 [B, 32, 16, 6].</summary>
    public Tensor Reconstruct(Tensor x)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return DecodeTrees(Posterior(x).Mu).MoveToOuterScope();
    }

    /// <summary>
    /// The decoder's logits for codes <paramref name="z"/> [B, LatentDim] with the trees <paramref name="x"/> fed at every
    /// level (full teacher forcing, one pass per level): pitch [B, 32, 16, 129] and duration [B, 32, 16, 5, 2] (the
    /// duration GRU feeds back its own bits, as always). Gradients are recorded as usual.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim], x is not trees, or their batches differ.</exception>
    public (Tensor PitchLogits, Tensor DurationLogits) TeacherForcedLogits(Tensor z, Tensor x)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        using var scope = Torch.NewScope();
        var (pitch, bits) = Split(x);
        if (pitch.Size(0) != z.Size(0)) throw new ArgumentException($"z holds {z.Size(0)} codes but x holds {pitch.Size(0)} trees", nameof(x));
        bool[] timeCoins = new bool[T], noteCoins = new bool[T * S];
        Array.Fill(timeCoins, true);
        Array.Fill(noteCoins, true);
        var r = RunDecoder(z, (pitch, bits), timeCoins, noteCoins, null, null);
        return (r.PitchLogits.MoveToOuterScope(), r.DurationLogits.MoveToOuterScope());
    }

    /// <summary>
    /// The teacher-forcing ratio at <paramref name="progress"/> going from <paramref name="start"/> to <paramref name="end"/>
    /// (reference <c>utils.scheduled_sampling(i, high, low)</c>): (start − end)/(1 + exp(10(f − ½))) + end, f the fraction of the
    /// planned steps done (1 when the plan is unknown or finished).
    /// </summary>
    public static double TeacherForcingRatio(TrainingProgress progress, double start, double end)
    {
        double planned = (double)progress.StepsPerEpoch * progress.TotalEpochs;
        double f = planned > 0 ? Math.Clamp(progress.Step / planned, 0, 1) : 1;
        return (start - end) / (1 + Math.Exp(10 * (f - 0.5))) + end;
    }

    /// <summary>The KL weight β at <paramref name="progress"/> (<see cref="MusicVaeSchedules.Beta"/>; 0.1 from step 1 by default, as the reference).</summary>
    public double Beta(TrainingProgress progress) => MusicVaeSchedules.Beta(progress.Step, config.MaxBeta, config.BetaRate);

    /// <inheritdoc />
    /// <remarks>
    /// Terms (reference <c>utils.loss_function</c>, Wang et al. 2020 Eq. 1's ELBO as trained): <c>pitch</c>, the pitch
    /// cross-entropy averaged over the real slots (notes and EOS, not pad; reference <c>CrossEntropyLoss(ignore_index=pitch_pad)</c>),
    /// weight pitch_weight; <c>duration</c>, per bit the cross-entropy averaged over the real notes, summed with the weights
    /// <see cref="DurationBitWeights"/> (reference <c>dur_criterion</c> with <c>ignore_index=dur_pad</c>), weight
    /// duration_weight; <c>kl</c>, the analytic KL from N(0, I) averaged over batch and z dimensions (reference
    /// <c>kl_divergence(dist, normal).mean()</c>), weight β; and, reported only (weight 0), <c>pitch_accuracy</c> over the
    /// real slots. In training mode the decoder follows the teacher-forcing schedule; in evaluation mode it is teacher-forced.
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress) => LossCore(x, progress, Training);

    /// <inheritdoc />
    /// <remarks>Teacher-forced whatever the mode, β at its value at the end of training.</remarks>
    public override LossTerms EvaluationLoss(Tensor x) => LossCore(x, TrainingProgress.Finished, false);

    private LossTerms LossCore(Tensor x, TrainingProgress progress, bool scheduled)
    {
        using var scope = Torch.NewScope();
        var (pitch, bits) = Split(x);
        long b = pitch.Size(0);
        var (mu, sigma) = PosteriorOf(pitch, bits);
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2013, §2.4; reference dist.rsample()).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        bool[] timeCoins = new bool[T], noteCoins = new bool[T * S];
        if (scheduled)
        {
            double r1 = TeacherForcingRatio(progress, config.TimeTeacherForcingStart, config.TimeTeacherForcingEnd);
            double r2 = TeacherForcingRatio(progress, config.NoteTeacherForcingStart, config.NoteTeacherForcingEnd);
            var u = Torch.Rand([T + T * S], generator: NoiseGenerator).ToArray<float>();
            for (int i = 0; i < T; i++) timeCoins[i] = u[i] < r1;
            for (int i = 0; i < T * S; i++) noteCoins[i] = u[T + i] < r2;
        }
        else
        {
            Array.Fill(timeCoins, true);
            Array.Fill(noteCoins, true);
        }
        var r = RunDecoder(z, (pitch, bits), timeCoins, noteCoins, null, null);
        var real = pitch.Ne((long)PolyTree.Pad);
        var isNote = pitch.Lt((long)PolyTree.Eos);
        // pitch: cross-entropy over the real slots (notes and EOS), mean (reference pitch_criterion, ignore_index = pad).
        var pitchTarget = Torch.Where(real, pitch, -100L);
        var pitchLoss = F.CrossEntropy(r.PitchLogits.Reshape(-1, PitchClasses), pitchTarget.Reshape(-1), ignoreIndex: -100);
        // duration: per bit the cross-entropy over the real notes, weighted 1, .6, .4, .3, .3 (reference loss_function, dur0..dur4).
        Tensor? durLoss = null;
        for (int k = 0; k < D; k++)
        {
            var target = Torch.Where(isNote, bits.Select(3, k).To(DType.Int64), -100L).Reshape(-1);
            var ce = F.CrossEntropy(r.DurationLogits.Select(3, k).Reshape(-1, 2), target, ignoreIndex: -100) * DurationBitWeights[k];
            durLoss = durLoss is null ? ce : durLoss + ce;
        }
        // kl: analytic KL of N(μ, σ) from N(0, I), mean over batch and dimensions (reference kl_divergence(dist, normal).mean()).
        var kl = ((mu.Square() + sigma.Square() - 1.0) * 0.5 - sigma.Log()).Mean();
        var accuracy = r.PitchLogits.Argmax(-1).Eq(pitch).Mul(real).To(DType.Float32).Sum() / real.To(DType.Float32).Sum().ClampMin(1.0);
        double beta = Beta(progress);
        var total = pitchLoss * config.PitchWeight + durLoss! * config.DurationWeight + kl * beta;
        var terms = new Dictionary<string, Tensor>
        {
            ["pitch"] = pitchLoss.MoveToOuterScope(),
            ["duration"] = durLoss!.MoveToOuterScope(),
            ["kl"] = kl.MoveToOuterScope(),
            ["pitch_accuracy"] = accuracy.MoveToOuterScope(),
        };
        var weights = new Dictionary<string, double> { ["pitch"] = config.PitchWeight, ["duration"] = config.DurationWeight, ["kl"] = beta, ["pitch_accuracy"] = 0 };
        return new LossTerms(total.MoveToOuterScope(), terms, weights);
    }

    private readonly record struct Decoded(Tensor PitchLogits, Tensor DurationLogits, Tensor Pitch, Tensor Bits);

    /// <summary>
    /// The decoder: logits [B, 32, 16, 129] and [B, 32, 16, 5, 2], and the decoded tree's pitch tokens (int64, pad after the
    /// first EOS) and bits (0 outside notes). With <paramref name="truth"/>, <paramref name="timeCoins"/>[t] says whether the
    /// summary of step t−1 fed at step t is the true one, <paramref name="noteCoins"/>[t·16 + j] whether the note fed at slot j
    /// of step t is the true previous note (entries for t = 0 and j = 0 are not used).
    /// </summary>
    private Decoded RunDecoder(Tensor z, (Tensor Pitch, Tensor Bits)? truth, bool[]? timeCoins, bool[]? noteCoins, double? temperature, Generator? generator)
    {
        long b = z.Size(0);
        int e = config.NoteEmbedding;
        var hidden = ZToTimeHidden.Call(z).Unsqueeze(0);
        var zIn = ZToTimeInput.Call(z);
        Tensor? trueEmb = null, trueSummary = null;
        if (truth is var (tp, tb))
        {
            trueEmb = Embed(tp, tb);                                                         // [B, T, S, E]
            trueSummary = Summarize(SummaryForward, SummaryBackward, trueEmb.Reshape(b * T, S, e), Lengths(tp).Reshape(b * T))
                .Reshape(b, T, 2L * config.DecoderSummarySize);
        }
        var summary = TimeStart.Reshape(1, -1).Expand(b, 2L * config.DecoderSummarySize);
        var pitchLogits = new List<Tensor>(T);
        var durLogits = new List<Tensor>(T);
        var pitches = new List<Tensor>(T);
        var bitsOut = new List<Tensor>(T);
        for (int t = 0; t < T; t++)
        {
            var (output, h) = DecoderTime.Call(Torch.Cat([summary, zIn], 1).Unsqueeze(1), hidden);
            hidden = h;
            var timeOut = output.Squeeze(1);                                                  // [B, Hdt]
            var coins = noteCoins is null ? null : noteCoins.AsSpan(t * S, S).ToArray();
            var step = DecodeStep(timeOut, trueEmb?.Select(1, t), coins, temperature, generator);
            pitchLogits.Add(step.PitchLogits);
            durLogits.Add(step.DurationLogits);
            pitches.Add(step.Pitch);
            bitsOut.Add(step.Bits);
            if (t + 1 < T)
                summary = trueSummary is not null && timeCoins is not null && timeCoins[t + 1]
                    ? trueSummary.Select(1, t)
                    : Summarize(SummaryForward, SummaryBackward, Embed(step.Pitch, step.Bits), Lengths(step.Pitch));
        }
        return new Decoded(Torch.Stack(pitchLogits, 1), Torch.Stack(durLogits, 1), Torch.Stack(pitches, 1), Torch.Stack(bitsOut, 1));
    }

    /// <summary>
    /// One step's notes. The 16 slots are cut into runs at every slot fed the decoded previous note (free-running); within a
    /// run the inputs are the true previous notes, so the note GRU reads a run in one call (one call per step when fully
    /// teacher-forced, 16 when free-running: the same computation as slot by slot). The duration GRU runs at once for a
    /// run's last slot when the next run needs that note, and in one batch for all other slots at the end.
    /// </summary>
    private Decoded DecodeStep(Tensor timeOut, Tensor? trueEmb, bool[]? coins, double? temperature, Generator? generator)
    {
        long b = timeOut.Size(0), ht = timeOut.Size(1);
        var h = TimeToNoteHidden.Call(timeOut).Unsqueeze(0);
        var input = PitchEmbedding.Call(Torch.Full([b], (long)StartToken, DType.Int64)).Unsqueeze(1);   // [B, 1, E] (bits 0)
        var starts = new List<int> { 0 };
        for (int j = 1; j < S; j++)
            if (trueEmb is null || coins is null || !coins[j]) starts.Add(j);
        var outputs = new Tensor[S];
        var pitchLogits = new Tensor[S];
        var pitch = new Tensor[S];
        var durLogits = new Tensor?[S];
        var bits = new Tensor?[S];
        for (int r = 0; r < starts.Count; r++)
        {
            int first = starts[r], end = r + 1 < starts.Count ? starts[r + 1] : S, len = end - first;
            var inputs = len == 1 ? input : Torch.Cat([input, trueEmb!.Narrow(1, first, len - 1)], 1);           // [B, len, E]
            var (o, hn) = DecoderNotes.Call(Torch.Cat([timeOut.Unsqueeze(1).Expand(b, len, ht), inputs], 2), h);
            h = hn;
            var logits = PitchOut.Call(o);                                                                     // [B, len, 129]
            var picked = Pick(logits, temperature, generator);
            for (int j = first; j < end; j++)
            {
                outputs[j] = o.Select(1, j - first);
                pitchLogits[j] = logits.Select(1, j - first);
                pitch[j] = picked.Select(1, j - first);
            }
            if (end < S)
            {
                // The next run starts from this run's last note as decoded.
                var (dl, db) = Durations(outputs[end - 1], pitchLogits[end - 1], temperature, generator);
                durLogits[end - 1] = dl;
                bits[end - 1] = db;
                input = Embed(pitch[end - 1], db).Unsqueeze(1);
            }
        }
        var rest = Enumerable.Range(0, S).Where(j => durLogits[j] is null).ToArray();
        if (rest.Length > 0)
        {
            int m = rest.Length;
            var notes = Torch.Stack(rest.Select(j => outputs[j]).ToArray(), 1).Reshape(b * m, -1);
            var logits = Torch.Stack(rest.Select(j => pitchLogits[j]).ToArray(), 1).Reshape(b * m, -1);
            var (dl, db) = Durations(notes, logits, temperature, generator);
            dl = dl.Reshape(b, m, D, 2);
            db = db.Reshape(b, m, D);
            for (int i = 0; i < m; i++)
            {
                durLogits[rest[i]] = dl.Select(1, i);
                bits[rest[i]] = db.Select(1, i);
            }
        }
        var allPitch = Torch.Stack(pitch, 1);
        var allBits = Torch.Stack(bits!, 1);
        // Well-formed output: pad after the first EOS, bits only in note slots.
        var eos = allPitch.Eq((long)PolyTree.Eos).To(DType.Int64);
        var after = (eos.Cumsum(1) - eos).Gt(0L);
        allPitch = Torch.Where(after, (long)PolyTree.Pad, allPitch);
        allBits = allBits * allPitch.Lt((long)PolyTree.Eos).To(DType.Float32).Unsqueeze(2);
        return new Decoded(Torch.Stack(pitchLogits, 1), Torch.Stack(durLogits!, 1), allPitch, allBits);
    }

    /// <summary>The duration GRU over notes [N, Hn] with their pitch logits [N, 129]: logits [N, 5, 2] and bits [N, 5] (float).</summary>
    private (Tensor Logits, Tensor Bits) Durations(Tensor note, Tensor pitchLogits, double? temperature, Generator? generator)
    {
        long n = note.Size(0);
        var h = DurationHidden.Call(Torch.Cat([note, pitchLogits], 1)).Unsqueeze(0);
        var input = DurationStart.Reshape(1, 1, 2).Expand(n, 1, 2);
        var logits = new List<Tensor>(D);
        var bits = new List<Tensor>(D);
        for (int k = 0; k < D; k++)
        {
            var (o, hn) = DecoderDuration.Call(input, h);
            h = hn;
            var l = DurationOut.Call(o.Squeeze(1));                                          // [N, 2]
            var bit = Pick(l, temperature, generator);                                       // [N]
            logits.Add(l);
            bits.Add(bit.To(DType.Float32));
            if (k + 1 < D) input = Torch.Zeros([n, 2]).Scatter(1, bit.Unsqueeze(1), 1.0).Unsqueeze(1);
        }
        return (Torch.Stack(logits, 1), Torch.Stack(bits, 1));
    }

    private static Tensor Pick(Tensor logits, double? temperature, Generator? generator) =>
        temperature is { } t ? F.SampleCategorical(logits.Detach(), t, generator) : logits.Detach().Argmax(-1);

    /// <inheritdoc />
    /// <remarks>One Adam over all parameters (reference <c>optim.Adam</c>); <paramref name="learningRate"/> is the base rate.</remarks>
    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate)
    {
        baseLearningRate = learningRate;
        return base.CreateOptimizers(learningRate);
    }

    /// <summary>The learning rate at <paramref name="step"/>: max(lr·decay^step, min) (reference <c>MinExponentialLR</c>).</summary>
    public double LearningRate(long step, double learningRate) =>
        Math.Max(learningRate * Math.Pow(config.DecayRate, step), Math.Min(config.MinLearningRate, learningRate));

    /// <inheritdoc />
    /// <remarks>Adam at <see cref="LearningRate"/>, gradients clipped to grad_clip (reference <c>clip_grad_norm_(…, 1)</c>).</remarks>
    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var opt = optimizers["model"];
        baseLearningRate ??= opt.LearningRate;
        return CategoricalSequenceVae.Step(opt, LearningRate(progress.Step, baseLearningRate.Value), () => Loss(x, progress), Parameters(), config.GradClip);
    }
}
