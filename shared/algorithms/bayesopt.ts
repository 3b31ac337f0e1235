import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { fitGp, GaussianProcess, type GpHyperparameters } from './gp.js';
import { minimizeLbfgs } from './lbfgs.js';
import { logH, normalCdf } from './normal.js';
import { createRng, type Rng } from './rng.js';
import { checkSettings } from './settings.js';
import { sobol, sobolGenerator } from './sobol.js';
import { assignmentKey, cardinality, drawUnseen, formatValue, gridValues, snap } from './space.js';
import type { SuggestInput, SuggestionAlgorithm } from './types.js';

/** Discrete parameters with at most this many values are searched value by value; larger ones as continuous. */
const LINE_SEARCH_LIMIT = 64;
const RAW_SAMPLES = 512;
const LOCAL_STARTS = 8;
const LCB_KAPPA = 1.96;

/**
 * Gaussian-process Bayesian optimization (Katib's `bayesianoptimization`, scikit-optimize there),
 * designed after Optuna's GPSampler (../shared/reference/hpo-algorithms.md 1.3). Hand-written: it is
 * the product; Cholesky comes from ml-matrix.
 *
 * - Inputs in [0, 1] (log scale for log distributions); categoricals as category indexes that the
 *   kernel compares by equality; ints and stepped doubles as their grid in the same unit scale.
 * - Outputs standardized; maximization negated. Failed trials count as the worst value seen, so the
 *   search moves away from regions that fail.
 * - Matérn-5/2 ARD kernel fitted by MAP (gp.ts).
 * - Acquisition: log expected improvement (stable far from the incumbent); `acq_func` PI and LCB also.
 * - Optimization of the acquisition: the incumbent and 512 scrambled Sobol points; the best 8 start
 *   local searches that alternate L-BFGS over the continuous inputs with an exhaustive line search of
 *   each discrete input over its grid (up to 64 values; EI peaks between grid points, so rounding a
 *   continuous optimum would lose it) and over each categorical's categories.
 * - Pending trials (running in other lanes, and earlier picks of the same batch) join the posterior
 *   with the mean of the values seen (the "CL-mean" constant liar of Ginsbourger et al.), which
 *   removes the expected improvement around them so parallel lanes spread out. Optuna's "best" liar
 *   leaves the acquisition flat at the incumbent's level there, and on a converged model the next
 *   lane then asks for a point a hair's breadth from the pending one (tested).
 * - The first `n_initial_points` (default 10) slots come from scrambled Sobol.
 *
 * Katib settings: `base_estimator` GP only (the tree surrogates RF/ET/GBRT are refused),
 * `n_initial_points`, `acq_func` gp_hedge/EI (both log EI), PI or LCB (EIps/PIps need a time model and
 * are refused), `acq_optimizer` auto/lbfgs (local search) or sampling (Sobol points only),
 * `random_state`.
 */
export const bayesianOptimization: SuggestionAlgorithm = {
  name: 'bayesianoptimization',
  validate: validateBayesOpt,
  suggest(input) {
    const initial = Number(input.settings.n_initial_points ?? 10);
    const slots = input.slots ?? Array.from({ length: input.count }, (_, i) => input.trials.length + i);
    const space = encodeSpace(input.parameters);
    const observed = input.trials.filter((t) => t.state !== 'pending' && t.state !== 'failed' && Number.isFinite(t.objectiveValue));
    const seen = new Set(input.trials.map((t) => assignmentKey(t.parameterAssignments)));
    const assignments: ParameterAssignment[][] = [];
    // Sobol for the initial design, and while the model has fewer than two observations.
    const pendingPoints: Float64Array[] = input.trials
      .filter((t) => t.state === 'pending')
      .map((t) => encode(space, t.parameterAssignments))
      .filter((x): x is Float64Array => x !== undefined);
    let model: Model | undefined | null;
    for (let i = 0; i < input.count; i++) {
      let pick: ParameterAssignment[] | undefined;
      if (slots[i]! < initial || observed.length < 2) {
        const [fromSobol] = sobol.suggest({
          ...input,
          settings: {},
          count: 1,
          slots: [slots[i]!],
          trials: [
            ...input.trials,
            ...assignments.map((a, k) => ({ name: `new-${k}`, parameterAssignments: a, state: 'pending' as const })),
          ],
        }).assignments;
        pick = fromSobol;
      } else {
        if (model === undefined) model = fitModel(space, input, observed) ?? null;
        const x = model ? maximizeAcquisition(space, model, pendingPoints, input, createRng(input.seed, slots[i]!, 0xb0)) : [];
        for (const candidate of x) {
          const a = decode(space, candidate);
          if (!seen.has(assignmentKey(a))) {
            pick = a;
            pendingPoints.push(candidate);
            break;
          }
        }
        pick ??= drawUnseen(input.parameters, seen, input.rng);
      }
      if (!pick) break;
      seen.add(assignmentKey(pick));
      assignments.push(pick);
    }
    return { assignments };
  },
};

interface EncodedDim {
  param: ParameterSpec;
  kind: 'continuous' | 'discrete' | 'categorical';
  log: boolean;
  low: number;
  high: number;
  /** Unit coordinates of the grid values (discrete) or category indexes (categorical). */
  values: number[];
  /** The parameter's values in the same order as `values`. */
  labels: string[];
}

function encodeSpace(parameters: ParameterSpec[]): EncodedDim[] {
  return parameters.map((param) => {
    if (param.parameterType === 'categorical' || param.parameterType === 'discrete') {
      const labels = gridValues(param);
      return { param, kind: 'categorical', log: false, low: 0, high: 0, values: labels.map((_, i) => i), labels };
    }
    const dist = param.feasibleSpace.distribution ?? 'uniform';
    const log = dist === 'logUniform' || dist === 'logNormal';
    const min = Number(param.feasibleSpace.min);
    const max = Number(param.feasibleSpace.max);
    const low = log ? Math.log(min) : min;
    const high = log ? Math.log(max) : max;
    const dim: EncodedDim = { param, kind: 'continuous', log, low, high, values: [], labels: [] };
    const n = cardinality(param);
    if (Number.isFinite(n) && n <= LINE_SEARCH_LIMIT) {
      dim.kind = 'discrete';
      dim.labels = gridValues(param);
      dim.values = dim.labels.map((v) => toUnit(dim, Number(v)));
    }
    return dim;
  });
}

function toUnit(dim: EncodedDim, value: number): number {
  if (dim.high === dim.low) return 0.5;
  const v = dim.log ? Math.log(value) : value;
  return (v - dim.low) / (dim.high - dim.low);
}

function encode(space: EncodedDim[], assignment: ParameterAssignment[]): Float64Array | undefined {
  const x = new Float64Array(space.length);
  for (const [d, dim] of space.entries()) {
    const value = assignment.find((a) => a.name === dim.param.name)?.value;
    if (value === undefined) return undefined;
    if (dim.kind === 'categorical') {
      const i = dim.labels.indexOf(value);
      if (i < 0) return undefined;
      x[d] = i;
    } else {
      const n = Number(value);
      if (!Number.isFinite(n) || (dim.log && n <= 0)) return undefined;
      x[d] = toUnit(dim, n);
    }
  }
  return x;
}

function decode(space: EncodedDim[], x: Float64Array): ParameterAssignment[] {
  return space.map((dim, d) => {
    const u = x[d]!;
    if (dim.kind !== 'continuous') return { name: dim.param.name, value: dim.labels[nearest(dim.values, u)]! };
    const t = dim.low + Math.min(1, Math.max(0, u)) * (dim.high - dim.low);
    return { name: dim.param.name, value: formatValue(dim.param, snap(dim.param, dim.log ? Math.exp(t) : t)) };
  });
}

function nearest(values: number[], u: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]! - u) < Math.abs(values[best]! - u)) best = i;
  return best;
}

/** Puts a point on the space: discrete inputs on their grid, continuous ones (and snapped ones) inside [0, 1]. */
function normalize(space: EncodedDim[], x: Float64Array): void {
  for (const [d, dim] of space.entries()) {
    if (dim.kind === 'discrete') x[d] = dim.values[nearest(dim.values, x[d]!)]!;
    else if (dim.kind === 'continuous') x[d] = Math.min(1, Math.max(0, x[d]!));
  }
}

interface Model {
  gp: GaussianProcess;
  x: Float64Array[];
  y: Float64Array;
  best: number;
  /** The incumbent's point. */
  incumbent: Float64Array;
  categorical: boolean[];
}

/** The model of the observations, or undefined when no kernel matrix could be factored (random then). */
function fitModel(space: EncodedDim[], input: SuggestInput, observed: SuggestInput['trials']): Model | undefined {
  try {
    return fitModelOrThrow(space, input, observed);
  } catch {
    return undefined;
  }
}

function fitModelOrThrow(space: EncodedDim[], input: SuggestInput, observed: SuggestInput['trials']): Model {
  const sign = input.objective.type === 'maximize' ? -1 : 1;
  const points: Float64Array[] = [];
  const raw: number[] = [];
  for (const t of observed) {
    const x = encode(space, t.parameterAssignments);
    if (!x) continue;
    points.push(x);
    raw.push(sign * t.objectiveValue!);
  }
  // Failed trials: the worst value seen.
  const worst = Math.max(...raw);
  for (const t of input.trials) {
    if (t.state !== 'failed') continue;
    const x = encode(space, t.parameterAssignments);
    if (!x) continue;
    points.push(x);
    raw.push(worst);
  }
  // Two candidate models: the values as they are, and Box-Cox warped; the one with the higher
  // evidence (MAP marginal likelihood, with the warping's Jacobian) wins. Both fits start from the
  // default point: starting the second from the first one's optimum saved a fifth of the time but
  // found worse optima on Levy-10 (median log10 regret 0.57 against 0.44 at 100 trials).
  const categorical = space.map((d) => d.kind === 'categorical');
  let chosen: { y: Float64Array; hyper: GpHyperparameters; score: number } | undefined;
  for (const warp of [identityWarp(raw), boxCoxWarp(raw)]) {
    if (!warp) continue;
    const mean = warp.values.reduce((a, b) => a + b, 0) / warp.values.length;
    const std = Math.sqrt(warp.values.reduce((a, b) => a + (b - mean) ** 2, 0) / warp.values.length) || 1;
    const y = Float64Array.from(warp.values, (v) => (v - mean) / std);
    const hyper = fitGp(points, y, categorical);
    const score = -hyper.negativeLogPosterior + warp.logJacobian - y.length * Math.log(std);
    if (!chosen || score > chosen.score) chosen = { y, hyper, score };
  }
  const { y, hyper } = chosen!;
  let bestIndex = 0;
  for (let i = 1; i < y.length; i++) if (y[i]! < y[bestIndex]!) bestIndex = i;
  return {
    gp: new GaussianProcess(points, y, categorical, hyper),
    x: points,
    y,
    best: y[bestIndex]!,
    incumbent: points[bestIndex]!,
    categorical,
  };
}

type Acquisition = (x: Float64Array, grad?: Float64Array) => number;

/** The acquisition to maximize, with the gradient over the continuous inputs. */
function acquisition(gp: GaussianProcess, best: number, kind: string): Acquisition {
  const dMean = new Float64Array(gp.dims);
  const dVariance = new Float64Array(gp.dims);
  return (x, grad) => {
    const { mean, variance } = grad ? gp.predict(x, dMean, dVariance) : gp.predict(x);
    const sigma = Math.sqrt(variance);
    if (kind === 'LCB') {
      if (grad) for (let d = 0; d < gp.dims; d++) grad[d] = -dMean[d]! + (LCB_KAPPA * dVariance[d]!) / (2 * sigma);
      return -(mean - LCB_KAPPA * sigma);
    }
    const z = (best - mean) / sigma;
    let value: number;
    let dz: number;
    let dLogSigma = 0;
    if (kind === 'PI') {
      const cdf = Math.max(normalCdf(z), 1e-300);
      value = Math.log(cdf);
      dz = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / cdf;
    } else {
      const h = logH(z);
      value = Math.log(sigma) + h.value;
      dz = h.derivative;
      dLogSigma = 1;
    }
    if (grad) {
      for (let d = 0; d < gp.dims; d++) {
        const dSigma = dVariance[d]! / (2 * sigma);
        const dzd = -dMean[d]! / sigma - (z * dSigma) / sigma;
        grad[d] = dz * dzd + (dLogSigma * dSigma) / sigma;
      }
    }
    return value;
  };
}

/** Candidate points, best acquisition first. */
function maximizeAcquisition(space: EncodedDim[], model: Model, pending: Float64Array[], input: SuggestInput, rng: Rng): Float64Array[] {
  // Pending points join the posterior at the mean (0 after standardizing); the hyperparameters stay.
  const gp =
    pending.length === 0
      ? model.gp
      : new GaussianProcess(
          [...model.x, ...pending],
          Float64Array.from([...model.y, ...pending.map(() => 0)]),
          model.categorical,
          model.gp.hyper,
        );
  const acq = acquisition(gp, model.best, input.settings.acq_func ?? 'gp_hedge');
  const generator = sobolGenerator(space.length, rng);
  const offset = rng.int(1 << 20);
  const incumbent = { x: Float64Array.from(model.incumbent), value: acq(model.incumbent) };
  const candidates: { x: Float64Array; value: number }[] = [incumbent];
  for (let i = 0; i < RAW_SAMPLES; i++) {
    const u = generator(offset + i);
    const x = new Float64Array(space.length);
    for (const [d, dim] of space.entries()) x[d] = dim.kind === 'categorical' ? Math.floor(u[d]! * dim.values.length) : u[d]!;
    normalize(space, x);
    candidates.push({ x, value: acq(x) });
  }
  candidates.sort((a, b) => b.value - a.value);
  if (input.settings.acq_optimizer === 'sampling') return candidates.map((c) => c.x);
  // The best samples and the incumbent start local searches.
  const starts = candidates.slice(0, LOCAL_STARTS);
  if (!starts.includes(incumbent)) starts.push(incumbent);
  const refined = starts.map((s) => localSearch(space, acq, s.x, s.value));
  refined.sort((a, b) => b.value - a.value);
  return [...refined.map((r) => r.x), ...candidates.map((c) => c.x)];
}

/** Alternates L-BFGS over the continuous inputs with a line search over each discrete one. */
function localSearch(space: EncodedDim[], acq: Acquisition, start: Float64Array, startValue: number): { x: Float64Array; value: number } {
  const x = Float64Array.from(start);
  let value = startValue;
  const continuous = space.flatMap((d, i) => (d.kind === 'continuous' ? [i] : []));
  const full = new Float64Array(space.length);
  for (let round = 0; round < 5; round++) {
    const before = value;
    if (continuous.length > 0) {
      const sub = Float64Array.from(continuous, (i) => x[i]!);
      const probe = Float64Array.from(x);
      const result = minimizeLbfgs(
        (v, grad) => {
          for (const [k, i] of continuous.entries()) probe[i] = v[k]!;
          const a = acq(probe, full);
          for (const [k, i] of continuous.entries()) grad[k] = -full[i]!;
          return -a;
        },
        sub,
        { lower: 0, upper: 1, maxIterations: 100, gradientTolerance: 1e-5 },
      );
      if (-result.value > value) {
        for (const [k, i] of continuous.entries()) x[i] = result.x[k]!;
        value = -result.value;
      }
    }
    for (const [d, dim] of space.entries()) {
      if (dim.kind === 'continuous') continue;
      const keep = x[d]!;
      let bestValue = value;
      let bestChoice = keep;
      for (const candidate of dim.values) {
        if (candidate === keep) continue;
        x[d] = candidate;
        const a = acq(x);
        if (a > bestValue) {
          bestValue = a;
          bestChoice = candidate;
        }
      }
      x[d] = bestChoice;
      value = bestValue;
    }
    if (value - before < 1e-6) break;
  }
  return { x, value };
}

function validateBayesOpt(spec: ExperimentSpec): FieldIssue[] {
  const settings = spec.algorithm.algorithmSettings ?? [];
  const issues = checkSettings(settings, {
    base_estimator: { kind: 'enum', values: ['GP'] },
    n_initial_points: { kind: 'int', min: 0 },
    acq_func: { kind: 'enum', values: ['gp_hedge', 'EI', 'PI', 'LCB'] },
    acq_optimizer: { kind: 'enum', values: ['auto', 'lbfgs', 'sampling'] },
    random_state: { kind: 'int', min: 0 },
  });
  // Say why Katib's other values are refused, not just that they are.
  for (const issue of issues) {
    if (/base_estimator/.test(issue.message)) issue.message += '; the tree surrogates RF, ET and GBRT are not offered: use GP or tpe';
    if (/acq_func/.test(issue.message)) issue.message += '; EIps and PIps need a model of trial time, which Tunestep does not fit';
  }
  return issues;
}

interface Warp {
  values: number[];
  /** Sum of log |dw/dy| over the values. */
  logJacobian: number;
}

const identityWarp = (values: number[]): Warp => ({ values, logJacobian: 0 });

/**
 * Box-Cox output warping (HEBO's idea): shifts the values to be positive and picks the exponent
 * lambda in [-1, 2] that makes them most Gaussian by the Box-Cox likelihood. Order is kept, so the
 * incumbent stays the incumbent; skewed objectives (a flat valley under steep walls, Rosenbrock's)
 * stop drowning the valley's differences in the walls' variance. Undefined for constant values.
 */
function boxCoxWarp(values: number[]): Warp | undefined {
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (!(max > min)) return undefined;
  const shifted = values.map((v) => v - min + 0.01 * (max - min));
  const logSum = shifted.reduce((a, v) => a + Math.log(v), 0);
  const transform = (v: number, lambda: number) => (Math.abs(lambda) < 1e-9 ? Math.log(v) : (v ** lambda - 1) / lambda);
  let bestLambda = 1;
  let bestLikelihood = Number.NEGATIVE_INFINITY;
  for (let k = -10; k <= 20; k++) {
    const lambda = k / 10;
    const t = shifted.map((v) => transform(v, lambda));
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const variance = t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length;
    if (!(variance > 0)) continue;
    const likelihood = -0.5 * t.length * Math.log(variance) + (lambda - 1) * logSum;
    if (likelihood > bestLikelihood) {
      bestLikelihood = likelihood;
      bestLambda = lambda;
    }
  }
  return { values: shifted.map((v) => transform(v, bestLambda)), logJacobian: (bestLambda - 1) * logSum };
}
