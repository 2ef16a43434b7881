namespace LatentSynth.Torch.NN;

/// <summary>
/// How a loss reduces its per-element values: PyTorch's <c>reduction=</c> strings. The numeric
/// values are libtorch's own reduction codes.
/// </summary>
public enum Reduction
{
    /// <summary><c>'none'</c>: the unreduced per-element losses.</summary>
    None = 0,
    /// <summary><c>'mean'</c>: the mean of the losses (weighted mean where the loss takes weights).</summary>
    Mean = 1,
    /// <summary><c>'sum'</c>: the sum of the losses.</summary>
    Sum = 2,
}
