// Runtime: versions, BLAS detection, threads, determinism, random seeds and generator state.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <malloc.h>
#include <link.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace {
thread_local std::string text_buffer;

int collect_lib(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (info->dlpi_name == nullptr) return 0;
  std::string name(info->dlpi_name);
  if (name.find("blas") != std::string::npos || name.find("mkl") != std::string::npos ||
      name.find("lapack") != std::string::npos) {
    if (!out->empty()) *out += ";";
    char resolved[4096];
    if (realpath(name.c_str(), resolved) != nullptr) *out += resolved; else *out += name;
  }
  return 0;
}
}  // namespace

/// libtorch version string, e.g. "1.13.1".
LST_API const char* lst_torch_version() {
  LST_TRY
  return TORCH_VERSION;
  LST_CATCH_HANDLE
}

/// Semicolon-separated real paths of the BLAS/LAPACK libraries mapped into this process.
LST_API const char* lst_blas_libraries() {
  LST_TRY
  text_buffer.clear();
  dl_iterate_phdr(collect_lib, &text_buffer);
  return text_buffer.c_str();
  LST_CATCH_HANDLE
}

/// Sets OpenBLAS's own thread count when OpenBLAS is the active BLAS; returns 1 if it was, else 0.
LST_API int32_t lst_openblas_set_num_threads(int32_t n) {
  LST_TRY
  using fn_t = void (*)(int);
  auto fn = reinterpret_cast<fn_t>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn == nullptr) return 0;
  fn(n);
  return 1;
  LST_CATCH_INT
}

/// OpenBLAS's thread count, or -1 when OpenBLAS is not loaded.
LST_API int32_t lst_openblas_get_num_threads() {
  LST_TRY
  using fn_t = int (*)();
  auto fn = reinterpret_cast<fn_t>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return fn == nullptr ? -1 : fn();
  LST_CATCH_INT
}

/// ATen's build configuration (at::show_config()).
LST_API const char* lst_torch_config() {
  LST_TRY text_buffer = at::show_config(); return text_buffer.c_str(); LST_CATCH_HANDLE
}

/// Sets the intra-op thread count.
LST_API int32_t lst_set_num_threads(int32_t n) {
  LST_TRY
  if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
  at::set_num_threads(n);
  return 0;
  LST_CATCH_INT
}

/// The intra-op thread count.
LST_API int32_t lst_get_num_threads() {
  LST_TRY
  return at::get_num_threads();
  LST_CATCH_INT
}

/// Sets the inter-op thread count (only before any inter-op work has started).
LST_API int32_t lst_set_num_interop_threads(int32_t n) {
  LST_TRY at::set_num_interop_threads(n); return 0; LST_CATCH_INT
}

/// The inter-op thread count.
LST_API int32_t lst_get_num_interop_threads() {
  LST_TRY
  return at::get_num_interop_threads();
  LST_CATCH_INT
}

/// torch.use_deterministic_algorithms(enabled, warn_only).
LST_API int32_t lst_set_deterministic(int32_t enabled, int32_t warn_only) {
  LST_TRY at::globalContext().setDeterministicAlgorithms(enabled != 0, warn_only != 0); return 0; LST_CATCH_INT
}

/// 1 when deterministic algorithms are enforced.
LST_API int32_t lst_get_deterministic() {
  LST_TRY
  return at::globalContext().deterministicAlgorithms() ? 1 : 0;
  LST_CATCH_INT
}

/// torch.manual_seed: seeds the default CPU generator.
LST_API int32_t lst_manual_seed(uint64_t seed) {
  LST_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return 0;
  LST_CATCH_INT
}

// ---- generators -------------------------------------------------------------------------------

/// Opaque generator handle (owning pointer to at::Generator).
typedef at::Generator* lst_generator;

/// A new CPU generator seeded with seed.
LST_API lst_generator lst_generator_new(uint64_t seed) {
  LST_TRY return new at::Generator(at::detail::createCPUGenerator(seed)); LST_CATCH_HANDLE
}

/// A handle to the process-wide default CPU generator (free it like any generator handle).
LST_API lst_generator lst_generator_default() {
  LST_TRY return new at::Generator(at::detail::getDefaultCPUGenerator()); LST_CATCH_HANDLE
}

/// Releases a generator handle.
LST_API void lst_generator_free(lst_generator g) {
  try { delete g; } catch (...) {}
}

/// Reseeds a generator.
LST_API int32_t lst_generator_manual_seed(lst_generator g, uint64_t seed) {
  LST_TRY
  if (g == nullptr) throw std::invalid_argument("generator is null");
  std::lock_guard<std::mutex> lock(g->mutex());
  g->set_current_seed(seed);
  return 0;
  LST_CATCH_INT
}

/// The seed a generator was last seeded with.
LST_API int32_t lst_generator_initial_seed(lst_generator g, uint64_t* out) {
  LST_TRY
  if (g == nullptr) throw std::invalid_argument("generator is null");
  *out = g->current_seed();
  return 0;
  LST_CATCH_INT
}

/// Size in bytes of a generator's serialized state.
LST_API int64_t lst_generator_state_size(lst_generator g) {
  LST_TRY
  if (g == nullptr) throw std::invalid_argument("generator is null");
  std::lock_guard<std::mutex> lock(g->mutex());
  return g->get_state().numel();
  LST_CATCH_INT
}

/// Copies a generator's state (torch.Generator.get_state) into buffer of nbytes bytes.
LST_API int32_t lst_generator_get_state(lst_generator g, uint8_t* buffer, int64_t nbytes) {
  LST_TRY
  if (g == nullptr) throw std::invalid_argument("generator is null");
  std::lock_guard<std::mutex> lock(g->mutex());
  at::Tensor s = g->get_state().contiguous();
  if (s.numel() != nbytes)
    throw std::invalid_argument("state buffer holds " + std::to_string(nbytes) + " bytes, state has " +
                                std::to_string(s.numel()));
  std::memcpy(buffer, s.data_ptr(), static_cast<size_t>(nbytes));
  return 0;
  LST_CATCH_INT
}

/// Restores a generator's state from bytes produced by lst_generator_get_state.
LST_API int32_t lst_generator_set_state(lst_generator g, const uint8_t* buffer, int64_t nbytes) {
  LST_TRY
  if (g == nullptr) throw std::invalid_argument("generator is null");
  at::Tensor s = at::empty({nbytes}, at::TensorOptions().dtype(at::kByte));
  std::memcpy(s.data_ptr(), buffer, static_cast<size_t>(nbytes));
  std::lock_guard<std::mutex> lock(g->mutex());
  g->set_state(s);
  return 0;
  LST_CATCH_INT
}

/// Tunes glibc's allocator for tensor workloads: blocks up to mmap_threshold bytes come from the
/// heap instead of fresh mmap() calls, and freed memory is kept up to trim_threshold bytes instead
/// of being returned to the OS. libtorch allocates and frees the same large buffers (activations,
/// gradients, optimizer temporaries) every step; with glibc's defaults each one is mapped, faulted
/// in page by page and unmapped again. Returns 0 when both settings were accepted.
LST_API int32_t lst_runtime_tune_allocator(int64_t mmap_threshold, int64_t trim_threshold) {
  LST_TRY
  if (mmap_threshold < 0 || trim_threshold < 0) throw std::invalid_argument("thresholds must be non-negative");
  int ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(std::min<int64_t>(mmap_threshold, INT32_MAX)));
  ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<int64_t>(trim_threshold, INT32_MAX)));
  if (!ok) throw std::runtime_error("mallopt refused the thresholds");
  return 0;
  LST_CATCH_INT
}
