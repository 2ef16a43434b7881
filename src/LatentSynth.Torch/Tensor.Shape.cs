namespace LatentSynth.Torch;

public partial class Tensor
{
    // ---- views and reshapes --------------------------------------------------------------------

    /// <summary>Same elements in a new shape (<c>tensor.reshape</c>); one size may be -1. A view when possible, a copy otherwise.</summary>
    public unsafe Tensor Reshape(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* p = shape) return NativeMethods.Wrap(NativeMethods.lst_tensor_reshape(Handle, p, shape.Length), "reshape");
    }

    /// <summary>A view with a new shape (<c>tensor.view</c>); fails when the strides do not allow one (use <see cref="Reshape"/>).</summary>
    public unsafe Tensor View(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* p = shape) return NativeMethods.Wrap(NativeMethods.lst_tensor_view(Handle, p, shape.Length), "view");
    }

    /// <summary>Reorders the dimensions (<c>tensor.permute</c>).</summary>
    public unsafe Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var d = NativeMethods.Longs(dims);
        fixed (long* p = d) return NativeMethods.Wrap(NativeMethods.lst_tensor_permute(Handle, p, d.Length), "permute");
    }

    /// <summary>Swaps two dimensions (<c>tensor.transpose(d0, d1)</c>).</summary>
    public Tensor Transpose(int dim0, int dim1) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_transpose(Handle, dim0, dim1), "transpose");

    /// <summary>Transpose of a tensor with at most two dimensions (<c>tensor.T</c> / <c>tensor.t()</c>).</summary>
    public Tensor T => NativeMethods.Wrap(NativeMethods.lst_tensor_t(Handle), "t");

    /// <summary>Removes every dimension of size 1 (<c>tensor.squeeze()</c>).</summary>
    public Tensor Squeeze() => NativeMethods.Wrap(NativeMethods.lst_tensor_squeeze(Handle), "squeeze");

    /// <summary>Removes dimension <paramref name="dim"/> when its size is 1 (<c>tensor.squeeze(dim)</c>).</summary>
    public Tensor Squeeze(int dim) => NativeMethods.Wrap(NativeMethods.lst_tensor_squeeze_dim(Handle, dim), "squeeze");

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (<c>tensor.unsqueeze</c>).</summary>
    public Tensor Unsqueeze(int dim) => NativeMethods.Wrap(NativeMethods.lst_tensor_unsqueeze(Handle, dim), "unsqueeze");

    /// <summary>Broadcasts size-1 dimensions to <paramref name="sizes"/> without copying (<c>tensor.expand</c>); -1 keeps a size.</summary>
    public unsafe Tensor Expand(params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        fixed (long* p = sizes) return NativeMethods.Wrap(NativeMethods.lst_tensor_expand(Handle, p, sizes.Length), "expand");
    }

    /// <summary>Expands to the shape of <paramref name="other"/> (<c>tensor.expand_as</c>).</summary>
    public Tensor ExpandAs(Tensor other) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_expand_as(Handle, other.Handle), "expand_as");

    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one (<c>tensor.flatten</c>).</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_flatten(Handle, startDim, endDim), "flatten");

    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="sizes"/> (<c>tensor.unflatten</c>); one size may be -1.</summary>
    public unsafe Tensor Unflatten(int dim, params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        fixed (long* p = sizes) return NativeMethods.Wrap(NativeMethods.lst_tensor_unflatten(Handle, dim, p, sizes.Length), "unflatten");
    }

    /// <summary>The view of <paramref name="length"/> positions from <paramref name="start"/> along <paramref name="dim"/> (<c>tensor.narrow</c>).</summary>
    public Tensor Narrow(int dim, long start, long length) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_narrow(Handle, dim, start, length), "narrow");

    /// <summary>The view at position <paramref name="index"/> of <paramref name="dim"/>, which is removed (<c>tensor.select</c>).</summary>
    public Tensor Select(int dim, long index) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_select(Handle, dim, index), "select");

    /// <summary>
    /// The view <c>start:end:step</c> along <paramref name="dim"/> (<c>tensor[..., start:end:step]</c>).
    /// Null bounds leave that end open; negative bounds count from the end; out-of-range bounds are clamped.
    /// </summary>
    public Tensor Slice(int dim, long? start, long? end, long step = 1) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_slice(Handle, dim, start.HasValue ? 1 : 0, start.GetValueOrDefault(),
            end.HasValue ? 1 : 0, end.GetValueOrDefault(), step), "slice");

    // ---- Python-style indexing -----------------------------------------------------------------

    /// <summary>
    /// Python-style indexing (<c>t[0, 1..^1, TensorIndex.None]</c> is <c>t[0, 1:-1, None]</c>):
    /// see <see cref="TensorIndex"/>. Reading returns a view for integers, slices, <c>...</c> and
    /// <c>None</c>, and a copy when a tensor index is involved. Assigning writes in place
    /// (<c>index_put_</c>): the value is broadcast to the indexed shape; a number assigned here
    /// becomes a 0-dimensional tensor through the implicit conversion.
    /// </summary>
    // Named "At" in metadata: the default name "Item" is taken by Item().
    [System.Runtime.CompilerServices.IndexerName("At")]
    public unsafe Tensor this[params TensorIndex[] indices]
    {
        get => WithNativeIndices(indices, (p, n) => NativeMethods.Wrap(NativeMethods.lst_tensor_index(Handle, p, n), "index"));
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            WithNativeIndices(indices, (p, n) =>
            {
                NativeMethods.Check(NativeMethods.lst_tensor_index_put_(Handle, p, n, value.Handle), "index_put_");
                return 0;
            });
        }
    }

    /// <summary>Writes <paramref name="value"/> into every element selected by <paramref name="indices"/> (<c>t[indices] = value</c>) without allocating a tensor for it; with no indices every element is written. Returns this.</summary>
    public Tensor Fill_(double value, params TensorIndex[] indices) => FillIndexedCore(NativeScalar.Of(value), indices);

    /// <summary>Writes <paramref name="value"/> into every element selected by <paramref name="indices"/>; returns this.</summary>
    public Tensor Fill_(long value, params TensorIndex[] indices) => FillIndexedCore(NativeScalar.Of(value), indices);

    private unsafe Tensor FillIndexedCore(NativeScalar value, TensorIndex[] indices)
    {
        WithNativeIndices(indices, (p, n) =>
        {
            NativeMethods.Check(NativeMethods.lst_tensor_index_fill_(Handle, p, n, value), "index_put_");
            return 0;
        });
        return this;
    }

    private unsafe delegate TResult NativeIndexCall<TResult>(NativeIndex* indices, long count);

    private static unsafe TResult WithNativeIndices<TResult>(TensorIndex[] indices, NativeIndexCall<TResult> call)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var tensors = new List<Tensor>();
        foreach (var ix in indices)
            if (ix.IndexTensor is not null) tensors.Add(ix.IndexTensor);
        return NativeMethods.WithHandles(tensors, raw =>
        {
            var native = new NativeIndex[indices.Length];
            for (int i = 0, k = 0; i < indices.Length; i++)
                native[i] = indices[i].ToNative(indices[i].IndexTensor is null ? IntPtr.Zero : raw[k++]);
            fixed (NativeIndex* p = native) return call(p, native.Length);
        });
    }

    // ---- splitting -----------------------------------------------------------------------------

    /// <summary>Splits into <paramref name="chunks"/> nearly equal views along <paramref name="dim"/> (<c>tensor.chunk</c>); the last may be smaller, and fewer may be returned.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0) =>
        NativeMethods.TakeList(NativeMethods.lst_tensor_chunk(Handle, chunks, dim), "chunk");

    /// <summary>Splits into views of <paramref name="splitSize"/> along <paramref name="dim"/> (<c>tensor.split(int)</c>); the last may be smaller.</summary>
    public Tensor[] Split(long splitSize, int dim = 0) =>
        NativeMethods.TakeList(NativeMethods.lst_tensor_split(Handle, splitSize, dim), "split");

    /// <summary>Splits into views of the given <paramref name="sizes"/> along <paramref name="dim"/>, which must add up to its size (<c>tensor.split(list)</c>).</summary>
    public unsafe Tensor[] Split(long[] sizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        long n;
        fixed (long* p = sizes) n = NativeMethods.lst_tensor_split_sizes(Handle, p, sizes.Length, dim);
        return NativeMethods.TakeList(n, "split_with_sizes");
    }

    /// <summary>The views at every position of <paramref name="dim"/>, each without that dimension (<c>tensor.unbind</c>).</summary>
    public Tensor[] Unbind(int dim = 0) =>
        NativeMethods.TakeList(NativeMethods.lst_tensor_unbind(Handle, dim), "unbind");

    // ---- gathers, scatters, selections ---------------------------------------------------------

    /// <summary>The entries at the int64 positions <paramref name="index"/> along <paramref name="dim"/> (<c>tensor.index_select</c>).</summary>
    public Tensor IndexSelect(int dim, Tensor index) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_index_select(Handle, dim, index.Handle), "index_select");

    /// <summary><c>out[i][j] = self[index[i][j]][j]</c> for dim 0, and so on (<c>tensor.gather</c>); index must be int64.</summary>
    public Tensor Gather(int dim, Tensor index) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_gather(Handle, dim, index.Handle), "gather");

    /// <summary>A copy with <paramref name="src"/> written at <paramref name="index"/> along <paramref name="dim"/> (<c>tensor.scatter</c>).</summary>
    public Tensor Scatter(int dim, Tensor index, Tensor src) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_scatter(Handle, dim, index.Handle, src.Handle), "scatter");

    /// <summary>A copy with <paramref name="value"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(int dim, Tensor index, double value) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_scatter_value(Handle, dim, index.Handle, NativeScalar.Of(value)), "scatter");

    /// <summary>A copy with the integer <paramref name="value"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(int dim, Tensor index, long value) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_scatter_value(Handle, dim, index.Handle, NativeScalar.Of(value)), "scatter");

    /// <summary>A copy with <paramref name="src"/> added at <paramref name="index"/> along <paramref name="dim"/> (<c>tensor.scatter_add</c>).</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_scatter_add(Handle, dim, index.Handle, src.Handle), "scatter_add");

    /// <summary>A copy with <paramref name="value"/> where the bool <paramref name="mask"/> is true (<c>tensor.masked_fill</c>); the mask broadcasts.</summary>
    public Tensor MaskedFill(Tensor mask, double value) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_masked_fill(Handle, mask.Handle, NativeScalar.Of(value)), "masked_fill");

    /// <summary>A copy with <paramref name="value"/> where the bool <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill(Tensor mask, long value) =>
        NativeMethods.Wrap(NativeMethods.lst_tensor_masked_fill(Handle, mask.Handle, NativeScalar.Of(value)), "masked_fill");

    /// <summary>Writes <paramref name="value"/> where <paramref name="mask"/> is true, in place (<c>tensor.masked_fill_</c>); returns this.</summary>
    public Tensor MaskedFill_(Tensor mask, double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_masked_fill_(Handle, mask.Handle, NativeScalar.Of(value)), "masked_fill_");
        return this;
    }

    /// <summary>Writes the integer <paramref name="value"/> where <paramref name="mask"/> is true, in place; returns this.</summary>
    public Tensor MaskedFill_(Tensor mask, long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_masked_fill_(Handle, mask.Handle, NativeScalar.Of(value)), "masked_fill_");
        return this;
    }

    /// <summary>Tiles the tensor <paramref name="repeats"/> times along each dimension (<c>tensor.repeat</c>); copies.</summary>
    public unsafe Tensor Repeat(params long[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        fixed (long* p = repeats) return NativeMethods.Wrap(NativeMethods.lst_tensor_repeat(Handle, p, repeats.Length), "repeat");
    }

    /// <summary>Reverses the order along <paramref name="dims"/> (<c>tensor.flip</c>); copies.</summary>
    public unsafe Tensor Flip(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var d = NativeMethods.Longs(dims);
        fixed (long* p = d) return NativeMethods.Wrap(NativeMethods.lst_tensor_flip(Handle, p, d.Length), "flip");
    }

    /// <summary>Rotates by <paramref name="shifts"/> along <paramref name="dims"/> (<c>tensor.roll</c>); elements leaving one end re-enter at the other. Without dims the flattened tensor is rolled.</summary>
    public unsafe Tensor Roll(long[] shifts, int[] dims)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(dims);
        var d = NativeMethods.Longs(dims);
        fixed (long* ps = shifts)
        fixed (long* pd = d)
            return NativeMethods.Wrap(NativeMethods.lst_tensor_roll(Handle, ps, shifts.Length, pd, d.Length), "roll");
    }

    /// <summary>Rotates by <paramref name="shift"/> along <paramref name="dim"/> (<c>tensor.roll(shift, dim)</c>).</summary>
    public Tensor Roll(long shift, int dim) => Roll([shift], [dim]);

    /// <summary>Rotates the flattened tensor by <paramref name="shift"/>, keeping the shape (<c>tensor.roll(shift)</c>).</summary>
    public Tensor Roll(long shift) => Roll([shift], []);

    /// <summary>Lower triangle: zeros above diagonal <paramref name="diagonal"/> (<c>tensor.tril</c>).</summary>
    public Tensor Tril(long diagonal = 0) => NativeMethods.Wrap(NativeMethods.lst_tensor_tril(Handle, diagonal), "tril");

    /// <summary>Upper triangle: zeros below diagonal <paramref name="diagonal"/> (<c>tensor.triu</c>).</summary>
    public Tensor Triu(long diagonal = 0) => NativeMethods.Wrap(NativeMethods.lst_tensor_triu(Handle, diagonal), "triu");
}
