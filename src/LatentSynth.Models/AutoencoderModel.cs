using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Models;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Where training stands, passed to every loss computation: warm-up schedules read it.
/// </summary>
/// <param name="Epoch">Current epoch, 0-based.</param>
/// <param name="Step">Global optimisation step, 0-based.</param>
/// <param name="StepsPerEpoch">Steps in one epoch.</param>
/// <param name="TotalEpochs">Planned epochs.</param>
public readonly record struct TrainingProgress(int Epoch, long Step, long StepsPerEpoch, int TotalEpochs)
{
    /// <summary>Fractional epoch: <c>Step / StepsPerEpoch</c> (0 at the start, 1 after one epoch).</summary>
    public double EpochFraction => StepsPerEpoch <= 0 ? Epoch : (double)Step / StepsPerEpoch;

    /// <summary>Progress for evaluation: regularizers at full weight (warm-up finished).</summary>
    public static TrainingProgress Finished => new(int.MaxValue / 2, long.MaxValue / 2, 1, int.MaxValue / 2);
}

/// <summary>
/// A loss and its named terms, each a 0-d tensor averaged per example (for example
/// <c>recon</c>, <c>kl</c>, <c>mmd</c>). <see cref="Total"/> is what is minimised; terms are reported
/// on their own, unweighted, with the weight applied listed in <see cref="Weights"/>.
/// </summary>
public sealed class LossTerms
{
    /// <summary>Creates the loss.</summary>
    public LossTerms(Tensor total, IReadOnlyDictionary<string, Tensor> terms, IReadOnlyDictionary<string, double>? weights = null)
    {
        Total = total;
        Terms = terms;
        Weights = weights ?? new Dictionary<string, double>();
    }

    /// <summary>The objective minimised (per example).</summary>
    public Tensor Total { get; }

    /// <summary>Each term (per example), unweighted.</summary>
    public IReadOnlyDictionary<string, Tensor> Terms { get; }

    /// <summary>The weight each term entered the total with (for example the warm-up β).</summary>
    public IReadOnlyDictionary<string, double> Weights { get; }

    /// <summary>The values as doubles: "loss" for the total, then each term by name.</summary>
    public Dictionary<string, double> Values()
    {
        var d = new Dictionary<string, double> { ["loss"] = Total.Item() };
        foreach (var (k, v) in Terms) d[k] = v.Item();
        return d;
    }
}

/// <summary>
/// The contract every autoencoder of the zoo fulfils; the trainer, the evaluation and the command
/// line know models only through it. A model is a <see cref="Module"/> (so it saves and loads as a
/// state_dict) built from its <see cref="ModelConfig"/> by <see cref="ModelRegistry"/>.
/// Data are float32 [B, …<see cref="InputShape"/>] with values in [0, 1] for images.
/// </summary>
public abstract class AutoencoderModel : Module<Tensor, Tensor>
{
    /// <summary>Creates the model for a validated configuration.</summary>
    protected AutoencoderModel(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        // The one check every model gets, whoever builds it (the registry or a caller's `new`); free
        // when the config was already validated (ModelConfig.EnsureValid remembers it).
        config.EnsureValid();
        Config = config;
    }

    /// <summary>The configuration the model was built from (with its registry name).</summary>
    public ModelConfig Config { get; }

    /// <summary>Latent dimensions.</summary>
    public int LatentDim => Config.LatentDim;

    /// <summary>Shape of one example.</summary>
    public long[] InputShape => Config.InputShape;

    /// <summary>
    /// The generator the model draws its training noise from (reparameterisation ε, prior samples
    /// in the loss); null (default): the process-wide default generator, whose state
    /// <see cref="Torch.GetRngState"/> saves. The model does not own it.
    /// </summary>
    public Generator? NoiseGenerator { get; set; }

    /// <summary>
    /// What training this model mostly computes, which picks its thread plan (<see cref="ThreadPlans"/>): the
    /// trainer applies <c>ThreadPlans.Apply(model.Workload)</c> before the first step. Default:
    /// <see cref="Workload.Dense"/>; convolutional networks and recurrent models say so.
    /// </summary>
    public virtual Workload Workload => Workload.Dense;

    /// <summary>The deterministic code of <paramref name="x"/>: z for an AE/WAE, the posterior mean for a VAE. [B, LatentDim].</summary>
    public abstract Tensor Encode(Tensor x);

    /// <summary>Decodes latent points to data space: the mean of p(x|z) (probabilities for Bernoulli). [B, …InputShape].</summary>
    public abstract Tensor Decode(Tensor z);

    /// <summary>Draws <paramref name="n"/> points from the prior, [n, LatentDim].</summary>
    public abstract Tensor SamplePrior(long n, Generator? generator = null);

    /// <summary>The training objective for a batch at <paramref name="progress"/> (warm-ups apply).</summary>
    public abstract LossTerms Loss(Tensor x, TrainingProgress progress);

    /// <summary>The objective as reported on test data: regularizers at full weight.</summary>
    public virtual LossTerms EvaluationLoss(Tensor x) => Loss(x, TrainingProgress.Finished);

    /// <summary>Reconstruction: decode of encode.</summary>
    public override Tensor Forward(Tensor input) => Decode(Encode(input));

    /// <summary>Examples encoded at once by <see cref="EncodeInBatches"/> unless told otherwise.</summary>
    public const int DefaultEncodeBatchSize = 500;

    /// <summary>
    /// Throws unless <paramref name="x"/> is float32 [B, …<see cref="InputShape"/>] (and, with
    /// <paramref name="nonEmpty"/>, holds at least one example). The one check of examples handed to a model by the
    /// generation functions and the metrics; the message names the argument <paramref name="name"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape or dtype does not fit, or there are no examples.</exception>
    public void CheckExamples(Tensor x, string name, bool nonEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        var s = x.Shape;
        if (s.Length != InputShape.Length + 1 || !s[1..].SequenceEqual(InputShape))
            throw new ArgumentException($"{name} must be [B, {string.Join(", ", InputShape)}] for this model, got [{string.Join(", ", s)}]", name);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{name} must be float32, got {x.DType.TorchName()}", name);
        if (nonEmpty && s[0] < 1) throw new ArgumentException($"{name} holds no examples", name);
    }

    /// <summary>
    /// The deterministic codes (<see cref="Encode"/>) of <paramref name="x"/> [N, …InputShape] as a float32 tensor
    /// [N, LatentDim], encoded <paramref name="batchSize"/> examples at a time in inference mode (the model's mode is
    /// restored afterwards). No graph is kept.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model (see <see cref="CheckExamples"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> &lt; 1.</exception>
    public Tensor EncodeInBatches(Tensor x, int batchSize = DefaultEncodeBatchSize)
    {
        CheckExamples(x, nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        using var mode = Inference();
        using var scope = Torch.NewScope();
        long n = x.Size(0);
        var parts = new List<Tensor>();
        for (long s = 0; s < n; s += batchSize)
            parts.Add(Encode(x.Narrow(0, s, Math.Min(batchSize, n - s))).Detach().To(DType.Float32));
        var all = parts.Count == 0 ? Torch.Zeros(0, LatentDim) : Torch.Cat(parts, 0);
        return all.Contiguous().MoveToOuterScope();
    }

    /// <summary>Random samples: decode of prior draws.</summary>
    public Tensor Sample(long n, Generator? generator = null)
    {
        using var scope = Torch.NewScope();
        return Decode(SamplePrior(n, generator)).MoveToOuterScope();
    }

    /// <summary>
    /// Decodes points evenly spaced on the straight line between the codes of <paramref name="from"/>
    /// and <paramref name="to"/> (both [B, …InputShape]): [B, <paramref name="steps"/>, …InputShape],
    /// the first and last steps decoding the two codes themselves.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs differ in shape, or <paramref name="steps"/> &lt; 2.</exception>
    public Tensor Interpolate(Tensor from, Tensor to, int steps)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!from.Shape.AsSpan().SequenceEqual(to.Shape))
            throw new ArgumentException($"interpolation end points differ in shape: [{string.Join(", ", from.Shape)}] and [{string.Join(", ", to.Shape)}]", nameof(to));
        using var scope = Torch.NewScope();
        var z = InterpolateLatent(Encode(from), Encode(to), steps);              // [B, steps, d]
        long b = z.Size(0);
        var decoded = Decode(z.Reshape(b * steps, LatentDim));
        return decoded.Reshape([b, steps, .. InputShape]).MoveToOuterScope();
    }

    /// <summary>
    /// Points evenly spaced on the segments from each row of <paramref name="from"/> to the same row
    /// of <paramref name="to"/> ([B, d] each): [B, <paramref name="steps"/>, d], endpoints included.
    /// </summary>
    /// <exception cref="ArgumentException">The codes differ in shape or are not 2-D, or <paramref name="steps"/> &lt; 2.</exception>
    public static Tensor InterpolateLatent(Tensor from, Tensor to, int steps)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (steps < 2) throw new ArgumentException($"steps must be at least 2 (the two end points), got {steps}", nameof(steps));
        if (from.Dim != 2 || !from.Shape.AsSpan().SequenceEqual(to.Shape))
            throw new ArgumentException($"codes must be two [batch, dim] tensors of the same shape, got [{string.Join(", ", from.Shape)}] and [{string.Join(", ", to.Shape)}]", nameof(to));
        using var scope = Torch.NewScope();
        var t = Torch.Linspace(0, 1, steps, from.DType).View(1, steps, 1);
        var a = from.Unsqueeze(1);
        return (a + (to.Unsqueeze(1) - a) * t).MoveToOuterScope();
    }

    /// <summary>
    /// The optimizers the model trains with, by name; saved and restored by name. Default: one
    /// Adam ("model") over all parameters. Models with adversaries add theirs.
    /// </summary>
    public virtual IReadOnlyDictionary<string, Optimizer> CreateOptimizers(double learningRate) =>
        new Dictionary<string, Optimizer> { ["model"] = new Adam(Parameters(), lr: learningRate) };

    /// <summary>
    /// One optimisation step on batch <paramref name="x"/>: by default zero grads, loss, backward,
    /// step "model". Returns the loss (its tensors belong to the caller's scope).
    /// </summary>
    public virtual LossTerms TrainStep(Tensor x, TrainingProgress progress, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        var opt = optimizers["model"];
        opt.ZeroGrad();
        var loss = Loss(x, progress);
        loss.Total.Backward();
        opt.Step();
        return loss;
    }
}
