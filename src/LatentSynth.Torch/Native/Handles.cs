using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>
/// Owning handle to a native tensor. Used in P/Invoke signatures so that the runtime keeps the
/// handle alive (reference-counted) for the duration of every native call that receives it.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle; the marshaller fills it in.</summary>
    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <summary>Wraps a raw handle returned through an out-array.</summary>
    internal TensorHandle(IntPtr raw) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(raw);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.lst_tensor_free(handle);
        return true;
    }
}

/// <summary>Owning handle to a native random generator.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle; the marshaller fills it in.</summary>
    public GeneratorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.lst_generator_free(handle);
        return true;
    }
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
