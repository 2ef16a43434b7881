// torch.nn.functional: convolutions, pooling, upsampling, padding, normalisation, dropout, losses.
//
// Integer lists arrive as (pointer, length); a list of length 1 is expanded by libtorch itself
// to every spatial dimension, as in Python. Optional tensors are nullable handles. Reductions use
// libtorch's codes (0 none, 1 mean, 2 sum), the same numbers as the managed Reduction enum.
#include "common.h"

#include <cmath>
#include <stdexcept>
#include <string>

using lst::T;

namespace {

c10::optional<at::Tensor> opt(lst_tensor h, const char* what) {
  if (h == nullptr) return c10::nullopt;
  return T(h, what);
}

int64_t reduction_code(int32_t r) {
  if (r < 0 || r > 2) throw std::invalid_argument("unknown reduction code " + std::to_string(r));
  return r;
}

// Applies a reduction to an elementwise loss computed here (for the composite losses).
at::Tensor reduce(const at::Tensor& loss, int32_t reduction) {
  switch (reduction_code(reduction)) {
    case 0: return loss;
    case 1: return loss.mean();
    default: return loss.sum();
  }
}

}  // namespace

// ---- convolutions ------------------------------------------------------------------------------

/// F.conv1d with numeric padding.
LST_API lst_tensor lst_nn_conv1d(lst_tensor input, lst_tensor weight, lst_tensor bias, const int64_t* stride,
                                 int64_t n_stride, const int64_t* padding, int64_t n_padding,
                                 const int64_t* dilation, int64_t n_dilation, int64_t groups) {
  LST_TRY
  return lst::wrap(at::conv1d(T(input, "input"), T(weight, "weight"), opt(bias, "bias"), lst::dims(stride, n_stride),
                              lst::dims(padding, n_padding), lst::dims(dilation, n_dilation), groups));
  LST_CATCH_HANDLE
}

/// F.conv2d with numeric padding.
LST_API lst_tensor lst_nn_conv2d(lst_tensor input, lst_tensor weight, lst_tensor bias, const int64_t* stride,
                                 int64_t n_stride, const int64_t* padding, int64_t n_padding,
                                 const int64_t* dilation, int64_t n_dilation, int64_t groups) {
  LST_TRY
  return lst::wrap(at::conv2d(T(input, "input"), T(weight, "weight"), opt(bias, "bias"), lst::dims(stride, n_stride),
                              lst::dims(padding, n_padding), lst::dims(dilation, n_dilation), groups));
  LST_CATCH_HANDLE
}

/// F.conv1d / F.conv2d with padding "same" or "valid" (spatial_dims selects 1 or 2).
LST_API lst_tensor lst_nn_conv_padmode(int32_t spatial_dims, lst_tensor input, lst_tensor weight, lst_tensor bias,
                                       const int64_t* stride, int64_t n_stride, const char* padding,
                                       const int64_t* dilation, int64_t n_dilation, int64_t groups) {
  LST_TRY
  if (padding == nullptr) throw std::invalid_argument("padding mode is null");
  const auto& x = T(input, "input");
  const auto& w = T(weight, "weight");
  auto b = opt(bias, "bias");
  if (spatial_dims == 1)
    return lst::wrap(at::conv1d(x, w, b, lst::dims(stride, n_stride), c10::string_view(padding),
                                lst::dims(dilation, n_dilation), groups));
  if (spatial_dims == 2)
    return lst::wrap(at::conv2d(x, w, b, lst::dims(stride, n_stride), c10::string_view(padding),
                                lst::dims(dilation, n_dilation), groups));
  throw std::invalid_argument("spatial_dims must be 1 or 2, got " + std::to_string(spatial_dims));
  LST_CATCH_HANDLE
}

/// F.conv_transpose1d / F.conv_transpose2d (spatial_dims selects 1 or 2).
LST_API lst_tensor lst_nn_conv_transpose(int32_t spatial_dims, lst_tensor input, lst_tensor weight, lst_tensor bias,
                                         const int64_t* stride, int64_t n_stride, const int64_t* padding,
                                         int64_t n_padding, const int64_t* output_padding, int64_t n_output_padding,
                                         int64_t groups, const int64_t* dilation, int64_t n_dilation) {
  LST_TRY
  const auto& x = T(input, "input");
  const auto& w = T(weight, "weight");
  auto b = opt(bias, "bias");
  auto s = lst::dims(stride, n_stride);
  auto p = lst::dims(padding, n_padding);
  auto op = lst::dims(output_padding, n_output_padding);
  auto d = lst::dims(dilation, n_dilation);
  if (spatial_dims == 1) return lst::wrap(at::conv_transpose1d(x, w, b, s, p, op, groups, d));
  if (spatial_dims == 2) return lst::wrap(at::conv_transpose2d(x, w, b, s, p, op, groups, d));
  throw std::invalid_argument("spatial_dims must be 1 or 2, got " + std::to_string(spatial_dims));
  LST_CATCH_HANDLE
}

// ---- pooling -----------------------------------------------------------------------------------

/// F.max_pool1d / F.max_pool2d. An empty stride means "same as kernel_size".
LST_API lst_tensor lst_nn_max_pool(int32_t spatial_dims, lst_tensor input, const int64_t* kernel, int64_t n_kernel,
                                   const int64_t* stride, int64_t n_stride, const int64_t* padding, int64_t n_padding,
                                   const int64_t* dilation, int64_t n_dilation, int32_t ceil_mode) {
  LST_TRY
  const auto& x = T(input, "input");
  auto k = lst::dims(kernel, n_kernel);
  auto s = lst::dims(stride, n_stride);
  auto p = lst::dims(padding, n_padding);
  auto d = lst::dims(dilation, n_dilation);
  if (spatial_dims == 1) return lst::wrap(at::max_pool1d(x, k, s, p, d, ceil_mode != 0));
  if (spatial_dims == 2) return lst::wrap(at::max_pool2d(x, k, s, p, d, ceil_mode != 0));
  throw std::invalid_argument("spatial_dims must be 1 or 2, got " + std::to_string(spatial_dims));
  LST_CATCH_HANDLE
}

/// F.avg_pool1d / F.avg_pool2d. divisor_override <= 0 means none (2-D only, as in PyTorch).
LST_API lst_tensor lst_nn_avg_pool(int32_t spatial_dims, lst_tensor input, const int64_t* kernel, int64_t n_kernel,
                                   const int64_t* stride, int64_t n_stride, const int64_t* padding, int64_t n_padding,
                                   int32_t ceil_mode, int32_t count_include_pad, int64_t divisor_override) {
  LST_TRY
  const auto& x = T(input, "input");
  auto k = lst::dims(kernel, n_kernel);
  auto s = lst::dims(stride, n_stride);
  auto p = lst::dims(padding, n_padding);
  if (spatial_dims == 1) {
    if (divisor_override > 0) throw std::invalid_argument("avg_pool1d has no divisor_override");
    return lst::wrap(at::avg_pool1d(x, k, s, p, ceil_mode != 0, count_include_pad != 0));
  }
  if (spatial_dims == 2) {
    c10::optional<int64_t> div;
    if (divisor_override > 0) div = divisor_override;
    return lst::wrap(at::avg_pool2d(x, k, s, p, ceil_mode != 0, count_include_pad != 0, div));
  }
  throw std::invalid_argument("spatial_dims must be 1 or 2, got " + std::to_string(spatial_dims));
  LST_CATCH_HANDLE
}

/// F.adaptive_avg_pool1d / F.adaptive_avg_pool2d.
LST_API lst_tensor lst_nn_adaptive_avg_pool(int32_t spatial_dims, lst_tensor input, const int64_t* size, int64_t n_size) {
  LST_TRY
  const auto& x = T(input, "input");
  auto s = lst::dims(size, n_size);
  if (spatial_dims == 1) return lst::wrap(at::adaptive_avg_pool1d(x, s));
  if (spatial_dims == 2) return lst::wrap(at::adaptive_avg_pool2d(x, s));
  throw std::invalid_argument("spatial_dims must be 1 or 2, got " + std::to_string(spatial_dims));
  LST_CATCH_HANDLE
}

// ---- upsampling and padding --------------------------------------------------------------------

/// F.interpolate for mode nearest (3-D/4-D input), linear (3-D), bilinear and bicubic (4-D).
/// Exactly one of size / scales is non-empty; both already hold one entry per spatial dimension.
/// align_corners: 0/1, ignored for nearest.
LST_API lst_tensor lst_nn_interpolate(lst_tensor input, const int64_t* size, int64_t n_size, const double* scales,
                                      int64_t n_scales, const char* mode, int32_t align_corners) {
  LST_TRY
  if (mode == nullptr) throw std::invalid_argument("mode is null");
  const auto& x = T(input, "input");
  const std::string m(mode);
  at::OptionalIntArrayRef out_size;
  c10::optional<at::ArrayRef<double>> factors;
  if (n_size > 0) out_size = lst::dims(size, n_size);
  if (n_scales > 0) factors = at::ArrayRef<double>(scales, static_cast<size_t>(n_scales));
  const bool ac = align_corners != 0;
  const int64_t d = x.dim();
  if (m == "nearest" && d == 3) return lst::wrap(at::upsample_nearest1d(x, out_size, factors));
  if (m == "nearest" && d == 4) return lst::wrap(at::upsample_nearest2d(x, out_size, factors));
  if (m == "linear" && d == 3) return lst::wrap(at::upsample_linear1d(x, out_size, ac, factors));
  if (m == "bilinear" && d == 4) return lst::wrap(at::upsample_bilinear2d(x, out_size, ac, factors));
  if (m == "bicubic" && d == 4) return lst::wrap(at::upsample_bicubic2d(x, out_size, ac, factors));
  throw std::invalid_argument("interpolate: mode '" + m + "' does not support " + std::to_string(d) + "-D input");
  LST_CATCH_HANDLE
}

/// F.pad: mode "constant" (value used), "reflect", "replicate" or "circular".
LST_API lst_tensor lst_nn_pad(lst_tensor input, const int64_t* pad, int64_t n_pad, const char* mode, double value) {
  LST_TRY
  if (mode == nullptr) throw std::invalid_argument("mode is null");
  const std::string m(mode);
  c10::optional<double> v;
  if (m == "constant") v = value;
  return lst::wrap(at::pad(T(input, "input"), lst::dims(pad, n_pad), m, v));
  LST_CATCH_HANDLE
}

// ---- normalisation and dropout -----------------------------------------------------------------

/// F.batch_norm. When training, running_mean/running_var (if given) are updated in place.
LST_API lst_tensor lst_nn_batch_norm(lst_tensor input, lst_tensor running_mean, lst_tensor running_var,
                                     lst_tensor weight, lst_tensor bias, int32_t training, double momentum,
                                     double eps) {
  LST_TRY
  return lst::wrap(at::batch_norm(T(input, "input"), opt(weight, "weight"), opt(bias, "bias"),
                                  opt(running_mean, "running_mean"), opt(running_var, "running_var"), training != 0,
                                  momentum, eps, /*cudnn_enabled=*/true));
  LST_CATCH_HANDLE
}

/// F.layer_norm over the trailing normalized_shape dimensions.
LST_API lst_tensor lst_nn_layer_norm(lst_tensor input, const int64_t* shape, int64_t n_shape, lst_tensor weight,
                                     lst_tensor bias, double eps) {
  LST_TRY
  return lst::wrap(at::layer_norm(T(input, "input"), lst::dims(shape, n_shape), opt(weight, "weight"),
                                  opt(bias, "bias"), eps, /*cudnn_enable=*/true));
  LST_CATCH_HANDLE
}

/// F.dropout (draws from the default generator).
LST_API lst_tensor lst_nn_dropout(lst_tensor input, double p, int32_t training) {
  LST_TRY return lst::wrap(at::dropout(T(input, "input"), p, training != 0)); LST_CATCH_HANDLE
}

// ---- losses ------------------------------------------------------------------------------------

/// F.binary_cross_entropy. A weight is broadcast to the target's shape first, as F does.
LST_API lst_tensor lst_nn_binary_cross_entropy(lst_tensor input, lst_tensor target, lst_tensor weight,
                                               int32_t reduction) {
  LST_TRY
  const auto& t = T(target, "target");
  c10::optional<at::Tensor> w;
  if (weight != nullptr) {
    const auto& wt = T(weight, "weight");
    w = wt.expand(at::infer_size(t.sizes(), wt.sizes()));
  }
  return lst::wrap(at::binary_cross_entropy(T(input, "input"), t, w, reduction_code(reduction)));
  LST_CATCH_HANDLE
}

/// F.binary_cross_entropy_with_logits.
LST_API lst_tensor lst_nn_binary_cross_entropy_with_logits(lst_tensor input, lst_tensor target, lst_tensor weight,
                                                           lst_tensor pos_weight, int32_t reduction) {
  LST_TRY
  return lst::wrap(at::binary_cross_entropy_with_logits(T(input, "input"), T(target, "target"), opt(weight, "weight"),
                                                        opt(pos_weight, "pos_weight"), reduction_code(reduction)));
  LST_CATCH_HANDLE
}

/// F.mse_loss (input and target broadcast against each other first, as F does).
LST_API lst_tensor lst_nn_mse_loss(lst_tensor input, lst_tensor target, int32_t reduction) {
  LST_TRY
  auto both = at::broadcast_tensors({T(input, "input"), T(target, "target")});
  return lst::wrap(at::mse_loss(both[0], both[1], reduction_code(reduction)));
  LST_CATCH_HANDLE
}

/// F.l1_loss (input and target broadcast first).
LST_API lst_tensor lst_nn_l1_loss(lst_tensor input, lst_tensor target, int32_t reduction) {
  LST_TRY
  auto both = at::broadcast_tensors({T(input, "input"), T(target, "target")});
  return lst::wrap(at::l1_loss(both[0], both[1], reduction_code(reduction)));
  LST_CATCH_HANDLE
}

/// F.smooth_l1_loss (beta 0 falls back to the L1 loss, as F does).
LST_API lst_tensor lst_nn_smooth_l1_loss(lst_tensor input, lst_tensor target, int32_t reduction, double beta) {
  LST_TRY
  auto both = at::broadcast_tensors({T(input, "input"), T(target, "target")});
  if (beta == 0.0) return lst::wrap(at::l1_loss(both[0], both[1], reduction_code(reduction)));
  return lst::wrap(at::smooth_l1_loss(both[0], both[1], reduction_code(reduction), beta));
  LST_CATCH_HANDLE
}

/// F.huber_loss.
LST_API lst_tensor lst_nn_huber_loss(lst_tensor input, lst_tensor target, int32_t reduction, double delta) {
  LST_TRY
  auto both = at::broadcast_tensors({T(input, "input"), T(target, "target")});
  return lst::wrap(at::huber_loss(both[0], both[1], reduction_code(reduction), delta));
  LST_CATCH_HANDLE
}

/// F.gaussian_nll_loss, a composite in PyTorch: 0.5 * (log(max(var, eps)) + (input - target)^2 /
/// max(var, eps)) [+ 0.5 * log(2 pi) when full]. The clamp is not recorded by autograd, as in F.
/// var has the input's shape, or lacks its last dimension, or has 1 there (managed code checks it).
LST_API lst_tensor lst_nn_gaussian_nll_loss(lst_tensor input, lst_tensor target, lst_tensor var, int32_t full,
                                            double eps, int32_t reduction) {
  LST_TRY
  const auto& x = T(input, "input");
  const auto& y = T(target, "target");
  at::Tensor v = T(var, "var");
  reduction_code(reduction);
  if (v.sizes() != x.sizes()) {
    const bool lead = x.dim() >= 1 && v.dim() >= 1;
    if (lead && x.sizes().slice(0, x.dim() - 1) == v.sizes()) {
      v = v.unsqueeze(-1);
    } else if (!(lead && v.dim() == x.dim() && v.size(-1) == 1 &&
                 x.sizes().slice(0, x.dim() - 1) == v.sizes().slice(0, v.dim() - 1))) {
      throw std::invalid_argument("var of shape " + c10::str(v.sizes()) + " does not fit input of shape " +
                                  c10::str(x.sizes()));
    }
  }
  if (at::any(v < 0).item<bool>()) throw std::invalid_argument("var has negative entries");
  v = v.clone();
  {
    at::NoGradGuard no_grad;
    v.clamp_(eps);
  }
  at::Tensor loss = 0.5 * (at::log(v) + (x - y).pow(2) / v);
  if (full != 0) loss = loss + 0.5 * std::log(2 * M_PI);
  return lst::wrap(reduce(loss, reduction));
  LST_CATCH_HANDLE
}

/// F.cross_entropy: target holds class indices (int64) or class probabilities (floating, the
/// input's shape).
LST_API lst_tensor lst_nn_cross_entropy(lst_tensor input, lst_tensor target, lst_tensor weight, int32_t reduction,
                                        int64_t ignore_index, double label_smoothing) {
  LST_TRY
  return lst::wrap(at::cross_entropy_loss(T(input, "input"), T(target, "target"), opt(weight, "weight"),
                                          reduction_code(reduction), ignore_index, label_smoothing));
  LST_CATCH_HANDLE
}

/// F.nll_loss (any number of trailing dimensions, like nll_loss_nd).
LST_API lst_tensor lst_nn_nll_loss(lst_tensor input, lst_tensor target, lst_tensor weight, int32_t reduction,
                                   int64_t ignore_index) {
  LST_TRY
  return lst::wrap(at::nll_loss_nd(T(input, "input"), T(target, "target"), opt(weight, "weight"),
                                   reduction_code(reduction), ignore_index));
  LST_CATCH_HANDLE
}

/// F.kl_div. reduction 3 is 'batchmean': the sum divided by the batch size (input.size(0)).
LST_API lst_tensor lst_nn_kl_div(lst_tensor input, lst_tensor target, int32_t reduction, int32_t log_target) {
  LST_TRY
  const auto& x = T(input, "input");
  const auto& y = T(target, "target");
  if (reduction == 3) {
    at::Tensor total = at::kl_div(x, y, at::Reduction::Sum, log_target != 0);
    return lst::wrap(x.dim() == 0 ? total : total / x.size(0));
  }
  return lst::wrap(at::kl_div(x, y, reduction_code(reduction), log_target != 0));
  LST_CATCH_HANDLE
}
