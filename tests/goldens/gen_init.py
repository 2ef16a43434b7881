"""Goldens for LatentSynth.Torch.NN.Init (torch.nn.init): gains, fans and seeded fills.

Every fill is made after torch.manual_seed(s) (or with a torch.Generator seeded s), so the C#
side, seeding the same CPU generator, must reproduce the values bit for bit.
"""
import hashlib
import math
import os

import torch
import torch.nn as nn

import goldens_io

os.chdir(os.path.dirname(os.path.abspath(__file__)))
torch.set_num_threads(1)
out = {}

# Gains in the order the C# test lists them.
gains = [nn.init.calculate_gain("linear"), nn.init.calculate_gain("conv2d"), nn.init.calculate_gain("sigmoid"),
         nn.init.calculate_gain("tanh"), nn.init.calculate_gain("relu"), nn.init.calculate_gain("leaky_relu"),
         nn.init.calculate_gain("leaky_relu", 0.2), nn.init.calculate_gain("leaky_relu", math.sqrt(5)),
         nn.init.calculate_gain("selu")]
out["gains"] = torch.tensor(gains, dtype=torch.float64)

shapes = [(400, 784), (16, 3, 5, 5), (8, 4, 3)]
out["fans"] = torch.tensor([list(nn.init._calculate_fan_in_and_fan_out(torch.empty(s))) for s in shapes],
                           dtype=torch.int64)

# PyTorch's default Linear weight init on the 784->400 layer: too large to store (1.2 MB), so a
# SHA-256 of its bytes (checked exactly), a strided sample and the float64 sum (for diagnostics).
torch.manual_seed(1234)
w = torch.empty(400, 784)
nn.init.kaiming_uniform_(w, a=math.sqrt(5))
out["kaiming_uniform_big_sha256"] = torch.tensor(list(hashlib.sha256(w.numpy().tobytes()).digest()), dtype=torch.uint8)
out["kaiming_uniform_big_sample97"] = w.flatten()[::97].clone()
out["kaiming_uniform_big_sum"] = w.double().sum().reshape(1)


def seeded(name, seed, shape, fill, dtype=torch.float32):
    torch.manual_seed(seed)
    t = torch.empty(shape, dtype=dtype)
    fill(t)
    out[name] = t


seeded("kaiming_uniform_conv", 7, (16, 3, 5, 5), lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)))
seeded("kaiming_uniform_fan_out_relu", 15, (24, 10), lambda t: nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"))
seeded("kaiming_normal_fan_out_relu", 8, (64, 32), lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
seeded("xavier_uniform", 9, (32, 48), lambda t: nn.init.xavier_uniform_(t))
seeded("xavier_normal_tanh", 10, (32, 48), lambda t: nn.init.xavier_normal_(t, gain=nn.init.calculate_gain("tanh")))
seeded("uniform", 11, (100,), lambda t: nn.init.uniform_(t, -0.5, 2.0))
seeded("normal", 12, (100,), lambda t: nn.init.normal_(t, 1.0, 0.5))
seeded("normal_small", 13, (7,), lambda t: nn.init.normal_(t, -1.0, 2.0))  # < 16 elements: scalar path
seeded("kaiming_uniform_f64", 14, (10, 20), lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), torch.float64)
seeded("constant", 0, (2, 3), lambda t: nn.init.constant_(t, 0.25))

# With an explicit generator (torch 1.13's nn.init has no generator argument: same formula by hand).
g = torch.Generator().manual_seed(21)
t = torch.empty(20, 30)
bound = math.sqrt(3.0) * (nn.init.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(30))
with torch.no_grad():
    t.uniform_(-bound, bound, generator=g)
out["gen_kaiming_uniform"] = t
g = torch.Generator().manual_seed(22)
t = torch.empty(50)
with torch.no_grad():
    t.normal_(0.0, 0.02, generator=g)
out["gen_normal"] = t

goldens_io.save("init.safetensors", out, {"torch": torch.__version__})
