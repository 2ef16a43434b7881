// Shape and indexing: views (reshape, permute, slicing...), Python-style indexing through
// at::indexing, joining and splitting, gathers and scatters, where/masked_fill, repeat/flip/roll.
#include "common.h"

#include <ATen/TensorIndexing.h>

#include <stdexcept>
#include <string>
#include <vector>

using lst::T;

/// One Python-style index, as .NET encodes it (mirrors TensorIndex.cs).
///  kind 0: integer `a` (selects, removes the dimension)
///  kind 1: slice; a = start, b = stop, c = step; flags bit 0: start given, bit 1: stop given
///  kind 2: ellipsis (...)      kind 3: None (new axis of size 1)
///  kind 4: tensor `t` (long indices or boolean mask)   kind 5: boolean `a != 0`
typedef struct {
  int32_t kind;
  int32_t flags;
  int64_t a;
  int64_t b;
  int64_t c;
  lst_tensor t;
} lst_index;

namespace {
// Results of functions returning several tensors wait here until lst_ops_take_list collects them.
thread_local std::vector<at::Tensor> pending_list;

int64_t stash(std::vector<at::Tensor>&& list) {
  pending_list = std::move(list);
  return static_cast<int64_t>(pending_list.size());
}

std::vector<at::indexing::TensorIndex> to_indices(const lst_index* idx, int64_t n) {
  if (n < 0 || (n > 0 && idx == nullptr)) throw std::invalid_argument("invalid index list");
  std::vector<at::indexing::TensorIndex> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const lst_index& x = idx[i];
    switch (x.kind) {
      case 0: out.emplace_back(x.a); break;
      case 1: {
        c10::optional<int64_t> start, stop;
        if (x.flags & 1) start = x.a;
        if (x.flags & 2) stop = x.b;
        if (x.c <= 0) throw std::invalid_argument("slice step must be positive, got " + std::to_string(x.c));
        out.emplace_back(at::indexing::Slice(start, stop, x.c));
        break;
      }
      case 2: out.emplace_back(at::indexing::Ellipsis); break;
      case 3: out.emplace_back(at::indexing::None); break;
      case 4: out.emplace_back(T(x.t, "index tensor")); break;
      case 5: out.emplace_back(x.a != 0); break;
      default: throw std::invalid_argument("unknown index kind " + std::to_string(x.kind));
    }
  }
  return out;
}

std::vector<at::Tensor> tensor_list(const lst_tensor* hs, int64_t n) {
  if (n < 0 || (n > 0 && hs == nullptr)) throw std::invalid_argument("invalid tensor list");
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v.push_back(T(hs[i], "tensor in list"));
  return v;
}
}  // namespace

/// Moves the n tensors left by the last list-returning call on this thread into out.
LST_API int32_t lst_ops_take_list(lst_tensor* out, int64_t n) {
  LST_TRY
  if (n != static_cast<int64_t>(pending_list.size()))
    throw std::invalid_argument("expected " + std::to_string(pending_list.size()) + " pending tensors, asked for " +
                                std::to_string(n));
  for (int64_t i = 0; i < n; ++i) out[i] = nullptr;
  try {
    for (int64_t i = 0; i < n; ++i) out[i] = lst::wrap(std::move(pending_list[static_cast<size_t>(i)]));
  } catch (...) {
    // All or nothing: release what was already handed out before reporting the failure.
    for (int64_t i = 0; i < n && out[i] != nullptr; ++i) {
      delete out[i];
      lst::live_tensors.fetch_sub(1, std::memory_order_relaxed);
      out[i] = nullptr;
    }
    pending_list.clear();
    throw;
  }
  pending_list.clear();
  return 0;
  LST_CATCH_INT
}

// ---- views and reshapes -------------------------------------------------------------------------

/// tensor.reshape(shape) (one entry may be -1).
LST_API lst_tensor lst_tensor_reshape(lst_tensor h, const int64_t* shape, int64_t n) {
  LST_TRY return lst::wrap(T(h).reshape(lst::dims(shape, n))); LST_CATCH_HANDLE
}

/// tensor.view(shape): like reshape but never copies (fails on incompatible strides).
LST_API lst_tensor lst_tensor_view(lst_tensor h, const int64_t* shape, int64_t n) {
  LST_TRY return lst::wrap(T(h).view(lst::dims(shape, n))); LST_CATCH_HANDLE
}

/// tensor.permute(dims).
LST_API lst_tensor lst_tensor_permute(lst_tensor h, const int64_t* dims, int64_t n) {
  LST_TRY return lst::wrap(T(h).permute(lst::dims(dims, n))); LST_CATCH_HANDLE
}

/// tensor.transpose(d0, d1).
LST_API lst_tensor lst_tensor_transpose(lst_tensor h, int64_t d0, int64_t d1) {
  LST_TRY return lst::wrap(T(h).transpose(d0, d1)); LST_CATCH_HANDLE
}

/// tensor.t(): transpose of a tensor with at most 2 dimensions.
LST_API lst_tensor lst_tensor_t(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).t()); LST_CATCH_HANDLE
}

/// tensor.squeeze() (all size-1 dimensions).
LST_API lst_tensor lst_tensor_squeeze(lst_tensor h) {
  LST_TRY return lst::wrap(T(h).squeeze()); LST_CATCH_HANDLE
}

/// tensor.squeeze(dim).
LST_API lst_tensor lst_tensor_squeeze_dim(lst_tensor h, int64_t dim) {
  LST_TRY return lst::wrap(T(h).squeeze(dim)); LST_CATCH_HANDLE
}

/// tensor.unsqueeze(dim).
LST_API lst_tensor lst_tensor_unsqueeze(lst_tensor h, int64_t dim) {
  LST_TRY return lst::wrap(T(h).unsqueeze(dim)); LST_CATCH_HANDLE
}

/// tensor.expand(sizes) (-1 keeps a size).
LST_API lst_tensor lst_tensor_expand(lst_tensor h, const int64_t* sizes, int64_t n) {
  LST_TRY return lst::wrap(T(h).expand(lst::dims(sizes, n))); LST_CATCH_HANDLE
}

/// tensor.expand_as(other).
LST_API lst_tensor lst_tensor_expand_as(lst_tensor h, lst_tensor other) {
  LST_TRY return lst::wrap(T(h).expand_as(T(other, "other"))); LST_CATCH_HANDLE
}

/// tensor.flatten(start_dim, end_dim).
LST_API lst_tensor lst_tensor_flatten(lst_tensor h, int64_t start_dim, int64_t end_dim) {
  LST_TRY return lst::wrap(T(h).flatten(start_dim, end_dim)); LST_CATCH_HANDLE
}

/// tensor.unflatten(dim, sizes).
LST_API lst_tensor lst_tensor_unflatten(lst_tensor h, int64_t dim, const int64_t* sizes, int64_t n) {
  LST_TRY return lst::wrap(T(h).unflatten(dim, lst::dims(sizes, n))); LST_CATCH_HANDLE
}

/// tensor.narrow(dim, start, length).
LST_API lst_tensor lst_tensor_narrow(lst_tensor h, int64_t dim, int64_t start, int64_t length) {
  LST_TRY return lst::wrap(T(h).narrow(dim, start, length)); LST_CATCH_HANDLE
}

/// tensor.select(dim, index).
LST_API lst_tensor lst_tensor_select(lst_tensor h, int64_t dim, int64_t index) {
  LST_TRY return lst::wrap(T(h).select(dim, index)); LST_CATCH_HANDLE
}

/// tensor.slice(dim, start, end, step); has_start/has_end = 0 leave that end open.
LST_API lst_tensor lst_tensor_slice(lst_tensor h, int64_t dim, int32_t has_start, int64_t start, int32_t has_end,
                                    int64_t end, int64_t step) {
  LST_TRY
  c10::optional<int64_t> s, e;
  if (has_start) s = start;
  if (has_end) e = end;
  return lst::wrap(T(h).slice(dim, s, e, step));
  LST_CATCH_HANDLE
}

// ---- Python-style indexing ----------------------------------------------------------------------

/// tensor[indices] with Python semantics (integers, slices, ..., None, bool masks, index tensors).
LST_API lst_tensor lst_tensor_index(lst_tensor h, const lst_index* idx, int64_t n) {
  LST_TRY return lst::wrap(T(h).index(to_indices(idx, n))); LST_CATCH_HANDLE
}

/// tensor[indices] = value (value broadcast to the indexed shape).
LST_API int32_t lst_tensor_index_put_(lst_tensor h, const lst_index* idx, int64_t n, lst_tensor value) {
  LST_TRY
  at::Tensor self = T(h);  // index_put_ is not const in 1.13; the copy shares the tensor
  self.index_put_(to_indices(idx, n), T(value, "value"));
  return 0;
  LST_CATCH_INT
}

/// tensor[indices] = scalar.
LST_API int32_t lst_tensor_index_fill_(lst_tensor h, const lst_index* idx, int64_t n, lst_scalar value) {
  LST_TRY
  at::Tensor self = T(h);
  self.index_put_(to_indices(idx, n), lst::scalar(value));
  return 0;
  LST_CATCH_INT
}

// ---- joining and splitting ----------------------------------------------------------------------

/// torch.cat(tensors, dim).
LST_API lst_tensor lst_ops_cat(const lst_tensor* hs, int64_t n, int64_t dim) {
  LST_TRY return lst::wrap(at::cat(tensor_list(hs, n), dim)); LST_CATCH_HANDLE
}

/// torch.stack(tensors, dim).
LST_API lst_tensor lst_ops_stack(const lst_tensor* hs, int64_t n, int64_t dim) {
  LST_TRY return lst::wrap(at::stack(tensor_list(hs, n), dim)); LST_CATCH_HANDLE
}

/// tensor.chunk(chunks, dim); returns the count, collect with lst_ops_take_list.
LST_API int64_t lst_tensor_chunk(lst_tensor h, int64_t chunks, int64_t dim) {
  LST_TRY return stash(T(h).chunk(chunks, dim)); LST_CATCH_INT
}

/// tensor.split(split_size, dim); returns the count, collect with lst_ops_take_list.
LST_API int64_t lst_tensor_split(lst_tensor h, int64_t split_size, int64_t dim) {
  LST_TRY return stash(T(h).split(split_size, dim)); LST_CATCH_INT
}

/// tensor.split(sizes, dim); returns the count, collect with lst_ops_take_list.
LST_API int64_t lst_tensor_split_sizes(lst_tensor h, const int64_t* sizes, int64_t n, int64_t dim) {
  LST_TRY return stash(T(h).split_with_sizes(lst::dims(sizes, n), dim)); LST_CATCH_INT
}

/// tensor.unbind(dim); returns the count, collect with lst_ops_take_list.
LST_API int64_t lst_tensor_unbind(lst_tensor h, int64_t dim) {
  LST_TRY return stash(T(h).unbind(dim)); LST_CATCH_INT
}

// ---- gathers, scatters, selections --------------------------------------------------------------

/// tensor.index_select(dim, index).
LST_API lst_tensor lst_tensor_index_select(lst_tensor h, int64_t dim, lst_tensor index) {
  LST_TRY return lst::wrap(T(h).index_select(dim, T(index, "index"))); LST_CATCH_HANDLE
}

/// tensor.gather(dim, index).
LST_API lst_tensor lst_tensor_gather(lst_tensor h, int64_t dim, lst_tensor index) {
  LST_TRY return lst::wrap(T(h).gather(dim, T(index, "index"))); LST_CATCH_HANDLE
}

/// tensor.scatter(dim, index, src) (out of place).
LST_API lst_tensor lst_tensor_scatter(lst_tensor h, int64_t dim, lst_tensor index, lst_tensor src) {
  LST_TRY return lst::wrap(T(h).scatter(dim, T(index, "index"), T(src, "src"))); LST_CATCH_HANDLE
}

/// tensor.scatter(dim, index, value) with a scalar value (out of place).
LST_API lst_tensor lst_tensor_scatter_value(lst_tensor h, int64_t dim, lst_tensor index, lst_scalar value) {
  LST_TRY return lst::wrap(T(h).scatter(dim, T(index, "index"), lst::scalar(value))); LST_CATCH_HANDLE
}

/// tensor.scatter_add(dim, index, src) (out of place).
LST_API lst_tensor lst_tensor_scatter_add(lst_tensor h, int64_t dim, lst_tensor index, lst_tensor src) {
  LST_TRY return lst::wrap(T(h).scatter_add(dim, T(index, "index"), T(src, "src"))); LST_CATCH_HANDLE
}

/// tensor.masked_fill(mask, value).
LST_API lst_tensor lst_tensor_masked_fill(lst_tensor h, lst_tensor mask, lst_scalar value) {
  LST_TRY return lst::wrap(T(h).masked_fill(T(mask, "mask"), lst::scalar(value))); LST_CATCH_HANDLE
}

/// tensor.masked_fill_(mask, value) in place.
LST_API int32_t lst_tensor_masked_fill_(lst_tensor h, lst_tensor mask, lst_scalar value) {
  LST_TRY T(h).masked_fill_(T(mask, "mask"), lst::scalar(value)); return 0; LST_CATCH_INT
}

/// torch.where(condition, a, b); a or b may be replaced by a scalar (pass null handle and the scalar).
LST_API lst_tensor lst_ops_where(lst_tensor cond, lst_tensor a, lst_scalar sa, lst_tensor b, lst_scalar sb) {
  LST_TRY
  const at::Tensor& c = T(cond, "condition");
  if (a != nullptr && b != nullptr) return lst::wrap(at::where(c, T(a, "input"), T(b, "other")));
  if (a != nullptr) return lst::wrap(at::where(c, T(a, "input"), lst::scalar(sb)));
  if (b != nullptr) return lst::wrap(at::where(c, lst::scalar(sa), T(b, "other")));
  return lst::wrap(at::where(c, lst::scalar(sa), lst::scalar(sb)));
  LST_CATCH_HANDLE
}

/// tensor.repeat(repeats).
LST_API lst_tensor lst_tensor_repeat(lst_tensor h, const int64_t* repeats, int64_t n) {
  LST_TRY return lst::wrap(T(h).repeat(lst::dims(repeats, n))); LST_CATCH_HANDLE
}

/// tensor.flip(dims).
LST_API lst_tensor lst_tensor_flip(lst_tensor h, const int64_t* dims, int64_t n) {
  LST_TRY return lst::wrap(T(h).flip(lst::dims(dims, n))); LST_CATCH_HANDLE
}

/// tensor.roll(shifts, dims) (no dims: roll the flattened tensor).
LST_API lst_tensor lst_tensor_roll(lst_tensor h, const int64_t* shifts, int64_t ns, const int64_t* dims, int64_t nd) {
  LST_TRY return lst::wrap(T(h).roll(lst::dims(shifts, ns), lst::dims(dims, nd))); LST_CATCH_HANDLE
}

/// tensor.tril(diagonal).
LST_API lst_tensor lst_tensor_tril(lst_tensor h, int64_t diagonal) {
  LST_TRY return lst::wrap(T(h).tril(diagonal)); LST_CATCH_HANDLE
}

/// tensor.triu(diagonal).
LST_API lst_tensor lst_tensor_triu(lst_tensor h, int64_t diagonal) {
  LST_TRY return lst::wrap(T(h).triu(diagonal)); LST_CATCH_HANDLE
}
