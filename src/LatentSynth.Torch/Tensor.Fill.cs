namespace LatentSynth.Torch;

// 0-dimensional tensors from numbers and in-place fillers (zero_, fill_, uniform_, normal_, bernoulli_).
public partial class Tensor
{
    /// <summary>A 0-dimensional tensor holding <paramref name="value"/> (<c>torch.tensor(1.5)</c>), float32 unless <paramref name="dtype"/> says otherwise.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_scalar(NativeScalar.Of(value), (int)dtype, requiresGrad ? 1 : 0), "scalar_tensor");

    /// <summary>A 0-dimensional tensor holding the integer <paramref name="value"/> (<c>torch.tensor(3)</c>), int64 unless <paramref name="dtype"/> says otherwise.</summary>
    public static Tensor Scalar(long value, DType dtype = DType.Int64, bool requiresGrad = false) =>
        NativeMethods.Wrap(NativeMethods.lst_create_scalar(NativeScalar.Of(value), (int)dtype, requiresGrad ? 1 : 0), "scalar_tensor");

    /// <summary>A 0-dimensional bool tensor.</summary>
    public static Tensor Scalar(bool value) =>
        NativeMethods.Wrap(NativeMethods.lst_create_scalar(NativeScalar.Of(value), (int)DType.Bool, 0), "scalar_tensor");

    /// <summary>Sets every element to zero (<c>tensor.zero_()</c>); returns this.</summary>
    public Tensor Zero_()
    {
        NativeMethods.Check(NativeMethods.lst_tensor_zero_(Handle), "zero_");
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/> (<c>tensor.fill_</c>); returns this.</summary>
    public Tensor Fill_(double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_fill_(Handle, NativeScalar.Of(value)), "fill_");
        return this;
    }

    /// <summary>Sets every element to the integer <paramref name="value"/>; returns this.</summary>
    public Tensor Fill_(long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_fill_(Handle, NativeScalar.Of(value)), "fill_");
        return this;
    }

    /// <summary>Fills with samples uniform in [from, to) (<c>tensor.uniform_</c>); returns this.</summary>
    public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_uniform_(Handle, from, to, NativeMethods.OptionalGenerator(generator)), "uniform_");
        return this;
    }

    /// <summary>Fills with normal samples of the given mean and standard deviation (<c>tensor.normal_</c>); returns this.</summary>
    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_normal_(Handle, mean, std, NativeMethods.OptionalGenerator(generator)), "normal_");
        return this;
    }

    /// <summary>Fills with 0/1 samples, 1 with probability <paramref name="p"/> (<c>tensor.bernoulli_</c>); returns this.</summary>
    public Tensor Bernoulli_(double p = 0.5, Generator? generator = null)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_bernoulli_(Handle, p, NativeMethods.OptionalGenerator(generator)), "bernoulli_");
        return this;
    }
}
