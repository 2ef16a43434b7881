using System.Globalization;
using System.Text.Json.Serialization;
using LatentSynth.Models.Likelihoods;
using LatentSynth.Models.Networks;
using LatentSynth.Models.Priors;

namespace LatentSynth.Models;

/// <summary>
/// Settings shared by every model; each model's config record derives from it and adds its own
/// (β, λ, kernel …). Saved as JSON with the registry name in <see cref="Model"/>, so a run folder
/// rebuilds its model. Property names are the keys of <c>--set key=value</c> (snake_case in JSON:
/// <c>latent_dim</c>, <c>input_shape</c>, <c>num_components</c> …).
/// </summary>
/// <remarks>
/// Choices are looked up by name in registries, never in a switch: <see cref="Arch"/> in
/// <see cref="NetworkRegistry"/>, <see cref="Prior"/> in <see cref="PriorRegistry"/>,
/// <see cref="Recon"/> in <see cref="LikelihoodRegistry"/>. Each registered component adds its own
/// checks to <see cref="Validate"/>.
/// </remarks>
public abstract record ModelConfig
{
    /// <summary>Registry name of the model (for example <c>vae</c>); set by the registry.</summary>
    [JsonPropertyOrder(-10)]
    public string Model { get; init; } = "";

    /// <summary>Shape of one example (for example [1, 28, 28]); set from the data.</summary>
    public long[] InputShape { get; init; } = [1, 28, 28];

    /// <summary>Latent dimensions.</summary>
    public int LatentDim { get; init; } = 20;

    /// <summary>
    /// Network family, a name of <see cref="NetworkRegistry"/>: "mlp" (any input shape),
    /// "conv" (C×H×W inputs, H and W divisible by 4) or "conv1d" (C×L inputs, L divisible by 4).
    /// </summary>
    public string Arch { get; init; } = "mlp";

    /// <summary>
    /// Hidden widths of the fully connected layers of the encoder (the decoder mirrors them). For
    /// "mlp" these are the whole network; for "conv"/"conv1d" they sit between the flattened
    /// convolution features and the latent layer (may be empty).
    /// </summary>
    public int[] Hidden { get; init; } = [400];

    /// <summary>Output channels of the two stride-2 convolutions of "conv"/"conv1d" (the decoder mirrors them).</summary>
    public int[] Channels { get; init; } = [32, 64];

    /// <summary>Prior over the latent space, a name of <see cref="PriorRegistry"/>: "normal", "mog", "uniform", "sphere".</summary>
    public string Prior { get; init; } = "normal";

    /// <summary>Components of the "mog" prior (K ≥ 1).</summary>
    public int NumComponents { get; init; } = 10;

    /// <summary>Radius of the circle the "mog" means sit on (≥ 0).</summary>
    public double MogRadius { get; init; } = 2.0;

    /// <summary>Standard deviation of each "mog" component (&gt; 0).</summary>
    public double MogStd { get; init; } = 0.5;

    /// <summary>Reconstruction objective, a name of <see cref="LikelihoodRegistry"/>: "bce", "mse" or "l1".</summary>
    public string Recon { get; init; } = "bce";

    /// <summary>
    /// Variance of the "mse" (Gaussian) likelihood: "fixed" (the loss is the sum of squared errors),
    /// "scalar" (one learned log-variance) or "per-pixel" (a learned log-variance per input element);
    /// the learned ones give the full Gaussian negative log-likelihood.
    /// </summary>
    public string ReconVariance { get; init; } = "fixed";

    /// <summary>
    /// Checks every value and returns one message per problem, each naming its key (empty when
    /// valid). Derived records add their own checks and call the base.
    /// </summary>
    public virtual IEnumerable<string> Validate()
    {
        if (LatentDim < 1) yield return $"latent_dim must be at least 1, got {LatentDim}";
        bool shapeOk = InputShape is { Length: > 0 } && InputShape.All(s => s >= 1);
        if (!shapeOk) yield return $"input_shape must be a list of positive sizes, got {Format(InputShape)}";
        if (Hidden is null || Hidden.Any(h => h < 1)) yield return $"hidden sizes must be positive, got {Format(Hidden)}";
        if (Channels is null || Channels.Any(c => c < 1)) yield return $"channels must be positive, got {Format(Channels)}";

        if (!NetworkRegistry.TryGet(Arch, out var network))
            yield return $"arch must be {NetworkRegistry.Registry.Quoted()}, got '{Arch}'";
        else if (shapeOk && StructureOk)
        {
            var networkProblems = network.Validate(this).ToList();
            foreach (var p in networkProblems) yield return p;
            if (networkProblems.Count == 0 && SizeProblem(network) is { } size) yield return size.Text;
        }

        foreach (var p in NonFiniteNumbers()) yield return p;

        if (!PriorRegistry.TryGet(Prior, out var prior))
            yield return $"prior must be {PriorRegistry.Registry.Quoted()}, got '{Prior}'";
        else
            foreach (var p in prior.Problems(this)) yield return p;

        if (ReconVariance is not ("fixed" or "scalar" or "per-pixel"))
            yield return $"recon_variance must be 'fixed', 'scalar' or 'per-pixel', got '{ReconVariance}'";
        if (!LikelihoodRegistry.TryGet(Recon, out var recon))
            yield return $"recon must be {LikelihoodRegistry.Registry.Quoted()}, got '{Recon}'";
        else
            foreach (var p in recon.Problems(this)) yield return p;
    }

    /// <summary>
    /// The most parameters a model's encoder and decoder may hold together: 250 million, 1 GB of
    /// float32 weights and about 4 GB once training adds gradients and Adam's two moments. The
    /// largest model of the zoo's defaults holds under 2 million; a size beyond this is almost
    /// always a typo (<c>--latent-dim 1e9</c>), and allocating it would end in the allocator's own
    /// error or take the machine's memory. Checked before anything is allocated.
    /// </summary>
    public const double MaxParameters = 250e6;

    private bool StructureOk => Hidden is not null && Channels is not null && LatentDim >= 1 && Hidden.All(h => h >= 1) && Channels.All(c => c >= 1);

    /// <summary>
    /// The size problem when the model would exceed <see cref="MaxParameters"/>, opening with the largest
    /// setting so that the message is attributed to its flag; it depends on the input shape when that is
    /// the largest. Null when the size is fine or the factory cannot tell.
    /// </summary>
    private (string Text, bool DependsOnShape)? SizeProblem(INetworkFactory network)
    {
        if (network.ParameterCount(this, 2L * LatentDim) is not { } count || count <= MaxParameters) return null;
        var widest = new (string Key, double Size)[]
        {
            ("latent_dim", LatentDim), ("hidden", Hidden.DefaultIfEmpty(0).Max()), ("channels", network is Networks.ConvNetworkFactoryBase ? Channels.DefaultIfEmpty(0).Max() : 0),
            ("input_shape", InputSize),
        }.MaxBy(k => k.Size);
        string what = widest.Key == "input_shape" ? $"input_shape {Format(InputShape)} ({InputSize:N0} values)" : $"{widest.Key} = {widest.Size:N0}";
        return (string.Create(CultureInfo.InvariantCulture,
            $"{what} makes the model hold {count:0.###e0} parameters ({count * 4 / 1e9:0.#} GB of weights, about 4x that to train), more than the limit of {MaxParameters:0.#e0}; reduce latent_dim, hidden or the input size"),
            widest.Key == "input_shape");
    }

    /// <summary>
    /// The problems of <see cref="Validate"/> that depend on <see cref="InputShape"/>: its own sizes, the
    /// network's needs (<see cref="INetworkFactory.InputShapeProblems"/>) and a size limit the input
    /// dominates; the same strings <see cref="Validate"/> returns for them. A trainer that takes the shape
    /// from the data sets these aside until the data are loaded (the default shape says nothing about
    /// them) instead of guessing from the text of a message.
    /// </summary>
    public IEnumerable<string> InputShapeProblems()
    {
        if (!(InputShape is { Length: > 0 } && InputShape.All(s => s >= 1)))
        {
            yield return $"input_shape must be a list of positive sizes, got {Format(InputShape)}";
            yield break;
        }
        if (!StructureOk || !NetworkRegistry.TryGet(Arch, out var network)) yield break;
        foreach (var p in network.InputShapeProblems(this)) yield return p;
        if (!network.Validate(this).Any() && SizeProblem(network) is { DependsOnShape: true } size) yield return size.Text;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ModelConfig, object> Validated = new();

    /// <summary>
    /// Throws when <see cref="Validate"/> finds a problem (an <see cref="ArgumentException"/> listing every
    /// one); remembers this instance as valid, so that the checks run once per config however many
    /// layers (the registry, the model's constructor) ask. Configs are immutable records: a changed copy
    /// (<c>with</c>) is a new instance and is checked again.
    /// </summary>
    /// <exception cref="ArgumentException">The config is invalid: every problem, each naming its key.</exception>
    public ModelConfig EnsureValid()
    {
        if (Validated.TryGetValue(this, out _)) return this;
        var problems = Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid model config: " + string.Join("; ", problems));
        Validated.AddOrUpdate(this, this);
        return this;
    }

    /// <summary>Records that this instance was validated elsewhere (by the run-config builder, with richer messages).</summary>
    internal void MarkValid() => Validated.AddOrUpdate(this, this);

    /// <summary>
    /// Every floating-point setting (β, λ, prior radii …) must be a finite number: a NaN or an
    /// infinity would only surface later as a loss of NaN. Found by reflection so that settings
    /// added by derived configs are covered too.
    /// </summary>
    private IEnumerable<string> NonFiniteNumbers()
    {
        foreach (var property in GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            double? value = property.PropertyType == typeof(double) ? (double)property.GetValue(this)!
                : property.PropertyType == typeof(float) ? (float)property.GetValue(this)!
                : null;
            if (value is { } v && !double.IsFinite(v))
                yield return $"{System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name)} must be a finite number, got {v.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    /// <summary>Number of values in one example (the product of <see cref="InputShape"/>).</summary>
    [JsonIgnore]
    public long InputSize => InputShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Formats a list for messages: [1, 28, 28].</summary>
    protected static string Format<T>(IEnumerable<T>? values) =>
        values is null ? "null" : "[" + string.Join(", ", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))) + "]";
}
