using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>
/// P/Invoke declarations for the native shim. One partial file per native area
/// (NativeMethods.Tensor.cs ↔ tensor.cpp, …). Tensor and generator
/// arguments always cross as SafeHandles; an absent optional one as <see cref="OptionalTensor"/> /
/// <see cref="OptionalGenerator"/> (an invalid handle, marshalled as a null pointer). Raw pointers
/// remain only for out-parameters that return new handles and for arrays built by WithHandles.
/// </summary>
internal static partial class NativeMethods
{
    /// <summary>The shim's library name (liblatentsynth_torch.so).</summary>
    internal const string Lib = "latentsynth_torch";

    /// <summary>Environment variable that may point at a shim built elsewhere.</summary>
    internal const string LibraryPathVariable = "LATENTSYNTH_NATIVE";

    // A library needs the resolver registered before its first P/Invoke, whoever the caller is:
    // that is what module initializers are for.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Lib) return IntPtr.Zero;
        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        }
        // Last resort: let the loader try its own search path, then report what we tried.
        if (NativeLibrary.TryLoad("lib" + Lib + ".so", assembly, searchPath, out var fallback)) return fallback;
        throw new DllNotFoundException(
            $"Could not load liblatentsynth_torch.so. Looked in: {string.Join(", ", Candidates())}. " +
            "Build it with `dotnet build` (needs libtorch-dev: run `make setup`), or set " +
            $"{LibraryPathVariable} to the file's path.");
    }

    private static IEnumerable<string> Candidates()
    {
        var overridePath = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrEmpty(overridePath)) yield return overridePath;
        yield return Path.Combine(AppContext.BaseDirectory, "liblatentsynth_torch.so");
        var asmDir = Path.GetDirectoryName(typeof(NativeMethods).Assembly.Location);
        if (!string.IsNullOrEmpty(asmDir)) yield return Path.Combine(asmDir, "liblatentsynth_torch.so");
    }

    /// <summary>The calling thread's last native error message.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(lst_last_error()) ?? string.Empty;

    /// <summary>Throws <see cref="TorchException"/> when a status-returning call failed.</summary>
    internal static void Check(int status, string operation)
    {
        if (status < 0) throw TorchException.FromLastError(operation);
    }

    /// <summary>Throws when a handle-returning call failed; otherwise wraps the handle.</summary>
    internal static Tensor Wrap(TensorHandle handle, string operation)
    {
        if (handle.IsInvalid)
        {
            handle.SetHandleAsInvalid();
            throw TorchException.FromLastError(operation);
        }
        return new Tensor(handle);
    }

    /// <summary>
    /// Runs <paramref name="call"/> with the raw handles of <paramref name="tensors"/> kept alive
    /// (AddRef) for its duration: for native entries that take arrays of tensors.
    /// </summary>
    internal static TResult WithHandles<TResult>(IReadOnlyList<Tensor> tensors, Func<IntPtr[], TResult> call)
    {
        var raw = new IntPtr[tensors.Count];
        var added = new bool[tensors.Count];
        try
        {
            for (int i = 0; i < raw.Length; i++)
            {
                var h = tensors[i].Handle;
                h.DangerousAddRef(ref added[i]);
                raw[i] = h.DangerousGetHandle();
            }
            return call(raw);
        }
        finally
        {
            for (int i = 0; i < raw.Length; i++)
                if (added[i]) tensors[i].Handle.DangerousRelease();
        }
    }

    /// <summary>Wraps raw handles returned through an out-array; zero entries become null.</summary>
    internal static Tensor?[] WrapRaw(IntPtr[] raw)
    {
        var result = new Tensor?[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            result[i] = raw[i] == IntPtr.Zero ? null : new Tensor(new TensorHandle(raw[i]));
        return result;
    }

    /// <summary>An always-invalid handle that crosses the ABI as a null pointer (an absent
    /// optional tensor). Never disposed: an invalid SafeHandle has nothing to release.</summary>
    internal static readonly TensorHandle AbsentTensorHandle = new();

    /// <summary>
    /// The handle of an optional tensor (use it for every nullable tensor argument: the generated
    /// marshaller cannot pass a null SafeHandle), or a null handle when it is absent.
    /// </summary>
    internal static TensorHandle OptionalTensor(Tensor? tensor) => tensor is null ? AbsentTensorHandle : tensor.Handle;

    /// <summary>An always-invalid generator handle that crosses the ABI as a null pointer (the
    /// default generator). Never disposed, like <see cref="AbsentTensorHandle"/>.</summary>
    internal static readonly GeneratorHandle AbsentGeneratorHandle = new();

    /// <summary>
    /// The handle of an optional generator (use it for every nullable generator argument), or a
    /// null handle when it is absent, which the shim reads as "the default CPU generator".
    /// </summary>
    internal static GeneratorHandle OptionalGenerator(Generator? generator) => generator is null ? AbsentGeneratorHandle : generator.Handle;

    [LibraryImport(Lib)] internal static partial IntPtr lst_last_error();
    [LibraryImport(Lib)] internal static partial void lst_clear_error();
    [LibraryImport(Lib)] internal static partial long lst_live_tensors();
    [LibraryImport(Lib)] internal static partial void lst_tensor_free(IntPtr handle);
}
