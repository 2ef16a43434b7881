namespace LatentSynth.Torch.NN;

/// <summary>
/// A tensor that is a learnable parameter of a <see cref="Module"/> (<c>nn.Parameter</c>).
/// It requires grad by default and is always a leaf of the autograd graph.
/// </summary>
/// <remarks>
/// A parameter is made from a tensor by taking over its native handle: the tensor passed in is
/// consumed (it reads as disposed afterwards) and no copy is made. A tensor that is not a leaf
/// (the result of a recorded operation) is detached first, as PyTorch does. A parameter never
/// belongs to a <see cref="DisposeScope"/>, even when created inside one: it lives as long as the
/// module that registers it, which disposes it in <see cref="Module.Dispose()"/>.
/// </remarks>
public class Parameter : Tensor
{
    /// <summary>Turns <paramref name="data"/> into a parameter, taking ownership of it.</summary>
    /// <param name="data">The values; consumed (it must not be used afterwards).</param>
    /// <param name="requiresGrad">Whether the optimizer should train it (default true).</param>
    public Parameter(Tensor data, bool requiresGrad = true) : base(AsLeaf(data), takeOwnership: true)
    {
        RequiresGrad = requiresGrad;
    }

    private static Tensor AsLeaf(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.IsDisposed) throw new ObjectDisposedException(nameof(data), "cannot make a Parameter from a disposed tensor");
        if (data.IsLeaf) return data;
        var leaf = data.Detach();
        data.Dispose();
        return leaf;
    }

    /// <summary>PyTorch's printout: <c>Parameter containing:</c> followed by the values.</summary>
    public override string ToString() => IsDisposed ? "Parameter(disposed)" : "Parameter containing:\n" + base.ToString();
}
