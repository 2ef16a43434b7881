// LatentSynth native shim: shared definitions.
//
// Conventions (every file under src/ follows them):
//  * Every exported function is `extern "C"` and named lst_<area>_<op>.
//  * Every exported function body is wrapped in LST_TRY / LST_CATCH_*: no C++ exception ever
//    crosses into .NET (an exception escaping through P/Invoke kills the process on Linux).
//  * Failures return a null handle (functions returning handles) or -1 (functions returning int);
//    the message is kept in a thread-local string readable with lst_last_error().
//  * A tensor crosses the ABI as an owning pointer to a heap-allocated at::Tensor (lst_tensor).
//    Every lst_tensor handed out must be released exactly once with lst_tensor_free.
#pragma once

#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <string>

#if defined(_WIN32)
#define LST_API extern "C" __declspec(dllexport)
#else
#define LST_API extern "C" __attribute__((visibility("default")))
#endif

/// Opaque tensor handle: an owning pointer to an at::Tensor.
typedef at::Tensor* lst_tensor;

/// A scalar passed by value: integral when is_int != 0 (i is used), floating otherwise (d is used).
typedef struct {
  double d;
  int64_t i;
  int32_t is_int;
} lst_scalar;

namespace lst {

/// Stores the message of the last failure on this thread.
void set_error(const std::string& message);

/// Clears the last-error string of this thread.
void clear_error();

/// Number of live tensor handles (allocated by wrap, not yet freed).
extern std::atomic<int64_t> live_tensors;

/// Moves a tensor into a new heap handle. Undefined tensors yield nullptr without error
/// only when allow_undefined is true; otherwise they are reported as an error.
lst_tensor wrap(at::Tensor&& t);
inline lst_tensor wrap(const at::Tensor& t) { return wrap(at::Tensor(t)); }

/// Converts a boxed scalar to at::Scalar.
inline at::Scalar scalar(const lst_scalar& s) {
  return s.is_int ? at::Scalar(s.i) : at::Scalar(s.d);
}

/// Checks that a handle is non-null and defined; throws std::invalid_argument otherwise.
const at::Tensor& T(lst_tensor h, const char* what = "tensor");

/// Builds an IntArrayRef view over a (pointer, length) pair coming from .NET.
inline at::IntArrayRef dims(const int64_t* p, int64_t n) {
  return at::IntArrayRef(p, static_cast<size_t>(n));
}

/// Maps the managed dtype code to a ScalarType (0 float32, 1 float64, 2 int64, 3 bool, 4 uint8,
/// 5 int32, 6 complex64, 7 complex128, 8 float16, 9 bfloat16).
at::ScalarType dtype_from_code(int32_t code);

/// Inverse of dtype_from_code; -1 for types .NET does not know.
int32_t dtype_to_code(at::ScalarType t);

}  // namespace lst

// Catch-all wrappers. Usage:
//   LST_API lst_tensor lst_tensor_add(lst_tensor a, lst_tensor b) {
//     LST_TRY return lst::wrap(at::add(lst::T(a), lst::T(b))); LST_CATCH_HANDLE
//   }
#define LST_TRY try {
#define LST_CATCH_(ret)                                              \
  }                                                                  \
  catch (const c10::Error& e) {                                      \
    lst::set_error(e.what_without_backtrace());                      \
  }                                                                  \
  catch (const std::exception& e) {                                  \
    lst::set_error(e.what());                                        \
  }                                                                  \
  catch (...) {                                                      \
    lst::set_error("unknown native exception");                      \
  }                                                                  \
  return ret;
#define LST_CATCH_HANDLE LST_CATCH_(nullptr)
#define LST_CATCH_INT LST_CATCH_(-1)
#define LST_CATCH_DOUBLE LST_CATCH_(std::numeric_limits<double>::quiet_NaN())
