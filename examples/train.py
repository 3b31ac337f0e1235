#!/usr/bin/env python3
"""A small multilayer perceptron on the two-moons data in data/moons.csv, in plain Python.

Needs only Python's standard library, so the examples run anywhere. The response surface is a real
one: the learning rate, the number of hidden layers and the optimizer all change the validation loss.
Prints Katib's StdOut metric format (`name=value`) once per epoch.
"""
import argparse
import csv
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [([float(r["x"]), float(r["y"])], int(r["label"])) for r in rows]


class Layer:
    def __init__(self, n_in, n_out, rng):
        scale = math.sqrt(2.0 / n_in)
        self.w = [[rng.gauss(0, scale) for _ in range(n_in)] for _ in range(n_out)]
        self.b = [0.0] * n_out
        self.state = {}

    def params(self):
        return [(self.w, i) for i in range(len(self.w))] + [(None, None)]


def forward(layers, x):
    acts = [x]
    for k, layer in enumerate(layers):
        z = [sum(wi * xi for wi, xi in zip(row, acts[-1])) + b for row, b in zip(layer.w, layer.b)]
        last = k == len(layers) - 1
        acts.append(z if last else [v if v > 0 else 0.01 * v for v in z])
    return acts


def sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


class Optimizer:
    def __init__(self, kind, lr):
        self.kind, self.lr, self.t = kind, lr, 0
        self.m, self.v = {}, {}

    def step(self, key, value, grad):
        if self.kind == "sgd":
            return value - self.lr * grad
        if self.kind == "momentum":
            m = 0.9 * self.m.get(key, 0.0) + grad
            self.m[key] = m
            return value - self.lr * m
        m = 0.9 * self.m.get(key, 0.0) + 0.1 * grad
        v = 0.999 * self.v.get(key, 0.0) + 0.001 * grad * grad
        self.m[key], self.v[key] = m, v
        mh = m / (1 - 0.9 ** self.t)
        vh = v / (1 - 0.999 ** self.t)
        return value - self.lr * mh / (math.sqrt(vh) + 1e-8)


def train_batch(layers, opt, batch):
    grads_w = [[[0.0] * len(row) for row in layer.w] for layer in layers]
    grads_b = [[0.0] * len(layer.b) for layer in layers]
    for x, y in batch:
        acts = forward(layers, x)
        delta = [sigmoid(acts[-1][0]) - y]
        for k in range(len(layers) - 1, -1, -1):
            layer, a_in = layers[k], acts[k]
            for j, d in enumerate(delta):
                grads_b[k][j] += d
                row = grads_w[k][j]
                for i, ai in enumerate(a_in):
                    row[i] += d * ai
            if k > 0:
                prev = [sum(layer.w[j][i] * delta[j] for j in range(len(delta))) for i in range(len(a_in))]
                delta = [p * (1.0 if a > 0 else 0.01) for p, a in zip(prev, acts[k])]
    opt.t += 1
    n = len(batch)
    for k, layer in enumerate(layers):
        for j, row in enumerate(layer.w):
            for i in range(len(row)):
                row[i] = opt.step((k, j, i), row[i], grads_w[k][j][i] / n)
            layer.b[j] = opt.step((k, j, "b"), layer.b[j], grads_b[k][j] / n)


def evaluate(layers, data):
    loss, correct = 0.0, 0
    for x, y in data:
        p = min(max(sigmoid(forward(layers, x)[-1][0]), 1e-7), 1 - 1e-7)
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        correct += (p >= 0.5) == (y == 1)
    return loss / len(data), correct / len(data)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--num-layers", type=int, default=2, help="hidden layers")
    parser.add_argument("--hidden", type=int, default=8, help="units per hidden layer")
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="adam")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=os.path.join(HERE, "data", "moons.csv"))
    parser.add_argument("--log-path", help="also write metrics to this file (Katib's File collector)")
    parser.add_argument("--log-format", choices=["TEXT", "JSON"], default="TEXT")
    args = parser.parse_args(argv)
    if not (args.lr > 0 and math.isfinite(args.lr)):
        parser.error("--lr must be a positive number")

    rng = random.Random(args.seed)
    data = load(args.data)
    rng.shuffle(data)
    split = int(len(data) * 0.75)
    train, valid = data[:split], data[split:]
    sizes = [2] + [args.hidden] * args.num_layers + [1]
    layers = [Layer(a, b, rng) for a, b in zip(sizes, sizes[1:])]
    opt = Optimizer(args.optimizer, args.lr)
    log = open(args.log_path, "a") if args.log_path else None
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(train)
        for i in range(0, len(train), args.batch_size):
            train_batch(layers, opt, train[i : i + args.batch_size])
        loss, acc = evaluate(layers, valid)
        if not math.isfinite(loss):
            loss = 1e9
        print(f"epoch={epoch} loss={loss:.6f} accuracy={acc:.4f}", flush=True)
        if log:
            if args.log_format == "JSON":
                log.write(json.dumps({"epoch": str(epoch), "loss": f"{loss:.6f}", "accuracy": f"{acc:.4f}"}) + "\n")
            else:
                log.write(f"epoch={epoch} loss={loss:.6f} accuracy={acc:.4f}\n")
            log.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
