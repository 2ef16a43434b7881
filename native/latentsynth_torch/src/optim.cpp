// Optimizers (torch::optim Adam, AdamW, SGD) behind an opaque handle, their per-parameter state,
// and gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
//
// A handle keeps the parameters in the order they were given: state is read and written by that
// index (libtorch itself keys it by the parameter's TensorImpl address, which means nothing
// outside this process). An optimizer is not thread-safe: use it from one thread at a time.
#include "common.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

using lst::T;

namespace {

enum class Kind : int32_t { Adam = 0, AdamW = 1, SGD = 2 };

struct Optim {
  Kind kind;
  std::vector<at::Tensor> params;
  std::unique_ptr<torch::optim::Optimizer> impl;
};

Optim& O(void* h) {
  if (h == nullptr) throw std::invalid_argument("optimizer handle is null");
  return *static_cast<Optim*>(h);
}

// Collects the parameter tensors, refusing non-leaves, non-floating dtypes and duplicates.
std::vector<at::Tensor> collect(const lst_tensor* params, int64_t n) {
  if (n <= 0) throw std::invalid_argument("optimizer got an empty parameter list");
  if (params == nullptr) throw std::invalid_argument("parameter array is null");
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(n));
  std::unordered_map<const void*, int64_t> seen;
  for (int64_t i = 0; i < n; ++i) {
    const std::string what = "parameter " + std::to_string(i);
    const at::Tensor& p = T(params[i], what.c_str());
    if (!p.is_leaf()) throw std::invalid_argument("can't optimize a non-leaf tensor (" + what + ")");
    if (!at::isFloatingType(p.scalar_type()))
      throw std::invalid_argument(what + " has dtype " + std::string(c10::toString(p.scalar_type())) +
                                  "; only floating-point tensors can be optimized");
    auto [it, added] = seen.emplace(p.unsafeGetTensorImpl(), i);
    if (!added)
      throw std::invalid_argument(what + " is the same tensor as parameter " + std::to_string(it->second) +
                                  "; each parameter may appear only once");
    out.push_back(p);
  }
  return out;
}

std::string key_of(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

const at::Tensor& param_at(Optim& o, int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(o.params.size()))
    throw std::out_of_range("parameter index " + std::to_string(index) + " out of range for an optimizer of " +
                            std::to_string(o.params.size()) + " parameters");
  return o.params[static_cast<size_t>(index)];
}

// Applies f to the defaults and to every group's options (one group in practice), cast to Opts.
template <class Opts, class F>
void each_options(Optim& o, F f) {
  f(static_cast<Opts&>(o.impl->defaults()));
  for (auto& g : o.impl->param_groups()) f(static_cast<Opts&>(g.options()));
}

template <class Opts>
const Opts& first_options(Optim& o) {
  auto& groups = o.impl->param_groups();
  if (groups.empty() || !groups[0].has_options()) return static_cast<const Opts&>(o.impl->defaults());
  return static_cast<const Opts&>(groups[0].options());
}

template <class Opts>
bool adam_option(Optim& o, const std::string& name, double* get, const double* set) {
  if (get != nullptr) {
    const Opts& op = first_options<Opts>(o);
    if (name == "lr") *get = op.lr();
    else if (name == "beta1") *get = std::get<0>(op.betas());
    else if (name == "beta2") *get = std::get<1>(op.betas());
    else if (name == "eps") *get = op.eps();
    else if (name == "weight_decay") *get = op.weight_decay();
    else if (name == "amsgrad") *get = op.amsgrad() ? 1.0 : 0.0;
    else return false;
    return true;
  }
  const double v = *set;
  if (name == "lr") each_options<Opts>(o, [&](Opts& op) { op.lr(v); });
  else if (name == "beta1") each_options<Opts>(o, [&](Opts& op) { op.betas(std::make_tuple(v, std::get<1>(op.betas()))); });
  else if (name == "beta2") each_options<Opts>(o, [&](Opts& op) { op.betas(std::make_tuple(std::get<0>(op.betas()), v)); });
  else if (name == "eps") each_options<Opts>(o, [&](Opts& op) { op.eps(v); });
  else if (name == "weight_decay") each_options<Opts>(o, [&](Opts& op) { op.weight_decay(v); });
  else if (name == "amsgrad") each_options<Opts>(o, [&](Opts& op) { op.amsgrad(v != 0); });
  else return false;
  return true;
}

bool sgd_option(Optim& o, const std::string& name, double* get, const double* set) {
  using Opts = torch::optim::SGDOptions;
  if (get != nullptr) {
    const Opts& op = first_options<Opts>(o);
    if (name == "lr") *get = op.lr();
    else if (name == "momentum") *get = op.momentum();
    else if (name == "dampening") *get = op.dampening();
    else if (name == "weight_decay") *get = op.weight_decay();
    else if (name == "nesterov") *get = op.nesterov() ? 1.0 : 0.0;
    else return false;
    return true;
  }
  const double v = *set;
  if (name == "lr") each_options<Opts>(o, [&](Opts& op) { op.lr(v); });
  else if (name == "momentum") each_options<Opts>(o, [&](Opts& op) { op.momentum(v); });
  else if (name == "dampening") each_options<Opts>(o, [&](Opts& op) { op.dampening(v); });
  else if (name == "weight_decay") each_options<Opts>(o, [&](Opts& op) { op.weight_decay(v); });
  else if (name == "nesterov") each_options<Opts>(o, [&](Opts& op) { op.nesterov(v != 0); });
  else return false;
  return true;
}

void option(Optim& o, const char* name, double* get, const double* set) {
  if (name == nullptr) throw std::invalid_argument("option name is null");
  const std::string n(name);
  bool known = false;
  switch (o.kind) {
    case Kind::Adam: known = adam_option<torch::optim::AdamOptions>(o, n, get, set); break;
    case Kind::AdamW: known = adam_option<torch::optim::AdamWOptions>(o, n, get, set); break;
    case Kind::SGD: known = sgd_option(o, n, get, set); break;
  }
  if (!known) throw std::invalid_argument("unknown optimizer option '" + n + "'");
}

// Same shape and dtype as the parameter, or an error naming both.
at::Tensor state_tensor(const at::Tensor& p, lst_tensor h, const char* what, int64_t index) {
  const at::Tensor& t = T(h, what);
  if (!t.sizes().equals(p.sizes()) || t.scalar_type() != p.scalar_type())
    throw std::invalid_argument(std::string(what) + " for parameter " + std::to_string(index) + " is " +
                                c10::toString(t.scalar_type()) + " " + c10::str(t.sizes()) + " but the parameter is " +
                                c10::toString(p.scalar_type()) + " " + c10::str(p.sizes()));
  // The optimizer owns its state: never share storage with the caller's tensor.
  return t.detach().clone(at::MemoryFormat::Preserve);
}

template <class State>
int32_t adam_get(Optim& o, int64_t index, int64_t* step, lst_tensor* exp_avg, lst_tensor* exp_avg_sq,
                 lst_tensor* max_exp_avg_sq) {
  *exp_avg = *exp_avg_sq = *max_exp_avg_sq = nullptr;
  *step = 0;
  const at::Tensor& p = param_at(o, index);
  auto it = o.impl->state().find(key_of(p));
  if (it == o.impl->state().end()) return 0;
  auto& s = static_cast<State&>(*it->second);
  *step = s.step();
  if (s.exp_avg().defined()) *exp_avg = lst::wrap(s.exp_avg().detach());
  if (s.exp_avg_sq().defined()) *exp_avg_sq = lst::wrap(s.exp_avg_sq().detach());
  if (s.max_exp_avg_sq().defined()) *max_exp_avg_sq = lst::wrap(s.max_exp_avg_sq().detach());
  return 1;
}

template <class State, class Opts>
void adam_set(Optim& o, int64_t index, int64_t step, lst_tensor exp_avg, lst_tensor exp_avg_sq,
              lst_tensor max_exp_avg_sq) {
  const at::Tensor& p = param_at(o, index);
  if (step < 0) throw std::invalid_argument("step count must not be negative, got " + std::to_string(step));
  const bool amsgrad = first_options<Opts>(o).amsgrad();
  if (amsgrad && max_exp_avg_sq == nullptr)
    throw std::invalid_argument("amsgrad is on: the state of parameter " + std::to_string(index) +
                                " needs max_exp_avg_sq");
  auto s = std::make_unique<State>();
  s->step(step);
  s->exp_avg(state_tensor(p, exp_avg, "exp_avg", index));
  s->exp_avg_sq(state_tensor(p, exp_avg_sq, "exp_avg_sq", index));
  if (amsgrad) s->max_exp_avg_sq(state_tensor(p, max_exp_avg_sq, "max_exp_avg_sq", index));
  o.impl->state()[key_of(p)] = std::move(s);
}

}  // namespace

/// Opaque optimizer handle.
typedef void* lst_optim;

/// torch.optim.Adam over params[n] (decoupled = 0) or AdamW (decoupled = 1). The hyperparameters
/// are checked by the caller; libtorch re-checks lr, eps, betas and weight_decay.
LST_API lst_optim lst_optim_adam_new(const lst_tensor* params, int64_t n, double lr, double beta1, double beta2,
                                     double eps, double weight_decay, int32_t amsgrad, int32_t decoupled) {
  LST_TRY
  auto o = std::make_unique<Optim>();
  o->params = collect(params, n);
  if (decoupled) {
    o->kind = Kind::AdamW;
    o->impl = std::make_unique<torch::optim::AdamW>(
        o->params, torch::optim::AdamWOptions(lr).betas(std::make_tuple(beta1, beta2)).eps(eps)
                       .weight_decay(weight_decay).amsgrad(amsgrad != 0));
  } else {
    o->kind = Kind::Adam;
    o->impl = std::make_unique<torch::optim::Adam>(
        o->params, torch::optim::AdamOptions(lr).betas(std::make_tuple(beta1, beta2)).eps(eps)
                       .weight_decay(weight_decay).amsgrad(amsgrad != 0));
  }
  return o.release();
  LST_CATCH_HANDLE
}

/// torch.optim.SGD over params[n].
LST_API lst_optim lst_optim_sgd_new(const lst_tensor* params, int64_t n, double lr, double momentum, double dampening,
                                    double weight_decay, int32_t nesterov) {
  LST_TRY
  auto o = std::make_unique<Optim>();
  o->params = collect(params, n);
  o->kind = Kind::SGD;
  o->impl = std::make_unique<torch::optim::SGD>(
      o->params, torch::optim::SGDOptions(lr).momentum(momentum).dampening(dampening)
                     .weight_decay(weight_decay).nesterov(nesterov != 0));
  return o.release();
  LST_CATCH_HANDLE
}

/// Releases an optimizer handle (its state goes with it; the parameters stay). Null is ignored.
LST_API void lst_optim_free(lst_optim h) {
  try { delete static_cast<Optim*>(h); } catch (...) {}
}

/// Number of parameters the optimizer updates.
LST_API int64_t lst_optim_param_count(lst_optim h) {
  LST_TRY return static_cast<int64_t>(O(h).params.size()); LST_CATCH_INT
}

/// One optimization step over every parameter that has a gradient (one native call per step).
LST_API int32_t lst_optim_step(lst_optim h) {
  LST_TRY
  O(h).impl->step();
  return 0;
  LST_CATCH_INT
}

/// Clears the gradients: set_to_none drops them, otherwise they are detached and zero-filled.
LST_API int32_t lst_optim_zero_grad(lst_optim h, int32_t set_to_none) {
  LST_TRY
  for (auto& p : O(h).params) {
    at::Tensor& g = p.mutable_grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      g = at::Tensor();
    } else {
      if (g.grad_fn()) g = g.detach();
      else g.requires_grad_(false);
      g.zero_();
    }
  }
  return 0;
  LST_CATCH_INT
}

/// Reads a hyperparameter by name (lr, beta1, beta2, eps, weight_decay, amsgrad for Adam/AdamW;
/// lr, momentum, dampening, weight_decay, nesterov for SGD; booleans read as 0/1).
LST_API int32_t lst_optim_get_option(lst_optim h, const char* name, double* out) {
  LST_TRY option(O(h), name, out, nullptr); return 0; LST_CATCH_INT
}

/// Sets a hyperparameter by name (see lst_optim_get_option) on every parameter group.
LST_API int32_t lst_optim_set_option(lst_optim h, const char* name, double value) {
  LST_TRY option(O(h), name, nullptr, &value); return 0; LST_CATCH_INT
}

/// The learning rate.
LST_API int32_t lst_optim_get_lr(lst_optim h, double* out) {
  LST_TRY option(O(h), "lr", out, nullptr); return 0; LST_CATCH_INT
}

/// Sets the learning rate (what LR schedulers do between steps).
LST_API int32_t lst_optim_set_lr(lst_optim h, double lr) {
  LST_TRY
  if (!(lr >= 0)) throw std::invalid_argument("Invalid learning rate: " + std::to_string(lr));
  option(O(h), "lr", nullptr, &lr);
  return 0;
  LST_CATCH_INT
}

/// Adam/AdamW state of parameter index: returns 1 and fills step and (detached aliases of) the
/// moment tensors when the parameter has state, 0 when it has none yet (never stepped), -1 on error.
/// max_exp_avg_sq is null unless amsgrad is on.
LST_API int32_t lst_optim_adam_get_state(lst_optim h, int64_t index, int64_t* step, lst_tensor* exp_avg,
                                         lst_tensor* exp_avg_sq, lst_tensor* max_exp_avg_sq) {
  LST_TRY
  Optim& o = O(h);
  if (o.kind == Kind::Adam)
    return adam_get<torch::optim::AdamParamState>(o, index, step, exp_avg, exp_avg_sq, max_exp_avg_sq);
  if (o.kind == Kind::AdamW)
    return adam_get<torch::optim::AdamWParamState>(o, index, step, exp_avg, exp_avg_sq, max_exp_avg_sq);
  throw std::invalid_argument("not an Adam/AdamW optimizer");
  LST_CATCH_INT
}

/// Replaces the Adam/AdamW state of parameter index with copies of the given tensors (each of the
/// parameter's shape and dtype; max_exp_avg_sq required when amsgrad is on, ignored otherwise).
LST_API int32_t lst_optim_adam_set_state(lst_optim h, int64_t index, int64_t step, lst_tensor exp_avg,
                                         lst_tensor exp_avg_sq, lst_tensor max_exp_avg_sq) {
  LST_TRY
  Optim& o = O(h);
  if (o.kind == Kind::Adam)
    adam_set<torch::optim::AdamParamState, torch::optim::AdamOptions>(o, index, step, exp_avg, exp_avg_sq, max_exp_avg_sq);
  else if (o.kind == Kind::AdamW)
    adam_set<torch::optim::AdamWParamState, torch::optim::AdamWOptions>(o, index, step, exp_avg, exp_avg_sq, max_exp_avg_sq);
  else
    throw std::invalid_argument("not an Adam/AdamW optimizer");
  return 0;
  LST_CATCH_INT
}

/// SGD state of parameter index: 1 with a detached alias of the momentum buffer, 0 when there is
/// none (no momentum, or never stepped), -1 on error.
LST_API int32_t lst_optim_sgd_get_state(lst_optim h, int64_t index, lst_tensor* momentum_buffer) {
  LST_TRY
  Optim& o = O(h);
  *momentum_buffer = nullptr;
  if (o.kind != Kind::SGD) throw std::invalid_argument("not an SGD optimizer");
  const at::Tensor& p = param_at(o, index);
  auto it = o.impl->state().find(key_of(p));
  if (it == o.impl->state().end()) return 0;
  auto& s = static_cast<torch::optim::SGDParamState&>(*it->second);
  if (!s.momentum_buffer().defined()) return 0;
  *momentum_buffer = lst::wrap(s.momentum_buffer().detach());
  return 1;
  LST_CATCH_INT
}

/// Replaces the SGD momentum buffer of parameter index with a copy of buffer.
LST_API int32_t lst_optim_sgd_set_state(lst_optim h, int64_t index, lst_tensor momentum_buffer) {
  LST_TRY
  Optim& o = O(h);
  if (o.kind != Kind::SGD) throw std::invalid_argument("not an SGD optimizer");
  const at::Tensor& p = param_at(o, index);
  auto s = std::make_unique<torch::optim::SGDParamState>();
  s->momentum_buffer(state_tensor(p, momentum_buffer, "momentum_buffer", index));
  o.impl->state()[key_of(p)] = std::move(s);
  return 0;
  LST_CATCH_INT
}

/// Drops the state of parameter index, or of every parameter when index is -1.
LST_API int32_t lst_optim_clear_state(lst_optim h, int64_t index) {
  LST_TRY
  Optim& o = O(h);
  if (index == -1) {
    o.impl->state().clear();
  } else {
    o.impl->state().erase(key_of(param_at(o, index)));
  }
  return 0;
  LST_CATCH_INT
}

// ---- gradient clipping ------------------------------------------------------------------------

/// torch.nn.utils.clip_grad_norm_: the norm of order norm_type (inf allowed) of all gradients taken
/// together goes to *total; every gradient is then scaled by min(1, max_norm / (total + 1e-6)).
/// Parameters without a gradient are skipped (total 0 when none has one). With error_if_nonfinite
/// a NaN or infinite total is an error and nothing is scaled.
LST_API int32_t lst_optim_clip_grad_norm_(const lst_tensor* params, int64_t n, double max_norm, double norm_type,
                                          int32_t error_if_nonfinite, double* total) {
  LST_TRY
  *total = 0;
  std::vector<at::Tensor> grads;
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor& g = T(params[i], "parameter").grad();
    if (g.defined()) grads.push_back(g.detach());
  }
  if (grads.empty()) return 0;
  at::NoGradGuard no_grad;
  at::Tensor total_norm;
  if (std::isinf(norm_type) && norm_type > 0) {
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    for (auto& g : grads) norms.push_back(g.abs().max());
    total_norm = norms.size() == 1 ? norms[0] : at::stack(norms).max();
  } else {
    // The same reduction torch.norm(x, p) performs: the p-norm over every dimension.
    auto pnorm = [&](const at::Tensor& x) {
      std::vector<int64_t> all(static_cast<size_t>(x.dim()));
      for (int64_t d = 0; d < x.dim(); ++d) all[static_cast<size_t>(d)] = d;
      return at::norm(x, at::Scalar(norm_type), all, false);
    };
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    for (auto& g : grads) norms.push_back(pnorm(g));
    total_norm = pnorm(at::stack(norms));
  }
  const double value = total_norm.item<double>();
  if (error_if_nonfinite && !std::isfinite(value))
    throw std::invalid_argument("the total norm of order " + std::to_string(norm_type) +
                                " of the gradients is non-finite (" + std::to_string(value) +
                                "), so it cannot be clipped; pass errorIfNonfinite: false to scale anyway");
  // PyTorch evaluates max_norm / (total + 1e-6) as reciprocal(total + 1e-6) * max_norm: same here,
  // so that the scaled gradients agree to the bit.
  at::Tensor coef = at::clamp((total_norm + 1e-6).reciprocal() * max_norm, c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef);
  *total = value;
  return 0;
  LST_CATCH_INT
}

/// torch.nn.utils.clip_grad_value_: clamps every gradient in place into [-clip_value, clip_value].
LST_API int32_t lst_optim_clip_grad_value_(const lst_tensor* params, int64_t n, double clip_value) {
  LST_TRY
  at::NoGradGuard no_grad;
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor& g = T(params[i], "parameter").grad();
    if (g.defined()) g.detach().clamp_(-clip_value, clip_value);
  }
  return 0;
  LST_CATCH_INT
}
