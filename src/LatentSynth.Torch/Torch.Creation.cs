namespace LatentSynth.Torch;

// Factories (torch.zeros, torch.randn, torch.arange, ...). requiresGrad marks the result as a
// leaf that records gradients. Random factories draw from generator, or from the default
// generator (seeded by ManualSeed) when it is null: the same seed gives the same values as PyTorch.
public static partial class Torch
{
    private static unsafe Tensor CreateFromShape(long[] shape, string op, Func<IntPtr, long, TensorHandle> call)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* p = shape) return NativeMethods.Wrap(call((IntPtr)p, shape.Length), op);
    }

    private static int LikeDTypeCode(DType? dtype) => dtype is null ? -1 : (int)dtype.Value;

    /// <summary>A float32 tensor of zeros (<c>torch.zeros</c>).</summary>
    public static Tensor Zeros(params long[] shape) => Zeros(shape, DType.Float32);

    /// <summary>A tensor of zeros (<c>torch.zeros(shape, dtype, requires_grad)</c>).</summary>
    public static unsafe Tensor Zeros(long[] shape, DType dtype = DType.Float32, bool requiresGrad = false) =>
        CreateFromShape(shape, "zeros", (p, n) => NativeMethods.lst_create_zeros((long*)p, n, (int)dtype, requiresGrad ? 1 : 0));

    /// <summary>A float32 tensor of ones (<c>torch.ones</c>).</summary>
    public static Tensor Ones(params long[] shape) => Ones(shape, DType.Float32);

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor Ones(long[] shape, DType dtype = DType.Float32, bool requiresGrad = false) =>
        CreateFromShape(shape, "ones", (p, n) => NativeMethods.lst_create_ones((long*)p, n, (int)dtype, requiresGrad ? 1 : 0));

    /// <summary>A tensor filled with <paramref name="value"/> (<c>torch.full</c>); float32 unless <paramref name="dtype"/> says otherwise.</summary>
    public static unsafe Tensor Full(long[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        CreateFromShape(shape, "full", (p, n) => NativeMethods.lst_create_full((long*)p, n, NativeScalar.Of(value), (int)dtype, requiresGrad ? 1 : 0));

    /// <summary>A tensor filled with the integer <paramref name="value"/> (exact for any int64).</summary>
    public static unsafe Tensor Full(long[] shape, long value, DType dtype, bool requiresGrad = false) =>
        CreateFromShape(shape, "full", (p, n) => NativeMethods.lst_create_full((long*)p, n, NativeScalar.Of(value), (int)dtype, requiresGrad ? 1 : 0));

    /// <summary>A float32 tensor with uninitialised contents (<c>torch.empty</c>).</summary>
    public static Tensor Empty(params long[] shape) => Empty(shape, DType.Float32);

    /// <summary>A tensor with uninitialised contents: fill it before reading.</summary>
    public static unsafe Tensor Empty(long[] shape, DType dtype = DType.Float32, bool requiresGrad = false) =>
        CreateFromShape(shape, "empty", (p, n) => NativeMethods.lst_create_empty((long*)p, n, (int)dtype, requiresGrad ? 1 : 0));

    /// <summary>Float32 samples of the standard normal distribution (<c>torch.randn</c>).</summary>
    public static Tensor Randn(params long[] shape) => Randn(shape, DType.Float32);

    /// <summary>Samples of the standard normal distribution, from <paramref name="generator"/> or the default generator.</summary>
    public static unsafe Tensor Randn(long[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        CreateFromShape(shape, "randn", (p, n) => NativeMethods.lst_create_randn((long*)p, n, (int)dtype, requiresGrad ? 1 : 0, NativeMethods.OptionalGenerator(generator)));

    /// <summary>Float32 samples uniform in [0, 1) (<c>torch.rand</c>).</summary>
    public static Tensor Rand(params long[] shape) => Rand(shape, DType.Float32);

    /// <summary>Samples uniform in [0, 1), from <paramref name="generator"/> or the default generator.</summary>
    public static unsafe Tensor Rand(long[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        CreateFromShape(shape, "rand", (p, n) => NativeMethods.lst_create_rand((long*)p, n, (int)dtype, requiresGrad ? 1 : 0, NativeMethods.OptionalGenerator(generator)));

    /// <summary>Random integers in [<paramref name="low"/>, <paramref name="high"/>) (<c>torch.randint</c>), int64 by default.</summary>
    public static unsafe Tensor Randint(long low, long high, long[] shape, DType dtype = DType.Int64, Generator? generator = null) =>
        CreateFromShape(shape, "randint", (p, n) => NativeMethods.lst_create_randint(low, high, (long*)p, n, (int)dtype, NativeMethods.OptionalGenerator(generator)));

    /// <summary>Random integers in [0, <paramref name="high"/>) (<c>torch.randint(high, shape)</c>).</summary>
    public static Tensor Randint(long high, long[] shape, DType dtype = DType.Int64, Generator? generator = null) =>
        Randint(0, high, shape, dtype, generator);

    /// <summary>A random permutation of 0..n-1 (<c>torch.randperm</c>).</summary>
    public static Tensor Randperm(long n, DType dtype = DType.Int64, Generator? generator = null) =>
        NativeMethods.Wrap(NativeMethods.lst_create_randperm(n, (int)dtype, NativeMethods.OptionalGenerator(generator)), "randperm");

    /// <summary>0, 1, ..., end-1 as int64 unless <paramref name="dtype"/> says otherwise (<c>torch.arange(end)</c>).</summary>
    public static Tensor Arange(long end, DType dtype = DType.Int64, bool requiresGrad = false) => Arange(0L, end, 1L, dtype, requiresGrad);

    /// <summary>start, start+step, ... below end, as int64 by default (<c>torch.arange</c> with integer arguments).</summary>
    public static Tensor Arange(long start, long end, long step = 1, DType dtype = DType.Int64, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_arange(NativeScalar.Of(start), NativeScalar.Of(end), NativeScalar.Of(step), (int)dtype, requiresGrad ? 1 : 0), "arange");

    /// <summary>0, 1, ... below end as float32 by default (<c>torch.arange(5.0)</c>).</summary>
    public static Tensor Arange(double end, DType dtype = DType.Float32, bool requiresGrad = false) => Arange(0.0, end, 1.0, dtype, requiresGrad);

    /// <summary>start, start+step, ... below end, as float32 by default (<c>torch.arange</c> with float arguments).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_arange(NativeScalar.Of(start), NativeScalar.Of(end), NativeScalar.Of(step), (int)dtype, requiresGrad ? 1 : 0), "arange");

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive (<c>torch.linspace</c>).</summary>
    public static Tensor Linspace(double start, double end, long steps, DType dtype = DType.Float32, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_linspace(start, end, steps, (int)dtype, requiresGrad ? 1 : 0), "linspace");

    /// <summary>An n x m matrix (m defaults to n) with ones on the diagonal (<c>torch.eye</c>).</summary>
    public static Tensor Eye(long n, long? m = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        if (m is < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be at least 0");
        return NativeMethods.Wrap(NativeMethods.lst_create_eye(n, m ?? -1, (int)dtype, requiresGrad ? 1 : 0), "eye");
    }

    /// <summary>Zeros shaped like <paramref name="other"/>, with its dtype unless <paramref name="dtype"/> is given (<c>torch.zeros_like</c>).</summary>
    public static Tensor ZerosLike(Tensor other, DType? dtype = null, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_zeros_like(other.Handle, LikeDTypeCode(dtype), requiresGrad ? 1 : 0), "zeros_like");

    /// <summary>Ones shaped like <paramref name="other"/> (<c>torch.ones_like</c>).</summary>
    public static Tensor OnesLike(Tensor other, DType? dtype = null, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_ones_like(other.Handle, LikeDTypeCode(dtype), requiresGrad ? 1 : 0), "ones_like");

    /// <summary><paramref name="value"/> everywhere, shaped like <paramref name="other"/> (<c>torch.full_like</c>).</summary>
    public static Tensor FullLike(Tensor other, double value, DType? dtype = null, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_full_like(other.Handle, NativeScalar.Of(value), LikeDTypeCode(dtype), requiresGrad ? 1 : 0), "full_like");

    /// <summary>The integer <paramref name="value"/> everywhere, shaped like <paramref name="other"/> (exact for any int64).</summary>
    public static Tensor FullLike(Tensor other, long value, DType? dtype = null, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_full_like(other.Handle, NativeScalar.Of(value), LikeDTypeCode(dtype), requiresGrad ? 1 : 0), "full_like");

    /// <summary>Standard normal samples shaped like <paramref name="other"/> (<c>torch.randn_like</c>).</summary>
    public static Tensor RandnLike(Tensor other, DType? dtype = null, bool requiresGrad = false, Generator? generator = null) =>
        NativeMethods.Wrap(NativeMethods.lst_create_randn_like(other.Handle, LikeDTypeCode(dtype), requiresGrad ? 1 : 0, NativeMethods.OptionalGenerator(generator)), "randn_like");

    /// <summary>Uniform [0, 1) samples shaped like <paramref name="other"/> (<c>torch.rand_like</c>).</summary>
    public static Tensor RandLike(Tensor other, DType? dtype = null, bool requiresGrad = false, Generator? generator = null) =>
        NativeMethods.Wrap(NativeMethods.lst_create_rand_like(other.Handle, LikeDTypeCode(dtype), requiresGrad ? 1 : 0, NativeMethods.OptionalGenerator(generator)), "rand_like");

    /// <summary>0/1 samples, each 1 with the probability in <paramref name="probs"/> (<c>torch.bernoulli</c>); same dtype as probs.</summary>
    public static Tensor Bernoulli(Tensor probs, Generator? generator = null) =>
        NativeMethods.Wrap(NativeMethods.lst_create_bernoulli(probs.Handle, NativeMethods.OptionalGenerator(generator)), "bernoulli");

    /// <summary>
    /// <paramref name="numSamples"/> category indices per row of the non-negative weights
    /// <paramref name="probs"/> (<c>torch.multinomial</c>); without replacement each index is drawn at most once.
    /// </summary>
    public static Tensor Multinomial(Tensor probs, long numSamples, bool replacement = false, Generator? generator = null) =>
        NativeMethods.Wrap(NativeMethods.lst_create_multinomial(probs.Handle, numSamples, replacement ? 1 : 0, NativeMethods.OptionalGenerator(generator)), "multinomial");
}
