// Parameter initialisation: the in-place fills torch.nn.init builds on (uniform, normal, constant).
// Bounds and standard deviations (Kaiming, Xavier) are computed on the managed side; these entries
// only fill, always under no-grad so that they work on leaves that require grad (parameters).
#include "common.h"

#include <stdexcept>

using lst::T;

/// Opaque generator handle (owning pointer to at::Generator), as in runtime.cpp.
typedef at::Generator* lst_generator;

namespace {
c10::optional<at::Generator> gen_or_default(lst_generator g) {
  if (g == nullptr) return c10::nullopt;
  return *g;
}
}  // namespace

/// Fills t in place with U(a, b) drawn from gen (null: the default CPU generator), like
/// torch.nn.init.uniform_. Returns 0, or -1 with the error set.
LST_API int32_t lst_init_uniform_(lst_tensor t, double a, double b, lst_generator gen) {
  LST_TRY
  at::NoGradGuard no_grad;
  T(t).uniform_(a, b, gen_or_default(gen));
  return 0;
  LST_CATCH_INT
}

/// Fills t in place with N(mean, std^2) drawn from gen (null: the default CPU generator), like
/// torch.nn.init.normal_.
LST_API int32_t lst_init_normal_(lst_tensor t, double mean, double std, lst_generator gen) {
  LST_TRY
  at::NoGradGuard no_grad;
  T(t).normal_(mean, std, gen_or_default(gen));
  return 0;
  LST_CATCH_INT
}

/// Fills t in place with value (torch.nn.init.constant_).
LST_API int32_t lst_init_constant_(lst_tensor t, lst_scalar value) {
  LST_TRY
  at::NoGradGuard no_grad;
  T(t).fill_(lst::scalar(value));
  return 0;
  LST_CATCH_INT
}

/// Fills t in place with zeros (torch.nn.init.zeros_).
LST_API int32_t lst_init_zeros_(lst_tensor t) {
  LST_TRY
  at::NoGradGuard no_grad;
  T(t).zero_();
  return 0;
  LST_CATCH_INT
}

/// Fills t in place with ones (torch.nn.init.ones_).
LST_API int32_t lst_init_ones_(lst_tensor t) {
  LST_TRY
  at::NoGradGuard no_grad;
  T(t).fill_(1);
  return 0;
  LST_CATCH_INT
}
