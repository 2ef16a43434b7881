// Tensor basics: creation from managed memory, copies out, properties, dtype conversion.
#include "common.h"

#include <cstring>
#include <sstream>
#include <stdexcept>

using lst::T;

namespace {
at::TensorOptions opts(int32_t dtype) {
  return at::TensorOptions().dtype(lst::dtype_from_code(dtype));
}
void check_shape(const int64_t* shape, int64_t ndim) {
  if (ndim < 0) throw std::invalid_argument("negative number of dimensions");
  for (int64_t i = 0; i < ndim; ++i)
    if (shape[i] < 0)
      throw std::invalid_argument("negative size " + std::to_string(shape[i]) + " in dimension " +
                                  std::to_string(i));
}
}  // namespace

/// Creates a tensor of the given dtype and shape, copying nbytes from data (one copy).
LST_API lst_tensor lst_tensor_from_data(const void* data, int64_t nbytes, int32_t dtype,
                                        const int64_t* shape, int64_t ndim) {
  LST_TRY
  check_shape(shape, ndim);
  at::Tensor t = at::empty(lst::dims(shape, ndim), opts(dtype));
  const int64_t need = t.numel() * static_cast<int64_t>(t.element_size());
  if (need != nbytes)
    throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " +
                                c10::str(t.sizes()) + " needs " + std::to_string(need));
  if (need > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(need));
  return lst::wrap(std::move(t));
  LST_CATCH_HANDLE
}

/// Copies the tensor's elements (row-major, after making it contiguous) into dst (one copy).
/// nbytes must equal numel * element size.
LST_API int32_t lst_tensor_copy_to(lst_tensor h, void* dst, int64_t nbytes) {
  LST_TRY
  at::Tensor t = T(h).detach().contiguous();
  if (t.is_conj()) t = t.resolve_conj();
  const int64_t have = t.numel() * static_cast<int64_t>(t.element_size());
  if (have != nbytes)
    throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but tensor has " +
                                std::to_string(have));
  if (have > 0) std::memcpy(dst, t.data_ptr(), static_cast<size_t>(have));
  return 0;
  LST_CATCH_INT
}

/// Number of dimensions.
LST_API int64_t lst_tensor_ndim(lst_tensor h) {
  LST_TRY return T(h).dim(); LST_CATCH_INT
}

/// Writes the sizes into out (which must hold ndim entries) and returns ndim.
LST_API int64_t lst_tensor_shape(lst_tensor h, int64_t* out, int64_t capacity) {
  LST_TRY
  const auto& t = T(h);
  if (capacity < t.dim()) throw std::invalid_argument("shape buffer too small");
  for (int64_t i = 0; i < t.dim(); ++i) out[i] = t.size(i);
  return t.dim();
  LST_CATCH_INT
}

/// Writes the strides into out (which must hold ndim entries) and returns ndim.
LST_API int64_t lst_tensor_strides(lst_tensor h, int64_t* out, int64_t capacity) {
  LST_TRY
  const auto& t = T(h);
  if (capacity < t.dim()) throw std::invalid_argument("stride buffer too small");
  for (int64_t i = 0; i < t.dim(); ++i) out[i] = t.stride(i);
  return t.dim();
  LST_CATCH_INT
}

/// Number of elements.
LST_API int64_t lst_tensor_numel(lst_tensor h) {
  LST_TRY return T(h).numel(); LST_CATCH_INT
}

/// Managed dtype code of the tensor (see lst::dtype_from_code), -1 on error.
LST_API int32_t lst_tensor_dtype(lst_tensor h) {
  LST_TRY
  int32_t c = lst::dtype_to_code(T(h).scalar_type());
  if (c < 0) throw std::invalid_argument(std::string("dtype not supported: ") + c10::toString(T(h).scalar_type()));
  return c;
  LST_CATCH_INT
}

/// 1 if the tensor is contiguous, 0 if not, -1 on error.
LST_API int32_t lst_tensor_is_contiguous(lst_tensor h) {
  LST_TRY return T(h).is_contiguous() ? 1 : 0; LST_CATCH_INT
}

/// Value of a one-element tensor as double (out), status returned.
LST_API int32_t lst_tensor_item_double(lst_tensor h, double* out) {
  LST_TRY *out = T(h).item<double>(); return 0; LST_CATCH_INT
}

/// Value of a one-element tensor as int64 (out), status returned.
LST_API int32_t lst_tensor_item_long(lst_tensor h, int64_t* out) {
  LST_TRY *out = T(h).item<int64_t>(); return 0; LST_CATCH_INT
}

/// A new handle to the same tensor (shares storage and autograd identity), like assigning in Python.
LST_API lst_tensor lst_tensor_alias(lst_tensor h) {
  LST_TRY return lst::wrap(at::Tensor(T(h))); LST_CATCH_HANDLE
}

/// Converts to another dtype (a copy only when the dtype differs).
LST_API lst_tensor lst_tensor_to_dtype(lst_tensor h, int32_t dtype) {
  LST_TRY return lst::wrap(T(h).to(lst::dtype_from_code(dtype))); LST_CATCH_HANDLE
}

/// Contiguous version (the same tensor when already contiguous).
LST_API lst_tensor lst_tensor_contiguous(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).contiguous()); LST_CATCH_HANDLE
}

/// Deep copy that stays in the autograd graph (torch.clone).
LST_API lst_tensor lst_tensor_clone(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).clone()); LST_CATCH_HANDLE
}

/// Tensor sharing storage but cut from the autograd graph (torch.detach).
LST_API lst_tensor lst_tensor_detach(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).detach()); LST_CATCH_HANDLE
}

/// In-place copy of src into dst (broadcasting, dtype conversion), like dst.copy_(src).
LST_API int32_t lst_tensor_copy_(lst_tensor dst, lst_tensor src) {
  LST_TRY
  T(dst, "destination").copy_(T(src, "source"));
  return 0;
  LST_CATCH_INT
}

/// Human-readable description (PyTorch's printing), written into a thread-local buffer.
LST_API const char* lst_tensor_to_string(lst_tensor h) {
  static thread_local std::string buffer;
  LST_TRY
  std::ostringstream os;
  os << T(h);
  buffer = os.str();
  return buffer.c_str();
  LST_CATCH_HANDLE
}
