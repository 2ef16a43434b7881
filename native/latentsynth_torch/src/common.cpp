// Error state, handle bookkeeping and dtype codes shared by every area of the shim.
#include "common.h"

#include <stdexcept>

namespace {
thread_local std::string last_error;
}

namespace lst {

std::atomic<int64_t> live_tensors{0};

void set_error(const std::string& message) { last_error = message; }
void clear_error() { last_error.clear(); }

lst_tensor wrap(at::Tensor&& t) {
  if (!t.defined()) throw std::runtime_error("operation produced an undefined tensor");
  auto* h = new at::Tensor(std::move(t));
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return h;
}

const at::Tensor& T(lst_tensor h, const char* what) {
  if (h == nullptr) throw std::invalid_argument(std::string(what) + " is null");
  if (!h->defined()) throw std::invalid_argument(std::string(what) + " is undefined");
  return *h;
}

at::ScalarType dtype_from_code(int32_t code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kDouble;
    case 2: return at::kLong;
    case 3: return at::kBool;
    case 4: return at::kByte;
    case 5: return at::kInt;
    case 6: return at::kComplexFloat;
    case 7: return at::kComplexDouble;
    case 8: return at::kHalf;
    case 9: return at::kBFloat16;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
}

int32_t dtype_to_code(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kDouble: return 1;
    case at::kLong: return 2;
    case at::kBool: return 3;
    case at::kByte: return 4;
    case at::kInt: return 5;
    case at::kComplexFloat: return 6;
    case at::kComplexDouble: return 7;
    case at::kHalf: return 8;
    case at::kBFloat16: return 9;
    default: return -1;
  }
}

}  // namespace lst

/// Returns this thread's last error message ("" when none). The pointer stays valid until the
/// next failing call on the same thread.
LST_API const char* lst_last_error() noexcept { return last_error.c_str(); }

/// Clears this thread's last error message.
LST_API void lst_clear_error() noexcept { last_error.clear(); }

/// Number of tensor handles currently alive (for leak tests).
LST_API int64_t lst_live_tensors() noexcept { return lst::live_tensors.load(std::memory_order_relaxed); }

/// Releases a tensor handle. Null is ignored. Never throws.
LST_API void lst_tensor_free(lst_tensor h) {
  if (h == nullptr) return;
  try {
    delete h;
  } catch (...) {
  }
  lst::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}
