namespace LatentSynth.Torch;

public partial class Tensor
{
    /// <summary>
    /// <c>tensor.real</c>: the real parts of a complex tensor, as a view sharing its storage (writes
    /// go through). For a real tensor, the tensor itself (a second handle). Differentiable.
    /// </summary>
    public Tensor Real => NativeMethods.Wrap(NativeMethods.lst_tensor_real(Handle), "real");

    /// <summary>
    /// <c>tensor.imag</c>: the imaginary parts of a complex tensor, as a view sharing its storage.
    /// Differentiable.
    /// </summary>
    /// <exception cref="TorchException">The tensor is not complex.</exception>
    public Tensor Imag => NativeMethods.Wrap(NativeMethods.lst_tensor_imag(Handle), "imag");

    /// <summary><c>tensor.is_complex()</c>: whether the dtype is complex64 or complex128.</summary>
    public bool IsComplex
    {
        get
        {
            int r = NativeMethods.lst_tensor_is_complex(Handle);
            if (r < 0) throw TorchException.FromLastError("is_complex");
            return r == 1;
        }
    }

    /// <summary><c>tensor.is_conj()</c>: whether this is a lazy conjugate view (see <see cref="Conj"/>).</summary>
    public bool IsConj
    {
        get
        {
            int r = NativeMethods.lst_tensor_is_conj(Handle);
            if (r < 0) throw TorchException.FromLastError("is_conj");
            return r == 1;
        }
    }

    /// <summary>
    /// <c>torch.angle</c>: the argument atan2(imag, real) of each element, in radians (0 or π for
    /// real input). Real-valued result. Differentiable.
    /// </summary>
    public Tensor Angle() => NativeMethods.Wrap(NativeMethods.lst_tensor_angle(Handle), "angle");

    /// <summary>
    /// <c>tensor.conj()</c>: the complex conjugate, as a lazy view (no copy; <see cref="IsConj"/>
    /// is true) for complex tensors, the tensor itself for real ones. Reading the data resolves it;
    /// <see cref="ViewAsReal"/> needs <see cref="ResolveConj"/> first.
    /// </summary>
    public Tensor Conj() => NativeMethods.Wrap(NativeMethods.lst_tensor_conj(Handle), "conj");

    /// <summary><c>tensor.resolve_conj()</c>: materialises a lazy conjugate (the tensor itself otherwise).</summary>
    public Tensor ResolveConj() => NativeMethods.Wrap(NativeMethods.lst_tensor_resolve_conj(Handle), "resolve_conj");

    /// <summary>
    /// <c>torch.view_as_real</c>: a complex tensor of shape [..] as a real view of shape [.., 2]
    /// holding (real, imaginary) pairs. Differentiable.
    /// </summary>
    /// <exception cref="TorchException">The tensor is not complex, or is an unresolved conjugate.</exception>
    public Tensor ViewAsReal() => NativeMethods.Wrap(NativeMethods.lst_tensor_view_as_real(Handle), "view_as_real");
}
