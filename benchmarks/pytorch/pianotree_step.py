"""One training step of LatentSynth's PianoTree VAE in PyTorch: the mirror of
benchmarks/LatentSynth.Benchmarks/PianoTreeStep.cs, which steps the real `pianotree` model of
src/LatentSynth.Music/Models/PianoTreeVaeModel.cs at its default sizes (written from that file, not from the paper's
reference code).

The same layers with the C# model's state-dict names (so the C# side's initial weights load with strict=True); trees
[B, 32, 16, 6] (pitch token 0..127, EOS 128, pad 129; 5 duration bits), sizes: note embedding 64, encoder note GRU
128 per direction, encoder time biGRU 256, z 128, decoder time GRU 256, step summary biGRU 64, z input 64, note GRU
128, duration GRU 32:
- embedding = Embedding(131, 64)(pitch) + Linear(5, 64, no bias)(bits), shared by encoder and decoder;
- encoder: per step a bidirectional note GRU as a packed sequence gives it (forward GRU over the 16 slots read at the
  last real slot; backward GRU over the real slots reversed, read at the same index), [B*32, 256]; bidirectional time
  GRU over the 32 step vectors, final states -> mu (Linear) and sigma = exp(Linear);
- z = mu + sigma * eps, eps = randn(B, 128) from a generator seeded seed + 2 (the C# model's NoiseGenerator), then
  rand(32 + 32*16) from it (the teacher-forcing coins, all true: the C# side sets every schedule end to 1);
- decoder, fully teacher-forced as the C# model computes it: per time step t (a loop, one GRU call each) the time GRU
  reads [summary of the true step t-1 (learned dec_init_input at t = 0), Linear(z)] from Linear(z); the note GRU starts
  from Linear(time output) and reads [time output, previous true note's embedding] over the 16 slots in one call
  (start token 130 before slot 0); Linear to 129 pitch logits; per note the duration GRU starts from
  Linear([note output, pitch logits]), reads dur_sos_token then its own argmax bit (one-hot), 5 calls, Linear to 2
  logits per bit;
- loss: pitch CE over real slots (not pad), mean; duration: per bit the CE over real notes, weights 1, .6, .4, .3, .3;
  kl: analytic KL from N(0, I), mean over batch and dims, weight beta = (1 - 0^step) * 0.1; pitch_accuracy reported;
- Adam, lr max(1e-3 * 0.9999^step, 1e-5), global-norm clip 1.

--weights/--batch-file: the C# side's exported initial weights and trees (pianotree-step --export DIR); without
them PyTorch initialises the model and the trees are drawn here (timings alike, losses differ). --as-model: also the
C# model's bookkeeping that the loss does not need (PianoTreeVaeModel.DecodeStep's per-slot select and stack of the
note outputs, pitch logits and duration logits, the argmax pitches and bits and the well-formed step, Split's input
checks): the same losses, to tell the model's algorithm from the binding. Prints one JSON line
(median wall-clock and process CPU seconds per timed step; first and last losses), or with --profile the self CPU
time by op of one step.
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/pianotree_step.py --threads 1 --batch 32
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from musicvae_step import adam_step, kl_divergence, measure, profile, report  # noqa: E402

T, S, D, EOS, PAD, START, PITCHES = 32, 16, 5, 128, 129, 130, 129
DUR_WEIGHTS = [1.0, 0.6, 0.4, 0.3, 0.3]
LR, MIN_LR, DECAY, CLIP, MAX_BETA = 1e-3, 1e-5, 0.9999, 1.0, 0.1


def summarize(forward, backward, x, lengths):
    """A bidirectional GRU over [N, 16, E] with lengths [N] real items, as a packed sequence gives it: [N, 2H]."""
    n, length, e = x.shape
    h = forward.hidden_size
    last = (lengths - 1).reshape(n, 1, 1)
    fwd = forward(x)[0].gather(1, last.expand(n, 1, h)).squeeze(1)
    j = torch.arange(length).reshape(1, length)
    ln = lengths.reshape(n, 1)
    reversed_ = torch.where(j < ln, ln - 1 - j, j.expand(n, length))
    xr = x.gather(1, reversed_.unsqueeze(2).expand(n, length, e))
    bwd = backward(xr)[0].gather(1, last.expand(n, 1, h)).squeeze(1)
    return torch.cat([fwd, bwd], 1)


def lengths_of(pitch):
    return (pitch != PAD).long().sum(-1).clamp_min(1)


class PianoTree(nn.Module):
    as_model = False  # --as-model: also the C# model's bookkeeping (see decode_step_as_model)
    def __init__(self, e=64, enc_note=128, enc_time=256, z=128, dec_time=256, summary=64, z_in=64, dec_note=128, dur=32):
        super().__init__()
        self.e, self.z, self.summary = e, z, summary
        self.pitch_embedding = nn.Embedding(START + 1, e)
        self.duration_embedding = nn.Linear(D, e, bias=False)
        self.enc_notes_fwd = nn.GRU(e, enc_note, batch_first=True)
        self.enc_notes_bwd = nn.GRU(e, enc_note, batch_first=True)
        self.enc_time = nn.GRU(2 * enc_note, enc_time, batch_first=True, bidirectional=True)
        self.linear_mu = nn.Linear(2 * enc_time, z)
        self.linear_std = nn.Linear(2 * enc_time, z)
        self.z2dec_hid = nn.Linear(z, dec_time)
        self.z2dec_in = nn.Linear(z, z_in)
        self.dec_notes_emb_fwd = nn.GRU(e, summary, batch_first=True)
        self.dec_notes_emb_bwd = nn.GRU(e, summary, batch_first=True)
        self.dec_time = nn.GRU(z_in + 2 * summary, dec_time, batch_first=True)
        self.dec_time_to_notes_hid = nn.Linear(dec_time, dec_note)
        self.dec_notes = nn.GRU(dec_time + e, dec_note, batch_first=True)
        self.pitch_out = nn.Linear(dec_note, PITCHES)
        self.dur_hid = nn.Linear(PITCHES + dec_note, dur)
        self.dec_dur = nn.GRU(2, dur, batch_first=True)
        self.dur_out = nn.Linear(dur, 2)
        self.dec_init_input = nn.Parameter(torch.rand(2 * summary))
        self.dur_sos_token = nn.Parameter(torch.rand(2))

    def embed(self, pitch, bits):
        return self.pitch_embedding(pitch) + self.duration_embedding(bits)

    def posterior(self, pitch, bits):
        b = pitch.shape[0]
        emb = self.embed(pitch, bits).reshape(b * T, S, self.e)
        steps = summarize(self.enc_notes_fwd, self.enc_notes_bwd, emb, lengths_of(pitch).reshape(b * T)).reshape(b, T, -1)
        _, h = self.enc_time(steps)
        last = h.transpose(0, 1).contiguous().reshape(b, -1)
        return self.linear_mu(last), self.linear_std(last).exp()

    def durations(self, note, pitch_logits):
        n = note.shape[0]
        h = self.dur_hid(torch.cat([note, pitch_logits], 1)).unsqueeze(0)
        inp = self.dur_sos_token.reshape(1, 1, 2).expand(n, 1, 2)
        logits, bits = [], []
        for k in range(D):
            o, h = self.dec_dur(inp, h)
            lk = self.dur_out(o.squeeze(1))
            logits.append(lk)
            bit = lk.detach().argmax(-1)
            if self.as_model:
                bits.append(bit.float())
            if k + 1 < D:
                inp = torch.zeros(n, 2).scatter(1, bit.unsqueeze(1), 1.0).unsqueeze(1)
        if self.as_model:
            return torch.stack(logits, 1), torch.stack(bits, 1)
        return torch.stack(logits, 1)

    def decode(self, z, pitch, bits):
        b, e = z.shape[0], self.e
        hidden = self.z2dec_hid(z).unsqueeze(0)
        z_in = self.z2dec_in(z)
        true_emb = self.embed(pitch, bits)                                                  # [B, T, S, E]
        true_summary = summarize(self.dec_notes_emb_fwd, self.dec_notes_emb_bwd, true_emb.reshape(b * T, S, e),
                                 lengths_of(pitch).reshape(b * T)).reshape(b, T, -1)
        summary = self.dec_init_input.reshape(1, -1).expand(b, 2 * self.summary)
        start = self.pitch_embedding(torch.full((b,), START, dtype=torch.int64)).unsqueeze(1)   # [B, 1, E]
        pitch_logits, dur_logits = [], []
        for t in range(T):
            out, hidden = self.dec_time(torch.cat([summary, z_in], 1).unsqueeze(1), hidden)
            time_out = out.squeeze(1)
            if self.as_model:
                logits, dl = self.decode_step_as_model(time_out, true_emb[:, t], start)
            else:
                h = self.dec_time_to_notes_hid(time_out).unsqueeze(0)
                inputs = torch.cat([start, true_emb[:, t, :S - 1]], 1)                         # [B, S, E]
                o, _ = self.dec_notes(torch.cat([time_out.unsqueeze(1).expand(b, S, time_out.shape[1]), inputs], 2), h)
                logits = self.pitch_out(o)                                                     # [B, S, 129]
                dl = self.durations(o.reshape(b * S, -1), logits.reshape(b * S, -1)).reshape(b, S, D, 2)
            pitch_logits.append(logits)
            dur_logits.append(dl)
            if t + 1 < T:
                summary = true_summary[:, t]
        if self.as_model:
            torch.stack(self.pitches, 1), torch.stack(self.bits_out, 1)
            self.pitches, self.bits_out = [], []
        return torch.stack(pitch_logits, 1), torch.stack(dur_logits, 1)

    pitches, bits_out = [], []

    def decode_step_as_model(self, time_out, true_emb_t, start):
        """One step as PianoTreeVaeModel.DecodeStep computes it when fully teacher-forced: the same values, plus its
        bookkeeping (per-slot select then stack of note outputs, pitch logits and duration logits; the argmax pitch and
        bits; the well-formed pitch/bits of the step)."""
        b, ht = time_out.shape
        h = self.dec_time_to_notes_hid(time_out).unsqueeze(0)
        inputs = torch.cat([start, true_emb_t.narrow(1, 0, S - 1)], 1)
        o, _ = self.dec_notes(torch.cat([time_out.unsqueeze(1).expand(b, S, ht), inputs], 2), h)
        logits = self.pitch_out(o)
        picked = logits.detach().argmax(-1)
        outputs = [o.select(1, j) for j in range(S)]
        pitch_logits = [logits.select(1, j) for j in range(S)]
        pitch = [picked.select(1, j) for j in range(S)]
        notes = torch.stack(outputs, 1).reshape(b * S, -1)
        lg = torch.stack(pitch_logits, 1).reshape(b * S, -1)
        dl, db = self.durations(notes, lg)
        dl = dl.reshape(b, S, D, 2)
        db = db.reshape(b, S, D)
        dur_logits = [dl.select(1, i) for i in range(S)]
        bits = [db.select(1, i) for i in range(S)]
        all_pitch = torch.stack(pitch, 1)
        all_bits = torch.stack(bits, 1)
        eos = (all_pitch == EOS).long()
        after = (eos.cumsum(1) - eos) > 0
        all_pitch = torch.where(after, PAD, all_pitch)
        all_bits = all_bits * (all_pitch < EOS).float().unsqueeze(2)
        self.pitches.append(all_pitch)
        self.bits_out.append(all_bits)
        return torch.stack(pitch_logits, 1), torch.stack(dur_logits, 1)

    def loss(self, trees, step, noise):
        if self.as_model:  # PianoTreeVaeModel.Split's checks
            f = trees.float()
            p = f[..., 0]
            bool((p < 0).any().item()) or bool((p > PAD).any().item()) or bool((p != p.floor()).any().item())
            q = f.narrow(3, 1, D)
            bool(((q != 0) & (q != 1)).any().item())
        pitch = trees[..., 0].long()
        bits = trees[..., 1:].contiguous()
        b = pitch.shape[0]
        mu, sigma = self.posterior(pitch, bits)
        z = mu + sigma * torch.randn(b, self.z, generator=noise)
        torch.rand(T + T * S, generator=noise)  # the C# model's teacher-forcing coins (all true at ratio 1)
        pitch_logits, dur_logits = self.decode(z, pitch, bits)
        real = pitch != PAD
        is_note = pitch < EOS
        pitch_loss = F.cross_entropy(pitch_logits.reshape(-1, PITCHES), torch.where(real, pitch, -100).reshape(-1), ignore_index=-100)
        dur_loss = None
        for k in range(D):
            target = torch.where(is_note, bits[..., k].long(), -100).reshape(-1)
            ce = F.cross_entropy(dur_logits[:, :, :, k].reshape(-1, 2), target, ignore_index=-100) * DUR_WEIGHTS[k]
            dur_loss = ce if dur_loss is None else dur_loss + ce
        kl = kl_divergence(mu, sigma).mean() / self.z  # mean over batch and dimensions
        accuracy = ((pitch_logits.argmax(-1) == pitch) & real).float().sum() / real.float().sum().clamp_min(1.0)
        beta = (1.0 - 0.0 ** step) * MAX_BETA
        total = pitch_loss + dur_loss + kl * beta
        return total, {"pitch": pitch_loss, "duration": dur_loss, "kl": kl, "pitch_accuracy": accuracy}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weights", help="the C# model's initial state dict (safetensors)")
    p.add_argument("--batch-file", help="the C# side's trees (safetensors, key 'tokens', float32 [B, 32, 16, 6])")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--as-model", action="store_true",
                   help="also do the C# model's bookkeeping (per-slot select/stack, argmax pitch and bits, well-formed step, input checks): same losses")
    a = p.parse_args()
    PianoTree.as_model = a.as_model
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = PianoTree()
    model.train()
    if a.weights:
        model.load_state_dict(safetensors_io.load(a.weights)[0], strict=True)
    if a.batch_file:
        trees = safetensors_io.load(a.batch_file)[0]["tokens"].to(torch.float32)
        assert trees.shape == (a.batch, T, S, 1 + D), trees.shape
    else:
        g = torch.Generator().manual_seed(a.seed + 1)
        trees = torch.zeros(a.batch, T, S, 1 + D)
        trees[..., 0] = PAD
        n = torch.randint(0, 5, (a.batch, T), generator=g)
        for i in range(a.batch):
            for t in range(T):
                k = int(n[i, t])
                trees[i, t, :k, 0] = torch.sort(torch.randperm(37, generator=g)[:k] + 48).values.float()
                trees[i, t, :k, 1:] = torch.randint(0, 2, (k, D), generator=g).float()
                trees[i, t, k, 0] = EOS
    noise = torch.Generator().manual_seed(a.seed + 2)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    step_no = [0]

    def step():
        t = step_no[0]
        step_no[0] += 1
        return adam_step(opt, params, lambda: model.loss(trees, t, noise), max(LR * DECAY ** t, min(MIN_LR, LR)), CLIP)

    if a.profile:
        for _ in range(a.warmup):
            step()
        profile(step, "pianotree")
        return
    first, last, seconds, cpu_seconds = measure(step, a.warmup, a.steps)
    report("pianotree", a.batch, T, a.steps, first, last, seconds, cpu_seconds, ("loss", "pitch", "duration", "kl", "pitch_accuracy"))


if __name__ == "__main__":
    main()
