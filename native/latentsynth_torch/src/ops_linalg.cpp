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

/// torch.linalg.eigh: eigenvalues (ascending) and eigenvectors (columns) of a symmetric
/// (batch of) matrix; upper != 0 reads the upper triangle. Results through out-parameters.
LST_API int32_t lst_linalg_eigh(lst_tensor a, int32_t upper, lst_tensor* eigenvalues, lst_tensor* eigenvectors) {
  LST_TRY
  *eigenvalues = nullptr;
  *eigenvectors = nullptr;
  auto result = at::linalg_eigh(lst::T(a), upper ? "U" : "L");
  *eigenvalues = lst::wrap(std::move(std::get<0>(result)));
  *eigenvectors = lst::wrap(std::move(std::get<1>(result)));
  return 0;
  LST_CATCH_INT
}

/// torch.linalg.svd (reduced when full_matrices == 0): U, S, Vh through out-parameters.
LST_API int32_t lst_linalg_svd(lst_tensor a, int32_t full_matrices, lst_tensor* u, lst_tensor* s, lst_tensor* vh) {
  LST_TRY
  *u = nullptr;
  *s = nullptr;
  *vh = nullptr;
  auto result = at::linalg_svd(lst::T(a), full_matrices != 0);
  *u = lst::wrap(std::move(std::get<0>(result)));
  *s = lst::wrap(std::move(std::get<1>(result)));
  *vh = lst::wrap(std::move(std::get<2>(result)));
  return 0;
  LST_CATCH_INT
}
