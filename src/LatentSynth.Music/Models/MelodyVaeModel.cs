using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// What the MusicVAE models share (Roberts et al. 2018; Magenta's <c>BidirectionalLstmEncoder</c> and
/// <c>MusicVAE._compute_model_loss</c>): the bidirectional LSTM encoder over one-hot tokens, the posterior
/// N(μ, σ²) with σ = softplus(dense), the loss (categorical reconstruction, KL with free bits, annealed β),
/// scheduled sampling, Adam with a decaying learning rate and global-norm gradient clipping, and generation.
/// Children (state-dict prefixes): <c>encoder</c>, <c>mu</c>, <c>sigma</c>, then the decoder's.
/// </summary>
/// <remarks>
/// <para><b>Data.</b> An example is a melody of T tokens (<see cref="MelodyTokens"/>, 0..89). Batches may be
/// int64 or floating point holding whole token ids: the project's <see cref="LatentSynth.Data.TensorDataset"/>
/// stores float32 examples only, so the models cast inside (after checking that the values are whole ids in
/// range). <see cref="Decode"/> returns float32 token ids for the same reason; <see cref="DecodeTokens"/> and
/// <see cref="Generate"/> return int64.</para>
/// <para><b>Inputs.</b> Tokens enter both the encoder and the decoder one-hot (Magenta's
/// <c>OneHotMelodyConverter</c>), not through a learned embedding: a one-hot vector into an LSTM is already a
/// learned embedding (a column of its input weights). The decoder's first input is the zero vector
/// (Magenta pads the shifted targets with zeros).</para>
/// <para><b>Loss terms</b> (<see cref="Loss"/>): <c>recon</c> (weight 1), <c>kl_cost</c> (weight β), and, reported
/// only (weight 0), <c>kl</c> (the KL itself, nats) and <c>accuracy</c> (the share of steps whose argmax is the
/// target, with the inputs the decoder was fed: teacher-forced in evaluation).</para>
/// </remarks>
public abstract class MelodyVaeModel : AutoencoderModel
{
    /// <summary>Recurrent networks: the <see cref="Workload.Recurrent"/> thread plan.</summary>
    public override Workload Workload => Workload.Recurrent;

    private readonly MelodyVaeConfig config;
    private double? baseLearningRate;

    /// <summary>Builds the encoder and the posterior layers.</summary>
    /// <exception cref="ArgumentException">The config is invalid, or its input_shape is not a sequence this model can take.</exception>
    protected MelodyVaeModel(MelodyVaeConfig config) : base(config)
    {
        this.config = config;
        // The trainer takes input_shape from the data and re-checks only the generic shape problems: check the sequence here.
        if (config.InputShapeProblem() is { } problem) throw new ArgumentException("invalid model config: " + problem, nameof(config));
        Length = config.InputShape[0];
        Encoder = RegisterModule("encoder", new LSTM(MelodyTokens.Count, config.EncoderSize, config.EncoderLayers, batchFirst: true, bidirectional: true));
        MuLayer = RegisterModule("mu", new Linear(2L * config.EncoderSize, config.LatentDim));
        SigmaLayer = RegisterModule("sigma", new Linear(2L * config.EncoderSize, config.LatentDim));
    }

    /// <summary>The sequence settings.</summary>
    public MelodyVaeConfig Settings => config;

    /// <summary>Steps T of one example.</summary>
    public long Length { get; }

    /// <summary>The bidirectional encoder LSTM ([B, T, 90] one-hot → final states of both directions).</summary>
    public LSTM Encoder { get; }

    /// <summary>Dense layer from the encoder's final states to μ.</summary>
    public Linear MuLayer { get; }

    /// <summary>Dense layer from the encoder's final states to σ before the softplus.</summary>
    public Linear SigmaLayer { get; }

    /// <summary>
    /// The tokens of <paramref name="x"/> ([B, T], int64 or floating point holding whole ids 0..89) as int64.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, non-integral values or ids outside the vocabulary.</exception>
    public Tensor Tokens(Tensor x, string name = "x") =>
        CategoricalSequenceVae.Tokens(x, Length, MelodyTokens.Count, Config.Model, "melodies", name);

    /// <summary>One-hot vectors of int64 <paramref name="tokens"/> (any shape S): float32 [S…, 90].</summary>
    public static Tensor OneHot(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = Torch.NewScope();
        var eye = Torch.Eye(MelodyTokens.Count);
        return eye.IndexSelect(0, tokens.Flatten()).Reshape([.. tokens.Shape, MelodyTokens.Count]).MoveToOuterScope();
    }

    /// <summary>
    /// The decoder's teacher-forced inputs: the one-hot targets shifted one step right, the first step the zero
    /// vector (Magenta <c>_compute_model_loss</c>: <c>x_input = pad(output_sequence[:, :-1], [(0,0),(1,0),(0,0)])</c>). [B, T, 90].
    /// </summary>
    public static Tensor ShiftedInputs(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = Torch.NewScope();
        long b = tokens.Size(0), t = tokens.Size(1);
        var start = Torch.Zeros(b, 1, MelodyTokens.Count);
        var shifted = t > 1 ? Torch.Cat([start, OneHot(tokens.Narrow(1, 0, t - 1))], 1) : start;
        return shifted.MoveToOuterScope();
    }

    /// <summary>
    /// μ and σ of q(z|x), each [B, LatentDim]: the last layer's final forward and backward states concatenated
    /// (Magenta <c>BidirectionalLstmEncoder.encode</c>), then μ = dense, σ = softplus(dense) (Magenta
    /// <c>MusicVAE.encode</c>).
    /// </summary>
    public (Tensor Mu, Tensor Sigma) Posterior(Tensor x)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        var (_, h, _) = Encoder.Call(OneHot(tokens));
        long layers = h.Size(0);
        var last = Torch.Cat([h.Select(0, layers - 2), h.Select(0, layers - 1)], 1);
        var mu = MuLayer.Call(last);
        var sigma = SigmaLayer.Call(last).Softplus();
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    /// <inheritdoc />
    /// <remarks>The posterior mean μ.</remarks>
    public override Tensor Encode(Tensor x)
    {
        using var scope = Torch.NewScope();
        return Posterior(x).Mu.MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>The standard normal N(0, I), MusicVAE's prior.</remarks>
    public override Tensor SamplePrior(long n, Generator? generator = null) =>
        Torch.Randn([n, LatentDim], generator: generator ?? NoiseGenerator);

    /// <inheritdoc />
    /// <remarks>The greedy (argmax) melody of each code, as float32 token ids [B, T]; see <see cref="DecodeTokens"/>.</remarks>
    public override Tensor Decode(Tensor z)
    {
        using var scope = Torch.NewScope();
        return DecodeTokens(z).To(DType.Float32).MoveToOuterScope();
    }

    /// <summary>
    /// Decodes <paramref name="z"/> [B, LatentDim] autoregressively into int64 tokens [B, T], each step's output
    /// fed back as the next input: greedy (argmax) when <paramref name="temperature"/> is null, else sampled from
    /// softmax(logits / temperature) with <paramref name="generator"/> (Magenta <c>CategoricalLstmDecoder._sample</c>).
    /// No gradient is recorded.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim].</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a positive finite number.</exception>
    public Tensor DecodeTokens(Tensor z, double? temperature = null, Generator? generator = null)
    {
        CheckLatent(z);
        CategoricalSequenceVae.CheckTemperature(temperature);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return GenerateFrom(z, temperature, generator).MoveToOuterScope();
    }

    /// <summary>Draws <paramref name="n"/> codes from the prior and decodes them (<see cref="DecodeTokens"/>): int64 [n, T].</summary>
    public Tensor Generate(long n, double? temperature = null, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return DecodeTokens(SamplePrior(n, generator), temperature, generator).MoveToOuterScope();
    }

    /// <summary>
    /// The decoder's logits [B, T, 90] for codes <paramref name="z"/> [B, LatentDim] with the ground truth
    /// <paramref name="x"/> [B, T] fed as inputs (teacher forcing; no scheduled sampling), as evaluation computes
    /// the teacher-forced accuracy (Roberts et al. 2018 Table 1). Gradients are recorded as usual.
    /// </summary>
    /// <exception cref="ArgumentException">z is not [B, LatentDim], or x is not [B, T] of melody tokens.</exception>
    public Tensor TeacherForcedLogits(Tensor z, Tensor x)
    {
        CheckLatent(z);
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        if (tokens.Size(0) != z.Size(0))
            throw new ArgumentException($"z holds {z.Size(0)} codes but x holds {tokens.Size(0)} melodies", nameof(x));
        return DecoderLogits(z, tokens, 0.0).MoveToOuterScope();
    }

    /// <summary>The decoder's logits [B, T, 90] for codes <paramref name="z"/> and target tokens <paramref name="tokens"/> [B, T] (int64),
    /// feeding the model's own sample instead of the previous target with probability <paramref name="samplingProbability"/>.</summary>
    protected abstract Tensor DecoderLogits(Tensor z, Tensor tokens, double samplingProbability);

    /// <summary>Autoregressive decoding of codes <paramref name="z"/> (checked) into int64 tokens [B, T]; called without gradients.</summary>
    protected abstract Tensor GenerateFrom(Tensor z, double? temperature, Generator? generator);

    /// <summary>The probability of feeding the ground truth at <paramref name="progress"/> (<see cref="MusicVaeSchedules.TeacherForcingProbability"/>).</summary>
    public double TeacherForcingProbability(TrainingProgress progress) =>
        Math.Clamp(MusicVaeSchedules.TeacherForcingProbability(config.SamplingSchedule, config.SamplingRate, progress.Step), 0.0, 1.0);

    /// <summary>The KL weight β at <paramref name="progress"/> (<see cref="MusicVaeSchedules.Beta"/>).</summary>
    public double Beta(TrainingProgress progress) => MusicVaeSchedules.Beta(progress.Step, config.MaxBeta, config.BetaRate);

    /// <summary>The learning rate at <paramref name="progress"/> for the base rate <paramref name="learningRate"/> (<see cref="MusicVaeSchedules.LearningRate"/>).</summary>
    public double LearningRate(TrainingProgress progress, double learningRate) =>
        MusicVaeSchedules.LearningRate(progress.Step, learningRate, config.DecayRate, config.MinLearningRate);

    /// <summary>KL(N(μ, σ²) ‖ N(0, I)) of each example, summed over z's dimensions: [B] (nats).</summary>
    public static Tensor KlDivergence(Tensor mu, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(sigma);
        using var scope = Torch.NewScope();
        // Analytic KL of a diagonal Gaussian from the standard normal, ½ Σ (μ² + σ² − 1) − Σ log σ
        // (Kingma & Welling 2013, Appendix B; Magenta: ds.kl_divergence(q_z, p_z)).
        return ((mu.Square() + sigma.Square() - 1.0) * 0.5 - sigma.Log()).Sum(1).MoveToOuterScope();
    }

    /// <inheritdoc />
    /// <remarks>
    /// In training mode the decoder's inputs follow the scheduled-sampling schedule; in evaluation mode (and in
    /// <see cref="AutoencoderModel.EvaluationLoss"/>, run by the trainer in inference mode) they are the ground
    /// truth (teacher forcing). The reparameterisation noise and the scheduled samples come from
    /// <see cref="AutoencoderModel.NoiseGenerator"/>.
    /// </remarks>
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        using var scope = Torch.NewScope();
        var tokens = Tokens(x);
        var (mu, sigma) = Posterior(tokens);
        long b = tokens.Size(0);
        // Reparameterisation z = μ + σ ⊙ ε (Kingma & Welling 2013, §2.4; Magenta: q_z.sample()).
        var z = mu + sigma * Torch.Randn([b, LatentDim], generator: NoiseGenerator);
        double pSample = Training ? 1.0 - TeacherForcingProbability(progress) : 0.0;
        var logits = DecoderLogits(z, tokens, pSample);
        // β annealing β = (1 − beta_rate^step)·max_beta (Magenta base_model.py; Roberts et al. 2018 §3.1, β-VAE of Higgins et al. 2017).
        // The terms (summed cross-entropy, KL with free bits, accuracy) are CategoricalSequenceVae.Loss's, which cites them.
        var loss = CategoricalSequenceVae.Loss(logits, tokens, mu, sigma, config.FreeBits, Beta(progress));
        return new LossTerms(loss.Total.MoveToOuterScope(), loss.Terms.ToDictionary(t => t.Key, t => t.Value.MoveToOuterScope()), loss.Weights);
    }

    /// <inheritdoc />
    /// <remarks>One Adam over all parameters (Magenta: <c>tf.train.AdamOptimizer</c>); <paramref name="learningRate"/> is the
    /// base rate that <see cref="TrainStep"/> decays with the step.</remarks>
    public override IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate)
    {
        baseLearningRate = learningRate;
        return base.CreateOptimizers(learningRate);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Sets the optimizer's learning rate to the decayed rate at the step (<see cref="LearningRate"/>, from the rate given to
    /// <see cref="CreateOptimizers"/>), and clips the gradients' global norm to <see cref="MelodyVaeConfig.GradClip"/>
    /// before Adam's step (Magenta <c>base_model.py</c>, <c>clip_mode='global_norm'</c>).
    /// </remarks>
    public override LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var opt = optimizers["model"];
        baseLearningRate ??= opt.LearningRate;
        return CategoricalSequenceVae.Step(opt, LearningRate(progress, baseLearningRate.Value), () => Loss(x, progress), Parameters(), config.GradClip);
    }

    /// <summary>Throws unless <paramref name="z"/> is [B, LatentDim].</summary>
    protected void CheckLatent(Tensor z) => CategoricalSequenceVae.CheckLatent(z, LatentDim);

    /// <summary>
    /// Initial LSTM states from an embedding: dense + tanh, split into c and h of every layer, each [layers, B, H]
    /// (Magenta <c>lstm_utils.initial_cell_state_from_embedding</c>).
    /// </summary>
    protected static (Tensor H, Tensor C) InitialState(Linear dense, Tensor embedding, int layers, long hidden)
    {
        using var scope = Torch.NewScope();
        long b = embedding.Size(0);
        var s = dense.Call(embedding).Tanh().Reshape(b, layers, 2, hidden).Permute(2, 1, 0, 3);   // [2, layers, B, H]
        return (s.Select(0, 1).Contiguous().MoveToOuterScope(), s.Select(0, 0).Contiguous().MoveToOuterScope());
    }

    /// <summary>One run of a decoder over a stretch of inputs: (inputs [N, S, 90], h, c) → (logits [N, S, 90], h, c).</summary>
    protected delegate (Tensor Logits, Tensor H, Tensor C) DecoderRun(Tensor inputs, Tensor h, Tensor c);

    /// <summary>
    /// Runs a decoder over teacher-forced inputs <paramref name="truth"/> [N, S, 90] with scheduled sampling: at each step
    /// s ≥ 1, each row feeds, with probability <paramref name="samplingProbability"/>, a token sampled from its own
    /// logits of step s − 1 instead of the ground truth (Magenta's <c>ScheduledOutputTrainingHelper</c> with
    /// <c>CategoricalLstmDecoder._sample</c>; Bengio et al. 2015). The choices and samples come from
    /// <see cref="AutoencoderModel.NoiseGenerator"/>; no gradient flows through a sample. The fused LSTM runs over each
    /// stretch between steps where some row samples, so plain teacher forcing is one call. Returns the logits [N, S, 90].
    /// </summary>
    protected Tensor RunScheduled(DecoderRun run, Tensor truth, Tensor h, Tensor c, double samplingProbability)
    {
        using var scope = Torch.NewScope();
        long n = truth.Size(0), steps = truth.Size(1);
        if (samplingProbability <= 0 || steps < 2) return run(truth, h, c).Logits.MoveToOuterScope();
        var choose = Torch.Rand([n, steps], generator: NoiseGenerator).Lt(samplingProbability);
        var anyPerStep = choose.Any(0).To(DType.Int64).ToArray<long>();
        var parts = new List<Tensor>();
        long start = 0;
        Tensor? lastLogits = null;
        while (start < steps)
        {
            long end = start + 1;
            while (end < steps && anyPerStep[end] == 0) end++;
            var inputs = truth.Narrow(1, start, end - start);
            if (start > 0 && anyPerStep[start] != 0 && lastLogits is not null)
            {
                Tensor sampled;
                using (Torch.NoGrad())
                    sampled = ScheduledSampleOverride?.Invoke(lastLogits.Detach(), truth.Select(1, start))
                        ?? OneHot(F.SampleCategorical(lastLogits.Detach(), 1.0, NoiseGenerator));
                var first = Torch.Where(choose.Select(1, start).Unsqueeze(1), sampled, truth.Select(1, start));
                inputs = end - start > 1 ? Torch.Cat([first.Unsqueeze(1), truth.Narrow(1, start + 1, end - start - 1)], 1) : first.Unsqueeze(1);
            }
            var (logits, h2, c2) = run(inputs, h, c);
            parts.Add(logits);
            lastLogits = logits.Select(1, logits.Size(1) - 1);
            (h, c) = (h2, c2);
            start = end;
        }
        return (parts.Count == 1 ? parts[0] : Torch.Cat(parts, 1)).MoveToOuterScope();
    }

    /// <summary>
    /// Test hook: replaces the scheduled sample (logits of the previous step [N, 90], ground-truth input of this step
    /// [N, 90] → the one-hot input to feed [N, 90]). Null (default): a categorical sample from the logits.
    /// </summary>
    internal Func<Tensor, Tensor, Tensor>? ScheduledSampleOverride { get; set; }

    /// <summary>
    /// Feeds a decoder its own outputs for <paramref name="steps"/> steps from <paramref name="firstInput"/> [N, 90]:
    /// argmax when <paramref name="temperature"/> is null, else a sample at that temperature. Returns the tokens
    /// int64 [N, steps] and the final states.
    /// </summary>
    protected static (Tensor Tokens, Tensor H, Tensor C) Autoregress(DecoderRun run, Tensor firstInput, Tensor h, Tensor c, long steps,
        double? temperature, Generator? generator)
    {
        using var scope = Torch.NewScope();
        var input = firstInput.Unsqueeze(1);
        var tokens = new List<Tensor>();
        for (long s = 0; s < steps; s++)
        {
            var (logits, h2, c2) = run(input, h, c);
            var last = logits.Select(1, 0);
            var token = temperature is { } t ? F.SampleCategorical(last, t, generator) : last.Argmax(-1);
            tokens.Add(token);
            input = OneHot(token).Unsqueeze(1);
            (h, c) = (h2, c2);
        }
        return (Torch.Stack(tokens, 1).MoveToOuterScope(), h.MoveToOuterScope(), c.MoveToOuterScope());
    }
}
