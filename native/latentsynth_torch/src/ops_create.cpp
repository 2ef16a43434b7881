// Tensor factories (zeros, ones, full, random, ranges, eye, *_like) and in-place fillers.
//
// at:: factories ignore requires_grad in their options, so the flag is set afterwards.
// Random functions take an optional generator handle (null: the default CPU generator).
#include "common.h"

#include <stdexcept>
#include <string>

using lst::T;

/// Opaque generator handle (owning pointer to at::Generator), as in runtime.cpp.
typedef at::Generator* lst_generator;

namespace {
at::TensorOptions opts(int32_t dtype) { return at::TensorOptions().dtype(lst::dtype_from_code(dtype)); }

// dtype code < 0 means "same dtype as the reference tensor".
at::TensorOptions like_opts(const at::Tensor& ref, int32_t dtype) {
  return at::TensorOptions().dtype(dtype < 0 ? ref.scalar_type() : lst::dtype_from_code(dtype));
}

c10::optional<at::Generator> gen(lst_generator g) {
  if (g == nullptr) return c10::nullopt;
  return *g;
}

void check_shape(const int64_t* shape, int64_t ndim) {
  if (ndim < 0) throw std::invalid_argument("negative number of dimensions");
  if (ndim > 0 && shape == nullptr) throw std::invalid_argument("shape is null");
  for (int64_t i = 0; i < ndim; ++i)
    if (shape[i] < 0)
      throw std::invalid_argument("negative size " + std::to_string(shape[i]) + " in dimension " +
                                  std::to_string(i) + " of shape " + c10::str(lst::dims(shape, ndim)));
}

lst_tensor finish(at::Tensor&& t, int32_t requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return lst::wrap(std::move(t));
}
}  // namespace

/// torch.zeros(shape, dtype).
LST_API lst_tensor lst_create_zeros(const int64_t* shape, int64_t ndim, int32_t dtype, int32_t requires_grad) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::zeros(lst::dims(shape, ndim), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.ones(shape, dtype).
LST_API lst_tensor lst_create_ones(const int64_t* shape, int64_t ndim, int32_t dtype, int32_t requires_grad) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::ones(lst::dims(shape, ndim), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.full(shape, value, dtype).
LST_API lst_tensor lst_create_full(const int64_t* shape, int64_t ndim, lst_scalar value, int32_t dtype,
                                   int32_t requires_grad) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::full(lst::dims(shape, ndim), lst::scalar(value), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.empty(shape, dtype): uninitialised memory.
LST_API lst_tensor lst_create_empty(const int64_t* shape, int64_t ndim, int32_t dtype, int32_t requires_grad) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::empty(lst::dims(shape, ndim), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.randn(shape, generator, dtype): standard normal samples.
LST_API lst_tensor lst_create_randn(const int64_t* shape, int64_t ndim, int32_t dtype, int32_t requires_grad,
                                    lst_generator g) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::randn(lst::dims(shape, ndim), gen(g), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.rand(shape, generator, dtype): uniform samples in [0, 1).
LST_API lst_tensor lst_create_rand(const int64_t* shape, int64_t ndim, int32_t dtype, int32_t requires_grad,
                                   lst_generator g) {
  LST_TRY
  check_shape(shape, ndim);
  return finish(at::rand(lst::dims(shape, ndim), gen(g), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.randint(low, high, shape, generator, dtype): integers in [low, high).
LST_API lst_tensor lst_create_randint(int64_t low, int64_t high, const int64_t* shape, int64_t ndim, int32_t dtype,
                                      lst_generator g) {
  LST_TRY
  check_shape(shape, ndim);
  return lst::wrap(at::randint(low, high, lst::dims(shape, ndim), gen(g), opts(dtype)));
  LST_CATCH_HANDLE
}

/// torch.randperm(n, generator, dtype): a random permutation of 0..n-1.
LST_API lst_tensor lst_create_randperm(int64_t n, int32_t dtype, lst_generator g) {
  LST_TRY return lst::wrap(at::randperm(n, gen(g), opts(dtype))); LST_CATCH_HANDLE
}

/// torch.arange(start, end, step, dtype).
LST_API lst_tensor lst_create_arange(lst_scalar start, lst_scalar end, lst_scalar step, int32_t dtype,
                                     int32_t requires_grad) {
  LST_TRY
  return finish(at::arange(lst::scalar(start), lst::scalar(end), lst::scalar(step), opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.linspace(start, end, steps, dtype).
LST_API lst_tensor lst_create_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t requires_grad) {
  LST_TRY return finish(at::linspace(start, end, steps, opts(dtype)), requires_grad); LST_CATCH_HANDLE
}

/// torch.eye(n, m, dtype); m < 0 means m = n.
LST_API lst_tensor lst_create_eye(int64_t n, int64_t m, int32_t dtype, int32_t requires_grad) {
  LST_TRY
  if (n < 0) throw std::invalid_argument("n must be greater or equal to 0, got " + std::to_string(n));
  return finish(m < 0 ? at::eye(n, opts(dtype)) : at::eye(n, m, opts(dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// A 0-dimensional tensor holding value (torch.tensor(value, dtype)).
LST_API lst_tensor lst_create_scalar(lst_scalar value, int32_t dtype, int32_t requires_grad) {
  LST_TRY return finish(at::scalar_tensor(lst::scalar(value), opts(dtype)), requires_grad); LST_CATCH_HANDLE
}

/// torch.zeros_like(t, dtype) (dtype < 0: same as t).
LST_API lst_tensor lst_create_zeros_like(lst_tensor h, int32_t dtype, int32_t requires_grad) {
  LST_TRY const at::Tensor& t = T(h); return finish(at::zeros_like(t, like_opts(t, dtype)), requires_grad); LST_CATCH_HANDLE
}

/// torch.ones_like(t, dtype).
LST_API lst_tensor lst_create_ones_like(lst_tensor h, int32_t dtype, int32_t requires_grad) {
  LST_TRY const at::Tensor& t = T(h); return finish(at::ones_like(t, like_opts(t, dtype)), requires_grad); LST_CATCH_HANDLE
}

/// torch.full_like(t, value, dtype).
LST_API lst_tensor lst_create_full_like(lst_tensor h, lst_scalar value, int32_t dtype, int32_t requires_grad) {
  LST_TRY
  const at::Tensor& t = T(h);
  return finish(at::full_like(t, lst::scalar(value), like_opts(t, dtype)), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.randn_like(t, dtype), drawing from generator g (null: default). Same stream as randn.
LST_API lst_tensor lst_create_randn_like(lst_tensor h, int32_t dtype, int32_t requires_grad, lst_generator g) {
  LST_TRY
  const at::Tensor& t = T(h);
  at::Tensor r = at::empty_like(t, like_opts(t, dtype));
  r.normal_(0.0, 1.0, gen(g));
  return finish(std::move(r), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.rand_like(t, dtype), drawing from generator g (null: default). Same stream as rand.
LST_API lst_tensor lst_create_rand_like(lst_tensor h, int32_t dtype, int32_t requires_grad, lst_generator g) {
  LST_TRY
  const at::Tensor& t = T(h);
  at::Tensor r = at::empty_like(t, like_opts(t, dtype));
  r.uniform_(0.0, 1.0, gen(g));
  return finish(std::move(r), requires_grad);
  LST_CATCH_HANDLE
}

/// torch.bernoulli(probs, generator): 0/1 samples with the given probabilities.
LST_API lst_tensor lst_create_bernoulli(lst_tensor probs, lst_generator g) {
  LST_TRY return lst::wrap(at::bernoulli(T(probs, "probs"), gen(g))); LST_CATCH_HANDLE
}

/// torch.multinomial(probs, num_samples, replacement, generator).
LST_API lst_tensor lst_create_multinomial(lst_tensor probs, int64_t num_samples, int32_t replacement, lst_generator g) {
  LST_TRY return lst::wrap(at::multinomial(T(probs, "probs"), num_samples, replacement != 0, gen(g))); LST_CATCH_HANDLE
}

// ---- in-place fillers ---------------------------------------------------------------------------

/// tensor.zero_().
LST_API int32_t lst_tensor_zero_(lst_tensor h) {
  LST_TRY T(h).zero_(); return 0; LST_CATCH_INT
}

/// tensor.fill_(value).
LST_API int32_t lst_tensor_fill_(lst_tensor h, lst_scalar value) {
  LST_TRY T(h).fill_(lst::scalar(value)); return 0; LST_CATCH_INT
}

/// tensor.uniform_(from, to, generator).
LST_API int32_t lst_tensor_uniform_(lst_tensor h, double from, double to, lst_generator g) {
  LST_TRY T(h).uniform_(from, to, gen(g)); return 0; LST_CATCH_INT
}

/// tensor.normal_(mean, std, generator).
LST_API int32_t lst_tensor_normal_(lst_tensor h, double mean, double std, lst_generator g) {
  LST_TRY T(h).normal_(mean, std, gen(g)); return 0; LST_CATCH_INT
}

/// tensor.bernoulli_(p, generator) with a scalar probability.
LST_API int32_t lst_tensor_bernoulli_(lst_tensor h, double p, lst_generator g) {
  LST_TRY T(h).bernoulli_(p, gen(g)); return 0; LST_CATCH_INT
}
