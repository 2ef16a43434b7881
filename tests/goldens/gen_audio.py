"""Goldens for LatentSynth.Audio (spectral): mel filterbanks equal to librosa 0.10's default
librosa.filters.mel (Slaney mel scale, htk=False, norm="slaney").

librosa is not installable here, so the filterbank is written from its published definition
(Slaney 1998, Auditory Toolbox; the same formulas librosa documents):
  mel(f) = f / (200/3)                           for f < 1000 Hz
  mel(f) = 15 + ln(f / 1000) / (ln(6.4) / 27)    for f >= 1000 Hz
  n_mels + 2 edge frequencies equally spaced in mel between fmin and fmax;
  filter i is a triangle rising from edge i to edge i+1 and falling to edge i+2, evaluated at
  the FFT bin frequencies k * sr / n_fft, then scaled by 2 / (edge[i+2] - edge[i]) (norm="slaney").
Computed in float64 with numpy, stored as float32 (librosa's default dtype).

Run: /usr/bin/python3 tests/goldens/gen_audio.py  (writes tests/goldens/audio.safetensors)
"""
import os

import numpy as np
import torch

os.chdir(os.path.dirname(os.path.abspath(__file__)))
from goldens_io import save  # noqa: E402


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    out = f / (200.0 / 3.0)
    hi = f >= 1000.0
    out[hi] = 15.0 + np.log(f[hi] / 1000.0) / (np.log(6.4) / 27.0)
    return out


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    out = m * (200.0 / 3.0)
    hi = m >= 15.0
    out[hi] = 1000.0 * np.exp((m[hi] - 15.0) * (np.log(6.4) / 27.0))
    return out


def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    fmax = sr / 2.0 if fmax is None else fmax
    bins = np.arange(n_fft // 2 + 1) * sr / n_fft
    lo, hi = hz_to_mel(np.array([fmin, fmax]))
    edges = mel_to_hz(np.linspace(lo, hi, n_mels + 2))
    w = np.zeros((n_mels, bins.size))
    for i in range(n_mels):
        left, centre, right = edges[i], edges[i + 1], edges[i + 2]
        rise = (bins - left) / (centre - left)
        fall = (right - bins) / (right - centre)
        w[i] = np.maximum(0.0, np.minimum(rise, fall)) * (2.0 / (right - left))
    return w.astype(np.float32)


tensors = {
    "mel_22050_1024_128": torch.from_numpy(mel_filterbank(22050, 1024, 128)),
    "mel_16000_512_40_50_7000": torch.from_numpy(mel_filterbank(16000, 512, 40, 50.0, 7000.0)),
    "hz_probe": torch.tensor([0.0, 200.0, 999.0, 1000.0, 2000.0, 8000.0], dtype=torch.float64),
}
tensors["mel_probe"] = torch.from_numpy(hz_to_mel(tensors["hz_probe"].numpy()))
save("audio.safetensors", tensors, {"torch": torch.__version__, "numpy": np.__version__})
print("wrote audio.safetensors", {k: tuple(v.shape) for k, v in tensors.items()})
