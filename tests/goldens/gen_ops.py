"""Goldens for the core tensor operations (ops.safetensors).

For every case NAME it stores the inputs NAME.in0, NAME.in1, ..., the output NAME.y and, when
the output is differentiable, a random grad_output NAME.go and the gradients NAME.d<i> of the
inputs that require grad (floating inputs, unless the case says otherwise). The C# tests in
tests/LatentSynth.Torch.Tests/Ops*Tests.cs run the same function under the same name.
Random-number goldens (rng.*) check that libtorch's generator streams match PyTorch's.

Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_ops.py
"""
import os

import torch

from goldens_io import save

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
torch.set_num_threads(1)

out = {}
g = torch.Generator().manual_seed(20240601)


def rn(*shape, dtype=torch.float32):
    return torch.randn(tuple(shape), generator=g, dtype=dtype)


def ru(*shape, lo=0.0, hi=1.0, dtype=torch.float32):
    return torch.rand(tuple(shape), generator=g, dtype=dtype) * (hi - lo) + lo


def case(name, fn, *inputs, grad=None):
    """Runs fn on copies of inputs; records inputs, output, grad_output and input gradients."""
    assert f"{name}.y" not in out, name
    ins = [t.clone() for t in inputs]
    if grad is None:
        grad = [t.is_floating_point() or t.is_complex() for t in ins]
    for t, r in zip(ins, grad):
        if r:
            t.requires_grad_(True)
    y = fn(*ins)
    for i, t in enumerate(inputs):
        out[f"{name}.in{i}"] = torch.view_as_real(t) if t.is_complex() else t
    out[f"{name}.y"] = y.detach()
    if y.requires_grad:
        go = rn(*y.shape, dtype=y.dtype)
        y.backward(go)
        out[f"{name}.go"] = go
        for i, (t, r) in enumerate(zip(ins, grad)):
            if r and t.grad is not None:
                d = t.grad
                out[f"{name}.d{i}"] = torch.view_as_real(d) if d.is_complex() else d


x34 = lambda: rn(3, 4)
pos34 = lambda: ru(3, 4, lo=0.2, hi=2.0)

# ---- elementwise unary (OpsMathTests) ------------------------------------------------------------
case("neg", lambda x: -x, x34())
case("abs", lambda x: x.abs(), x34())
case("exp", lambda x: x.exp(), x34())
case("exp_f64", lambda x: x.exp(), rn(3, 4, dtype=torch.float64))
case("log", lambda x: x.log(), pos34())
case("log1p", lambda x: x.log1p(), pos34())
case("expm1", lambda x: x.expm1(), x34())
case("sqrt", lambda x: x.sqrt(), pos34())
case("rsqrt", lambda x: x.rsqrt(), pos34())
case("square", lambda x: x.square(), x34())
case("reciprocal", lambda x: x.reciprocal(), pos34())
case("sign", lambda x: x.sign(), x34())
case("floor", lambda x: x.floor(), x34() * 3)
case("ceil", lambda x: x.ceil(), x34() * 3)
case("round", lambda x: x.round(), x34() * 3)
case("trunc", lambda x: x.trunc(), x34() * 3)
case("sin", lambda x: x.sin(), x34())
case("cos", lambda x: x.cos(), x34())
case("tan", lambda x: x.tan(), ru(3, 4, lo=-1.2, hi=1.2))
case("atan", lambda x: x.atan(), x34())
case("sigmoid", lambda x: x.sigmoid(), x34())
case("tanh", lambda x: x.tanh(), x34())
case("relu", lambda x: x.relu(), x34())
case("silu", lambda x: torch.nn.functional.silu(x), x34())
case("leaky_relu", lambda x: torch.nn.functional.leaky_relu(x), x34())
case("leaky_relu_02", lambda x: torch.nn.functional.leaky_relu(x, 0.2), x34())
case("elu", lambda x: torch.nn.functional.elu(x), x34())
case("elu_a05", lambda x: torch.nn.functional.elu(x, 0.5), x34())
case("softplus", lambda x: torch.nn.functional.softplus(x), x34() * 5)
case("softplus_b2_t1", lambda x: torch.nn.functional.softplus(x, beta=2, threshold=1), x34())
case("gelu", lambda x: torch.nn.functional.gelu(x), x34())
case("gelu_tanh", lambda x: torch.nn.functional.gelu(x, approximate="tanh"), x34())
case("softmax_d1", lambda x: torch.softmax(x, 1), x34())
case("softmax_d0", lambda x: torch.softmax(x, 0), x34())
case("log_softmax_d1", lambda x: torch.log_softmax(x, 1), x34())
case("log_softmax_dm1_f64", lambda x: torch.log_softmax(x, -1), rn(2, 3, 4, dtype=torch.float64))
case("clamp", lambda x: x.clamp(-0.5, 0.5), x34())
case("clamp_min", lambda x: x.clamp_min(0.1), x34())
case("clamp_max", lambda x: x.clamp_max(0.2), x34())
case("clamp_tensor", lambda x, lo, hi: x.clamp(lo, hi), x34(), rn(4) * 0.3 - 0.5, rn(3, 1) * 0.3 + 0.5)

# ---- arithmetic with scalars and tensors ----------------------------------------------------------
case("add_scalar", lambda x: x + 1.5, x34())
case("add_long", lambda x: x + 2, x34())
case("radd_scalar", lambda x: 1.5 + x, x34())
case("sub_scalar", lambda x: x - 0.25, x34())
case("rsub_scalar", lambda x: 1.5 - x, x34())
case("mul_scalar", lambda x: x * 3.0, x34())
case("rmul_long", lambda x: 3 * x, x34())
case("div_scalar", lambda x: x / 4.0, x34())
case("rdiv_scalar", lambda x: 2.0 / x, pos34())
case("pow_scalar", lambda x: x ** 2.5, pos34())
case("pow_long", lambda x: x ** 3, x34())
case("rpow_scalar", lambda x: 2.0 ** x, x34())
case("remainder_scalar", lambda x: x.remainder(0.7), x34())
case("add", lambda a, b: a + b, x34(), x34())
case("add_broadcast", lambda a, b: a + b, rn(3, 1), rn(4))
case("add_alpha", lambda a, b: torch.add(a, b, alpha=0.5), x34(), x34())
case("sub", lambda a, b: a - b, x34(), x34())
case("sub_alpha", lambda a, b: torch.sub(a, b, alpha=2.0), x34(), rn(4))
case("mul", lambda a, b: a * b, x34(), x34())
case("div", lambda a, b: a / b, x34(), pos34())
case("pow", lambda a, b: a ** b, pos34(), x34())
case("remainder", lambda a, b: a.remainder(b), x34(), pos34())
case("atan2", lambda a, b: torch.atan2(a, b), x34(), x34())
case("minimum", lambda a, b: torch.minimum(a, b), x34(), x34())
case("maximum", lambda a, b: torch.maximum(a, b), x34(), x34())
case("neg_f64_chain", lambda a, b: -(a * b) + a / 3.0, rn(3, 4, dtype=torch.float64), rn(3, 4, dtype=torch.float64))

# integer arithmetic (no gradients)
ia = torch.randint(-20, 20, (3, 4), generator=g)
ib = torch.randint(1, 7, (3, 4), generator=g)
case("int_add", lambda a, b: a + b, ia, ib)
case("int_add_long", lambda a: a + 5, ia)
case("int_mul_float", lambda a: a * 0.5, ia)
case("int_div", lambda a, b: a / b, ia, ib)
case("int_remainder", lambda a, b: a.remainder(b), ia, ib)
case("int_sum", lambda a: a.sum(), ia)
case("int_clamp", lambda a: a.clamp(-5, 5), ia)

# ---- comparisons and logic (values only) ---------------------------------------------------------
ca, cb = x34(), x34()
cb[0, 0] = ca[0, 0]
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    case(op, lambda a, b, op=op: getattr(torch, op)(a, b), ca, cb, grad=[False, False])
    case(op + "_scalar", lambda a, op=op: getattr(torch, op)(a, 0.25), torch.tensor([[0.25, -1.0], [3.0, 0.0]]), grad=[False])
ba = torch.tensor([True, True, False, False])
bb = torch.tensor([True, False, True, False])
case("logical_and", torch.logical_and, ba, bb)
case("logical_or", torch.logical_or, ba, bb)
case("logical_xor", torch.logical_xor, ba, bb)
case("logical_not", torch.logical_not, ba)
special = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -0.0])
case("isnan", torch.isnan, special, grad=[False])
case("isinf", torch.isinf, special, grad=[False])
case("isfinite", torch.isfinite, special, grad=[False])

# complex magnitude: abs of complex128 is real; its gradient is complex
zc = torch.complex(rn(5, dtype=torch.float64), rn(5, dtype=torch.float64))
case("abs_complex", lambda z: z.abs(), zc)

# ---- reductions (OpsMathTests) --------------------------------------------------------------------
case("sum", lambda x: x.sum(), x34())
case("sum_d1", lambda x: x.sum(1), x34())
case("sum_d01_keep", lambda x: x.sum([0, 1], keepdim=True), rn(2, 3, 4))
case("sum_f64", lambda x: x.sum(-1), rn(3, 4, dtype=torch.float64))
case("mean", lambda x: x.mean(), x34())
case("mean_d0", lambda x: x.mean(0), x34())
case("mean_dims_keep", lambda x: x.mean([0, 2], keepdim=True), rn(2, 3, 4))
case("var", lambda x: x.var(), x34())
case("var_d1", lambda x: x.var(1), x34())
case("var_biased_d1_keep", lambda x: x.var(1, unbiased=False, keepdim=True), x34())
case("var_dims", lambda x: x.var([0, 2]), rn(2, 3, 4))
case("std", lambda x: x.std(), x34())
case("std_d0", lambda x: x.std(0), x34())
case("std_biased", lambda x: x.std(unbiased=False), x34())
case("max", lambda x: x.max(), x34())
case("min", lambda x: x.min(), x34())
case("max_d1", lambda x: x.max(1).values, x34())
case("min_d0_keep", lambda x: x.min(0, keepdim=True).values, x34())
case("max_d1_indices", lambda x: x.max(1).indices, x34(), grad=[False])
case("min_d0_keep_indices", lambda x: x.min(0, keepdim=True).indices, x34(), grad=[False])
case("argmax", lambda x: x.argmax(), x34(), grad=[False])
case("argmax_d1", lambda x: x.argmax(1), x34(), grad=[False])
case("argmin", lambda x: x.argmin(), x34(), grad=[False])
case("argmin_d0_keep", lambda x: x.argmin(0, keepdim=True), x34(), grad=[False])
case("logsumexp_d1", lambda x: x.logsumexp(1), x34())
case("logsumexp_d01_keep", lambda x: x.logsumexp([0, 1], keepdim=True), rn(2, 3, 4))
case("prod", lambda x: x.prod(), ru(3, 4, lo=0.5, hi=1.5))
case("prod_d1", lambda x: x.prod(1), x34())
case("norm", lambda x: x.norm(), x34())
case("norm_p1", lambda x: x.norm(1), x34())
case("norm_d1", lambda x: x.norm(2, 1), x34())
case("norm_p3_dims_keep", lambda x: x.norm(3, [0, 2], keepdim=True), rn(2, 3, 4))
case("cumsum_d1", lambda x: x.cumsum(1), x34())
bm = torch.tensor([[True, True, False], [True, True, True]])
case("all", lambda b: b.all(), bm)
case("any", lambda b: b.any(), bm)
case("all_d1", lambda b: b.all(1), bm)
case("any_d0_keep", lambda b: b.any(0, keepdim=True), bm)

# ---- linear algebra --------------------------------------------------------------------------------
case("matmul", lambda a, b: a @ b, rn(2, 3), rn(3, 4))
case("matmul_batched", lambda a, b: a @ b, rn(2, 3, 4), rn(4, 5))
case("matmul_vec", lambda a, b: a @ b, rn(3, 4), rn(4))
case("matmul_f64", lambda a, b: a @ b, rn(3, 5, dtype=torch.float64), rn(5, 2, dtype=torch.float64))
case("mm", torch.mm, rn(2, 3), rn(3, 4))
case("bmm", torch.bmm, rn(2, 3, 4), rn(2, 4, 2))
case("outer", torch.outer, rn(3), rn(4))
case("dot", torch.dot, rn(5), rn(5))
case("cdist", lambda a, b: torch.cdist(a, b), rn(4, 3), rn(5, 3))
case("cdist_p1", lambda a, b: torch.cdist(a, b, p=1), rn(4, 3), rn(5, 3))
case("cdist_batched", lambda a, b: torch.cdist(a, b), rn(2, 4, 3), rn(2, 5, 3))
case("linear", torch.nn.functional.linear, rn(2, 3, 4), rn(5, 4), rn(5))
case("linear_nobias", lambda x, w: torch.nn.functional.linear(x, w), rn(3, 4), rn(2, 4))

# ---- shape and indexing (OpsShapeTests) -----------------------------------------------------------
x345 = lambda: rn(3, 4, 5)
case("reshape", lambda x: x.reshape(4, -1), x34() * 1)
case("view", lambda x: x.view(2, 6), x34())
case("permute", lambda x: x.permute(2, 0, 1), x345())
case("transpose", lambda x: x.transpose(0, 2), x345())
case("t", lambda x: x.t(), x34())
case("squeeze", lambda x: x.squeeze(), rn(3, 1, 4, 1))
case("squeeze_dim", lambda x: x.squeeze(1), rn(3, 1, 4, 1))
case("unsqueeze", lambda x: x.unsqueeze(-1), x34())
case("expand", lambda x: x.expand(2, 3, 4), rn(3, 1))
case("expand_as", lambda x, y: x.expand_as(y), rn(1, 4), x34())
case("flatten", lambda x: x.flatten(), x345())
case("flatten_1", lambda x: x.flatten(1), x345())
case("unflatten", lambda x: x.unflatten(1, (2, 2)), x34())
case("narrow", lambda x: x.narrow(1, 1, 2), x34())
case("select", lambda x: x.select(1, -1), x34())
case("slice_step", lambda x: x[:, 1::2], x345())
case("slice_neg", lambda x: x[-2:], x34())
case("index_int", lambda x: x[1], x345())
case("index_neg_range", lambda x: x[-1, 1:-1], x34())
case("index_mixed", lambda x: x[1:, None, ..., ::2], x345())
case("index_ellipsis_int", lambda x: x[..., 0], x345())
case("index_tensor", lambda x, i: x[i], x34(), torch.tensor([2, 0, 2]))
case("index_tensor_dim1", lambda x, i: x[:, i], x34(), torch.tensor([[3, 1], [0, 0]]))
mx = x34()
case("index_mask", lambda x, m: x[m], mx, mx > 0)


def put_slice(x, v):
    y = x * 1
    y[0, 1:3] = v
    return y


def put_mask_scalar(x, m):
    y = x * 1
    y[m] = 0.0
    return y


def put_row_scalar(x):
    y = x * 1
    y[1] = 2.5
    return y


def put_index_tensor(x, i, v):
    y = x * 1
    y[i] = v
    return y


case("index_put_slice", put_slice, x34(), rn(2))
case("index_put_mask_scalar", put_mask_scalar, mx, mx < 0)
case("index_put_row_scalar", put_row_scalar, x34())
case("index_put_tensor", put_index_tensor, x34(), torch.tensor([2, 0]), rn(2, 4))
case("cat", lambda a, b: torch.cat([a, b], 1), rn(3, 2), x34())
case("cat_d0", lambda a, b, c: torch.cat([a, b, c]), rn(1, 4), x34(), rn(2, 4))
case("stack", lambda a, b: torch.stack([a, b]), x34(), x34())
case("stack_dm1", lambda a, b: torch.stack([a, b], -1), x34(), x34())
case("chunk", lambda x: x.chunk(2, 1)[1], x34())
case("split", lambda x: x.split(3, 1)[1], x34())
case("split_sizes", lambda x: x.split([1, 3], 1)[1], x34())
case("unbind", lambda x: x.unbind(1)[2], x34())
case("index_select", lambda x, i: x.index_select(1, i), x34(), torch.tensor([3, 0, 3]))
case("gather", lambda x, i: x.gather(1, i), x34(), torch.tensor([[0, 3], [1, 1], [2, 0]]))
case("scatter", lambda x, i, s: x.scatter(1, i, s), x34(), torch.tensor([[0, 2], [1, 3], [3, 0]]), rn(3, 2))
case("scatter_value", lambda x, i: x.scatter(1, i, -2.0), x34(), torch.tensor([[0, 2], [1, 3], [3, 0]]))
case("scatter_add", lambda x, i, s: x.scatter_add(0, i, s), x34(), torch.tensor([[0, 1, 2, 0], [2, 2, 1, 0]]), rn(2, 4))
case("masked_fill", lambda x, m: x.masked_fill(m, -1.0), mx, mx > 0.5)
case("masked_fill_broadcast", lambda x, m: x.masked_fill(m, 7.0), x34(), torch.tensor([True, False, False, True]))
wc = x34() > 0
case("where", lambda c, a, b: torch.where(c, a, b), wc, x34(), x34())
case("where_scalar_b", lambda c, a: torch.where(c, a, 0.5), wc, x34())
case("where_scalar_a", lambda c, b: torch.where(c, -0.5, b), wc, x34())
case("repeat", lambda x: x.repeat(2, 1, 3), rn(2, 3))
case("flip", lambda x: x.flip(0, 2), x345())
case("roll", lambda x: x.roll(1, 1), x34())
case("roll_multi", lambda x: x.roll([1, -2], [0, 2]), x345())
case("roll_flat", lambda x: x.roll(5), x34())
case("tril", lambda x: x.tril(), x34())
case("triu_1", lambda x: x.triu(1), x34())

# ---- composite (everything chained, float64) -------------------------------------------------------
case("composite", lambda x, w: torch.logsumexp(torch.nn.functional.softplus(x @ w) * torch.sigmoid(x), 1).sum(),
     rn(3, 4, dtype=torch.float64), rn(4, 4, dtype=torch.float64))

# ---- factories ------------------------------------------------------------------------------------
out["create.arange_long"] = torch.arange(2, 11, 3)
out["create.arange_float"] = torch.arange(0.0, 1.0, 0.1)
out["create.arange_end"] = torch.arange(5)
out["create.linspace"] = torch.linspace(-1.0, 2.0, 7)
out["create.linspace_f64"] = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)
out["create.eye"] = torch.eye(3)
out["create.eye_nm"] = torch.eye(2, 4)
out["create.full"] = torch.full((2, 3), 0.1)

# ---- random streams ---------------------------------------------------------------------------------
torch.manual_seed(0)
out["rng.default_randn_seed0"] = torch.randn(3, 4)
out["rng.default_rand_after"] = torch.rand(5)
torch.manual_seed(0)
out["rng.default_randn20_seed0"] = torch.randn(20)
gen = torch.Generator().manual_seed(42)
out["rng.gen_randn_f64"] = torch.randn(2, 3, generator=gen, dtype=torch.float64)
out["rng.gen_rand"] = torch.rand(4, generator=gen)
out["rng.gen_randint"] = torch.randint(0, 10, (6,), generator=gen)
out["rng.gen_randperm"] = torch.randperm(8, generator=gen)
out["rng.gen_normal_"] = torch.empty(5).normal_(2.0, 0.5, generator=gen)
out["rng.gen_uniform_"] = torch.empty(5).uniform_(-1.0, 1.0, generator=gen)
probs = torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.2])
out["rng.probs"] = probs
out["rng.gen_bernoulli"] = torch.bernoulli(probs, generator=gen)
out["rng.gen_multinomial"] = torch.multinomial(probs, 3, generator=gen)
out["rng.gen_randn_like"] = torch.randn(3, 3, generator=gen)
gen2 = torch.Generator().manual_seed(7)
out["rng.gen7_randn"] = torch.randn(17, generator=gen2)

save("ops.safetensors", out, metadata={"torch": torch.__version__})
print(f"ops.safetensors: {len(out)} tensors")
