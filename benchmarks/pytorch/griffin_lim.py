"""Fast Griffin-Lim written with PyTorch ops, the baseline for LatentSynth's fused native loop.

Same algorithm (Griffin & Lim 1984 with the momentum of Perraudin, Balazs & Sondergaard 2013,
alpha = 0.99), same signal (a C major chord, 22,050 Hz, with a slow amplitude envelope), same
settings (n_fft 1024, hop 256, periodic Hann, centred with reflect padding), random initial
phase from a fixed seed, one thread. Cases: 4 s x 100 iterations, 1 s x 32, 1 s x 100.

Prints one JSON line per case: median of --reps timed runs after one warm-up run (wall-clock and
process CPU seconds).
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/griffin_lim.py --threads 1
"""
import argparse
import json
import math
import time

import torch


def chord(seconds, sr=22050):
    t = torch.arange(0, round(seconds * sr), dtype=torch.float64) / sr
    s = torch.zeros_like(t)
    for f in (261.63, 329.63, 392.0, 523.25):
        s = s + 0.2 * torch.sin(2 * math.pi * f * t)
    env = 0.7 + 0.3 * torch.sin(2 * math.pi * 0.5 * t)
    return (s * env).float()


def griffin_lim(mag, window, n_fft, hop, iters, momentum, phase, length):
    """mag: [bins, frames] (torch.stft layout)."""
    angles = torch.polar(torch.ones_like(mag), phase)
    a = momentum / (1 + momentum)
    tprev = None
    for _ in range(iters):
        y = torch.istft(mag * angles, n_fft, hop, window=window, center=True, length=length)
        rebuilt = torch.stft(y, n_fft, hop, window=window, center=True, pad_mode="reflect", return_complex=True)
        angles = rebuilt - a * tprev if tprev is not None else rebuilt.clone()
        angles = angles / (angles.abs() + 1e-16)
        tprev = rebuilt
    y = torch.istft(mag * angles, n_fft, hop, window=window, center=True, length=length)
    est = torch.stft(y, n_fft, hop, window=window, center=True, pad_mode="reflect", return_complex=True).abs()
    return y, ((est - mag).norm() / mag.norm()).item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    n_fft, hop = 1024, 256
    window = torch.hann_window(n_fft)
    for seconds, iters in ((4.0, 100), (1.0, 32), (1.0, 100)):
        x = chord(seconds)
        mag = torch.stft(x, n_fft, hop, window=window, center=True, pad_mode="reflect", return_complex=True).abs()
        g = torch.Generator().manual_seed(0)
        # Drawn frames-first, as the C# side does ([frames, bins] from the same seed), then laid out
        # as torch.stft's [bins, frames]: both start from the same phase.
        phase = 2 * math.pi * torch.rand(mag.shape[1], mag.shape[0], generator=g).T
        times, cpu, sc = [], [], 0.0
        with torch.no_grad():
            for r in range(a.reps + 1):
                c0, t0 = time.process_time(), time.perf_counter()
                _, sc = griffin_lim(mag, window, n_fft, hop, iters, 0.99, phase, x.numel())
                if r > 0:
                    times.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
        times.sort()
        cpu.sort()
        print(json.dumps({"impl": "pytorch", "audio_s": seconds, "frames": mag.shape[1], "iters": iters,
                          "threads": a.threads, "seconds": round(times[len(times) // 2], 5),
                          "cpu_seconds": round(cpu[len(cpu) // 2], 5), "sc": round(sc, 5)}), flush=True)


if __name__ == "__main__":
    main()
