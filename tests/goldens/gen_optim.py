"""Goldens for LatentSynth.Torch.Optim: optimizer trajectories, final state, LR schedules and
gradient clipping.

Trajectories: two float32 parameters on fixed least-squares problems,
    x (4):    loss = |A x - b|^2 / 6            grad = 2 A^T (A x - b) / 6
    W (2x3):  loss = |W X - Y|^2 / 10           grad = 2 (W X - Y) X^T / 10
The gradient is computed in plain Python floats (IEEE float64) with loops in a fixed order, then
rounded to float32; the C# test runs the very same loops, so both sides feed identical gradients
to the optimizer and the trajectories can be compared bit for bit.
"""
import math
import os

import torch

import goldens_io

os.chdir(os.path.dirname(os.path.abspath(__file__)))
torch.set_num_threads(1)
out = {}

gen = torch.Generator().manual_seed(2024)
A = torch.randn(6, 4, generator=gen, dtype=torch.float64)
b = torch.randn(6, generator=gen, dtype=torch.float64)
X = torch.randn(3, 5, generator=gen, dtype=torch.float64)
Y = torch.randn(2, 5, generator=gen, dtype=torch.float64)
x0 = torch.randn(4, generator=gen).float()
W0 = torch.randn(2, 3, generator=gen).float()
out.update({"A": A, "b": b, "X": X, "Y": Y, "x0": x0, "W0": W0})
Al, bl, Xl, Yl = A.tolist(), b.tolist(), X.tolist(), Y.tolist()


def grad_x(x):
    """2 A^T (A x - b) / n, loops in the order the C# test uses."""
    xs = [float(v) for v in x.tolist()]
    n, d = len(Al), len(xs)
    r = []
    for i in range(n):
        s = 0.0
        for j in range(d):
            s += Al[i][j] * xs[j]
        r.append(s - bl[i])
    g = []
    for j in range(d):
        s = 0.0
        for i in range(n):
            s += Al[i][j] * r[i]
        g.append(2.0 * s / n)
    return torch.tensor(g, dtype=torch.float64).float()


def grad_w(w):
    """2 (W X - Y) X^T / (K*M), loops in the order the C# test uses."""
    ws = w.tolist()
    k_, j_, m_ = len(ws), len(Xl), len(Xl[0])
    r = [[0.0] * m_ for _ in range(k_)]
    for k in range(k_):
        for m in range(m_):
            s = 0.0
            for j in range(j_):
                s += ws[k][j] * Xl[j][m]
            r[k][m] = s - Yl[k][m]
    g = [[0.0] * j_ for _ in range(k_)]
    for k in range(k_):
        for j in range(j_):
            s = 0.0
            for m in range(m_):
                s += r[k][m] * Xl[j][m]
            g[k][j] = 2.0 * s / (k_ * m_)
    return torch.tensor(g, dtype=torch.float64).float()


configs = {
    "adam": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    "adamw_amsgrad": lambda p: torch.optim.AdamW(p, lr=0.03, betas=(0.8, 0.95), weight_decay=0.05, amsgrad=True),
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, weight_decay=0.01, nesterov=True),
    "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, dampening=0.1),
}
STEPS = 20
for name, make in configs.items():
    x = x0.clone().requires_grad_()
    W = W0.clone().requires_grad_()
    opt = make([x, W])
    tx, tw = [], []
    for _ in range(STEPS):
        x.grad = grad_x(x.detach())
        W.grad = grad_w(W.detach())
        opt.step()
        tx.append(x.detach().clone())
        tw.append(W.detach().clone())
    out[f"traj.{name}.x"] = torch.stack(tx)
    out[f"traj.{name}.W"] = torch.stack(tw)
    for i, p in enumerate([x, W]):
        for key, value in opt.state[p].items():
            if key == "step":
                value = torch.tensor(int(value.item()), dtype=torch.int64)
            if value is not None:
                out[f"state.{name}.{i}.{key}"] = value.detach().clone()

# LR schedules: lr after construction, then after each of 30 steps ("chained" is what PyTorch's
# step() gives, "closed" its closed form at the same epochs, where PyTorch has one).
sched_configs = {
    "steplr": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
    "cosine_long": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40),
    "linear": lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8),
    "linear_default": lambda o: torch.optim.lr_scheduler.LinearLR(o),
    "warmup_cosine": lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=5),
            torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=1e-4)], milestones=[5]),
}
for name, make in sched_configs.items():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    closed = [sched._get_closed_form_lr()[0]] if hasattr(sched, "_get_closed_form_lr") else None
    for _ in range(30):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        if closed is not None:
            closed.append(sched._get_closed_form_lr()[0])
    out[f"lr.{name}.chained"] = torch.tensor(lrs, dtype=torch.float64)
    if closed is not None:
        out[f"lr.{name}.closed"] = torch.tensor(closed, dtype=torch.float64)

# Gradient clipping: three gradients, several norm orders, clipping active and inactive.
g = torch.Generator().manual_seed(77)
grads = [torch.randn(5, generator=g) * 3, torch.randn(2, 3, generator=g), torch.randn(4, 1, 2, generator=g) * 0.5]
for i, gr in enumerate(grads):
    out[f"clip.grad{i}"] = gr
cases = {"l2": (1.0, 2.0), "l1": (2.5, 1.0), "inf": (0.5, math.inf), "l3": (1.5, 3.0), "noclip": (1e6, 2.0)}
for name, (max_norm, norm_type) in cases.items():
    ps = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
    for p, gr in zip(ps, grads):
        p.grad = gr.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    out[f"clip.{name}.total"] = total.reshape(1).double()
    for i, p in enumerate(ps):
        out[f"clip.{name}.grad{i}"] = p.grad.clone()
ps = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
for p, gr in zip(ps, grads):
    p.grad = gr.clone()
torch.nn.utils.clip_grad_value_(ps, 0.75)
for i, p in enumerate(ps):
    out[f"clip.value.grad{i}"] = p.grad.clone()

goldens_io.save("optim.safetensors", out, {"torch": torch.__version__})
