#!/usr/bin/env python3
"""Data-parallel training with PyTorch DDP (gloo, CPU) on scikit-learn's digits, configured only by the
environment a PyTorchJob replica gets: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE. Rank 0 prints
Katib-format metrics (loss=..., accuracy=...). With --out, every rank writes a digest of its final
weights, so a test can check that all ranks ended identical.

Needs Debian's python3-torch and python3-sklearn (run it with /usr/bin/python3)."""
import argparse
import hashlib
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from sklearn.datasets import load_digits

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--momentum", type=float, default=0.5)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--out", help="folder for rank-<r>.sha256 weight digests")
a = p.parse_args()

dist.init_process_group("gloo")  # env://: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)

X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
train_x, train_y, test_x, test_y = X[:1500], y[:1500], X[1500:], y[1500:]
# Every rank its own shard, the same number of steps on each.
shard_x, shard_y = train_x[rank::world], train_y[rank::world]
steps = (len(train_x) // world) // a.batch_size

model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, a.epochs + 1):
    generator = torch.Generator().manual_seed(epoch * 1000 + rank)
    order = torch.randperm(len(shard_x), generator=generator)
    total = 0.0
    for s in range(steps):
        idx = order[s * a.batch_size:(s + 1) * a.batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(shard_x[idx]), shard_y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item()
    if rank == 0:
        with torch.no_grad():
            accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
        print(f"epoch={epoch} loss={total / steps:.6f} accuracy={accuracy:.4f}", flush=True)

if a.out:
    digest = hashlib.sha256(b"".join(t.detach().numpy().tobytes() for t in model.module.state_dict().values())).hexdigest()
    with open(os.path.join(a.out, f"rank-{rank}.sha256"), "w") as f:
        f.write(digest)
dist.destroy_process_group()
