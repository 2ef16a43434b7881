using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_linalg.cpp: decompositions returning several tensors through out-parameters.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int lst_linalg_eigh(TensorHandle a, int upper, out IntPtr eigenvalues, out IntPtr eigenvectors);
    [LibraryImport(Lib)] internal static partial int lst_linalg_svd(TensorHandle a, int fullMatrices, out IntPtr u, out IntPtr s, out IntPtr vh);
}
