using System.Diagnostics;
using LatentSynth.Torch.Distributed;
using LatentSynth.Torch.NN;
using Xunit.Abstractions;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// c10d bindings with two ranks in one test process: each rank runs on its own thread with its own
/// TCPStore client and its own ProcessGroupGloo on loopback (Gloo allows several ranks per process).
/// Every wait is bounded: the groups' timeout, and a 20 s limit on the threads themselves.
/// </summary>
public class DistributedTests(ITestOutputHelper output)
{
    private const string Loopback = "127.0.0.1";
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ThreadLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs <paramref name="body"/> as rank 0 and rank 1 of a fresh two-rank group (store master on
    /// a free port picked by the system) and returns what each rank returned.
    /// </summary>
    private static T[] OnTwoRanks<T>(Func<ProcessGroup, T> body, TimeSpan? timeout = null)
    {
        var limit = timeout ?? GroupTimeout;
        using var master = new TcpStore(Loopback, 0, 2, isMaster: true, limit);
        Assert.InRange(master.Port, 1, 65535);
        return OnThreads(2, rank =>
        {
            using var client = rank == 0 ? null : new TcpStore(Loopback, master.Port, 2, isMaster: false, limit);
            using var group = new ProcessGroup(client ?? master, rank, 2, limit);
            return body(group);
        });
    }

    /// <summary>Runs <paramref name="body"/>(rank) on <paramref name="count"/> dedicated threads;
    /// fails (never hangs) when they do not all finish within <see cref="ThreadLimit"/>.</summary>
    private static T[] OnThreads<T>(int count, Func<int, T> body)
    {
        var results = new T[count];
        var tasks = Enumerable.Range(0, count)
            .Select(rank => Task.Factory.StartNew(() => results[rank] = body(rank), TaskCreationOptions.LongRunning))
            .ToArray();
        Assert.True(Task.WaitAll(tasks, ThreadLimit), $"the ranks did not finish within {ThreadLimit.TotalSeconds} s");
        return results;
    }

    [Fact]
    public void AllReduceSumAndAverageAreExactOnEveryRank()
    {
        var results = OnTwoRanks(group =>
        {
            float r = group.Rank + 1;   // rank 0 holds 1, 2, 0.5; rank 1 holds 2, 4, 1
            using var sum = Tensor.From([r, 2 * r, 0.5f * r], 3);
            using var avg = Tensor.From([r, 2 * r, 0.5f * r], 3);
            group.AllReduce(ReduceOp.Sum, sum);
            group.AllReduce(ReduceOp.Avg, avg);
            // Several tensors of different shapes in one call (one flat buffer), one of them a
            // non-contiguous view: each is reduced element by element and written back in place.
            using var matrix = Tensor.From([r, r, r, r, r, r], 2, 3);
            using var t = matrix.Transpose(0, 1);
            using var vector = Tensor.From([10 * r, -r], 2);
            group.AllReduce([t, vector], ReduceOp.Max);
            using var ints = Tensor.From([(long)group.Rank + 3], 1);
            group.AllReduce(ReduceOp.Product, ints);
            return (sum: sum.ToArray<float>(), avg: avg.ToArray<float>(), t: t.Contiguous().ToArray<float>(),
                vector: vector.ToArray<float>(), ints: ints.ToArray<long>());
        });
        foreach (var r in results)
        {
            Assert.Equal([3f, 6f, 1.5f], r.sum);
            Assert.Equal([1.5f, 3f, 0.75f], r.avg);
            Assert.Equal(Enumerable.Repeat(2f, 6), r.t);
            Assert.Equal([20f, -1f], r.vector);
            Assert.Equal([12L], r.ints);
        }
    }

    [Fact]
    public void BroadcastCopiesTheRootsTensorsToEveryRank()
    {
        var results = OnTwoRanks(group =>
        {
            float r = group.Rank;
            using var a = Tensor.From([r, r + 0.25f, r - 7f], 3);
            using var b = Tensor.From([100f * r + 1f, 100f * r + 2f, 100f * r + 3f, 100f * r + 4f], 2, 2);
            group.Broadcast([a, b], root: 1);
            return (a: a.ToArray<float>(), b: b.ToArray<float>());
        });
        foreach (var r in results)
        {
            Assert.Equal([1f, 1.25f, -6f], r.a);
            Assert.Equal([101f, 102f, 103f, 104f], r.b);
        }
    }

    [Fact]
    public void BarrierHoldsEachRankUntilTheOtherArrives()
    {
        int rank1Arrived = 0;
        var seenByRank0 = OnTwoRanks(group =>
        {
            if (group.Rank == 1)
            {
                // Without the barrier rank 0 would read 0: it runs on while rank 1 still sleeps.
                Thread.Sleep(300);
                Volatile.Write(ref rank1Arrived, 1);
            }
            group.Barrier();
            return Volatile.Read(ref rank1Arrived);
        });
        Assert.Equal([1, 1], seenByRank0);
    }

    [Fact]
    public void AllReduceGradientsGivesEveryRankTheMeanOfTheRanksGradients()
    {
        // A module (weight 3x4, bias 3) plus two free parameters: "sometimes", used by rank 0 only
        // (rank 1 has no gradient for it), and "never", used by no rank (keeps no gradient).
        // A bucket of 40 bytes forces several buckets; the default takes everything in one.
        foreach (long bucketBytes in new[] { 40L, GradientSync.DefaultBucketBytes })
        {
            var results = OnTwoRanks(group =>
            {
                using var layer = new Linear(4, 3, generator: new Generator(7));
                using var sometimes = new Parameter(Torch.Ones([5]));
                using var never = new Parameter(Torch.Ones([2]));
                using var frozen = new Parameter(Torch.Ones([2]), requiresGrad: false);
                var parameters = layer.Parameters().Append(sometimes).Append(never).Append(frozen).ToList();
                using (var scope = Torch.NewScope())
                {
                    var x = Torch.Randn([6, 4], generator: new Generator(100 + (ulong)group.Rank));
                    var loss = F.MseLoss(layer.Call(x), Torch.Zeros([6, 3]));
                    if (group.Rank == 0) loss = loss + (sometimes * sometimes).Sum();
                    loss.Backward();
                }
                var before = parameters.Select(GradValues).ToArray();
                GradientSync.AllReduceGradients(group, parameters, bucketBytes);
                var after = parameters.Select(GradValues).ToArray();
                return (before, after);
            });
            var (before0, before1) = (results[0].before, results[1].before);
            for (int p = 0; p < 3; p++)   // weight, bias, sometimes
            {
                var a = before0[p]!;
                var b = before1[p] ?? new float[a.Length];   // "sometimes" on rank 1: no gradient, counts as zeros
                // Exact: Gloo's sum of two float32 values is one correctly rounded addition, the
                // same as a + b here, and halving is exact; so the tolerance is zero.
                var mean = a.Zip(b, (x, y) => (x + y) / 2f).ToArray();
                Assert.Equal(mean, results[0].after[p]);
                Assert.Equal(mean, results[1].after[p]);
            }
            Assert.Null(before1[2]);
            foreach (var r in results)
            {
                Assert.Null(r.after[3]);   // unused everywhere: still no gradient
                Assert.Null(r.after[4]);   // frozen: skipped
            }
        }

        static float[]? GradValues(Tensor p)
        {
            using var g = p.Grad;
            return g?.ToArray<float>();
        }
    }

    [Fact]
    public void AStartedAllReduceRunsWhileTheCallerWorksAndWaitLeavesTheSum()
    {
        var results = OnTwoRanks(group =>
        {
            using var t = Tensor.From(Enumerable.Repeat(group.Rank + 1.0, 4).ToArray(), 4);
            using (var pending = group.StartAllReduce([t], ReduceOp.Sum, sizesAgreed: true))
            {
                using (var scope = Torch.NewScope()) Torch.Randn([64, 64]).Matmul(Torch.Randn([64, 64]));   // the caller goes on
                pending.Wait();
                pending.Wait();   // a second wait does nothing
            }
            var sum = t.ToArray<double>();
            // Disposed without a wait: it is waited for (its result unspecified), and the group stays usable.
            using var u = Torch.Ones([2]);
            group.StartAllReduce([u]).Dispose();
            u.Fill_(1);
            group.AllReduce(ReduceOp.Sum, u);
            var afterwards = u.ToArray<float>();
            var started = group.StartAllReduce([u], ReduceOp.Avg);
            started.Dispose();
            Assert.Throws<ObjectDisposedException>(started.Wait);
            return (sum, afterwards);
        });
        foreach (var r in results)
        {
            Assert.Equal([3.0, 3.0, 3.0, 3.0], r.sum);
            Assert.Equal([2f, 2f], r.afterwards);
        }
    }

    // ---- averaging overlapped with backward ----

    /// <summary>A two-layer net and an unused parameter, the same on both ranks (seeded), and a loss on rank-specific data.</summary>
    private sealed class TwoLayers : IDisposable
    {
        public readonly Linear First = new(6, 16, generator: new Generator(11));
        public readonly Linear Second = new(16, 5, generator: new Generator(12));
        public readonly Parameter Unused = new(Torch.Ones([3]));
        // The unused parameter comes first: its bucket, which never completes during backward, is the last to start.
        public List<Tensor> Parameters => new Tensor[] { Unused }.Concat(First.Parameters()).Concat(Second.Parameters()).ToList();

        public void Backward(int rank, int draw)
        {
            using var scope = Torch.NewScope();
            var x = Torch.Randn([8, 6], generator: new Generator(1000 + (ulong)(10 * rank + draw)));
            F.MseLoss(Second.Call(F.Relu(First.Call(x))), Torch.Zeros([8, 5])).Backward();
        }

        public void ZeroGrad()
        {
            foreach (var p in Parameters) p.ZeroGrad();
        }

        public float[]?[] Grads() => Parameters.Select(p =>
        {
            using var g = p.Grad;
            return g?.ToArray<float>();
        }).ToArray();

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
            Unused.Dispose();
        }
    }

    [Fact]
    public void OverlappedSyncStartsBucketsDuringBackwardAndGivesTheWeightedMean()
    {
        // 128-byte buckets, filled from the last parameter backwards: [second bias 20 B], [second weight 320 B],
        // [first bias 64 B], [first weight 384 B], [unused 12 B]. Rank 0 weighs 0.25, rank 1 0.75 (shares of an uneven global batch).
        var results = OnTwoRanks(group =>
        {
            using var net = new TwoLayers();
            net.Backward(group.Rank, 0);
            var local = net.Grads();   // not armed: the hooks did nothing
            net.ZeroGrad();
            using var sync = new OverlappedGradientSync(group, net.Parameters, bucketBytes: 128);
            double weight = group.Rank == 0 ? 0.25 : 0.75;
            sync.Begin(weight);
            net.Backward(group.Rank, 0);
            sync.Finish();
            return (local, after: net.Grads(), sync.BucketCount, sync.Steps, sync.FallbackSteps, sync.BucketsStartedDuringBackward);
        });
        for (int p = 1; p < 5; p++)
        {
            var a = results[0].local[p]!;
            var b = results[1].local[p]!;
            // Exact: 0.25 and 0.75 scale a float32 with one rounding each (at::mul in float, as here), Gloo's sum of two
            // values is one correctly rounded addition, and halving is exact; so the tolerance is zero.
            var mean = a.Zip(b, (x, y) => (x * 0.25f + y * 0.75f) / 2f).ToArray();
            Assert.Equal(mean, results[0].after[p]);
            Assert.Equal(mean, results[1].after[p]);
        }
        foreach (var r in results)
        {
            Assert.Null(r.local[0]);
            Assert.Null(r.after[0]);   // unused on every rank: still no gradient
            Assert.Equal(5, r.BucketCount);
            Assert.Equal(1, r.Steps);
            Assert.Equal(0, r.FallbackSteps);
            // The four buckets of the two layers start as their gradients arrive; the unused parameter's starts in Finish.
            Assert.Equal(4, r.BucketsStartedDuringBackward);
        }
        output.WriteLine($"buckets {results[0].BucketCount}, started during backward: {results[0].BucketsStartedDuringBackward}");
    }

    [Fact]
    public void TwoBackwardPassesInOneStepFallBackToAveragingAfterBackward()
    {
        var results = OnTwoRanks(group =>
        {
            using var net = new TwoLayers();
            net.Backward(group.Rank, 0);
            net.Backward(group.Rank, 1);
            var local = net.Grads();
            net.ZeroGrad();
            using var sync = new OverlappedGradientSync(group, net.Parameters, bucketBytes: 128);
            sync.Begin();
            net.Backward(group.Rank, 0);
            net.Backward(group.Rank, 1);   // gradient accumulation: the buckets sent during the first pass are stale
            sync.Finish();
            var twice = net.Grads();
            // Finish without Begin (no zero_grad): averaged after backward as well.
            net.ZeroGrad();
            net.Backward(group.Rank, 0);
            var single = net.Grads();
            sync.Finish();
            return (local, twice, single, afterSingle: net.Grads(), sync.Steps, sync.FallbackSteps);
        });
        for (int p = 1; p < 5; p++)
        {
            var mean = results[0].local[p]!.Zip(results[1].local[p]!, (x, y) => (x + y) / 2f).ToArray();
            Assert.Equal(mean, results[0].twice[p]);
            Assert.Equal(mean, results[1].twice[p]);
            var singleMean = results[0].single[p]!.Zip(results[1].single[p]!, (x, y) => (x + y) / 2f).ToArray();
            Assert.Equal(singleMean, results[0].afterSingle[p]);
            Assert.Equal(singleMean, results[1].afterSingle[p]);
        }
        foreach (var r in results)
        {
            Assert.Equal(2, r.Steps);
            Assert.Equal(2, r.FallbackSteps);
        }
    }

    [Fact]
    public void ADisposedSyncLeavesBackwardAloneAndBadArgumentsAreRefused()
    {
        var t = TimeSpan.FromSeconds(2);
        using var store = new TcpStore(Loopback, 0, 1, isMaster: true, t);
        using var group = new ProcessGroup(store, 0, 1, t);
        using var net = new TwoLayers();
        var sync = new OverlappedGradientSync(group, net.Parameters);
        Assert.Equal(1, sync.BucketCount);   // 4 MiB hold the whole net
        sync.Begin(0.5);
        net.Backward(0, 0);
        sync.Finish();
        var halved = net.Grads();
        sync.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sync.Begin());
        net.ZeroGrad();
        net.Backward(0, 0);
        var plain = net.Grads();
        for (int p = 1; p < 5; p++)
            Assert.Equal(plain[p]!.Select(v => v * 0.5f).ToArray(), halved[p]);   // world size 1: the mean is the weighted gradient

        using var frozen = new Parameter(Torch.Ones([2]), requiresGrad: false);
        using var doubles = new Parameter(Torch.Ones([2], DType.Float64));
        Assert.Equal("parameters", Assert.ThrowsAny<ArgumentException>(() => new OverlappedGradientSync(group, [])).ParamName);
        Assert.Contains("parameter 0 does not require a gradient",
            Assert.ThrowsAny<ArgumentException>(() => new OverlappedGradientSync(group, [frozen])).Message);
        Assert.Contains("parameter 1 has dtype Double",
            Assert.ThrowsAny<ArgumentException>(() => new OverlappedGradientSync(group, [net.Unused, doubles])).Message);
        using (var scope = Torch.NewScope())
            Assert.Contains("parameter 0 is not a leaf",
                Assert.ThrowsAny<ArgumentException>(() => new OverlappedGradientSync(group, [net.Unused * 2])).Message);
        Assert.Equal("bucketBytes", Assert.ThrowsAny<ArgumentException>(() => new OverlappedGradientSync(group, net.Parameters, 0)).ParamName);
        using var live = new OverlappedGradientSync(group, net.Parameters);
        Assert.Equal("weight", Assert.ThrowsAny<ArgumentException>(() => live.Begin(double.NaN)).ParamName);
    }

    [Fact]
    public void BroadcastParametersMakesRank1sWeightsEqualRank0s()
    {
        var results = OnTwoRanks(group =>
        {
            // Different initialisations per rank (seeds 1 and 2), and the bias made different too.
            using var layer = new Linear(8, 5, generator: new Generator(1 + (ulong)group.Rank));
            var before = layer.Parameters().Select(p => p.ToArray<float>()).ToArray();
            GradientSync.BroadcastParameters(group, layer, root: 0, bucketBytes: 64);
            var after = layer.Parameters().Select(p => p.ToArray<float>()).ToArray();
            Assert.True(layer.Weight.RequiresGrad);
            return (before, after);
        });
        Assert.NotEqual(results[0].before[0], results[1].before[0]);
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(results[0].before[p], results[0].after[p]);
            Assert.Equal(results[0].before[p], results[1].after[p]);
        }
    }

    [Fact]
    public void ARankThatNeverJoinsMakesTheOtherFailWithinTheTimeout()
    {
        var timeout = TimeSpan.FromSeconds(2);
        using var master = new TcpStore(Loopback, 0, 2, isMaster: true, timeout);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<TorchException>(() => new ProcessGroup(master, 0, 2, timeout));
        clock.Stop();
        output.WriteLine($"join failed after {clock.Elapsed.TotalSeconds:0.00} s: {error.Message}");
        Assert.Contains("rank 0 of 2", error.Message);
        Assert.Contains("2000 ms", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ARankThatJoinsButNeverTakesPartMakesTheOthersAllReduceFail()
    {
        var timeout = TimeSpan.FromSeconds(2);
        using var done = new ManualResetEventSlim();
        var errors = OnTwoRanks(group =>
        {
            if (group.Rank == 1)
            {
                done.Wait(ThreadLimit);   // joined, but calls no collective until rank 0 gave up
                return null;
            }
            try
            {
                return FailingAllReduce(group);
            }
            finally
            {
                done.Set();
            }
        }, timeout);
        AssertRank0FailedPromptly(errors, "allreduce Sum (rank 0 of 2, timeout 2000 ms)");
    }

    [Fact]
    public void APeerThatLeftMakesTheOthersAllReduceFailAndTheProcessSurvives()
    {
        using var left = new ManualResetEventSlim();
        var errors = OnTwoRanks(group =>
        {
            if (group.Rank == 1)
            {
                group.Dispose();   // closes its Gloo connections, as a process that exits would
                left.Set();
                return null;
            }
            Assert.True(left.Wait(ThreadLimit));
            return FailingAllReduce(group);
        });
        AssertRank0FailedPromptly(errors, "allreduce Sum (rank 0 of 2, timeout 5000 ms)");
    }

    /// <summary>An allreduce expected to fail: the exception and how long the call took.</summary>
    private static (TorchException Error, TimeSpan Elapsed)? FailingAllReduce(ProcessGroup group)
    {
        using var t = Torch.Ones([4]);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<TorchException>(() => group.AllReduce(ReduceOp.Sum, t));
        return (error, clock.Elapsed);
    }

    /// <summary>Rank 0's failure names the operation, rank and timeout, and came well within 10 s.</summary>
    private void AssertRank0FailedPromptly((TorchException Error, TimeSpan Elapsed)?[] results, string expectedStart)
    {
        var (e, elapsed) = results[0]!.Value;
        output.WriteLine($"allreduce failed after {elapsed.TotalSeconds:0.00} s: {e.Message}");
        Assert.StartsWith(expectedStart, e.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
    }

    [Fact]
    public void DifferentSizesOrDtypesAcrossRanksFailOnEveryRankAndLeaveTheGroupUsable()
    {
        // Not checkable on one rank alone. Left to Gloo, a length mismatch ends the process (an
        // exception on Gloo's own thread); the shim's probe makes every rank fail cleanly instead,
        // before any data moves, so the next matching collective still works.
        var outcomes = OnTwoRanks(group =>
        {
            using var t = Torch.Ones([group.Rank == 0 ? 4 : 6]);
            var sizes = Record.Exception(() => group.AllReduce(ReduceOp.Sum, t));
            using var d = Torch.Ones([3], group.Rank == 0 ? DType.Float32 : DType.Float64);
            var dtypes = Record.Exception(() => group.Broadcast([d]));
            using var ok = Torch.Ones([5]);
            group.AllReduce(ReduceOp.Sum, ok);
            return (sizes, dtypes, ok: ok.ToArray<float>());
        });
        foreach (var (sizes, dtypes, ok) in outcomes)
        {
            Assert.Contains("different numbers of elements (from 4 to 6", Assert.IsType<TorchException>(sizes).Message);
            Assert.Contains("different dtypes", Assert.IsType<TorchException>(dtypes).Message);
            Assert.Equal(Enumerable.Repeat(2f, 5), ok);
        }
    }

    [Fact]
    public void TheStoreSetsGetsAddsAndWaitsAcrossRanks()
    {
        var timeout = TimeSpan.FromSeconds(5);
        using var master = new TcpStore(Loopback, 0, 2, isMaster: true, timeout);
        using var client = new TcpStore(Loopback, master.Port, 2, isMaster: false, timeout);
        Assert.Equal(master.Port, client.Port);
        var counts = OnThreads(2, rank =>
        {
            var store = rank == 0 ? master : client;
            store.Set($"hello/{rank}", $"from {rank}");
            store.Wait([$"hello/{1 - rank}"]);
            Assert.Equal($"from {1 - rank}", store.GetString($"hello/{1 - rank}"));
            return store.Add("count", rank + 1);
        });
        Assert.Equal(3, Math.Max(counts[0], counts[1]));
        Assert.Equal(3, master.Add("count", 0));
        master.Set("bytes", new byte[] { 0, 255, 7 });
        Assert.Equal(new byte[] { 0, 255, 7 }, client.Get("bytes"));
        var missing = Assert.Throws<TorchException>(() => client.Wait(["never-set"], TimeSpan.FromMilliseconds(300)));
        Assert.Contains("never-set", missing.Message);
    }

    [Fact]
    public void BadArgumentsAreRefusedBeforeNativeCode()
    {
        var t = TimeSpan.FromSeconds(2);
        Assert.Equal("port", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(Loopback, -1, 2, true, t)).ParamName);
        Assert.Equal("port", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(Loopback, 65536, 2, true, t)).ParamName);
        Assert.Equal("port", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(Loopback, 0, 2, false, t)).ParamName);
        Assert.Equal("worldSize", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(Loopback, 0, 0, true, t)).ParamName);
        Assert.Equal("timeout", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(Loopback, 0, 1, true, TimeSpan.Zero)).ParamName);
        Assert.Equal("host", Assert.ThrowsAny<ArgumentException>(() => new TcpStore(" ", 0, 1, true, t)).ParamName);

        // A group of one rank needs no peer: it checks the arguments of its collectives.
        using var store = new TcpStore(Loopback, 0, 1, isMaster: true, t);
        Assert.Equal("worldSize", Assert.ThrowsAny<ArgumentException>(() => new ProcessGroup(store, 0, 0, t)).ParamName);
        Assert.Equal("rank", Assert.ThrowsAny<ArgumentException>(() => new ProcessGroup(store, 1, 1, t)).ParamName);
        Assert.Equal("rank", Assert.ThrowsAny<ArgumentException>(() => new ProcessGroup(store, -1, 1, t)).ParamName);
        using var group = new ProcessGroup(store, 0, 1, t);
        using var f = Torch.Ones([3]);
        using var i = Torch.Zeros([3], DType.Int64);
        Assert.Equal("root", Assert.ThrowsAny<ArgumentException>(() => group.Broadcast([f], root: 1)).ParamName);
        Assert.Equal("root", Assert.ThrowsAny<ArgumentException>(() => GradientSync.BroadcastParameters(group, [f], root: -1)).ParamName);
        Assert.Equal("tensors", Assert.ThrowsAny<ArgumentException>(() => group.AllReduce([])).ParamName);
        var mixed = Assert.ThrowsAny<ArgumentException>(() => group.AllReduce([f, i]));
        Assert.Equal("tensors", mixed.ParamName);
        Assert.Contains("tensor 1 is int64", mixed.Message);
        Assert.Equal("op", Assert.ThrowsAny<ArgumentException>(() => group.AllReduce(ReduceOp.Avg, i)).ParamName);
        Assert.Equal("op", Assert.ThrowsAny<ArgumentException>(() => group.AllReduce([f], (ReduceOp)9)).ParamName);
        Assert.Equal("bucketBytes", Assert.ThrowsAny<ArgumentException>(() => GradientSync.AllReduceGradients(group, [f], 0)).ParamName);

        // World size 1: every collective is the identity.
        group.AllReduce(ReduceOp.Avg, f);
        group.Barrier();
        Assert.Equal([1f, 1f, 1f], f.ToArray<float>());
        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.AllReduce(ReduceOp.Sum, f));
    }

    [Fact]
    public void AllReduceOfA2Point6MBTensorOnLoopback()
    {
        // Measurement only (printed, never asserted): 650,000 float32 = 2.6 MB, 2 ranks, 50 rounds.
        const int rounds = 50;
        var medians = OnTwoRanks(group =>
        {
            using var t = Torch.Ones([650_000]);
            group.AllReduce(ReduceOp.Sum, t);   // warm-up: Gloo builds the algorithm's buffers once
            double median = MedianMs(group, rounds, () => group.AllReduce(ReduceOp.Sum, t));
            Assert.Equal(Math.Pow(2, rounds + 1), t.ToArray<float>()[0]);
            return median;
        });
        output.WriteLine($"allreduce of 2.6 MB float32, 2 ranks on loopback: median {medians[0]:0.000} ms (rank 0), {medians[1]:0.000} ms (rank 1) over {rounds} rounds");

        // The fixed cost of one call: 4 floats (the shim's size probe plus the allreduce itself).
        var small = OnTwoRanks(group =>
        {
            using var t = Torch.Ones([4]);
            return MedianMs(group, rounds, () => group.AllReduce(ReduceOp.Sum, t));
        });
        output.WriteLine($"allreduce of 16 bytes: median {small[0]:0.000} ms (rank 0) over {rounds} rounds");

        // The same 2.6 MB as the gradients of 100 parameters of 6,500 floats, synced with several
        // bucket sizes (what the default of GradientSync was chosen against).
        long[] bucketSizes = [64L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20];
        var perBucket = OnTwoRanks(group =>
        {
            var parameters = Enumerable.Range(0, 100).Select(_ => new Parameter(Torch.Zeros([6_500]))).ToList();
            foreach (var p in parameters)
                using (var g = Torch.Ones([6_500])) p.Grad = g;
            var result = bucketSizes.Select(bytes =>
            {
                GradientSync.AllReduceGradients(group, parameters, bytes);
                return MedianMs(group, 20, () => GradientSync.AllReduceGradients(group, parameters, bytes));
            }).ToArray();
            foreach (var p in parameters) p.Dispose();
            return result;
        });
        for (int b = 0; b < bucketSizes.Length; b++)
            output.WriteLine($"AllReduceGradients, 100 x 26 kB, buckets of {bucketSizes[b] >> 10} KiB: median {perBucket[0][b]:0.000} ms (rank 0) over 20 rounds");
    }

    /// <summary>The median time of <paramref name="rounds"/> calls (an even count), each started
    /// right after a barrier so that both ranks start it together.</summary>
    private static double MedianMs(ProcessGroup group, int rounds, Action call)
    {
        var times = new double[rounds];
        for (int k = 0; k < rounds; k++)
        {
            group.Barrier();
            var clock = Stopwatch.StartNew();
            call();
            times[k] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[rounds / 2 - 1] + times[rounds / 2]) / 2;
    }
}

/// <summary>Live-handle accounting for the distributed calls (process-wide counter: run alone).</summary>
[Collection(ProcessWideState.Name)]
public class DistributedLeakTests
{
    [Fact]
    public void GradientSyncAndCollectivesLeaveNoTensorHandleBehind()
    {
        var t = TimeSpan.FromSeconds(2);
        using var store = new TcpStore("127.0.0.1", 0, 1, isMaster: true, t);
        using var group = new ProcessGroup(store, 0, 1, t);
        using var layer = new NN.Linear(3, 2, generator: new Generator(3));
        using (var scope = Torch.NewScope())
            NN.F.MseLoss(layer.Call(Torch.Ones([4, 3])), Torch.Zeros([4, 2])).Backward();
        long baseline = Torch.LiveTensors;
        GradientSync.AllReduceGradients(group, layer, bucketBytes: 16);
        GradientSync.BroadcastParameters(group, layer, bucketBytes: 16);
        group.AllReduce([layer.Weight, layer.Bias!], ReduceOp.Max);
        Assert.Equal(baseline, Torch.LiveTensors);
        using (var sync = new OverlappedGradientSync(group, layer.Parameters(), bucketBytes: 16))
        {
            sync.Begin(0.5);
            using (var scope = Torch.NewScope())
                NN.F.MseLoss(layer.Call(Torch.Ones([4, 3])), Torch.Zeros([4, 2])).Backward();
            sync.Finish();
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }
}
