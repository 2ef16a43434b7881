namespace LatentSynth.Torch;

/// <summary>
/// What a process mostly computes. It decides how the cores are shared between libtorch's own
/// intra-op pool and OpenBLAS's pool (<see cref="ThreadPlans"/>): the two pools add up, so a plan
/// gives each the cores the workload can use and never more than the cores there are.
/// </summary>
public enum Workload
{
    /// <summary>Fully connected networks (the MLP VAE, the piano-roll VAE): time goes to matrix products in BLAS.</summary>
    Dense,

    /// <summary>Convolutional networks: time goes to libtorch's convolution kernels (oneDNN), which split over
    /// libtorch's intra-op threads, and to the dense layers behind them.</summary>
    Convolution,

    /// <summary>Recurrent networks (the music models): many small matrix products and elementwise ops per step.</summary>
    Recurrent,

    /// <summary>Spectral work (Griffin-Lim, STFT): FFTs and elementwise ops on long signals.</summary>
    Spectral,

    /// <summary>A server decoding several requests at once: each request on one core.</summary>
    Serving,
}

/// <summary>A thread plan: libtorch's intra-op threads and OpenBLAS's threads, set together.</summary>
/// <param name="IntraOpThreads">libtorch's intra-op (OpenMP) threads (<see cref="Torch.NumThreads"/>).</param>
/// <param name="BlasThreads">OpenBLAS's threads (<see cref="Torch.BlasThreads"/>).</param>
public sealed record ThreadPlan(int IntraOpThreads, int BlasThreads)
{
    /// <summary>"2 intra-op × 1 BLAS".</summary>
    public override string ToString() => $"{IntraOpThreads} intra-op × {BlasThreads} BLAS";
}

/// <summary>
/// The thread plan of each <see cref="Workload"/>, measured (benchmarks/README.md, "Thread plan"), and the
/// one in force. Environment variables override a plan: <see cref="RuntimeDefaults.ThreadsVariable"/> the
/// intra-op threads, <see cref="BlasThreadsVariable"/> the BLAS threads.
/// </summary>
/// <remarks>
/// Why plans and not one setting: OpenBLAS and libtorch's OpenMP pool are two thread pools. A matrix
/// product runs in OpenBLAS's; a convolution (oneDNN) and the elementwise ops run in libtorch's, and a
/// convolution lowered to BLAS calls one from each of libtorch's threads. Two of each on two cores
/// oversubscribe them (a conv VAE step measured 268 ms against 89–94 ms planned). The best split differs by
/// workload, so the trainer applies the plan of the model it trains (<c>AutoencoderModel.Workload</c>).
/// With <c>workers</c> processes on one machine (data-parallel training), each gets
/// <c>cores / workers</c> cores (at least 1).
/// </remarks>
public static class ThreadPlans
{
    /// <summary>Environment variable overriding the OpenBLAS thread count of every plan.</summary>
    public const string BlasThreadsVariable = "LATENTSYNTH_BLAS_THREADS";

    private static readonly Lock Gate = new();
    private static (Workload Workload, ThreadPlan Plan, string Source)? current;

    /// <summary>
    /// The measured plan of <paramref name="workload"/> for a process given <paramref name="cores"/> cores
    /// (environment overrides not applied). Why each (2-core machine, benchmarks/results/thread-plan.md; both pools at
    /// 2 threads was the slowest of the four splits for every workload, 2.7–4.2× the best):
    /// <list type="bullet">
    /// <item><see cref="Workload.Dense"/>: 1 intra-op, all cores to BLAS: the time is in matrix products (MLP VAE epoch
    /// 0.57 s against 0.74 s on one thread and 0.69 s with the cores given to libtorch instead).</item>
    /// <item><see cref="Workload.Convolution"/>: 1 intra-op, all cores to BLAS. Giving the cores to libtorch's pool
    /// instead (oneDNN's convolutions split over it, BLAS on one thread) measured the same within the noise of these
    /// machines (conv VAE epoch: 1.46 against 1.54 s in one sweep, 1.90 against 1.79 s in the next), and it stalls
    /// when another job takes a core (10.5 s against 1.5 s at load 9): a parallel region waits for its slowest
    /// thread, a BLAS call splits its work more loosely.</item>
    /// <item><see cref="Workload.Recurrent"/>: 1 intra-op, all cores to BLAS: the LSTM/GRU products of a batch split
    /// well (MusicVAE step 0.36 s against 0.54 s on one thread), while a second libtorch thread only adds wake-ups
    /// to the many small elementwise ops (0.58 s).</item>
    /// <item><see cref="Workload.Spectral"/>: 1 intra-op, 1 BLAS: Griffin-Lim runs in the fused native loop; the four
    /// splits measured within noise of each other (0.20–0.24 s for 100 iterations on 4 s), so one core, which leaves
    /// the other to concurrent requests in the server and the synthesizer.</item>
    /// <item><see cref="Workload.Serving"/>: 1 and 1: concurrent requests use the cores, one each.</item>
    /// </list>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cores"/> is below 1.</exception>
    public static ThreadPlan Default(Workload workload, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        return workload switch
        {
            Workload.Dense => new ThreadPlan(1, cores),
            Workload.Convolution => new ThreadPlan(1, cores),
            Workload.Recurrent => new ThreadPlan(1, cores),
            Workload.Spectral => new ThreadPlan(1, 1),
            Workload.Serving => new ThreadPlan(1, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(workload), workload, "unknown workload"),
        };
    }

    /// <summary>The cores each of <paramref name="workers"/> processes on this machine gets: logical CPUs / workers, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is below 1.</exception>
    public static int CoresPerWorker(int workers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return Math.Max(1, Environment.ProcessorCount / workers);
    }

    /// <summary>
    /// The cores this process can count on: <paramref name="cores"/> less <paramref name="busyCores"/>, the cores other
    /// processes keep busy (<see cref="OtherProcessesBusyCores"/>), rounded to the nearest, at least 1.
    /// </summary>
    /// <remarks>
    /// Why: on a busy machine a plan that spreads one process over every core stalls it. Measured on the 2-core
    /// machine at load 9 (other jobs running), conv VAE epoch on 1,000 images: 1 × 1 threads 1.25 s, 1 × 2 1.5 s,
    /// 2 × 1 10.5 s; MLP VAE on 6,000: 1 × 1 0.64–0.95 s, 1 × 2 1.2–2.1 s, 2 × 1 7.3–9.2 s. A parallel region ends
    /// only when its every thread has run, and a thread that shares its core with another job waits for a time slice.
    /// </remarks>
    public static int FreeCores(int cores, double busyCores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        double busy = double.IsFinite(busyCores) ? Math.Max(0, busyCores) : 0;
        return Math.Clamp((int)Math.Floor(cores - busy + 0.5), 1, cores);
    }

    /// <summary>
    /// The cores other processes keep busy now: the machine's busy CPU time less this process's, over
    /// <paramref name="window"/> (default 50 ms), from <c>/proc/stat</c> and <c>/proc/self/stat</c>; null where they
    /// cannot be read.
    /// </summary>
    /// <remarks>
    /// A direct measurement, not the load average: the 1-minute load average lags by a minute and counts this
    /// program's own work just before (a benchmark's previous run, a test's previous training), which made a quiet
    /// 2-core machine read as busy (load 1.8) and planned one core where two were free.
    /// </remarks>
    public static double? OtherProcessesBusyCores(TimeSpan? window = null)
    {
        var span = window ?? TimeSpan.FromMilliseconds(50);
        if (Sample() is not { } a) return null;
        Thread.Sleep(span);
        if (Sample() is not { } b) return null;
        double seconds = (b.Clock - a.Clock).TotalSeconds;
        if (seconds <= 0) return null;
        // Both files count in USER_HZ ticks, 100 per second on Linux.
        return Math.Max(0, ((b.Busy - a.Busy) - (b.Own - a.Own)) / 100.0 / seconds);
    }

    private static (long Busy, long Own, DateTime Clock)? Sample()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
            long busy = 0;
            for (int i = 1; i < Math.Min(cpu.Length, 9); i++)
                if (i is not (4 or 5)) busy += long.Parse(cpu[i], System.Globalization.CultureInfo.InvariantCulture);
            var self = File.ReadAllText("/proc/self/stat");
            var fields = self[(self.LastIndexOf(')') + 2)..].Split(' ');
            // After the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
            long own = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return (busy, own, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The plan for <paramref name="workload"/> in a process that is one of <paramref name="workers"/> on this
    /// machine, given the cores other processes keep busy (<paramref name="busyCores"/>; null: measured now, see
    /// <see cref="FreeCores"/>), with the environment overrides applied; an unusable override is reported through
    /// <paramref name="warn"/> and ignored. The second item says where the plan came from.
    /// </summary>
    public static (ThreadPlan Plan, string Source) Resolve(Workload workload, int workers = 1, Action<string>? warn = null, double? busyCores = null)
    {
        int perWorker = CoresPerWorker(workers);
        var source = workers > 1 ? $"measured plan for {workload}, {perWorker} core(s) per worker of {workers}" : $"measured plan for {workload}";
        if (workers == 1 && (busyCores ?? OtherProcessesBusyCores()) is { } busy && FreeCores(perWorker, busy) is var free && free < perWorker)
        {
            source += $", machine busy (other processes use {busy.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} of {perWorker} cores): planned for {free} free core(s)";
            perWorker = free;
        }
        var plan = Default(workload, perWorker);
        if (Override(RuntimeDefaults.ThreadsVariable, warn) is { } t) { plan = plan with { IntraOpThreads = t }; source += $", {RuntimeDefaults.ThreadsVariable}={t}"; }
        if (Override(BlasThreadsVariable, warn) is { } b) { plan = plan with { BlasThreads = b }; source += $", {BlasThreadsVariable}={b}"; }
        return (plan, source);
    }

    /// <summary>Resolves and applies the plan of <paramref name="workload"/> (see <see cref="Resolve"/>, where
    /// <paramref name="busyCores"/> null measures the other processes' load); returns it.</summary>
    public static ThreadPlan Apply(Workload workload, int workers = 1, Action<string>? warn = null, double? busyCores = null)
    {
        var (plan, source) = Resolve(workload, workers, warn, busyCores);
        lock (Gate)
        {
            Torch.NumThreads = plan.IntraOpThreads;
            if (Torch.BlasThreads >= 0) Torch.BlasThreads = plan.BlasThreads;
            current = (workload, plan, source);
        }
        return plan;
    }

    /// <summary>
    /// The plan last applied by <see cref="Apply"/> with its workload and source, or null when none was; the
    /// threads actually in force are <see cref="Torch.NumThreads"/> and <see cref="Torch.BlasThreads"/>.
    /// </summary>
    public static (Workload Workload, ThreadPlan Plan, string Source)? Current
    {
        get { lock (Gate) return current; }
    }

    private static int? Override(string variable, Action<string>? warn)
    {
        var env = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(env)) return null;
        if (int.TryParse(env, out var n) && n is >= 1 and <= 1024) return n;
        warn?.Invoke($"{variable}='{env}' is not a thread count from 1 to 1024; using the measured plan.");
        return null;
    }
}
