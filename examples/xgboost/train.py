#!/usr/bin/env python3
"""Distributed XGBoost 1.7 (Rabit) on scikit-learn's digits, configured by the XGBoostJob environment:
the Master (RANK 0) starts the tracker at MASTER_ADDR:MASTER_PORT for WORLD_SIZE workers, and every
replica joins it and trains on its shard; the histograms are allreduced, so every rank builds the
same model. Rank 0 prints Katib-format metrics. With --out, every rank writes a digest of its model.

Needs Debian's python3-xgboost and python3-sklearn (/usr/bin/python3)."""
import argparse
import hashlib
import os
import subprocess
import sys

import xgboost as xgb
from sklearn.datasets import load_digits
from xgboost import collective

p = argparse.ArgumentParser()
p.add_argument("--eta", type=float, default=0.3)
p.add_argument("--max-depth", type=int, default=4)
p.add_argument("--rounds", type=int, default=10)
p.add_argument("--out")
a = p.parse_args()

rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
host, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
tracker = None
if rank == 0:
    # The tracker in an interpreter of its own, so that it serves the workers whatever this one does.
    code = "from xgboost.tracker import RabitTracker as T; import sys; t = T(host_ip=sys.argv[1], n_workers=int(sys.argv[2]), port=int(sys.argv[3])); t.start(int(sys.argv[2])); t.join()"
    tracker = subprocess.Popen([sys.executable, "-c", code, host, str(world), str(port)])

X, y = load_digits(return_X_y=True)
train_x, train_y, test_x, test_y = X[:1500], y[:1500], X[1500:], y[1500:]
args = {"DMLC_TRACKER_URI": host, "DMLC_TRACKER_PORT": port, "DMLC_TASK_ID": str(rank)}
with collective.CommunicatorContext(**args):
    # The tracker may renumber the tasks; the shards and the printing follow the job's RANK (the Master
    # is 0, and Katib reads the metrics from the Master).
    dtrain = xgb.DMatrix(train_x[rank::world], label=train_y[rank::world])
    params = {"objective": "multi:softmax", "num_class": 10, "eta": a.eta, "max_depth": a.max_depth, "tree_method": "hist"}
    booster = xgb.train(params, dtrain, num_boost_round=a.rounds)
# Outside the communicator: building a DMatrix inside it is a collective step every rank must join.
if rank == 0:
    accuracy = float((booster.predict(xgb.DMatrix(test_x)) == test_y).mean())
    print(f"accuracy={accuracy:.4f}", flush=True)
if a.out:
    with open(os.path.join(a.out, f"rank-{rank}.sha256"), "w") as f:
        f.write(hashlib.sha256(bytes(booster.save_raw("json"))).hexdigest())
if tracker:
    # Every rank has finished its shutdown handshake once this rank is out of the communicator; the
    # tracker itself may linger, so it gets a few seconds and is then stopped.
    try:
        tracker.wait(timeout=5)
    except subprocess.TimeoutExpired:
        tracker.terminate()
