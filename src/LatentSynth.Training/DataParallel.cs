using LatentSynth.Torch;

namespace LatentSynth.Training;

/// <summary>
/// The collective operations data-parallel training needs from a process group: one process (rank) per model
/// replica, each training on its share of every global batch (<see cref="LatentSynth.Data.BatchSampler"/>), the
/// gradients averaged before every optimizer step so that every replica takes the same step. The product's
/// implementation runs on libtorch's c10d engine with the Gloo backend (<c>LatentSynth.Torch.Distributed</c>);
/// every call waits at most the group's timeout and throws when a rank is gone.
/// </summary>
public interface IDataParallelGroup
{
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/> − 1; rank 0 writes the run folder.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>Replaces every tensor by its element-wise sum over the ranks (in place). Every rank passes the same
    /// shapes (the trainer's per-step sums: one per loss term of the one model).</summary>
    void AllReduceSum(IReadOnlyList<Tensor> tensors);

    /// <summary>
    /// Starts <see cref="AllReduceSum"/> and returns at once; <see cref="IPendingCollective.Wait"/> leaves the sums in
    /// <paramref name="tensors"/>, which must not be touched before. The trainer agrees each step's losses this way
    /// while the next step computes.
    /// </summary>
    IPendingCollective StartAllReduceSum(IReadOnlyList<Tensor> tensors);

    /// <summary>Replaces every tensor by rank <paramref name="root"/>'s (in place).</summary>
    void Broadcast(IReadOnlyList<Tensor> tensors, int root);

    /// <summary>
    /// Averages the gradients of <paramref name="parameters"/> over the ranks in place, each rank's first scaled by
    /// <paramref name="weight"/> (its share of the global batch: <see cref="LatentSynth.Data.BatchSampler.Share"/>); a
    /// parameter without a gradient counts as a zero gradient (it gets one).
    /// </summary>
    void AverageGradients(IReadOnlyList<Tensor> parameters, double weight);

    /// <summary>
    /// Makes every step of <paramref name="optimizer"/> average its gradients over the ranks, each rank's scaled by
    /// <paramref name="weight"/>() (read when the step starts, at the optimizer's zero_grad): the product's group
    /// overlaps the averaging with the backward pass (<c>OverlappedGradientSync</c>) or, when that is switched off,
    /// runs <see cref="AverageGradients"/> after it. Disposing the result detaches the optimizer.
    /// </summary>
    IDisposable AverageGradientsOf(LatentSynth.Torch.Optim.Optimizer optimizer, Func<double> weight);

    /// <summary>How the gradients are averaged, in words, for the run's environment.json (e.g. "overlapped with backward,
    /// buckets of at most 4 MiB").</summary>
    string GradientAveraging { get; }

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
}

/// <summary>A collective started by <see cref="IDataParallelGroup.StartAllReduceSum"/>.</summary>
public interface IPendingCollective : IDisposable
{
    /// <summary>Waits for the collective (at most the group's timeout; throws when a rank is gone). A second call does nothing.</summary>
    void Wait();
}
