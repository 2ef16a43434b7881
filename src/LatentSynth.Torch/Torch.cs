using System.Reflection;
using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>
/// The <c>torch</c> namespace: factories, free functions, random seeds, threads and runtime facts.
/// </summary>
public static partial class Torch
{
    /// <summary>Opens a dispose scope on this thread (see <see cref="DisposeScope"/>).</summary>
    public static DisposeScope NewScope() => new();

    /// <summary>Disables gradient recording until the returned scope is disposed (<c>torch.no_grad()</c>).</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables gradient recording until the returned scope is disposed (<c>torch.enable_grad()</c>).</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>Whether gradient recording is enabled on this thread.</summary>
    public static bool IsGradEnabled => NativeMethods.lst_grad_enabled() == 1;

    /// <summary>Number of native tensors currently alive in the process (for leak tests).</summary>
    public static long LiveTensors => NativeMethods.lst_live_tensors();

    /// <summary>Seeds the default generator (<c>torch.manual_seed</c>): same seed, same run.</summary>
    public static void ManualSeed(ulong seed) => NativeMethods.Check(NativeMethods.lst_manual_seed(seed), "manual_seed");

    /// <summary>The default generator's state (<c>torch.get_rng_state()</c>).</summary>
    public static byte[] GetRngState()
    {
        using var g = Generator.Default;
        return g.GetState();
    }

    /// <summary>Restores the default generator's state (<c>torch.set_rng_state()</c>).</summary>
    public static void SetRngState(ReadOnlySpan<byte> state)
    {
        using var g = Generator.Default;
        g.SetState(state);
    }

    /// <summary>Intra-op thread count (<c>torch.get_num_threads()</c> / <c>set_num_threads()</c>).</summary>
    public static int NumThreads
    {
        get => NativeMethods.lst_get_num_threads();
        set => NativeMethods.Check(NativeMethods.lst_set_num_threads(value), "set_num_threads");
    }

    /// <summary>Inter-op thread count; can only be set before inter-op work starts.</summary>
    public static int NumInteropThreads
    {
        get => NativeMethods.lst_get_num_interop_threads();
        set => NativeMethods.Check(NativeMethods.lst_set_num_interop_threads(value), "set_num_interop_threads");
    }

    /// <summary>
    /// OpenBLAS's own thread count (-1 when OpenBLAS is not the active BLAS). libtorch calls BLAS
    /// for matmul; its threads add to libtorch's own.
    /// </summary>
    public static int BlasThreads
    {
        get => NativeMethods.lst_openblas_get_num_threads();
        set => NativeMethods.lst_openblas_set_num_threads(value);
    }

    /// <summary><c>torch.use_deterministic_algorithms(enabled, warn_only)</c>.</summary>
    public static void UseDeterministicAlgorithms(bool enabled, bool warnOnly = false) =>
        NativeMethods.Check(NativeMethods.lst_set_deterministic(enabled ? 1 : 0, warnOnly ? 1 : 0), "use_deterministic_algorithms");

    /// <summary>Whether deterministic algorithms are enforced.</summary>
    public static bool AreDeterministicAlgorithmsEnabled => NativeMethods.lst_get_deterministic() == 1;

    /// <summary>libtorch's version (for example <c>1.13.1</c>).</summary>
    public static string LibTorchVersion => Marshal.PtrToStringUTF8(NativeMethods.lst_torch_version()) ?? "unknown";

    /// <summary>LatentSynth's version.</summary>
    public static string Version =>
        typeof(Torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(Torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>ATen's build configuration text (<c>torch.__config__.show()</c>).</summary>
    public static string BuildConfig => Marshal.PtrToStringUTF8(NativeMethods.lst_torch_config()) ?? string.Empty;

    /// <summary>The BLAS libtorch calls, as found among the libraries loaded in this process.</summary>
    public static BlasInfo Blas => BlasInfo.Detect(Marshal.PtrToStringUTF8(NativeMethods.lst_blas_libraries()) ?? string.Empty);
}

/// <summary>Which BLAS implementation is mapped into the process.</summary>
/// <param name="Kind">"OpenBLAS", "reference", "MKL", or "unknown".</param>
/// <param name="Libraries">Real paths of the BLAS/LAPACK libraries that are loaded.</param>
public sealed record BlasInfo(string Kind, IReadOnlyList<string> Libraries)
{
    /// <summary>True for the unoptimised Netlib reference BLAS (about 13x slower matmul here).</summary>
    public bool IsReference => Kind == "reference";

    /// <summary>Classifies the semicolon-separated library list the shim reports.</summary>
    internal static BlasInfo Detect(string list)
    {
        var libs = list.Split(';', StringSplitOptions.RemoveEmptyEntries);
        string kind = "unknown";
        if (libs.Any(l => l.Contains("openblas", StringComparison.OrdinalIgnoreCase))) kind = "OpenBLAS";
        else if (libs.Any(l => l.Contains("mkl", StringComparison.OrdinalIgnoreCase))) kind = "MKL";
        else if (libs.Any(l => l.Contains("/blas/", StringComparison.Ordinal) || l.EndsWith("libblas.so.3", StringComparison.Ordinal))) kind = "reference";
        return new BlasInfo(kind, libs);
    }

    /// <summary>One-line description.</summary>
    public override string ToString() => Libraries.Count == 0 ? Kind : $"{Kind} ({string.Join(", ", Libraries)})";
}
