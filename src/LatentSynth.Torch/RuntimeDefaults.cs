namespace LatentSynth.Torch;

/// <summary>
/// Process-wide defaults applied once at start-up by programs built on LatentSynth: thread
/// counts chosen from measurements on the project's 2-core machines, and a loud warning when the
/// slow reference BLAS is active. See benchmarks/README.md for the figures behind the defaults.
/// </summary>
public static class RuntimeDefaults
{
    /// <summary>Environment variable overriding the intra-op thread count.</summary>
    public const string ThreadsVariable = "LATENTSYNTH_THREADS";

    /// <summary>
    /// Default intra-op thread count before a workload is known: that of the <see cref="Workload.Dense"/> plan
    /// (<see cref="ThreadPlans"/>); the trainer then applies the plan of the model it trains.
    /// </summary>
    public const int DefaultThreads = 1;

    /// <summary>Default OpenBLAS thread count before a workload is known: the <see cref="Workload.Dense"/> plan's (one per logical CPU).</summary>
    public static int DefaultBlasThreads => ThreadPlans.Default(Workload.Dense, ThreadPlans.CoresPerWorker()).BlasThreads;

    /// <summary>
    /// glibc mmap threshold applied at start-up (64 MiB): tensors below it are served from the
    /// heap and reused, instead of being mapped and faulted in afresh every training step.
    /// </summary>
    public const long AllocatorMmapThreshold = 64L << 20;

    /// <summary>glibc trim threshold applied at start-up (256 MiB of free heap kept before returning memory).</summary>
    public const long AllocatorTrimThreshold = 256L << 20;

    private static int applied;

    /// <summary>
    /// Tunes the C allocator for tensor workloads (see <see cref="AllocatorMmapThreshold"/>). On the
    /// reference VAE epoch this cut our time by about 40% (benchmarks/README.md, "Allocator").
    /// Safe to call more than once.
    /// </summary>
    public static void TuneAllocator() =>
        NativeMethods.Check(NativeMethods.lst_runtime_tune_allocator(AllocatorMmapThreshold, AllocatorTrimThreshold), "tune_allocator");

    /// <summary>
    /// Applies the defaults once per process (later calls do nothing): the allocator tuning and the
    /// <see cref="Workload.Dense"/> thread plan (<see cref="ThreadPlans.Apply"/>, environment overrides
    /// included); reports problems through <paramref name="warn"/>: the reference BLAS, or an unusable thread override.
    /// <paramref name="tuneAllocator"/> false keeps glibc's allocator settings (for comparisons).
    /// </summary>
    public static void Apply(Action<string>? warn = null, bool tuneAllocator = true)
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        if (tuneAllocator) TuneAllocator();
        // The start-up default is not measured (the trainer measures when it plans its model's threads).
        ThreadPlans.Apply(Workload.Dense, warn: warn, busyCores: 0);
        var blas = Torch.Blas;
        if (blas.IsReference)
            warn?.Invoke("libtorch is using the reference BLAS (" + string.Join(", ", blas.Libraries) +
                         "): matrix products run about 13x slower. Install OpenBLAS: apt-get install libopenblas0-pthread");
    }
}
