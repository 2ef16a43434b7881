using System.Net;
using System.Net.Sockets;
using LatentSynth.Torch;
using LatentSynth.Torch.Distributed;

namespace LatentSynth.Training;

/// <summary>
/// The product's <see cref="IDataParallelGroup"/>: libtorch's c10d with the Gloo backend, met through a
/// <see cref="TcpStore"/> that rank 0 hosts (torch.distributed's own engine; nothing home-made). Gradients travel in
/// buckets that start while the backward pass runs (<see cref="OverlappedGradientSync"/>, the default) or, with
/// <see cref="OverlapGradients"/> false, in <see cref="GradientSync"/>'s buckets after it.
/// </summary>
public sealed class GlooGroup : IDataParallelGroup, IDisposable
{
    private readonly TcpStore store;
    private readonly ProcessGroup group;

    private GlooGroup(TcpStore store, ProcessGroup group)
    {
        this.store = store;
        this.group = group;
    }

    /// <summary>
    /// Joins the group: rank 0 listens on <paramref name="masterAddress"/>:<paramref name="masterPort"/> and every
    /// rank connects there; returns when all <paramref name="worldSize"/> ranks have joined, or throws after
    /// <paramref name="timeout"/> naming the rendezvous and the ranks expected.
    /// </summary>
    /// <exception cref="ArgumentException">An argument out of range.</exception>
    /// <exception cref="TorchException">The rendezvous failed or timed out.</exception>
    public static GlooGroup Join(int rank, int worldSize, string masterAddress, int masterPort, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(masterAddress);
        TcpStore? store = null;
        try
        {
            try { store = new TcpStore(masterAddress, masterPort, worldSize, rank == 0, timeout); }
            catch (TorchException e)
            {
                throw new TorchException($"rank {rank} of {worldSize}: rendezvous at {masterAddress}:{masterPort} (timeout {timeout.TotalSeconds:0} s)",
                    $"{(rank == 0 ? "rank 0 could not listen there" : "rank 0 did not answer there")}: {e.NativeMessage}");
            }
            var group = new ProcessGroup(store, rank, worldSize, timeout, DeviceHost(masterAddress, masterPort));
            return new GlooGroup(store, group);
        }
        catch
        {
            store?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The address this machine's Gloo transport binds to: loopback when rank 0 is on this machine's loopback,
    /// otherwise the local address of the route to rank 0's host (what the other machines can reach), found
    /// without sending anything (a UDP socket's connect only picks the route).
    /// </summary>
    internal static string? DeviceHost(string masterAddress, int masterPort)
    {
        if (IPAddress.TryParse(masterAddress, out var ip) && IPAddress.IsLoopback(ip)) return null;
        if (masterAddress.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(masterAddress, masterPort);
            return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
        }
        catch (SocketException) { return null; }
    }

    /// <summary>
    /// Whether <see cref="AverageGradientsOf"/> overlaps the gradient allreduce with the backward pass (default true;
    /// the CLI reads <c>LATENTSYNTH_GRAD_OVERLAP=0</c> to switch it off). Measured in benchmarks/results/distributed.md.
    /// </summary>
    public bool OverlapGradients { get; set; } = true;

    /// <summary>The largest bucket of the overlapped averaging (default
    /// <see cref="OverlappedGradientSync.DefaultBucketBytes"/>).</summary>
    public long BucketBytes
    {
        get => bucketBytes;
        set => bucketBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "bucket size must be at least 1 byte");
    }

    private long bucketBytes = OverlappedGradientSync.DefaultBucketBytes;

    /// <inheritdoc />
    public string GradientAveraging => OverlapGradients
        ? $"overlapped with backward, buckets of at most {BucketBytes / 1024} KiB"
        : $"after backward, buckets of at most {GradientSync.DefaultBucketBytes / 1024} KiB";

    /// <inheritdoc />
    public int Rank => group.Rank;

    /// <inheritdoc />
    public int WorldSize => group.WorldSize;

    /// <inheritdoc />
    /// <remarks>Without the size check: the trainer's per-step sums have one length on every rank (one per loss term of the one model).</remarks>
    public void AllReduceSum(IReadOnlyList<Tensor> tensors) => Collective("sum of the step's losses", () => group.AllReduce(tensors, ReduceOp.Sum, sizesAgreed: true));

    /// <inheritdoc />
    /// <remarks>Without the size check, as <see cref="AllReduceSum"/>.</remarks>
    public IPendingCollective StartAllReduceSum(IReadOnlyList<Tensor> tensors)
    {
        PendingAllReduce? started = null;
        Collective("sum of the step's losses", () => started = group.StartAllReduce(tensors, ReduceOp.Sum, sizesAgreed: true));
        return new Pending(this, started!);
    }

    /// <summary>A started sum whose failure becomes <see cref="Collective"/>'s message.</summary>
    private sealed class Pending(GlooGroup owner, PendingAllReduce work) : IPendingCollective
    {
        public void Wait() => owner.Collective("sum of the step's losses", work.Wait);

        public void Dispose() => work.Dispose();
    }

    /// <inheritdoc />
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root) =>
        Collective($"rank {root}'s parameters", () => GradientSync.BroadcastParameters(group, tensors, root));

    /// <summary>
    /// Runs a collective; a failure (a rank gone, a rank hung past the timeout) becomes one message that says what this
    /// rank was doing and what to look at, around Gloo's own.
    /// </summary>
    private void Collective(string what, Action run)
    {
        try { run(); }
        catch (TorchException e)
        {
            throw new TorchException($"data-parallel rank {Rank} of {WorldSize}, waiting for the {what}",
                $"{e.Message} (another rank stopped or stopped answering within {group.Timeout.TotalSeconds:0} s: its own output says why; this rank stops too)");
        }
    }

    /// <inheritdoc />
    public void AverageGradients(IReadOnlyList<Tensor> parameters, double weight)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // Every rank runs the same model: the gradients' presence and sizes agree (the parameters were broadcast,
        // with the size check, at the start), so each step costs one collective per bucket.
        Collective("gradients", () => GradientSync.AllReduceGradients(group, parameters, sameOnEveryRank: true, weight: weight));
    }

    /// <inheritdoc />
    /// <remarks>A model whose parameters cannot share one overlapped sync (mixed dtypes) is averaged after backward.</remarks>
    public IDisposable AverageGradientsOf(LatentSynth.Torch.Optim.Optimizer optimizer, Func<double> weight)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(weight);
        var trained = optimizer.Parameters.Where(p => p.RequiresGrad).ToArray();
        OverlappedGradientSync? sync = null;
        if (OverlapGradients && trained.Length > 0 && trained.All(p => p.DType == trained[0].DType))
        {
            sync = new OverlappedGradientSync(group, trained, BucketBytes);
            syncs.Add(sync);
        }
        if (sync is null)
        {
            optimizer.GradientHook = parameters => AverageGradients(parameters, weight());
        }
        else
        {
            optimizer.GradientsCleared = () => Collective("gradients", () => sync.Begin(weight()));
            optimizer.GradientHook = _ => Collective("gradients", sync.Finish);
        }
        return new Detach(optimizer, sync);
    }

    private readonly List<OverlappedGradientSync> syncs = [];

    /// <summary>
    /// What the overlapped gradient averaging did so far, for the end of a run: steps, buckets started while backward
    /// still ran, and steps that fell back to averaging after backward; null when no optimizer was overlapped.
    /// </summary>
    public string? GradientSummary
    {
        get
        {
            if (syncs.Count == 0) return null;
            long steps = syncs.Sum(s => s.Steps), early = syncs.Sum(s => s.BucketsStartedDuringBackward), fallback = syncs.Sum(s => s.FallbackSteps);
            long buckets = syncs.Sum(s => s.Steps * s.BucketCount);
            return $"gradients averaged over {WorldSize} ranks in {steps} optimizer step(s): {early} of {buckets} bucket allreduces started during backward" +
                   (fallback > 0 ? $", {fallback} step(s) averaged after backward instead (two backward passes in one step, or none after zero_grad)" : "");
        }
    }

    /// <summary>Undoes <see cref="AverageGradientsOf"/>: the optimizer's hooks cleared, the sync's hooks removed.</summary>
    private sealed class Detach(LatentSynth.Torch.Optim.Optimizer optimizer, OverlappedGradientSync? sync) : IDisposable
    {
        public void Dispose()
        {
            optimizer.GradientHook = null;
            optimizer.GradientsCleared = null;
            sync?.Dispose();
        }
    }

    /// <inheritdoc />
    public void Barrier() => Collective("other ranks at a barrier", group.Barrier);

    /// <summary>Leaves the group and closes the store.</summary>
    public void Dispose()
    {
        group.Dispose();
        store.Dispose();
    }
}
