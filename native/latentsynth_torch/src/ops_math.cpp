// Elementwise math: arithmetic (tensor and scalar forms, in place too), comparisons, logical ops,
// unary functions and activations (softmax included).
#include "common.h"

#include <stdexcept>
#include <string>

using lst::T;

// Tensor-returning function of one tensor: lst_tensor_<name>(h).
#define LST_UNARY(name, expr)                            \
  LST_API lst_tensor lst_tensor_##name(lst_tensor h) {   \
    LST_TRY const at::Tensor& x = T(h);                  \
    return lst::wrap(expr);                              \
    LST_CATCH_HANDLE                                     \
  }

// Tensor-returning function of two tensors: lst_tensor_<name>(a, b).
#define LST_BINARY(name, expr)                                   \
  LST_API lst_tensor lst_tensor_##name(lst_tensor ha, lst_tensor hb) { \
    LST_TRY const at::Tensor& a = T(ha, "input");                \
    const at::Tensor& b = T(hb, "other");                        \
    return lst::wrap(expr);                                      \
    LST_CATCH_HANDLE                                             \
  }

// Tensor-returning function of a tensor and a scalar: lst_tensor_<name>(a, s).
#define LST_BINARY_SCALAR(name, expr)                                  \
  LST_API lst_tensor lst_tensor_##name(lst_tensor ha, lst_scalar sv) { \
    LST_TRY const at::Tensor& a = T(ha, "input");                      \
    const at::Scalar s = lst::scalar(sv);                              \
    return lst::wrap(expr);                                            \
    LST_CATCH_HANDLE                                                   \
  }

// In-place function of two tensors returning a status: lst_tensor_<name>(a, b).
#define LST_INPLACE(name, stmt)                                      \
  LST_API int32_t lst_tensor_##name(lst_tensor ha, lst_tensor hb) {  \
    LST_TRY const at::Tensor& a = T(ha, "self");                     \
    const at::Tensor& b = T(hb, "other");                            \
    stmt;                                                            \
    return 0;                                                        \
    LST_CATCH_INT                                                    \
  }

// In-place function of a tensor and a scalar returning a status.
#define LST_INPLACE_SCALAR(name, stmt)                                \
  LST_API int32_t lst_tensor_##name(lst_tensor ha, lst_scalar sv) {   \
    LST_TRY const at::Tensor& a = T(ha, "self");                      \
    const at::Scalar s = lst::scalar(sv);                             \
    stmt;                                                             \
    return 0;                                                         \
    LST_CATCH_INT                                                     \
  }

// ---- arithmetic ---------------------------------------------------------------------------------

/// a + alpha * b.
LST_API lst_tensor lst_tensor_add(lst_tensor ha, lst_tensor hb, lst_scalar alpha) {
  LST_TRY return lst::wrap(at::add(T(ha, "input"), T(hb, "other"), lst::scalar(alpha))); LST_CATCH_HANDLE
}
/// a - alpha * b.
LST_API lst_tensor lst_tensor_sub(lst_tensor ha, lst_tensor hb, lst_scalar alpha) {
  LST_TRY return lst::wrap(at::sub(T(ha, "input"), T(hb, "other"), lst::scalar(alpha))); LST_CATCH_HANDLE
}
/// a + alpha * s.
LST_API lst_tensor lst_tensor_add_scalar(lst_tensor ha, lst_scalar s, lst_scalar alpha) {
  LST_TRY return lst::wrap(at::add(T(ha, "input"), lst::scalar(s), lst::scalar(alpha))); LST_CATCH_HANDLE
}
/// a - alpha * s.
LST_API lst_tensor lst_tensor_sub_scalar(lst_tensor ha, lst_scalar s, lst_scalar alpha) {
  LST_TRY return lst::wrap(at::sub(T(ha, "input"), lst::scalar(s), lst::scalar(alpha))); LST_CATCH_HANDLE
}
/// s - a (torch.rsub).
LST_BINARY_SCALAR(rsub_scalar, at::rsub(a, s))
LST_BINARY(mul, at::mul(a, b))
LST_BINARY_SCALAR(mul_scalar, at::mul(a, s))
LST_BINARY(div, at::div(a, b))
LST_BINARY_SCALAR(div_scalar, at::div(a, s))
/// s / a, computed as Python does (a.reciprocal() * s).
LST_BINARY_SCALAR(rdiv_scalar, at::mul(at::reciprocal(a), s))
LST_BINARY(pow, at::pow(a, b))
LST_BINARY_SCALAR(pow_scalar, at::pow(a, s))
/// s ** a.
LST_BINARY_SCALAR(rpow_scalar, at::pow(s, a))
LST_BINARY(remainder, at::remainder(a, b))
LST_BINARY_SCALAR(remainder_scalar, at::remainder(a, s))
LST_BINARY(atan2, at::atan2(a, b))
LST_BINARY(minimum, at::minimum(a, b))
LST_BINARY(maximum, at::maximum(a, b))

/// a += alpha * b.
LST_API int32_t lst_tensor_add_(lst_tensor ha, lst_tensor hb, lst_scalar alpha) {
  LST_TRY T(ha, "self").add_(T(hb, "other"), lst::scalar(alpha)); return 0; LST_CATCH_INT
}
/// a -= alpha * b.
LST_API int32_t lst_tensor_sub_(lst_tensor ha, lst_tensor hb, lst_scalar alpha) {
  LST_TRY T(ha, "self").sub_(T(hb, "other"), lst::scalar(alpha)); return 0; LST_CATCH_INT
}
LST_INPLACE(mul_, a.mul_(b))
LST_INPLACE(div_, a.div_(b))
LST_INPLACE_SCALAR(add_scalar_, a.add_(s))
LST_INPLACE_SCALAR(sub_scalar_, a.sub_(s))
LST_INPLACE_SCALAR(mul_scalar_, a.mul_(s))
LST_INPLACE_SCALAR(div_scalar_, a.div_(s))

// ---- comparisons and logic ----------------------------------------------------------------------

LST_BINARY(eq, at::eq(a, b))
LST_BINARY(ne, at::ne(a, b))
LST_BINARY(lt, at::lt(a, b))
LST_BINARY(le, at::le(a, b))
LST_BINARY(gt, at::gt(a, b))
LST_BINARY(ge, at::ge(a, b))
LST_BINARY_SCALAR(eq_scalar, at::eq(a, s))
LST_BINARY_SCALAR(ne_scalar, at::ne(a, s))
LST_BINARY_SCALAR(lt_scalar, at::lt(a, s))
LST_BINARY_SCALAR(le_scalar, at::le(a, s))
LST_BINARY_SCALAR(gt_scalar, at::gt(a, s))
LST_BINARY_SCALAR(ge_scalar, at::ge(a, s))
LST_BINARY(logical_and, at::logical_and(a, b))
LST_BINARY(logical_or, at::logical_or(a, b))
LST_BINARY(logical_xor, at::logical_xor(a, b))
LST_UNARY(logical_not, at::logical_not(x))

/// 1 when both tensors have the same shape and elements (torch.equal), 0 if not, -1 on error.
LST_API int32_t lst_tensor_equal(lst_tensor ha, lst_tensor hb) {
  LST_TRY return at::equal(T(ha, "input"), T(hb, "other")) ? 1 : 0; LST_CATCH_INT
}

/// torch.allclose(a, b, rtol, atol, equal_nan): 1 or 0, -1 on error.
LST_API int32_t lst_tensor_allclose(lst_tensor ha, lst_tensor hb, double rtol, double atol, int32_t equal_nan) {
  LST_TRY return at::allclose(T(ha, "input"), T(hb, "other"), rtol, atol, equal_nan != 0) ? 1 : 0; LST_CATCH_INT
}

// ---- unary functions ----------------------------------------------------------------------------

LST_UNARY(neg, at::neg(x))
LST_UNARY(abs, at::abs(x))
LST_UNARY(exp, at::exp(x))
LST_UNARY(log, at::log(x))
LST_UNARY(log1p, at::log1p(x))
LST_UNARY(expm1, at::expm1(x))
LST_UNARY(sqrt, at::sqrt(x))
LST_UNARY(rsqrt, at::rsqrt(x))
LST_UNARY(square, at::square(x))
LST_UNARY(reciprocal, at::reciprocal(x))
LST_UNARY(sign, at::sign(x))
LST_UNARY(floor, at::floor(x))
LST_UNARY(ceil, at::ceil(x))
LST_UNARY(round, at::round(x))
LST_UNARY(trunc, at::trunc(x))
LST_UNARY(sin, at::sin(x))
LST_UNARY(cos, at::cos(x))
LST_UNARY(tan, at::tan(x))
LST_UNARY(atan, at::atan(x))
LST_UNARY(sigmoid, at::sigmoid(x))
LST_UNARY(tanh, at::tanh(x))
LST_UNARY(relu, at::relu(x))
LST_UNARY(isnan, at::isnan(x))
LST_UNARY(isinf, at::isinf(x))
LST_UNARY(isfinite, at::isfinite(x))

/// clamp(x, min, max); has_min/has_max = 0 leave that side open (at least one must be given).
LST_API lst_tensor lst_tensor_clamp(lst_tensor h, int32_t has_min, lst_scalar min, int32_t has_max, lst_scalar max) {
  LST_TRY
  c10::optional<at::Scalar> lo, hi;
  if (has_min) lo = lst::scalar(min);
  if (has_max) hi = lst::scalar(max);
  return lst::wrap(at::clamp(T(h), lo, hi));
  LST_CATCH_HANDLE
}

/// clamp with tensor bounds (either may be null).
LST_API lst_tensor lst_tensor_clamp_tensor(lst_tensor h, lst_tensor min, lst_tensor max) {
  LST_TRY
  c10::optional<at::Tensor> lo, hi;
  if (min != nullptr) lo = T(min, "min");
  if (max != nullptr) hi = T(max, "max");
  return lst::wrap(at::clamp(T(h), lo, hi));
  LST_CATCH_HANDLE
}

// ---- activations --------------------------------------------------------------------------------

/// leaky_relu(x, negative_slope).
LST_API lst_tensor lst_tensor_leaky_relu(lst_tensor h, double slope) {
  LST_TRY return lst::wrap(at::leaky_relu(T(h), slope)); LST_CATCH_HANDLE
}

/// elu(x, alpha).
LST_API lst_tensor lst_tensor_elu(lst_tensor h, double alpha) {
  LST_TRY return lst::wrap(at::elu(T(h), alpha)); LST_CATCH_HANDLE
}

/// softplus(x, beta, threshold).
LST_API lst_tensor lst_tensor_softplus(lst_tensor h, double beta, double threshold) {
  LST_TRY return lst::wrap(at::softplus(T(h), beta, threshold)); LST_CATCH_HANDLE
}

/// gelu(x, approximate) with approximate "none" or "tanh".
LST_API lst_tensor lst_tensor_gelu(lst_tensor h, const char* approximate) {
  LST_TRY
  if (approximate == nullptr) throw std::invalid_argument("approximate is null");
  return lst::wrap(at::gelu(T(h), approximate));
  LST_CATCH_HANDLE
}

/// silu(x) = x * sigmoid(x).
LST_UNARY(silu, at::silu(x))

/// softmax(x, dim); dtype >= 0 casts the input first (as PyTorch's dtype argument).
LST_API lst_tensor lst_tensor_softmax(lst_tensor h, int64_t dim, int32_t dtype) {
  LST_TRY
  c10::optional<at::ScalarType> dt;
  if (dtype >= 0) dt = lst::dtype_from_code(dtype);
  return lst::wrap(at::softmax(T(h), dim, dt));
  LST_CATCH_HANDLE
}

/// log_softmax(x, dim); dtype >= 0 casts the input first.
LST_API lst_tensor lst_tensor_log_softmax(lst_tensor h, int64_t dim, int32_t dtype) {
  LST_TRY
  c10::optional<at::ScalarType> dt;
  if (dtype >= 0) dt = lst::dtype_from_code(dtype);
  return lst::wrap(at::log_softmax(T(h), dim, dt));
  LST_CATCH_HANDLE
}
