using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LatentSynth.Torch.IO;
using LatentSynth.Training;
using Xunit.Abstractions;

namespace LatentSynth.Cli.Tests;

/// <summary>
/// Data-parallel training through the real command line: every run here is <c>dotnet latentsynth.dll train …</c>
/// in its own OS process (the launcher of <c>--nproc 2</c> starts two more), on the first examples of the cached
/// Fashion-MNIST. Every wait is bounded and every process left over is killed when a test ends.
/// </summary>
[Collection(ConsoleUsers.Name)]
public sealed partial class DistributedTrainingTests(ITestOutputHelper log) : IDisposable
{
    /// <summary>Longest wait for a run that is expected to finish (a fresh .NET process loading libtorch on a busy 2-core machine included).</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest a surviving rank (or the launcher) may take to exit after a rank is killed. Measured on the 2-core
    /// test machine under load 10: rank 0 exits 0.26–0.39 s after rank 1 is killed (the dead peer's connections
    /// close and the next collective fails at once), the launcher 0.48–0.69 s (it polls every 100 ms, then stops
    /// the other rank). 15 s leaves room for a loaded machine and stays below the 20 s collective timeout the
    /// workers are given, so a pass shows the failure was noticed, not waited out.
    /// </summary>
    private static readonly TimeSpan FailLimit = TimeSpan.FromSeconds(15);

    private readonly string dir = Directory.CreateTempSubdirectory("lst-ddp-").FullName;
    private readonly List<CliProcess> started = [];
    private readonly List<int> workers = [];

    /// <summary>Kills whatever a test left running and deletes its folder.</summary>
    public void Dispose()
    {
        foreach (var p in started) p.Dispose();
        // Workers of a launcher that a failed assertion left behind (no longer in its process tree once it is gone).
        foreach (var pid in workers.Where(Alive)) kill(pid, 9);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>The training arguments shared by the runs: a small AE on the first 1024/256 Fashion-MNIST examples.</summary>
    private static string[] Train(string outDir, int epochs, int batch, params string[] more) =>
    [
        "train", "--model", "ae", "--data", "fashion-mnist", "--limit-train", "1024", "--limit-test", "256",
        "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--batch-size", batch.ToString(CultureInfo.InvariantCulture),
        "--out", outDir, .. more,
    ];

    private CliProcess Start(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var p = new CliProcess(args, environment);
        started.Add(p);
        return p;
    }

    /// <summary>Runs to the end within <see cref="RunLimit"/> and asserts it succeeded; returns its output.</summary>
    private string Ok(params string[] args)
    {
        var (code, output) = Start(args).Exit(RunLimit);
        Assert.True(code == 0, $"latentsynth {string.Join(' ', args)} exited with {code}:\n{output}");
        return output;
    }

    // ---- 1. two processes equal one process on the same global batches ----

    /// <summary>
    /// How far the weights of the 2 × 64 run may be from those of the 1 × 128 run after 2 epochs (16 Adam steps, lr
    /// 1e-3). The two runs see the same global batches and differ only in float32 summation order: each rank's
    /// gradient is the mean over its 64 examples and the two means are averaged, where the single process takes one
    /// mean over 128 (and the workers run 1 thread each, the single process up to 2). Each gradient differs by a
    /// few ulps; Adam divides by √v, so where a gradient is near zero (Fashion-MNIST's border pixels, always 0) a
    /// relative error of one ulp can move that weight by up to lr per step. Hence two bounds: per tensor, the
    /// relative L2 distance ‖a − b‖ / ‖a‖ at most 1e-5 (measured: at most 8.8e-7 with the single process on 1 BLAS
    /// thread, 6.0e-7 on 2); any single weight at most 1e-4 = lr / 10 (measured: 1.46e-5 on 1 thread, in
    /// decoder.2.weight, 8.2e-6 on 2; 5 of 644,804 weights differ by more than 1e-6). Training on other batches
    /// (1025 examples instead of 1024) gives relative L2 distances of 0.02 to 0.18.
    /// </summary>
    private const double RelativeL2Tolerance = 1e-5, WeightTolerance = 1e-4;

    [Fact]
    public void TwoProcessesOfHalfBatchesTrainLikeOneProcessOfFullBatches()
    {
        string two = Path.Combine(dir, "two"), one = Path.Combine(dir, "one");
        var twoOutput = Ok(Train(two, 2, 64, "--nproc", "2"));
        Ok(Train(one, 2, 128));
        Assert.Contains("data-parallel: 2 process(es) here (ranks 0–1 of 2)", Flat(twoOutput));

        var twoWeights = SafeTensors.Load(Path.Combine(two, "model.safetensors"));
        var oneWeights = SafeTensors.Load(Path.Combine(one, "model.safetensors"));
        try
        {
            Assert.Equal(oneWeights.Keys.Order(StringComparer.Ordinal), twoWeights.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, t) in oneWeights)
            {
                Assert.Equal(t.Shape, twoWeights[name].Shape);
                var a = t.ToArray<float>();
                var b = twoWeights[name].ToArray<float>();
                double worst = 0, distance = 0, norm = 0;
                for (int i = 0; i < a.Length; i++)
                {
                    double d = Math.Abs(a[i] - b[i]);
                    worst = Math.Max(worst, d);
                    distance += d * d;
                    norm += (double)a[i] * a[i];
                }
                double relative = Math.Sqrt(distance / norm);
                log.WriteLine($"{name}: largest difference {worst:G3}, relative L2 distance {relative:G3}");
                Assert.True(relative <= RelativeL2Tolerance, $"{name}: relative L2 distance {relative:G3} exceeds {RelativeL2Tolerance:G3}");
                Assert.True(worst <= WeightTolerance, $"{name}: largest weight difference {worst:G3} exceeds {WeightTolerance:G3}");
            }
        }
        finally
        {
            foreach (var t in oneWeights.Values.Concat(twoWeights.Values)) t.Dispose();
        }

        var oneRows = new MetricsLog(one).ReadCsv();
        var twoRows = new MetricsLog(two).ReadCsv();
        Assert.Equal(2, oneRows.Count);
        Assert.Equal(oneRows.Count, twoRows.Count);
        for (int r = 0; r < oneRows.Count; r++)
            foreach (var (column, value) in oneRows[r].Where(kv => kv.Key.Contains("loss", StringComparison.Ordinal)))
                Assert.True(Math.Abs(twoRows[r][column] - value) <= 1e-5 * Math.Abs(value),
                    $"epoch {r + 1} {column}: 2 processes {twoRows[r][column]:R}, 1 process {value:R}");

        // Rank 0 alone writes: the run folder holds what a 1-process run's holds, with one session recorded.
        Assert.Equal(Files(one), Files(two));
        var sessions = JsonNode.Parse(File.ReadAllText(Path.Combine(two, RunEnvironment.FileName)))!["sessions"]!.AsArray();
        Assert.Single(sessions);
    }

    /// <summary>
    /// The default averaging, overlapped with backward in small buckets, against averaging after backward
    /// (LATENTSYNTH_GRAD_OVERLAP=0): the same sums of the same float32 values, so the weights must be equal to the bit.
    /// WAE-GAN has two optimizers, and its model step's backward also reaches the discriminator, whose sync is then
    /// closed: those gradients must be left alone.
    /// </summary>
    [Theory]
    [InlineData("ae")]
    [InlineData("wae-gan")]
    public void OverlappedAveragingTrainsBitForBitLikeAveragingAfterBackward(string model)
    {
        string overlapped = Path.Combine(dir, model + "-overlapped"), after = Path.Combine(dir, model + "-after");
        string[] Args(string outDir) =>
        [
            "train", "--model", model, "--data", "fashion-mnist", "--limit-train", "512", "--limit-test", "128",
            "--epochs", "2", "--batch-size", "64", "--out", outDir, "--nproc", "2",
        ];
        var (output, afterOutput, summary) = TrainOverlappedAndAfter(overlapped, after, Args);
        Assert.InRange(long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), 1, long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotContain("averaged after backward instead", Flat(output));
        Assert.DoesNotContain("bucket allreduces", Flat(afterOutput));
        // environment.json records how each run averaged.
        static JsonNode DataParallel(string run) =>
            JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunEnvironment.FileName)))!["sessions"]![0]!["data_parallel"]!;
        Assert.Equal(2, (int)DataParallel(overlapped)["world_size"]!);
        Assert.Equal("overlapped with backward, buckets of at most 64 KiB", (string)DataParallel(overlapped)["gradient_averaging"]!);
        Assert.Equal("after backward, buckets of at most 4096 KiB", (string)DataParallel(after)["gradient_averaging"]!);
    }

    /// <summary>
    /// A symbolic model: PianoTree (recurrent, gradient clipping after the averaging) on synthetic polyphonic tunes with
    /// --nproc 2, overlapped (64 KiB buckets) against averaging after backward, bit for bit. (Not against one process: a
    /// VAE's noise is drawn per rank, from (seed, step, rank), so 2 × 8 and 1 × 16 sample different ε.)
    /// </summary>
    [Fact]
    public void PianoTreeTrainsDataParallelOverlappedBitForBitLikeAfterBackward()
    {
        var data = "midi-poly:" + PolyTunes.Write(Path.Combine(dir, "tunes"), 8);
        string overlapped = Path.Combine(dir, "pt-overlapped"), after = Path.Combine(dir, "pt-after");
        static string[] WithBatch(string[] args, string batch, params string[] more)
        {
            var list = args.ToList();
            list[list.IndexOf("--batch-size") + 1] = batch;
            return [.. list, .. more];
        }
        var (_, _, summary) = TrainOverlappedAndAfter(overlapped, after, outDir => WithBatch(PolyTunes.TinyPianoTree(data, outDir), "8", "--nproc", "2"));
        Assert.True(long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture) > 0, summary.Value);
    }

    /// <summary>
    /// Runs <paramref name="args"/>(folder) twice, overlapped in 64 KiB buckets into <paramref name="overlapped"/> and
    /// averaging after backward (LATENTSYNTH_GRAD_OVERLAP=0) into <paramref name="after"/>; asserts both succeed and give
    /// the same weights to the bit. Returns both outputs and the overlapped run's "N of M bucket allreduces started
    /// during backward".
    /// </summary>
    private (string Overlapped, string After, Match Summary) TrainOverlappedAndAfter(string overlapped, string after, Func<string, string[]> args)
    {
        var (code, output) = Start(args(overlapped), new Dictionary<string, string> { [WorkerPlace.BucketVariable] = "64" }).Exit(RunLimit);
        Assert.True(code == 0, output);
        (code, var afterOutput) = Start(args(after), new Dictionary<string, string> { [WorkerPlace.OverlapVariable] = "0" }).Exit(RunLimit);
        Assert.True(code == 0, afterOutput);
        var summary = Regex.Match(Flat(output), @"(\d+) of (\d+) bucket allreduces started during backward");
        Assert.True(summary.Success, output);
        log.WriteLine(summary.Value);
        Assert.Equal(File.ReadAllBytes(Path.Combine(after, "model.safetensors")), File.ReadAllBytes(Path.Combine(overlapped, "model.safetensors")));
        return (output, afterOutput, summary);
    }

    /// <summary>The files of a run folder, relative and sorted.</summary>
    private static List<string> Files(string runDir) =>
        Directory.GetFiles(runDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(runDir, f)).Order(StringComparer.Ordinal).ToList();

    // ---- 2. a rank killed mid-run ----

    [Fact]
    public void KillingRankOneFailsRankZeroNamingTheCollective()
    {
        var run = Path.Combine(dir, "killed");
        int port = DistributedLaunch.FreePort();
        CliProcess Rank(int rank) => Start(Train(run, 500, 64), new Dictionary<string, string>
        {
            ["RANK"] = rank.ToString(CultureInfo.InvariantCulture), ["WORLD_SIZE"] = "2", ["LOCAL_RANK"] = rank.ToString(CultureInfo.InvariantCulture),
            ["LOCAL_WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            [WorkerPlace.TimeoutVariable] = "20",
        });
        var rank0 = Rank(0);
        var rank1 = Rank(1);
        WaitUntilTraining(run, rank0);

        rank1.Process.Kill();
        var clock = Stopwatch.StartNew();
        var (code, output) = rank0.Exit(FailLimit);
        Assert.NotEqual(0, code);
        var flat = Flat(output);
        // e.g. "error: data-parallel rank 0 of 2, waiting for the gradients: allreduce Max (rank 0 of 2, timeout 20000 ms):
        // [gloo/transport/tcp/pair.cc:589] Read error [127.0.0.1]:39344: Connection reset by peer (another rank stopped …)"
        Assert.Matches(@"error: data-parallel rank 0 of 2, waiting for the [^:]+: (allreduce|broadcast|barrier)[^(]*\(rank 0 of 2, timeout 20000 ms\): .*\[127\.0\.0\.1\]:\d+.*another rank stopped", flat);
        Assert.True(clock.Elapsed < FailLimit, $"rank 0 took {clock.Elapsed.TotalSeconds:F1} s");
        log.WriteLine($"rank 0 exited {clock.Elapsed.TotalSeconds:F2} s after rank 1 was killed: {flat}");
    }

    [Fact]
    public void KillingAWorkerStopsTheLauncherNamingTheRank()
    {
        var run = Path.Combine(dir, "launched");
        var launcher = Start(Train(run, 500, 64, "--nproc", "2"));
        WaitUntilTraining(run, launcher);
        var children = Children(launcher.Process.Id);
        workers.AddRange(children);
        Assert.Equal(2, children.Count);
        var rank1 = Assert.Single(children, pid => RankOf(pid) == "1");

        kill(rank1, 9);
        var clock = Stopwatch.StartNew();
        var (code, output) = launcher.Exit(FailLimit);
        Assert.Equal(1, code);
        var flat = Flat(output);
        Assert.Contains($"error: rank 1 (pid {rank1}) exited with code 137", flat);
        Assert.True(clock.Elapsed < FailLimit, $"the launcher took {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var pid in children) Assert.False(Alive(pid), $"worker {pid} is still running");
        log.WriteLine($"launcher exited {clock.Elapsed.TotalSeconds:F2} s after rank 1 was killed");
    }

    // ---- 3. stop and resume ----

    [Fact]
    public void SigtermStopsAllRanksAndResumeOnTheSameWorldSizeContinuesTheRun()
    {
        string stopped = Path.Combine(dir, "stopped"), straight = Path.Combine(dir, "straight");
        var launcher = Start(Train(stopped, 500, 64, "--nproc", "2"));
        WaitUntilTraining(stopped, launcher);
        kill(launcher.Process.Id, 15);
        var (code, output) = launcher.Exit(RunLimit);
        Assert.True(code == 143, $"exit code {code}:\n{output}");
        var flat = Flat(output);
        var stop = StopMessage().Match(flat);
        Assert.True(stop.Success, flat);
        log.WriteLine(stop.Value);
        Assert.Contains($"Resume with: latentsynth train --resume {stopped} --nproc 2", flat);
        var saved = RunFolder.Open(stopped).LatestCheckpoint().State;
        Assert.Equal(long.Parse(stop.Groups["steps"].Value, CultureInfo.InvariantCulture), saved.Step);
        Assert.Equal(2, saved.WorldSize);

        // Without --nproc: refused, naming both world sizes.
        var (refusedCode, refused) = CliRunner.Run(10_000, "train", "--resume", stopped);
        Assert.Equal(1, refusedCode);
        Assert.Contains($"run '{stopped}' was trained on 2 process(es) and this resume has 1", refused);
        Assert.Contains("resume with --nproc 2", refused);

        // With --nproc 2, two epochs past the last complete one; then the same run uninterrupted.
        int epochs = int.Parse(stop.Groups["epochs"].Value, CultureInfo.InvariantCulture) + 2;
        Ok("train", "--resume", stopped, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--nproc", "2");
        Ok(Train(straight, epochs, 64, "--nproc", "2"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(stopped, "model.safetensors")));
    }

    [GeneratedRegex(@"Interrupted by SIGTERM after (?<steps>\d+) steps? \((?<epochs>\d+) complete epochs?\); checkpoint saved")]
    private static partial Regex StopMessage();

    // ---- 4. bad launch input ----

    [Theory]
    [InlineData("--nproc 0", "--nproc 0 must be from 1 to 256")]
    [InlineData("--nproc 2 --nnodes 2 --node-rank 2 --master-addr 127.0.0.1", "--node-rank 2 must be from 0 to --nnodes − 1 = 1")]
    [InlineData("--nproc 2 --nnodes 2", "--nnodes 2: give --master-addr HOST")]
    [InlineData("--nproc 2 --master-port 70000", "--master-port 70000 must be from 1 to 65535")]
    [InlineData("--node-rank 1", "--node-rank 1 must be from 0 to --nnodes − 1 = 0")]
    [InlineData("--master-addr 10.0.0.1", "--node-rank, --master-addr and --master-port apply to data-parallel training: give --nproc N")]
    [BadInput("data-parallel", "`train --nproc 0`, `--nnodes 2 --node-rank 2`, `--nnodes 2` without `--master-addr`, `--master-port 70000`, `--node-rank 1` or `--master-addr` without `--nproc`/`--nnodes`", "refused before any worker starts: one error line naming the option and its range (or what it needs); exit 1; nothing trained")]
    public void BadLaunchOptionsAreOneErrorLine(string options, string message)
    {
        var run = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(10_000, Train(run, 1, 64, options.Split(' ')));
        AssertRefused(code, output, message, run);
    }

    [Theory]
    [InlineData("RANK=5 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500", "RANK='5' must be an integer from 0 to 1")]
    [InlineData("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1", "MASTER_PORT is not set")]
    [InlineData("RANK=1 WORLD_SIZE=2 MASTER_PORT=29500", "MASTER_ADDR is not set")]
    [InlineData("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 LATENTSYNTH_DIST_TIMEOUT=0", "LATENTSYNTH_DIST_TIMEOUT='0' must be an integer from 1 to 86400")]
    [InlineData("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 LATENTSYNTH_GRAD_OVERLAP=yes", "LATENTSYNTH_GRAD_OVERLAP='yes' must be 1 (overlap the gradient allreduce with backward, the default) or 0 (average after backward)")]
    [InlineData("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 LATENTSYNTH_GRAD_BUCKET_KB=0", "LATENTSYNTH_GRAD_BUCKET_KB='0' must be an integer from 1 to 1048576 (KiB per gradient bucket)")]
    [InlineData("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500", "--nproc/--nnodes start workers, but this process is already one (RANK and WORLD_SIZE are set)", "--nproc 2")]
    [BadInput("data-parallel", "a worker started with `WORLD_SIZE=2 RANK=5`, without MASTER_PORT or MASTER_ADDR, with `LATENTSYNTH_DIST_TIMEOUT=0`, `LATENTSYNTH_GRAD_OVERLAP=yes` or `LATENTSYNTH_GRAD_BUCKET_KB=0`, or given `--nproc 2` itself", "refused before joining the group: one error line naming the variable and its range (or that it is not set, or that the process is already a worker); exit 1; nothing trained")]
    public void AWorkerWithABadPlaceIsOneErrorLine(string variables, string message, string options = "")
    {
        var run = Path.Combine(dir, "bad-place");
        var environment = variables.Split(' ').Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);
        var (code, output) = Start(Train(run, 1, 64, options.Split(' ', StringSplitOptions.RemoveEmptyEntries)), environment).Exit(RunLimit);
        AssertRefused(code, Flat(output), message, run);
    }

    private static void AssertRefused(int code, string output, string message, string run)
    {
        Assert.Equal(1, code);
        Assert.Contains("error: " + message, output);
        Assert.Single(Regex.Matches(output, "error:"));
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(run), "a refused launch must not leave a run folder");
    }

    // ---- helpers ----

    /// <summary>Output with every run of white space made one space (Spectre wraps long lines at 80 columns when redirected).</summary>
    private static string Flat(string output) => Regex.Replace(output, @"\s+", " ");

    /// <summary>Waits until the run's first checkpoint exists (training is under way), failing if <paramref name="p"/> exits first or after <see cref="RunLimit"/>.</summary>
    private static void WaitUntilTraining(string run, CliProcess p)
    {
        var checkpoints = Path.Combine(run, "checkpoints");
        var clock = Stopwatch.StartNew();
        while (!(Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints).Any()))
        {
            if (p.Process.HasExited) Assert.Fail($"exited with {p.Process.ExitCode} before training:\n{p.Exit(RunLimit).Output}");
            if (clock.Elapsed > RunLimit) Assert.Fail($"no checkpoint in {run} after {RunLimit.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> (from /proc/*/stat).</summary>
    private static List<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(d, "stat")); }
            catch (IOException) { continue; }
            // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent) children.Add(pid);
        }
        return children;
    }

    /// <summary>The RANK in a process's environment.</summary>
    private static string? RankOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0').FirstOrDefault(v => v.StartsWith("RANK=", StringComparison.Ordinal))?["RANK=".Length..];

    /// <summary>Whether the process exists and is not a zombie.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException) { return false; }
    }

    /// <summary>ANSI escape sequences (Spectre's styles and cursor moves), removed from the output before it is checked.</summary>
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    /// <summary>
    /// <c>dotnet latentsynth.dll ARGS</c> in its own process, its output read to the end in the background; the
    /// data-parallel variables are removed from its environment unless given.
    /// </summary>
    private sealed class CliProcess : IDisposable
    {
        private readonly Task<string> stdout, stderr;

        public CliProcess(string[] args, IReadOnlyDictionary<string, string>? environment)
        {
            var dll = typeof(LatentSynth.Cli.Cli).Assembly.Location;
            var start = new ProcessStartInfo(DotnetHost())
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(dll);
            foreach (var a in args) start.ArgumentList.Add(a);
            foreach (var v in new[] { "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", WorkerPlace.TimeoutVariable })
                start.Environment.Remove(v);
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
            Process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
            stdout = Process.StandardOutput.ReadToEndAsync();
            stderr = Process.StandardError.ReadToEndAsync();
        }

        public Process Process { get; }

        /// <summary>Waits for the exit and the end of its output; fails the test (killing it and its children) after <paramref name="limit"/>.</summary>
        public (int Code, string Output) Exit(TimeSpan limit)
        {
            if (!Process.WaitForExit(limit))
            {
                Process.Kill(entireProcessTree: true);
                Assert.Fail($"still running after {limit.TotalSeconds} s: {Process.StartInfo.ArgumentList.Skip(1).FirstOrDefault()} …");
            }
            // The output ends when every holder of the pipe has closed it (the launcher's workers share it).
            if (!Task.WhenAll(stdout, stderr).Wait(limit)) Assert.Fail("the output did not end: a child is still running");
            return (Process.ExitCode, Ansi().Replace(stdout.Result + stderr.Result, ""));
        }

        public void Dispose()
        {
            try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            Process.Dispose();
        }

        /// <summary>The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
        private static string DotnetHost()
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
        }
    }
}
