using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_spectral.cpp: torch.fft, stft/istft, windows, complex helpers. Optional integers cross as
// -1 (None); optional booleans as -1/0/1; a null norm string means PyTorch's default.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_fft_fft(TensorHandle input, long n, long dim, string? norm);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_fft_ifft(TensorHandle input, long n, long dim, string? norm);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_fft_rfft(TensorHandle input, long n, long dim, string? norm);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_fft_irfft(TensorHandle input, long n, long dim, string? norm);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_fft_rfftfreq(long n, double d, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_fft_fftfreq(long n, double d, int dtype);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_spectral_stft(TensorHandle input, long nFft, long hopLength, long winLength, TensorHandle window, int center, string padMode, int normalized, int onesided);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_istft(TensorHandle input, long nFft, long hopLength, long winLength, TensorHandle window, int center, int normalized, int onesided, long length);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_hann_window(long n, int periodic, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_hamming_window(long n, int periodic, double alpha, double beta, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_blackman_window(long n, int periodic, int dtype);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_real(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_imag(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_angle(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_conj(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_resolve_conj(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_is_conj(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_is_complex(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_view_as_real(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_view_as_complex(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_polar(TensorHandle abs, TensorHandle angle);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_spectral_complex(TensorHandle real, TensorHandle imag);
}
