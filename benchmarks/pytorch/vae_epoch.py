"""Reference VAE epoch in PyTorch, the baseline our C# epoch is compared with.

Model and training follow the classic MLP VAE: 784-400-20 encoder (mean and log-variance heads),
20-400-784 decoder, loss = sum BCE-with-logits + analytic KL (Kingma & Welling 2013, eq. 10),
Adam lr 1e-3, batch 128, one epoch over N synthetic inputs in [0, 1] (fixed seed).

Prints one JSON line: {"impl": "pytorch", "threads": T, "seconds": S, "steps": K, "loss": L}.
Run with Debian's interpreter: /usr/bin/python3 vae_epoch.py --threads 1
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


def loss_fn(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=0, help="0 keeps PyTorch's default")
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    data = torch.rand(a.n, 784)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(x):
        opt.zero_grad()
        logits, mu, logvar = model(x)
        loss = loss_fn(logits, x, mu, logvar)
        loss.backward()
        opt.step()
        return loss

    for i in range(a.warmup_steps):
        step(data[i * a.batch:(i + 1) * a.batch])
    t0 = time.perf_counter()
    perm = torch.randperm(a.n)
    total, steps = 0.0, 0
    for i in range(0, a.n, a.batch):
        loss = step(data[perm[i:i + a.batch]])
        total += loss.item()
        steps += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"impl": "pytorch", "threads": torch.get_num_threads(), "seconds": seconds,
                      "steps": steps, "loss": total / a.n}))


if __name__ == "__main__":
    main()
