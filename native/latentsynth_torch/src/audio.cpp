// Audio kernels: the fused (fast) Griffin-Lim loop, and a value-only sort used by the spectral
// contrast descriptor.
//
// Griffin-Lim follows Griffin & Lim (1984), "Signal estimation from modified short-time Fourier
// transform", with the accelerated update of Perraudin, Balazs & Søndergaard (2013), "A fast
// Griffin-Lim algorithm":
//   c_n   = P_C1(P_C2(t_{n-1}))           (re-analysis of the signal rebuilt from |S| · phase)
//   t_n   = c_n - alpha/(1+alpha) · c_{n-1} (momentum; alpha = 0 gives the classic algorithm)
//   phase = t_n / (|t_n| + eps)
// The whole loop runs here on ATen ops: the analysis window and the summed squared window used
// by the inverse are computed once, frames are taken as a strided view of the padded signal and
// transformed with rfft / irfft, and the overlap-add is a handful of block additions (or
// index_add_ when the hop does not divide the FFT size). The transforms agree with torch.stft /
// torch.istft (center = true, reflect padding; or center = false) on the frames-first layout
// [frames, n_fft/2+1].
#include "common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

using lst::T;

namespace {

struct Framer {
  int64_t n_fft, hop, frames;
  bool center;
  at::Tensor window;   // [n_fft]
  at::Tensor inv_wss;  // [padded] 1 / sum of squared windows where it is non-negligible, else 1
  at::Tensor ola;      // [padded] overlap-add buffer
  at::Tensor ola_index;  // [frames * n_fft] int64 (only when hop does not divide n_fft)
  int64_t padded;      // n_fft + hop * (frames - 1)
  int64_t length;      // signal length between the analysis passes

  Framer(int64_t n_fft_, int64_t hop_, int64_t frames_, bool center_, const at::Tensor& w)
      : n_fft(n_fft_), hop(hop_), frames(frames_), center(center_), window(w.contiguous()) {
    padded = n_fft + hop * (frames - 1);
    length = center ? padded - 2 * (n_fft / 2) : padded;
    auto opts = window.options();
    ola = at::zeros({padded}, opts);
    if (n_fft % hop != 0) {
      auto f = at::arange(frames, opts.dtype(at::kLong)).mul_(hop).unsqueeze(1);
      ola_index = (f + at::arange(n_fft, opts.dtype(at::kLong)).unsqueeze(0)).reshape({-1});
    }
    auto sq = window.square().unsqueeze(0).expand({frames, n_fft}).contiguous();
    at::Tensor wss = at::zeros({padded}, opts);
    overlap_add(sq, wss);
    // torch.istft requires NOLA (> 1e-11) inside the kept region; we divide where the sum is
    // large enough and leave the (trimmed) edges as they are.
    inv_wss = at::where(wss > 1e-11, wss.reciprocal(), at::ones_like(wss));
  }

  // out[f*hop + k] += frames[f, k]; out is zeroed first.
  void overlap_add(const at::Tensor& fr, at::Tensor& out) const {
    out.zero_();
    if (n_fft % hop == 0) {
      int64_t r = n_fft / hop;
      auto blocks = out.view({frames + r - 1, hop});
      auto src = fr.view({frames, r, hop});
      for (int64_t i = 0; i < r; ++i) blocks.narrow(0, i, frames).add_(src.select(1, i));
    } else {
      out.index_add_(0, ola_index, fr.reshape({-1}));
    }
  }

  // Inverse STFT of complex frames [frames, bins] → signal [length] (or up to `want` samples,
  // as far as the overlap-added frames reach, like torch.istft's length argument).
  at::Tensor inverse(const at::Tensor& spec, int64_t want = -1) {
    auto fr = at::fft_irfft(spec, n_fft, 1).mul_(window);
    overlap_add(fr, ola);
    ola.mul_(inv_wss);
    int64_t start = center ? n_fft / 2 : 0;
    int64_t n = want < 0 ? length : std::min(want, padded - start);
    return ola.narrow(0, start, n);
  }

  // STFT of a signal [length] → complex frames [frames, bins].
  at::Tensor forward(const at::Tensor& signal) const {
    at::Tensor p = signal;
    const int64_t n = signal.size(0);
    if (center) p = at::reflection_pad1d(signal.view({1, n}), {n_fft / 2, n_fft / 2}).view({n + 2 * (n_fft / 2)});
    auto fr = p.as_strided({frames, n_fft}, {hop, 1}).mul(window);
    return at::fft_rfft(fr, c10::nullopt, 1);
  }
};

}  // namespace

/// Fused Griffin-Lim. magnitude: float32/float64 [frames, n_fft/2+1]. window: [n_fft] (already
/// zero-padded to n_fft). init_phase: nullable; angles in radians [frames, bins] (null = zero phase).
/// momentum: 0 = classic. length < 0: natural length (hop·(frames-1) when centred). Writes the final
/// spectral convergence ‖|STFT(x)| − S‖_F / ‖S‖_F to *convergence (may be null). Returns the signal.
LST_API lst_tensor lst_audio_griffin_lim(lst_tensor magnitude, int64_t n_fft, int64_t hop, lst_tensor window,
                                         int32_t center, int64_t iterations, double momentum, lst_tensor init_phase,
                                         int64_t length, double* convergence) {
  LST_TRY
  const at::Tensor& S = T(magnitude, "magnitude");
  const at::Tensor& w = T(window, "window");
  if (S.dim() != 2) throw std::invalid_argument("griffin_lim: magnitude must be [frames, bins], got " + std::to_string(S.dim()) + " dims");
  if (n_fft <= 0 || hop <= 0) throw std::invalid_argument("griffin_lim: n_fft and hop must be positive");
  if (S.size(1) != n_fft / 2 + 1)
    throw std::invalid_argument("griffin_lim: magnitude has " + std::to_string(S.size(1)) + " bins, n_fft " +
                                std::to_string(n_fft) + " needs " + std::to_string(n_fft / 2 + 1));
  if (S.size(0) < 1) throw std::invalid_argument("griffin_lim: magnitude has no frames");
  if (w.dim() != 1 || w.size(0) != n_fft) throw std::invalid_argument("griffin_lim: window must be [n_fft]");
  if (iterations < 0) throw std::invalid_argument("griffin_lim: iterations must be non-negative");
  if (!(momentum >= 0.0)) throw std::invalid_argument("griffin_lim: momentum must be non-negative");
  at::NoGradGuard no_grad;
  at::Tensor mag = S.contiguous();
  Framer fr(n_fft, hop, mag.size(0), center != 0, w.to(mag.scalar_type()));
  if (fr.center && fr.length <= n_fft / 2)
    throw std::invalid_argument("griffin_lim: too few frames for centred reflect padding; use more frames");
  const double eps = 1e-16;  // guards the phase normalisation of bins with zero magnitude
  // spec = |S| · phase, kept as one complex tensor; the phase update and the multiplication by
  // |S| are one real scaling of the complex values: spec = t · |S| / (|t| + eps).
  at::Tensor spec;
  if (init_phase != nullptr) {
    const at::Tensor& ph = T(init_phase, "init_phase");
    if (!ph.sizes().equals(mag.sizes())) throw std::invalid_argument("griffin_lim: init_phase must have the magnitude's shape");
    spec = at::polar(mag, ph.to(mag.scalar_type()));
  } else {
    spec = at::polar(mag, at::zeros_like(mag));
  }
  at::Tensor tprev;
  at::Tensor scale = at::empty_like(mag);
  const double a = momentum / (1.0 + momentum);
  // Like librosa, iterate on the requested length when it gives the same frames (a signal a few
  // samples longer than hop·(frames−1)); otherwise on the natural length.
  int64_t loop_len = -1;
  if (length >= fr.length) {
    int64_t avail = std::min(length, fr.padded - (fr.center ? n_fft / 2 : 0));
    int64_t f = fr.center ? 1 + avail / hop : (avail < n_fft ? 0 : 1 + (avail - n_fft) / hop);
    if (f == fr.frames) loop_len = avail;
  }
  for (int64_t i = 0; i < iterations; ++i) {
    at::Tensor rebuilt = fr.forward(fr.inverse(spec, loop_len));
    at::Tensor t = (a != 0.0 && tprev.defined()) ? rebuilt.sub(tprev, a) : rebuilt;
    at::abs_out(scale, t);
    scale.add_(eps);
    at::div_out(scale, mag, scale);
    spec = at::view_as_complex(at::view_as_real(t).mul(scale.unsqueeze(-1)));
    tprev = rebuilt;
  }
  at::Tensor& angles = spec;  // the final spectrum to invert
  at::Tensor out = fr.inverse(angles).clone();
  if (length >= 0) {
    // Redo the last overlap-add at the requested length (the frames reach past the natural
    // length by up to n_fft / 2 samples); zero-pad beyond that.
    out = fr.inverse(angles, length).clone();
    if (out.size(0) < length) out = at::constant_pad_nd(out, {0, length - out.size(0)}, 0);
  }
  if (convergence != nullptr) {
    // Measured on the returned signal when its STFT has as many frames as the target (a longer
    // signal reaching the same frames), else on the natural-length signal.
    int64_t n = out.size(0);
    int64_t out_frames = fr.center ? 1 + n / hop : (n < n_fft ? 0 : 1 + (n - n_fft) / hop);
    at::Tensor probe = (out_frames == fr.frames && n >= fr.length) ? out : fr.inverse(angles).clone();
    at::Tensor est = fr.forward(probe).abs();
    double num = (est - mag).norm().item<double>();
    double den = mag.norm().item<double>();
    *convergence = den > 0 ? num / den : num;
  }
  return lst::wrap(std::move(out));
  LST_CATCH_HANDLE
}

/// torch.sort(input, dim, descending).values.
LST_API lst_tensor lst_audio_sort_values(lst_tensor input, int64_t dim, int32_t descending) {
  LST_TRY return lst::wrap(std::get<0>(at::sort(T(input, "input"), dim, descending != 0))); LST_CATCH_HANDLE
}
