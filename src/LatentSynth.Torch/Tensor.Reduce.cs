namespace LatentSynth.Torch;

// Reductions. dims are ints (negative counts from the end); keepDim keeps reduced dimensions with size 1.
public partial class Tensor
{
    private unsafe Tensor ReduceOverDims(int[] dims, Func<IntPtr, long, TensorHandle> call, string op)
    {
        ArgumentNullException.ThrowIfNull(dims, nameof(dims));
        var d = NativeMethods.Longs(dims);
        fixed (long* p = d) return NativeMethods.Wrap(call((IntPtr)p, d.Length), op);
    }

    /// <summary>Sum of every element, as a 0-dimensional tensor (<c>tensor.sum()</c>); integers and bools sum to int64.</summary>
    public Tensor Sum() => NativeMethods.Wrap(NativeMethods.lst_tensor_sum(Handle), "sum");

    /// <summary>Sum along <paramref name="dim"/> (<c>tensor.sum(dim, keepdim)</c>).</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Sum along <paramref name="dims"/>.</summary>
    public unsafe Tensor Sum(int[] dims, bool keepDim = false) =>
        ReduceOverDims(dims, (p, n) => NativeMethods.lst_tensor_sum_dims(Handle, (long*)p, n, keepDim ? 1 : 0), "sum");

    /// <summary>Mean of every element (<c>tensor.mean()</c>); needs a floating or complex dtype.</summary>
    public Tensor Mean() => NativeMethods.Wrap(NativeMethods.lst_tensor_mean(Handle), "mean");

    /// <summary>Mean along <paramref name="dim"/>.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Mean along <paramref name="dims"/>.</summary>
    public unsafe Tensor Mean(int[] dims, bool keepDim = false) =>
        ReduceOverDims(dims, (p, n) => NativeMethods.lst_tensor_mean_dims(Handle, (long*)p, n, keepDim ? 1 : 0), "mean");

    /// <summary>Variance of every element; <paramref name="unbiased"/> divides by N - 1 (Bessel), as PyTorch's default.</summary>
    public unsafe Tensor Var(bool unbiased = true) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_var(Handle, null, 0, 0, unbiased ? 1 : 0, 0), "var");

    /// <summary>Variance along <paramref name="dim"/>.</summary>
    public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased, keepDim);

    /// <summary>Variance along <paramref name="dims"/>.</summary>
    public unsafe Tensor Var(int[] dims, bool unbiased = true, bool keepDim = false) =>
        ReduceOverDims(dims, (p, n) => NativeMethods.lst_tensor_var(Handle, (long*)p, n, 1, unbiased ? 1 : 0, keepDim ? 1 : 0), "var");

    /// <summary>Standard deviation of every element; <paramref name="unbiased"/> divides by N - 1.</summary>
    public unsafe Tensor Std(bool unbiased = true) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_std(Handle, null, 0, 0, unbiased ? 1 : 0, 0), "std");

    /// <summary>Standard deviation along <paramref name="dim"/>.</summary>
    public Tensor Std(int dim, bool unbiased = true, bool keepDim = false) => Std([dim], unbiased, keepDim);

    /// <summary>Standard deviation along <paramref name="dims"/>.</summary>
    public unsafe Tensor Std(int[] dims, bool unbiased = true, bool keepDim = false) =>
        ReduceOverDims(dims, (p, n) => NativeMethods.lst_tensor_std(Handle, (long*)p, n, 1, unbiased ? 1 : 0, keepDim ? 1 : 0), "std");

    /// <summary>Largest element, as a 0-dimensional tensor (<c>tensor.max()</c>).</summary>
    public Tensor Max() => NativeMethods.Wrap(NativeMethods.lst_tensor_max(Handle), "max");

    /// <summary>Smallest element, as a 0-dimensional tensor (<c>tensor.min()</c>).</summary>
    public Tensor Min() => NativeMethods.Wrap(NativeMethods.lst_tensor_min(Handle), "min");

    /// <summary>Largest values along <paramref name="dim"/> and their int64 positions (<c>tensor.max(dim)</c>).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_max_dim(Handle, dim, keepDim ? 1 : 0, out var v, out var i), "max");
        return (new Tensor(new TensorHandle(v)), new Tensor(new TensorHandle(i)));
    }

    /// <summary>Smallest values along <paramref name="dim"/> and their int64 positions (<c>tensor.min(dim)</c>).</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_min_dim(Handle, dim, keepDim ? 1 : 0, out var v, out var i), "min");
        return (new Tensor(new TensorHandle(v)), new Tensor(new TensorHandle(i)));
    }

    /// <summary>
    /// The <paramref name="k"/> largest elements along <paramref name="dim"/> (the smallest when
    /// <paramref name="largest"/> is false) and their int64 positions (<c>tensor.topk</c>); with
    /// <paramref name="sorted"/>, in order from the most extreme. Differentiable in the values.
    /// </summary>
    /// <exception cref="TorchException">k exceeds the size of the dimension, or dim is out of range.</exception>
    public (Tensor Values, Tensor Indices) Topk(long k, int dim = -1, bool largest = true, bool sorted = true)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i), "topk");
        return (new Tensor(new TensorHandle(v)), new Tensor(new TensorHandle(i)));
    }

    /// <summary>Position of the largest element in the flattened tensor (<c>tensor.argmax()</c>).</summary>
    public Tensor Argmax() => NativeMethods.Wrap(NativeMethods.lst_tensor_argmax(Handle, 0, 0, 0), "argmax");

    /// <summary>Positions of the largest elements along <paramref name="dim"/>.</summary>
    public Tensor Argmax(int dim, bool keepDim = false) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_argmax(Handle, 1, dim, keepDim ? 1 : 0), "argmax");

    /// <summary>Position of the smallest element in the flattened tensor (<c>tensor.argmin()</c>).</summary>
    public Tensor Argmin() => NativeMethods.Wrap(NativeMethods.lst_tensor_argmin(Handle, 0, 0, 0), "argmin");

    /// <summary>Positions of the smallest elements along <paramref name="dim"/>.</summary>
    public Tensor Argmin(int dim, bool keepDim = false) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_argmin(Handle, 1, dim, keepDim ? 1 : 0), "argmin");

    /// <summary>log(sum(exp(x))) along <paramref name="dim"/>, computed without overflow (<c>tensor.logsumexp</c>).</summary>
    public Tensor Logsumexp(int dim, bool keepDim = false) => Logsumexp([dim], keepDim);

    /// <summary>log(sum(exp(x))) along <paramref name="dims"/>.</summary>
    public unsafe Tensor Logsumexp(int[] dims, bool keepDim = false) =>
        ReduceOverDims(dims, (p, n) => NativeMethods.lst_tensor_logsumexp(Handle, (long*)p, n, keepDim ? 1 : 0), "logsumexp");

    /// <summary>Product of every element (<c>tensor.prod()</c>).</summary>
    public Tensor Prod() => NativeMethods.Wrap(NativeMethods.lst_tensor_prod(Handle), "prod");

    /// <summary>Product along <paramref name="dim"/>.</summary>
    public Tensor Prod(int dim, bool keepDim = false) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_prod_dim(Handle, dim, keepDim ? 1 : 0), "prod");

    /// <summary>p-norm of all elements (<c>tensor.norm(p)</c>); p may be infinity.</summary>
    public Tensor Norm(double p = 2) => NativeMethods.Wrap(NativeMethods.lst_tensor_norm(Handle, NativeScalar.Of(p)), "norm");

    /// <summary>p-norm along <paramref name="dim"/>.</summary>
    public Tensor Norm(double p, int dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    /// <summary>p-norm along <paramref name="dims"/>.</summary>
    public unsafe Tensor Norm(double p, int[] dims, bool keepDim = false) =>
        ReduceOverDims(dims, (d, n) => NativeMethods.lst_tensor_norm_dims(Handle, NativeScalar.Of(p), (long*)d, n, keepDim ? 1 : 0), "norm");

    /// <summary>Whether every element is non-zero, as a 0-dimensional bool tensor (<c>tensor.all()</c>).</summary>
    public Tensor All() => NativeMethods.Wrap(NativeMethods.lst_tensor_all(Handle), "all");

    /// <summary>all() along <paramref name="dim"/>.</summary>
    public Tensor All(int dim, bool keepDim = false) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_all_dim(Handle, dim, keepDim ? 1 : 0), "all");

    /// <summary>Whether some element is non-zero, as a 0-dimensional bool tensor (<c>tensor.any()</c>).</summary>
    public Tensor Any() => NativeMethods.Wrap(NativeMethods.lst_tensor_any(Handle), "any");

    /// <summary>any() along <paramref name="dim"/>.</summary>
    public Tensor Any(int dim, bool keepDim = false) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_any_dim(Handle, dim, keepDim ? 1 : 0), "any");

    /// <summary>Running sum along <paramref name="dim"/> (<c>tensor.cumsum</c>).</summary>
    public Tensor Cumsum(int dim) => NativeMethods.Wrap(NativeMethods.lst_tensor_cumsum(Handle, dim), "cumsum");

    // ---- matrix products -----------------------------------------------------------------------

    /// <summary>Matrix product with broadcasting of batch dimensions (<c>tensor.matmul</c>, the <c>@</c> operator).</summary>
    public Tensor Matmul(Tensor other) => NativeMethods.Wrap(NativeMethods.lst_ops_matmul(Handle, other.Handle), "matmul");

    /// <summary>Product of two 2-D matrices (<c>tensor.mm</c>).</summary>
    public Tensor Mm(Tensor other) => NativeMethods.Wrap(NativeMethods.lst_ops_mm(Handle, other.Handle), "mm");

    /// <summary>Batched product of two 3-D tensors (<c>tensor.bmm</c>).</summary>
    public Tensor Bmm(Tensor other) => NativeMethods.Wrap(NativeMethods.lst_ops_bmm(Handle, other.Handle), "bmm");

    /// <summary>Dot product of two 1-D tensors (<c>tensor.dot</c>).</summary>
    public Tensor Dot(Tensor other) => NativeMethods.Wrap(NativeMethods.lst_ops_dot(Handle, other.Handle), "dot");

    /// <summary>Outer product of two 1-D tensors (<c>tensor.outer</c>).</summary>
    public Tensor Outer(Tensor other) => NativeMethods.Wrap(NativeMethods.lst_ops_outer(Handle, other.Handle), "outer");
}
