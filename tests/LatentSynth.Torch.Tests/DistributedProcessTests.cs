using System.Diagnostics;
using LatentSynth.Torch.Distributed;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Rank 1 in a separate OS process (tests/LatentSynth.Torch.DistributedPeer): an allreduce across
/// the two processes works, and once the peer is killed the next one fails with
/// <see cref="TorchException"/> while this process carries on.
/// </summary>
public class DistributedProcessTests
{
    [Fact]
    public async Task AllReduceAcrossProcessesWorksAndAKilledPeerFailsTheNextOne()
    {
        // Generous: the peer is a fresh .NET process loading libtorch on a possibly busy machine.
        // A killed peer fails the next allreduce at once (its connections close), not at the timeout.
        var timeout = TimeSpan.FromSeconds(15);
        using var store = new TcpStore("127.0.0.1", 0, 2, isMaster: true, timeout);
        var peerDll = Path.Combine(AppContext.BaseDirectory, "LatentSynth.Torch.DistributedPeer.dll");
        Assert.True(File.Exists(peerDll), peerDll + " is missing");
        var start = new ProcessStartInfo(DotnetHost(), [peerDll, store.Port.ToString(), "15000"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var peer = Process.Start(start)!;
        try
        {
            using var group = new ProcessGroup(store, 0, 2, timeout);
            using var t = Tensor.From([10f, 20f, 30f], 3);
            group.AllReduce(ReduceOp.Sum, t);
            Assert.Equal([11f, 22f, 33f], t.ToArray<float>());
            Assert.Equal("ready 11,22,33", await peer.StandardOutput.ReadLineAsync().WaitAsync(timeout));

            peer.Kill(entireProcessTree: true);
            Assert.True(peer.WaitForExit(timeout), "the peer did not die");
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<TorchException>(() => group.AllReduce(ReduceOp.Sum, t));
            Assert.StartsWith("allreduce Sum (rank 0 of 2, timeout 15000 ms)", error.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }
        finally
        {
            if (!peer.HasExited) peer.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The dotnet host that runs these tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
