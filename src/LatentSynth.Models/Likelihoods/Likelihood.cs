using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Likelihoods;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A reconstruction objective: the negative log-likelihood −log p(x|z) of the data under the
/// distribution the decoder's output parameterises. A module, so learned parameters (a Gaussian's
/// log-variance) train and save with the model (state-dict keys <c>likelihood.…</c>).
/// </summary>
public abstract class Likelihood : Module
{
    /// <summary>The registry name (the value of <c>recon</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// −log p(x|z) per example, summed over the elements of one example: [B] from the decoder
    /// output <paramref name="output"/> and the data <paramref name="x"/> (both [B, …]).
    /// </summary>
    public abstract Tensor NegLogLikelihood(Tensor output, Tensor x);

    /// <summary>
    /// The batch mean of <see cref="NegLogLikelihood"/> (a 0-d tensor): what training minimises.
    /// Likelihoods override it with one fused reduction over the whole batch, which skips the
    /// [B, …] elementwise loss and its backward.
    /// </summary>
    public virtual Tensor MeanNegLogLikelihood(Tensor output, Tensor x)
    {
        using var scope = Torch.NewScope();
        return NegLogLikelihood(output, x).Mean().MoveToOuterScope();
    }

    /// <summary>The mean of p(x|z) in data space (what <see cref="AutoencoderModel.Decode"/> returns).</summary>
    public abstract Tensor Mean(Tensor output);

    /// <summary>Sums an elementwise loss [B, …] over everything but the batch → [B].</summary>
    protected static Tensor SumPerExample(Tensor elementwise)
    {
        if (elementwise.Dim <= 1) return elementwise.Alias();
        return elementwise.Sum(Enumerable.Range(1, elementwise.Dim - 1).ToArray());
    }

    /// <summary>Throws when <paramref name="output"/> and <paramref name="x"/> differ in shape.</summary>
    protected static void CheckShapes(Tensor output, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(x);
        if (!output.Shape.AsSpan().SequenceEqual(x.Shape))
            throw new ArgumentException($"decoder output [{string.Join(", ", output.Shape)}] and data [{string.Join(", ", x.Shape)}] differ in shape", nameof(x));
    }
}

/// <summary>One registered likelihood.</summary>
/// <param name="Name">Registry name.</param>
/// <param name="Description">One line for help texts.</param>
/// <param name="Create">Builds the module from a (validated) config.</param>
/// <param name="Validate">Checks the likelihood's own keys (may be null).</param>
public sealed record LikelihoodInfo(string Name, string Description, Func<ModelConfig, Likelihood> Create,
    Func<ModelConfig, IEnumerable<string>>? Validate = null);

/// <summary>The reconstruction objectives by name: "bce", "mse" and "l1" are built in.</summary>
public static class LikelihoodRegistry
{
    /// <summary>The underlying table.</summary>
    public static NamedRegistry<LikelihoodInfo> Registry { get; } = CreateBuiltIns();

    private static NamedRegistry<LikelihoodInfo> CreateBuiltIns()
    {
        var r = new NamedRegistry<LikelihoodInfo>("reconstruction objective");
        void Add(LikelihoodInfo l) => r.Register(l.Name, l, l.Description);
        Add(new LikelihoodInfo("bce", "Bernoulli: binary cross-entropy with logits, summed over elements", _ => new BernoulliLikelihood(),
            c => FixedVarianceOnly(c, "bce")));
        Add(new LikelihoodInfo("mse", "Gaussian: sum of squared errors (fixed variance), or the full NLL with a learned log-variance (recon_variance)",
            c => new GaussianLikelihood(c.ReconVariance, c.InputShape)));
        Add(new LikelihoodInfo("l1", "Laplace: sum of absolute errors", _ => new LaplaceLikelihood(), c => FixedVarianceOnly(c, "l1")));
        return r;
    }

    private static IEnumerable<string> FixedVarianceOnly(ModelConfig c, string name)
    {
        if (c.ReconVariance is "scalar" or "per-pixel")
            yield return $"recon_variance '{c.ReconVariance}' applies to recon 'mse' only; recon '{name}' needs 'fixed'";
    }

    /// <summary>Adds <paramref name="likelihood"/> under its name.</summary>
    /// <exception cref="ArgumentException">The name is taken and <paramref name="replace"/> is false.</exception>
    public static void Register(LikelihoodInfo likelihood, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(likelihood);
        Registry.Register(likelihood.Name, likelihood, likelihood.Description, replace);
    }

    /// <summary>The likelihood called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static LikelihoodInfo Get(string name) => Registry.Get(name);

    /// <summary>Looks <paramref name="name"/> up without throwing.</summary>
    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LikelihoodInfo? likelihood) =>
        Registry.TryGet(name, out likelihood);

    /// <summary>Builds the likelihood <paramref name="config"/> names.</summary>
    public static Likelihood Create(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Get(config.Recon).Create(config);
    }

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;

    internal static IEnumerable<string> Problems(this LikelihoodInfo l, ModelConfig config) => l.Validate?.Invoke(config) ?? [];
}

/// <summary>"bce": independent Bernoulli pixels with logits from the decoder; Decode gives sigmoid(logits).</summary>
public sealed class BernoulliLikelihood : Likelihood
{
    /// <inheritdoc />
    public override string Name => "bce";

    /// <inheritdoc />
    public override Tensor NegLogLikelihood(Tensor output, Tensor x)
    {
        CheckShapes(output, x);
        using var scope = Torch.NewScope();
        // Bernoulli decoder: −log p(x|z) = Σ BCE(logits, x) (Kingma & Welling 2013, App. C.1).
        var bce = F.BinaryCrossEntropyWithLogits(output, x, reduction: Reduction.None);
        return SumPerExample(bce).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor MeanNegLogLikelihood(Tensor output, Tensor x)
    {
        CheckShapes(output, x);
        using var scope = Torch.NewScope();
        // The same Bernoulli NLL, summed over the batch in one fused reduction, divided by B.
        return (F.BinaryCrossEntropyWithLogits(output, x, reduction: Reduction.Sum) / (double)x.Size(0)).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor Mean(Tensor output) => output.Sigmoid();
}

/// <summary>
/// "mse": a Gaussian with the decoder output as mean. With recon_variance "fixed" the loss is the
/// sum of squared errors Σ(x − μ)² (the NLL with σ² = ½, less its constant); with "scalar" or
/// "per-pixel" a learned log-variance (parameter <c>log_var</c>, shape [1] or the input shape,
/// starting at 0) gives the full NLL ½Σ[log 2π + log σ² + (x − μ)²/σ²].
/// </summary>
public sealed class GaussianLikelihood : Likelihood
{
    /// <summary>Creates the likelihood.</summary>
    /// <param name="variance">"fixed", "scalar" or "per-pixel".</param>
    /// <param name="inputShape">Shape of one example (for "per-pixel").</param>
    /// <exception cref="ArgumentException">Unknown <paramref name="variance"/>.</exception>
    public GaussianLikelihood(string variance = "fixed", long[]? inputShape = null)
    {
        Variance = variance;
        long[]? shape = variance switch
        {
            "fixed" => null,
            "scalar" => [1],
            "per-pixel" => inputShape ?? throw new ArgumentNullException(nameof(inputShape), "recon_variance 'per-pixel' needs the input shape"),
            _ => throw new ArgumentException($"recon_variance must be 'fixed', 'scalar' or 'per-pixel', got '{variance}'", nameof(variance)),
        };
        if (shape is not null) LogVar = RegisterParameter("log_var", new Parameter(Torch.Zeros(shape)));
    }

    /// <summary>"fixed", "scalar" or "per-pixel".</summary>
    public string Variance { get; }

    /// <summary>The learned log-variance, or null when fixed.</summary>
    public Parameter? LogVar { get; }

    /// <inheritdoc />
    public override string Name => "mse";

    /// <inheritdoc />
    public override Tensor NegLogLikelihood(Tensor output, Tensor x)
    {
        CheckShapes(output, x);
        using var scope = Torch.NewScope();
        var sq = (x - output).Square();
        if (LogVar is null)
            // Gaussian decoder with fixed variance: Σ (x − μ)² (Kingma & Welling 2013, App. C.2, σ² fixed).
            return SumPerExample(sq).MoveToOuterScope();
        // Gaussian decoder, full NLL: ½ Σ [log 2π + log σ² + (x − μ)²/σ²] (Kingma & Welling 2013, App. C.2).
        var nll = (sq * LogVar.Neg().Exp() + LogVar + Math.Log(2 * Math.PI)).Mul(0.5);
        return SumPerExample(nll).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor Mean(Tensor output) => output.Alias();

    /// <inheritdoc />
    protected override string ExtraRepr() => $"variance={Variance}";
}

/// <summary>"l1": a Laplace distribution with the decoder output as location and unit scale: Σ|x − μ| (its NLL less log 2 per element).</summary>
public sealed class LaplaceLikelihood : Likelihood
{
    /// <inheritdoc />
    public override string Name => "l1";

    /// <inheritdoc />
    public override Tensor NegLogLikelihood(Tensor output, Tensor x)
    {
        CheckShapes(output, x);
        using var scope = Torch.NewScope();
        // Laplace decoder, b = 1: −log p(x|z) = Σ |x − μ| + const, the L1 cost c(x, y) of the WAE objective (Tolstikhin et al. 2018, Eq. 4).
        return SumPerExample((x - output).Abs()).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor Mean(Tensor output) => output.Alias();
}
