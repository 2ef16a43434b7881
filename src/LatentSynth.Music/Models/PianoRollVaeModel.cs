using LatentSynth.Models;
using LatentSynth.Music.Evaluation;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;
using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>
/// "pianoroll-vae": PianoTree VAE's piano-roll baseline (Wang et al., ISMIR 2020, §5, the fully connected "PR" model) at a
/// latent size matched to PianoTree's (<see cref="PolyBaselineConfig"/>).
/// </summary>
/// <remarks>
/// <para><b>Representation.</b> A tree tensor [32, 16, 6] becomes a roll of 32 steps × 128 pitches whose cells are one of
/// three states, 0 silence, 1 sustain, 2 onset (<see cref="BaselineTreeCodec.Roll"/>) — the cells of the PianoTree authors'
/// evaluator (<c>poly_eval_helper.py</c>, see <see cref="NoteF1"/>; the reference's <c>utils.piano_roll_to_target</c> reads the
/// same three layers). A note sustains over the cells after its onset up to its end, clipped at the segment end (a roll has
/// no cell beyond it) and cut by a later onset of the same pitch. Back to notes (<see cref="BaselineTreeCodec.RollNotes"/>):
/// each onset cell is a note lasting 1 + the run of sustain cells right after it, the evaluator's rule. So tree → roll → notes
/// is exact for notes inside the segment that do not overlap a note of the same pitch.</para>
/// <para><b>Networks.</b> Encoder: the onset and sustain planes flattened (2·32·128 inputs) → Linear + ReLU per hidden width →
/// two heads, μ and log σ. Decoder: z → Linear + ReLU per hidden width (mirrored) → 3·32·128 logits, a 3-way categorical per
/// cell. Decoding takes each cell's argmax, or samples it at a temperature.</para>
/// <para><b>Loss terms.</b> <c>recon</c>: the cross-entropy of the 3-state cells summed over the 32×128 roll, batch mean
/// (−log p(x|z) of a factorised categorical likelihood; the categorical counterpart of the usual Bernoulli roll likelihood, its
/// states exclusive as the evaluator's); <c>kl_cost</c>: the analytic KL(q(z|x) ‖ N(0, I)), batch mean (Kingma &amp; Welling 2014,
/// Appendix B), weight β (<see cref="PolyBaselineConfig.Beta"/>); <c>kl</c> (the same, reported) and <c>cell_accuracy</c>
/// (argmax state right, reported) at weight 0. Optimiser: one Adam.</para>
/// Children: <c>encoder_0</c>…, <c>mu</c>, <c>log_std</c>, <c>decoder_0</c>…, <c>output</c>.
/// </remarks>
[Model("pianoroll-vae", typeof(PianoRollVaeConfig), "PianoTree's piano-roll baseline: 32x128 {silence, sustain, onset} roll, MLP encoder/decoder (Wang et al. 2020)")]
public sealed class PianoRollVaeModel : AutoencoderModel
{
    /// <summary>Cells of a roll: 32 steps × 128 pitches.</summary>
    public const int Cells = BaselineTreeCodec.Steps * BaselineTreeCodec.Pitches;

    /// <summary>States of a cell: silence, sustain, onset.</summary>
    public const int States = 3;

    private readonly List<Linear> encoder = [];
    private readonly List<Linear> decoder = [];

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public PianoRollVaeModel(PianoRollVaeConfig config) : base(config)
    {
        Settings = config;
        long width = 2L * Cells;
        for (int i = 0; i < config.Hidden.Length; i++)
        {
            encoder.Add(RegisterModule($"encoder_{i}", new Linear(width, config.Hidden[i])));
            width = config.Hidden[i];
        }
        MuLayer = RegisterModule("mu", new Linear(width, config.LatentDim));
        LogStdLayer = RegisterModule("log_std", new Linear(width, config.LatentDim));
        width = config.LatentDim;
        for (int i = config.Hidden.Length - 1; i >= 0; i--)
        {
            decoder.Add(RegisterModule($"decoder_{config.Hidden.Length - 1 - i}", new Linear(width, config.Hidden[i])));
            width = config.Hidden[i];
        }
        OutputLayer = RegisterModule("output", new Linear(width, (long)States * Cells));
    }

    /// <summary>The settings.</summary>
    public PianoRollVaeConfig Settings { get; }

    /// <summary>The μ head.</summary>
    public Linear MuLayer { get; }

    /// <summary>The log σ head.</summary>
    public Linear LogStdLayer { get; }

    /// <summary>The decoder's last layer, to the 3·32·128 cell logits.</summary>
    public Linear OutputLayer { get; }

    /// <summary>The rolls of tree tensors <paramref name="x"/> [B, 32, 16, 6]: int64 cell states [B, 32, 128] (0 silence, 1 sustain, 2 onset).</summary>
    /// <exception cref="ArgumentException">x is not a batch of valid tree tensors.</exception>
    public Tensor Rolls(Tensor x)
    {
        var notes = BaselineTreeCodec.Notes(x, Config.Model, nameof(x));
        var states = new long[(long)notes.Length * Cells];
        for (int b = 0; b < notes.Length; b++)
        {
            var roll = BaselineTreeCodec.Roll(notes[b]);
            for (int i = 0; i < Cells; i++) states[(long)b * Cells + i] = roll[i];
        }
        return Tensor.From(states, notes.Length, BaselineTreeCodec.Steps, BaselineTreeCodec.Pitches);
    }

    /// <summary>μ and σ of q(z|x) for tree tensors <paramref name="x"/>, each [B, LatentDim].</summary>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var (mu, sigma) = PosteriorOfRolls(Rolls(x));
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    private (Tensor Mu, Tensor Sigma) PosteriorOfRolls(Tensor rolls)
    {
        long b = rolls.Size(0);
        var flat = rolls.Reshape(b, Cells);
        var h = Torch.Cat([flat.Eq(BaselineTreeCodec.Sustain).To(DType.Float32), flat.Eq(BaselineTreeCodec.Onset).To(DType.Float32)], 1);
        foreach (var layer in encoder) h = layer.Call(h).Relu();
        return (MuLayer.Call(h), LogStdLayer.Call(h).Exp());
    }

    /// <summary>The decoder's logits [B, 32, 128, 3] for codes <paramref name="z"/> [B, LatentDim].</summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    public Tensor Logits(Tensor z)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        using var scope = Torch.NewScope();
        var h = z;
        foreach (var layer in decoder) h = layer.Call(h).Relu();
        return OutputLayer.Call(h).Reshape(z.Size(0), BaselineTreeCodec.Steps, BaselineTreeCodec.Pitches, States).MoveToOuterScope();
    }

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
    /// <remarks>The argmax roll of each code read back as notes (<see cref="DecodeNotes"/>) and written as tree tensors, float32
    /// [B, 32, 16, 6]; a tree holds 16 notes per step, so a step with more onsets keeps its 16 lowest (<see cref="DecodeNotes"/> keeps all).</remarks>
    public override Tensor Decode(Tensor z) => BaselineTreeCodec.Tree(DecodeNotes(z));

    /// <summary>
    /// The notes of codes <paramref name="z"/> [B, LatentDim]: each cell's state is the argmax when <paramref name="temperature"/>
    /// is null, else drawn from softmax(logits / temperature) with <paramref name="generator"/>; the roll is read back with
    /// the evaluator's rule (<see cref="BaselineTreeCodec.RollNotes"/>). No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public List<PolyNote>[] DecodeNotes(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CategoricalSequenceVae.CheckLatent(z, LatentDim);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        var logits = Logits(z);
        var states = (temperature is { } t ? F.SampleCategorical(logits, t, generator) : logits.Argmax(-1)).To(DType.UInt8).Contiguous().ToArray<byte>();
        var result = new List<PolyNote>[z.Size(0)];
        for (int b = 0; b < result.Length; b++) result[b] = BaselineTreeCodec.RollNotes(states.AsSpan(b * Cells, Cells));
        return result;
    }

    /// <summary>The reconstructed notes of each tree tensor of <paramref name="x"/>: the argmax roll decoded from μ.</summary>
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
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        using var scope = Torch.NewScope();
        var rolls = Rolls(x);
        long b = rolls.Size(0);
        var (mu, sigma) = PosteriorOfRolls(rolls);
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2014, §2.4).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        var logits = Logits(z).Reshape(-1, States);
        // recon: −log p(x|z), the 3-state categorical of every cell summed over the 32×128 roll, batch mean (the cells of the
        // PianoTree authors' evaluator, poly_eval_helper.py; a factorised likelihood as the Bernoulli piano rolls of the PR baselines).
        var recon = F.CrossEntropy(logits, rolls.Reshape(-1), reduction: Reduction.Sum) / Math.Max(1, b);
        // kl_cost: analytic KL of the diagonal Gaussian from N(0, I), batch mean (Kingma & Welling 2014, Appendix B), weight β.
        var kl = MelodyVaeModel.KlDivergence(mu, sigma).Mean();
        var accuracy = logits.Argmax(-1).Eq(rolls.Reshape(-1)).To(DType.Float32).Mean();
        double beta = Settings.Beta;
        var total = recon + kl * beta;
        var terms = new Dictionary<string, Tensor>
        {
            ["recon"] = recon.MoveToOuterScope(),
            ["kl_cost"] = kl.Alias().MoveToOuterScope(),
            ["kl"] = kl.MoveToOuterScope(),
            ["cell_accuracy"] = accuracy.MoveToOuterScope(),
        };
        var weights = new Dictionary<string, double> { ["recon"] = 1.0, ["kl_cost"] = beta, ["kl"] = 0.0, ["cell_accuracy"] = 0.0 };
        return new LossTerms(total.MoveToOuterScope(), terms, weights);
    }
}
