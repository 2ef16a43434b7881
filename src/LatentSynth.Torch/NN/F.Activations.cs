namespace LatentSynth.Torch.NN;

/// <summary>
/// <c>torch.nn.functional</c>: stateless layers and activations working on tensors. Each area of
/// the library adds its functions to this partial class (activations, linear, convolutions, ...).
/// </summary>
public static partial class F
{
    /// <summary>max(x, 0) (<c>F.relu</c>).</summary>
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>x for x &gt; 0, <paramref name="negativeSlope"/> * x otherwise (<c>F.leaky_relu</c>).</summary>
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) => input.LeakyRelu(negativeSlope);

    /// <summary>x for x &gt; 0, alpha * (exp(x) - 1) otherwise (<c>F.elu</c>).</summary>
    public static Tensor Elu(Tensor input, double alpha = 1) => input.Elu(alpha);

    /// <summary>log(1 + exp(beta * x)) / beta, linear above <paramref name="threshold"/> (<c>F.softplus</c>).</summary>
    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) => input.Softplus(beta, threshold);

    /// <summary>Gaussian error linear unit, exact ("none") or "tanh"-approximated (<c>F.gelu</c>).</summary>
    public static Tensor Gelu(Tensor input, string approximate = "none") => input.Gelu(approximate);

    /// <summary>x * sigmoid(x) (<c>F.silu</c>).</summary>
    public static Tensor Silu(Tensor input) => input.Silu();

    /// <summary>Logistic sigmoid (<c>F.sigmoid</c>).</summary>
    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    /// <summary>Hyperbolic tangent (<c>F.tanh</c>).</summary>
    public static Tensor Tanh(Tensor input) => input.Tanh();

    /// <summary>Softmax along <paramref name="dim"/> (<c>F.softmax</c>).</summary>
    public static Tensor Softmax(Tensor input, int dim, DType? dtype = null) => input.Softmax(dim, dtype);

    /// <summary>log(softmax(x)) along <paramref name="dim"/> (<c>F.log_softmax</c>).</summary>
    public static Tensor LogSoftmax(Tensor input, int dim, DType? dtype = null) => input.LogSoftmax(dim, dtype);
}
