#!/usr/bin/env python3
"""Data-parallel SGD with mpi4py (Open MPI): each rank takes its shard of scikit-learn's digits,
computes the gradient of a softmax regression, and the ranks average their gradients with
Allreduce every step, so every rank holds the same weights. Rank 0 prints Katib-format metrics.
With --out, every rank writes a digest of its final weights.

Needs Debian's python3-mpi4py, openmpi-bin, python3-numpy and python3-sklearn (/usr/bin/python3)."""
import argparse
import hashlib
import os

import numpy as np
from mpi4py import MPI
from sklearn.datasets import load_digits

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.5)
p.add_argument("--steps", type=int, default=100)
p.add_argument("--out")
a = p.parse_args()

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
X, y = load_digits(return_X_y=True)
X = X / 16.0
train_x, train_y, test_x, test_y = X[:1500], y[:1500], X[1500:], y[1500:]
shard_x, shard_y = train_x[rank::size], train_y[rank::size]
onehot = np.eye(10)[shard_y]
W = np.zeros((64, 10))


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


for step in range(1, a.steps + 1):
    probs = softmax(shard_x @ W)
    grad = shard_x.T @ (probs - onehot) / len(shard_x)
    total = np.empty_like(grad)
    comm.Allreduce(grad, total, op=MPI.SUM)
    W -= a.lr * total / size
    if rank == 0 and step % 25 == 0:
        accuracy = float((softmax(test_x @ W).argmax(1) == test_y).mean())
        loss = float(-np.log(softmax(train_x @ W)[np.arange(len(train_y)), train_y] + 1e-12).mean())
        print(f"step={step} loss={loss:.6f} accuracy={accuracy:.4f}", flush=True)

if a.out:
    with open(os.path.join(a.out, f"rank-{rank}.sha256"), "w") as f:
        f.write(hashlib.sha256(W.tobytes()).hexdigest())
