namespace LatentSynth.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The sum over the ranks.</summary>
    Sum = 0,

    /// <summary>The mean over the ranks: Gloo (libtorch 1.13) has no average, so the group sums and
    /// divides by the world size. Floating-point tensors only.</summary>
    Avg = 1,

    /// <summary>The product over the ranks.</summary>
    Product = 2,

    /// <summary>The smallest value over the ranks.</summary>
    Min = 3,

    /// <summary>The largest value over the ranks.</summary>
    Max = 4,
}

/// <summary>
/// A group of ranks running collectives on CPU tensors: libtorch's c10d <c>ProcessGroupGloo</c>.
/// Every rank builds one over a <see cref="TcpStore"/> (the constructor returns once all ranks have
/// joined), then all ranks call the same collectives in the same order with tensors of the same
/// shapes and dtype. Each call blocks until the collective finished on this rank or
/// <see cref="Timeout"/> passed.
/// </summary>
/// <remarks>
/// <para>Before moving data, <see cref="AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/> and
/// <see cref="Broadcast"/> run a 32-byte allreduce that checks every rank passed the same number of
/// elements and the same dtype: Gloo itself would end the process on a length mismatch (it fails
/// on a thread of its own). A mismatch raises <see cref="TorchException"/> on every rank and leaves
/// the group usable. The probe costs one small extra collective per call.</para>
/// <para>Other failures (a rank that does not join or does not take part in time, a peer process that died)
/// raise <see cref="TorchException"/> naming the operation, the rank and the timeout; the process
/// survives. A group whose collective failed that way may hold broken connections: dispose it and build a
/// new one. One group is not meant to be driven from several threads at once (the order of
/// collectives must match across ranks); several ranks in one process, each with its own group on
/// its own thread, are fine.</para>
/// </remarks>
public sealed class ProcessGroup : IDisposable
{
    private readonly ProcessGroupHandle handle;
    private readonly long timeoutMs;

    /// <summary>
    /// Joins the group as <paramref name="rank"/> of <paramref name="worldSize"/>, meeting the other
    /// ranks through <paramref name="store"/>. Blocks until every rank has joined, at most
    /// <paramref name="timeout"/>, which also bounds every later collective.
    /// </summary>
    /// <param name="store">The rendezvous store (its master may be on any rank).</param>
    /// <param name="rank">This process's rank, in [0, <paramref name="worldSize"/>).</param>
    /// <param name="worldSize">The number of ranks (at least 1).</param>
    /// <param name="timeout">The limit for joining and for each collective.</param>
    /// <param name="deviceHost">The address Gloo's TCP transport binds to and tells the other ranks:
    /// null for the loopback address 127.0.0.1 (all ranks on this machine), or this machine's address
    /// that the other ranks can reach. An explicit address is used rather than the resolution of the
    /// machine's hostname, which fails on machines whose hostname does not resolve.</param>
    /// <exception cref="ArgumentException">An argument is out of range (checked before any native call).</exception>
    /// <exception cref="TorchException">The ranks did not all join within <paramref name="timeout"/>.</exception>
    public ProcessGroup(TcpStore store, int rank, int worldSize, TimeSpan timeout, string? deviceHost = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (worldSize < 1)
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
        if (rank < 0 || rank >= worldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize})");
        if (deviceHost is not null && string.IsNullOrWhiteSpace(deviceHost))
            throw new ArgumentException("deviceHost is blank: pass null for loopback or an address", nameof(deviceHost));
        timeoutMs = DistributedArgs.TimeoutMs(timeout, nameof(timeout));
        var created = NativeMethods.lst_pg_gloo_new(store.Handle, rank, worldSize, timeoutMs, deviceHost);
        if (created.IsInvalid)
        {
            created.SetHandleAsInvalid();
            throw TorchException.FromLastError($"ProcessGroupGloo join (rank {rank} of {worldSize}, timeout {timeoutMs} ms)");
        }
        handle = created;
        Rank = rank;
        WorldSize = worldSize;
        Timeout = timeout;
    }

    /// <summary>This process's rank in the group, in [0, <see cref="WorldSize"/>).</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>The limit for each collective.</summary>
    public TimeSpan Timeout { get; }

    internal ProcessGroupHandle Handle => DistributedArgs.Open(handle, this);

    /// <summary>
    /// Reduces <paramref name="tensors"/> element by element across the ranks, in place: afterwards
    /// every rank holds the same result. The tensors must be CPU tensors of one dtype; several
    /// travel as one flat buffer (one collective). Autograd does not record the change.
    /// </summary>
    /// <remarks>
    /// Before the collective a 32-byte allreduce checks that every rank passes the same number of elements and
    /// dtype (Gloo would otherwise end the process on a mismatch). <paramref name="sizesAgreed"/> true skips it: pass
    /// it only where every rank is known to pass the same sizes (the gradients of one model whose parameters were
    /// broadcast, hence checked, at the start); it halves the fixed cost of the call.
    /// </remarks>
    /// <exception cref="ArgumentException">No tensors, a null one, mixed dtypes, or
    /// <see cref="ReduceOp.Avg"/> on integers.</exception>
    /// <exception cref="TorchException">The collective failed or timed out.</exception>
    public unsafe void AllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum, bool sizesAgreed = false)
    {
        int code = AllReduceCode(tensors, op, sizesAgreed);
        Run(tensors, $"allreduce {op}", (pg, p, n) => NativeMethods.lst_pg_allreduce(pg, p, n, code));
    }

    /// <summary>
    /// Starts <see cref="AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/> and returns at once: the collective runs on
    /// Gloo's threads while the caller goes on, and <see cref="PendingAllReduce.Wait"/> leaves the result in
    /// <paramref name="tensors"/>. Until then the tensors belong to Gloo: neither read nor write them. Every rank must
    /// start its collectives in the same order (started and blocking ones alike).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/>.</exception>
    /// <exception cref="TorchException">The size check failed (the collective itself fails in
    /// <see cref="PendingAllReduce.Wait"/>).</exception>
    public unsafe PendingAllReduce StartAllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum, bool sizesAgreed = false)
    {
        int code = AllReduceCode(tensors, op, sizesAgreed);
        var pg = Handle;
        var work = NativeMethods.WithHandles(tensors, raw =>
        {
            fixed (IntPtr* p = raw) return NativeMethods.lst_pg_allreduce_start(pg, p, raw.Length, code);
        });
        if (work.IsInvalid)
        {
            work.SetHandleAsInvalid();
            throw TorchException.FromLastError(Describe($"allreduce {op}"));
        }
        return new PendingAllReduce(work, Describe($"allreduce {op}"));
    }

    /// <summary>
    /// <see cref="AllReduce(IReadOnlyList{Tensor}, ReduceOp, bool)"/> for tensors listed as arguments.
    /// </summary>
    public void AllReduce(ReduceOp op, params Tensor[] tensors) => AllReduce((IReadOnlyList<Tensor>)tensors, op);

    /// <summary>
    /// Copies <paramref name="tensors"/> of rank <paramref name="root"/> into the same tensors of every
    /// other rank, in place (CPU tensors of one dtype, one collective).
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, a null one, mixed dtypes, or a root outside
    /// [0, <see cref="WorldSize"/>).</exception>
    /// <exception cref="TorchException">The collective failed or timed out.</exception>
    public unsafe void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        if (root < 0 || root >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank in [0, {WorldSize})");
        CheckTensors(tensors);
        Run(tensors, $"broadcast from rank {root}", (pg, p, n) => NativeMethods.lst_pg_broadcast(pg, p, n, root));
    }

    /// <summary>Returns once every rank has called <see cref="Barrier"/> (or throws
    /// <see cref="TorchException"/> after <see cref="Timeout"/>).</summary>
    public void Barrier() => NativeMethods.Check(NativeMethods.lst_pg_barrier(Handle), Describe("barrier"));

    /// <summary>Leaves the group; waits for Gloo's worker threads (at most <see cref="Timeout"/>
    /// when a collective is still in flight).</summary>
    public void Dispose() => handle.Dispose();

    private unsafe delegate int Collective(ProcessGroupHandle pg, IntPtr* tensors, long n);

    private unsafe void Run(IReadOnlyList<Tensor> tensors, string operation, Collective call)
    {
        var pg = Handle;
        NativeMethods.WithHandles(tensors, raw =>
        {
            fixed (IntPtr* p = raw) NativeMethods.Check(call(pg, p, raw.Length), Describe(operation));
            return 0;
        });
    }

    internal string Describe(string operation) => $"{operation} (rank {Rank} of {WorldSize}, timeout {timeoutMs} ms)";

    /// <summary>Checks an allreduce's arguments and returns the shim's op code (bit 8: sizes agreed).</summary>
    private static int AllReduceCode(IReadOnlyList<Tensor> tensors, ReduceOp op, bool sizesAgreed)
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "unknown reduce op");
        var dtype = CheckTensors(tensors);
        if (op == ReduceOp.Avg && !dtype.IsFloatingPoint())
            throw new ArgumentException($"ReduceOp.Avg needs floating-point tensors, got {dtype.TorchName()}: use Sum and divide", nameof(op));
        return (int)op | (sizesAgreed ? 0x100 : 0);
    }

    private static DType CheckTensors(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("at least one tensor is required", nameof(tensors));
        DType? first = null;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i] is null) throw new ArgumentException($"tensor {i} is null", nameof(tensors));
            var dtype = tensors[i].DType;
            first ??= dtype;
            if (dtype != first)
                throw new ArgumentException(
                    $"tensor {i} is {dtype.TorchName()} but tensor 0 is {first.Value.TorchName()}: one collective moves one dtype", nameof(tensors));
        }
        return first!.Value;
    }
}

/// <summary>An allreduce started by <see cref="ProcessGroup.StartAllReduce"/> and not yet waited for.</summary>
public sealed class PendingAllReduce : IDisposable
{
    private readonly WorkHandle handle;
    private readonly string operation;

    internal PendingAllReduce(WorkHandle handle, string operation)
    {
        this.handle = handle;
        this.operation = operation;
    }

    /// <summary>Waits for the collective (at most the group's timeout) and leaves its result in the tensors it was
    /// started on. A second call does nothing.</summary>
    /// <exception cref="TorchException">The collective failed or timed out.</exception>
    public void Wait()
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        NativeMethods.Check(NativeMethods.lst_work_wait(handle), operation);
    }

    /// <summary>Releases the collective; one not waited for is waited for first (its failure is dropped, and the
    /// tensors' contents are then unspecified: an average is not divided).</summary>
    public void Dispose() => handle.Dispose();
}
