// Matrix products and distances: matmul, mm, bmm, outer, dot, cdist, linear.
#include "common.h"

using lst::T;

/// torch.matmul(a, b) with NumPy-style broadcasting of batch dimensions.
LST_API lst_tensor lst_ops_matmul(lst_tensor a, lst_tensor b) {
  LST_TRY return lst::wrap(at::matmul(T(a, "input"), T(b, "other"))); LST_CATCH_HANDLE
}

/// torch.mm(a, b): 2-D matrix product.
LST_API lst_tensor lst_ops_mm(lst_tensor a, lst_tensor b) {
  LST_TRY return lst::wrap(at::mm(T(a, "input"), T(b, "mat2"))); LST_CATCH_HANDLE
}

/// torch.bmm(a, b): batched 3-D matrix product.
LST_API lst_tensor lst_ops_bmm(lst_tensor a, lst_tensor b) {
  LST_TRY return lst::wrap(at::bmm(T(a, "input"), T(b, "mat2"))); LST_CATCH_HANDLE
}

/// torch.outer(a, b) of two vectors.
LST_API lst_tensor lst_ops_outer(lst_tensor a, lst_tensor b) {
  LST_TRY return lst::wrap(at::outer(T(a, "input"), T(b, "vec2"))); LST_CATCH_HANDLE
}

/// torch.dot(a, b) of two vectors.
LST_API lst_tensor lst_ops_dot(lst_tensor a, lst_tensor b) {
  LST_TRY return lst::wrap(at::dot(T(a, "input"), T(b, "other"))); LST_CATCH_HANDLE
}

/// torch.cdist(x1, x2, p): pairwise p-norm distances between the rows of x1 and x2.
LST_API lst_tensor lst_ops_cdist(lst_tensor x1, lst_tensor x2, double p) {
  LST_TRY return lst::wrap(at::cdist(T(x1, "x1"), T(x2, "x2"), p)); LST_CATCH_HANDLE
}

/// torch.nn.functional.linear(input, weight, bias): input @ weight.T + bias (bias may be null).
LST_API lst_tensor lst_ops_linear(lst_tensor input, lst_tensor weight, lst_tensor bias) {
  LST_TRY
  c10::optional<at::Tensor> b;
  if (bias != nullptr) b = T(bias, "bias");
  return lst::wrap(at::linear(T(input, "input"), T(weight, "weight"), b));
  LST_CATCH_HANDLE
}
