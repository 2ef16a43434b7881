using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>
/// An owning handle to a shim object: invalid while null, released exactly once through <see cref="Release"/> (the
/// object's lst_*_free). Used in P/Invoke signatures so that the runtime keeps the handle alive for the duration of
/// every native call that receives it. Each derived type has the public parameterless constructor the marshaller needs.
/// </summary>
internal abstract class NativeHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle.</summary>
    protected NativeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Frees the native object <paramref name="raw"/> (never null here).</summary>
    protected abstract void Release(IntPtr raw);

    /// <inheritdoc />
    protected sealed override bool ReleaseHandle()
    {
        Release(handle);
        return true;
    }
}

/// <summary>
/// Owning handle to a native tensor. Used in P/Invoke signatures so that the runtime keeps the
/// handle alive (reference-counted) for the duration of every native call that receives it.
/// </summary>
internal sealed class TensorHandle : NativeHandle
{
    /// <summary>Creates an empty (invalid) handle; the marshaller fills it in.</summary>
    public TensorHandle() { }

    /// <summary>Wraps a raw handle returned through an out-array.</summary>
    internal TensorHandle(IntPtr raw) => SetHandle(raw);

    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_tensor_free(raw);
}

/// <summary>Owning handle to a native random generator.</summary>
internal sealed class GeneratorHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_generator_free(raw);
}

/// <summary>A scalar passed by value to the shim (mirrors <c>lst_scalar</c> in common.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct NativeScalar
{
    public readonly double D;
    public readonly long I;
    public readonly int IsInt;

    private NativeScalar(double d, long i, int isInt) { D = d; I = i; IsInt = isInt; }

    /// <summary>A floating-point scalar.</summary>
    public static NativeScalar Of(double value) => new(value, 0, 0);

    /// <summary>An integral scalar.</summary>
    public static NativeScalar Of(long value) => new(0, value, 1);

    /// <summary>A boolean scalar (as the integer 0 or 1).</summary>
    public static NativeScalar Of(bool value) => new(0, value ? 1 : 0, 1);
}
