using LatentSynth.Torch;

namespace LatentSynth.Models.Priors;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A distribution p(z) over the latent space. WAEs only draw samples from it (MMD and the
/// adversary need nothing else); VAEs also need its log-density for the KL term.
/// </summary>
public interface IPrior
{
    /// <summary>The registry name (the value of <c>prior</c>).</summary>
    string Name { get; }

    /// <summary>Draws <paramref name="n"/> points in <paramref name="dim"/> dimensions, float32 [n, dim],
    /// from <paramref name="generator"/> (null: the default generator).</summary>
    Tensor Sample(long n, int dim, Generator? generator = null);

    /// <summary>True when <see cref="LogProb"/> is defined (a density with respect to Lebesgue measure exists).</summary>
    bool HasLogProb { get; }

    /// <summary>log p(z) for each row of <paramref name="z"/> [B, dim] → [B] (differentiable in z).</summary>
    /// <exception cref="NotSupportedException">The prior has no density (<see cref="HasLogProb"/> is false).</exception>
    Tensor LogProb(Tensor z);

    /// <summary>E[zᵢ²] averaged over the <paramref name="dim"/> coordinates: the σ² that scales the MMD kernels (C = 2·d·σ²).</summary>
    double MeanSquare(int dim);
}

/// <summary>A prior whose KL divergence from a diagonal Gaussian q(z|x) has a closed form (VAEs use it instead of a Monte-Carlo estimate).</summary>
public interface IAnalyticKlPrior : IPrior
{
    /// <summary>KL(N(μ, diag(exp(logVar))) ‖ p) for each row → [B].</summary>
    Tensor KlFromDiagonalGaussian(Tensor mu, Tensor logVar);
}

/// <summary>One registered prior.</summary>
/// <param name="Name">Registry name.</param>
/// <param name="Description">One line for help texts.</param>
/// <param name="DensityEverywhere">True when log p(z) is defined and finite on all of ℝᵈ, so the
/// KL divergence of a Gaussian posterior from it is finite: only such priors can serve a VAE.</param>
/// <param name="Create">Builds the prior from a (validated) config.</param>
/// <param name="Validate">Checks the prior's own keys (may be null: nothing to check).</param>
public sealed record PriorInfo(string Name, string Description, bool DensityEverywhere,
    Func<ModelConfig, IPrior> Create, Func<ModelConfig, IEnumerable<string>>? Validate = null);

/// <summary>
/// The priors by name: "normal", "mog", "uniform" and "sphere" are built in; custom ones plug in
/// with <see cref="Register"/>.
/// </summary>
public static class PriorRegistry
{
    /// <summary>The underlying table.</summary>
    public static NamedRegistry<PriorInfo> Registry { get; } = CreateBuiltIns();

    private static NamedRegistry<PriorInfo> CreateBuiltIns()
    {
        var r = new NamedRegistry<PriorInfo>("prior");
        void Add(PriorInfo p) => r.Register(p.Name, p, p.Description);
        Add(new PriorInfo("normal", "standard normal N(0, I)", true, _ => new NormalPrior()));
        Add(new PriorInfo("mog", "mixture of num_components Gaussians (std mog_std) with means on a circle of radius mog_radius", true,
            c => new MixturePrior(c.NumComponents, c.MogRadius, c.MogStd), MixturePrior.ValidateConfig));
        Add(new PriorInfo("uniform", "uniform on the hypercube [-1, 1]^d", false, _ => new UniformPrior()));
        Add(new PriorInfo("sphere", "uniform on the hypersphere of radius sqrt(d)", false, _ => new SpherePrior()));
        return r;
    }

    /// <summary>Adds <paramref name="prior"/> under its name.</summary>
    /// <exception cref="ArgumentException">The name is taken and <paramref name="replace"/> is false.</exception>
    public static void Register(PriorInfo prior, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(prior);
        Registry.Register(prior.Name, prior, prior.Description, replace);
    }

    /// <summary>The prior called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static PriorInfo Get(string name) => Registry.Get(name);

    /// <summary>Looks <paramref name="name"/> up without throwing.</summary>
    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PriorInfo? prior) =>
        Registry.TryGet(name, out prior);

    /// <summary>Builds the prior <paramref name="config"/> names.</summary>
    public static IPrior Create(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Get(config.Prior).Create(config);
    }

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;

    internal static IEnumerable<string> Problems(this PriorInfo prior, ModelConfig config) =>
        prior.Validate?.Invoke(config) ?? [];

    internal static void CheckSample(long n, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
    }

    internal static void CheckLatent(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Dim != 2) throw new ArgumentException($"z must be [batch, dim], got shape [{string.Join(", ", z.Shape)}]", nameof(z));
    }

    internal static readonly double Log2Pi = Math.Log(2 * Math.PI);
}

/// <summary>"normal": the standard normal N(0, I), with the analytic KL of Kingma and Welling (2013, App. B).</summary>
public sealed class NormalPrior : IAnalyticKlPrior
{
    /// <inheritdoc />
    public string Name => "normal";

    /// <inheritdoc />
    public Tensor Sample(long n, int dim, Generator? generator = null)
    {
        PriorRegistry.CheckSample(n, dim);
        return Torch.Randn([n, dim], generator: generator);
    }

    /// <inheritdoc />
    public bool HasLogProb => true;

    /// <inheritdoc />
    public Tensor LogProb(Tensor z)
    {
        PriorRegistry.CheckLatent(z);
        using var scope = Torch.NewScope();
        // log N(z; 0, I) = -½ Σᵢ (zᵢ² + log 2π)
        return (z.Square().Sum(1) + z.Size(1) * PriorRegistry.Log2Pi).Mul(-0.5).MoveToOuterScope();
    }

    /// <inheritdoc />
    public double MeanSquare(int dim) => 1.0;

    /// <inheritdoc />
    public Tensor KlFromDiagonalGaussian(Tensor mu, Tensor logVar) => Regularizers.Kl.DiagonalGaussianToStandardNormal(mu, logVar);
}

/// <summary>
/// "mog": an equal-weight mixture of K isotropic Gaussians with standard deviation s. The means
/// are fixed (no randomness): for d ≥ 2, μₖ = r·(cos 2πk/K, sin 2πk/K, 0, …, 0), K points evenly on a
/// circle of radius r in the first two coordinates; for d = 1, K points evenly spaced on [−r, r]
/// (0 when K = 1). Keys: num_components (K), mog_radius (r), mog_std (s).
/// </summary>
public sealed class MixturePrior : IPrior
{
    /// <summary>Creates the mixture.</summary>
    /// <exception cref="ArgumentOutOfRangeException">K &lt; 1, r &lt; 0 or s ≤ 0 (or not finite).</exception>
    public MixturePrior(int components, double radius, double std)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        if (!(radius >= 0) || double.IsInfinity(radius)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "radius must be finite and ≥ 0");
        if (!(std > 0) || double.IsInfinity(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "std must be finite and > 0");
        Components = components;
        Radius = radius;
        Std = std;
    }

    /// <summary>K.</summary>
    public int Components { get; }

    /// <summary>r.</summary>
    public double Radius { get; }

    /// <summary>s.</summary>
    public double Std { get; }

    /// <inheritdoc />
    public string Name => "mog";

    internal static IEnumerable<string> ValidateConfig(ModelConfig c)
    {
        if (c.NumComponents < 1) yield return $"num_components must be at least 1, got {c.NumComponents}";
        if (!(c.MogRadius >= 0) || double.IsInfinity(c.MogRadius)) yield return $"mog_radius must be finite and ≥ 0, got {c.MogRadius}";
        if (!(c.MogStd > 0) || double.IsInfinity(c.MogStd)) yield return $"mog_std must be finite and > 0, got {c.MogStd}";
    }

    /// <summary>The K means in <paramref name="dim"/> dimensions as doubles, [K][dim].</summary>
    public double[][] MeanValues(int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        var means = new double[Components][];
        for (int k = 0; k < Components; k++)
        {
            var m = new double[dim];
            if (dim >= 2)
            {
                double a = 2 * Math.PI * k / Components;
                m[0] = Radius * Math.Cos(a);
                m[1] = Radius * Math.Sin(a);
            }
            else if (Components > 1)
                m[0] = -Radius + 2 * Radius * k / (Components - 1);
            means[k] = m;
        }
        return means;
    }

    /// <summary>The means as a float32 tensor [K, dim].</summary>
    public Tensor Means(int dim)
    {
        var v = MeanValues(dim);
        return Tensor.From(v.SelectMany(r => r.Select(x => (float)x)).ToArray(), Components, dim);
    }

    /// <inheritdoc />
    public Tensor Sample(long n, int dim, Generator? generator = null)
    {
        PriorRegistry.CheckSample(n, dim);
        using var scope = Torch.NewScope();
        // The component first, then the Gaussian noise around its mean.
        var k = Torch.Randint(Components, [n], generator: generator);
        var noise = Torch.Randn([n, dim], generator: generator);
        return Means(dim).IndexSelect(0, k).Add(noise.Mul(Std)).MoveToOuterScope();
    }

    /// <inheritdoc />
    public bool HasLogProb => true;

    /// <inheritdoc />
    public Tensor LogProb(Tensor z)
    {
        PriorRegistry.CheckLatent(z);
        int dim = checked((int)z.Size(1));
        using var scope = Torch.NewScope();
        var diff = z.Unsqueeze(1) - Means(dim).To(z.DType).Unsqueeze(0);            // [B, K, d]
        double var = Std * Std;
        double constant = -Math.Log(Components) - 0.5 * dim * (PriorRegistry.Log2Pi + Math.Log(var));
        // log p(z) = logsumexp_k [ log(1/K) + log N(z; μₖ, s²I) ]
        return (diff.Square().Sum(2).Mul(-0.5 / var) + constant).Logsumexp(1).MoveToOuterScope();
    }

    /// <inheritdoc />
    public double MeanSquare(int dim) =>
        MeanValues(dim).Average(m => m.Sum(x => x * x)) / dim + Std * Std;
}

/// <summary>"uniform": the uniform distribution on the hypercube [−1, 1]ᵈ (density 2⁻ᵈ inside, 0 outside).</summary>
public sealed class UniformPrior : IPrior
{
    /// <inheritdoc />
    public string Name => "uniform";

    /// <inheritdoc />
    public Tensor Sample(long n, int dim, Generator? generator = null)
    {
        PriorRegistry.CheckSample(n, dim);
        using var scope = Torch.NewScope();
        return Torch.Rand([n, dim], generator: generator).Mul(2.0).Sub(1.0).MoveToOuterScope();
    }

    /// <inheritdoc />
    public bool HasLogProb => true;

    /// <inheritdoc />
    /// <remarks>−d·log 2 inside the cube, −∞ outside.</remarks>
    public Tensor LogProb(Tensor z)
    {
        PriorRegistry.CheckLatent(z);
        using var scope = Torch.NewScope();
        var inside = z.Abs().Le(1.0).All(1);
        return Torch.Where(inside, -z.Size(1) * Math.Log(2), double.NegativeInfinity).To(z.DType).MoveToOuterScope();
    }

    /// <inheritdoc />
    public double MeanSquare(int dim) => 1.0 / 3.0;
}

/// <summary>"sphere": the uniform distribution on the sphere of radius √d in ℝᵈ (normalised Gaussian
/// draws), so that E‖z‖² = d as for N(0, I). It has no density in ℝᵈ.</summary>
public sealed class SpherePrior : IPrior
{
    /// <inheritdoc />
    public string Name => "sphere";

    /// <inheritdoc />
    public Tensor Sample(long n, int dim, Generator? generator = null)
    {
        PriorRegistry.CheckSample(n, dim);
        using var scope = Torch.NewScope();
        var g = Torch.Randn([n, dim], generator: generator);
        // A standard normal vector divided by its norm is uniform on the unit sphere.
        return g.Div(g.Norm(2, 1, keepDim: true).ClampMin(1e-12)).Mul(Math.Sqrt(dim)).MoveToOuterScope();
    }

    /// <inheritdoc />
    public bool HasLogProb => false;

    /// <inheritdoc />
    public Tensor LogProb(Tensor z) =>
        throw new NotSupportedException("the 'sphere' prior has no density in R^d (it lives on a (d-1)-dimensional surface); use it with WAEs, which need only samples");

    /// <inheritdoc />
    public double MeanSquare(int dim) => 1.0;
}
