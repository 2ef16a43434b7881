// Spectral ops: torch.fft (1-D transforms and frequencies), STFT / inverse STFT, window
// functions, and complex-number helpers (real, imag, angle, conj, view_as_real/complex, polar).
//
// Optional integers arrive as int64 with a negative value meaning "None" (the managed layer
// rejects negative values a user passes). A null norm string means "backward", as in PyTorch.
#include "common.h"

#include <stdexcept>
#include <string>

using lst::T;

namespace {

c10::optional<int64_t> opt_int(int64_t v) {
  if (v < 0) return c10::nullopt;
  return v;
}

c10::optional<c10::string_view> opt_norm(const char* norm) {
  if (norm == nullptr) return c10::nullopt;
  return c10::string_view(norm);
}

// Tri-state flag: negative = None, 0 = false, positive = true.
c10::optional<bool> opt_bool(int32_t v) {
  if (v < 0) return c10::nullopt;
  return v != 0;
}

c10::optional<at::Tensor> opt(lst_tensor h, const char* what) {
  if (h == nullptr) return c10::nullopt;
  return T(h, what);
}

}  // namespace

// ---- torch.fft ---------------------------------------------------------------------------------

/// torch.fft.fft: complex 1-D DFT along dim (real input is promoted to complex).
LST_API lst_tensor lst_fft_fft(lst_tensor input, int64_t n, int64_t dim, const char* norm) {
  LST_TRY return lst::wrap(at::fft_fft(T(input, "input"), opt_int(n), dim, opt_norm(norm))); LST_CATCH_HANDLE
}

/// torch.fft.ifft: inverse complex 1-D DFT.
LST_API lst_tensor lst_fft_ifft(lst_tensor input, int64_t n, int64_t dim, const char* norm) {
  LST_TRY return lst::wrap(at::fft_ifft(T(input, "input"), opt_int(n), dim, opt_norm(norm))); LST_CATCH_HANDLE
}

/// torch.fft.rfft: DFT of a real signal, keeping the n/2+1 non-negative frequencies.
LST_API lst_tensor lst_fft_rfft(lst_tensor input, int64_t n, int64_t dim, const char* norm) {
  LST_TRY return lst::wrap(at::fft_rfft(T(input, "input"), opt_int(n), dim, opt_norm(norm))); LST_CATCH_HANDLE
}

/// torch.fft.irfft: inverse of rfft; n is the output length (default 2*(m-1)).
LST_API lst_tensor lst_fft_irfft(lst_tensor input, int64_t n, int64_t dim, const char* norm) {
  LST_TRY return lst::wrap(at::fft_irfft(T(input, "input"), opt_int(n), dim, opt_norm(norm))); LST_CATCH_HANDLE
}

/// torch.fft.rfftfreq(n, d).
LST_API lst_tensor lst_fft_rfftfreq(int64_t n, double d, int32_t dtype) {
  LST_TRY
  return lst::wrap(at::fft_rfftfreq(n, d, at::TensorOptions().dtype(lst::dtype_from_code(dtype))));
  LST_CATCH_HANDLE
}

/// torch.fft.fftfreq(n, d).
LST_API lst_tensor lst_fft_fftfreq(int64_t n, double d, int32_t dtype) {
  LST_TRY
  return lst::wrap(at::fft_fftfreq(n, d, at::TensorOptions().dtype(lst::dtype_from_code(dtype))));
  LST_CATCH_HANDLE
}

// ---- STFT --------------------------------------------------------------------------------------

/// torch.stft(..., return_complex=True). hop_length / win_length < 0 mean None; window may be null;
/// onesided < 0 means None (one-sided for real input and window).
LST_API lst_tensor lst_spectral_stft(lst_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length,
                                     lst_tensor window, int32_t center, const char* pad_mode, int32_t normalized,
                                     int32_t onesided) {
  LST_TRY
  if (pad_mode == nullptr) throw std::invalid_argument("pad_mode is null");
  return lst::wrap(at::stft(T(input, "input"), n_fft, opt_int(hop_length), opt_int(win_length), opt(window, "window"),
                            center != 0, c10::string_view(pad_mode), normalized != 0, opt_bool(onesided),
                            /*return_complex=*/true));
  LST_CATCH_HANDLE
}

/// torch.istft on a complex spectrogram. length < 0 and onesided < 0 mean None.
LST_API lst_tensor lst_spectral_istft(lst_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length,
                                      lst_tensor window, int32_t center, int32_t normalized, int32_t onesided,
                                      int64_t length) {
  LST_TRY
  return lst::wrap(at::istft(T(input, "input"), n_fft, opt_int(hop_length), opt_int(win_length), opt(window, "window"),
                             center != 0, normalized != 0, opt_bool(onesided), opt_int(length),
                             /*return_complex=*/false));
  LST_CATCH_HANDLE
}

// ---- windows -----------------------------------------------------------------------------------

/// torch.hann_window.
LST_API lst_tensor lst_spectral_hann_window(int64_t n, int32_t periodic, int32_t dtype) {
  LST_TRY
  return lst::wrap(at::hann_window(n, periodic != 0, at::TensorOptions().dtype(lst::dtype_from_code(dtype))));
  LST_CATCH_HANDLE
}

/// torch.hamming_window with alpha and beta.
LST_API lst_tensor lst_spectral_hamming_window(int64_t n, int32_t periodic, double alpha, double beta, int32_t dtype) {
  LST_TRY
  return lst::wrap(
      at::hamming_window(n, periodic != 0, alpha, beta, at::TensorOptions().dtype(lst::dtype_from_code(dtype))));
  LST_CATCH_HANDLE
}

/// torch.blackman_window.
LST_API lst_tensor lst_spectral_blackman_window(int64_t n, int32_t periodic, int32_t dtype) {
  LST_TRY
  return lst::wrap(at::blackman_window(n, periodic != 0, at::TensorOptions().dtype(lst::dtype_from_code(dtype))));
  LST_CATCH_HANDLE
}

// ---- complex helpers ---------------------------------------------------------------------------

/// tensor.real (a view; the tensor itself for real dtypes).
LST_API lst_tensor lst_tensor_real(lst_tensor h) {
  LST_TRY return lst::wrap(at::real(T(h))); LST_CATCH_HANDLE
}

/// tensor.imag (a view; complex tensors only).
LST_API lst_tensor lst_tensor_imag(lst_tensor h) {
  LST_TRY return lst::wrap(at::imag(T(h))); LST_CATCH_HANDLE
}

/// torch.angle (elementwise argument; 0 or pi for real input).
LST_API lst_tensor lst_tensor_angle(lst_tensor h) {
  LST_TRY return lst::wrap(at::angle(T(h))); LST_CATCH_HANDLE
}

/// tensor.conj() (a lazy conjugate view for complex tensors, the tensor itself otherwise).
LST_API lst_tensor lst_tensor_conj(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).conj()); LST_CATCH_HANDLE
}

/// tensor.resolve_conj(): materialises a lazy conjugate.
LST_API lst_tensor lst_tensor_resolve_conj(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).resolve_conj()); LST_CATCH_HANDLE
}

/// 1 if the tensor is a lazy conjugate view, 0 if not, -1 on error.
LST_API int32_t lst_tensor_is_conj(lst_tensor h) {
  LST_TRY return T(h).is_conj() ? 1 : 0; LST_CATCH_INT
}

/// 1 for complex dtypes, 0 otherwise, -1 on error.
LST_API int32_t lst_tensor_is_complex(lst_tensor h) {
  LST_TRY return T(h).is_complex() ? 1 : 0; LST_CATCH_INT
}

/// torch.view_as_real: complex [..] -> real [.., 2] view.
LST_API lst_tensor lst_tensor_view_as_real(lst_tensor h) {
  LST_TRY return lst::wrap(at::view_as_real(T(h))); LST_CATCH_HANDLE
}

/// torch.view_as_complex: real [.., 2] -> complex [..] view.
LST_API lst_tensor lst_spectral_view_as_complex(lst_tensor h) {
  LST_TRY return lst::wrap(at::view_as_complex(T(h))); LST_CATCH_HANDLE
}

/// torch.polar(abs, angle) = abs * (cos(angle) + i sin(angle)).
LST_API lst_tensor lst_spectral_polar(lst_tensor abs, lst_tensor angle) {
  LST_TRY return lst::wrap(at::polar(T(abs, "abs"), T(angle, "angle"))); LST_CATCH_HANDLE
}

/// torch.complex(real, imag).
LST_API lst_tensor lst_spectral_complex(lst_tensor real, lst_tensor imag) {
  LST_TRY return lst::wrap(at::complex(T(real, "real"), T(imag, "imag"))); LST_CATCH_HANDLE
}
