"""Goldens for LatentSynth.Torch.NN.Module naming: a small tree built the same way in C#.

The names (state_dict keys, named_parameters, named_buffers, named_modules) and the repr are
stored as metadata; the state dict itself as tensors.
"""
import os
from collections import OrderedDict

import torch
import torch.nn as nn

import goldens_io

os.chdir(os.path.dirname(os.path.abspath(__file__)))


class Leaf(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.weight = nn.Parameter(torch.arange(6, dtype=torch.float32).reshape(3, 2) + base)
        self.bias = nn.Parameter(torch.arange(3, dtype=torch.float32) - base)
        self.register_parameter("absent", None)
        self.register_buffer("running", torch.full((3,), float(base)))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def extra_repr(self):
        return "in=2, out=3"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([2.0]))
        self.encoder = nn.Sequential(Leaf(10), Leaf(20))
        self.head = Leaf(30)
        self.register_buffer("count", torch.tensor([7], dtype=torch.int64))
        self.blocks = nn.Sequential(OrderedDict([("first", Leaf(40))]))


net = Net()
sd = net.state_dict()
meta = {
    "torch": torch.__version__,
    "state_dict_keys": ",".join(sd.keys()),
    "named_parameters": ",".join(n for n, _ in net.named_parameters()),
    "named_buffers": ",".join(n for n, _ in net.named_buffers()),
    "named_modules": ",".join(n for n, _ in net.named_modules()),
    "repr": repr(net),
    "parameter_count": str(sum(p.numel() for p in net.parameters())),
}
goldens_io.save("nn_module.safetensors", dict(sd), meta)
