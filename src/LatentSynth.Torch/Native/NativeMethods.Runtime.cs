using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// runtime.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial IntPtr lst_torch_version();
    [LibraryImport(Lib)] internal static partial IntPtr lst_blas_libraries();
    [LibraryImport(Lib)] internal static partial IntPtr lst_torch_config();
    [LibraryImport(Lib)] internal static partial int lst_openblas_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int lst_openblas_get_num_threads();
    [LibraryImport(Lib)] internal static partial int lst_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int lst_get_num_threads();
    [LibraryImport(Lib)] internal static partial int lst_set_num_interop_threads(int n);
    [LibraryImport(Lib)] internal static partial int lst_get_num_interop_threads();
    [LibraryImport(Lib)] internal static partial int lst_set_deterministic(int enabled, int warnOnly);
    [LibraryImport(Lib)] internal static partial int lst_get_deterministic();
    [LibraryImport(Lib)] internal static partial int lst_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int lst_runtime_tune_allocator(long mmapThreshold, long trimThreshold);

    [LibraryImport(Lib)] internal static partial GeneratorHandle lst_generator_new(ulong seed);
    [LibraryImport(Lib)] internal static partial GeneratorHandle lst_generator_default();
    [LibraryImport(Lib)] internal static partial void lst_generator_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial int lst_generator_manual_seed(GeneratorHandle g, ulong seed);
    [LibraryImport(Lib)] internal static partial int lst_generator_initial_seed(GeneratorHandle g, out ulong seed);
    [LibraryImport(Lib)] internal static partial long lst_generator_state_size(GeneratorHandle g);
    [LibraryImport(Lib)] internal static partial int lst_generator_get_state(GeneratorHandle g, byte* buffer, long nbytes);
    [LibraryImport(Lib)] internal static partial int lst_generator_set_state(GeneratorHandle g, byte* buffer, long nbytes);
}
