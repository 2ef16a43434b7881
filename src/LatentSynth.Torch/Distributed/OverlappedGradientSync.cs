namespace LatentSynth.Torch.Distributed;

/// <summary>
/// Averages gradients over the ranks while the backward pass is still running, as PyTorch's
/// DistributedDataParallel does: a hook on each parameter's gradient accumulator copies the finished
/// gradient into its bucket, and a bucket whose gradients have all arrived starts its allreduce at once,
/// while autograd goes on with the earlier layers. <see cref="Begin"/> opens a step (before the backward
/// pass: the optimizer's zero_grad), <see cref="Finish"/> closes it (after backward, before anything reads
/// the gradients) and leaves every gradient equal to its mean over the ranks, as
/// <see cref="GradientSync.AllReduceGradients(ProcessGroup, IEnumerable{Tensor}, long, bool, double)"/> does after
/// backward.
/// </summary>
/// <remarks>
/// <para><b>Buckets</b> are filled from the last parameter backwards (backward meets the last layers first)
/// and start strictly in that order on every rank, so the ranks issue the same collectives in the same order.
/// Every rank must build the sync over the same parameters and run the same model on the same code path
/// (the trainer does): the sizes are not probed per bucket.</para>
/// <para><b>When it falls back.</b> A gradient that arrives twice in one step (two backward passes before one
/// step) cannot be sent early: the step's buckets are drained and <see cref="Finish"/> averages the final
/// gradients after backward instead. So does a <see cref="Finish"/> without <see cref="Begin"/>. Both are
/// correct, only not overlapped; <see cref="FallbackSteps"/> counts them. A parameter without a gradient in
/// a step counts as zeros and keeps none; gradients reached by another backward pass while no step is open
/// (another optimizer's) are not touched.</para>
/// <para><b>Cost.</b> Buckets are preallocated (one flat buffer each, the size of their parameters); each
/// gradient is copied into its bucket and the mean back into the gradient: two copies of the model's size
/// per step, the same as the after-backward path.</para>
/// </remarks>
public sealed class OverlappedGradientSync : IDisposable
{
    private readonly ProcessGroup group;
    private readonly Tensor[] parameters;
    private readonly long bucketBytes;
    private readonly ReducerHandle handle;

    /// <summary>
    /// Hooks <paramref name="parameters"/> (leaf tensors that require a gradient, CPU, one floating-point dtype)
    /// into <paramref name="group"/>, in buckets of at most <paramref name="bucketBytes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No parameters, a null one, one that does not require a gradient, is
    /// not a leaf or is not floating point, mixed dtypes, or a non-positive bucket size.</exception>
    public unsafe OverlappedGradientSync(ProcessGroup group, IEnumerable<Tensor> parameters, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        if (list.Length == 0) throw new ArgumentException("at least one parameter is required", nameof(parameters));
        for (int i = 0; i < list.Length; i++)
            if (list[i] is null) throw new ArgumentException($"parameter {i} is null", nameof(parameters));
        if (bucketBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "bucket size must be at least 1 byte");
        var pg = group.Handle;
        var created = NativeMethods.WithHandles(list, raw =>
        {
            fixed (IntPtr* p = raw) return NativeMethods.lst_reducer_new(pg, p, raw.Length, bucketBytes);
        });
        if (created.IsInvalid)
        {
            created.SetHandleAsInvalid();
            var error = TorchException.FromLastError("gradient sync");
            throw new ArgumentException(error.NativeMessage, nameof(parameters));
        }
        handle = created;
        this.group = group;
        this.parameters = list;
        this.bucketBytes = bucketBytes;
        BucketCount = (int)NativeMethods.lst_reducer_bucket_count(handle);
    }

    /// <summary>
    /// The default bucket size, 4 MiB, as <see cref="GradientSync.DefaultBucketBytes"/>. Measured with 2 ranks on a
    /// 2-core machine (train --nproc 2, Fashion-MNIST VAEs; benchmarks/results/distributed.md): every collective has
    /// a fixed cost of 0.6-2.7 ms there, so smaller buckets lose more than the overlap wins. The MLP VAE (2.6 MB of
    /// gradients) took 7.2 s per epoch in 1 MiB buckets (4 per step) against 6.0 s averaging after backward and 6.3 s
    /// in 4 MiB buckets (one per step: no overlap to win, nothing lost); the conv VAE, whose two 5 MB layers each
    /// travel alone, so the decoder's starts while the encoder's convolutions are still to be differentiated, was
    /// 0.92x (0.82-1.17x) the whole-process time of averaging after backward in 4 MiB buckets.
    /// </summary>
    public const long DefaultBucketBytes = GradientSync.DefaultBucketBytes;

    /// <summary>The number of buckets the parameters were split into.</summary>
    public int BucketCount { get; }

    /// <summary>Steps closed by <see cref="Finish"/> so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Of <see cref="Steps"/>, those averaged after backward instead (see the remarks).</summary>
    public long FallbackSteps { get; private set; }

    /// <summary>Buckets whose allreduce started during a backward pass, summed over <see cref="Steps"/>: how much
    /// of the communication was overlapped (the rest starts in <see cref="Finish"/>).</summary>
    public long BucketsStartedDuringBackward { get; private set; }

    private ReducerHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle;
        }
    }

    /// <summary>
    /// Opens a step: the gradients the next backward pass produces are averaged as they arrive, each first
    /// scaled by <paramref name="weight"/> (this rank's share of the global batch; 1 for equal shares).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is not finite.</exception>
    public void Begin(double weight = 1)
    {
        if (!double.IsFinite(weight)) throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be finite");
        NativeMethods.Check(NativeMethods.lst_reducer_arm(Handle, weight), group.Describe("allreduce of the gradient buckets: start of a step"));
        openWeight = weight;
    }

    private double openWeight = 1;

    /// <summary>
    /// Closes the step: waits for the buckets and replaces every gradient of this step by its (weighted) mean
    /// over the ranks. Falls back to averaging after backward when the step could not be overlapped (see the
    /// remarks), with the weight of the last <see cref="Begin"/> (1 before any).
    /// </summary>
    /// <exception cref="TorchException">A collective failed or timed out (another rank stopped).</exception>
    public void Finish()
    {
        int rc = NativeMethods.lst_reducer_finish(Handle, out long launched);
        NativeMethods.Check(rc, group.Describe("allreduce of the gradient buckets"));
        Steps++;
        BucketsStartedDuringBackward += launched;
        if (rc == 0) return;
        FallbackSteps++;
        GradientSync.AllReduceGradients(group, parameters, bucketBytes, sameOnEveryRank: true, weight: openWeight);
    }

    /// <summary>Removes the hooks (waiting for a bucket still in flight) and frees the buckets.</summary>
    public void Dispose() => handle.Dispose();
}
