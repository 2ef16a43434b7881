using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_reduce.cpp and ops_linalg.cpp: reductions and matrix products.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sum(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sum_dims(TensorHandle t, long* dims, long n, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_mean(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_mean_dims(TensorHandle t, long* dims, long n, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_var(TensorHandle t, long* dims, long n, int hasDims, int unbiased, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_std(TensorHandle t, long* dims, long n, int hasDims, int unbiased, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_max(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_min(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int lst_tensor_max_dim(TensorHandle t, long dim, int keepDim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int lst_tensor_min_dim(TensorHandle t, long dim, int keepDim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int lst_tensor_topk(TensorHandle t, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_argmax(TensorHandle t, int hasDim, long dim, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_argmin(TensorHandle t, int hasDim, long dim, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_logsumexp(TensorHandle t, long* dims, long n, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_prod(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_prod_dim(TensorHandle t, long dim, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_norm(TensorHandle t, NativeScalar p);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_norm_dims(TensorHandle t, NativeScalar p, long* dims, long n, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_all(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_all_dim(TensorHandle t, long dim, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_any(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_any_dim(TensorHandle t, long dim, int keepDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_cumsum(TensorHandle t, long dim);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_matmul(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_mm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_bmm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_outer(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_dot(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_cdist(TensorHandle x1, TensorHandle x2, double p);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_linear(TensorHandle input, TensorHandle weight, TensorHandle bias);
}
