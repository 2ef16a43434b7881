using System.Runtime.InteropServices;

namespace LatentSynth.Cli;

/// <summary>
/// The one way the command line's long-running verbs (<c>train</c>, <c>benchmark</c>,
/// <c>audio benchmark</c>) hear "stop": SIGINT (Ctrl-C) and SIGTERM (<c>kill</c>, a job scheduler,
/// <c>docker stop</c>, <c>systemd</c>). While the scope lives, the first of them is intercepted
/// (the process is not ended) and cancels <see cref="Token"/>: the verb finishes its step, saves
/// and exits with <see cref="ExitCode"/>. A second signal is not intercepted and ends the process
/// the usual way (checkpoints stay consistent: they are committed atomically).
/// </summary>
public sealed class StopSignal : IDisposable
{
    /// <summary>Exit code after SIGINT (Ctrl-C): 128 + 2, as shells report it.</summary>
    public const int InterruptExitCode = 130;

    /// <summary>Exit code after SIGTERM: 128 + 15, as shells report it.</summary>
    public const int TerminateExitCode = 143;

    private readonly CancellationTokenSource cts = new();
    private readonly List<PosixSignalRegistration> registrations = new();
    private int received; // 0: none yet, otherwise the PosixSignal value (negative numbers), first one wins

    /// <summary>Starts intercepting SIGINT and SIGTERM (where the platform supports them).</summary>
    public StopSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { /* e.g. SIGTERM on some platforms: Ctrl-C still works */ }
        }
    }

    /// <summary>Cancelled when the first stop signal arrives.</summary>
    public CancellationToken Token => cts.Token;

    /// <summary>The signal that asked to stop, or null while none has arrived.</summary>
    public PosixSignal? Received => Volatile.Read(ref received) is var r and not 0 ? (PosixSignal)r : null;

    /// <summary>
    /// The exit code of a verb stopped by <see cref="Received"/>: <see cref="TerminateExitCode"/>
    /// after SIGTERM, otherwise <see cref="InterruptExitCode"/> (what Ctrl-C always gave).
    /// </summary>
    public int ExitCode => Received == PosixSignal.SIGTERM ? TerminateExitCode : InterruptExitCode;

    /// <summary>"SIGTERM" or "SIGINT (Ctrl-C)": the signal received, for messages; null while none has arrived.</summary>
    public string? Description => Received switch
    {
        null => null,
        PosixSignal.SIGTERM => "SIGTERM",
        PosixSignal.SIGINT => "SIGINT (Ctrl-C)",
        var s => s.ToString(),
    };

    /// <summary>
    /// Records <paramref name="signal"/> as the stop request and cancels <see cref="Token"/>, as
    /// the signal handler does; returns false (and does nothing) when a stop was already requested.
    /// </summary>
    public bool Request(PosixSignal signal)
    {
        if (Interlocked.CompareExchange(ref received, (int)signal, 0) != 0) return false;
        cts.Cancel();
        return true;
    }

    private void OnSignal(PosixSignalContext context)
    {
        // First signal: intercept it and stop cleanly. A later one keeps its default action (the
        // process ends), so a user who presses Ctrl-C twice is never stuck.
        if (Request(context.Signal)) context.Cancel = true;
    }

    /// <summary>Stops intercepting the signals.</summary>
    public void Dispose()
    {
        foreach (var r in registrations) r.Dispose();
        registrations.Clear();
        cts.Dispose();
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr SetSignalHandler(int signal, IntPtr handler);

    /// <summary>
    /// Restores the default action of SIGINT when the process inherited it ignored (Linux only; call
    /// first thing at start). A job started in the background (<c>cmd &amp;</c>) by a non-interactive
    /// shell gets SIGINT set to "ignore", and the .NET runtime does not hook a signal that is ignored
    /// at start, so neither Ctrl-C nor <c>kill -INT</c> could ask such a run to save and stop.
    /// </summary>
    public static void RestoreDefaultInterrupt()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int SIGINT = 2;
        try { SetSignalHandler(SIGINT, IntPtr.Zero); } // IntPtr.Zero is SIG_DFL
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* no libc by that name: leave it */ }
    }
}
