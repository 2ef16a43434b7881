"""Goldens for LatentSynth.Models (src/LatentSynth.Models). Writes models.safetensors next to this
script. Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_models.py

VAE cases <case> in vae_mlp, vae_conv, vae_conv1d: the architecture documented in
Networks/MlpNetworkFactory.cs and Networks/ConvNetworkFactory.cs, rebuilt here with torch.nn, with
seeded weights; then one loss evaluation with given data and reparameterisation noise:
  <case>.sd.<key>     the model's state dict (keys as in the C# model: encoder.*, decoder.*,
                      likelihood.log_var for the learned-variance case)
  <case>.x, .eps      input batch and noise ε
  <case>.mu, .logvar  the posterior's parameters
  <case>.out          the decoder output (logits for bce, means for mse)
  <case>.recon, .kl, .total   the loss terms (per example: summed over elements, mean over batch)
  <case>.grad.<key>   d total / d parameter
MMD: mmd.x [6, 3], mmd.y [7, 3]; mmd.<kernel>_<unbiased|biased> for kernels rbf and imq with the
multi-scale kernel sum_s k(., .; s*C), C = 2*d*1, scales [.1, .2, .5, 1, 2, 5, 10];
mmd.<kernel>_unbiased.grad_x the gradient of the unbiased value with respect to x. Each value is
checked here against a float64 double loop over the pairs (an independent formula).
Priors: prior.z [5, 3]; prior.normal_logprob and prior.mog_logprob (K=3, radius 2, std 0.5,
means on a circle in the first two coordinates) from torch.distributions, in float64.
"""
import math
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


def mlp(sizes):
    """Linear -> ReLU ... -> Linear (no activation at the end), as MlpNetworkFactory.Stack."""
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return layers


def mlp_nets(shape, hidden, latent):
    d = math.prod(shape)
    enc = nn.Sequential(nn.Flatten(), *mlp([d, *hidden, 2 * latent]))
    dec = nn.Sequential(*mlp([latent, *reversed(hidden), d]), nn.Unflatten(1, tuple(shape)))
    return enc, dec


def conv_nets(shape, channels, hidden, latent):
    c, spatial = shape[0], shape[1:]
    c1, c2 = channels
    conv = nn.Conv2d if len(spatial) == 2 else nn.Conv1d
    convt = nn.ConvTranspose2d if len(spatial) == 2 else nn.ConvTranspose1d
    reduced = [s // 4 for s in spatial]
    flat = c2 * math.prod(reduced)
    enc = nn.Sequential(conv(c, c1, 4, 2, 1), nn.ReLU(), conv(c1, c2, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                        *mlp([flat, *hidden, 2 * latent]))
    dec = nn.Sequential(*mlp([latent, *reversed(hidden), flat]), nn.ReLU(), nn.Unflatten(1, (c2, *reduced)),
                        convt(c2, c1, 4, 2, 1), nn.ReLU(), convt(c1, c, 4, 2, 1))
    return enc, dec


def sum_per_example(t):
    return t.sum(dim=tuple(range(1, t.dim())))


def vae_case(name, enc, dec, shape, latent, batch, recon, seed):
    torch.manual_seed(seed)
    for m in (enc, dec):  # fresh, seeded weights (not PyTorch's default init order of the C# side)
        for p in m.parameters():
            with torch.no_grad():
                p.uniform_(-0.3, 0.3)
    params = {}
    for prefix, m in (("encoder", enc), ("decoder", dec)):
        for k, v in m.state_dict(keep_vars=True).items():
            params[f"{prefix}.{k}"] = v
    log_var = None
    if recon == "mse-scalar":
        log_var = nn.Parameter(torch.tensor([0.3]))
        params["likelihood.log_var"] = log_var
    x = torch.rand(batch, *shape)
    eps = torch.randn(batch, latent)
    h = enc(x)
    mu, logvar = h.chunk(2, 1)
    z = mu + (logvar * 0.5).exp() * eps
    out = dec(z)
    if recon == "bce":
        rec = sum_per_example(F.binary_cross_entropy_with_logits(out, x, reduction="none")).mean()
    else:
        sq = (x - out).square()
        rec = sum_per_example((sq * (-log_var).exp() + log_var + math.log(2 * math.pi)) * 0.5).mean()
    kl = (((logvar + 1.0) - mu.square() - logvar.exp()).sum(1) * -0.5).mean()
    total = rec + kl
    total.backward()
    for k, v in params.items():
        G[f"{name}.sd.{k}"] = v.detach().clone()
        G[f"{name}.grad.{k}"] = v.grad.clone()
    G[f"{name}.x"], G[f"{name}.eps"] = x, eps
    G[f"{name}.mu"], G[f"{name}.logvar"], G[f"{name}.out"] = mu.detach(), logvar.detach(), out.detach()
    G[f"{name}.recon"], G[f"{name}.kl"], G[f"{name}.total"] = rec.detach(), kl.detach(), total.detach()
    # Independent check of the analytic KL against torch.distributions.
    q = torch.distributions.Normal(mu.double(), (logvar.double() * 0.5).exp())
    p = torch.distributions.Normal(torch.zeros_like(mu.double()), torch.ones_like(mu.double()))
    ref = torch.distributions.kl_divergence(q, p).sum(1).mean()
    assert abs(ref.item() - kl.item()) <= 1e-5 * max(1.0, abs(ref.item())), (name, ref.item(), kl.item())


enc, dec = mlp_nets([1, 8, 8], [32], 4)
vae_case("vae_mlp", enc, dec, [1, 8, 8], 4, 5, "bce", 1)
enc, dec = conv_nets([1, 8, 8], [4, 8], [16], 3)
vae_case("vae_conv", enc, dec, [1, 8, 8], 3, 4, "bce", 2)
enc, dec = conv_nets([2, 8], [3, 5], [], 2)
vae_case("vae_conv1d", enc, dec, [2, 8], 2, 3, "mse-scalar", 3)

# ---- MMD ------------------------------------------------------------------------------------
SCALES = [0.1, 0.2, 0.5, 1, 2, 5, 10]
KERNELS = {
    "rbf": lambda d2, c: (d2 / -c).exp(),
    "imq": lambda d2, c: (d2 + c).reciprocal() * c,
}


def sqdist(a, b):
    return (a.unsqueeze(-2) - b.unsqueeze(-3)).square().sum(-1)


def kmat(d2, f, c):
    s = None
    for sc in SCALES:
        k = f(d2, sc * c)
        s = k if s is None else s + k
    return s


def mmd(x, y, f, c, unbiased):
    n, m = x.shape[-2], y.shape[-2]
    kxx, kyy, kxy = kmat(sqdist(x, x), f, c), kmat(sqdist(y, y), f, c), kmat(sqdist(x, y), f, c)
    if unbiased:
        sxx = (kxx * (1 - torch.eye(n))).sum((-2, -1)) / float(n * (n - 1))
        syy = (kyy * (1 - torch.eye(m))).sum((-2, -1)) / float(m * (m - 1))
    else:
        sxx = kxx.sum((-2, -1)) / float(n * n)
        syy = kyy.sum((-2, -1)) / float(m * m)
    sxy = kxy.sum((-2, -1)) / float(n * m)
    return sxx + syy - sxy * 2.0


def mmd_loop(x, y, name, c, unbiased):
    """Float64 reference straight from the definitions (Gretton et al. 2012, Lemma 6 / Eq. 5)."""
    x, y = x.double().tolist(), y.double().tolist()

    def k(a, b):
        d2 = sum((u - v) ** 2 for u, v in zip(a, b))
        return sum(math.exp(-d2 / (s * c)) if name == "rbf" else (s * c) / (s * c + d2) for s in SCALES)

    n, m = len(x), len(y)
    if unbiased:
        sxx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
        syy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    else:
        sxx = sum(k(a, b) for a in x for b in x) / n ** 2
        syy = sum(k(a, b) for a in y for b in y) / m ** 2
    sxy = sum(k(a, b) for a in x for b in y) / (n * m)
    return sxx + syy - 2 * sxy


torch.manual_seed(10)
mx = torch.randn(6, 3)
my = torch.randn(7, 3) * 1.3 + 0.4
G["mmd.x"], G["mmd.y"] = mx, my
C = 2.0 * 3 * 1.0
for kname, f in KERNELS.items():
    for unbiased in (True, False):
        key = f"mmd.{kname}_{'unbiased' if unbiased else 'biased'}"
        xx = mx.clone().requires_grad_(unbiased)
        v = mmd(xx, my, f, C, unbiased)
        ref = mmd_loop(mx, my, kname, C, unbiased)
        assert abs(v.item() - ref) <= 1e-5 * max(1.0, abs(ref)), (key, v.item(), ref)
        G[key] = v.detach()
        if unbiased:
            v.backward()
            G[key + ".grad_x"] = xx.grad.clone()

# ---- priors ---------------------------------------------------------------------------------
torch.manual_seed(20)
pz = torch.randn(5, 3) * 1.5
G["prior.z"] = pz
normal = torch.distributions.Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
G["prior.normal_logprob"] = normal.log_prob(pz.double()).sum(1)
K, R, S = 3, 2.0, 0.5
means = torch.tensor([[R * math.cos(2 * math.pi * k / K), R * math.sin(2 * math.pi * k / K), 0.0] for k in range(K)],
                     dtype=torch.float64)
mix = torch.distributions.MixtureSameFamily(
    torch.distributions.Categorical(torch.full((K,), 1.0 / K, dtype=torch.float64)),
    torch.distributions.Independent(torch.distributions.Normal(means, torch.full_like(means, S)), 1))
G["prior.mog_logprob"] = mix.log_prob(pz.double())

save("models.safetensors", G, META)
print(f"models.safetensors: {len(G)} tensors, {os.path.getsize('models.safetensors')} bytes")
