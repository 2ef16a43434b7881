using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>One Python-style index as the shim reads it (mirrors <c>lst_index</c> in ops_shape.cpp).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeIndex
{
    public int Kind;
    public int Flags;
    public long A;
    public long B;
    public long C;
    public IntPtr Tensor;
}

// ops_shape.cpp: views, indexing, joining/splitting, gathers and scatters.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int lst_ops_take_list(IntPtr* output, long n);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_reshape(TensorHandle t, long* shape, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_view(TensorHandle t, long* shape, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_permute(TensorHandle t, long* dims, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_transpose(TensorHandle t, long d0, long d1);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_t(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_squeeze(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_squeeze_dim(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_unsqueeze(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_expand(TensorHandle t, long* sizes, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_expand_as(TensorHandle t, TensorHandle other);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_flatten(TensorHandle t, long startDim, long endDim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_unflatten(TensorHandle t, long dim, long* sizes, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_narrow(TensorHandle t, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_select(TensorHandle t, long dim, long index);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_slice(TensorHandle t, long dim, int hasStart, long start, int hasEnd, long end, long step);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_index(TensorHandle t, NativeIndex* indices, long n);
    [LibraryImport(Lib)] internal static partial int lst_tensor_index_put_(TensorHandle t, NativeIndex* indices, long n, TensorHandle value);
    [LibraryImport(Lib)] internal static partial int lst_tensor_index_fill_(TensorHandle t, NativeIndex* indices, long n, NativeScalar value);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_cat(IntPtr* tensors, long n, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_stack(IntPtr* tensors, long n, long dim);
    [LibraryImport(Lib)] internal static partial long lst_tensor_chunk(TensorHandle t, long chunks, long dim);
    [LibraryImport(Lib)] internal static partial long lst_tensor_split(TensorHandle t, long splitSize, long dim);
    [LibraryImport(Lib)] internal static partial long lst_tensor_split_sizes(TensorHandle t, long* sizes, long n, long dim);
    [LibraryImport(Lib)] internal static partial long lst_tensor_unbind(TensorHandle t, long dim);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_index_select(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_gather(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_scatter(TensorHandle t, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_scatter_value(TensorHandle t, long dim, TensorHandle index, NativeScalar value);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_scatter_add(TensorHandle t, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_masked_fill(TensorHandle t, TensorHandle mask, NativeScalar value);
    [LibraryImport(Lib)] internal static partial int lst_tensor_masked_fill_(TensorHandle t, TensorHandle mask, NativeScalar value);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_ops_where(TensorHandle condition, TensorHandle a, NativeScalar sa, TensorHandle b, NativeScalar sb);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_repeat(TensorHandle t, long* repeats, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_flip(TensorHandle t, long* dims, long n);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_roll(TensorHandle t, long* shifts, long ns, long* dims, long nd);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_tril(TensorHandle t, long diagonal);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_triu(TensorHandle t, long diagonal);

    /// <summary>Collects the <paramref name="count"/> tensors a list-returning call left pending
    /// (count &lt; 0 means that call failed).</summary>
    internal static Tensor[] TakeList(long count, string operation)
    {
        if (count < 0) throw TorchException.FromLastError(operation);
        var raw = new IntPtr[count];
        fixed (IntPtr* p = raw) Check(lst_ops_take_list(p, count), operation);
        var result = new Tensor[count];
        for (int i = 0; i < raw.Length; i++) result[i] = new Tensor(new TensorHandle(raw[i]));
        return result;
    }

    /// <summary>Widens managed int dims to the shim's int64 list.</summary>
    internal static long[] Longs(int[] dims)
    {
        var r = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++) r[i] = dims[i];
        return r;
    }
}
