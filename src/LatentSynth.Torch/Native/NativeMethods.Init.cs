using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// init.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int lst_init_uniform_(TensorHandle t, double a, double b, GeneratorHandle gen);
    [LibraryImport(Lib)] internal static partial int lst_init_normal_(TensorHandle t, double mean, double std, GeneratorHandle gen);
    [LibraryImport(Lib)] internal static partial int lst_init_constant_(TensorHandle t, NativeScalar value);
    [LibraryImport(Lib)] internal static partial int lst_init_zeros_(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int lst_init_ones_(TensorHandle t);
}
