// Autograd: requires_grad, gradients, backward, torch.autograd.grad, grad mode.
#include "common.h"

#include <torch/csrc/autograd/autograd.h>

#include <stdexcept>
#include <vector>

using lst::T;

/// 1 if the tensor requires grad, 0 if not, -1 on error.
LST_API int32_t lst_tensor_requires_grad(lst_tensor h) {
  LST_TRY return T(h).requires_grad() ? 1 : 0; LST_CATCH_INT
}

/// Sets requires_grad in place (only allowed on leaves, as in PyTorch).
LST_API int32_t lst_tensor_set_requires_grad(lst_tensor h, int32_t flag) {
  LST_TRY T(h).set_requires_grad(flag != 0); return 0; LST_CATCH_INT
}

/// 1 if the tensor is a leaf of the autograd graph.
LST_API int32_t lst_tensor_is_leaf(lst_tensor h) {
  LST_TRY return T(h).is_leaf() ? 1 : 0; LST_CATCH_INT
}

/// Writes the accumulated gradient into *out (null when there is none); status returned.
LST_API int32_t lst_tensor_grad(lst_tensor h, lst_tensor* out) {
  LST_TRY
  *out = nullptr;
  const at::Tensor& g = T(h).grad();
  if (g.defined()) *out = lst::wrap(at::Tensor(g));
  return 0;
  LST_CATCH_INT
}

/// Replaces the accumulated gradient (null clears it).
LST_API int32_t lst_tensor_set_grad(lst_tensor h, lst_tensor g) {
  LST_TRY
  T(h).mutable_grad() = g == nullptr ? at::Tensor() : T(g, "gradient");
  return 0;
  LST_CATCH_INT
}

/// Clears the gradient: set_to_none=1 drops it (PyTorch's default), 0 fills it with zeros.
LST_API int32_t lst_tensor_zero_grad(lst_tensor h, int32_t set_to_none) {
  LST_TRY
  at::Tensor& g = T(h).mutable_grad();
  if (g.defined()) {
    if (set_to_none) {
      g = at::Tensor();
    } else {
      g = g.detach();
      g.zero_();
    }
  }
  return 0;
  LST_CATCH_INT
}

/// Runs backward from h. gradient may be null (then h must hold one element).
LST_API int32_t lst_tensor_backward(lst_tensor h, lst_tensor gradient, int32_t retain_graph,
                                    int32_t create_graph) {
  LST_TRY
  const at::Tensor& t = T(h);
  at::Tensor g = gradient == nullptr ? at::Tensor() : T(gradient, "gradient");
  if (!g.defined() && t.numel() != 1)
    throw std::invalid_argument("grad can be implicitly created only for scalar outputs; pass a gradient for a tensor of shape " +
                                c10::str(t.sizes()));
  if (!t.requires_grad())
    throw std::invalid_argument("element 0 of tensors does not require grad and does not have a grad_fn");
  c10::optional<bool> retain;
  if (retain_graph >= 0) retain = retain_graph != 0;
  t.backward(g, retain, create_graph != 0);
  return 0;
  LST_CATCH_INT
}

/// torch.autograd.grad: gradients of outputs with respect to inputs.
/// grad_outputs may be null (each output must then hold one element) or an array of n_out
/// entries, each possibly null. Results go to out[n_in]; an input the outputs do not depend on
/// yields null when allow_unused != 0 and an error otherwise.
LST_API int32_t lst_autograd_grad(const lst_tensor* outputs, int64_t n_out, const lst_tensor* inputs,
                                  int64_t n_in, const lst_tensor* grad_outputs, int32_t retain_graph,
                                  int32_t create_graph, int32_t allow_unused, lst_tensor* out) {
  LST_TRY
  std::vector<at::Tensor> outs, ins, gouts;
  outs.reserve(n_out);
  ins.reserve(n_in);
  for (int64_t i = 0; i < n_out; ++i) outs.push_back(T(outputs[i], "output"));
  for (int64_t i = 0; i < n_in; ++i) ins.push_back(T(inputs[i], "input"));
  if (grad_outputs != nullptr)
    for (int64_t i = 0; i < n_out; ++i)
      gouts.push_back(grad_outputs[i] == nullptr ? at::Tensor() : T(grad_outputs[i], "grad_output"));
  c10::optional<bool> retain;
  if (retain_graph >= 0) retain = retain_graph != 0;
  auto grads = torch::autograd::grad(outs, ins, gouts, retain, create_graph != 0, allow_unused != 0);
  for (int64_t i = 0; i < n_in; ++i) out[i] = nullptr;
  for (int64_t i = 0; i < n_in; ++i)
    if (grads[i].defined()) out[i] = lst::wrap(std::move(grads[i]));
  return 0;
  LST_CATCH_INT
}

/// Whether gradient recording is enabled on this thread.
LST_API int32_t lst_grad_enabled() {
  LST_TRY
  return at::GradMode::is_enabled() ? 1 : 0;
  LST_CATCH_INT
}

/// Enables or disables gradient recording on this thread; returns the previous state.
LST_API int32_t lst_set_grad_enabled(int32_t enabled) {
  LST_TRY
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(enabled != 0);
  return prev ? 1 : 0;
  LST_CATCH_INT
}
