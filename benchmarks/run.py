"""Side-by-side benchmarks of LatentSynth against PyTorch (and C++), reported as ratios.

1. Per-op overhead on tiny tensors: C# binding vs libtorch called from C++ (same ops, same protocol).
2. One epoch of the reference MLP VAE: C# vs PyTorch (python3-torch, the same libtorch), runs
   alternated A B A B ... so that machine noise hits both sides alike; medians reported.
   Configurations: intra-op threads x BLAS threads.

3. (--only-griffin-lim) Fast Griffin-Lim, 100 iterations on 4 s of 22,050 Hz audio: our fused native
   loop vs the same algorithm with PyTorch ops (torch.stft/istft), one thread each, alternated;
   plus the decode-side cost on 1 s (32 and 100 iterations). Writes benchmarks/results/griffin-lim.md.

5. (--only-musicvae) One training step of the real MusicVAE models at their default sizes: flat
   `musicvae` (2 bars, T 32, batch 64) and hierarchical `musicvae-hier` (16 bars, T 256, batch 128,
   the trainer's default, and 64): C# `model.TrainStep` vs the PyTorch mirror of the same
   architecture started from the C# model's exported weights, one thread each (libtorch and BLAS),
   teacher forcing on both sides; alternated; plus a torch.profiler breakdown. Writes
   benchmarks/results/musicvae-step.md.

6. (--only-inpaint) One training step of the real inpainting models at their default sizes: the bar VAEs
   `measurevae` and `sketchvae` (one bar, T 24, batch 64) and the gap fillers `inpaintnet` and `sketchnet`
   (16-bar windows, T 384, batch 64, each on a frozen, freshly initialised stage-1 run): C# `model.TrainStep`
   vs the PyTorch mirror started from the C# side's exported weights (and frozen stage 1), one thread each,
   teacher forcing on and dropout 0 on both sides; alternated; plus a torch.profiler breakdown. Writes
   benchmarks/results/inpaint-step.md.

7. (--only-pianotree) One training step of the real `pianotree` (PianoTree VAE, trees [32, 16, 6]) at its default
   sizes, batch 32 (the training batch) and 128: C# `model.TrainStep` vs the PyTorch mirror started from the C#
   side's exported weights and trees, one thread each, teacher forcing always on both sides; alternated with
   PyTorch given our allocator settings and PyTorch also doing the C# model's bookkeeping (--as-model); plus
   torch.profiler breakdowns. Writes benchmarks/results/pianotree-step.md.

8. (--only-threads) The thread plan (issue 15, part 1): every training workload under each split of the two
   cores between libtorch's intra-op pool and OpenBLAS's (1x1, 1x2, 2x1, 2x2), ours and PyTorch alternated:
   the MLP and conv VAE on Fashion-MNIST (a few thousand images, 2 epochs, the second timed), the MusicVAE
   step (recurrent) and Griffin-Lim (spectral); plus ours with no override (the product's plan). Writes
   benchmarks/results/thread-plan.md.

9. (--only-distributed) Issue 15: the MLP and conv VAE on Fashion-MNIST, epoch time of our single process (the
   product's thread plan), our `train --nproc 2` (2 x batch 64; gradients averaged during backward, the default, and
   after it, LATENTSYNTH_GRAD_OVERLAP=0), PyTorch's best single-process setting (of 1x1,
   1x2, 2x1 threads) and PyTorch DDP (Gloo, 2 processes x 1 thread started with torchrun's variables, batch 64 each); alternated, medians
   of epochs 2..E over the processes; test losses. Writes benchmarks/results/distributed.md.

4. (--only-audio-latency) Decode-and-invert latency of a 1 s latent path (87 points) with a trained
   frame model, one thread: decode, inverse pipeline (NNLS Mel inversion), fast Griffin-Lim at 16,
   32 and 100 iterations; median and p95 over --latency-reps repetitions (at least 30). Writes
   benchmarks/results/audio-latency.md.

Usage (from the repo root, after `make bench` built everything):
    /usr/bin/python3 benchmarks/run.py [--reps 5] [--n 60000] [--quick]
    /usr/bin/python3 benchmarks/run.py --only-griffin-lim [--reps 5]
    /usr/bin/python3 benchmarks/run.py --only-audio-latency [--latency-reps 30] [--run RUN]
    /usr/bin/python3 benchmarks/run.py --only-musicvae [--reps 5]
    /usr/bin/python3 benchmarks/run.py --only-inpaint [--reps 3]
    /usr/bin/python3 benchmarks/run.py --only-pianotree [--reps 3] [--pianotree-batches 32,128]
    /usr/bin/python3 benchmarks/run.py --only-threads [--reps 3]
    /usr/bin/python3 benchmarks/run.py --only-distributed [--reps 3] [--dist-epochs 3]
Writes benchmarks/results/latest.md and prints it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CS = os.path.join(ROOT, "benchmarks/LatentSynth.Benchmarks/bin/Release/net10.0/LatentSynth.Benchmarks")
CPP = os.path.join(ROOT, "benchmarks/native_overhead/build/op_overhead")
PY = os.path.join(ROOT, "benchmarks/pytorch/vae_epoch.py")
GL_PY = os.path.join(ROOT, "benchmarks/pytorch/griffin_lim.py")
MUSICVAE_PY = os.path.join(ROOT, "benchmarks/pytorch/musicvae_step.py")
INPAINT_PY = os.path.join(ROOT, "benchmarks/pytorch/inpaint_step.py")
PIANOTREE_PY = os.path.join(ROOT, "benchmarks/pytorch/pianotree_step.py")
FASHION_PY = os.path.join(ROOT, "benchmarks/pytorch/fashion_vae.py")
FASHION_DATA = os.path.join(ROOT, "benchmarks/results/fashion-split.safetensors")


def run_json(cmd, env=None, cwd=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=cwd).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


# glibc settings equal to what LatentSynth applies at start-up with mallopt (RuntimeDefaults).
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(64 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def blas_env(blas_threads, tuned_malloc=False):
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    if tuned_malloc:
        env.update(TUNED_MALLOC)
    return env


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--quick", action="store_true", help="3 reps on 12,800 inputs")
    p.add_argument("--fashion-epochs", type=int, default=10, help="epochs of the Fashion-MNIST quality run (0 skips it)")
    p.add_argument("--only-fashion", action="store_true", help="skip the per-op and synthetic-epoch sections")
    p.add_argument("--only-griffin-lim", action="store_true", help="only the Griffin-Lim comparison (writes griffin-lim.md)")
    p.add_argument("--only-audio-latency", action="store_true", help="only the decode-and-invert latency (writes audio-latency.md)")
    p.add_argument("--latency-reps", type=int, default=30, help="timed repetitions per case of --only-audio-latency (at least 30)")
    p.add_argument("--run", default=None, help="audio run for --only-audio-latency (default: train a small one)")
    p.add_argument("--only-musicvae", action="store_true", help="only the MusicVAE training step (writes musicvae-step.md)")
    p.add_argument("--only-inpaint", action="store_true", help="only the inpainting models' training step (writes inpaint-step.md)")
    p.add_argument("--only-pianotree", action="store_true", help="only the PianoTree VAE's training step (writes pianotree-step.md)")
    p.add_argument("--pianotree-batches", default="32,128", help="batch sizes of --only-pianotree (comma-separated)")
    p.add_argument("--only-threads", action="store_true", help="only the thread-plan sweep (writes thread-plan.md)")
    p.add_argument("--only-distributed", action="store_true", help="only the data-parallel comparison (writes distributed.md)")
    p.add_argument("--dist-epochs", type=int, default=3, help="epochs per process of --only-distributed (the first is not timed)")
    a = p.parse_args()
    if a.only_threads:
        write_section("thread-plan.md", threads_section(a))
        return
    if a.only_distributed:
        write_section("distributed.md", distributed_section(a))
        return
    if a.only_pianotree:
        write_section("pianotree-step.md", pianotree_section(a))
        return
    if a.only_inpaint:
        write_section("inpaint-step.md", inpaint_section(a))
        return
    if a.only_musicvae:
        write_section("musicvae-step.md", musicvae_section(a))
        return
    if a.only_audio_latency:
        write_section("audio-latency.md", audio_latency_section(a))
        return
    if a.only_griffin_lim:
        write_section("griffin-lim.md", griffin_lim_section(a))
        return
    if a.quick:
        a.reps, a.n = 3, 12800
    lines = ["# Benchmark results", "",
             f"Machine: {os.cpu_count()} logical CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]

    if not a.only_fashion:
        lines += sections_1_2(a)
    if a.fashion_epochs > 0:
        lines += fashion_section(a)
    text = "\n".join(lines)
    out = "latest.md" if not a.only_fashion else "fashion.md"
    os.makedirs(os.path.join(ROOT, "benchmarks/results"), exist_ok=True)
    with open(os.path.join(ROOT, "benchmarks/results", out), "w") as f:
        f.write(text + "\n")
    print(text)


def write_section(name, lines):
    text = "\n".join(lines)
    os.makedirs(os.path.join(ROOT, "benchmarks/results"), exist_ok=True)
    with open(os.path.join(ROOT, "benchmarks/results", name), "w") as f:
        f.write(text + "\n")
    print(text)


PLANS = [(1, 1), (1, 2), (2, 1), (2, 2)]


def threads_section(a):
    """Issue 15, part 1: each training workload under each thread plan (intra-op x BLAS threads), ours and
    PyTorch alternated A B A B per plan; medians over a.reps processes (at least 3). The product's own plan
    (no override) is run alongside ours. Same seeds and data on both sides (the loss columns check it)."""
    import tempfile
    reps = max(a.reps, 3)
    if not os.path.exists(FASHION_DATA):
        subprocess.run([CS, "export-data", "fashion-mnist", FASHION_DATA], check=True, capture_output=True)
    tmp = tempfile.mkdtemp(prefix="thread-plan-")
    mv_export = os.path.join(tmp, "musicvae")

    def fashion(arch, limit):
        def ours(plan):
            flags = [] if plan is None else ["--threads", str(plan[0]), "--blas-threads", str(plan[1])]
            r = run_json([CS, "fashion-vae", "--epochs", "2", "--limit", str(limit), *flags] + (["--conv"] if arch == "conv" else []),
                         blas_env(plan[1] if plan else 2))[0]
            return r["epoch_seconds"][-1], r["test_loss"], (r["threads"], r["blas_threads"])

        def torch_(plan):
            r = run_json(["/usr/bin/python3", FASHION_PY, "--data", FASHION_DATA, "--arch", arch, "--epochs", "2", "--limit", str(limit),
                          "--threads", str(plan[0])], blas_env(plan[1]), cwd=os.path.dirname(FASHION_PY))[0]
            return r["epoch_seconds"][-1], r["test_loss"], plan
        return ours, torch_

    def musicvae():
        common = ["--model", "musicvae", "--batch", "64", "--warmup", "2", "--steps", "6"]

        def ours(plan):
            plan = plan or (1, 1)
            flags = ["--threads", str(plan[0]), "--blas-threads", str(plan[1])]
            r = run_json([CS, "musicvae-step", *common, *flags] + ([] if os.path.exists(mv_export) else ["--export", mv_export]), blas_env(plan[1]))[0]
            return r["seconds"], r["first"]["loss"], plan

        def torch_(plan):
            r = run_json(["/usr/bin/python3", MUSICVAE_PY, *common, "--threads", str(plan[0]), "--weights", os.path.join(mv_export, "weights.safetensors"),
                          "--batch-file", os.path.join(mv_export, "batch.safetensors")], blas_env(plan[1]))[0]
            return r["seconds"], r["first"]["loss"], plan
        return ours, torch_

    def griffin_lim():
        def ours(plan):
            plan = plan or (1, 1)
            r = run_json([CS, "griffin-lim", "--threads", str(plan[0]), "--blas-threads", str(plan[1]), "--reps", "3"], blas_env(plan[1]))[0]
            return r["seconds"], None, plan

        def torch_(plan):
            r = run_json(["/usr/bin/python3", GL_PY, "--threads", str(plan[0]), "--reps", "3"], blas_env(plan[1]))[0]
            return r["seconds"], None, plan
        return ours, torch_

    workloads = [("Dense: MLP VAE epoch (Fashion-MNIST, 12,000 images, batch 128)", "s/epoch", *fashion("mlp", 12000), True),
                 ("Convolution: conv VAE epoch (Fashion-MNIST, 3,000 images, batch 128)", "s/epoch", *fashion("conv", 3000), True),
                 ("Recurrent: MusicVAE training step (flat, batch 64)", "s/step", *musicvae(), False),
                 ("Spectral: Griffin-Lim, 100 iterations on 4 s", "s", *griffin_lim(), False)]
    load0 = os.getloadavg()
    lines = ["# Thread plan: every workload under each split of the cores, ours and PyTorch", "",
             f"Machine: {os.cpu_count()} logical CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the start "
             f"{load0[0]:.1f}. Plans are intra-op threads x OpenBLAS threads. Alternated ours / PyTorch per plan, {reps} processes each; "
             "medians. 'ours, product plan' runs with no override: the plan the trainer applies (ThreadPlans).", ""]
    summary = []
    for title, unit, ours, torch_, has_default in workloads:
        res = {}
        for plan in PLANS:
            o, t = [], []
            for _ in range(reps):
                o.append(ours(plan))
                t.append(torch_(plan))
            res[plan] = (statistics.median(x[0] for x in o), statistics.median(x[0] for x in t), o[0][1], t[0][1])
            print(title, plan, res[plan], file=sys.stderr, flush=True)
        product = None
        if has_default:
            runs = [ours(None) for _ in range(reps)]
            product = (statistics.median(x[0] for x in runs), runs[0][2])
        else:
            product = None
        lines += [f"## {title}", "", f"| plan (intra-op x BLAS) | ours ({unit}) | PyTorch ({unit}) | ours / PyTorch | loss ours / PyTorch |", "|---|---:|---:|---:|---:|"]
        for plan, (o, t, lo, lt) in res.items():
            loss = "–" if lo is None else f"{lo:.4f} / {lt:.4f}"
            lines.append(f"| {plan[0]} x {plan[1]} | {o:.3f} | {t:.3f} | {o / t:.2f} | {loss} |")
        best_o = min(res, key=lambda k: res[k][0])
        best_t = min(res, key=lambda k: res[k][1])
        ours_best = res[best_o][0] if product is None else product[0]
        lines += ["", f"- Ours best: {best_o[0]} x {best_o[1]} ({res[best_o][0]:.3f}); PyTorch best: {best_t[0]} x {best_t[1]} ({res[best_t][1]:.3f})."]
        if product:
            lines.append(f"- Ours with the product's plan ({product[1][0]} x {product[1][1]}): {product[0]:.3f}, "
                         f"**{product[0] / res[best_t][1]:.2f}x** PyTorch's best setting; {product[0] / res[(1, 2)][0]:.2f}x our old default (1 x 2).")
        lines.append("")
        summary.append((title.split(":")[0], best_o, ours_best / res[best_t][1]))
    load1 = os.getloadavg()
    lines += ["## Summary", "", "| workload | our best plan | ours (product plan, or best) / PyTorch's best |", "|---|---|---:|"]
    lines += [f"| {w} | {p[0]} x {p[1]} | {r:.2f} |" for w, p, r in summary]
    lines += ["", f"Load average at the end: {load1[0]:.1f}.", ""]
    return lines


CLI = os.path.join(ROOT, "src/LatentSynth.Cli/bin/Release/net10.0/latentsynth")
DDP_PY = os.path.join(ROOT, "benchmarks/pytorch/fashion_vae_ddp.py")


def distributed_section(a):
    """Issue 15: our single process and `--nproc 2` against PyTorch's best single process and DDP (2 Gloo processes)."""
    import csv
    import shutil
    import tempfile
    reps, epochs = max(a.reps, 3), max(a.dist_epochs, 2)
    if not os.path.exists(FASHION_DATA):
        subprocess.run([CS, "export-data", "fashion-mnist", FASHION_DATA], check=True, capture_output=True)
    tmp = tempfile.mkdtemp(prefix="distributed-")
    # (arch, training examples): the conv epoch is ten times the MLP's, so it trains on 12,000 images.
    cases = [("mlp", 60000), ("conv", 12000)]

    def ours(arch, limit, nproc, batch=None, overlap=True):
        out = os.path.join(tmp, f"{arch}-{nproc}-{time.time_ns()}")
        cmd = [CLI, "train", "--model", "vae", "--arch", arch, "--hidden", "400", "--latent-dim", "20", "--data", "fashion-mnist",
               "--epochs", str(epochs), "--limit-train", str(limit), "--limit-test", "10000", "--out", out]
        cmd += ["--nproc", str(nproc), "--batch-size", str(128 // nproc)] if nproc > 1 else ["--batch-size", str(batch or 128)]
        env = dict(os.environ)
        if batch:  # one rank's work on one core, as each of --nproc 2's processes has
            env.update(LATENTSYNTH_THREADS="1", LATENTSYNTH_BLAS_THREADS="1")
        if not overlap:  # the gradients averaged after backward instead of during it
            env.update(LATENTSYNTH_GRAD_OVERLAP="0")
        subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        with open(os.path.join(out, "metrics.csv")) as f:
            rows = list(csv.DictReader(f))
        shutil.rmtree(out, ignore_errors=True)
        return [float(r["train_seconds"]) for r in rows][1:], float(rows[-1]["val_loss"])

    def torch_single(arch, limit, plan):
        r = run_json(["/usr/bin/python3", FASHION_PY, "--data", FASHION_DATA, "--arch", arch, "--epochs", str(epochs), "--limit", str(limit),
                      "--threads", str(plan[0])], blas_env(plan[1]), cwd=os.path.dirname(FASHION_PY))[0]
        return r["epoch_seconds"][1:], r["test_loss"]

    def torch_ddp(arch, limit):
        r = run_json(["/usr/bin/python3", DDP_PY, "--nproc", "2", "--data", FASHION_DATA, "--arch", arch, "--epochs", str(epochs), "--limit", str(limit), "--batch", "64", "--threads", "1"],
                     blas_env(1), cwd=os.path.dirname(DDP_PY))[0]
        return r["epoch_seconds"][1:], r["test_loss"]

    load0 = os.getloadavg()
    lines = ["# Data-parallel training: ours (c10d/Gloo) against PyTorch DDP, and single processes", "",
             f"Machine: {os.cpu_count()} logical CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the start {load0[0]:.1f}. "
             f"VAE 784-400-20 (mlp) or 2 stride-2 convs 32/64 + 400 + 20 (conv), Adam 1e-3, global batch 128, {epochs} epochs per process, "
             f"the first not timed; {reps} processes per side alternated; medians of the timed epochs. Ours: `latentsynth train` (train_seconds "
             "of metrics.csv: the training steps, without the validation pass); PyTorch: the training loop.", "",
             "| arch | images | ours, 1 process (s/epoch) | ours, --nproc 2 | ours, --nproc 2, averaged after backward | PyTorch, best single process | "
             "PyTorch DDP, 2 processes | ours 1 / PyTorch best | ours --nproc 2 / PyTorch DDP | overlapped / after backward | "
             "test loss: ours 1 / ours 2 / PyTorch / DDP |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    overhead = []
    for arch, limit in cases:
        o1, o2, o2after, q, d, half = [], [], [], {}, [], []
        l1 = l2 = lq = ld = None
        for _ in range(reps):
            t, l1 = ours(arch, limit, 1); o1 += t
            t, l2 = ours(arch, limit, 2); o2 += t
            t, _ = ours(arch, limit, 2, overlap=False); o2after += t
            # One process doing one rank's work (batch 64, all the steps): what --nproc 2 would take per process
            # with free communication, so --nproc 2's excess over half of it bounds what overlapping could win.
            t, _ = ours(arch, limit, 1, batch=64); half += t
            for plan in [(1, 1), (1, 2), (2, 1)]:
                t, lq_ = torch_single(arch, limit, plan); q.setdefault(plan, []).extend(t); lq = lq_ if plan == (1, 2) else lq
            t, ld = torch_ddp(arch, limit); d += t
            print(arch, statistics.median(o1), statistics.median(o2), {k: statistics.median(v) for k, v in q.items()}, statistics.median(d), file=sys.stderr, flush=True)
        best = min(q, key=lambda k: statistics.median(q[k]))
        mo1, mo2, mq, md = statistics.median(o1), statistics.median(o2), statistics.median(q[best]), statistics.median(d)
        mafter = statistics.median(o2after)
        lines.append(f"| {arch} | {limit} | {mo1:.2f} | {mo2:.2f} | {mafter:.2f} | {mq:.2f} ({best[0]} x {best[1]}) | {md:.2f} | **{mo1 / mq:.2f}** | "
                     f"**{mo2 / md:.2f}** | {mo2 / mafter:.2f} | {l1:.2f} / {l2:.2f} / {lq:.2f} / {ld:.2f} |")
        mh = statistics.median(half)
        overhead.append(f"- {arch}: one process at batch 64 on one core (1 x 1 threads) takes {mh:.2f} s for the whole epoch, so one rank's share of the compute is "
                        f"{mh / 2:.2f} s; --nproc 2 took {mo2:.2f} s: {mo2 - mh / 2:.2f} s per epoch ({100 * (mo2 - mh / 2) / mo2:.0f}%) go to "
                        "the gradient allreduce, the per-step agreement and the two processes sharing 2 cores; overlapping the allreduce "
                        f"with backward (the default) against averaging after it: {mo2:.2f} s against {mafter:.2f} s.")
    load1 = os.getloadavg()
    lines += ["", "Where --nproc 2's time goes:", ""] + overhead + [""]
    lines += ["Goals (issue 15): ours 1 process <= 0.85x (mlp) and <= 0.7x (conv) PyTorch's best single process; "
              "ours --nproc 2 <= 0.8x PyTorch DDP.", f"Load average at the end: {load1[0]:.1f}.", ""]
    return lines


def audio_latency_section(a):
    """Issue 5 §5 / issue 6: a 1 s path to sound with a trained frame model, one thread, split by stage."""
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["OPENBLAS_NUM_THREADS"] = "1"
    cmd = [CS, "audio-latency", "--threads", "1", "--reps", str(max(a.latency_reps, 30))]
    if a.run:
        cmd += ["--run", a.run]
    rows = run_json(cmd, env)
    load = os.getloadavg()[0]
    first = rows[0]
    lines = ["# Decode-and-invert latency of a 1 s sound (issue 5 §5, issue 6)", "",
             f"Machine: {os.cpu_count()} logical CPUs, load average {load:.1f} at the end; "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. One thread (Torch.NumThreads = 1, OPENBLAS_NUM_THREADS=1).",
             f"Model: {'run ' + a.run if a.run else 'the default frame model of `audio train` (beta-VAE, MLP [512, 256]), trained here for 5 epochs on flute and violin'}; "
             f"latent {first['latent_dim']}, {first['bins']} Mel bins. Path: a circle of {first['points']} points (1 s at hop 256, 22,050 Hz). "
             f"{first['reps']} timed repetitions after 3 warm-up ones; median / p95 (nearest rank) in ms. "
             "Decode: the model's decoder; inversion: denormalize, decompress, NNLS Mel inversion (100 iterations); "
             "Griffin-Lim: fused fast Griffin-Lim (momentum 0.99). Target: total ≤ 150 ms per 1 s sound.", "",
             "| Griffin-Lim iterations | decode wall | inversion wall | Griffin-Lim wall | total wall | decode CPU | inversion CPU | Griffin-Lim CPU | total CPU | ≤ 150 ms (median wall) | SC |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|"]
    for r in rows:
        def c(k):
            return f"{r[k + '_ms']:.1f} / {r[k + '_p95_ms']:.1f}"
        ok = "yes" if r["total_ms"] <= 150 else "no"
        lines.append(f"| {r['iters']} | {c('decode')} | {c('invert')} | {c('griffin_lim')} | {c('total')} | "
                     f"{c('decode_cpu')} | {c('invert_cpu')} | {c('griffin_lim_cpu')} | {c('total_cpu')} | {ok} | {r['sc']:.3f} |")
    lines += ["", "CPU: the process's CPU time (steadier than wall-clock time on a loaded machine; the machine's load "
              "inflates wall-clock times). SC: Griffin-Lim's spectral convergence against the magnitude it inverts "
              "(the decoded frames' own).", ""]
    return lines


def musicvae_section(a):
    """Issue 12: one training step of the real MusicVAE models (flat `musicvae`, hierarchical
    `musicvae-hier`, default sizes), C# (`model.TrainStep` with the model's own optimizers) vs the
    PyTorch mirror of the same architecture, loss and optimizer.

    One libtorch thread and one BLAS thread on each side; scheduled sampling off on both (teacher
    forcing). The first C# process of each case exports its initial weights and batch; every PyTorch
    process loads them, so both sides start from the same weights and data and must print the same
    losses (the check that they compute the same thing). Processes alternate A B A B ... (a.reps
    each, at least 3); each process runs warm-up steps then timed steps (median); the table gives
    medians over processes. Then one PyTorch step per case under torch.profiler: the share of self
    CPU time in matrix products.
    """
    import tempfile
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["OPENBLAS_NUM_THREADS"] = "1"
    reps = max(a.reps, 3)
    # (model, batch, warm-up steps, timed steps)
    cases = [("musicvae", 64, 2, 8), ("musicvae-hier", 128, 1, 3), ("musicvae-hier", 64, 1, 3)]
    rows, profiles, ratios = [], [], []
    tmp = tempfile.mkdtemp(prefix="musicvae-step-")
    for model, batch, warmup, steps in cases:
        export = os.path.join(tmp, f"{model}-{batch}")
        common = ["--model", model, "--batch", str(batch), "--threads", "1", "--warmup", str(warmup), "--steps", str(steps)]
        runs = {"latentsynth": [], "pytorch": []}
        for i in range(reps):
            runs["latentsynth"] += run_json([CS, "musicvae-step", *common, "--blas-threads", "1"] + (["--export", export] if i == 0 else []), env)
            runs["pytorch"] += run_json(["/usr/bin/python3", MUSICVAE_PY, *common, "--weights", os.path.join(export, "weights.safetensors"),
                                         "--batch-file", os.path.join(export, "batch.safetensors")], env)
        o, t = runs["latentsynth"], runs["pytorch"]
        ow = statistics.median(r["seconds"] for r in o)
        tw = statistics.median(r["seconds"] for r in t)
        oc = statistics.median(r["cpu_seconds"] for r in o)
        tc = statistics.median(r["cpu_seconds"] for r in t)
        ratios.append(ow / tw)
        fo, ft = o[0]["first"], t[0]["first"]
        lo, lt = o[0]["last"], t[0]["last"]
        rows.append(f"| {model} | {batch} | {o[0]['length']} | {ow:.3f} | {tw:.3f} | **{ow / tw:.2f}** | {oc:.3f} | {tc:.3f} | {oc / tc:.2f} | "
                    f"{fo['loss']:.4f} / {ft['loss']:.4f} | {fo['recon']:.4f} / {ft['recon']:.4f} | {fo['kl']:.4f} / {ft['kl']:.4f} | "
                    f"{lo['loss']:.4f} / {lt['loss']:.4f} |")
        print(rows[-1], file=sys.stderr, flush=True)
        if (model, batch) in (("musicvae", 64), ("musicvae-hier", 128)):
            pr = run_json(["/usr/bin/python3", MUSICVAE_PY, *common[:4], "--threads", "1", "--warmup", "1", "--profile",
                           "--weights", os.path.join(export, "weights.safetensors"), "--batch-file", os.path.join(export, "batch.safetensors")], env)[0]
            profiles.append((model, batch, pr))
            print(json.dumps(pr), file=sys.stderr, flush=True)
    load = os.getloadavg()
    lines = ["# MusicVAE training step: LatentSynth vs PyTorch (the real models)", "",
             f"Machine: {os.cpu_count()} logical CPUs, shared with other jobs (load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             f"at the end: noisy; the CPU-time columns are the steadier measure); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
             f"One libtorch thread and one BLAS thread each. Alternated A B A B, {reps} processes per side and case; each process: "
             "warm-up steps (2 flat, 1 hierarchical), then the median of the timed steps (8 flat, 3 hierarchical); medians over processes.",
             "",
             "C#: `model.TrainStep` of `musicvae` / `musicvae-hier` at their default sizes with `model.CreateOptimizers(1e-3)` "
             "(Adam, lr decayed per step, global-norm clip 1) in a scope, then `loss.Values()`, as the trainer steps. "
             "PyTorch: `benchmarks/pytorch/musicvae_step.py`, the same layers (one-hot inputs; bidirectional 2x256 LSTM encoder; "
             "flat: z 64, 2x256 decoder fed [previous token, z]; hierarchical: z 128, 2x256 conductor over 16 bars, 2x256 bar decoder "
             "batched over [B*16, 16] fed [previous token, conductor output]), loss (summed CE / B + beta * max(KL - free nats, 0)), "
             "Adam and clipping, loaded with the C# model's initial weights and batch. Scheduled sampling off on both sides "
             "(teacher forcing; the flat model's default inverse-sigmoid schedule is set to constant 0 for the comparison).", "",
             "| model | batch | T | ours s/step | PyTorch s/step | ours / PyTorch (wall) | ours CPU s | PyTorch CPU s | ours / PyTorch (CPU) | "
             "first loss ours / PyTorch | first recon | first KL (nats) | last loss ours / PyTorch |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"] + rows
    met = all(r <= 0.8 for r in ratios)
    lines += ["", f"Target (issue 12): ours / PyTorch <= 0.8 per step: **{'met' if met else 'not met'}** "
              f"(wall ratios {', '.join(f'{r:.2f}' for r in ratios)}).", "", "PyTorch profile (one step, torch.profiler, self CPU time):", ""]
    for model, batch, pr in profiles:
        top = "; ".join(f"{k} {ms:.0f} ms ({n}x)" for k, ms, n in pr["top"][:8])
        lines.append(f"- {model} (batch {batch}): {pr['self_cpu_ms']:.0f} ms, matrix products (aten::mm, addmm, bmm) "
                     f"{100 * pr['gemm_share']:.0f}%. Top: {top}.")
    return lines + [""]


def inpaint_section(a):
    """Issue 13: one training step of the real inpainting models (`measurevae`, `sketchvae`, `inpaintnet`,
    `sketchnet`, default sizes), C# (`model.TrainStep` with the model's own optimizers) vs the PyTorch mirror
    (benchmarks/pytorch/inpaint_step.py) of the same layers, loss and optimizer.

    As musicvae_section: one libtorch thread and one BLAS thread each; the first C# process of each model exports
    its initial weights, the gap fillers' frozen stage 1 and the batch, which every PyTorch process loads, so both
    sides must print the same losses; teacher forcing always and dropout 0 on both sides (the remaining random
    draws, reparameterisation noise and SketchNet's reveals, come from generators seeded alike). Processes
    alternate A B A B ... (a.reps each, at least 3); warm-up steps then timed steps (median); medians over
    processes. Then one PyTorch step per model under torch.profiler.
    """
    import tempfile
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["OPENBLAS_NUM_THREADS"] = "1"
    reps = max(a.reps, 3)
    # (model, batch, warm-up steps, timed steps)
    cases = [("measurevae", 64, 2, 6), ("sketchvae", 64, 2, 6), ("inpaintnet", 64, 1, 3), ("sketchnet", 64, 1, 3)]
    rows, profiles, ratios = [], [], []
    tmp = tempfile.mkdtemp(prefix="inpaint-step-")
    for model, batch, warmup, steps in cases:
        export = os.path.join(tmp, model)
        common = ["--model", model, "--batch", str(batch), "--threads", "1", "--warmup", str(warmup), "--steps", str(steps)]
        files = ["--weights", os.path.join(export, "weights.safetensors"), "--batch-file", os.path.join(export, "batch.safetensors")]
        if model in ("inpaintnet", "sketchnet"):
            files += ["--stage1", os.path.join(export, "stage1.safetensors")]
        runs = {"latentsynth": [], "pytorch": []}
        for i in range(reps):
            runs["latentsynth"] += run_json([CS, "inpaint-step", *common, "--blas-threads", "1"] + (["--export", export] if i == 0 else []), env)
            runs["pytorch"] += run_json(["/usr/bin/python3", INPAINT_PY, *common, *files], env)
        o, t = runs["latentsynth"], runs["pytorch"]
        ow = statistics.median(r["seconds"] for r in o)
        tw = statistics.median(r["seconds"] for r in t)
        oc = statistics.median(r["cpu_seconds"] for r in o)
        tc = statistics.median(r["cpu_seconds"] for r in t)
        ratios.append((model, ow / tw))
        fo, ft = o[0]["first"], t[0]["first"]
        lo, lt = o[0]["last"], t[0]["last"]
        other = "kl" if "kl" in fo else "inpainter_recon" if "inpainter_recon" in fo else "accuracy"
        rows.append(f"| {model} | {batch} | {o[0]['length']} | {ow:.3f} | {tw:.3f} | **{ow / tw:.2f}** | {oc:.3f} | {tc:.3f} | {oc / tc:.2f} | "
                    f"{fo['loss']:.4f} / {ft['loss']:.4f} | {fo['recon']:.4f} / {ft['recon']:.4f} | {other} {fo[other]:.4f} / {ft[other]:.4f} | "
                    f"{lo['loss']:.4f} / {lt['loss']:.4f} |")
        print(rows[-1], file=sys.stderr, flush=True)
        pr = run_json(["/usr/bin/python3", INPAINT_PY, *common[:4], "--threads", "1", "--warmup", "1", "--profile", *files], env)[0]
        profiles.append((model, batch, pr))
        print(json.dumps(pr), file=sys.stderr, flush=True)
    load = os.getloadavg()
    lines = ["# Inpainting models' training step: LatentSynth vs PyTorch (the real models)", "",
             f"Machine: {os.cpu_count()} logical CPUs, shared with other jobs (load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             f"at the end: noisy; the CPU-time columns are the steadier measure); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
             f"One libtorch thread and one BLAS thread each. Alternated A B A B, {reps} processes per side and model; each process: "
             "warm-up steps (2 bar VAEs, 1 gap fillers), then the median of the timed steps (6 bar VAEs, 3 gap fillers); medians over processes.",
             "",
             "C#: `model.TrainStep` of `measurevae` / `sketchvae` / `inpaintnet` / `sketchnet` at their default sizes with "
             "`model.CreateOptimizers(1e-3)` in a scope, then `loss.Values()`, as the trainer steps; the gap fillers on a frozen, "
             "freshly initialised stage-1 run folder. PyTorch: `benchmarks/pytorch/inpaint_step.py`, the same layers, losses, Adam "
             "(sketchvae: decayed lr and global-norm clip 1) loaded with the C# side's initial weights, frozen stage 1 and batch. "
             "Teacher forcing always and dropout 0 on both sides (set through the configs); reparameterisation noise and "
             "SketchNet's reveals from generators seeded alike.", "",
             "| model | batch | T | ours s/step | PyTorch s/step | ours / PyTorch (wall) | ours CPU s | PyTorch CPU s | ours / PyTorch (CPU) | "
             "first loss ours / PyTorch | first recon | first other term | last loss ours / PyTorch |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"] + rows
    met = [m for m, r in ratios if r <= 0.8]
    lines += ["", f"Target (issue 13): ours / PyTorch <= 0.8 per step: **{'met' if len(met) == len(ratios) else 'not met'}** "
              f"(wall ratios {', '.join(f'{m} {r:.2f}' for m, r in ratios)}; met for: {', '.join(met) or 'none'}).", "",
              "PyTorch profile (one step, torch.profiler, self CPU time):", ""]
    for model, batch, pr in profiles:
        top = "; ".join(f"{k} {ms:.0f} ms ({n}x)" for k, ms, n in pr["top"][:8])
        lines.append(f"- {model} (batch {batch}): {pr['self_cpu_ms']:.0f} ms, matrix products (aten::mm, addmm, bmm) "
                     f"{100 * pr['gemm_share']:.0f}%. Top: {top}.")
    return lines + [""]


def pianotree_section(a):
    """Issue 14: one training step of the real `pianotree` (default sizes), C# (`model.TrainStep` with the model's own
    optimizer) vs the PyTorch mirror (benchmarks/pytorch/pianotree_step.py) of the same layers, loss and optimizer.

    As inpaint_section: one libtorch thread and one BLAS thread each; the first C# process of each batch size exports
    its initial weights and trees, which every PyTorch process loads, so both sides must print the same losses;
    teacher forcing always on both sides (the C# side sets the schedules' ends to 1; the coins and the
    reparameterisation noise come from generators seeded alike). Four processes alternate per repetition (a.reps,
    at least 3): ours; PyTorch as installed; PyTorch with our allocator settings (MALLOC_* variables, as
    RuntimeDefaults sets them with mallopt); and the latter with --as-model (the C# model's bookkeeping too). One
    warm-up step then timed steps (median); medians over processes. Then one PyTorch step per batch size under
    torch.profiler, as installed and with our allocator settings.
    """
    import tempfile
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["OPENBLAS_NUM_THREADS"] = "1"
    tuned = dict(env, **TUNED_MALLOC)
    reps = max(a.reps, 3)
    # (batch, warm-up steps, timed steps)
    cases = [(int(b), 1, 3 if int(b) <= 32 else 2) for b in a.pianotree_batches.split(",")]
    sides = ["latentsynth", "pytorch", "pytorch_malloc", "pytorch_model"]
    rows, loss_rows, profiles, ratios = [], [], [], []
    tmp = tempfile.mkdtemp(prefix="pianotree-step-")
    for batch, warmup, steps in cases:
        export = os.path.join(tmp, f"b{batch}")
        common = ["--batch", str(batch), "--threads", "1", "--warmup", str(warmup), "--steps", str(steps)]
        files = ["--weights", os.path.join(export, "weights.safetensors"), "--batch-file", os.path.join(export, "batch.safetensors")]
        py = ["/usr/bin/python3", PIANOTREE_PY, *common, *files]
        runs = {s: [] for s in sides}
        for i in range(reps):
            runs["latentsynth"] += run_json([CS, "pianotree-step", *common, "--blas-threads", "1"] + (["--export", export] if i == 0 else []), env)
            runs["pytorch"] += run_json(py, env)
            runs["pytorch_malloc"] += run_json(py, tuned)
            runs["pytorch_model"] += run_json(py + ["--as-model"], tuned)
            print(f"pianotree batch {batch} rep {i}: " + ", ".join(f"{s} {runs[s][-1]['seconds']:.3f} s (CPU {runs[s][-1]['cpu_seconds']:.3f})" for s in sides),
                  file=sys.stderr, flush=True)
        w = {s: statistics.median(r["seconds"] for r in runs[s]) for s in sides}
        c = {s: statistics.median(r["cpu_seconds"] for r in runs[s]) for s in sides}
        ratios.append((batch, w["latentsynth"] / w["pytorch"], w["latentsynth"] / w["pytorch_malloc"]))
        o = w["latentsynth"], c["latentsynth"]
        rows.append(f"| {batch} | {o[0]:.3f} ({o[1]:.3f}) | {w['pytorch']:.3f} ({c['pytorch']:.3f}) | **{o[0] / w['pytorch']:.2f}** ({o[1] / c['pytorch']:.2f}) | "
                    f"{w['pytorch_malloc']:.3f} ({c['pytorch_malloc']:.3f}) | **{o[0] / w['pytorch_malloc']:.2f}** ({o[1] / c['pytorch_malloc']:.2f}) | "
                    f"{w['pytorch_model']:.3f} ({c['pytorch_model']:.3f}) | {o[0] / w['pytorch_model']:.2f} ({o[1] / c['pytorch_model']:.2f}) |")
        fo, ft = runs["latentsynth"][0]["first"], runs["pytorch"][0]["first"]
        lo, lt = runs["latentsynth"][0]["last"], runs["pytorch"][0]["last"]
        same = all(r["first"] == runs["pytorch"][0]["first"] and r["last"] == runs["pytorch"][0]["last"] for s in sides[1:] for r in runs[s])
        loss_rows.append(f"| {batch} | {fo['loss']:.4f} / {ft['loss']:.4f} | {fo['pitch']:.4f} / {ft['pitch']:.4f} | {fo['duration']:.4f} / {ft['duration']:.4f} | "
                         f"{fo['kl']:.4f} / {ft['kl']:.4f} | {fo['pitch_accuracy']:.4f} / {ft['pitch_accuracy']:.4f} | {lo['loss']:.4f} / {lt['loss']:.4f} | "
                         f"{lo['pitch']:.4f} / {lt['pitch']:.4f} | {lo['duration']:.4f} / {lt['duration']:.4f} | {'yes' if same else 'NO'} |")
        print(rows[-1] + "\n" + loss_rows[-1], file=sys.stderr, flush=True)
        for label, e in (("as installed", env), ("our allocator settings", tuned)):
            pr = run_json(["/usr/bin/python3", PIANOTREE_PY, "--batch", str(batch), "--threads", "1", "--warmup", "1", "--profile", *files], e)[0]
            profiles.append((batch, label, pr))
            print(json.dumps(pr), file=sys.stderr, flush=True)
    load = os.getloadavg()
    lines = ["# PianoTree VAE training step: LatentSynth vs PyTorch (the real model)", "",
             f"Machine: {os.cpu_count()} logical CPUs, shared with other jobs (load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             f"at the end: noisy; the CPU-time figures are the steadier measure); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
             f"One libtorch thread and one BLAS thread each. Alternated ours, PyTorch, PyTorch + allocator, PyTorch + allocator + bookkeeping; "
             f"{reps} processes each per batch size; each process: 1 warm-up step, then the median of the timed steps (3 at batch 32, 2 above); "
             "medians over processes.",
             "",
             "C#: `model.TrainStep` of `pianotree` at its default sizes (z 128, note embedding 64, encoder note/time GRUs 128/256, "
             "decoder time/summary/note/duration GRUs 256/64/128/32) with `model.CreateOptimizers(1e-3)` in a scope, then "
             "`loss.Values()`, as the trainer steps (our process applies its allocator settings, RuntimeDefaults). PyTorch: "
             "`benchmarks/pytorch/pianotree_step.py`, the same layers, losses, Adam (lr 1e-3·0.9999^step floored at 1e-5, global-norm "
             "clip 1) loaded with the C# side's initial weights and trees; \"+ allocator\": run with `MALLOC_MMAP_THRESHOLD_` / "
             "`MALLOC_TRIM_THRESHOLD_` equal to our mallopt settings; \"+ bookkeeping\": also `--as-model`, the C# model's extra work "
             "(per-slot select/stack of note outputs and logits, argmax pitches and bits, the well-formed step, the input checks). "
             "Teacher forcing always at both levels on both sides (the C# side sets the four schedule ends to 1); the "
             "reparameterisation noise and the (all-true) coins from generators seeded alike. Trees: `PolyTree.Encode` of random "
             "notes, each step an onset step with probability 0.6 holding 1-4 pitches of 1-8 sixteenths.", "",
             "Seconds per step, wall (CPU):", "",
             "| batch | ours | PyTorch | ours / PyTorch | PyTorch + allocator | ours / it | PyTorch + allocator + bookkeeping | ours / it |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"] + rows + [
             "", "Losses, ours / PyTorch (first: the first warm-up step, β = 0; last: the last timed step):", "",
             "| batch | first loss | first pitch | first duration | first kl | first pitch_accuracy | last loss | last pitch | last duration | all PyTorch variants equal |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"] + loss_rows
    met = [b for b, r, _ in ratios if r <= 0.8]
    lines += ["", f"Target (issue 14): ours / PyTorch <= 0.8 per step: **{'met' if len(met) == len(ratios) else 'not met'}** "
              f"(wall ratios against PyTorch as installed: {', '.join(f'batch {b} {r:.2f}' for b, r, _ in ratios)}; "
              f"against PyTorch with our allocator settings: {', '.join(f'batch {b} {m:.2f}' for b, _, m in ratios)}; "
              f"met for: {', '.join(f'batch {b}' for b in met) or 'none'}).", "",
              "PyTorch profile (one step, torch.profiler, self CPU time):", ""]
    for batch, label, pr in profiles:
        top = "; ".join(f"{k} {ms:.0f} ms ({n}x)" for k, ms, n in pr["top"][:8])
        lines.append(f"- batch {batch}, {label}: {pr['self_cpu_ms']:.0f} ms, matrix products (aten::mm, addmm, bmm) "
                     f"{100 * pr['gemm_share']:.0f}%. Top: {top}.")
    return lines + [""]


def griffin_lim_section(a):
    """Issue 5 §5: fused native fast Griffin-Lim vs the same loop with PyTorch ops, one thread each.

    Each process runs every case once to warm up, then 3 timed runs (median); processes alternate
    A B A B ... (a.reps each) so machine noise hits both alike; the table gives medians over processes.
    Wall-clock and process CPU seconds are both reported: on a shared, loaded machine the CPU time
    is the steadier measure of the work done.
    """
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["OPENBLAS_NUM_THREADS"] = "1"
    runs = {"latentsynth": [], "pytorch": []}
    for _ in range(max(a.reps, 5)):
        runs["latentsynth"].append(run_json([CS, "griffin-lim", "--threads", "1", "--reps", "3"], env))
        runs["pytorch"].append(run_json(["/usr/bin/python3", GL_PY, "--threads", "1", "--reps", "3"], env))
    n = len(runs["latentsynth"])
    load = os.getloadavg()[0]
    lines = ["# Fast Griffin-Lim: fused native loop vs PyTorch ops", "",
             f"Machine: {os.cpu_count()} logical CPUs, load average {load:.1f} at the end; "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. One thread each (torch.set_num_threads(1) / Torch.NumThreads = 1).",
             f"Alternated A B A B, {n} processes each; each process: one warm-up run, median of 3 timed runs. "
             "Signal: C major chord (C4 E4 G4 C5) with a slow envelope, 22,050 Hz, n_fft 1024, hop 256, Hann, "
             "centred; momentum 0.99; random initial phase (seed 0).", "",
             "| audio | frames | iterations | ours wall s | PyTorch wall s | PyTorch / ours (wall) | ours CPU s | PyTorch CPU s | PyTorch / ours (CPU) | ours x real time (wall) | ours x real time (CPU) | SC ours | SC PyTorch |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for i, case in enumerate(runs["latentsynth"][0]):
        ours = [r[i] for r in runs["latentsynth"]]
        theirs = [r[i] for r in runs["pytorch"]]
        ow = statistics.median(r["seconds"] for r in ours)
        tw = statistics.median(r["seconds"] for r in theirs)
        oc = statistics.median(r["cpu_seconds"] for r in ours)
        tc = statistics.median(r["cpu_seconds"] for r in theirs)
        audio = case["audio_s"]
        lines.append(f"| {audio:g} s | {case['frames']} | {case['iters']} | {ow:.3f} | {tw:.3f} | {tw / ow:.2f} | {oc:.3f} | {tc:.3f} | "
                     f"{tc / oc:.2f} | {audio / ow:.1f} | {audio / oc:.1f} | {ours[0]['sc']:.4f} | {theirs[0]['sc']:.4f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    lines += ["", "SC: spectral convergence ‖|STFT(x)| − S‖_F / ‖S‖_F of the result. Both sides run the same algorithm "
              "from the same initial phase, so the SC columns should agree to about 4 digits (a check that the "
              "fused loop computes what the PyTorch one does).", ""]
    return lines


def fashion_section(a):
    """Issue 3: the zoo's VAE (mlp and conv) on Fashion-MNIST vs a PyTorch mirror on the same split."""
    if not os.path.exists(FASHION_DATA):
        subprocess.run([CS, "export-data", "fashion-mnist", FASHION_DATA], check=True, capture_output=True)
    lines = [f"## Fashion-MNIST VAE through the model zoo ({a.fashion_epochs} epochs, batch 128, Adam 1e-3), same split on both sides", "",
             "| arch | C# s/epoch (median) | PyTorch s/epoch (median) | C# / PyTorch | test loss C# | test loss PyTorch | difference |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    rss = {}
    for arch in ("mlp", "conv"):
        cs_cmd = [CS, "fashion-vae", "--epochs", str(a.fashion_epochs)] + (["--conv"] if arch == "conv" else [])
        py_cmd = ["/usr/bin/python3", FASHION_PY, "--data", FASHION_DATA, "--arch", arch, "--epochs", str(a.fashion_epochs)]
        c = run_json(cs_cmd)[0]
        q = run_json(py_cmd, cwd=os.path.dirname(FASHION_PY))[0]
        ct, qt = statistics.median(c["epoch_seconds"]), statistics.median(q["epoch_seconds"])
        diff = 100 * (c["test_loss"] - q["test_loss"]) / q["test_loss"]
        lines.append(f"| {arch} | {ct:.2f} | {qt:.2f} | {ct / qt:.2f} | {c['test_loss']:.2f} | {q['test_loss']:.2f} | {diff:+.2f}% |")
        rss[arch] = c["rss_mb"]
        print(lines[-1], file=sys.stderr, flush=True)
    lines += ["", "Resident memory of the C# process after each epoch (MB): " +
              "; ".join(f"{k}: {', '.join(f'{v:.0f}' for v in vs)}" for k, vs in rss.items())]
    return lines + [""]


def sections_1_2(a):
    lines = []
    # 1. per-op overhead
    cpp = {r["op"]: r["ns_per_op"] for r in run_json([CPP, "200000"])}
    cs = {r["op"]: r["ns_per_op"] for r in run_json([CS, "overhead", "200000"])}
    lines += ["## Per-op cost on 4x4 float32 tensors (best of 5 x 200,000 calls)", "",
              "| op | C++ (ns) | C# binding (ns) | binding overhead (ns) | ratio |", "|---|---:|---:|---:|---:|"]
    for op in cpp:
        lines.append(f"| {op} | {cpp[op]:.0f} | {cs[op]:.0f} | {cs[op] - cpp[op]:.0f} | {cs[op] / cpp[op]:.2f}x |")
    lines.append("")

    # 2. VAE epoch
    configs = [(1, 1), (1, 2), (2, 1), (2, 2)]
    lines += [f"## One epoch of the reference VAE ({a.n:,} inputs, batch 128), median of {a.reps} alternated runs", "",
              "C#: LatentSynth with its start-up defaults (allocator tuned with mallopt). PyTorch: as installed, "
              "and again with the same allocator settings given through glibc's environment variables.", "",
              "| intra-op threads | BLAS threads | C# (s) | PyTorch (s) | PyTorch, same allocator (s) | C# / PyTorch | C# / PyTorch same allocator | loss C# | loss PyTorch |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    results = {}
    for threads, blas in configs:
        cs_t, py_t, pt_t, cs_l, py_l = [], [], [], None, None
        for _ in range(a.reps):
            r = run_json([CS, "vae-epoch", "--threads", str(threads), "--blas-threads", str(blas), "--n", str(a.n)], blas_env(blas))[0]
            cs_t.append(r["seconds"]); cs_l = r["loss"]
            r = run_json(["/usr/bin/python3", PY, "--threads", str(threads), "--n", str(a.n)], blas_env(blas))[0]
            py_t.append(r["seconds"]); py_l = r["loss"]
            r = run_json(["/usr/bin/python3", PY, "--threads", str(threads), "--n", str(a.n)], blas_env(blas, True))[0]
            pt_t.append(r["seconds"])
        c, q, t = statistics.median(cs_t), statistics.median(py_t), statistics.median(pt_t)
        results[(threads, blas)] = (c, q, t)
        lines.append(f"| {threads} | {blas} | {c:.2f} | {q:.2f} | {t:.2f} | {c / q:.2f} | {c / t:.2f} | {cs_l:.4f} | {py_l:.4f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    # Our defaults as a user gets them: no thread flags (RuntimeDefaults decides), then the same
    # with glibc's allocator defaults.
    ours = statistics.median(run_json([CS, "vae-epoch", "--n", str(a.n)])[0]["seconds"] for _ in range(a.reps))
    raw = statistics.median(run_json([CS, "vae-epoch", "--n", str(a.n), "--raw-allocator"])[0]["seconds"] for _ in range(a.reps))
    best_cs = min(results.items(), key=lambda kv: kv[1][0])
    best_py = min(results.items(), key=lambda kv: kv[1][1])
    best_pt = min(results.items(), key=lambda kv: kv[1][2])
    lines += ["",
              f"- Our defaults (no flags): {ours:.2f} s. With glibc's allocator defaults instead: {raw:.2f} s "
              f"(tuning saves {100 * (1 - ours / raw):.0f}%).",
              f"- Best PyTorch as installed: {best_py[1][1]:.2f} s (threads={best_py[0][0]}, BLAS={best_py[0][1]}): "
              f"ours / theirs = **{ours / best_py[1][1]:.2f}x**.",
              f"- Best PyTorch with our allocator settings: {best_pt[1][2]:.2f} s (threads={best_pt[0][0]}, BLAS={best_pt[0][1]}): "
              f"ours / theirs = **{ours / best_pt[1][2]:.2f}x**.",
              f"- Best C# configuration: {best_cs[1][0]:.2f} s (threads={best_cs[0][0]}, BLAS={best_cs[0][1]}).", ""]
    return lines


if __name__ == "__main__":
    main()
