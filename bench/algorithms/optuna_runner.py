"""Runs Optuna's samplers on the benchmark functions of functions.ts; prints JSON on stdout.

Input (stdin, JSON): {"mode": "regret", "function": name, "sampler": "tpe"|"tpe-multivariate"|"cmaes"|"random",
"seeds": [...], "trials": n}  -> {"best": [[best-so-far per trial] per seed], "seconds": total sampler time}
or {"mode": "timing", "trials": n, "params": d, "repeats": r} -> {"ms": mean ms per suggestion}
or {"mode": "evaluate", "function": name, "points": [{name: value}]} -> {"values": [...]}.
Needs Debian's python3-optuna (run with /usr/bin/python3).
"""
import json
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

A6 = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P6 = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                      [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
ALPHA = [1, 1.2, 3, 3.2]


def branin(x):
    a, b = x["x0"], x["x1"]
    t = b - 5.1 / (4 * math.pi ** 2) * a * a + 5 / math.pi * a - 6
    return t * t + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10


def hartmann6(x):
    v = [x[f"x{i}"] for i in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A6[i][j] * (v[j] - P6[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock5(x):
    v = [x[f"x{i}"] for i in range(5)]
    return sum(100 * (v[i + 1] - v[i] ** 2) ** 2 + (v[i] - 1) ** 2 for i in range(4))


def levy10(x):
    w = [1 + (x[f"x{i}"] - 1) / 4 for i in range(10)]
    s = math.sin(math.pi * w[0]) ** 2 + (w[9] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[9]) ** 2)
    return s + sum((w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2) for i in range(9))


def mixed(x):
    scale = {"a": 1, "b": 2, "c": 4}[x["kind"]]
    shift = {"a": 0.5, "b": 0, "c": 1}[x["kind"]]
    return ((x["x0"] - 0.2) ** 2 + (x["x1"] + 0.4) ** 2) * scale + ((x["n"] - 7) / 3) ** 2 + shift


SPACES = {
    "branin": (branin, {"x0": (-5, 10), "x1": (0, 15)}),
    "hartmann6": (hartmann6, {f"x{i}": (0, 1) for i in range(6)}),
    "rosenbrock5": (rosenbrock5, {f"x{i}": (-5, 10) for i in range(5)}),
    "levy10": (levy10, {f"x{i}": (-10, 10) for i in range(10)}),
    "mixed": (mixed, {"x0": (-1, 1), "x1": (-1, 1), "n": ("int", 1, 10), "kind": ("cat", ["a", "b", "c"])}),
}


def suggest(trial, space):
    out = {}
    for name, spec in space.items():
        if spec[0] == "int":
            out[name] = trial.suggest_int(name, spec[1], spec[2])
        elif spec[0] == "cat":
            out[name] = trial.suggest_categorical(name, spec[1])
        else:
            out[name] = trial.suggest_float(name, spec[0], spec[1])
    return out


def sampler_for(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-multivariate":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def regret(req):
    fn, space = SPACES[req["function"]]
    curves, spent = [], 0.0
    for seed in req["seeds"]:
        study = optuna.create_study(sampler=sampler_for(req["sampler"], seed))
        best, curve = math.inf, []
        for _ in range(req["trials"]):
            t0 = time.perf_counter()
            trial = study.ask()
            x = suggest(trial, space)
            spent += time.perf_counter() - t0
            value = fn(x)
            study.tell(trial, value)
            best = min(best, value)
            curve.append(best)
        curves.append(curve)
    return {"best": curves, "seconds": spent}


def timing(req):
    d, n = req["params"], req["trials"]
    dists = {f"x{i}": optuna.distributions.FloatDistribution(0, 1) for i in range(d)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    import random
    rnd = random.Random(1)
    study.add_trials([optuna.trial.create_trial(params={k: rnd.random() for k in dists}, distributions=dists,
                                                value=rnd.random()) for _ in range(n)])
    t0 = time.perf_counter()
    for _ in range(req["repeats"]):
        trial = study.ask(fixed_distributions=dists)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    return {"ms": (time.perf_counter() - t0) * 1000 / req["repeats"]}


def evaluate(req):
    fn, _ = SPACES[req["function"]]
    return {"values": [fn(p) for p in req["points"]]}


if __name__ == "__main__":
    request = json.load(sys.stdin)
    print(json.dumps({"regret": regret, "timing": timing, "evaluate": evaluate}[request["mode"]](request)))
