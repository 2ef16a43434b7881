"""Goldens for torch.nn.functional: convolutions, pooling, interpolation, padding, batch/layer
norm, dropout and losses. Writes nn.safetensors next to this script.

For each case <name>: the inputs (<name>.x, <name>.w, ...), the output <name>.out, a random
upstream gradient <name>.gout and the gradients <name>.<input>.grad of out.backward(gout).
Run with Debian's interpreter: /usr/bin/python3 tests/goldens/gen_nn.py
"""
import os
import sys

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
sys.path.insert(0, here)
from goldens_io import save  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(20240613)
G = {}


def case(name, fn, **inputs):
    """Stores inputs, fn(**inputs), a random grad_output and the gradients of inputs that require grad."""
    for k, v in inputs.items():
        if isinstance(v, torch.Tensor):
            G[f"{name}.{k}"] = v.detach().clone()
    out = fn(**inputs)
    G[f"{name}.out"] = out.detach().clone()
    params = [(k, v) for k, v in inputs.items() if isinstance(v, torch.Tensor) and v.requires_grad]
    if params and out.requires_grad:
        gout = torch.randn_like(out)
        G[f"{name}.gout"] = gout
        grads = torch.autograd.grad(out, [v for _, v in params], gout, allow_unused=True)
        for (k, _), g in zip(params, grads):
            if g is not None:
                G[f"{name}.{k}.grad"] = g
    return out


def rnd(*shape, grad=True, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype).requires_grad_(grad)


# ---- convolutions --------------------------------------------------------------------------
case("conv1d.basic", lambda x, w, b: F.conv1d(x, w, b, stride=1, padding=1), x=rnd(2, 4, 10), w=rnd(6, 4, 3), b=rnd(6))
case("conv1d.strided", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2),
     x=rnd(2, 4, 11), w=rnd(6, 2, 3), b=rnd(6))
case("conv1d.same", lambda x, w: F.conv1d(x, w, padding="same"), x=rnd(1, 3, 9), w=rnd(5, 3, 4))
case("conv2d.basic", lambda x, w, b: F.conv2d(x, w, b, padding=1), x=rnd(2, 3, 7, 6), w=rnd(4, 3, 3, 3), b=rnd(4))
case("conv2d.strided", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     x=rnd(1, 4, 9, 8), w=rnd(6, 2, 3, 2), b=rnd(6))
case("conv2d.valid", lambda x, w: F.conv2d(x, w, padding="valid"), x=rnd(1, 2, 5, 5), w=rnd(3, 2, 2, 2))
case("conv2d.f64", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     x=rnd(1, 2, 6, 6, dtype=torch.float64), w=rnd(3, 2, 3, 3, dtype=torch.float64), b=rnd(3, dtype=torch.float64))
case("conv_transpose1d.basic", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     x=rnd(2, 4, 6), w=rnd(4, 3, 3), b=rnd(3))
case("conv_transpose1d.grouped", lambda x, w: F.conv_transpose1d(x, w, groups=2, dilation=2), x=rnd(1, 4, 5), w=rnd(4, 2, 3))
case("conv_transpose2d.basic", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     x=rnd(1, 4, 4, 5), w=rnd(4, 2, 3, 3), b=rnd(2))
case("conv_transpose2d.grouped",
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(1, 2), padding=(0, 1), groups=2, dilation=(2, 1)),
     x=rnd(2, 4, 3, 3), w=rnd(4, 3, 2, 3), b=rnd(6))

# ---- pooling -------------------------------------------------------------------------------
case("max_pool1d.basic", lambda x: F.max_pool1d(x, 3, stride=2, padding=1), x=rnd(2, 3, 11))
case("max_pool1d.ceil", lambda x: F.max_pool1d(x, 2, stride=2, dilation=2, ceil_mode=True), x=rnd(2, 3, 10))
case("max_pool2d.basic", lambda x: F.max_pool2d(x, 2), x=rnd(2, 2, 6, 7))
case("max_pool2d.ceil", lambda x: F.max_pool2d(x, (3, 2), stride=(2, 2), padding=(1, 0), ceil_mode=True), x=rnd(2, 2, 7, 7))
case("avg_pool1d.basic", lambda x: F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     x=rnd(2, 3, 10))
case("avg_pool2d.basic", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), x=rnd(1, 2, 7, 6))
case("avg_pool2d.divisor", lambda x: F.avg_pool2d(x, (2, 3), divisor_override=5), x=rnd(1, 2, 6, 6))
case("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), x=rnd(1, 2, 7))
case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), x=rnd(1, 2, 7, 5))

# ---- interpolation and padding -------------------------------------------------------------
case("interp.nearest1d_size", lambda x: F.interpolate(x, size=7, mode="nearest"), x=rnd(1, 2, 4))
case("interp.nearest1d_scale", lambda x: F.interpolate(x, scale_factor=2.5, mode="nearest"), x=rnd(1, 2, 4))
case("interp.linear_size", lambda x: F.interpolate(x, size=9, mode="linear"), x=rnd(1, 2, 4))
case("interp.linear_scale_ac", lambda x: F.interpolate(x, scale_factor=1.7, mode="linear", align_corners=True),
     x=rnd(1, 2, 5))
case("interp.nearest2d_size", lambda x: F.interpolate(x, size=(5, 7), mode="nearest"), x=rnd(1, 2, 3, 4))
case("interp.nearest2d_scale", lambda x: F.interpolate(x, scale_factor=(2.0, 1.5), mode="nearest"), x=rnd(1, 2, 3, 4))
case("interp.bilinear_size", lambda x: F.interpolate(x, size=(6, 5), mode="bilinear"), x=rnd(1, 2, 3, 4))
case("interp.bilinear_ac", lambda x: F.interpolate(x, size=(6, 5), mode="bilinear", align_corners=True), x=rnd(1, 2, 3, 4))
case("interp.bilinear_scale", lambda x: F.interpolate(x, scale_factor=(1.5, 2.0), mode="bilinear"), x=rnd(2, 1, 4, 3))
case("interp.bicubic_size", lambda x: F.interpolate(x, size=(5, 6), mode="bicubic"), x=rnd(1, 2, 3, 4))
case("pad.constant", lambda x: F.pad(x, [1, 2], value=0.5), x=rnd(1, 2, 5))
case("pad.reflect1d", lambda x: F.pad(x, [2, 3], mode="reflect"), x=rnd(1, 2, 5))
case("pad.reflect2d", lambda x: F.pad(x, [1, 1, 2, 0], mode="reflect"), x=rnd(1, 1, 4, 4))
case("pad.replicate", lambda x: F.pad(x, [2, 1], mode="replicate"), x=rnd(1, 2, 4))

# ---- normalisation -------------------------------------------------------------------------
rm, rv = torch.randn(3), torch.rand(3) + 0.5
G["bn_train.running_mean.before"], G["bn_train.running_var.before"] = rm.clone(), rv.clone()
case("bn_train", lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-5),
     x=rnd(4, 3, 5), w=rnd(3), b=rnd(3))
G["bn_train.running_mean.after"], G["bn_train.running_var.after"] = rm.clone(), rv.clone()
case("bn_train_nostats", lambda x: F.batch_norm(x, None, None, training=True), x=rnd(2, 3, 4, 4))
case("bn_eval", lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3),
     x=rnd(4, 3), rm=torch.randn(3), rv=torch.rand(3) + 0.5, w=rnd(3), b=rnd(3))
case("ln.affine", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), x=rnd(2, 3, 4), w=rnd(3, 4), b=rnd(3, 4))
case("ln.plain", lambda x: F.layer_norm(x, (4,), eps=1e-3), x=rnd(2, 3, 4))

# Dropout: the mask comes from the default generator right after manual_seed(1234).
x = rnd(8, 16)
G["dropout.x"] = x.detach().clone()
torch.manual_seed(1234)
out = F.dropout(x, 0.3, training=True)
G["dropout.out"] = out.detach().clone()
gout = torch.ones_like(out) * 2.0
G["dropout.gout"] = gout
(G["dropout.x.grad"],) = torch.autograd.grad(out, [x], gout)
torch.manual_seed(20240614)

# ---- losses (each reduction) ---------------------------------------------------------------
REDS = ["none", "mean", "sum"]
bce_x = torch.rand(3, 4) * 0.9 + 0.05
bce_y = torch.rand(3, 4)
bce_w = torch.rand(4)
logits, bin_y = torch.randn(3, 4), (torch.rand(3, 4) > 0.5).float()
bcel_w, bcel_pw = torch.rand(4), torch.rand(4) + 0.5
reg_x, reg_y = torch.randn(3, 4), torch.randn(3, 4)
gn_x, gn_y = torch.randn(4, 3), torch.randn(4, 3)
gn_var = torch.rand(4, 3) * 0.5
gn_var[0, 0], gn_var[2, 1] = 0.01, 0.02  # below eps=0.05: clamped
ce_x = torch.randn(5, 4)
ce_t = torch.tensor([0, 3, 1, -100, 2])
ce_w = torch.rand(4) + 0.5
ce_p = torch.softmax(torch.randn(5, 4), dim=1)
ce_x3, ce_t3 = torch.randn(2, 4, 3), torch.randint(0, 4, (2, 3))
nll_x = torch.log_softmax(torch.randn(5, 4), dim=1)
kl_x = torch.log_softmax(torch.randn(3, 5), dim=1)
kl_y = torch.softmax(torch.randn(3, 5), dim=1)


def leaf(t):
    return t.clone().requires_grad_()


for r in REDS:
    case(f"bce.{r}", lambda x, y: F.binary_cross_entropy(x, y, reduction=r), x=leaf(bce_x), y=leaf(bce_y))
    case(f"bce_w.{r}", lambda x, y, w: F.binary_cross_entropy(x, y, w, reduction=r), x=leaf(bce_x), y=bce_y, w=bce_w)
    case(f"bcel.{r}", lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=r), x=leaf(logits), y=leaf(bin_y))
    case(f"bcel_w.{r}", lambda x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, w, pos_weight=pw, reduction=r),
         x=leaf(logits), y=bin_y, w=bcel_w, pw=bcel_pw)
    case(f"mse.{r}", lambda x, y: F.mse_loss(x, y, reduction=r), x=leaf(reg_x), y=leaf(reg_y))
    case(f"l1.{r}", lambda x, y: F.l1_loss(x, y, reduction=r), x=leaf(reg_x), y=leaf(reg_y))
    case(f"smooth_l1.{r}", lambda x, y: F.smooth_l1_loss(x, y, reduction=r, beta=0.5), x=leaf(reg_x), y=reg_y)
    case(f"huber.{r}", lambda x, y: F.huber_loss(x, y, reduction=r, delta=0.7), x=leaf(reg_x), y=reg_y)
    case(f"gnll.{r}", lambda x, y, v: F.gaussian_nll_loss(x, y, v, eps=0.05, reduction=r),
         x=leaf(gn_x), y=leaf(gn_y), v=leaf(gn_var))
    case(f"gnll_homo.{r}", lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction=r),
         x=leaf(gn_x), y=gn_y, v=leaf(gn_var[:, 1] + 0.1))
    case(f"ce.{r}", lambda x, t: F.cross_entropy(x, t, reduction=r), x=leaf(ce_x), t=ce_t.clamp(min=0))
    case(f"ce_w.{r}", lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=-100, reduction=r, label_smoothing=0.1),
         x=leaf(ce_x), t=ce_t, w=ce_w)
    case(f"ce_ignore.{r}", lambda x, t: F.cross_entropy(x, t, ignore_index=3, reduction=r), x=leaf(ce_x), t=ce_t.clamp(min=0))
    case(f"ce_prob.{r}", lambda x, p: F.cross_entropy(x, p, reduction=r, label_smoothing=0.05), x=leaf(ce_x), p=leaf(ce_p))
    case(f"ce_kdim.{r}", lambda x, t: F.cross_entropy(x, t, reduction=r), x=leaf(ce_x3), t=ce_t3)
    case(f"nll.{r}", lambda x, t, w: F.nll_loss(x, t, w, reduction=r), x=leaf(nll_x), t=ce_t, w=ce_w)
    case(f"kl.{r}", lambda x, y: F.kl_div(x, y, reduction=r), x=leaf(kl_x), y=leaf(kl_y))
    case(f"kl_log.{r}", lambda x, y: F.kl_div(x, y, reduction=r, log_target=True), x=leaf(kl_x), y=leaf(kl_y.log()))
case("kl.batchmean", lambda x, y: F.kl_div(x, y, reduction="batchmean"), x=leaf(kl_x), y=leaf(kl_y))

save("nn.safetensors", G, {"torch": torch.__version__})
print(f"nn.safetensors: {len(G)} tensors, {os.path.getsize('nn.safetensors')} bytes")
