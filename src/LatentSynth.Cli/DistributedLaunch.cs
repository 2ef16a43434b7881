using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using LatentSynth.Training;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// Where a data-parallel worker finds its place, in torchrun's conventions: the environment variables RANK,
/// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT (set by <c>latentsynth train --nproc N</c>,
/// by torchrun, or by a scheduler), and <see cref="TimeoutVariable"/>.
/// </summary>
/// <param name="Rank">This process's rank in [0, WorldSize).</param>
/// <param name="WorldSize">The number of processes.</param>
/// <param name="LocalRank">The rank among the processes of this machine.</param>
/// <param name="LocalWorldSize">The processes on this machine (they share its cores: <c>ThreadPlans</c>).</param>
/// <param name="MasterAddress">The host of rank 0, where the rendezvous store listens.</param>
/// <param name="MasterPort">Its port.</param>
/// <param name="Timeout">The longest any rendezvous or collective waits before failing.</param>
public sealed record WorkerPlace(int Rank, int WorldSize, int LocalRank, int LocalWorldSize, string MasterAddress, int MasterPort, TimeSpan Timeout)
{
    /// <summary>Environment variable: seconds a rendezvous or collective may wait (default <see cref="DefaultTimeoutSeconds"/>).</summary>
    public const string TimeoutVariable = "LATENTSYNTH_DIST_TIMEOUT";

    /// <summary>
    /// Default wait: 300 s. The first collective waits for the slowest rank to load its data (a first download
    /// included); a rank that dies is noticed at once anyway (its connections close), so the timeout only bounds
    /// a rank that hangs.
    /// </summary>
    public const int DefaultTimeoutSeconds = 300;

    /// <summary>Environment variable: <c>0</c> averages the gradients after the backward pass instead of overlapping
    /// the allreduce with it (default <c>1</c>; see docs/distributed.md).</summary>
    public const string OverlapVariable = "LATENTSYNTH_GRAD_OVERLAP";

    /// <summary>Environment variable: the largest gradient bucket of the overlapped averaging, in KiB (default 4096).</summary>
    public const string BucketVariable = "LATENTSYNTH_GRAD_BUCKET_KB";

    /// <summary>Whether the gradient allreduce overlaps the backward pass (<see cref="OverlapVariable"/>).</summary>
    public bool OverlapGradients { get; init; } = true;

    /// <summary>The largest gradient bucket in bytes (<see cref="BucketVariable"/>).</summary>
    public long BucketBytes { get; init; } = LatentSynth.Torch.Distributed.OverlappedGradientSync.DefaultBucketBytes;

    /// <summary>
    /// The place read from the environment, or null when this process is not a worker of a group of two or more
    /// (RANK and WORLD_SIZE unset, or WORLD_SIZE 1).
    /// </summary>
    /// <exception cref="ArgumentException">A variable is malformed or out of range (the message names it and what it takes).</exception>
    public static WorkerPlace? FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var rankText = read("RANK");
        var worldText = read("WORLD_SIZE");
        if (string.IsNullOrWhiteSpace(rankText) && string.IsNullOrWhiteSpace(worldText)) return null;
        int world = Int("WORLD_SIZE", worldText, 1, 65536, "the number of processes");
        int rank = Int("RANK", rankText, 0, world - 1, $"this process's rank, 0 to WORLD_SIZE − 1 = {world - 1}");
        if (world == 1) return null;
        int localWorld = string.IsNullOrWhiteSpace(read("LOCAL_WORLD_SIZE")) ? 1 : Int("LOCAL_WORLD_SIZE", read("LOCAL_WORLD_SIZE"), 1, world, "the processes on this machine");
        int localRank = string.IsNullOrWhiteSpace(read("LOCAL_RANK")) ? 0 : Int("LOCAL_RANK", read("LOCAL_RANK"), 0, localWorld - 1, "the rank on this machine");
        var addr = read("MASTER_ADDR");
        if (string.IsNullOrWhiteSpace(addr))
            throw new ArgumentException("MASTER_ADDR is not set: data-parallel workers (RANK, WORLD_SIZE set) need the host of rank 0 in MASTER_ADDR and its port in MASTER_PORT");
        int port = Int("MASTER_PORT", read("MASTER_PORT"), 1, 65535, "the rendezvous port of rank 0");
        int timeout = string.IsNullOrWhiteSpace(read(TimeoutVariable)) ? DefaultTimeoutSeconds : Int(TimeoutVariable, read(TimeoutVariable), 1, 86400, "seconds");
        var overlapText = read(OverlapVariable)?.Trim();
        if (!string.IsNullOrEmpty(overlapText) && overlapText is not ("0" or "1"))
            throw new ArgumentException($"{OverlapVariable}='{overlapText}' must be 1 (overlap the gradient allreduce with backward, the default) or 0 (average after backward)");
        long bucketKb = string.IsNullOrWhiteSpace(read(BucketVariable)) ? OverlappedGradientSyncDefaultKb : Int(BucketVariable, read(BucketVariable), 1, 1 << 20, "KiB per gradient bucket");
        return new WorkerPlace(rank, world, localRank, localWorld, addr.Trim(), port, TimeSpan.FromSeconds(timeout))
        {
            OverlapGradients = overlapText != "0",
            BucketBytes = bucketKb * 1024,
        };
    }

    private const long OverlappedGradientSyncDefaultKb = LatentSynth.Torch.Distributed.OverlappedGradientSync.DefaultBucketBytes / 1024;

    private static int Int(string name, string? text, int min, int max, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"{name} is not set; data-parallel workers need RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT ({name}: {what})");
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new ArgumentException($"{name}='{text}' must be an integer from {min} to {max} ({what})");
        return v;
    }
}

/// <summary>
/// <c>latentsynth train … --nproc N</c>: starts N workers of the same command on this machine (and, with
/// <c>--nnodes</c>, <c>--node-rank</c>, <c>--master-addr</c>, <c>--master-port</c>, this machine's share of a
/// multi-machine run: torchrun's conventions), each with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
/// MASTER_ADDR and MASTER_PORT set, and supervises them: rank 0 draws the progress; the others' output is kept and
/// shown only if they fail; the first worker that fails stops the others (SIGTERM, then SIGKILL after
/// <see cref="GraceSeconds"/> s) and the launcher exits non-zero naming it; Ctrl-C or SIGTERM reaches every worker,
/// which stop together after the same step (rank 0 saves the checkpoint).
/// </summary>
public static class DistributedLaunch
{
    /// <summary>Seconds the other workers get to stop after one failed, before they are killed.</summary>
    public const int GraceSeconds = 10;

    /// <summary>torchrun's default rendezvous port, used across machines when --master-port is not given.</summary>
    public const int DefaultMasterPort = 29500;

    /// <summary>The launch options, added to every training verb.</summary>
    internal sealed class Options
    {
        public Option<int?> NProc { get; } = new("--nproc") { Description = "Data-parallel: start N training processes on this machine, each on its share of every batch (--batch-size per process); see docs/distributed.md [default: 1]" };
        public Option<int?> NNodes { get; } = new("--nnodes") { Description = "Data-parallel across machines: the number of machines, each started with the same command and its --node-rank [default: 1]" };
        public Option<int?> NodeRank { get; } = new("--node-rank") { Description = "This machine's index among --nnodes, 0 to nnodes − 1; machine 0 hosts rank 0 [default: 0]" };
        public Option<string?> MasterAddr { get; } = new("--master-addr") { Description = "Host of machine 0 (the rendezvous), required with --nnodes > 1 [default: 127.0.0.1]" };
        public Option<int?> MasterPort { get; } = new("--master-port") { Description = $"Rendezvous port on machine 0 [default: a free port alone, {DefaultMasterPort} across machines]" };

        public IEnumerable<Option> All => [NProc, NNodes, NodeRank, MasterAddr, MasterPort];
    }

    /// <summary>The launch plan from the options (null: train in this process).</summary>
    /// <param name="NProc">Workers on this machine.</param>
    /// <param name="NNodes">Machines.</param>
    /// <param name="NodeRank">This machine's index.</param>
    /// <param name="MasterAddress">Machine 0's host.</param>
    /// <param name="MasterPort">The rendezvous port (0: pick a free one).</param>
    public sealed record Plan(int NProc, int NNodes, int NodeRank, string MasterAddress, int MasterPort);

    /// <summary>Reads and checks the launch options; null when they ask for one process on one machine.</summary>
    /// <exception cref="ArgumentException">An option out of range or missing, named.</exception>
    internal static Plan? Read(ParseResult parse, Options o)
    {
        int nproc = parse.GetValue(o.NProc) ?? 1, nnodes = parse.GetValue(o.NNodes) ?? 1, node = parse.GetValue(o.NodeRank) ?? 0;
        if (nproc < 1 || nproc > 256) throw new ArgumentException($"--nproc {nproc} must be from 1 to 256");
        if (nnodes < 1 || nnodes > 4096) throw new ArgumentException($"--nnodes {nnodes} must be from 1 to 4096");
        if (node < 0 || node >= nnodes) throw new ArgumentException($"--node-rank {node} must be from 0 to --nnodes − 1 = {nnodes - 1}");
        var addr = parse.GetValue(o.MasterAddr);
        if (nnodes > 1 && string.IsNullOrWhiteSpace(addr))
            throw new ArgumentException($"--nnodes {nnodes}: give --master-addr HOST, the address of machine 0 (the one started with --node-rank 0)");
        int port = parse.GetValue(o.MasterPort) ?? (nnodes > 1 ? DefaultMasterPort : 0);
        if (port < 0 || port > 65535) throw new ArgumentException($"--master-port {port} must be from 1 to 65535");
        if (nproc * nnodes == 1)
        {
            if (parse.GetResult(o.NodeRank) is { Implicit: false } || parse.GetResult(o.MasterAddr) is { Implicit: false } || parse.GetResult(o.MasterPort) is { Implicit: false })
                throw new ArgumentException("--node-rank, --master-addr and --master-port apply to data-parallel training: give --nproc N (and --nnodes M across machines)");
            return null;
        }
        if (WorkerPlace.FromEnvironment() is not null)
            throw new ArgumentException("--nproc/--nnodes start workers, but this process is already one (RANK and WORLD_SIZE are set): drop the launch options, or unset RANK and WORLD_SIZE");
        return new Plan(nproc, nnodes, node, string.IsNullOrWhiteSpace(addr) ? "127.0.0.1" : addr.Trim(), port);
    }

    /// <summary>The command-line arguments without the launch options (what each worker runs).</summary>
    public static string[] WorkerArguments(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string[] launch = ["--nproc", "--nnodes", "--node-rank", "--master-addr", "--master-port"];
        var kept = new List<string>();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (launch.Contains(a)) { i++; continue; }
            if (launch.Any(l => a.StartsWith(l + "=", StringComparison.Ordinal))) continue;
            kept.Add(a);
        }
        return kept.ToArray();
    }

    /// <summary>A free TCP port on the loopback interface (bound, read, released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Environment variable: the run config a launcher built, checked and prepared (a JSON file) for its workers.</summary>
    public const string PreparedConfigVariable = "LATENTSYNTH_RUN_CONFIG";

    /// <summary>Environment variable: "1" when the prepared config takes its input shape from the data.</summary>
    public const string ShapeFromDataVariable = "LATENTSYNTH_RUN_SHAPE_FROM_DATA";

    /// <summary>The config this worker's launcher prepared (<see cref="PreparedConfigVariable"/>), or null.</summary>
    /// <exception cref="IOException">The file named is unreadable.</exception>
    public static RunConfig? PreparedConfig()
    {
        var path = Environment.GetEnvironmentVariable(PreparedConfigVariable);
        if (string.IsNullOrWhiteSpace(path)) return null;
        return RunConfig.Load(path) with { InputShapeFromData = Environment.GetEnvironmentVariable(ShapeFromDataVariable) == "1" };
    }

    /// <summary>
    /// Starts the plan's workers running <paramref name="workerArgs"/> with this program and supervises them until
    /// all have exited; returns the exit code: 0 when all succeeded, the stop code after Ctrl-C/SIGTERM, otherwise 1.
    /// A new run's <paramref name="prepared"/> config (built, checked and its data prepared here, once) reaches the
    /// workers through <see cref="PreparedConfigVariable"/>; a resume passes null.
    /// </summary>
    internal static int Run(Plan plan, string[] workerArgs, RunConfig? prepared)
    {
        string? configFile = null;
        if (prepared is not null)
        {
            configFile = Path.Combine(Path.GetTempPath(), $"latentsynth-run-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
            File.WriteAllText(configFile, prepared.ToJson());
        }
        try { return Launch(plan, workerArgs, configFile, prepared?.InputShapeFromData == true); }
        finally { if (configFile is not null) File.Delete(configFile); }
    }

    private static int Launch(Plan plan, string[] workerArgs, string? configFile, bool shapeFromData)
    {
        var (program, prefix) = SelfCommand();
        int port = plan.MasterPort == 0 ? FreePort() : plan.MasterPort;
        int world = plan.NProc * plan.NNodes;
        AnsiConsole.MarkupLine($"[bold]data-parallel[/]: {plan.NProc} process(es) here (ranks {plan.NodeRank * plan.NProc}–{plan.NodeRank * plan.NProc + plan.NProc - 1} of {world}), " +
                               $"rendezvous at {Markup.Escape(plan.MasterAddress)}:{port}");
        using var stop = new StopSignal();
        var workers = new List<Worker>();
        try
        {
            for (int local = 0; local < plan.NProc; local++)
            {
                int rank = plan.NodeRank * plan.NProc + local;
                var psi = new ProcessStartInfo(program)
                {
                    UseShellExecute = false,
                    // Rank 0 draws the progress on this console; the others are kept quiet, their output kept for errors.
                    RedirectStandardOutput = rank != 0,
                    RedirectStandardError = rank != 0,
                };
                foreach (var a in prefix.Concat(workerArgs)) psi.ArgumentList.Add(a);
                psi.Environment["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
                psi.Environment["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture);
                psi.Environment["LOCAL_RANK"] = local.ToString(CultureInfo.InvariantCulture);
                psi.Environment["LOCAL_WORLD_SIZE"] = plan.NProc.ToString(CultureInfo.InvariantCulture);
                psi.Environment["MASTER_ADDR"] = plan.MasterAddress;
                psi.Environment["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                if (configFile is not null)
                {
                    psi.Environment[PreparedConfigVariable] = configFile;
                    psi.Environment[ShapeFromDataVariable] = shapeFromData ? "1" : "0";
                }
                workers.Add(new Worker(rank, Process.Start(psi) ?? throw new InvalidOperationException($"rank {rank} could not be started")));
            }
            return Supervise(workers, stop);
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    /// <summary>
    /// How to start this program again: its own executable when it runs from its native launcher, otherwise the
    /// .NET host running this assembly (the <c>latentsynth</c> script runs <c>dotnet latentsynth.dll</c>; tests run it
    /// inside their own host).
    /// </summary>
    private static (string Program, string[] Prefix) SelfCommand()
    {
        var self = typeof(DistributedLaunch).Assembly.Location;
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(self)) return (process, []);
        var host = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return (host, [self]);
    }

    private static int Supervise(List<Worker> workers, StopSignal stop)
    {
        bool forwarded = false;
        Worker? failed = null;
        var deadline = (DateTime?)null;
        while (workers.Any(w => !w.Process.HasExited))
        {
            Thread.Sleep(100);
            // SIGTERM sent to the launcher alone (a scheduler): pass it on. A terminal's Ctrl-C reached every worker already.
            if (stop.Received is { } signal && !forwarded)
            {
                forwarded = true;
                if (signal == PosixSignal.SIGTERM) foreach (var w in workers) w.Signal(15);
            }
            // The first to fail, by exit time: a rank killed at once makes the others fail a few hundred ms later, and
            // on a busy machine both may be found in one poll (rank order would then blame a survivor).
            if (failed is null && workers.Where(w => w.Process.HasExited && w.Process.ExitCode != 0 && !IsStopCode(w.Process.ExitCode, stop))
                    .MinBy(w => w.Process.ExitTime) is { } f)
            {
                failed = f;
                AnsiConsole.MarkupLine($"[red]error:[/] rank {f.Rank} (pid {f.Process.Id}) exited with code {f.Process.ExitCode}; stopping the other ranks (killed after {GraceSeconds} s)");
                foreach (var w in workers.Where(w => !w.Process.HasExited)) w.Signal(15);
                deadline = DateTime.UtcNow.AddSeconds(GraceSeconds);
            }
            if (deadline is { } d && DateTime.UtcNow > d)
            {
                foreach (var w in workers.Where(w => !w.Process.HasExited)) w.Process.Kill();
                deadline = null;
            }
        }
        foreach (var w in workers) w.Process.WaitForExit();
        if (failed is not null)
        {
            failed.PrintTail();
            return 1;
        }
        var bad = workers.FirstOrDefault(w => w.Process.ExitCode != 0 && !IsStopCode(w.Process.ExitCode, stop));
        if (bad is not null)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] rank {bad.Rank} exited with code {bad.Process.ExitCode}");
            bad.PrintTail();
            return 1;
        }
        if (workers.Any(w => w.Process.ExitCode != 0)) return stop.Received is null ? workers.First(w => w.Process.ExitCode != 0).Process.ExitCode : stop.ExitCode;
        return 0;
    }

    private static bool IsStopCode(int code, StopSignal stop) =>
        stop.Received is not null && code is StopSignal.InterruptExitCode or StopSignal.TerminateExitCode;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>A started worker: its process and the last lines it wrote (ranks other than 0).</summary>
    private sealed class Worker : IDisposable
    {
        private readonly ConcurrentQueue<string> tail = new();

        public Worker(int rank, Process process)
        {
            Rank = rank;
            Process = process;
            if (process.StartInfo.RedirectStandardOutput)
            {
                process.OutputDataReceived += (_, e) => Keep(e.Data);
                process.ErrorDataReceived += (_, e) => Keep(e.Data);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }
        }

        public int Rank { get; }
        public Process Process { get; }

        private void Keep(string? line)
        {
            if (line is null) return;
            tail.Enqueue(line);
            while (tail.Count > 40) tail.TryDequeue(out _);
        }

        public void Signal(int signal)
        {
            try { if (!Process.HasExited) kill(Process.Id, signal); }
            catch (InvalidOperationException) { }
        }

        public void PrintTail()
        {
            foreach (var line in tail) Console.Error.WriteLine($"[rank {Rank}] {line}");
        }

        public void Dispose()
        {
            try { if (!Process.HasExited) Process.Kill(); }
            catch (InvalidOperationException) { }
            Process.Dispose();
        }
    }
}
