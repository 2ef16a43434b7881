"""The reference VAE on Fashion-MNIST in PyTorch, mirroring LatentSynth's "vae" model.

Same split (read from the file `LatentSynth.Benchmarks export-data fashion-mnist FILE` writes),
same architecture as src/LatentSynth.Models (Networks/*NetworkFactory.cs), same per-example loss:
sum of BCE-with-logits over pixels + analytic KL (Kingma & Welling 2013, Eq. 10 and Appendix B),
averaged over the batch; Adam lr 1e-3, batch 128; shuffled each epoch.

Prints one JSON line: {"impl": "pytorch", "arch": ..., "epoch_seconds": [...], "test_loss": L}.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn

from safetensors_io import load


def networks(arch, latent=20, hidden=400):
    if arch == "mlp":
        enc = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Unflatten(1, (1, 28, 28)))
    else:
        enc = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                            nn.Linear(64 * 7 * 7, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64 * 7 * 7), nn.ReLU(),
                            nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                            nn.ConvTranspose2d(32, 1, 4, 2, 1))
    return enc, dec


def load_split(path, limit=0):
    """The exported split as float images in [0, 1], [N, 1, 28, 28]; the first `limit` training images when > 0."""
    t, _ = load(path)
    train = t["train_x"].float().div_(255).reshape(-1, 1, 28, 28)
    test = t["test_x"].float().div_(255).reshape(-1, 1, 28, 28)
    return (train[:limit] if limit > 0 else train), test


def loss_fn(enc, dec, x):
    mu, logvar = enc(x).chunk(2, 1)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    recon = F.binary_cross_entropy_with_logits(dec(z), x, reduction="sum") / x.shape[0]
    kl = (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)).mean()
    return recon + kl


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--arch", default="mlp", choices=["mlp", "conv"])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--limit", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    train, test = load_split(a.data, a.limit)
    torch.manual_seed(a.seed)
    enc, dec = networks(a.arch)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
    times = []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(train.shape[0])
        for i in range(0, train.shape[0], a.batch):
            x = train[perm[i:i + a.batch]]
            opt.zero_grad()
            loss = loss_fn(enc, dec, x)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    total = 0.0
    with torch.no_grad():
        for i in range(0, test.shape[0], 1000):
            x = test[i:i + 1000]
            total += loss_fn(enc, dec, x).item() * x.shape[0]
    print(json.dumps({"impl": "pytorch", "arch": a.arch, "epoch_seconds": [round(s, 4) for s in times],
                      "test_loss": round(total / test.shape[0], 4)}))


if __name__ == "__main__":
    main()
