// Reductions: sum, mean, var, std, min/max (with indices), argmin/argmax, logsumexp, prod, norm,
// all/any. A reduction "over dims" takes (dims, n); n = 0 means every dimension where PyTorch
// allows it.
#include "common.h"

#include <stdexcept>
#include <string>

using lst::T;

namespace {
at::OptionalIntArrayRef opt_dims(const int64_t* dims, int64_t n, int32_t has_dims) {
  if (!has_dims) return c10::nullopt;
  return lst::dims(dims, n);
}

int32_t pair(std::tuple<at::Tensor, at::Tensor>&& r, lst_tensor* values, lst_tensor* indices) {
  *values = nullptr;
  *indices = nullptr;
  lst_tensor v = lst::wrap(std::move(std::get<0>(r)));
  try {
    *indices = lst::wrap(std::move(std::get<1>(r)));
  } catch (...) {
    delete v;
    lst::live_tensors.fetch_sub(1, std::memory_order_relaxed);
    throw;
  }
  *values = v;
  return 0;
}
}  // namespace

/// Sum of every element.
LST_API lst_tensor lst_tensor_sum(lst_tensor h) {
  LST_TRY return lst::wrap(at::sum(T(h))); LST_CATCH_HANDLE
}

/// Sum over dims.
LST_API lst_tensor lst_tensor_sum_dims(lst_tensor h, const int64_t* dims, int64_t n, int32_t keepdim) {
  LST_TRY return lst::wrap(at::sum(T(h), lst::dims(dims, n), keepdim != 0)); LST_CATCH_HANDLE
}

/// Mean of every element.
LST_API lst_tensor lst_tensor_mean(lst_tensor h) {
  LST_TRY return lst::wrap(at::mean(T(h))); LST_CATCH_HANDLE
}

/// Mean over dims.
LST_API lst_tensor lst_tensor_mean_dims(lst_tensor h, const int64_t* dims, int64_t n, int32_t keepdim) {
  LST_TRY return lst::wrap(at::mean(T(h), lst::dims(dims, n), keepdim != 0)); LST_CATCH_HANDLE
}

/// Variance over dims (has_dims = 0: over everything); unbiased uses N - 1.
LST_API lst_tensor lst_tensor_var(lst_tensor h, const int64_t* dims, int64_t n, int32_t has_dims, int32_t unbiased,
                                  int32_t keepdim) {
  LST_TRY return lst::wrap(at::var(T(h), opt_dims(dims, n, has_dims), unbiased != 0, keepdim != 0)); LST_CATCH_HANDLE
}

/// Standard deviation over dims (has_dims = 0: over everything).
LST_API lst_tensor lst_tensor_std(lst_tensor h, const int64_t* dims, int64_t n, int32_t has_dims, int32_t unbiased,
                                  int32_t keepdim) {
  LST_TRY return lst::wrap(at::std(T(h), opt_dims(dims, n, has_dims), unbiased != 0, keepdim != 0)); LST_CATCH_HANDLE
}

/// Largest element.
LST_API lst_tensor lst_tensor_max(lst_tensor h) {
  LST_TRY return lst::wrap(at::max(T(h))); LST_CATCH_HANDLE
}

/// Smallest element.
LST_API lst_tensor lst_tensor_min(lst_tensor h) {
  LST_TRY return lst::wrap(at::min(T(h))); LST_CATCH_HANDLE
}

/// Largest values along dim and their indices.
LST_API int32_t lst_tensor_max_dim(lst_tensor h, int64_t dim, int32_t keepdim, lst_tensor* values, lst_tensor* indices) {
  LST_TRY return pair(at::max(T(h), dim, keepdim != 0), values, indices); LST_CATCH_INT
}

/// Smallest values along dim and their indices.
LST_API int32_t lst_tensor_min_dim(lst_tensor h, int64_t dim, int32_t keepdim, lst_tensor* values, lst_tensor* indices) {
  LST_TRY return pair(at::min(T(h), dim, keepdim != 0), values, indices); LST_CATCH_INT
}

/// The k largest (or smallest) values along dim and their indices (torch.topk).
LST_API int32_t lst_tensor_topk(lst_tensor h, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                                lst_tensor* values, lst_tensor* indices) {
  LST_TRY return pair(at::topk(T(h), k, dim, largest != 0, sorted != 0), values, indices); LST_CATCH_INT
}

/// Index of the largest element (has_dim = 0: in the flattened tensor).
LST_API lst_tensor lst_tensor_argmax(lst_tensor h, int32_t has_dim, int64_t dim, int32_t keepdim) {
  LST_TRY
  c10::optional<int64_t> d;
  if (has_dim) d = dim;
  return lst::wrap(at::argmax(T(h), d, keepdim != 0));
  LST_CATCH_HANDLE
}

/// Index of the smallest element (has_dim = 0: in the flattened tensor).
LST_API lst_tensor lst_tensor_argmin(lst_tensor h, int32_t has_dim, int64_t dim, int32_t keepdim) {
  LST_TRY
  c10::optional<int64_t> d;
  if (has_dim) d = dim;
  return lst::wrap(at::argmin(T(h), d, keepdim != 0));
  LST_CATCH_HANDLE
}

/// log(sum(exp(x))) over dims, computed stably.
LST_API lst_tensor lst_tensor_logsumexp(lst_tensor h, const int64_t* dims, int64_t n, int32_t keepdim) {
  LST_TRY return lst::wrap(at::logsumexp(T(h), lst::dims(dims, n), keepdim != 0)); LST_CATCH_HANDLE
}

/// Product of every element.
LST_API lst_tensor lst_tensor_prod(lst_tensor h) {
  LST_TRY return lst::wrap(at::prod(T(h))); LST_CATCH_HANDLE
}

/// Product along dim.
LST_API lst_tensor lst_tensor_prod_dim(lst_tensor h, int64_t dim, int32_t keepdim) {
  LST_TRY return lst::wrap(at::prod(T(h), dim, keepdim != 0)); LST_CATCH_HANDLE
}

/// p-norm of every element.
LST_API lst_tensor lst_tensor_norm(lst_tensor h, lst_scalar p) {
  LST_TRY return lst::wrap(at::norm(T(h), lst::scalar(p))); LST_CATCH_HANDLE
}

/// p-norm over dims.
LST_API lst_tensor lst_tensor_norm_dims(lst_tensor h, lst_scalar p, const int64_t* dims, int64_t n, int32_t keepdim) {
  LST_TRY
  c10::optional<at::Scalar> ps = lst::scalar(p);
  return lst::wrap(at::norm(T(h), ps, lst::dims(dims, n), keepdim != 0));
  LST_CATCH_HANDLE
}

/// True when every element is non-zero.
LST_API lst_tensor lst_tensor_all(lst_tensor h) {
  LST_TRY return lst::wrap(at::all(T(h))); LST_CATCH_HANDLE
}

/// all() along dim.
LST_API lst_tensor lst_tensor_all_dim(lst_tensor h, int64_t dim, int32_t keepdim) {
  LST_TRY return lst::wrap(at::all(T(h), dim, keepdim != 0)); LST_CATCH_HANDLE
}

/// True when some element is non-zero.
LST_API lst_tensor lst_tensor_any(lst_tensor h) {
  LST_TRY return lst::wrap(at::any(T(h))); LST_CATCH_HANDLE
}

/// any() along dim.
LST_API lst_tensor lst_tensor_any_dim(lst_tensor h, int64_t dim, int32_t keepdim) {
  LST_TRY return lst::wrap(at::any(T(h), dim, keepdim != 0)); LST_CATCH_HANDLE
}

/// Cumulative sum along dim.
LST_API lst_tensor lst_tensor_cumsum(lst_tensor h, int64_t dim) {
  LST_TRY return lst::wrap(at::cumsum(T(h), dim)); LST_CATCH_HANDLE
}
