using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Distributed;

/// <summary>
/// Data-parallel training over a <see cref="ProcessGroup"/>: every rank holds a replica of the model,
/// <see cref="BroadcastParameters(ProcessGroup, Module, int, long)"/> makes the replicas equal once
/// at the start, and after each backward pass
/// <see cref="AllReduceGradients(ProcessGroup, Module, long)"/> replaces each rank's gradients by
/// their mean over the ranks, so the same optimizer step on every rank keeps the replicas equal.
/// Every rank must call these with the same parameters (shapes, dtypes, order).
/// </summary>
/// <remarks>
/// <para><b>Buckets.</b> Tensors travel in buckets: consecutive tensors of one dtype, flattened and
/// concatenated (at::cat in the shim) into one buffer of at most <c>bucketBytes</c> (a tensor larger
/// than that travels alone), one collective per bucket, copied back afterwards.</para>
/// <para>This is the after-backward path; <see cref="OverlappedGradientSync"/> starts the buckets during backward
/// (the trainer's default) and falls back to this one where it cannot.</para>
/// <para><b>Why 4 MiB by default.</b> PyTorch's DistributedDataParallel uses 25 MB buckets because it
/// overlaps their allreduce with the backward pass. Here the sync runs after backward, so a bucket
/// only trades the fixed cost of one call (two Gloo collectives: the shim's size probe and the
/// allreduce; 0.6-2.7 ms for 16 bytes on our shared 2-core machines) against the size of its
/// temporary flat copy. Syncing 2.6 MB of gradients (100 tensors of 26 kB, 2 ranks on loopback,
/// median of 20, five runs on a machine with a load average of 10-14, hence the ranges) took
/// 63-107 ms in 64 KiB buckets, 12-39 ms in 256 KiB, 5.5-9.6 ms in 1 MiB, 4.6-13 ms in 4 MiB and
/// 3.7-15 ms in 16 MiB ones: below 1 MiB the per-call cost dominates, above it the noise does. 4 MiB
/// keeps the number of calls low for models of tens of MB while the extra copy stays small and under
/// the 8 MB size the guide's speed traps saw page-fault. The test
/// <c>AllReduceOfA2Point6MBTensorOnLoopback</c> prints these figures.</para>
/// </remarks>
public static class GradientSync
{
    /// <summary>The default bucket size: 4 MiB (see the remarks on <see cref="GradientSync"/>).</summary>
    public const long DefaultBucketBytes = 4L << 20;

    /// <summary>
    /// Copies rank <paramref name="root"/>'s parameters and buffers (running statistics and the
    /// like) into every other rank's <paramref name="module"/>, in place.
    /// </summary>
    public static void BroadcastParameters(ProcessGroup group, Module module, int root = 0, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(module);
        BroadcastParameters(group, module.Parameters().Concat(module.Buffers()), root, bucketBytes);
    }

    /// <summary>
    /// Copies rank <paramref name="root"/>'s <paramref name="tensors"/> into the same tensors of every
    /// other rank, in place, one broadcast per bucket.
    /// </summary>
    /// <exception cref="ArgumentException">A null tensor, a root outside the group, or a
    /// non-positive bucket size.</exception>
    /// <exception cref="TorchException">A broadcast failed or timed out.</exception>
    public static void BroadcastParameters(ProcessGroup group, IEnumerable<Tensor> tensors, int root = 0, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        var list = Materialize(tensors, nameof(tensors));
        CheckBucketBytes(bucketBytes);
        if (root < 0 || root >= group.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank in [0, {group.WorldSize})");
        foreach (var bucket in Buckets(list, bucketBytes)) group.Broadcast(bucket, root);
    }

    /// <summary><see cref="AllReduceGradients(ProcessGroup, IEnumerable{Tensor}, long, bool, double)"/> over the
    /// parameters of <paramref name="module"/>.</summary>
    public static void AllReduceGradients(ProcessGroup group, Module module, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(module);
        AllReduceGradients(group, module.Parameters(), bucketBytes);
    }

    /// <summary>
    /// Replaces the gradient of every parameter that requires one by its mean over the ranks, in
    /// place: summed in buckets, one allreduce each, divided by the world size.
    /// </summary>
    /// <remarks>
    /// Parameters that do not require a gradient are skipped (the same on every rank). A parameter
    /// without a gradient on this rank counts as zeros, as in DistributedDataParallel, and receives
    /// the mean; one without a gradient on every rank keeps none. Knowing which is which takes one
    /// small allreduce of a flag per parameter before the buckets.
    /// </remarks>
    /// <exception cref="ArgumentException">A null parameter or a non-positive bucket size.</exception>
    /// <exception cref="TorchException">An allreduce failed or timed out.</exception>
    /// <param name="group">The process group.</param>
    /// <param name="parameters">The parameters whose gradients are averaged.</param>
    /// <param name="bucketBytes">The largest bucket.</param>
    /// <param name="sameOnEveryRank">True where every rank runs the same model on the same code path (the trainer):
    /// a parameter's gradient is then present on every rank or on none, so the presence flags are not exchanged
    /// (a missing gradient still counts as zeros) and the buckets skip the size check
    /// (<see cref="ProcessGroup.AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/>): one collective per bucket
    /// instead of 2 + 2 per bucket.</param>
    /// <param name="weight">Each of this rank's gradients is first multiplied by it, in place (its share of an uneven
    /// global batch; default 1: plain mean).</param>
    public static void AllReduceGradients(ProcessGroup group, IEnumerable<Tensor> parameters, long bucketBytes = DefaultBucketBytes, bool sameOnEveryRank = false,
        double weight = 1)
    {
        ArgumentNullException.ThrowIfNull(group);
        var list = Materialize(parameters, nameof(parameters)).Where(p => p.RequiresGrad).ToArray();
        CheckBucketBytes(bucketBytes);
        if (list.Length == 0) return;
        var grads = new Tensor?[list.Length];
        try
        {
            for (int i = 0; i < list.Length; i++) grads[i] = list[i].Grad;
            if (weight != 1)
                using (Torch.NoGrad())
                    foreach (var g in grads)
                        g?.Mul_(weight);
            float[] anywhere = grads.Select(g => g is null ? 0f : 1f).ToArray();
            if (!sameOnEveryRank)
                using (var present = Tensor.From(anywhere, list.Length))
                {
                    group.AllReduce(ReduceOp.Max, present);
                    anywhere = present.ToArray<float>();
                }
            var synced = new List<Tensor>(list.Length);
            for (int i = 0; i < list.Length; i++)
            {
                if (anywhere[i] == 0f) continue;
                if (grads[i] is null)
                {
                    using (var zeros = Torch.ZerosLike(list[i])) list[i].Grad = zeros;
                    grads[i] = list[i].Grad;
                }
                synced.Add(grads[i]!);
            }
            foreach (var bucket in Buckets(synced, bucketBytes)) group.AllReduce(bucket, ReduceOp.Avg, sameOnEveryRank);
        }
        finally
        {
            foreach (var g in grads) g?.Dispose();
        }
    }

    /// <summary>Splits <paramref name="tensors"/>, in order, into runs of one dtype holding at most
    /// <paramref name="bucketBytes"/> each (a larger tensor forms a bucket of its own).</summary>
    internal static IEnumerable<List<Tensor>> Buckets(IReadOnlyList<Tensor> tensors, long bucketBytes)
    {
        var bucket = new List<Tensor>();
        long bytes = 0;
        DType dtype = default;
        foreach (var t in tensors)
        {
            long size = t.NumEl * t.DType.ElementSize();
            if (bucket.Count > 0 && (t.DType != dtype || bytes + size > bucketBytes))
            {
                yield return bucket;
                bucket = new List<Tensor>();
                bytes = 0;
            }
            bucket.Add(t);
            bytes += size;
            dtype = t.DType;
        }
        if (bucket.Count > 0) yield return bucket;
    }

    private static Tensor[] Materialize(IEnumerable<Tensor> tensors, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensors, paramName);
        var list = tensors.ToArray();
        for (int i = 0; i < list.Length; i++)
            if (list[i] is null) throw new ArgumentException($"tensor {i} is null", paramName);
        return list;
    }

    private static void CheckBucketBytes(long bucketBytes)
    {
        if (bucketBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "bucket size must be at least 1 byte");
    }
}
