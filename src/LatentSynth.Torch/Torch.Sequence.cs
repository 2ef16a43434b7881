namespace LatentSynth.Torch;

// torch.* helpers for variable-length sequences.
public static partial class Torch
{
    /// <summary>
    /// The padding mask of a batch of sequences (TensorFlow's <c>sequence_mask</c>): a bool tensor
    /// (N, <paramref name="maxLen"/>) that is true at [n, t] when t &lt; lengths[n], i.e. on the
    /// real steps of sequence n and false on its padding. <paramref name="lengths"/> is a 1-D
    /// integer tensor (N); <paramref name="maxLen"/> defaults to its largest entry. Lengths longer
    /// than maxLen give all-true rows.
    /// </summary>
    /// <remarks>
    /// Variable lengths are handled with masks in this binding, not packed sequences; see
    /// <see cref="NN.RNNBase"/> for why and for what a mask does not cover. Multiply a per-step
    /// loss by the mask (as float) and divide by the mask's sum, or give padded targets the
    /// <c>ignoreIndex</c> of <see cref="NN.F.CrossEntropy"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">lengths is not a 1-D integer tensor, has a negative entry, or maxLen is negative.</exception>
    public static Tensor SequenceMask(Tensor lengths, long? maxLen = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        var shape = lengths.Shape;
        if (shape.Length != 1)
            throw new ArgumentException($"sequence_mask: lengths must be 1-D (one length per sequence), got shape [{string.Join(", ", shape)}]", nameof(lengths));
        if (lengths.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"sequence_mask: lengths must be int64 or int32, got {lengths.DType.TorchName()}", nameof(lengths));
        long longest = 0;
        if (shape[0] > 0)
        {
            using var lo = lengths.Min();
            if (lo.ItemLong() < 0)
                throw new ArgumentException("sequence_mask: lengths must not be negative", nameof(lengths));
            using var hi = lengths.Max();
            longest = hi.ItemLong();
        }
        long t = maxLen ?? longest;
        if (t < 0) throw new ArgumentOutOfRangeException(nameof(maxLen), t, "sequence_mask: maxLen must not be negative");
        using var steps = Arange(t);
        using var row = steps.Unsqueeze(0);
        using var column = lengths.Unsqueeze(1);
        return row.Lt(column);
    }
}
