using LatentSynth.Models;
using LatentSynth.Music.Evaluation;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;
using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>
/// "midi-event-vae": PianoTree VAE's MIDI-event baseline (Wang et al., ISMIR 2020, §5), a sequence VAE over the event
/// representation of Oore et al. 2018 without velocities, at a latent size matched to PianoTree's (<see cref="PolyBaselineConfig"/>).
/// </summary>
/// <remarks>
/// <para><b>Vocabulary</b> (<see cref="BaselineTreeCodec"/>): 0..127 note-on of a MIDI pitch, 128..255 note-off (128 + pitch),
/// 256..287 time-shift of 1..32 16ths (255 + k), 288 end; 289 pad (after the end) and 290 start (the decoder's first input)
/// are inputs only, never targets. A tree tensor becomes one sequence (<see cref="BaselineTreeCodec.Events"/>): a note-on at
/// each onset and a note-off at each end (clipped at the segment end), in time order, at one time note-offs before note-ons,
/// each by ascending pitch, one shift token between distinct times, then the end; padded (or cut) to max_events tokens.
/// Back to notes (<see cref="BaselineTreeCodec.EventNotes"/>): a note-off without a sounding note is ignored, a note never
/// switched off ends at the segment end, a note-on of a sounding pitch ends the sounding note there, zero-length notes are
/// dropped. Tree → events → notes is exact for notes inside the segment that do not overlap a note of the same pitch, as long
/// as the sequence fits max_events.</para>
/// <para><b>Networks.</b> Encoder: event embedding → bidirectional GRU over the max_events tokens; the two final states,
/// concatenated, go through two linear heads, μ and log σ. Decoder: a GRU whose initial state is tanh(Linear(z)) and whose input
/// at each step is the previous token's embedding (start first) concatenated with z, then Linear → 289 logits; teacher-forced
/// in training (the ground truth fed back), free-running when decoding (argmax or sampled tokens fed back) until every
/// sequence has produced its end or max_events tokens.</para>
/// <para><b>Loss terms.</b> <c>recon</c>: the cross-entropy of each target token up to and including the end (pad positions
/// skipped), summed over the sequence, batch mean (−log p(x|z) of the autoregressive decoder; Roberts et al. 2018 Eq. 2's
/// reconstruction term, as <see cref="MelodyVaeModel"/>); <c>kl_cost</c>: the analytic KL(q(z|x) ‖ N(0, I)), batch mean
/// (Kingma &amp; Welling 2014, Appendix B), weight β (<see cref="PolyBaselineConfig.Beta"/>); <c>kl</c> and <c>accuracy</c>
/// (teacher-forced argmax right on the non-pad positions) reported at weight 0. Optimiser: one Adam.</para>
/// Children: <c>embedding</c>, <c>encoder</c>, <c>mu</c>, <c>log_std</c>, <c>decoder_initial_state</c>, <c>decoder</c>, <c>output</c>.
/// </remarks>
[Model("midi-event-vae", typeof(MidiEventVaeConfig), "PianoTree's MIDI-event baseline: note-on/off + time-shift tokens, bi-GRU encoder, GRU decoder (Wang et al. 2020)")]
public sealed class MidiEventVaeModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public MidiEventVaeModel(MidiEventVaeConfig config) : base(config)
    {
        Settings = config;
        long e = config.EmbeddingDim, he = config.EncoderSize, hd = config.DecoderSize;
        Embedding = RegisterModule("embedding", new Embedding(BaselineTreeCodec.EventInputs, e));
        Encoder = RegisterModule("encoder", new GRU(e, he, 1, batchFirst: true, bidirectional: true));
        MuLayer = RegisterModule("mu", new Linear(2 * he, config.LatentDim));
        LogStdLayer = RegisterModule("log_std", new Linear(2 * he, config.LatentDim));
        DecoderInitialState = RegisterModule("decoder_initial_state", new Linear(config.LatentDim, hd));
        Decoder = RegisterModule("decoder", new GRU(e + config.LatentDim, hd, 1, batchFirst: true));
        OutputLayer = RegisterModule("output", new Linear(hd, BaselineTreeCodec.EventClasses));
    }

    /// <summary>The settings.</summary>
    public MidiEventVaeConfig Settings { get; }

    /// <summary>Tokens of one sequence (max_events).</summary>
    public int Length => Settings.MaxEvents;

    /// <summary>The event embedding (291 inputs), shared by the encoder and the decoder.</summary>
    public Embedding Embedding { get; }

    /// <summary>The bidirectional encoder GRU.</summary>
    public GRU Encoder { get; }

    /// <summary>The μ head.</summary>
    public Linear MuLayer { get; }

    /// <summary>The log σ head.</summary>
    public Linear LogStdLayer { get; }

    /// <summary>z → the decoder GRU's initial state (followed by tanh).</summary>
    public Linear DecoderInitialState { get; }

    /// <summary>The decoder GRU.</summary>
    public GRU Decoder { get; }

    /// <summary>The decoder's output layer, to the 289 token logits.</summary>
    public Linear OutputLayer { get; }

    /// <summary>The tokens a segment's notes need, end included (compare with max_events).</summary>
    public static int EventCount(IEnumerable<PolyNote> notes) => BaselineTreeCodec.Events(notes).Count;

    /// <summary>
    /// The event sequences of tree tensors <paramref name="x"/> [B, 32, 16, 6]: int64 [B, max_events], padded with 289 after the
    /// end, cut after max_events tokens when longer.
    /// </summary>
    /// <exception cref="ArgumentException">x is not a batch of valid tree tensors.</exception>
    public Tensor EventTokens(Tensor x)
    {
        var notes = BaselineTreeCodec.Notes(x, Config.Model, nameof(x));
        var tokens = new long[(long)notes.Length * Length];
        Array.Fill(tokens, BaselineTreeCodec.EventPadToken);
        for (int b = 0; b < notes.Length; b++)
        {
            var events = BaselineTreeCodec.Events(notes[b]);
            for (int i = 0; i < Math.Min(events.Count, Length); i++) tokens[(long)b * Length + i] = events[i];
        }
        return Tensor.From(tokens, notes.Length, Length);
    }

    /// <summary>μ and σ of q(z|x) for tree tensors <paramref name="x"/>, each [B, LatentDim].</summary>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (mu, sigma) = PosteriorOfTokens(EventTokens(x));
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    private (Tensor Mu, Tensor Sigma) PosteriorOfTokens(Tensor tokens)
    {
        long b = tokens.Size(0);
        var (_, h) = Encoder.Call(Embedding.Call(tokens));                     // [2, B, H]
        var last = h.Transpose(0, 1).Contiguous().Reshape(b, -1);             // [B, 2H]
        return (MuLayer.Call(last), LogStdLayer.Call(last).Exp());
    }

    /// <summary>
    /// The decoder's logits [B, max_events, 289] for codes <paramref name="z"/> with the event tokens <paramref name="tokens"/>
    /// [B, max_events] (int64) fed as inputs, shifted right behind the start token (teacher forcing).
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim], or the batches differ.</exception>
    public Tensor TeacherForcedLogits(Tensor z, Tensor tokens)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Dim != 2 || tokens.Size(0) != z.Size(0) || tokens.Size(1) != Length)
            throw new ArgumentException($"tokens must be [{z.Size(0)}, {Length}] (one event sequence per code), got [{string.Join(", ", tokens.Shape)}]", nameof(tokens));
        using var scope = Torch.NewScope();
        long b = z.Size(0);
        var start = Torch.Full([b, 1], (long)BaselineTreeCodec.StartToken, DType.Int64);
        var inputs = Torch.Cat([start, tokens.Narrow(1, 0, Length - 1)], 1);
        var zs = z.Unsqueeze(1).Expand(b, Length, LatentDim);
        var h0 = DecoderInitialState.Call(z).Tanh().Unsqueeze(0);
        var (output, _) = Decoder.Call(Torch.Cat([Embedding.Call(inputs), zs], 2), h0);
        return OutputLayer.Call(output).MoveToOuterScope();
    }

    /// <summary>
    /// Decodes codes <paramref name="z"/> [B, LatentDim] into event tokens, int64 [B, max_events], each token fed back as the next
    /// input: argmax when <paramref name="temperature"/> is null, else drawn from softmax(logits / temperature) with
    /// <paramref name="generator"/>. After a sequence's end token the rest is pad (289). No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor DecodeTokens(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        long b = z.Size(0);
        var h = DecoderInitialState.Call(z).Tanh().Unsqueeze(0);
        var token = Torch.Full([b, 1], (long)BaselineTreeCodec.StartToken, DType.Int64);
        var ended = Torch.Zeros([b, 1], DType.Bool);
        var zs = z.Unsqueeze(1);
        var steps = new List<Tensor>();
        for (int i = 0; i < Length; i++)
        {
            using var step = Torch.NewScope();
            var (output, hNext) = Decoder.Call(Torch.Cat([Embedding.Call(token), zs], 2), h);
            var logits = OutputLayer.Call(output);                                 // [B, 1, 289]
            var next = temperature is { } t ? F.SampleCategorical(logits, t, generator) : logits.Argmax(-1);
            next = next.MaskedFill(ended, (long)BaselineTreeCodec.EventPadToken);
            var endedNext = ended.LogicalOr(next.Eq((long)BaselineTreeCodec.EndToken));
            h = hNext.MoveToOuterScope();
            token = next.MoveToOuterScope();
            ended = endedNext.MoveToOuterScope();
            steps.Add(token);
            if (ended.All().Item() == 1) break;
        }
        var all = Torch.Cat(steps, 1);
        if (all.Size(1) < Length)
            all = Torch.Cat([all, Torch.Full([b, Length - all.Size(1)], (long)BaselineTreeCodec.EventPadToken, DType.Int64)], 1);
        return all.MoveToOuterScope();
    }

    /// <summary>The notes of event tokens [B, T] (<see cref="BaselineTreeCodec.EventNotes"/>'s rules).</summary>
    public static List<PolyNote>[] TokenNotes(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Dim != 2) throw new ArgumentException($"tokens must be [batch, length], got [{string.Join(", ", tokens.Shape)}]", nameof(tokens));
        long[] v;
        using (var scope = Torch.NewScope()) v = tokens.To(DType.Int64).Contiguous().ToArray<long>();
        int n = (int)tokens.Size(0), t = (int)tokens.Size(1);
        var result = new List<PolyNote>[n];
        for (int b = 0; b < n; b++) result[b] = BaselineTreeCodec.EventNotes(v.Skip(b * t).Take(t).Select(x => (int)x));
        return result;
    }

    /// <summary>The notes decoded from codes <paramref name="z"/> (<see cref="DecodeTokens"/>, then <see cref="TokenNotes"/>).</summary>
    public List<PolyNote>[] DecodeNotes(Tensor z, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return TokenNotes(DecodeTokens(z, temperature, generator));
    }

    /// <summary>The reconstructed notes of each tree tensor of <paramref name="x"/>: the greedy sequence decoded from μ.</summary>
    /// <exception cref="ArgumentException">x is not a batch of valid tree tensors.</exception>
    public List<PolyNote>[] ReconstructNotes(Tensor x)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return DecodeNotes(Encode(x));
    }

    /// <summary>Draws <paramref name="n"/> codes from the prior and decodes their notes (<see cref="DecodeNotes"/>).</summary>
    public List<PolyNote>[] GenerateNotes(long n, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return DecodeNotes(SamplePrior(n, generator), temperature, generator);
    }

    /// <summary>Draws <paramref name="n"/> segments from the prior as tree tensors, float32 [n, 32, 16, 6] (<see cref="GenerateNotes"/>).</summary>
    public Tensor Generate(long n, double? temperature = null, Generator? generator = null) =>
        BaselineTreeCodec.Tree(GenerateNotes(n, temperature, generator));

    /// <inheritdoc />
    /// <remarks>The posterior mean μ.</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        return Posterior(x).Mu.MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The standard normal N(0, I).</remarks>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        Torch.Randn([n, LatentDim], generator: generator ?? NoiseGenerator);

    /// <inheritdoc />
    /// <remarks>The greedy sequence of each code read back as notes and written as tree tensors, float32 [B, 32, 16, 6].</remarks>
    public override Tensor Decode(Tensor z) => BaselineTreeCodec.Tree(DecodeNotes(z));

    /// <inheritdoc />
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        using var scope = Torch.NewScope();
        var tokens = EventTokens(x);
        long b = tokens.Size(0);
        var (mu, sigma) = PosteriorOfTokens(tokens);
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2014, §2.4).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        var logits = TeacherForcedLogits(z, tokens).Reshape(-1, BaselineTreeCodec.EventClasses);
        var isPad = tokens.Eq((long)BaselineTreeCodec.EventPadToken).Reshape(-1);
        var targets = tokens.Reshape(-1).MaskedFill(isPad, -100L);
        // recon: −log p(x|z) of the autoregressive decoder, the per-token cross-entropy summed over the sequence up to and
        // including the end (pads skipped), batch mean (Roberts et al. 2018 Eq. 2's reconstruction term, as the MusicVAEs).
        var recon = F.CrossEntropy(logits, targets, ignoreIndex: -100, reduction: Reduction.Sum) / Math.Max(1, b);
        // kl_cost: analytic KL of the diagonal Gaussian from N(0, I), batch mean (Kingma & Welling 2014, Appendix B), weight β.
        var kl = MelodyVaeModel.KlDivergence(mu, sigma).Mean();
        var real = isPad.LogicalNot().To(DType.Float32);
        var accuracy = (logits.Argmax(-1).Eq(targets).To(DType.Float32) * real).Sum() / real.Sum().ClampMin(1.0);
        double beta = Settings.Beta;
        var total = recon + kl * beta;
        var terms = new Dictionary<string, Tensor>
        {
            ["recon"] = recon.MoveToOuterScope(),
            ["kl_cost"] = kl.Alias().MoveToOuterScope(),
            ["kl"] = kl.MoveToOuterScope(),
            ["accuracy"] = accuracy.MoveToOuterScope(),
        };
        var weights = new Dictionary<string, double> { ["recon"] = 1.0, ["kl_cost"] = beta, ["kl"] = 0.0, ["accuracy"] = 0.0 };
        return new LossTerms(total.MoveToOuterScope(), terms, weights);
    }
}
