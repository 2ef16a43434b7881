using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// audio.cpp: the fused Griffin-Lim loop and a value-only sort (spectral contrast).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_audio_griffin_lim(TensorHandle magnitude, long nFft, long hop, TensorHandle window,
        int center, long iterations, double momentum, TensorHandle initPhase, long length, double* convergence);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_audio_sort_values(TensorHandle input, long dim, int descending);
}
