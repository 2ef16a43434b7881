"""One training step of a flat 2-bar MusicVAE-shaped model in PyTorch: the mirror of
benchmarks/LatentSynth.Benchmarks/MusicVaeStep.cs (same model, construction order, seed, data,
loss, optimizer and schedule, so both sides start from the same weights and print the same first
loss).

Model (Roberts et al. 2018, flat "cat-mel_2bar" shape): one-hot melodies of 32 steps over 90
tokens, batch 64; encoder a bidirectional 2-layer LSTM of 256, the last layer's final forward and
backward states -> mu and sigma = softplus(.) of a 64-d z; decoder initial states from
tanh(dense(z)); decoder a 2-layer LSTM of 256 fed the previous token (teacher forcing) concatenated
with z; logits over 90 tokens. Loss: cross-entropy summed over steps, averaged over the batch,
plus 0.5 x max(KL - 48, 0) (free bits). Adam 1e-3, decay 0.9999 per step with floor 1e-5, global
gradient norm clipped to 1.

--decoder fused: the decoder is one nn.LSTM call; --decoder cells: two nn.LSTMCell run step by step.
Prints one JSON line: median wall-clock and process CPU seconds per step over --steps timed steps
after --warmup steps.
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/musicvae_step.py --threads 1
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS, STEPS, HIDDEN, LATENT = 90, 32, 256, 64


class Model(nn.Module):
    def __init__(self, cells):
        super().__init__()
        self.encoder = nn.LSTM(TOKENS, HIDDEN, num_layers=2, batch_first=True, bidirectional=True)
        self.mu = nn.Linear(2 * HIDDEN, LATENT)
        self.sigma = nn.Linear(2 * HIDDEN, LATENT)
        self.init = nn.Linear(LATENT, 2 * 2 * HIDDEN)
        if cells:
            self.cell0 = nn.LSTMCell(TOKENS + LATENT, HIDDEN)
            self.cell1 = nn.LSTMCell(HIDDEN, HIDDEN)
        else:
            self.decoder = nn.LSTM(TOKENS + LATENT, HIDDEN, num_layers=2, batch_first=True)
        self.output = nn.Linear(HIDDEN, TOKENS)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--decoder", choices=["fused", "cells"], default="fused")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    cells = a.decoder == "cells"
    batch = a.batch
    torch.manual_seed(a.seed)
    model = Model(cells)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    # max(floor, lr0 * gamma^t), as LatentSynth's ExponentialLR(minLR) in closed form.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: max(1e-5 / 1e-3, 0.9999 ** t))
    gen = torch.Generator().manual_seed(a.seed + 1)
    targets = torch.randint(0, TOKENS, (batch, STEPS), generator=gen)
    eye = torch.eye(TOKENS)
    x = eye.index_select(0, targets.reshape(-1)).reshape(batch, STEPS, TOKENS)
    shifted = torch.cat([torch.zeros(batch, 1, TOKENS), x[:, :STEPS - 1]], 1)
    z_template = torch.empty(batch, STEPS, LATENT)
    params = list(model.parameters())

    def step():
        opt.zero_grad(set_to_none=True)
        _, (h, _) = model.encoder(x)
        last = torch.cat([h[2], h[3]], 1)
        mu = model.mu(last)
        sigma = F.softplus(model.sigma(last))
        z = mu + sigma * torch.randn(batch, LATENT, generator=gen)
        state = torch.tanh(model.init(z)).reshape(batch, 4, HIDDEN).transpose(0, 1)
        if not cells:
            h0 = state[0:2].contiguous()
            c0 = state[2:4].contiguous()
            inp = torch.cat([shifted, z.unsqueeze(1).expand_as(z_template)], 2)
            output, _ = model.decoder(inp, (h0, c0))
        else:
            h0, h1, c0, c1 = state[0], state[1], state[2], state[3]
            outs = []
            for t in range(STEPS):
                inp = torch.cat([shifted[:, t], z], 1)
                h0, c0 = model.cell0(inp, (h0, c0))
                h1, c1 = model.cell1(h0, (h1, c1))
                outs.append(h1)
            output = torch.stack(outs, 1)
        logits = model.output(output)
        recon = F.cross_entropy(logits.transpose(1, 2), targets, reduction="sum") / batch
        kl = (mu.square() + sigma.square() - 1 - sigma.square().log()).sum() * (0.5 / batch)
        loss = recon + torch.relu(kl - 48.0) * 0.5
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        return loss.item()

    first = 0.0
    for i in range(a.warmup):
        loss = step()
        if i == 0:
            first = loss
    times, cpu, last_loss = [], [], 0.0
    for _ in range(a.steps):
        c = time.process_time()
        t = time.perf_counter()
        last_loss = step()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times.sort()
    cpu.sort()
    print(json.dumps({"impl": "pytorch", "decoder": a.decoder, "threads": torch.get_num_threads(), "batch": batch,
                      "steps": a.steps, "seconds": round(times[len(times) // 2], 5),
                      "cpu_seconds": round(cpu[len(cpu) // 2], 5), "first_loss": round(first, 4),
                      "last_loss": round(last_loss, 4)}))


if __name__ == "__main__":
    main()
