"""One training step of LatentSynth's inpainting models in PyTorch: the mirror of
benchmarks/LatentSynth.Benchmarks/InpaintStep.cs, which steps the real models of src/LatentSynth.Music/Models
(`measurevae`, `sketchvae`, `inpaintnet`, `sketchnet`) at their default sizes.

The same architectures, layer by layer, with the C# models' state-dict names (so that the C# side's initial
weights load with strict=True); tokens 0..129 (128 note-ons, hold 128, rest 129), bars of 24 ticks:
- bar decoder (both bar VAEs; HierarchicalBarDecoder): beat GRU (2x256) fed the learned scalar beat_start for 4
  beats from SELU(Linear(z)) split over its layers; each beat output -> SELU(Linear) the tick GRU's initial state
  and SELU(Linear) a beat input concatenated to each tick's input (the previous token's embedding, tick_start
  first); the tick GRU (2x256) runs teacher-forced over [B*4 beats, 6 ticks]; Linear -> ReLU to 130 logits;
- measurevae (z 128): embedding 10, bidirectional 2x256 GRU; all final states [B, 2*2*256] -> Linear -> SELU ->
  Linear to mu and to log sigma; Xavier-normal weights (loaded from C# anyway);
- sketchvae (z 256 = pitch 128 + rhythm 128): each bar split into its onsets' pitches (padded with 128) and
  rhythm classes (onset, hold, rest); pitch embedding 10 + bidirectional 2x256 GRU over the pitches only
  (pack_padded_sequence; a bar without onsets is the one-token sequence [128]); rhythm bidirectional 2x256 GRU
  over the one-hot classes; final states -> Linear to mu and log sigma of each half;
  loss of both (CategoricalSequenceVae.Loss): summed CE / B + beta * mean(KL), beta = (1 - 0^step) * max_beta
  (0 at step 0); sketchvae also computes kl_pitch and kl_rhythm; z = mu + sigma * eps, eps from a generator
  seeded seed + 2 as the C# model's NoiseGenerator;
- inpaintnet (LatentRnnModel): frozen measurevae (eval, no grad) encodes the 16 bars of a window to mu;
  bidirectional 2x256 GRUs over the 6 past and 6 future codes; their final states concatenated per layer and
  direction start a bidirectional 2x512 generation GRU run one bar at a time over the 4 gap bars from the last
  past code, fed the true codes (teacher forcing); Linear(1024 -> 128) to each gap code; loss: CE of the true
  gap tokens under the frozen decoder (teacher-forced) fed those codes, summed over 96 ticks, mean over B;
- sketchnet (SketchNetModel): frozen sketchvae's means; the same context/generation GRUs per half (pitch,
  rhythm); reveals (each gap bar's true z_pitch / z_rhythm with probability 0.3, drawn with torch.rand from the
  seed + 2 generator); connector: Linear(256 -> 256) + sinusoidal positions, 4 post-norm self-attention layers
  (4 heads, ReLU feed-forward 1024, LayerNorm eps 1e-6), LayerNorm, Linear to codes on the gap (input detached
  from the inpainter); loss recon (through the final codes) + inpainter_recon (through the inpainter's codes).
Optimisers as the C# models: Adam (1e-3); sketchvae's lr (1e-3 - 1e-5) * 0.9999^step + 1e-5 and global-norm
clip 1; measurevae, inpaintnet and sketchnet constant lr, no clipping. Teacher forcing always and dropout 0 on
both sides (the C# side sets them through the configs).

--weights/--stage1/--batch-file: the C# side's exported initial weights, frozen stage 1 and batch (inpaint-step
--export DIR); without them PyTorch initialises the models and the tokens are drawn here (timings are the same,
losses differ). --pitch-groups: SketchVAE's pitch encoder runs the GRU once per distinct pitch-sequence length, as
the C# model does, instead of once on a packed batch (same result). Prints one JSON line (median wall-clock and process CPU seconds per timed step; first and last
losses), or with --profile the self CPU time by op of one step.
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/inpaint_step.py --model sketchnet --threads 1
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from musicvae_step import adam_step, categorical_loss, kl_divergence, load_batch, measure, profile, report  # noqa: E402

VOCAB, HOLD, PAD, TICKS, BEATS, TICKS_PER_BEAT = 130, 128, 128, 24, 4, 6
PAST, GAP, FUTURE, BARS = 6, 4, 6, 16
LR = 1e-3


class BarDecoder:
    """The beat -> tick GRU decoder's layers, registered on the owning model under its flat names."""

    def add_decoder(self, latent, hidden=256, layers=2, emb=10):
        self.hidden, self.layers, self.emb = hidden, layers, emb
        self.beat_initial_state = nn.Linear(latent, layers * hidden)
        self.beat_rnn = nn.GRU(1, hidden, layers, batch_first=True)
        self.tick_initial_state = nn.Linear(hidden, layers * hidden)
        self.beat_to_tick_input = nn.Linear(hidden, hidden)
        self.decoder_embedding = nn.Embedding(VOCAB, emb)
        self.tick_rnn = nn.GRU(emb + hidden, hidden, layers, batch_first=True)
        self.output = nn.Linear(hidden, VOCAB)
        self.beat_start = nn.Parameter(torch.zeros(1))
        self.tick_start = nn.Parameter(torch.zeros(emb))

    def state_from(self, dense, x):
        return F.selu(dense(x)).reshape(x.shape[0], self.layers, self.hidden).transpose(0, 1).contiguous()

    def teacher_forced(self, z, tokens):
        b, n, h, e = z.shape[0], z.shape[0] * BEATS, self.hidden, self.emb
        beats, _ = self.beat_rnn(self.beat_start.reshape(1, 1, 1).expand(b, BEATS, 1), self.state_from(self.beat_initial_state, z))
        beats = beats.reshape(n, h)
        state = self.state_from(self.tick_initial_state, beats)
        beat_input = F.selu(self.beat_to_tick_input(beats))
        previous = torch.cat([self.tick_start.reshape(1, 1, e).expand(b, 1, e), self.decoder_embedding(tokens[:, :TICKS - 1])], 1)
        inputs = torch.cat([previous.reshape(n, TICKS_PER_BEAT, e), beat_input.unsqueeze(1).expand(n, TICKS_PER_BEAT, h)], 2)
        out, _ = self.tick_rnn(inputs, state)
        return F.relu(self.output(out)).reshape(b, TICKS, VOCAB)


def final_states(gru, x):
    """All final states of a GRU (every layer and direction), [N, 2 * layers * H]."""
    _, h = gru(x)
    return h.transpose(0, 1).contiguous().reshape(h.shape[1], -1)


class MeasureVae(nn.Module, BarDecoder):
    latent = 128

    def __init__(self, hidden=256, layers=2, emb=10):
        super().__init__()
        self.encoder_embedding = nn.Embedding(VOCAB, emb)
        self.encoder = nn.GRU(emb, hidden, layers, batch_first=True, bidirectional=True)
        self.mu_hidden = nn.Linear(2 * layers * hidden, 2 * hidden)
        self.mu = nn.Linear(2 * hidden, self.latent)
        self.log_std_hidden = nn.Linear(2 * layers * hidden, 2 * hidden)
        self.log_std = nn.Linear(2 * hidden, self.latent)
        self.add_decoder(self.latent, hidden, layers, emb)
        for name, p in self.named_parameters():
            if "weight" in name:
                nn.init.xavier_normal_(p)

    def posterior(self, tokens):
        last = final_states(self.encoder, self.encoder_embedding(tokens))
        return self.mu(F.selu(self.mu_hidden(last))), self.log_std(F.selu(self.log_std_hidden(last))).exp()

    def encode(self, tokens):
        return self.posterior(tokens)[0]

    def loss(self, tokens, step, noise):
        mu, sigma = self.posterior(tokens)
        z = mu + sigma * torch.randn(tokens.shape[0], self.latent, generator=noise)
        return categorical_loss(self.teacher_forced(z, tokens), tokens, mu, sigma, 0.0, (1.0 - 0.0 ** step) * 0.024)


class SketchVae(nn.Module, BarDecoder):
    latent, pitch_latent = 256, 128

    def __init__(self, hidden=256, layers=2, emb=10):
        super().__init__()
        zp, zr = self.pitch_latent, self.latent - self.pitch_latent
        self.pitch_embedding = nn.Embedding(PAD + 1, emb)
        self.pitch_encoder = nn.GRU(emb, hidden, layers, batch_first=True, bidirectional=True)
        self.pitch_mu = nn.Linear(2 * layers * hidden, zp)
        self.pitch_log_std = nn.Linear(2 * layers * hidden, zp)
        self.rhythm_encoder = nn.GRU(3, hidden, layers, batch_first=True, bidirectional=True)
        self.rhythm_mu = nn.Linear(2 * layers * hidden, zr)
        self.rhythm_log_std = nn.Linear(2 * layers * hidden, zr)
        self.add_decoder(self.latent, hidden, layers, emb)

    @staticmethod
    def split(tokens):
        """Onsets' pitches (then 128) and rhythm classes 0 onset, 1 hold, 2 rest, both [B, 24]; onsets per bar."""
        b = tokens.shape[0]
        onset = tokens < HOLD
        rhythm = torch.where(onset, 0, torch.where(tokens == HOLD, 1, 2))
        column = torch.where(onset, onset.long().cumsum(1) - 1, TICKS)
        pitches = torch.full((b, TICKS + 1), PAD, dtype=torch.int64).scatter(1, column, tokens)[:, :TICKS]
        return pitches, rhythm, onset.sum(1)

    pitch_groups = False

    def pitch_states(self, pitches, lengths):
        """Final states of the pitch GRU over each bar's pitches only: one packed run, or with pitch_groups one run
        per distinct length (as the C# model does)."""
        embedded = self.pitch_embedding(pitches)
        lengths = lengths.clamp_min(1)
        if not self.pitch_groups:
            packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
            return final_states(self.pitch_encoder, packed)
        order, parts = [], []
        for n in sorted(set(lengths.tolist())):
            rows = (lengths == n).nonzero().reshape(-1)
            order.append(rows)
            parts.append(final_states(self.pitch_encoder, embedded.index_select(0, rows)[:, :n]))
        return torch.cat(parts, 0).index_select(0, torch.cat(order).argsort())

    def posterior(self, tokens):
        pitches, rhythm, lengths = self.split(tokens)
        p = self.pitch_states(pitches, lengths)
        r = final_states(self.rhythm_encoder, F.one_hot(rhythm, 3).float())
        mu = torch.cat([self.pitch_mu(p), self.rhythm_mu(r)], 1)
        sigma = torch.cat([self.pitch_log_std(p).exp(), self.rhythm_log_std(r).exp()], 1)
        return mu, sigma

    def encode(self, tokens):
        return self.posterior(tokens)[0]

    def loss(self, tokens, step, noise):
        mu, sigma = self.posterior(tokens)
        z = mu + sigma * torch.randn(tokens.shape[0], self.latent, generator=noise)
        total, terms = categorical_loss(self.teacher_forced(z, tokens), tokens, mu, sigma, 0.0, (1.0 - 0.0 ** step) * 0.01875)
        zp = self.pitch_latent
        terms["kl_pitch"] = kl_divergence(mu[:, :zp], sigma[:, :zp]).mean()
        terms["kl_rhythm"] = kl_divergence(mu[:, zp:], sigma[:, zp:]).mean()
        return total, terms


def gap_likelihood(vae, gap, targets, b):
    """Per-window NLL [B] of the gap's tokens under the frozen decoder fed the gap codes, and the logits."""
    logits = vae.teacher_forced(gap.reshape(b * GAP, -1), targets)
    nll = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), reduction="none").reshape(b, GAP * TICKS).sum(1)
    return nll, logits


def bar_codes(vae, tokens):
    with torch.no_grad():
        b = tokens.shape[0]
        return vae.encode(tokens.reshape(b * BARS, TICKS)).reshape(b, BARS, -1)


def generate(past, future, generation, output, codes):
    """Teacher-forced generation of the 4 gap codes [B, 4, z] from the bar codes [B, 16, z]."""
    _, hp = past(codes[:, :PAST])
    _, hf = future(codes[:, PAST + GAP:])
    h = torch.cat([hp, hf], 2)
    x = codes[:, PAST - 1]
    outputs = []
    for i in range(GAP):
        o, h = generation(x.unsqueeze(1), h)
        outputs.append(output(o[:, 0]))
        x = codes[:, PAST + i]
    return torch.stack(outputs, 1)


class LatentRnn(nn.Module):
    def __init__(self, vae, z=128, h=256, layers=2):
        super().__init__()
        self.vae = [vae]  # frozen stage 1: not a child module (not in the state dict, not trained)
        self.context_rnn_past = nn.GRU(z, h, layers, batch_first=True, bidirectional=True)
        self.context_rnn_future = nn.GRU(z, h, layers, batch_first=True, bidirectional=True)
        self.generation_rnn = nn.GRU(z, 2 * h, layers, batch_first=True, bidirectional=True)
        self.generation_linear = nn.Linear(4 * h, z)

    def loss(self, tokens, step, noise):
        vae, b = self.vae[0], tokens.shape[0]
        gap = generate(self.context_rnn_past, self.context_rnn_future, self.generation_rnn, self.generation_linear, bar_codes(vae, tokens))
        targets = tokens[:, PAST * TICKS:(PAST + GAP) * TICKS].reshape(b * GAP, TICKS)
        nll, logits = gap_likelihood(vae, gap, targets, b)
        recon = nll.mean()
        return recon, {"recon": recon, "accuracy": (logits.argmax(-1) == targets).float().mean()}


class ConnectorLayer(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.w_qs = nn.Linear(d, d, bias=False)
        self.w_ks = nn.Linear(d, d, bias=False)
        self.w_vs = nn.Linear(d, d, bias=False)
        self.fc = nn.Linear(d, d, bias=False)
        self.attention_norm = nn.LayerNorm(d, eps=1e-6)
        self.w_1 = nn.Linear(d, 4 * d)
        self.w_2 = nn.Linear(4 * d, d)
        self.ffn_norm = nn.LayerNorm(d, eps=1e-6)

    def forward(self, x):
        b, n, d = x.shape
        dk = d // self.heads

        def heads(layer):
            return layer(x).reshape(b, n, self.heads, dk).transpose(1, 2)

        attention = (heads(self.w_qs) / math.sqrt(dk)).matmul(heads(self.w_ks).transpose(2, 3)).softmax(-1)
        attention = F.dropout(attention, self.dropout, self.training)
        mixed = attention.matmul(heads(self.w_vs)).transpose(1, 2).contiguous().reshape(b, n, d)
        y = self.attention_norm(F.dropout(self.fc(mixed), self.dropout, self.training) + x)
        f = self.w_2(F.relu(self.w_1(y)))
        return self.ffn_norm(F.dropout(f, self.dropout, self.training) + y)


class SketchNet(nn.Module):
    def __init__(self, vae, h=256, layers=2, d=256, n_layers=4, heads=4, dropout=0.0, reveal=0.3):
        super().__init__()
        self.vae = [vae]  # frozen stage 1: not a child module
        self.zp, self.zr = vae.pitch_latent, vae.latent - vae.pitch_latent
        self.dropout, self.reveal = dropout, reveal

        def context(z):
            return nn.GRU(z, h, layers, batch_first=True, bidirectional=True)

        def generation(z):
            return nn.GRU(z, 2 * h, layers, batch_first=True, bidirectional=True)

        self.past_p_gru, self.past_r_gru = context(self.zp), context(self.zr)
        self.future_p_gru, self.future_r_gru = context(self.zp), context(self.zr)
        self.gen_p_gru, self.gen_r_gru = generation(self.zp), generation(self.zr)
        self.gen_p_out, self.gen_r_out = nn.Linear(4 * h, self.zp), nn.Linear(4 * h, self.zr)
        for name, p in self.named_parameters():
            if "weight" in name:
                nn.init.xavier_normal_(p)
        self.combine_in = nn.Linear(vae.latent, d)
        for i in range(n_layers):
            setattr(self, f"combine_nn_{i}", ConnectorLayer(d, heads, dropout))
        self.n_layers = n_layers
        self.combine_norm = nn.LayerNorm(d, eps=1e-6)
        self.combine_out = nn.Linear(d, vae.latent)
        pos = torch.arange(BARS, dtype=torch.float64).unsqueeze(1)
        j = torch.arange(d)
        angle = pos / torch.pow(10000.0, (2 * (j // 2)).double() / d)
        self.positions = torch.where(j % 2 == 0, angle.sin(), angle.cos()).float()

    def connect(self, codes):
        y = F.dropout(self.combine_in(codes) + self.positions, self.dropout, self.training)
        for i in range(self.n_layers):
            y = getattr(self, f"combine_nn_{i}")(y)
        return self.combine_out(self.combine_norm(y))[:, PAST:PAST + GAP]

    def loss(self, tokens, step, noise):
        vae, b, zp, zr = self.vae[0], tokens.shape[0], self.zp, self.zr
        codes = bar_codes(vae, tokens)
        draw = (torch.rand(b, GAP, 2, generator=noise) < self.reveal).float()
        mask = torch.cat([draw[:, :, 0:1].expand(b, GAP, zp), draw[:, :, 1:2].expand(b, GAP, zr)], 2).bool()
        given = codes[:, PAST:PAST + GAP]
        p = generate(self.past_p_gru, self.future_p_gru, self.gen_p_gru, self.gen_p_out, codes[:, :, :zp])
        r = generate(self.past_r_gru, self.future_r_gru, self.gen_r_gru, self.gen_r_out, codes[:, :, zp:])
        inpainter = torch.cat([p, r], 2)
        gap = torch.where(mask, given, inpainter.detach())
        final = torch.where(mask, given, self.connect(torch.cat([codes[:, :PAST], gap, codes[:, PAST + GAP:]], 1)))
        targets = tokens[:, PAST * TICKS:(PAST + GAP) * TICKS].reshape(b * GAP, TICKS)
        nll, logits = gap_likelihood(vae, final, targets, b)
        inpainter_nll, _ = gap_likelihood(vae, inpainter, targets, b)
        terms = {"recon": nll.mean(), "inpainter_recon": inpainter_nll.mean(), "accuracy": (logits.argmax(-1) == targets).float().mean()}
        return terms["recon"] + terms["inpainter_recon"], terms


def melodies(rows, length, generator):
    """Random tokens (when no batch file is given): a note-on every 6 ticks, holds between."""
    tokens = torch.full((rows, length), HOLD, dtype=torch.int64)
    tokens[:, ::6] = torch.randint(60, 80, (rows, (length + 5) // 6), generator=generator)
    return tokens


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["measurevae", "sketchvae", "inpaintnet", "sketchnet"], default="measurevae")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weights", help="the C# model's initial state dict (safetensors)")
    p.add_argument("--stage1", help="the C# gap filler's frozen stage 1 (safetensors)")
    p.add_argument("--batch-file", help="the C# side's batch (safetensors, key 'tokens')")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--pitch-groups", action="store_true", help="SketchVAE's pitch GRU run once per distinct length (as the C# model) instead of packed")
    a = p.parse_args()
    SketchVae.pitch_groups = a.pitch_groups
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.model in ("measurevae", "sketchvae"):
        model = MeasureVae() if a.model == "measurevae" else SketchVae()
        length = TICKS
    else:
        vae = MeasureVae() if a.model == "inpaintnet" else SketchVae()
        if a.stage1:
            vae.load_state_dict(safetensors_io.load(a.stage1)[0], strict=True)
        vae.eval()
        vae.requires_grad_(False)
        model = LatentRnn(vae) if a.model == "inpaintnet" else SketchNet(vae)
        length = BARS * TICKS
    model.train()
    if a.weights:
        model.load_state_dict(safetensors_io.load(a.weights)[0], strict=True)
    if a.batch_file:
        tokens = load_batch(a.batch_file, a.batch, length)
    else:
        tokens = melodies(a.batch, length, torch.Generator().manual_seed(a.seed + 1))
    noise = torch.Generator().manual_seed(a.seed + 2)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.Adam(params, lr=LR)
    sketchvae = a.model == "sketchvae"
    step_no = [0]

    def step():
        t = step_no[0]
        step_no[0] += 1
        lr = (LR - 1e-5) * 0.9999 ** t + 1e-5 if sketchvae else LR
        return adam_step(opt, params, lambda: model.loss(tokens, t, noise), lr, 1.0 if sketchvae else 0.0)

    if a.profile:
        for _ in range(a.warmup):
            step()
        profile(step, a.model)
        return
    first, last, seconds, cpu_seconds = measure(step, a.warmup, a.steps)
    report(a.model, a.batch, length, a.steps, first, last, seconds, cpu_seconds)


if __name__ == "__main__":
    main()
