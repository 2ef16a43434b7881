namespace LatentSynth.Torch;

// torch.* free functions: joining, selection, matrix products, distances.
public static partial class Torch
{
    /// <summary>Concatenates <paramref name="tensors"/> along an existing dimension (<c>torch.cat</c>); the other sizes must match.</summary>
    public static unsafe Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return NativeMethods.WithHandles(tensors, raw =>
        {
            fixed (IntPtr* p = raw) return NativeMethods.Wrap(NativeMethods.lst_ops_cat(p, raw.Length, dim), "cat");
        });
    }

    /// <summary>Stacks equally shaped <paramref name="tensors"/> along a new dimension <paramref name="dim"/> (<c>torch.stack</c>).</summary>
    public static unsafe Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return NativeMethods.WithHandles(tensors, raw =>
        {
            fixed (IntPtr* p = raw) return NativeMethods.Wrap(NativeMethods.lst_ops_stack(p, raw.Length, dim), "stack");
        });
    }

    private static Tensor WhereWithScalars(Tensor condition, Tensor? a, NativeScalar sa, Tensor? b, NativeScalar sb) =>
        NativeMethods.Wrap(NativeMethods.lst_ops_where(condition.Handle, NativeMethods.OptionalTensor(a), sa,
            NativeMethods.OptionalTensor(b), sb), "where");

    /// <summary>Elementwise <paramref name="a"/> where the bool <paramref name="condition"/> is true, <paramref name="b"/> elsewhere (<c>torch.where</c>); all three broadcast.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return WhereWithScalars(condition, a, default, b, default);
    }

    /// <summary><paramref name="a"/> where <paramref name="condition"/> holds, the number <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, Tensor a, double b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return WhereWithScalars(condition, a, default, null, NativeScalar.Of(b));
    }

    /// <summary>The number <paramref name="a"/> where <paramref name="condition"/> holds, <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, double a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return WhereWithScalars(condition, null, NativeScalar.Of(a), b, default);
    }

    /// <summary>The number <paramref name="a"/> where <paramref name="condition"/> holds, the number <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, double a, double b) =>
        WhereWithScalars(condition, null, NativeScalar.Of(a), null, NativeScalar.Of(b));

    /// <summary><paramref name="a"/> where <paramref name="condition"/> holds, the integer <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, Tensor a, long b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return WhereWithScalars(condition, a, default, null, NativeScalar.Of(b));
    }

    /// <summary>The integer <paramref name="a"/> where <paramref name="condition"/> holds, <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, long a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return WhereWithScalars(condition, null, NativeScalar.Of(a), b, default);
    }

    /// <summary>The integer <paramref name="a"/> where <paramref name="condition"/> holds, the integer <paramref name="b"/> elsewhere.</summary>
    public static Tensor Where(Tensor condition, long a, long b) =>
        WhereWithScalars(condition, null, NativeScalar.Of(a), null, NativeScalar.Of(b));

    /// <summary>Matrix product with broadcasting (<c>torch.matmul</c>).</summary>
    public static Tensor Matmul(Tensor a, Tensor b) => a.Matmul(b);

    /// <summary>Product of two 2-D matrices (<c>torch.mm</c>).</summary>
    public static Tensor Mm(Tensor a, Tensor b) => a.Mm(b);

    /// <summary>Batched product of two 3-D tensors (<c>torch.bmm</c>).</summary>
    public static Tensor Bmm(Tensor a, Tensor b) => a.Bmm(b);

    /// <summary>Outer product of two vectors (<c>torch.outer</c>).</summary>
    public static Tensor Outer(Tensor a, Tensor b) => a.Outer(b);

    /// <summary>
    /// Pairwise p-norm distances between the rows of <paramref name="x1"/> (…, P, M) and
    /// <paramref name="x2"/> (…, R, M), giving (…, P, R) (<c>torch.cdist</c>).
    /// </summary>
    public static Tensor Cdist(Tensor x1, Tensor x2, double p = 2) =>
        NativeMethods.Wrap(NativeMethods.lst_ops_cdist(x1.Handle, x2.Handle, p), "cdist");

    /// <summary><paramref name="self"/> raised to each element of <paramref name="exponent"/> (<c>torch.pow(number, tensor)</c>).</summary>
    public static Tensor Pow(double self, Tensor exponent) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_rpow_scalar(exponent.Handle, NativeScalar.Of(self)), "pow");

    /// <summary>Elementwise maximum (<c>torch.maximum</c>).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => a.Maximum(b);

    /// <summary>Elementwise minimum (<c>torch.minimum</c>).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => a.Minimum(b);
}
