"""The reference VAE on Fashion-MNIST (fashion_vae.py's networks and loss) trained data-parallel with PyTorch's
DistributedDataParallel over Gloo: the baseline of `latentsynth train --nproc N`.

Run with --nproc N: the script starts N copies of itself with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, as
torchrun does (Debian's python3-torch 1.13 torchrun fails under Python 3.11 in torch.distributed.elastic; the workers
themselves are plain `init_process_group("gloo")` from those variables, which is what torchrun would give them):
    python3 fashion_vae_ddp.py --nproc 2 --data FILE --arch mlp --batch 64
Each process: --threads intra-op threads (OPENBLAS_NUM_THREADS from the environment), batch --batch per process,
a DistributedSampler over the same split, DDP's default 25 MB buckets with the allreduce overlapping backward.
Rank 0 prints one JSON line: {"impl": "pytorch-ddp", "arch": ..., "world": W, "epoch_seconds": [...], "test_loss": L}.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from fashion_vae import load_split, loss_fn, networks


class Pair(torch.nn.Module):
    """Encoder and decoder as one module, so DDP syncs both."""

    def __init__(self, enc, dec):
        super().__init__()
        self.enc, self.dec = enc, dec

    def forward(self, x):
        return loss_fn(self.enc, self.dec, x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--arch", default="mlp", choices=["mlp", "conv"])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=64, help="per process")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--nproc", type=int, default=2, help="processes to start (when RANK is not set)")
    a = p.parse_args()
    if "RANK" not in os.environ:
        return spawn(a.nproc)
    torch.set_num_threads(a.threads)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    train, test = load_split(a.data, a.limit)
    torch.manual_seed(a.seed)
    model = DDP(Pair(*networks(a.arch)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sampler = torch.utils.data.DistributedSampler(range(train.shape[0]), num_replicas=world, rank=rank, shuffle=True, seed=a.seed)
    times = []
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        order = torch.tensor(list(iter(sampler)))
        dist.barrier()
        t0 = time.perf_counter()
        for i in range(0, order.shape[0], a.batch):
            x = train[order[i:i + a.batch]]
            opt.zero_grad()
            loss = model(x)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        total = 0.0
        with torch.no_grad():
            for i in range(0, test.shape[0], 1000):
                x = test[i:i + 1000]
                total += loss_fn(model.module.enc, model.module.dec, x).item() * x.shape[0]
        print(json.dumps({"impl": "pytorch-ddp", "arch": a.arch, "world": world, "epoch_seconds": [round(s, 4) for s in times],
                          "test_loss": round(total / test.shape[0], 4)}), flush=True)
    dist.destroy_process_group()


def spawn(n):
    """Starts n workers of this command with torchrun's variables; returns when all have ended (non-zero if one failed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(n):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(n), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, *sys.argv], env=env))
    codes = [p.wait() for p in procs]
    if any(codes):
        sys.exit(f"a DDP worker failed: exit codes {codes}")


if __name__ == "__main__":
    main()
