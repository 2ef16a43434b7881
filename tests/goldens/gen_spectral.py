"""Goldens for torch.fft, torch.stft / torch.istft, window functions and complex helpers.
Writes spectral.safetensors next to this script. Complex tensors are stored as
torch.view_as_real(...) (a trailing dimension of 2), as goldens_io requires.

For each case <name>: inputs, <name>.out, the upstream gradient <name>.gout and the gradients
<name>.<input>.grad of out.backward(gout) (complex ones as real views too).
Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_spectral.py
"""
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
sys.path.insert(0, here)
from goldens_io import save  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(4242)
G = {}


def real_view(t):
    t = t.detach()
    return torch.view_as_real(t.resolve_conj()).clone() if t.is_complex() else t.clone()


def case(name, fn, **inputs):
    for k, v in inputs.items():
        G[f"{name}.{k}"] = real_view(v)
    out = fn(**inputs)
    G[f"{name}.out"] = real_view(out)
    params = [(k, v) for k, v in inputs.items() if v.requires_grad]
    if params:
        gout = torch.randn_like(out)  # complex outputs get a complex gradient
        G[f"{name}.gout"] = real_view(gout)
        grads = torch.autograd.grad(out, [v for _, v in params], gout)
        for (k, _), g in zip(params, grads):
            G[f"{name}.{k}.grad"] = real_view(g)
    return out


def rnd(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype).requires_grad_()


# ---- torch.fft -----------------------------------------------------------------------------
case("rfft.basic", lambda x: torch.fft.rfft(x), x=rnd(2, 16))
case("rfft.pad_ortho", lambda x: torch.fft.rfft(x, n=20, norm="ortho"), x=rnd(2, 16))
case("rfft.trim_forward_dim0", lambda x: torch.fft.rfft(x, n=6, dim=0, norm="forward"), x=rnd(9, 3, dtype=torch.float64))
case("irfft.basic", lambda z: torch.fft.irfft(z), z=rnd(2, 9, dtype=torch.complex64))
case("irfft.odd_ortho", lambda z: torch.fft.irfft(z, n=15, norm="ortho"), z=rnd(3, 8, dtype=torch.complex128))
case("fft.complex", lambda z: torch.fft.fft(z), z=rnd(3, 8, dtype=torch.complex64))
case("fft.real_n", lambda x: torch.fft.fft(x, n=10, norm="ortho"), x=rnd(2, 7))
case("ifft.complex", lambda z: torch.fft.ifft(z, dim=0), z=rnd(6, 2, dtype=torch.complex128))
G["rfftfreq.9"] = torch.fft.rfftfreq(9, d=0.1)
G["fftfreq.8"] = torch.fft.fftfreq(8, d=0.5, dtype=torch.float64)

# ---- windows -------------------------------------------------------------------------------
G["window.hann_periodic"] = torch.hann_window(10)
G["window.hann_symmetric"] = torch.hann_window(10, periodic=False)
G["window.hamming"] = torch.hamming_window(12, dtype=torch.float64)
G["window.hamming_ab"] = torch.hamming_window(7, periodic=False, alpha=0.5, beta=0.4)
G["window.blackman"] = torch.blackman_window(9)

# ---- STFT ----------------------------------------------------------------------------------
hann64 = torch.hann_window(64)
case("stft.basic", lambda x: torch.stft(x, 64, hop_length=16, window=hann64, return_complex=True), x=rnd(2, 200))
case("stft.win48", lambda x: torch.stft(x, 32, hop_length=8, win_length=24, window=torch.hann_window(24, dtype=torch.float64),
                                        center=False, normalized=True, onesided=False, return_complex=True),
     x=rnd(150, dtype=torch.float64))
case("stft.constant_nowindow", lambda x: torch.stft(x, 16, center=True, pad_mode="constant", return_complex=True), x=rnd(40))
# STFT -> real / imag, each with its own upstream gradient.
x = rnd(120)
spec = torch.stft(x, 32, hop_length=8, window=torch.hann_window(32), return_complex=True)
G["stft_parts.x"] = x.detach().clone()
G["stft_parts.greal"], G["stft_parts.gimag"] = torch.randn(spec.shape), torch.randn(spec.shape)
(G["stft_parts.x.grad"],) = torch.autograd.grad([spec.real, spec.imag], [x], [G["stft_parts.greal"], G["stft_parts.gimag"]])

# ISTFT of the spectrogram of stft.basic (round trip) and its gradient w.r.t. the spectrogram.
spec = torch.stft(G["stft.basic.x"], 64, hop_length=16, window=hann64, return_complex=True).requires_grad_()
case("istft.basic", lambda z: torch.istft(z, 64, hop_length=16, window=hann64, length=200), z=spec)

# ---- complex helpers -----------------------------------------------------------------------
case("polar", lambda a, t: torch.polar(a, t), a=(torch.rand(3, 4) + 0.1).requires_grad_(), t=rnd(3, 4))
case("complex", lambda re, im: torch.complex(re, im), re=rnd(2, 5, dtype=torch.float64), im=rnd(2, 5, dtype=torch.float64))
case("angle", lambda z: torch.angle(z), z=rnd(2, 6, dtype=torch.complex128))
case("real", lambda z: z.real, z=rnd(3, 3, dtype=torch.complex64))
case("imag", lambda z: z.imag, z=rnd(3, 3, dtype=torch.complex64))
case("conj", lambda z: torch.conj(z), z=rnd(4, dtype=torch.complex64))

save("spectral.safetensors", G, {"torch": torch.__version__})
print(f"spectral.safetensors: {len(G)} tensors, {os.path.getsize('spectral.safetensors')} bytes")
