using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>
/// A libtorch tensor. Methods follow PyTorch's names in .NET casing (<c>x.Sum(1)</c> for
/// <c>x.sum(1)</c>); factories live on <see cref="Torch"/>, functional layers on
/// <c>NN.F</c>. A tensor owns one native handle: dispose it, or create it inside a
/// <see cref="DisposeScope"/>; the finalizer is only a backstop.
/// </summary>
public partial class Tensor : IDisposable
{
    private TensorHandle? handle;

    internal DisposeScope? Scope;
    internal int ScopeIndex = -1;

    internal Tensor(TensorHandle handle)
    {
        this.handle = handle;
        DisposeScope.Register(this);
    }

    /// <summary>Moves ownership from <paramref name="other"/> into a new instance (used by subclasses).</summary>
    private protected Tensor(Tensor other, bool takeOwnership)
    {
        if (!takeOwnership) throw new ArgumentException("only ownership transfer is supported", nameof(takeOwnership));
        handle = other.Handle;
        other.Scope?.Remove(other);
        other.handle = null;
        GC.SuppressFinalize(other);
    }

    /// <summary>The native handle; throws <see cref="ObjectDisposedException"/> once disposed.</summary>
    internal TensorHandle Handle =>
        handle ?? throw new ObjectDisposedException(nameof(Tensor),
            "This tensor was disposed (directly, or by the DisposeScope it was created in). " +
            "Keep it alive with MoveToOuterScope() or DetachFromScope() before the scope ends.");

    /// <summary>True once the tensor has been disposed.</summary>
    public bool IsDisposed => handle is null;

    /// <summary>Releases the native tensor now.</summary>
    public void Dispose()
    {
        var h = handle;
        if (h is null) return;
        handle = null;
        Scope?.Remove(this);
        h.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves this tensor from its scope to the enclosing scope (or to none) and returns it.</summary>
    public Tensor MoveToOuterScope()
    {
        Scope?.MoveToOuter(this);
        return this;
    }

    /// <summary>Removes this tensor from any dispose scope; the caller now owns it. Returns it.</summary>
    public Tensor DetachFromScope()
    {
        Scope?.Remove(this);
        return this;
    }

    // ---- properties ----------------------------------------------------------------------------

    /// <summary>Number of dimensions (<c>tensor.dim()</c>).</summary>
    public int Dim => checked((int)NativeMethods.lst_tensor_ndim(Handle));

    /// <summary>The sizes (<c>tensor.shape</c>).</summary>
    public unsafe long[] Shape
    {
        get
        {
            Span<long> buf = stackalloc long[64];
            long n;
            fixed (long* p = buf) n = NativeMethods.lst_tensor_shape(Handle, p, buf.Length);
            if (n < 0) throw TorchException.FromLastError("shape");
            return buf[..(int)n].ToArray();
        }
    }

    /// <summary>The strides in elements (<c>tensor.stride()</c>).</summary>
    public unsafe long[] Strides
    {
        get
        {
            Span<long> buf = stackalloc long[64];
            long n;
            fixed (long* p = buf) n = NativeMethods.lst_tensor_strides(Handle, p, buf.Length);
            if (n < 0) throw TorchException.FromLastError("stride");
            return buf[..(int)n].ToArray();
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = Shape;
        int d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {s.Length} dimensions");
        return s[d];
    }

    /// <summary>Number of elements (<c>tensor.numel()</c>).</summary>
    public long NumEl
    {
        get
        {
            long n = NativeMethods.lst_tensor_numel(Handle);
            if (n < 0) throw TorchException.FromLastError("numel");
            return n;
        }
    }

    /// <summary>Element type.</summary>
    public DType DType
    {
        get
        {
            int c = NativeMethods.lst_tensor_dtype(Handle);
            if (c < 0) throw TorchException.FromLastError("dtype");
            return (DType)c;
        }
    }

    /// <summary>Whether the elements are laid out contiguously in row-major order.</summary>
    public bool IsContiguous => NativeMethods.lst_tensor_is_contiguous(Handle) == 1;

    // ---- data in and out -----------------------------------------------------------------------

    /// <summary>Creates a tensor from <paramref name="data"/> with the given shape (one copy).</summary>
    public static unsafe Tensor From<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        // Like torch.tensor([..]): no shape means 1-D, even for one value (0-d: Tensor.Scalar).
        shape = shape.Length == 0 ? [data.Length] : shape;
        long expected = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentException($"shape [{string.Join(", ", shape)}] has a negative size", nameof(shape));
            expected *= s;
        }
        if (expected != data.Length)
            throw new ArgumentException(
                $"{data.Length} values cannot fill shape [{string.Join(", ", shape)}] ({expected} elements)", nameof(data));
        fixed (T* p = data)
        fixed (long* sp = shape)
        {
            var h = NativeMethods.lst_tensor_from_data(p, (long)data.Length * sizeof(T), (int)dtype, sp, shape.Length);
            return NativeMethods.Wrap(h, "tensor");
        }
    }

    /// <summary>Creates a tensor from an array with the given shape (1-D when no shape is given).</summary>
    public static Tensor From<T>(T[] data, params long[] shape) where T : unmanaged =>
        From((ReadOnlySpan<T>)data, shape);

    /// <summary>Copies the elements (row-major) into <paramref name="destination"/> (one copy).</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = destination)
            NativeMethods.Check(NativeMethods.lst_tensor_copy_to(Handle, p, (long)destination.Length * sizeof(T)), "copy_to");
    }

    /// <summary>The elements as a new array (row-major). T must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[NumEl];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>The value of a one-element tensor as double (<c>tensor.item()</c>).</summary>
    public double Item()
    {
        NativeMethods.Check(NativeMethods.lst_tensor_item_double(Handle, out var v), "item");
        return v;
    }

    /// <summary>The value of a one-element tensor as long.</summary>
    public long ItemLong()
    {
        NativeMethods.Check(NativeMethods.lst_tensor_item_long(Handle, out var v), "item");
        return v;
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var want = DTypeOf<T>();
        var have = DType;
        if (want != have)
            throw new ArgumentException(
                $"tensor has dtype {have.TorchName()} but {typeof(T).Name} was requested; convert first with To(DType.{want})");
    }

    internal static DType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(System.Numerics.Complex)) return DType.Complex128;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        throw new NotSupportedException($"element type {typeof(T).Name} has no tensor dtype");
    }

    // ---- conversion and copies -----------------------------------------------------------------

    /// <summary>Converts to another dtype (<c>tensor.to(dtype)</c>).</summary>
    public Tensor To(DType dtype) => NativeMethods.Wrap(NativeMethods.lst_tensor_to_dtype(Handle, (int)dtype), "to");

    /// <summary>Contiguous version of this tensor.</summary>
    public Tensor Contiguous() => NativeMethods.Wrap(NativeMethods.lst_tensor_contiguous(Handle), "contiguous");

    /// <summary>Copy that stays in the autograd graph (<c>tensor.clone()</c>).</summary>
    public Tensor Clone() => NativeMethods.Wrap(NativeMethods.lst_tensor_clone(Handle), "clone");

    /// <summary>Shares storage, cut from the autograd graph (<c>tensor.detach()</c>).</summary>
    public Tensor Detach() => NativeMethods.Wrap(NativeMethods.lst_tensor_detach(Handle), "detach");

    /// <summary>A second handle to the same tensor (storage and autograd identity shared).</summary>
    public Tensor Alias() => NativeMethods.Wrap(NativeMethods.lst_tensor_alias(Handle), "alias");

    /// <summary>Copies <paramref name="source"/> into this tensor in place (<c>tensor.copy_(src)</c>); returns this.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_copy_(Handle, source.Handle), "copy_");
        return this;
    }

    /// <summary>PyTorch's printout of the tensor.</summary>
    public override string ToString()
    {
        if (handle is null) return "Tensor(disposed)";
        var p = NativeMethods.lst_tensor_to_string(Handle);
        if (p == IntPtr.Zero) throw TorchException.FromLastError("repr");
        return Marshal.PtrToStringUTF8(p) ?? string.Empty;
    }
}
