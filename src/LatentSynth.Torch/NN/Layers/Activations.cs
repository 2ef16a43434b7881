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
    protected override string ExtraRepr() => $"negative_slope={Repr.Float(NegativeSlope)}";
}

/// <summary><c>nn.ELU</c>.</summary>
public sealed class ELU(double alpha = 1.0) : Module<Tensor, Tensor>
{
    /// <summary>Scale of the negative part.</summary>
    public double Alpha { get; } = alpha;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Elu(Alpha);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"alpha={Repr.Float(Alpha)}";
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
    /// <remarks>PyTorch's defaults are the ints 1 and 20, printed without ".0": integral values print as ints.</remarks>
    protected override string ExtraRepr() => $"beta={Repr.IntOrFloat(Beta)}, threshold={Repr.IntOrFloat(Threshold)}";
}

/// <summary><c>nn.GELU</c> (exact, or the tanh approximation).</summary>
public sealed class GELU(string approximate = "none") : Module<Tensor, Tensor>
{
    /// <summary>"none" or "tanh".</summary>
    public string Approximate { get; } = approximate is "none" or "tanh" ? approximate
        : throw new ArgumentException($"approximate must be \"none\" or \"tanh\", got {(approximate is null ? "null" : $"\"{approximate}\"")}", nameof(approximate));
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
    protected override string ExtraRepr() => $"dim={Repr.Int(DimIndex)}";
}

/// <summary><c>nn.LogSoftmax</c> over <see cref="DimIndex"/>.</summary>
public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension normalised over.</summary>
    public int DimIndex { get; } = dim;
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LogSoftmax(DimIndex);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={Repr.Int(DimIndex)}";
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
    protected override string ExtraRepr() => $"start_dim={Repr.Int(StartDim)}, end_dim={Repr.Int(EndDim)}";
}

/// <summary><c>nn.Unflatten</c>: splits dimension <see cref="DimIndex"/> into <see cref="Sizes"/>.</summary>
public sealed class Unflatten : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="sizes"/> are positive, one of them may be -1 (inferred).</summary>
    /// <exception cref="ArgumentException"><paramref name="sizes"/> is empty, or holds a size below 1 other than a single -1.</exception>
    public Unflatten(int dim, params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0 || sizes.Any(s => s < 1 && s != -1) || sizes.Count(s => s == -1) > 1)
            throw new ArgumentException(
                $"unflattened sizes must be positive (one of them may be -1), got ({string.Join(", ", sizes.Select(Repr.Int))})", nameof(sizes));
        DimIndex = dim;
        Sizes = (long[])sizes.Clone();
    }

    /// <summary>The dimension split.</summary>
    public int DimIndex { get; }
    /// <summary>The sizes it is split into.</summary>
    public long[] Sizes { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Unflatten(DimIndex, Sizes);
    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={Repr.Int(DimIndex)}, unflattened_size={Repr.Tuple(Sizes)}";
}
