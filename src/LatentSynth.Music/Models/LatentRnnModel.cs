using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Training;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "inpaintnet": the LatentRNN of InpaintNet (Pati, Lerch &amp; Hadjeres, ISMIR 2019, §3.2; reference code
/// <c>ashispati/InpaintNet</c> <c>LatentRNN/latent_rnn.py</c>, trained by <c>latent_rnn_trainer.py</c>), stage 2 of the
/// paper's two-stage training on top of a trained, frozen "measurevae" (<see cref="MeasureVaeModel"/>, stage 1).
/// </summary>
/// <remarks>
/// <para><b>Data.</b> One example is a window of 16 bars of 24 ticks, [384] tokens 0..129 (dataset
/// <c>nottingham-inpaint</c>, <see cref="InpaintGrid"/>): bars 0..5 are the past context, 6..9 the gap, 10..15 the
/// future context.</para>
/// <para><b>Stage 1</b> is loaded from the run folder <see cref="LatentRnnConfig.MeasureVaeRun"/> when the model is built
/// (<see cref="RunFolder.LoadModel()"/>), kept in evaluation mode with every parameter frozen
/// (<c>requires_grad = false</c>, as the reference's constructor); it is not a child module, so that
/// <see cref="Module.Parameters"/>, the optimiser, the state dict and the checkpoints hold the stage-2 parameters only.
/// Loading a saved inpaintnet therefore needs the MeasureVAE run folder to be where run.json says. (In the reference the
/// MeasureVAE is a submodule, so <c>model.train()</c> turns its dropout on while its weights stay frozen; here it always
/// runs in evaluation mode.)</para>
/// <para><b>Stage 2</b> (reference <c>LatentRNN</c> with <c>rnn_class=GRU</c>, <c>auto_reg=True</c>): every past and future
/// bar is encoded to its posterior mean μ (the reference draws <c>rsample()</c> from the posterior; the mean is used here, so
/// that training and filling are deterministic given the coin); a bidirectional GRU (<c>context_rnn_past</c>) runs over the
/// 6 past codes and another (<c>context_rnn_future</c>) over the 6 future codes in their natural order (as the reference:
/// bidirectional, not reversed), both from zero states; their final states, concatenated per layer and direction
/// ([2·layers, B, 2H]), are the initial state of the bidirectional generation GRU (hidden 2H; the reference writes
/// <c>rnn_hidden_size * num_rnn_layers</c>, equal to 2H for its 2 layers). The generation GRU is auto-regressive over the
/// 4 gap bars: its first input is the last past code, each later input either the true code of the previous gap bar
/// (teacher forcing) or the code of the bar the MeasureVAE decodes (argmax) from the previous generated code, re-encoded;
/// a Linear(2·2H → z) (<c>generation_linear</c>) maps each output to a gap code. Unlike the reference, which runs the
/// teacher-forced sequence through the bidirectional GRU in one call (whose backward direction then sees the next
/// target's code), the GRU always runs one bar at a time, carrying its state, as the reference's free-running branch.</para>
/// <para><b>Loss</b>: <c>recon</c>, the cross-entropy of the true gap tokens under the frozen MeasureVAE decoder fed each
/// generated code, summed over the gap's 96 ticks, mean over the batch (nats per window; reference
/// <c>LatentRNNTrainer.loss_and_acc_for_batch</c> → <c>Trainer.mean_crossentropy_loss_alt</c>, the same cross-entropy
/// averaged over ticks; the reference decodes free-running with <c>decoder(..., train=False)</c>, here the decoder is
/// teacher-forced through <see cref="MeasureVaeModel.TeacherForcedLogits"/>, so that the loss is −log p(gap | codes);
/// the copy in <c>RetroCirce/Music-SketchNet</c> <c>InpaintRNN/inpaintrnn.py</c> defaults to <c>train_mse=True</c>, a mean
/// squared error between generated and true gap codes, not used here).
/// <c>accuracy</c> (weight 0; reference <c>mean_accuracy_alt</c>) is reported only. In training mode one draw from
/// <see cref="AutoencoderModel.NoiseGenerator"/> per batch decides teacher forcing with probability
/// <see cref="LatentRnnConfig.TeacherForcingProbability"/> (reference <c>teacher_forcing_prob = 0.5</c>);
/// <see cref="AutoencoderModel.EvaluationLoss"/> is teacher-forced. Optimiser: one Adam over the stage-2 parameters
/// (reference <c>utils/trainer.py</c>, lr 1e-4: set <c>lr</c> to match). Weights are initialised Xavier-normal
/// (reference <c>xavier_initialization</c>).</para>
/// <para><b>Not an autoencoder</b>: <see cref="Encode"/>, <see cref="Decode"/> and <see cref="SamplePrior"/> throw
/// <see cref="NotSupportedException"/>; <see cref="AutoencoderModel.Forward"/> is <see cref="FillGap"/> (greedy) as
/// float32. The generic trainer uses only the loss, the training step and the optimisers.</para>
/// Children (state-dict prefixes): <c>context_rnn_past</c>, <c>context_rnn_future</c>, <c>generation_rnn</c>,
/// <c>generation_linear</c>.
/// </remarks>
[Model("inpaintnet", typeof(LatentRnnConfig), "InpaintNet's LatentRNN: fills bars 7-10 of a 16-bar window in a frozen MeasureVAE's latent space (Pati et al. 2019); needs measure_vae_run")]
public sealed class LatentRnnModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    private const int Ticks = MeasureVaeModel.TicksPerBar;
    private const int Vocabulary = MeasureVaeModel.VocabularySize;

    /// <summary>The first bar of the gap (0-based, 6).</summary>
    public const int GapStart = InpaintGrid.PastBars;

    /// <summary>Ticks of the gap (4 bars of 24, 96).</summary>
    public const int GapTicks = InpaintGrid.GapBars * Ticks;

    private readonly LatentRnnConfig config;
    private readonly MeasureVaeModel vae;

    /// <summary>Builds the model and loads its frozen MeasureVAE from <see cref="LatentRnnConfig.MeasureVaeRun"/>.</summary>
    /// <exception cref="ArgumentException">The config is invalid; measure_vae_run is unset, missing, not a run folder, not
    /// a "measurevae" run, or its latent_dim differs (the message names the path).</exception>
    /// <exception cref="IOException">The MeasureVAE run's weights are missing or damaged (the message names the path).</exception>
    public LatentRnnModel(LatentRnnConfig config) : base(config)
    {
        this.config = config;
        vae = LoadMeasureVae(config.MeasureVaeRun);
        if (vae.LatentDim != config.LatentDim)
        {
            int found = vae.LatentDim;
            vae.Dispose();
            throw new ArgumentException($"latent_dim ({config.LatentDim}) must equal the latent_dim ({found}) of the measurevae in measure_vae_run '{config.MeasureVaeRun}': set latent_dim={found}");
        }
        long z = config.LatentDim, h = config.RnnSize;
        int layers = config.RnnLayers;
        double dropout = layers > 1 ? config.Dropout : 0;
        PastRnn = RegisterModule("context_rnn_past", new GRU(z, h, layers, batchFirst: true, dropout: dropout, bidirectional: true));
        FutureRnn = RegisterModule("context_rnn_future", new GRU(z, h, layers, batchFirst: true, dropout: dropout, bidirectional: true));
        GenerationRnn = RegisterModule("generation_rnn", new GRU(z, 2 * h, layers, batchFirst: true, dropout: dropout, bidirectional: true));
        GenerationLinear = RegisterModule("generation_linear", new Linear(4 * h, z));
        // Xavier-normal init of every weight (reference LatentRNN.xavier_initialization); biases keep their defaults.
        foreach (var (name, p) in NamedParameters())
            if (name.Contains("weight", StringComparison.Ordinal)) Init.XavierNormal_(p);
    }

    /// <summary>The settings.</summary>
    public LatentRnnConfig Settings => config;

    /// <summary>The frozen stage-1 MeasureVAE (evaluation mode, no gradients; owned and disposed by this model).</summary>
    public MeasureVaeModel MeasureVae => vae;

    /// <summary>The bidirectional GRU over the past bars' codes.</summary>
    public GRU PastRnn { get; }

    /// <summary>The bidirectional GRU over the future bars' codes.</summary>
    public GRU FutureRnn { get; }

    /// <summary>The bidirectional generation GRU (hidden 2·rnn_size), started from both context states.</summary>
    public GRU GenerationRnn { get; }

    /// <summary>The projection of the generation GRU's output to a gap code.</summary>
    public Linear GenerationLinear { get; }

    private static MeasureVaeModel LoadMeasureVae(string path) =>
        FrozenRun.Load<MeasureVaeModel>(path, "measure_vae_run", "inpaintnet", "measurevae",
            "stage 1: `latentsynth train --model measurevae --data nottingham-bars24 --out runs/bars`, then --set measure_vae_run=runs/bars");

    /// <summary>The tokens of windows <paramref name="x"/> ([B, 384], int64 or float32 holding whole ids) as int64.</summary>
    private Tensor WindowTokens(Tensor x, string name) =>
        CategoricalSequenceVae.Tokens(x, InpaintGrid.WindowSteps, Vocabulary, Config.Model, "windows", name);

    /// <summary>μ of every bar of the windows (int64 [B, 384]): [B, 16, z], without gradient.</summary>
    private Tensor BarCodes(Tensor tokens)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        long b = tokens.Size(0);
        return vae.Encode(tokens.Reshape(b * InpaintGrid.WindowBars, Ticks)).Reshape(b, InpaintGrid.WindowBars, LatentDim).MoveToOuterScope();
    }

    /// <summary>
    /// The 4 gap codes [B, 4, z] from the bar codes <paramref name="codes"/> [B, 16, z], and the bars decoded on the way
    /// [B, 4, 24] when not teacher-forced (null otherwise).
    /// </summary>
    private (Tensor Codes, Tensor? Bars) GapCodes(Tensor codes, bool teacherForced, double? temperature, Generator? generator)
    {
        using var scope = Torch.NewScope();
        var (_, past) = PastRnn.Call(codes.Narrow(1, 0, InpaintGrid.PastBars));                                 // [2L, B, H]
        var (_, future) = FutureRnn.Call(codes.Narrow(1, InpaintGrid.PastBars + InpaintGrid.GapBars, InpaintGrid.FutureBars));
        var h = Torch.Cat([past, future], 2);                                                                 // [2L, B, 2H]
        var input = codes.Select(1, InpaintGrid.PastBars - 1);                                               // last past code
        var outputs = new List<Tensor>();
        var bars = new List<Tensor>();
        for (int i = 0; i < InpaintGrid.GapBars; i++)
        {
            var (output, h2) = GenerationRnn.Call(input.Unsqueeze(1), h);
            var z = GenerationLinear.Call(output.Select(1, 0));                                               // [B, z]
            outputs.Add(z);
            h = h2;
            if (teacherForced) input = codes.Select(1, GapStart + i);
            else
            {
                using var noGrad = Torch.NoGrad();
                var bar = vae.DecodeTokens(z.Detach(), temperature, generator);                               // [B, 24]
                bars.Add(bar);
                if (i + 1 < InpaintGrid.GapBars) input = vae.Encode(bar);
            }
        }
        var gap = Torch.Stack(outputs, 1).MoveToOuterScope();
        return (gap, teacherForced ? null : Torch.Stack(bars, 1).MoveToOuterScope());
    }

    /// <summary>Per-window NLL [B] of the true gap tokens and the teacher-forced decoder's logits [B·4, 24, 130].</summary>
    private (Tensor Nll, Tensor Logits, Tensor Targets) GapLikelihood(Tensor tokens, bool teacherForced)
    {
        using var scope = Torch.NewScope();
        long b = tokens.Size(0);
        var codes = BarCodes(tokens);
        var (gap, _) = GapCodes(codes, teacherForced, null, null);
        var targets = tokens.Narrow(1, GapStart * Ticks, GapTicks).Reshape(b * InpaintGrid.GapBars, Ticks);
        var logits = vae.TeacherForcedLogits(gap.Reshape(b * InpaintGrid.GapBars, LatentDim), targets);       // [B·4, 24, 130]
        var nll = F.CrossEntropy(logits.Reshape(-1, Vocabulary), targets.Reshape(-1), reduction: Reduction.None).Reshape(b, GapTicks).Sum(1);
        return (nll.MoveToOuterScope(), logits.MoveToOuterScope(), targets.MoveToOuterScope());
    }

    /// <summary>
    /// The negative log-likelihood (nats) of each window's true gap tokens (bars 6..9, 96 ticks, summed), the generation
    /// GRU fed the true codes and the MeasureVAE decoder the true tokens (teacher forcing throughout): float32 [B]. Runs
    /// in inference mode; no gradient is kept.
    /// </summary>
    /// <exception cref="ArgumentException">windows is not [B, 384] of tokens 0..129.</exception>
    public Tensor GapNll(Tensor windows)
    {
        using var mode = Inference();
        using var scope = Torch.NewScope();
        return GapLikelihood(WindowTokens(windows, nameof(windows)), teacherForced: true).Nll.MoveToOuterScope();
    }

    /// <summary>
    /// Fills the gap: the windows [B, 384] with bars 6..9 (0-based; bars 7 to 10) replaced by the bars the MeasureVAE
    /// decodes from the generated codes, each fed back (re-encoded) to generate the next; greedy when
    /// <paramref name="temperature"/> is null, else sampled from softmax(logits / temperature) with
    /// <paramref name="generator"/>. The other 288 tokens are returned unchanged, in the input's dtype. Runs in inference
    /// mode.
    /// </summary>
    /// <exception cref="ArgumentException">windows is not [B, 384] of tokens 0..129.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor FillGap(Tensor windows, Generator? generator = null, double? temperature = null)
    {
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var mode = Inference();
        using var scope = Torch.NewScope();
        var tokens = WindowTokens(windows, nameof(windows));
        long b = tokens.Size(0);
        var (_, bars) = GapCodes(BarCodes(tokens), teacherForced: false, temperature, generator);
        var filled = Torch.Cat([tokens.Narrow(1, 0, GapStart * Ticks), bars!.Reshape(b, GapTicks),
            tokens.Narrow(1, (GapStart + InpaintGrid.GapBars) * Ticks, InpaintGrid.FutureBars * Ticks)], 1);
        return filled.To(windows.DType).MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The greedy <see cref="FillGap"/> of the windows, as float32.</remarks>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewScope();
        return FillGap(input).To(DType.Float32).MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>Not supported: a window has no single code (use <see cref="MeasureVae"/>'s Encode for the bars' codes).</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Encode(Tensor x) =>
        throw new NotSupportedException("model 'inpaintnet' (LatentRNN) has no code per window: it fills gaps (FillGap, GapNll); encode bars with its MeasureVAE");

    /// <inheritdoc />
    /// <remarks>Not supported (see <see cref="Encode"/>).</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Decode(Tensor z) =>
        throw new NotSupportedException("model 'inpaintnet' (LatentRNN) has no decoder of window codes: it fills gaps (FillGap); decode bar codes with its MeasureVAE");

    /// <inheritdoc />
    /// <remarks>Not supported: the model has no prior over windows.</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        throw new NotSupportedException("model 'inpaintnet' (LatentRNN) has no prior to sample: it fills gaps of given windows (FillGap)");

    /// <inheritdoc />
    /// <remarks>
    /// In training mode one draw from <see cref="AutoencoderModel.NoiseGenerator"/> decides whether the generation GRU is
    /// fed the true gap codes (probability <see cref="LatentRnnConfig.TeacherForcingProbability"/>) or its own re-encoded
    /// bars; in evaluation mode it is teacher-forced. Terms: <c>recon</c> (weight 1) and <c>accuracy</c> (weight 0).
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        bool teacherForced = true;
        if (Training)
        {
            double p = config.TeacherForcingProbability;
            teacherForced = p >= 1 || (p > 0 && Torch.Rand([1], generator: NoiseGenerator).Item() < p);
        }
        return LossCore(x, teacherForced);
    }

    /// <inheritdoc />
    /// <remarks>Teacher-forced: the mean of <see cref="GapNll"/> over the batch.</remarks>
    public override LossTerms EvaluationLoss(Tensor x) => LossCore(x, true);

    private LossTerms LossCore(Tensor x, bool teacherForced)
    {
        using var scope = Torch.NewScope();
        var (nll, logits, targets) = GapLikelihood(WindowTokens(x, "x"), teacherForced);
        // recon: cross-entropy of the true gap tokens, summed over the 96 ticks, mean over the batch (reference
        // LatentRNNTrainer.loss_and_acc_for_batch with Trainer.mean_crossentropy_loss_alt, which averages the same
        // cross-entropy over the ticks too; the sum is −log p(gap) per window).
        var recon = nll.Mean();
        // accuracy: argmax against the target per tick (reference Trainer.mean_accuracy_alt); reported only.
        var accuracy = logits.Argmax(-1).Eq(targets).To(DType.Float32).Mean();
        var terms = new Dictionary<string, Tensor> { ["recon"] = recon.MoveToOuterScope(), ["accuracy"] = accuracy.MoveToOuterScope() };
        var weights = new Dictionary<string, double> { ["recon"] = 1.0, ["accuracy"] = 0.0 };
        return new LossTerms(terms["recon"].Alias().MoveToOuterScope(), terms, weights);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) vae.Dispose();
        base.Dispose(disposing);
    }
}
