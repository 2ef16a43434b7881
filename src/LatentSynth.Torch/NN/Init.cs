namespace LatentSynth.Torch.NN;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Parameter initialisation (<c>torch.nn.init</c>). Every function fills the tensor in place
/// under no-grad (so it works on parameters that require grad) and returns it. Random fills draw
/// from the <c>generator</c> argument when given, otherwise from the default generator that
/// <see cref="Torch.ManualSeed"/> seeds: with the same seed the values are bit-identical to
/// PyTorch's, because the same libtorch kernel and generator produce them.
/// </summary>
/// <remarks>
/// The bounds follow torch.nn.init exactly, in double precision and in the same order of
/// operations:
/// <list type="bullet">
/// <item>fan_in = size(1)·r, fan_out = size(0)·r, with r the product of the sizes after the
/// second dimension (the receptive field of a convolution kernel; 1 for a matrix).</item>
/// <item>Kaiming: std = gain / √fan, where fan is fan_in or fan_out (<c>mode</c>) and
/// gain = <see cref="CalculateGain"/>(nonlinearity, a); uniform on [−bound, bound) with
/// bound = √3 · std, or normal N(0, std²).</item>
/// <item>Xavier: std = gain · √(2 / (fan_in + fan_out)); uniform with bound = √3 · std, or
/// normal N(0, std²).</item>
/// </list>
/// PyTorch's default <c>Linear</c>/<c>Conv</c> weight init is
/// <c>KaimingUniform_(w, a: Math.Sqrt(5))</c>, i.e. bound = 1/√fan_in.
/// </remarks>
public static class Init
{
    /// <summary>Fills with values drawn from U(<paramref name="a"/>, <paramref name="b"/>) (<c>nn.init.uniform_</c>).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0.0, double b = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(a <= b)) throw new ArgumentException($"uniform_ needs a <= b, got a={a} and b={b}", nameof(b));
        using (Torch.NoGrad()) tensor.Uniform_(a, b, generator);
        return tensor;
    }

    /// <summary>Fills with values drawn from N(<paramref name="mean"/>, <paramref name="std"/>²) (<c>nn.init.normal_</c>).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0.0, double std = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std >= 0)) throw new ArgumentException($"normal_ needs std >= 0, got {std}", nameof(std));
        using (Torch.NoGrad()) tensor.Normal_(mean, std, generator);
        return tensor;
    }

    /// <summary>Fills with <paramref name="value"/> (<c>nn.init.constant_</c>).</summary>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Torch.NoGrad()) tensor.Fill_(value);
        return tensor;
    }

    /// <summary>Fills with the integer <paramref name="value"/> (<c>nn.init.constant_</c> on integer tensors).</summary>
    public static Tensor Constant_(Tensor tensor, long value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Torch.NoGrad()) tensor.Fill_(value);
        return tensor;
    }

    /// <summary>Fills with zeros (<c>nn.init.zeros_</c>).</summary>
    public static Tensor Zeros_(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Torch.NoGrad()) tensor.Zero_();
        return tensor;
    }

    /// <summary>Fills with ones (<c>nn.init.ones_</c>).</summary>
    public static Tensor Ones_(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Torch.NoGrad()) tensor.Fill_(1L);
        return tensor;
    }

    /// <summary>
    /// fan_in and fan_out of a weight of at least two dimensions: size(1)·r and size(0)·r where r
    /// is the product of the remaining sizes (<c>nn.init._calculate_fan_in_and_fan_out</c>).
    /// </summary>
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return FanInAndOut(tensor.Shape);
    }

    private static (long FanIn, long FanOut) FanInAndOut(long[] shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException(
                $"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [{string.Join(", ", shape)}])", "tensor");
        long receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>
    /// The recommended gain for a nonlinearity (<c>nn.init.calculate_gain</c>): 1 for linear,
    /// conv*/conv_transpose* and sigmoid; 5/3 for tanh; √2 for relu; √(2/(1+slope²)) for
    /// leaky_relu (slope <paramref name="param"/>, default 0.01); 3/4 for selu.
    /// </summary>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        switch (nonlinearity)
        {
            case "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d"
                or "conv_transpose3d" or "sigmoid":
                return 1;
            case "tanh":
                return 5.0 / 3;
            case "relu":
                return Math.Sqrt(2.0);
            case "leaky_relu":
                double slope = param ?? 0.01;
                if (!double.IsFinite(slope))
                    throw new ArgumentException($"negative_slope {slope} not a valid number", nameof(param));
                return Math.Sqrt(2.0 / (1 + slope * slope));
            case "selu":
                return 3.0 / 4;
            default:
                throw new ArgumentException(
                    $"Unsupported nonlinearity {nonlinearity}; use linear, conv1d, conv2d, conv3d, conv_transpose1d, " +
                    "conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu or selu", nameof(nonlinearity));
        }
    }

    private static long CorrectFan(long[] shape, string mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        var m = mode.ToLowerInvariant();
        if (m is not ("fan_in" or "fan_out"))
            throw new ArgumentException($"Mode {mode} not supported, please use one of fan_in, fan_out", nameof(mode));
        var (fanIn, fanOut) = FanInAndOut(shape);
        return m == "fan_in" ? fanIn : fanOut;
    }

    /// <summary>
    /// He (Kaiming) uniform init (<c>nn.init.kaiming_uniform_</c>): U(−bound, bound) with
    /// bound = √3 · gain / √fan, gain = CalculateGain(<paramref name="nonlinearity"/>, <paramref name="a"/>).
    /// A tensor with no elements is left as it is.
    /// </summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in",
        string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Shape;
        if (shape.Contains(0)) return tensor;
        long fan = CorrectFan(shape, mode);
        double gain = CalculateGain(nonlinearity, a);
        double std = gain / Math.Sqrt(fan);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>
    /// He (Kaiming) normal init (<c>nn.init.kaiming_normal_</c>): N(0, std²) with
    /// std = gain / √fan. A tensor with no elements is left as it is.
    /// </summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, string mode = "fan_in",
        string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Shape;
        if (shape.Contains(0)) return tensor;
        long fan = CorrectFan(shape, mode);
        double gain = CalculateGain(nonlinearity, a);
        double std = gain / Math.Sqrt(fan);
        return Normal_(tensor, 0, std, generator);
    }

    /// <summary>
    /// Glorot (Xavier) uniform init (<c>nn.init.xavier_uniform_</c>): U(−a, a) with
    /// a = √3 · gain · √(2 / (fan_in + fan_out)).
    /// </summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var (fanIn, fanOut) = FanInAndOut(tensor.Shape);
        if (fanIn + fanOut == 0) return tensor;
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>
    /// Glorot (Xavier) normal init (<c>nn.init.xavier_normal_</c>): N(0, std²) with
    /// std = gain · √(2 / (fan_in + fan_out)).
    /// </summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var (fanIn, fanOut) = FanInAndOut(tensor.Shape);
        if (fanIn + fanOut == 0) return tensor;
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Normal_(tensor, 0, std, generator);
    }
}
