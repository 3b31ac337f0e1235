#!/usr/bin/env python3
"""Katib's tfjob-mnist-with-summaries, made to run anywhere: logistic regression with polynomial
features on the two-moons data (examples/data/moons.csv), in plain Python, writing its accuracy and
loss the way tf.summary does (TensorFlow event files under <log-path>/train and <log-path>/test), so
that the TensorFlowEvent collector reads them. No TensorFlow needed: the event files are written by
tfevent_writer.py beside this file."""
import argparse
import csv
import math
import os
import random

from tfevent_writer import EventWriter

HERE = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("--learning-rate", type=float, default=0.03)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--log-path", default="/tmp/summaries")
a = p.parse_args()

with open(os.path.join(HERE, "..", "data", "moons.csv")) as f:
    rows = [([float(r["x"]), float(r["y"])], int(r["label"])) for r in csv.DictReader(f)]
rng = random.Random(7)
rng.shuffle(rows)
split = int(len(rows) * 0.8)
train, test = rows[:split], rows[split:]


def features(x):
    u, v = x
    return [1.0, u, v, u * u, v * v, u * v, u ** 3, v ** 3]


w = [0.0] * 8


def predict(x):
    z = sum(wi * fi for wi, fi in zip(w, features(x)))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def evaluate(data):
    loss = -sum(math.log(max(1e-9, predict(x) if y else 1 - predict(x))) for x, y in data) / len(data)
    acc = sum((predict(x) > 0.5) == bool(y) for x, y in data) / len(data)
    return acc, loss


# Only rank 0 (worker 0 of a TFJob) writes summaries, as in Katib's example.
chief = os.environ.get("TUNESTEP_REPLICA", "worker-0") in ("worker-0", "chief-0", "master-0")
writers = {s: EventWriter(os.path.join(a.log_path, s)) for s in ("train", "test")} if chief else {}
for epoch in range(1, a.epochs + 1):
    rng.shuffle(train)
    for i in range(0, len(train), a.batch_size):
        batch = train[i : i + a.batch_size]
        grad = [0.0] * 8
        for x, y in batch:
            err = predict(x) - y
            for k, fk in enumerate(features(x)):
                grad[k] += err * fk / len(batch)
        w = [wi - a.learning_rate * 10 * gi for wi, gi in zip(w, grad)]
    for name, data in (("train", train), ("test", test)):
        acc, loss = evaluate(data)
        if name in writers:
            writers[name].scalars(epoch, {"accuracy": acc, "loss": loss})
    print(f"epoch {epoch} done", flush=True)
