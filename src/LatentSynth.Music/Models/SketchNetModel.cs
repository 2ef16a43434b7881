using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Training;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "sketchnet": Music SketchNet's SketchInpainter and SketchConnector (Chen, Walshaw, Xia &amp; Cochrane, ISMIR 2020,
/// §3.2–3.3; reference code <c>RetroCirce/Music-SketchNet</c> <c>SketchNet/sketchnet.py</c>, trained by
/// <c>3-3-SketchVAE_SketchInpainter.ipynb</c> and <c>3-4-SketchNet.ipynb</c>) on top of a trained, frozen "sketchvae"
/// (<see cref="SketchVaeModel"/>, stage 1).
/// </summary>
/// <remarks>
/// <para><b>Data.</b> As "inpaintnet": windows of 16 bars of 24 ticks, [384] tokens 0..129 (dataset
/// <c>nottingham-inpaint</c>): bars 0..5 past, 6..9 gap, 10..15 future.</para>
/// <para><b>Stage 1</b> is loaded from <see cref="SketchNetConfig.SketchVaeRun"/> when the model is built, kept in
/// evaluation mode with every parameter frozen (reference constructor: <c>requires_grad = False</c>); it is not a child
/// module, so the parameters, optimiser, state dict and checkpoints hold this model's parameters only.</para>
/// <para><b>SketchInpainter</b> (reference <c>pf_pitch_encoder</c>, <c>pf_rhythm_encoder</c>, <c>gen_pitch_decoder</c>,
/// <c>gen_rhythm_decoder</c>): every context bar is encoded to the posterior means (z_pitch, z_rhythm) (the reference draws
/// <c>rsample()</c>; the means keep training and filling deterministic given the coins). The pitch halves and the rhythm
/// halves go through separate branches: bidirectional GRUs over the 6 past and the 6 future codes (<c>past_p_gru</c>,
/// <c>future_p_gru</c>, <c>past_r_gru</c>, <c>future_r_gru</c>), whose final states, concatenated per layer and direction,
/// start a bidirectional generation GRU (<c>gen_p_gru</c>, <c>gen_r_gru</c>, hidden 2H), run one bar at a time over the 4
/// gap bars from the last past bar's half code; a Linear (<c>gen_p_out</c>, <c>gen_r_out</c>) maps each output to that
/// bar's half code. Its next input is the true half code of the bar (teacher forcing, probability
/// <see cref="SketchNetConfig.TeacherForcingProbability"/> per batch, reference <c>eps = 0.5</c>) or the predicted one
/// (the reference feeds the prediction back directly, no re-decoding; so does this model).</para>
/// <para><b>SketchConnector</b> (reference <c>combine_decoder</c>, when <see cref="SketchNetConfig.Connector"/>): the 16
/// bars' codes (context: the true means; gap: the inpainter's predictions) go through Linear(z → d) (<c>combine_in</c>),
/// a sinusoidal position encoding, dropout, <see cref="SketchNetConfig.ConnectorLayers"/> post-norm self-attention layers
/// (multi-head attention without mask + residual + LayerNorm, a ReLU feed-forward of 4d + residual + LayerNorm, as the
/// reference's <c>CombineLayer</c>), a LayerNorm (<c>combine_norm</c>) and Linear(d → z) (<c>combine_out</c>); the gap's 4
/// outputs are the final codes. <b>Control by reveals</b>: in training, on a teacher-forced batch, each gap bar's true
/// z_pitch replaces the prediction with probability <see cref="SketchNetConfig.RevealProbability"/> and, independently,
/// its true z_rhythm (reference <c>if p &lt; 0.3</c>; the reference draws once per bar for the whole batch, here per bar
/// and window). At inference a user's sketch is encoded with <see cref="SketchVaeModel.EncodePitches"/> or
/// <see cref="SketchVaeModel.EncodeRhythm"/> and replaces that half of the bar's code before the connector and again in
/// its output (reference <c>sketch_generation</c>, which draws <c>rsample()</c>; the mean here).</para>
/// <para><b>Loss</b>: <c>recon</c>, the cross-entropy of the true gap tokens under the frozen SketchVAE decoder fed the
/// final codes (the connector's when present), summed over the gap's 96 ticks, mean over the batch (reference: 3-4
/// <c>F.cross_entropy(recon_x, inpaint_gd_whole, reduction = "mean")</c>, averaged over ticks, with the decoder run
/// free (<c>final_decoder(..., is_train = False)</c>); here the decoder is teacher-forced through
/// <see cref="SketchVaeModel.TeacherForcedLogits"/>, so that the loss is −log p(gap | codes)). With the connector,
/// <c>inpainter_recon</c> (weight 1) is the same cross-entropy through the inpainter's own codes. The reference trains in
/// two stages (3-3: the inpainter alone; 3-4: <c>set_stage("sketch")</c> freezes it and trains the connector); here both
/// are trained at once and the connector's input is detached from the inpainter, so each part gets the gradient of its
/// own stage's loss only. <c>accuracy</c> (weight 0, reference <c>get_acc</c>) is reported only.
/// <see cref="AutoencoderModel.EvaluationLoss"/> runs without teacher forcing or reveals, as <see cref="GapNll"/>.
/// Optimiser: one Adam (reference <c>optim.Adam</c>, lr 1e-4; the reference's warm-up schedule for stage 2 is not
/// implemented). Weights of the inpainter are initialised Xavier-normal (reference <c>xavier_initialization</c>).</para>
/// <para><b>Not an autoencoder</b>: <see cref="Encode"/>, <see cref="Decode"/> and <see cref="SamplePrior"/> throw
/// <see cref="NotSupportedException"/>; <see cref="AutoencoderModel.Forward"/> is <see cref="FillGap"/> (greedy) as
/// float32.</para>
/// </remarks>
[Model("sketchnet", typeof(SketchNetConfig), "Music SketchNet: SketchInpainter + SketchConnector fill bars 7-10 of a 16-bar window in a frozen SketchVAE's latent space, with pitch/rhythm sketches (Chen et al. 2020); needs sketch_vae_run")]
public sealed class SketchNetModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    private const int Ticks = SketchVaeModel.TicksPerBar;
    private const int Vocabulary = SketchVaeModel.VocabularySize;
    private const int Bars = InpaintGrid.WindowBars;
    private const int Gap = InpaintGrid.GapBars;

    /// <summary>The first bar of the gap (0-based, 6).</summary>
    public const int GapStart = InpaintGrid.PastBars;

    /// <summary>Ticks of the gap (4 bars of 24, 96).</summary>
    public const int GapTicks = Gap * Ticks;

    private readonly SketchNetConfig config;
    private readonly SketchVaeModel vae;
    private readonly int zp, zr;
    private readonly List<ConnectorLayer> layers = [];

    /// <summary>Builds the model and loads its frozen SketchVAE from <see cref="SketchNetConfig.SketchVaeRun"/>.</summary>
    /// <exception cref="ArgumentException">The config is invalid; sketch_vae_run is unset, missing, not a run folder, not
    /// a "sketchvae" run, or its latent_dim differs (the message names the path).</exception>
    public SketchNetModel(SketchNetConfig config) : base(config)
    {
        this.config = config;
        vae = LoadSketchVae(config.SketchVaeRun);
        if (vae.LatentDim != config.LatentDim)
        {
            int found = vae.LatentDim;
            vae.Dispose();
            throw new ArgumentException($"latent_dim ({config.LatentDim}) must equal the latent_dim ({found}) of the sketchvae in sketch_vae_run '{config.SketchVaeRun}': set latent_dim={found}");
        }
        zp = vae.PitchLatentDim;
        zr = vae.RhythmLatentDim;
        long h = config.RnnSize;
        int n = config.RnnLayers;
        double dropout = n > 1 ? config.Dropout : 0;
        GRU Context(long inputs) => new(inputs, h, n, batchFirst: true, dropout: dropout, bidirectional: true);
        GRU Generation(long inputs) => new(inputs, 2 * h, n, batchFirst: true, dropout: dropout, bidirectional: true);
        PastPitchRnn = RegisterModule("past_p_gru", Context(zp));
        PastRhythmRnn = RegisterModule("past_r_gru", Context(zr));
        FuturePitchRnn = RegisterModule("future_p_gru", Context(zp));
        FutureRhythmRnn = RegisterModule("future_r_gru", Context(zr));
        GenerationPitchRnn = RegisterModule("gen_p_gru", Generation(zp));
        GenerationRhythmRnn = RegisterModule("gen_r_gru", Generation(zr));
        GenerationPitchOut = RegisterModule("gen_p_out", new Linear(4 * h, zp));
        GenerationRhythmOut = RegisterModule("gen_r_out", new Linear(4 * h, zr));
        // Xavier-normal init of the inpainter's weights (reference SketchNet.xavier_initialization); biases keep their defaults.
        foreach (var (name, p) in NamedParameters())
            if (name.Contains("weight", StringComparison.Ordinal)) Init.XavierNormal_(p);
        if (config.Connector)
        {
            long d = config.ConnectorSize;
            CombineIn = RegisterModule("combine_in", new Linear(config.LatentDim, d));
            for (int i = 0; i < config.ConnectorLayers; i++)
                layers.Add(RegisterModule($"combine_nn_{i}", new ConnectorLayer(d, config.ConnectorHeads, config.ConnectorDropout)));
            CombineNorm = RegisterModule("combine_norm", new LayerNorm(d, eps: 1e-6));
            CombineOut = RegisterModule("combine_out", new Linear(d, config.LatentDim));
        }
    }

    /// <summary>The settings.</summary>
    public SketchNetConfig Settings => config;

    /// <summary>The frozen stage-1 SketchVAE (evaluation mode, no gradients; owned and disposed by this model).</summary>
    public SketchVaeModel SketchVae => vae;

    /// <summary>The bidirectional GRU over the past bars' z_pitch.</summary>
    public GRU PastPitchRnn { get; }

    /// <summary>The bidirectional GRU over the past bars' z_rhythm.</summary>
    public GRU PastRhythmRnn { get; }

    /// <summary>The bidirectional GRU over the future bars' z_pitch.</summary>
    public GRU FuturePitchRnn { get; }

    /// <summary>The bidirectional GRU over the future bars' z_rhythm.</summary>
    public GRU FutureRhythmRnn { get; }

    /// <summary>The generation GRU of the gap's z_pitch (hidden 2·rnn_size).</summary>
    public GRU GenerationPitchRnn { get; }

    /// <summary>The generation GRU of the gap's z_rhythm (hidden 2·rnn_size).</summary>
    public GRU GenerationRhythmRnn { get; }

    /// <summary>The projection of the pitch generation GRU's output to a z_pitch.</summary>
    public Linear GenerationPitchOut { get; }

    /// <summary>The projection of the rhythm generation GRU's output to a z_rhythm.</summary>
    public Linear GenerationRhythmOut { get; }

    /// <summary>The connector's input projection (null without the connector).</summary>
    public Linear? CombineIn { get; }

    /// <summary>The connector's final LayerNorm (null without the connector).</summary>
    public LayerNorm? CombineNorm { get; }

    /// <summary>The connector's output projection to codes (null without the connector).</summary>
    public Linear? CombineOut { get; }

    private static SketchVaeModel LoadSketchVae(string path) =>
        FrozenRun.Load<SketchVaeModel>(path, "sketch_vae_run", "sketchnet", "sketchvae",
            "stage 1: `latentsynth music train --model sketchvae --out runs/sketchvae`, then --set sketch_vae_run=runs/sketchvae");

    private Tensor WindowTokens(Tensor x, string name) =>
        CategoricalSequenceVae.Tokens(x, InpaintGrid.WindowSteps, Vocabulary, Config.Model, "windows", name);

    /// <summary>[z_pitch, z_rhythm] means of every bar of the windows (int64 [B, 384]): [B, 16, z], without gradient.</summary>
    private Tensor BarCodes(Tensor tokens)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        long b = tokens.Size(0);
        return vae.Encode(tokens.Reshape(b * Bars, Ticks)).Reshape(b, Bars, LatentDim).MoveToOuterScope();
    }

    private static Tensor Generate(GRU past, GRU future, GRU generation, Linear output, Tensor codes, bool teacherForced)
    {
        using var scope = Torch.NewScope();
        var (_, hp) = past.Call(codes.Narrow(1, 0, InpaintGrid.PastBars));
        var (_, hf) = future.Call(codes.Narrow(1, GapStart + Gap, InpaintGrid.FutureBars));
        var h = Torch.Cat([hp, hf], 2);                                                 // [2L, B, 2H]
        var input = codes.Select(1, GapStart - 1);
        var outputs = new List<Tensor>();
        for (int i = 0; i < Gap; i++)
        {
            var (o, h2) = generation.Call(input.Unsqueeze(1), h);
            var z = output.Call(o.Select(1, 0));
            outputs.Add(z);
            h = h2;
            input = teacherForced ? codes.Select(1, GapStart + i) : z;
        }
        return Torch.Stack(outputs, 1).MoveToOuterScope();
    }

    /// <summary>The inpainter's gap codes [B, 4, z] (pitch half first) from the bar codes [B, 16, z].</summary>
    private Tensor InpainterCodes(Tensor codes, bool teacherForced)
    {
        using var scope = Torch.NewScope();
        var p = Generate(PastPitchRnn, FuturePitchRnn, GenerationPitchRnn, GenerationPitchOut, codes.Narrow(2, 0, zp), teacherForced);
        var r = Generate(PastRhythmRnn, FutureRhythmRnn, GenerationRhythmRnn, GenerationRhythmOut, codes.Narrow(2, zp, zr), teacherForced);
        return Torch.Cat([p, r], 2).MoveToOuterScope();
    }

    /// <summary>Sinusoidal position encoding [16, d] (reference <c>PositionalEncoding</c>).</summary>
    private static Tensor Positions(long d)
    {
        var table = new float[Bars * d];
        for (int pos = 0; pos < Bars; pos++)
            for (long j = 0; j < d; j++)
            {
                double angle = pos / Math.Pow(10000, 2 * (j / 2) / (double)d);
                table[pos * d + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return Tensor.From(table, Bars, d);
    }

    /// <summary>The connector's gap codes [B, 4, z] from the 16 bars' codes [B, 16, z].</summary>
    private Tensor Connect(Tensor all)
    {
        using var scope = Torch.NewScope();
        var y = F.Dropout(CombineIn!.Call(all) + Positions(config.ConnectorSize), config.ConnectorDropout, Training);
        foreach (var layer in layers) y = layer.Call(y);
        return CombineOut!.Call(CombineNorm!.Call(y)).Narrow(1, GapStart, Gap).MoveToOuterScope();
    }

    /// <summary>Puts <paramref name="given"/> where <paramref name="mask"/> is set (both [B, 4, z], mask 0/1 or bool) into <paramref name="codes"/>.</summary>
    private static Tensor Substitute(Tensor codes, Tensor? given, Tensor? mask) =>
        given is null || mask is null ? codes : Torch.Where(mask.To(DType.Bool), given.To(codes.DType), codes);

    /// <summary>Final gap codes [B, 4, z] and the inpainter's [B, 4, z].</summary>
    private (Tensor Final, Tensor Inpainter) GapCodes(Tensor codes, bool teacherForced, Tensor? given, Tensor? mask)
    {
        using var scope = Torch.NewScope();
        var inpainter = InpainterCodes(codes, teacherForced);
        if (!config.Connector)
            return (Substitute(inpainter, given, mask).MoveToOuterScope(), inpainter.Alias().MoveToOuterScope());
        var gap = Substitute(inpainter.Detach(), given, mask);
        var all = Torch.Cat([codes.Narrow(1, 0, GapStart), gap, codes.Narrow(1, GapStart + Gap, InpaintGrid.FutureBars)], 1);
        var final = Substitute(Connect(all), given, mask);
        return (final.MoveToOuterScope(), inpainter.MoveToOuterScope());
    }

    private (Tensor Nll, Tensor Logits) Likelihood(Tensor gap, Tensor targets, long b)
    {
        using var scope = Torch.NewScope();
        var logits = vae.TeacherForcedLogits(gap.Reshape(b * Gap, LatentDim), targets);
        var nll = F.CrossEntropy(logits.Reshape(-1, Vocabulary), targets.Reshape(-1), reduction: Reduction.None).Reshape(b, GapTicks).Sum(1);
        return (nll.MoveToOuterScope(), logits.MoveToOuterScope());
    }

    /// <summary>
    /// The codes a sketch gives: encodes <paramref name="pitches"/> ([B, 24] padded pitch sequences, see
    /// <see cref="SketchVaeModel.PitchSequences"/>) and <paramref name="rhythm"/> ([B, 24] <see cref="BarRhythm"/> classes)
    /// with the SketchVAE's encoders, as [B, z] codes with the other half zero, and the mask [B, z] (1 where given).
    /// Either may be null (both null: zeros and an empty mask).
    /// </summary>
    /// <exception cref="ArgumentException">A sketch is malformed.</exception>
    public (Tensor Codes, Tensor Mask) SketchCodes(long batch, Tensor? pitches, Tensor? rhythm)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        var zpCode = pitches is null ? Torch.Zeros(batch, zp) : vae.EncodePitches(pitches);
        var zrCode = rhythm is null ? Torch.Zeros(batch, zr) : vae.EncodeRhythm(rhythm);
        var mask = Torch.Cat([Torch.Full([batch, zp], pitches is null ? 0.0 : 1.0), Torch.Full([batch, zr], rhythm is null ? 0.0 : 1.0)], 1);
        return (Torch.Cat([zpCode, zrCode], 1).MoveToOuterScope(), mask.MoveToOuterScope());
    }

    /// <summary>
    /// The negative log-likelihood (nats) of each window's true gap tokens (96 ticks, summed) under the decoder fed the
    /// final gap codes, predicted without teacher forcing or reveals (the decoder itself teacher-forced): float32 [B].
    /// With <paramref name="sketchCodes"/> and <paramref name="sketchMask"/> (as in <see cref="FillGap"/>) the codes are
    /// conditioned on those sketches. Runs in inference mode.
    /// </summary>
    /// <exception cref="ArgumentException">windows is not [B, 384] of tokens 0..129, or the sketch tensors are not [B, 4, z].</exception>
    public Tensor GapNll(Tensor windows, Tensor? sketchCodes = null, Tensor? sketchMask = null)
    {
        using var mode = Inference();
        using var scope = Torch.NewScope();
        var tokens = WindowTokens(windows, nameof(windows));
        long b = tokens.Size(0);
        CheckSketch(b, sketchCodes, sketchMask);
        var (gap, _) = GapCodes(BarCodes(tokens), false, sketchCodes, sketchMask);
        return Likelihood(gap, tokens.Narrow(1, GapStart * Ticks, GapTicks).Reshape(b * Gap, Ticks), b).Nll.MoveToOuterScope();
    }

    /// <summary>
    /// Fills the gap: the windows [B, 384] with bars 6..9 replaced by the SketchVAE's decodes of the final gap codes;
    /// greedy when <paramref name="temperature"/> is null, else sampled with <paramref name="generator"/>. Optional
    /// sketches: <paramref name="sketchCodes"/> [B, 4, z] replaces the predicted codes where <paramref name="sketchMask"/>
    /// [B, 4, z] is 1 (see <see cref="SketchCodes"/>), before the connector and in its output. The other 288 tokens are
    /// returned unchanged, in the input's dtype. Runs in inference mode.
    /// </summary>
    /// <exception cref="ArgumentException">windows is not [B, 384] of tokens 0..129, or the sketch tensors are not [B, 4, z].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor FillGap(Tensor windows, Generator? generator = null, double? temperature = null, Tensor? sketchCodes = null, Tensor? sketchMask = null)
    {
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var mode = Inference();
        using var scope = Torch.NewScope();
        var tokens = WindowTokens(windows, nameof(windows));
        long b = tokens.Size(0);
        CheckSketch(b, sketchCodes, sketchMask);
        var (gap, _) = GapCodes(BarCodes(tokens), false, sketchCodes, sketchMask);
        var bars = vae.DecodeTokens(gap.Reshape(b * Gap, LatentDim), temperature, generator).Reshape(b, GapTicks);
        var filled = Torch.Cat([tokens.Narrow(1, 0, GapStart * Ticks), bars, tokens.Narrow(1, (GapStart + Gap) * Ticks, InpaintGrid.FutureBars * Ticks)], 1);
        return filled.To(windows.DType).MoveToOuterScope();
    }

    private void CheckSketch(long b, Tensor? sketchCodes, Tensor? sketchMask)
    {
        if ((sketchCodes is null) != (sketchMask is null))
            throw new ArgumentException("sketchCodes and sketchMask go together");
        foreach (var t in new[] { sketchCodes, sketchMask })
            if (t is not null && !t.Shape.SequenceEqual([b, Gap, (long)LatentDim]))
                throw new ArgumentException($"a sketch tensor must be [{b}, {Gap}, {LatentDim}], got [{string.Join(", ", t.Shape)}]");
    }

    /// <inheritdoc />
    /// <remarks>The greedy <see cref="FillGap"/> of the windows, as float32.</remarks>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewScope();
        return FillGap(input).To(DType.Float32).MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>Not supported: a window has no single code (use <see cref="SketchVae"/>'s Encode for the bars' codes).</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Encode(Tensor x) =>
        throw new NotSupportedException("model 'sketchnet' has no code per window: it fills gaps (FillGap, GapNll); encode bars with its SketchVAE");

    /// <inheritdoc />
    /// <remarks>Not supported (see <see cref="Encode"/>).</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Decode(Tensor z) =>
        throw new NotSupportedException("model 'sketchnet' has no decoder of window codes: it fills gaps (FillGap); decode bar codes with its SketchVAE");

    /// <inheritdoc />
    /// <remarks>Not supported: the model has no prior over windows.</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        throw new NotSupportedException("model 'sketchnet' has no prior to sample: it fills gaps of given windows (FillGap)");

    /// <inheritdoc />
    /// <remarks>
    /// In training mode one draw from <see cref="AutoencoderModel.NoiseGenerator"/> per batch decides teacher forcing
    /// (probability <see cref="SketchNetConfig.TeacherForcingProbability"/>); on a teacher-forced batch the connector sees
    /// true half codes of gap bars revealed with probability <see cref="SketchNetConfig.RevealProbability"/> each. Terms:
    /// <c>recon</c> (weight 1), <c>inpainter_recon</c> (weight 1, with the connector only) and <c>accuracy</c> (weight 0).
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress) => LossCore(x, Training);

    /// <inheritdoc />
    /// <remarks>Free-running, no reveals: <c>recon</c> is the mean of <see cref="GapNll"/> over the batch.</remarks>
    public override LossTerms EvaluationLoss(Tensor x) => LossCore(x, false);

    private LossTerms LossCore(Tensor x, bool training)
    {
        using var scope = Torch.NewScope();
        var tokens = WindowTokens(x, "x");
        long b = tokens.Size(0);
        var codes = BarCodes(tokens);
        bool teacherForced = false;
        Tensor? given = null, mask = null;
        if (training)
        {
            double p = config.TeacherForcingProbability;
            teacherForced = p >= 1 || (p > 0 && Torch.Rand([1], generator: NoiseGenerator).Item() < p);
            if (teacherForced && config.Connector && config.RevealProbability > 0)
            {
                // Reveals (reference combine_decoder): per gap bar, z_pitch and z_rhythm each with probability reveal_probability.
                var draw = Torch.Rand([b, Gap, 2], generator: NoiseGenerator).Lt(config.RevealProbability).To(DType.Float32);
                mask = Torch.Cat([draw.Narrow(2, 0, 1).Expand(b, Gap, zp), draw.Narrow(2, 1, 1).Expand(b, Gap, zr)], 2);
                given = codes.Narrow(1, GapStart, Gap);
            }
        }
        var (final, inpainter) = GapCodes(codes, teacherForced, given, mask);
        var targets = tokens.Narrow(1, GapStart * Ticks, GapTicks).Reshape(b * Gap, Ticks);
        var (nll, logits) = Likelihood(final, targets, b);
        // recon: cross-entropy of the true gap tokens, summed over the 96 ticks, mean over the batch (reference 3-4:
        // F.cross_entropy(recon_x, inpaint_gd_whole), averaged over the ticks too).
        var terms = new Dictionary<string, Tensor> { ["recon"] = nll.Mean() };
        var weights = new Dictionary<string, double> { ["recon"] = 1.0 };
        if (config.Connector)
        {
            // inpainter_recon: the same cross-entropy through the inpainter's codes (the reference's stage-1 loss, 3-3).
            terms["inpainter_recon"] = Likelihood(inpainter, targets, b).Nll.Mean();
            weights["inpainter_recon"] = 1.0;
        }
        // accuracy: argmax against the target per tick (reference get_acc); reported only.
        terms["accuracy"] = logits.Argmax(-1).Eq(targets).To(DType.Float32).Mean();
        weights["accuracy"] = 0.0;
        var total = terms["recon"] + (config.Connector ? terms["inpainter_recon"] : Torch.Zeros(1).Sum());
        foreach (var t in terms.Values) t.MoveToOuterScope();
        return new LossTerms(total.MoveToOuterScope(), terms, weights);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) vae.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>One post-norm self-attention layer of the connector (reference <c>CombineLayer</c>).</summary>
    private sealed class ConnectorLayer : Module<Tensor, Tensor>
    {
        private readonly int heads;
        private readonly double dropout;
        private readonly Linear q, k, v, fc, ffn1, ffn2;
        private readonly LayerNorm attentionNorm, ffnNorm;

        public ConnectorLayer(long d, int heads, double dropout)
        {
            this.heads = heads;
            this.dropout = dropout;
            q = RegisterModule("w_qs", new Linear(d, d, bias: false));
            k = RegisterModule("w_ks", new Linear(d, d, bias: false));
            v = RegisterModule("w_vs", new Linear(d, d, bias: false));
            fc = RegisterModule("fc", new Linear(d, d, bias: false));
            attentionNorm = RegisterModule("attention_norm", new LayerNorm(d, eps: 1e-6));
            ffn1 = RegisterModule("w_1", new Linear(d, 4 * d));
            ffn2 = RegisterModule("w_2", new Linear(4 * d, d));
            ffnNorm = RegisterModule("ffn_norm", new LayerNorm(d, eps: 1e-6));
        }

        public override Tensor Forward(Tensor x)
        {
            using var scope = Torch.NewScope();
            long b = x.Size(0), n = x.Size(1), d = x.Size(2), dk = d / heads;
            Tensor Heads(Linear l) => l.Call(x).Reshape(b, n, heads, dk).Transpose(1, 2);   // [B, h, n, dk]
            var attention = Heads(q).Div(Math.Sqrt(dk)).Matmul(Heads(k).Transpose(2, 3)).Softmax(-1);
            attention = F.Dropout(attention, dropout, Training);
            var mixed = attention.Matmul(Heads(v)).Transpose(1, 2).Contiguous().Reshape(b, n, d);
            var y = attentionNorm.Call(F.Dropout(fc.Call(mixed), dropout, Training) + x);
            var f = ffn2.Call(ffn1.Call(y).Relu());
            return ffnNorm.Call(F.Dropout(f, dropout, Training) + y).MoveToOuterScope();
        }
    }
}
