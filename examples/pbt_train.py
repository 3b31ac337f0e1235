#!/usr/bin/env python3
"""A toy trainer for population-based training (standard library only), after Katib's simple-pbt.

The "model" is an accuracy that grows each epoch by how well the learning rate matches an ideal
one that decays as training goes on, so no single learning rate is best throughout: a schedule is,
which is what PBT finds by copying good checkpoints and perturbing their learning rates. State lives
in the checkpoint folder, so a trial continues its parent's training.
"""
import argparse
import json
import math
import os

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, required=True)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--checkpoint", required=True, help="checkpoint folder (Katib's suggestion_trial_dir)")
a = p.parse_args()

os.makedirs(a.checkpoint, exist_ok=True)
state_file = os.path.join(a.checkpoint, "state.json")
state = {"step": 0, "accuracy": 0.1}
if os.path.exists(state_file):
    with open(state_file) as f:
        state = json.load(f)
    print(f"resumed from step {state['step']} with accuracy {state['accuracy']:.4f}", flush=True)

for _ in range(a.epochs):
    state["step"] += 1
    ideal = 0.02 * 0.5 ** (state["step"] / 8)
    match = max(0.0, 1.0 - abs(math.log(a.lr / ideal)) / 2.5)
    state["accuracy"] += 0.15 * (1.0 - state["accuracy"]) * match
    print(f"Validation-accuracy={state['accuracy']:.6f} checkpoint-step={state['step']}", flush=True)

with open(state_file, "w") as f:
    json.dump(state, f)
