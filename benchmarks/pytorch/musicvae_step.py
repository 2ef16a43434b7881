"""One training step of LatentSynth's MusicVAE models in PyTorch: the mirror of
benchmarks/LatentSynth.Benchmarks/MusicVaeStep.cs, which steps the real models of
src/LatentSynth.Music/Models (`musicvae`, `musicvae-hier`) at their default sizes.

The same architecture, layer by layer (state-dict names as the C# models', so that the C# side's
initial weights load with strict=True):
- encoder: one-hot tokens [B, T, 90] -> bidirectional 2x256 LSTM; the last layer's final forward and
  backward h -> mu = dense, sigma = softplus(dense); z = mu + sigma * eps (eps from a generator seeded
  seed + 2, as the C# model's NoiseGenerator);
- initial LSTM states from an embedding e: tanh(dense(e)) reshaped [B, layers, 2, H], c = [..., 0, :],
  h = [..., 1, :] (Magenta's initial_cell_state_from_embedding, as MelodyVaeModel.InitialState);
- musicvae (z 64): decoder 2x256 LSTM, initial states from z, fed [previous token one-hot (zeros
  first), z] (teacher forcing), output dense to 90 logits;
- musicvae-hier (z 128, T 256 = 16 bars of 16): conductor 2x256 LSTM, initial states from z, fed one zero
  per bar; each bar's conductor output sets (dense + tanh) its bar decoder's initial states; bar decoder
  2x256 LSTM over [B*16 bars, 16 steps] fed [previous token one-hot, the bar's conductor output].
Loss (MelodyVaeModel.Loss): cross-entropy summed over the steps / B + beta * mean(max(KL - free_bits ln 2, 0)),
beta = (1 - beta_rate^step) * max_beta (flat: free bits 0, beta_rate 0.99999; hier: free bits 64,
beta_rate 0); the terms recon, kl_cost, kl and accuracy are computed and read (.item()) as the trainer
does. Adam (1e-3, betas 0.9/0.999, eps 1e-8) with lr = (1e-3 - 1e-5) * 0.9999^step + 1e-5 set before
each step; gradients clipped to global norm 1. Scheduled sampling is off on both sides.

--weights/--batch-file: the C# side's exported initial weights and batch (musicvae-step --export DIR);
without them the model is initialised by PyTorch and the tokens drawn here (timings are the same,
losses differ). --profile: one step under torch.profiler after the warm-up; prints the self CPU time
by op and the share in matrix products.
Prints one JSON line: median wall-clock and process CPU seconds per step over --steps timed steps
after --warmup steps.
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/musicvae_step.py --threads 1
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

TOKENS, STEPS_PER_BAR = 90, 16
SIZES = {
    # latent, T, encoder, decoder, conductor, layers, free_bits, max_beta, beta_rate
    "musicvae": dict(latent=64, length=32, enc=256, dec=256, cond=None, layers=2, free_bits=0.0, max_beta=0.2, beta_rate=0.99999),
    "musicvae-hier": dict(latent=128, length=256, enc=256, dec=256, cond=256, layers=2, free_bits=64.0, max_beta=0.2, beta_rate=0.0),
}
LR, DECAY, MIN_LR, CLIP = 1e-3, 0.9999, 1e-5, 1.0


def initial_state(dense, e, layers, hidden):
    s = torch.tanh(dense(e)).reshape(e.shape[0], layers, 2, hidden).permute(2, 1, 0, 3)
    return s[1].contiguous(), s[0].contiguous()


class MusicVae(nn.Module):
    def __init__(self, name):
        super().__init__()
        c = SIZES[name]
        self.c, self.hier = c, name == "musicvae-hier"
        self.length = c["length"]
        self.encoder = nn.LSTM(TOKENS, c["enc"], c["layers"], batch_first=True, bidirectional=True)
        self.mu = nn.Linear(2 * c["enc"], c["latent"])
        self.sigma = nn.Linear(2 * c["enc"], c["latent"])
        if self.hier:
            self.conductor_initial_state = nn.Linear(c["latent"], 2 * c["layers"] * c["cond"])
            self.conductor = nn.LSTM(1, c["cond"], c["layers"], batch_first=True)
            self.initial_state = nn.Linear(c["cond"], 2 * c["layers"] * c["dec"])
            self.decoder = nn.LSTM(TOKENS + c["cond"], c["dec"], c["layers"], batch_first=True)
        else:
            self.initial_state = nn.Linear(c["latent"], 2 * c["layers"] * c["dec"])
            self.decoder = nn.LSTM(TOKENS + c["latent"], c["dec"], c["layers"], batch_first=True)
        self.output = nn.Linear(c["dec"], TOKENS)
        self.eye = torch.eye(TOKENS)

    def one_hot(self, tokens):
        return self.eye.index_select(0, tokens.reshape(-1)).reshape(*tokens.shape, TOKENS)

    def shifted(self, tokens):
        b, t = tokens.shape
        return torch.cat([torch.zeros(b, 1, TOKENS), self.one_hot(tokens[:, :t - 1])], 1)

    def posterior(self, tokens):
        _, (h, _) = self.encoder(self.one_hot(tokens))
        n = h.shape[0]
        last = torch.cat([h[n - 2], h[n - 1]], 1)
        return self.mu(last), F.softplus(self.sigma(last))

    def decoder_logits(self, z, tokens):
        c = self.c
        b = z.shape[0]
        if not self.hier:
            h, cc = initial_state(self.initial_state, z, c["layers"], c["dec"])
            inputs = self.shifted(tokens)
            n, s = inputs.shape[0], inputs.shape[1]
            out, _ = self.decoder(torch.cat([inputs, z.unsqueeze(1).expand(n, s, z.shape[1])], 2), (h, cc))
            return self.output(out)
        bars = self.length // STEPS_PER_BAR
        h, cc = initial_state(self.conductor_initial_state, z, c["layers"], c["cond"])
        cond, _ = self.conductor(torch.zeros(b, bars, 1), (h, cc))
        emb = cond.reshape(b * bars, c["cond"])
        h, cc = initial_state(self.initial_state, emb, c["layers"], c["dec"])
        inputs = self.shifted(tokens).reshape(b * bars, STEPS_PER_BAR, TOKENS)
        n, s = inputs.shape[0], inputs.shape[1]
        out, _ = self.decoder(torch.cat([inputs, emb.unsqueeze(1).expand(n, s, emb.shape[1])], 2), (h, cc))
        return self.output(out).reshape(b, self.length, TOKENS)

    def loss(self, tokens, step, noise):
        c = self.c
        mu, sigma = self.posterior(tokens)
        b = tokens.shape[0]
        z = mu + sigma * torch.randn(b, c["latent"], generator=noise)
        logits = self.decoder_logits(z, tokens)
        beta = (1.0 - c["beta_rate"] ** step) * c["max_beta"]
        return categorical_loss(logits, tokens, mu, sigma, c["free_bits"], beta)


def kl_divergence(mu, sigma):
    """Analytic KL of a diagonal Gaussian from N(0, I) per row (MelodyVaeModel.KlDivergence)."""
    return ((mu.square() + sigma.square() - 1.0) * 0.5 - sigma.log()).sum(1)


def categorical_loss(logits, tokens, mu, sigma, free_bits, beta):
    """CategoricalSequenceVae.Loss: summed cross-entropy / B + beta * mean(max(KL - free_bits ln 2, 0)); returns
    (total, terms recon, kl_cost, kl, accuracy)."""
    b, vocabulary = tokens.shape[0], logits.shape[-1]
    recon = F.cross_entropy(logits.reshape(-1, vocabulary), tokens.reshape(-1), reduction="sum") / max(1, b)
    kl = kl_divergence(mu, sigma)
    kl_cost = (kl - free_bits * math.log(2.0)).clamp_min(0.0).mean()
    accuracy = (logits.argmax(-1) == tokens).float().mean()
    total = recon + kl_cost * beta
    return total, {"recon": recon, "kl_cost": kl_cost, "kl": kl.mean(), "accuracy": accuracy}


def load_batch(path, batch, length):
    """The C# side's batch (safetensors, key 'tokens') as int64 [batch, length]."""
    tokens = safetensors_io.load(path)[0]["tokens"].to(torch.int64)
    assert tokens.shape == (batch, length), tokens.shape
    return tokens


def adam_step(opt, params, loss, lr, clip):
    """One step as the C# models take it: set lr, zero grads, loss() -> (total, terms), backward, clip the global
    norm to clip (0: no clipping), step; returns the values read with .item() (loss first)."""
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad()
    total, terms = loss()
    total.backward()
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()
    values = {"loss": total.item()}
    values.update({k: v.item() for k, v in terms.items()})
    return values


def profile(step, name):
    """One step under torch.profiler; prints the self CPU time by op and the share in matrix products."""
    from torch.profiler import profile as torch_profile, ProfilerActivity
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    events = prof.key_averages()
    total_self = sum(e.self_cpu_time_total for e in events)
    gemm = sum(e.self_cpu_time_total for e in events if e.key in ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addmv", "aten::mv"))
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:15]
    print(json.dumps({"profile": name, "gemm_share": round(gemm / total_self, 4), "self_cpu_ms": round(total_self / 1000, 1),
                      "top": [[e.key, round(e.self_cpu_time_total / 1000, 1), e.count] for e in top]}))


def measure(step, warmup, steps):
    """warmup steps, then steps timed ones; returns (first values, last values, median wall s, median CPU s)."""
    first = {}
    for i in range(warmup):
        v = step()
        if i == 0:
            first = v
    times, cpu, last = [], [], {}
    for _ in range(steps):
        c = time.process_time()
        t = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times.sort()
    cpu.sort()
    return first, last, times[len(times) // 2], cpu[len(cpu) // 2]


def report(model, batch, length, steps, first, last, seconds, cpu_seconds, keys=None):
    """Prints the benchmark's one JSON line (the C# side's fields); keys: the loss values to print (default all)."""
    def r(v):
        return {k: round(v.get(k, 0.0), 4) for k in (keys or v)}

    print(json.dumps({"impl": "pytorch", "model": model, "threads": torch.get_num_threads(), "batch": batch,
                      "length": length, "steps": steps, "seconds": round(seconds, 5),
                      "cpu_seconds": round(cpu_seconds, 5), "first": r(first), "last": r(last)}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(SIZES), default="musicvae")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weights", help="the C# model's initial state dict (safetensors)")
    p.add_argument("--batch-file", help="the C# side's batch (safetensors, key 'tokens')")
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = MusicVae(a.model)
    model.train()
    if a.weights:
        state, _ = safetensors_io.load(a.weights)
        model.load_state_dict(state, strict=True)
    if a.batch_file:
        tokens = load_batch(a.batch_file, a.batch, model.length)
    else:
        tokens = torch.randint(0, TOKENS, (a.batch, model.length), generator=torch.Generator().manual_seed(a.seed + 1))
    noise = torch.Generator().manual_seed(a.seed + 2)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    step_no = [0]

    def step():
        t = step_no[0]
        step_no[0] += 1
        return adam_step(opt, params, lambda: model.loss(tokens, t, noise), (LR - MIN_LR) * DECAY ** t + MIN_LR, CLIP)

    if a.profile:
        for _ in range(a.warmup):
            step()
        profile(step, a.model)
        return
    first, last, seconds, cpu_seconds = measure(step, a.warmup, a.steps)
    report(a.model, a.batch, model.length, a.steps, first, last, seconds, cpu_seconds, ("loss", "recon", "kl", "kl_cost", "accuracy"))

if __name__ == "__main__":
    main()
