namespace LatentSynth.Torch.NN;

/// <summary><c>nn.ReLU</c>.</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary><c>nn.LeakyReLU</c> with slope <see cref="NegativeSlope"/> for negative inputs.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module<Tensor, Tensor>
{
    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"negative_slope={NegativeSlope}";
}

/// <summary><c>nn.ELU</c>.</summary>
public sealed class ELU(double alpha = 1.0) : Module<Tensor, Tensor>
{
    /// <summary>Scale of the negative part.</summary>
    public double Alpha { get; } = alpha;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Elu(Alpha);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"alpha={Alpha}";
}

/// <summary><c>nn.Softplus</c>: log(1 + exp(βx))/β, linear above the threshold.</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module<Tensor, Tensor>
{
    /// <summary>β.</summary>
    public double Beta { get; } = beta;
    /// <summary>Above βx &gt; threshold the function is the identity.</summary>
    public double Threshold { get; } = threshold;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softplus(Beta, Threshold);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"beta={Beta}, threshold={Threshold}";
}

/// <summary><c>nn.GELU</c> (exact, or the tanh approximation).</summary>
public sealed class GELU(string approximate = "none") : Module<Tensor, Tensor>
{
    /// <summary>"none" or "tanh".</summary>
    public string Approximate { get; } = approximate;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Gelu(Approximate);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary><c>nn.SiLU</c> (x·σ(x)).</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Silu();
}

/// <summary><c>nn.Sigmoid</c>.</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary><c>nn.Tanh</c>.</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary><c>nn.Softmax</c> over <see cref="DimIndex"/>.</summary>
public sealed class Softmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension normalised over.</summary>
    public int DimIndex { get; } = dim;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softmax(DimIndex);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={DimIndex}";
}

/// <summary><c>nn.LogSoftmax</c> over <see cref="DimIndex"/>.</summary>
public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension normalised over.</summary>
    public int DimIndex { get; } = dim;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LogSoftmax(DimIndex);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={DimIndex}";
}

/// <summary><c>nn.Identity</c>: returns its input (as a new handle, so scopes stay simple).</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Alias();
}

/// <summary><c>nn.Flatten</c>: flattens dimensions <see cref="StartDim"/>..<see cref="EndDim"/> (default: all but the batch).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    /// <summary>First dimension flattened.</summary>
    public int StartDim { get; } = startDim;
    /// <summary>Last dimension flattened.</summary>
    public int EndDim { get; } = endDim;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary><c>nn.Unflatten</c>: splits dimension <see cref="DimIndex"/> into <see cref="Sizes"/>.</summary>
public sealed class Unflatten(int dim, params long[] sizes) : Module<Tensor, Tensor>
{
    /// <summary>The dimension split.</summary>
    public int DimIndex { get; } = dim;
    /// <summary>The sizes it is split into.</summary>
    public long[] Sizes { get; } = sizes;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Unflatten(DimIndex, Sizes);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={DimIndex}, unflattened_size=({string.Join(", ", Sizes)})";
}
