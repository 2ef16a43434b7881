"""Goldens for the concrete layers of LatentSynth.Torch.NN (NN/Layers/*.cs). Writes
layers.safetensors next to this script.

For each case <name>, built right after torch.manual_seed(<seed>) (the seed is in the metadata
"<name>.seed", the constructor call PyTorch ran in "<name>.ctor"):
  <name>.sd.<key>      the state_dict just after construction (default initialisation; key order
                       in metadata "<name>.keys", comma separated)
  <name>.x             an input drawn from a separate generator (so the default stream is only
                       used by the layer itself)
  <name>.out           layer(x) (in training mode unless the case says otherwise)
  <name>.gout          a random grad_output
  <name>.x.grad        d out / d x for out.backward(gout)
  <name>.grad.<param>  the parameters' gradients (named as in named_parameters)
  metadata <name>.repr repr(layer)
BatchNorm and LayerNorm cases first set non-trivial affine parameters (<name>.set.weight/bias,
which the C# test copies in); BatchNorm cases then run three training steps (<name>.stepN.x,
.out, .gout, gradients, and running_mean/running_var/num_batches_tracked after each) and an
evaluation step (<name>.eval.*). Dropout and Sequential cases seed the default generator before
forward (metadata <name>.forward_seed). Metadata "float_repr" holds Python's repr of a few floats.

Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_layers.py
"""
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
sys.path.insert(0, here)
from goldens_io import save  # noqa: E402

torch.set_num_threads(1)
G = {}
META = {"torch": torch.__version__}
DATA = torch.Generator().manual_seed(777)


def rand(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=DATA, dtype=dtype)


def record_init(name, seed, ctor, make):
    torch.manual_seed(seed)
    layer = make()
    META[f"{name}.seed"] = str(seed)
    META[f"{name}.ctor"] = ctor
    META[f"{name}.repr"] = repr(layer)
    sd = layer.state_dict()
    META[f"{name}.keys"] = ",".join(sd.keys())
    for k, v in sd.items():
        G[f"{name}.sd.{k}"] = v.detach().clone()
    return layer


def forward_backward(name, layer, x, prefix=""):
    """Stores x, layer(x), a grad_output and the gradients of x and of every parameter."""
    x = x.detach().clone().requires_grad_(x.is_floating_point())
    G[f"{name}.{prefix}x"] = x.detach().clone()
    out = layer(x)
    G[f"{name}.{prefix}out"] = out.detach().clone()
    if not out.requires_grad:
        return out
    gout = torch.randn(out.shape, generator=DATA, dtype=out.dtype)
    G[f"{name}.{prefix}gout"] = gout
    layer.zero_grad(set_to_none=True)
    out.backward(gout)
    G[f"{name}.{prefix}x.grad"] = x.grad.detach().clone()
    for pn, p in layer.named_parameters():
        if p.grad is not None:
            G[f"{name}.{prefix}grad.{pn}"] = p.grad.detach().clone()
    return out


def case(name, seed, ctor, make, x):
    layer = record_init(name, seed, ctor, make)
    forward_backward(name, layer, x)
    return layer


# ---- Linear --------------------------------------------------------------------------------
case("linear", 11, "Linear(5, 3)", lambda: nn.Linear(5, 3), rand(4, 5))
case("linear.nobias", 12, "Linear(5, 3, bias=False)", lambda: nn.Linear(5, 3, bias=False), rand(4, 5))
case("linear.batched", 13, "Linear(6, 2)", lambda: nn.Linear(6, 2), rand(2, 3, 6))
case("linear.f64", 14, "Linear(4, 3, dtype=float64)", lambda: nn.Linear(4, 3, dtype=torch.float64),
     rand(2, 4, dtype=torch.float64))

# ---- Convolutions --------------------------------------------------------------------------
case("conv1d", 21, "Conv1d(3, 4, 3)", lambda: nn.Conv1d(3, 4, 3), rand(2, 3, 9))
case("conv1d.args", 22, "Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)",
     lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False), rand(2, 4, 11))
case("conv2d", 23, "Conv2d(3, 4, 3)", lambda: nn.Conv2d(3, 4, 3), rand(2, 3, 6, 5))
case("conv2d.args", 24, "Conv2d(4, 8, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=4)",
     lambda: nn.Conv2d(4, 8, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=4), rand(2, 4, 7, 6))
case("conv2d.same", 25, "Conv2d(2, 3, 3, padding='same')", lambda: nn.Conv2d(2, 3, 3, padding="same"),
     rand(1, 2, 5, 5))
case("conv2d.valid", 26, "Conv2d(2, 3, (2, 3), padding='valid', bias=False)",
     lambda: nn.Conv2d(2, 3, (2, 3), padding="valid", bias=False), rand(1, 2, 5, 5))
case("convt1d", 31, "ConvTranspose1d(3, 4, 3)", lambda: nn.ConvTranspose1d(3, 4, 3), rand(2, 3, 6))
case("convt1d.args", 32, "ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False)",
     lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False),
     rand(2, 4, 5))
case("convt2d", 33, "ConvTranspose2d(2, 4, 3)", lambda: nn.ConvTranspose2d(2, 4, 3), rand(2, 2, 4, 3))
case("convt2d.args", 34,
     "ConvTranspose2d(4, 6, (3, 4), stride=(2, 3), padding=(1, 2), output_padding=(1, 2), groups=2)",
     lambda: nn.ConvTranspose2d(4, 6, (3, 4), stride=(2, 3), padding=(1, 2), output_padding=(1, 2), groups=2),
     rand(2, 4, 3, 4))
case("convt2d.dilated", 35, "ConvTranspose2d(2, 2, 3, stride=2, padding=1, output_padding=1, dilation=2)",
     lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1, output_padding=1, dilation=2), rand(1, 2, 4, 4))


# ---- BatchNorm -----------------------------------------------------------------------------
def batchnorm(name, seed, ctor, make, shape, steps=3):
    layer = record_init(name, seed, ctor, make)
    # Non-trivial affine parameters, so their gradients and effect are visible (C# copies them).
    with torch.no_grad():
        if layer.weight is not None:
            layer.weight.copy_(1 + 0.5 * rand(*layer.weight.shape))
            layer.bias.copy_(0.5 * rand(*layer.bias.shape))
            G[f"{name}.set.weight"] = layer.weight.detach().clone()
            G[f"{name}.set.bias"] = layer.bias.detach().clone()
    layer.train()
    for step in range(1, steps + 1):
        forward_backward(name, layer, 2 * rand(*shape) + 0.5, prefix=f"step{step}.")
        for bn in ("running_mean", "running_var", "num_batches_tracked"):
            b = getattr(layer, bn)
            if b is not None:
                G[f"{name}.step{step}.{bn}"] = b.detach().clone()
    layer.eval()
    forward_backward(name, layer, 2 * rand(*shape) + 0.5, prefix="eval.")


batchnorm("bn1d.2d", 41, "BatchNorm1d(4)", lambda: nn.BatchNorm1d(4), (6, 4))
batchnorm("bn1d.3d", 42, "BatchNorm1d(4, eps=0.001, momentum=0.3)", lambda: nn.BatchNorm1d(4, eps=1e-3, momentum=0.3),
          (3, 4, 5))
batchnorm("bn2d", 43, "BatchNorm2d(3)", lambda: nn.BatchNorm2d(3), (2, 3, 4, 5))
batchnorm("bn2d.plain", 44, "BatchNorm2d(3, affine=False, track_running_stats=False)",
          lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False), (2, 3, 4, 5), steps=1)


# ---- LayerNorm -----------------------------------------------------------------------------
def layernorm(name, seed, ctor, make, shape):
    layer = record_init(name, seed, ctor, make)
    with torch.no_grad():
        if layer.weight is not None:
            layer.weight.copy_(1 + 0.5 * rand(*layer.weight.shape))
            layer.bias.copy_(0.5 * rand(*layer.bias.shape))
            G[f"{name}.set.weight"] = layer.weight.detach().clone()
            G[f"{name}.set.bias"] = layer.bias.detach().clone()
    forward_backward(name, layer, 2 * rand(*shape) + 0.5)


layernorm("ln", 51, "LayerNorm(8)", lambda: nn.LayerNorm(8), (3, 8))
layernorm("ln.2d", 52, "LayerNorm((3, 4), eps=0.0001)", lambda: nn.LayerNorm((3, 4), eps=1e-4), (2, 5, 3, 4))
layernorm("ln.plain", 53, "LayerNorm(6, elementwise_affine=False)", lambda: nn.LayerNorm(6, elementwise_affine=False),
          (4, 6))

# ---- Dropout (training mode draws from the default generator: seeded before forward) --------
drop = record_init("dropout", 61, "Dropout(0.3)", lambda: nn.Dropout(0.3))
META["dropout.forward_seed"] = "1234"
torch.manual_seed(1234)
forward_backward("dropout", drop, rand(5, 8))
drop.eval()
forward_backward("dropout", drop, rand(5, 8), prefix="eval.")

# ---- Activations, Flatten, Unflatten -------------------------------------------------------
act_x = 3 * rand(3, 7)
for name, ctor, make in [
    ("relu", "ReLU()", nn.ReLU),
    ("leaky_relu", "LeakyReLU(0.2)", lambda: nn.LeakyReLU(0.2)),
    ("leaky_relu.default", "LeakyReLU()", nn.LeakyReLU),
    ("elu", "ELU(alpha=0.5)", lambda: nn.ELU(alpha=0.5)),
    ("elu.default", "ELU()", nn.ELU),
    ("softplus", "Softplus(beta=2, threshold=5)", lambda: nn.Softplus(beta=2, threshold=5)),
    ("softplus.default", "Softplus()", nn.Softplus),
    ("gelu", "GELU()", nn.GELU),
    ("gelu.tanh", "GELU(approximate='tanh')", lambda: nn.GELU(approximate="tanh")),
    ("silu", "SiLU()", nn.SiLU),
    ("sigmoid", "Sigmoid()", nn.Sigmoid),
    ("tanh", "Tanh()", nn.Tanh),
    ("softmax", "Softmax(dim=1)", lambda: nn.Softmax(dim=1)),
    ("log_softmax", "LogSoftmax(dim=0)", lambda: nn.LogSoftmax(dim=0)),
    ("identity", "Identity()", nn.Identity),
]:
    case(name, 70, ctor, make, act_x)

case("flatten", 80, "Flatten()", nn.Flatten, rand(2, 3, 4, 5))
case("flatten.range", 81, "Flatten(0, 2)", lambda: nn.Flatten(0, 2), rand(2, 3, 4, 5))
case("unflatten", 82, "Unflatten(1, (3, 4))", lambda: nn.Unflatten(1, (3, 4)), rand(2, 12, 5))
case("unflatten.one", 83, "Unflatten(-1, (6,))", lambda: nn.Unflatten(-1, (6,)), rand(2, 6))


# ---- Sequential ----------------------------------------------------------------------------
def make_seq():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 8),
        nn.LayerNorm(8),
        nn.Dropout(0.1),
        nn.Tanh(),
        nn.Unflatten(1, (2, 4)),
    )


seq = record_init("seq", 90, "see make_seq()", make_seq)
META["seq.forward_seed"] = "4321"
torch.manual_seed(4321)
forward_backward("seq", seq, rand(3, 1, 4, 4))
G["seq.after.1.running_mean"] = seq[1].running_mean.detach().clone()
G["seq.after.1.running_var"] = seq[1].running_var.detach().clone()
seq.eval()
forward_backward("seq", seq, rand(3, 1, 4, 4), prefix="eval.")

small = record_init("seq.small", 91, "Sequential(Linear(4, 3), GELU(), Dropout(0.25), Linear(3, 2, bias=False))",
                    lambda: nn.Sequential(nn.Linear(4, 3), nn.GELU(), nn.Dropout(0.25), nn.Linear(3, 2, bias=False)))
named = record_init("seq.named", 92, "Sequential(OrderedDict(enc=Conv1d(2, 3, 3, stride=2), act=LeakyReLU(), "
                    "norm=BatchNorm1d(3)))",
                    lambda: nn.Sequential(OrderedDict([("enc", nn.Conv1d(2, 3, 3, stride=2)), ("act", nn.LeakyReLU()),
                                                       ("norm", nn.BatchNorm1d(3))])))
torch.manual_seed(0)
named.eval()
forward_backward("seq.named", named, rand(2, 2, 9))

# ---- Python's float repr (what extra_repr prints), for the culture-independent formatting ------
FLOATS = [1e-05, 0.1, 1.0, 20.0, 0.0001, 0.001, 1e16, 1e15, 123456789.123, 1.5e-07, -0.0, -2.5, 1e100, 5e-324,
          0.1 + 0.2, 1 / 3, 2.0 ** 60, 1.7976931348623157e308, 12345678901234567.0, 9999999999999998.0, 0.5e-4]
META["float_repr"] = "|".join(repr(v) for v in FLOATS)

save("layers.safetensors", G, META)
print(f"layers.safetensors: {len(G)} tensors, {os.path.getsize('layers.safetensors')} bytes")
