"""Goldens for the sequence layers and ops of LatentSynth.Torch (issue 12, part 1): LSTM, GRU,
LSTMCell, GRUCell, Embedding, topk, tempered softmax, categorical sampling, cross-entropy with
ignore_index on sequences, the length mask and the exponential learning-rate decay with a floor.
Writes seq.safetensors next to this script.

Layer cases <name>, each built right after torch.manual_seed(<seed>) (metadata "<name>.seed",
the constructor call in "<name>.ctor", repr(layer) in "<name>.repr"):
  <name>.sd.<key>          the state_dict just after construction (key order in "<name>.keys")
  <name>.x, .h0, .c0       inputs and the initial states given (absent when the case passes none),
                           drawn from a separate generator
  <name>.out.<k>           the results: output/h/c for LSTM, output/h for GRU, h/c for LSTMCell,
                           h for GRUCell, out for Embedding
  <name>.gout.<k>          a random upstream gradient for each result
  <name>.grad.<input>      torch.autograd.grad of all results (weighted by their gout) with
                           respect to x, h0, c0 (when given) and every parameter (grad.<param>)
Cases with dropout seed the default generator right before forward (metadata
"<name>.forward_seed"); "<name>.eval.*" repeats the case in evaluation mode.
"lstm_cell.unroll" runs an LSTMCell for 4 steps feeding h back as the next input.

Op cases <name>: inputs <name>.<arg>, outputs <name>.out (and .indices), gradients as above.

Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_seq.py
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
sys.path.insert(0, here)
from goldens_io import save  # noqa: E402

torch.set_num_threads(1)
G = {}
META = {"torch": torch.__version__}
DATA = torch.Generator().manual_seed(4242)


def rand(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=DATA, dtype=dtype)


def build(name, seed, ctor, make):
    torch.manual_seed(seed)
    layer = make()
    META[f"{name}.seed"] = str(seed)
    META[f"{name}.ctor"] = ctor
    META[f"{name}.repr"] = repr(layer)
    sd = layer.state_dict()
    META[f"{name}.keys"] = ",".join(sd.keys())
    for k, v in sd.items():
        G[f"{name}.sd.{k}"] = v.detach().clone()
    return layer


def run(name, layer, call, inputs, result_names, prefix="", fixed=()):
    """Runs call(**inputs) (inputs: name -> tensor; floating ones not named in fixed become leaves
    that require grad),
    stores inputs, results, random upstream gradients and the gradients of every input and parameter."""
    leaves = {}
    for k, v in inputs.items():
        v = v.detach().clone()
        G[f"{name}.{prefix}{k}"] = v.clone()
        if v.is_floating_point() and k not in fixed:
            v.requires_grad_(True)
        leaves[k] = v
    results = call(**leaves)
    if isinstance(results, torch.Tensor):
        results = (results,)
    assert len(results) == len(result_names)
    gouts = []
    for rn, r in zip(result_names, results):
        G[f"{name}.{prefix}out.{rn}"] = r.detach().clone()
        g = torch.randn(r.shape, generator=DATA, dtype=r.dtype)
        G[f"{name}.{prefix}gout.{rn}"] = g
        gouts.append(g)
    wrt = [(f"grad.{k}", v) for k, v in leaves.items() if v.requires_grad]
    wrt += [(f"grad.{pn}", p) for pn, p in layer.named_parameters()]
    grads = torch.autograd.grad(list(results), [v for _, v in wrt], gouts, allow_unused=True)
    for (k, _), g in zip(wrt, grads):
        if g is not None:
            G[f"{name}.{prefix}{k}"] = g.detach().clone()


# ---- LSTM ----------------------------------------------------------------------------------------
lstm = build("lstm", 101, "LSTM(5, 7)", lambda: nn.LSTM(5, 7))
run("lstm", lstm, lambda x: (lambda o: (o[0], o[1][0], o[1][1]))(lstm(x)), {"x": rand(6, 3, 5)}, ["output", "h", "c"])

full = build("lstm.full", 102, "LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True)",
             lambda: nn.LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True))
run("lstm.full", full, lambda x, h0, c0: (lambda o: (o[0], o[1][0], o[1][1]))(full(x, (h0, c0))),
    {"x": rand(3, 6, 5), "h0": 0.5 * rand(4, 3, 7), "c0": 0.5 * rand(4, 3, 7)}, ["output", "h", "c"])

nobias = build("lstm.unbatched", 103, "LSTM(4, 3, bias=False)", lambda: nn.LSTM(4, 3, bias=False))
run("lstm.unbatched", nobias, lambda x, h0, c0: (lambda o: (o[0], o[1][0], o[1][1]))(nobias(x, (h0, c0))),
    {"x": rand(5, 4), "h0": 0.5 * rand(1, 3), "c0": 0.5 * rand(1, 3)}, ["output", "h", "c"])

drop = build("lstm.dropout", 104, "LSTM(4, 6, num_layers=3, dropout=0.4)", lambda: nn.LSTM(4, 6, num_layers=3, dropout=0.4))
META["lstm.dropout.forward_seed"] = "2024"
torch.manual_seed(2024)
run("lstm.dropout", drop, lambda x: (lambda o: (o[0], o[1][0], o[1][1]))(drop(x)), {"x": rand(5, 2, 4)}, ["output", "h", "c"])
drop.eval()
run("lstm.dropout", drop, lambda x: (lambda o: (o[0], o[1][0], o[1][1]))(drop(x)), {"x": rand(5, 2, 4)}, ["output", "h", "c"],
    prefix="eval.")

f64 = build("lstm.f64", 105, "LSTM(3, 4, bidirectional=True, dtype=float64)",
            lambda: nn.LSTM(3, 4, bidirectional=True, dtype=torch.float64))
run("lstm.f64", f64, lambda x: (lambda o: (o[0], o[1][0], o[1][1]))(f64(x)), {"x": rand(4, 2, 3, dtype=torch.float64)},
    ["output", "h", "c"])

# ---- GRU -----------------------------------------------------------------------------------------
gru = build("gru", 111, "GRU(5, 7)", lambda: nn.GRU(5, 7))
run("gru", gru, lambda x: gru(x), {"x": rand(6, 3, 5)}, ["output", "h"])

gfull = build("gru.full", 112, "GRU(5, 7, num_layers=2, batch_first=True, bidirectional=True)",
              lambda: nn.GRU(5, 7, num_layers=2, batch_first=True, bidirectional=True))
run("gru.full", gfull, lambda x, h0: gfull(x, h0), {"x": rand(3, 6, 5), "h0": 0.5 * rand(4, 3, 7)}, ["output", "h"])

gub = build("gru.unbatched", 113, "GRU(4, 3, num_layers=2, bias=False, batch_first=True)",
            lambda: nn.GRU(4, 3, num_layers=2, bias=False, batch_first=True))
run("gru.unbatched", gub, lambda x, h0: gub(x, h0), {"x": rand(5, 4), "h0": 0.5 * rand(2, 3)}, ["output", "h"])

gdrop = build("gru.dropout", 114, "GRU(4, 6, num_layers=2, dropout=0.5)", lambda: nn.GRU(4, 6, num_layers=2, dropout=0.5))
META["gru.dropout.forward_seed"] = "77"
torch.manual_seed(77)
run("gru.dropout", gdrop, lambda x: gdrop(x), {"x": rand(5, 3, 4)}, ["output", "h"])

# ---- cells ---------------------------------------------------------------------------------------
cell = build("lstm_cell", 121, "LSTMCell(5, 7)", lambda: nn.LSTMCell(5, 7))
run("lstm_cell", cell, lambda x, h0, c0: cell(x, (h0, c0)), {"x": rand(3, 5), "h0": rand(3, 7), "c0": rand(3, 7)}, ["h", "c"])

cell0 = build("lstm_cell.unbatched", 122, "LSTMCell(5, 7, bias=False)", lambda: nn.LSTMCell(5, 7, bias=False))
run("lstm_cell.unbatched", cell0, lambda x: cell0(x), {"x": rand(5)}, ["h", "c"])

unroll = build("lstm_cell.unroll", 123, "LSTMCell(4, 4)", lambda: nn.LSTMCell(4, 4))


def unroll_steps(x, h0, c0):
    h, c, hs = h0, c0, []
    inp = x
    for _ in range(4):
        h, c = unroll(inp, (h, c))
        hs.append(h)
        inp = h
    return torch.stack(hs), c


run("lstm_cell.unroll", unroll, unroll_steps, {"x": rand(2, 4), "h0": rand(2, 4), "c0": rand(2, 4)}, ["hs", "c"])

gcell = build("gru_cell", 131, "GRUCell(5, 7)", lambda: nn.GRUCell(5, 7))
run("gru_cell", gcell, lambda x, h0: gcell(x, h0), {"x": rand(3, 5), "h0": rand(3, 7)}, ["h"])

gcell0 = build("gru_cell.unbatched", 132, "GRUCell(5, 7, bias=False)", lambda: nn.GRUCell(5, 7, bias=False))
run("gru_cell.unbatched", gcell0, lambda x: gcell0(x), {"x": rand(5)}, ["h"])

# ---- Embedding -----------------------------------------------------------------------------------
emb = build("embedding", 141, "Embedding(10, 4)", lambda: nn.Embedding(10, 4))
run("embedding", emb, lambda x: emb(x), {"x": torch.randint(0, 10, (3, 5), generator=DATA)}, ["out"])

embp = build("embedding.pad", 142, "Embedding(10, 4, padding_idx=0)", lambda: nn.Embedding(10, 4, padding_idx=0))
run("embedding.pad", embp, lambda x: embp(x), {"x": torch.tensor([[0, 3, 3, 0], [9, 0, 1, 3]])}, ["out"])

embn = build("embedding.negpad", 143, "Embedding(6, 3, padding_idx=-1, scale_grad_by_freq=True)",
             lambda: nn.Embedding(6, 3, padding_idx=-1, scale_grad_by_freq=True))
run("embedding.negpad", embn, lambda x: embn(x), {"x": torch.tensor([5, 2, 2, 2, 0, 5, 1])}, ["out"])


# ---- ops -----------------------------------------------------------------------------------------
class NoParams(nn.Module):
    pass


NONE = NoParams()
run("topk", NONE, lambda x: torch.topk(x, 3, dim=1)[0], {"x": rand(4, 9)}, ["values"])
G["topk.out.indices"] = torch.topk(G["topk.x"], 3, dim=1).indices
run("topk.smallest", NONE, lambda x: torch.topk(x, 2, dim=0, largest=False)[0], {"x": rand(5, 3)}, ["values"])
G["topk.smallest.out.indices"] = torch.topk(G["topk.smallest.x"], 2, dim=0, largest=False).indices

logits = 2 * rand(4, 6, 11)
run("softmax_t.cold", NONE, lambda x: torch.softmax(x / 0.5, -1), {"x": logits}, ["out"])
run("softmax_t.hot", NONE, lambda x: torch.softmax(x / 2.0, 1), {"x": logits}, ["out"])
G["argmax.x"] = logits.clone()
G["argmax.out"] = logits.argmax(-1)

# Cross-entropy on a batch of padded token sequences: logits (N, C, T), targets (N, T) with the
# padding token 0 ignored, class weights, both reductions; and the same flattened to (N*T, C).
ce_logits = rand(3, 7, 5)
ce_targets = torch.tensor([[3, 1, 6, 0, 0], [2, 2, 5, 4, 1], [6, 0, 0, 0, 0]])
ce_weight = torch.rand(7, generator=DATA) + 0.5
for red in ("mean", "sum"):
    run(f"ce_seq.{red}", NONE, lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=0, reduction=red),
        {"x": ce_logits, "t": ce_targets, "w": ce_weight}, ["out"], fixed=("w",))
run("ce_seq.flat", NONE, lambda x, t: F.cross_entropy(x.transpose(1, 2).reshape(-1, 7), t.reshape(-1), ignore_index=0),
    {"x": ce_logits, "t": ce_targets}, ["out"])
run("log_softmax_seq", NONE, lambda x: F.log_softmax(x, dim=1), {"x": ce_logits}, ["out"])

# Categorical sampling with a seeded generator: multinomial over softmax(logits / T), as
# torch.distributions.Categorical(logits=logits / T).sample() draws.
for tag, temp, seed in (("t1", 1.0, 1234), ("t07", 0.7, 99)):
    sl = 1.5 * rand(8, 5, 90)
    gen = torch.Generator().manual_seed(seed)
    probs = torch.softmax(sl / temp, -1) if temp != 1.0 else torch.softmax(sl, -1)
    G[f"sample.{tag}.x"] = sl
    G[f"sample.{tag}.out"] = torch.multinomial(probs.reshape(-1, 90), 1, True, generator=gen).reshape(8, 5)
    META[f"sample.{tag}.temperature"] = repr(temp)
    META[f"sample.{tag}.seed"] = str(seed)

# Length mask: t < lengths[n].
lengths = torch.tensor([3, 0, 5, 2])
G["mask.lengths"] = lengths
G["mask.out"] = torch.arange(5)[None, :] < lengths[:, None]
G["mask.out7"] = torch.arange(7)[None, :] < lengths[:, None]

# Exponential decay with a floor: max(floor, lr0 * gamma ** t) for t = 0..30 (Python doubles), and
# PyTorch's own ExponentialLR (no floor) as it chains the products, after construction and each step.
lr0, gamma, floor = 1e-3, 0.8, 1e-4
G["lr.floor"] = torch.tensor([max(floor, lr0 * gamma ** t) for t in range(31)], dtype=torch.float64)
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
chained = [opt.param_groups[0]["lr"]]
for _ in range(30):
    opt.step()
    sched.step()
    chained.append(opt.param_groups[0]["lr"])
G["lr.exponential"] = torch.tensor(chained, dtype=torch.float64)

save("seq.safetensors", G, META)
print(f"seq.safetensors: {len(G)} tensors, {os.path.getsize('seq.safetensors')} bytes")
