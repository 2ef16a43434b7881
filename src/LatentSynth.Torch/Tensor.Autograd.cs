namespace LatentSynth.Torch;

public partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor (<c>tensor.requires_grad</c>).
    /// Setting it is allowed on leaves only, as in PyTorch.</summary>
    public bool RequiresGrad
    {
        get
        {
            int r = NativeMethods.lst_tensor_requires_grad(Handle);
            if (r < 0) throw TorchException.FromLastError("requires_grad");
            return r == 1;
        }
        set => NativeMethods.Check(NativeMethods.lst_tensor_set_requires_grad(Handle, value ? 1 : 0), "requires_grad_");
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (<c>tensor.requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool IsLeaf => NativeMethods.lst_tensor_is_leaf(Handle) == 1;

    /// <summary>
    /// The accumulated gradient (<c>tensor.grad</c>) as a new handle, or null when none was
    /// computed. Assigning replaces it (null clears it).
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            NativeMethods.Check(NativeMethods.lst_tensor_grad(Handle, out var raw), "grad");
            return raw == IntPtr.Zero ? null : new Tensor(new TensorHandle(raw));
        }
        set => NativeMethods.Check(NativeMethods.lst_tensor_set_grad(Handle, NativeMethods.OptionalTensor(value)), "grad");
    }

    /// <summary>Clears the gradient: drops it (default, like PyTorch) or fills it with zeros.</summary>
    public void ZeroGrad(bool setToNone = true) =>
        NativeMethods.Check(NativeMethods.lst_tensor_zero_grad(Handle, setToNone ? 1 : 0), "zero_grad");

    /// <summary>
    /// Back-propagates from this tensor (<c>tensor.backward(gradient, retain_graph, create_graph)</c>).
    /// Without <paramref name="gradient"/> the tensor must hold one element.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false) =>
        NativeMethods.Check(
            NativeMethods.lst_tensor_backward(Handle, NativeMethods.OptionalTensor(gradient), retainGraph is null ? -1 : retainGraph.Value ? 1 : 0, createGraph ? 1 : 0),
            "backward");
}

/// <summary>torch.autograd functions.</summary>
public static class Autograd
{
    /// <summary>
    /// <c>torch.autograd.grad</c>: the gradients of <paramref name="outputs"/> with respect to
    /// <paramref name="inputs"/>, weighted by <paramref name="gradOutputs"/> (vector-Jacobian
    /// product). With <paramref name="createGraph"/> the result is itself differentiable, which
    /// gives Jacobian-vector products by the double-backward trick. Entries are null for inputs
    /// the outputs do not depend on when <paramref name="allowUnused"/> is set.
    /// </summary>
    public static unsafe Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null, bool? retainGraph = null, bool createGraph = false,
        bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"{gradOutputs.Count} grad_outputs given for {outputs.Count} outputs", nameof(gradOutputs));
        // Null grad_outputs entries are passed as zero handles; others are kept alive by WithHandles.
        var gouts = gradOutputs?.Select(g => g).ToArray();
        var present = gouts?.Where(g => g is not null).Cast<Tensor>().ToArray() ?? [];
        var result = new IntPtr[inputs.Count];
        NativeMethods.WithHandles(outputs, o =>
            NativeMethods.WithHandles(inputs, i =>
                NativeMethods.WithHandles(present, p =>
                {
                    IntPtr[]? g = null;
                    if (gouts is not null)
                    {
                        g = new IntPtr[gouts.Length];
                        for (int k = 0, m = 0; k < gouts.Length; k++) g[k] = gouts[k] is null ? IntPtr.Zero : p[m++];
                    }
                    fixed (IntPtr* po = o)
                    fixed (IntPtr* pi = i)
                    fixed (IntPtr* pg = g)
                    fixed (IntPtr* pr = result)
                    {
                        NativeMethods.Check(NativeMethods.lst_autograd_grad(po, o.Length, pi, i.Length, g is null ? null : pg,
                            retainGraph is null ? -1 : retainGraph.Value ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, pr), "autograd.grad");
                    }
                    return 0;
                })));
        return NativeMethods.WrapRaw(result);
    }
}

/// <summary>torch.autograd.functional-style products with a function's Jacobian.</summary>
public static class AutogradFunctional
{
    /// <summary>
    /// <c>torch.autograd.functional.vjp</c>: the output y = f(x) and the vector-Jacobian product
    /// vᵀ·∂f/∂x (shape of <paramref name="input"/>), both detached from any graph.
    /// </summary>
    public static (Tensor Output, Tensor Vjp) Vjp(Func<Tensor, Tensor> function, Tensor input, Tensor cotangent)
    {
        ArgumentNullException.ThrowIfNull(function);
        using var scope = Torch.NewScope();
        using var grad = Torch.EnableGrad();
        var x = input.Detach().RequiresGrad_();
        var y = function(x);
        CheckShape(y, cotangent, nameof(cotangent), "output");
        var g = Autograd.Grad([y], [x], [cotangent], allowUnused: true)[0] ?? Torch.ZerosLike(x);
        return (y.Detach().MoveToOuterScope(), g.Detach().MoveToOuterScope());
    }

    /// <summary>
    /// <c>torch.autograd.functional.jvp</c>: the output y = f(x) and the Jacobian-vector product
    /// ∂f/∂x·v (shape of the output), both detached. Computed by the double-backward trick: with a
    /// dummy cotangent u, g(u) = uᵀ·J is linear in u, and the gradient of g·v with respect to u is J·v.
    /// Costs two backward passes; no forward-mode AD is needed.
    /// </summary>
    public static (Tensor Output, Tensor Jvp) Jvp(Func<Tensor, Tensor> function, Tensor input, Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(function);
        CheckShape(input, vector, nameof(vector), "input");
        using var scope = Torch.NewScope();
        using var grad = Torch.EnableGrad();
        var x = input.Detach().RequiresGrad_();
        var y = function(x);
        var u = Torch.ZerosLike(y).RequiresGrad_();
        var g = Autograd.Grad([y], [x], [u], createGraph: true, allowUnused: true)[0];
        Tensor jv = g is null || !g.RequiresGrad
            ? Torch.ZerosLike(y)
            : Autograd.Grad([g], [u], [vector], allowUnused: true)[0] ?? Torch.ZerosLike(y);
        return (y.Detach().MoveToOuterScope(), jv.Detach().MoveToOuterScope());
    }

    private static void CheckShape(Tensor reference, Tensor given, string name, string what)
    {
        var a = reference.Shape;
        var b = given.Shape;
        if (!a.SequenceEqual(b))
            throw new ArgumentException($"{name} has shape [{string.Join(", ", b)}] but the {what} has shape [{string.Join(", ", a)}]", name);
    }
}

/// <summary>
/// Disables gradient recording on this thread until disposed (<c>with torch.no_grad():</c>),
/// restoring the previous state afterwards. Obtain one with <see cref="Torch.NoGrad"/>.
/// </summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool previous;

    internal GradModeScope(bool enabled) => previous = NativeMethods.lst_set_grad_enabled(enabled ? 1 : 0) == 1;

    /// <summary>Restores the gradient mode that was in force before.</summary>
    public void Dispose() => NativeMethods.lst_set_grad_enabled(previous ? 1 : 0);
}
