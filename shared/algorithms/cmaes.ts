import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { normalQuantile } from './normal.js';
import { createRng, type Rng } from './rng.js';
import { checkSettings } from './settings.js';
import { assignmentKey, cardinality, drawUnseen, formatValue, gridValues, sampleAssignment, snap } from './space.js';
import type { SuggestInput, SuggestionAlgorithm } from './types.js';

/**
 * CMA-ES (Hansen's standard parameters, "The CMA Evolution Strategy: A Tutorial", 2016), as Katib's
 * `cmaes` (goptuna) and Optuna's CmaEsSampler run it. Hand-written: it is the product; the
 * eigendecomposition comes from ml-matrix.
 *
 * Stateless between calls: the state is rebuilt by replaying the trials in slot order, lambda at a time,
 * one generation per complete batch (a failed trial counts as the worst). New suggestions are drawn
 * from the state after the last complete generation, so lanes that run ahead of a generation draw from
 * the latest distribution instead of waiting (CMA-ES tolerates such injected solutions; their steps
 * are clipped).
 *
 * - Numeric parameters live in [0, 1] (log scale for log distributions); the mean starts at the centre
 *   and sigma at `sigma` (default 1/6 of the range, Optuna's choice). Samples outside the box are
 *   redrawn, then clipped; ints and steps are snapped.
 * - Categorical and discrete parameters are drawn independently from their prior, as Optuna does
 *   (Katib's goptuna backend needs two numeric parameters; so does this).
 * - Ints and stepped doubles get a margin (CMA-ES with margin, Hamano et al. 2022; `margin: "false"`
 *   turns it off): the chance of a sample leaving the mean's cell stays at least 1/(n lambda).
 * - `restart_strategy`: `none` (default), `ipop` (a restart doubles lambda, from a random mean) or
 *   `bipop` (alternates ipop's large populations with small ones at a smaller sigma). A restart happens
 *   when sigma collapses, the generation's values are flat, or the covariance is ill-conditioned.
 */
export const cmaes: SuggestionAlgorithm = {
  name: 'cmaes',
  validate: validateCmaes,
  suggest(input) {
    const numeric = input.parameters.filter(isNumeric);
    const others = input.parameters.filter((p) => !isNumeric(p));
    const state = replay(input, numeric);
    const seen = new Set(input.trials.map((t) => assignmentKey(t.parameterAssignments)));
    const assignments: ParameterAssignment[][] = [];
    for (let i = 0; i < input.count; i++) {
      const slot = input.trials.length + i;
      let pick: ParameterAssignment[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        const rng = createRng(input.seed, slot, attempt);
        const x = sampleX(state, rng);
        const byName = new Map<string, string>();
        for (const [d, p] of numeric.entries()) byName.set(p.name, fromUnit(p, x[d]!));
        for (const a of sampleAssignment(others, rng)) byName.set(a.name, a.value);
        pick = input.parameters.map((p) => ({ name: p.name, value: byName.get(p.name)! }));
        if (!seen.has(assignmentKey(pick))) break;
      }
      // Converged onto points already tried in a small discrete space: take one not tried yet.
      if (seen.has(assignmentKey(pick))) pick = drawUnseen(input.parameters, seen, createRng(input.seed, slot, 0x5eed)) ?? pick;
      seen.add(assignmentKey(pick));
      assignments.push(pick);
    }
    return { assignments };
  },
};

const isNumeric = (p: ParameterSpec) => p.parameterType === 'double' || p.parameterType === 'int';

function logScale(p: ParameterSpec): boolean {
  const d = p.feasibleSpace.distribution ?? 'uniform';
  return d === 'logUniform' || d === 'logNormal';
}

function toUnit(p: ParameterSpec, value: string): number {
  const lo = Number(p.feasibleSpace.min);
  const hi = Number(p.feasibleSpace.max);
  const v = Number(value);
  if (hi === lo) return 0.5;
  return logScale(p) ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
}

function fromUnit(p: ParameterSpec, u: number): string {
  const lo = Number(p.feasibleSpace.min);
  const hi = Number(p.feasibleSpace.max);
  const c = Math.min(1, Math.max(0, u));
  const v = logScale(p) ? Math.exp(Math.log(lo) + c * (Math.log(hi) - Math.log(lo))) : lo + c * (hi - lo);
  return formatValue(p, snap(p, v));
}

interface CmaState {
  n: number;
  mean: number[];
  sigma: number;
  C: number[][];
  B: number[][];
  D: number[];
  pc: number[];
  ps: number[];
  lambda: number;
  generation: number;
  /** The margin's diagonal scaling per dimension (1 for continuous ones): samples are m + sigma A B D z. */
  A: number[];
  /** Cell boundaries in unit coordinates of each int/stepped dimension (empty for continuous ones). */
  cells: number[][];
  /** The margin: the least probability of leaving the current cell (0: no margin). */
  alpha: number;
}

function strategyParameters(n: number, lambda: number) {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / sum);
  const muEff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const cs = (muEff + 2) / (n + muEff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { mu, weights, muEff, cc, cs, c1, cmu, damps, chiN };
}

function freshState(n: number, lambda: number, sigma: number, mean: number[], cells: number[][] = [], alpha = 0): CmaState {
  const identity = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  return {
    n,
    mean,
    sigma,
    C: identity.map((r) => [...r]),
    B: identity.map((r) => [...r]),
    D: Array(n).fill(1),
    pc: Array(n).fill(0),
    ps: Array(n).fill(0),
    lambda,
    generation: 0,
    A: Array(n).fill(1),
    cells,
    alpha,
  };
}

/** Boundaries between neighbouring values of an int or stepped parameter, in unit coordinates. */
function cellBoundaries(p: ParameterSpec): number[] {
  const count = cardinality(p);
  if (!Number.isFinite(count) || count < 2 || count > 10_000) return [];
  const values = gridValues(p).map((v) => toUnit(p, v));
  return values.slice(1).map((v, i) => (v + values[i]!) / 2);
}

/**
 * CMA-ES with margin (Hamano et al., "CMA-ES with Margin", GECCO 2022), simplified: for each int or
 * stepped dimension, the probability that a sample leaves the cell the mean is in (through its nearer
 * boundary) is kept at least alpha by widening that dimension's scaling A. Without it, sigma shrinks
 * until every sample rounds to the same integer and the search stalls on a plateau.
 */
function applyMargin(s: CmaState): void {
  if (s.alpha <= 0) return;
  const z = normalQuantile(1 - s.alpha);
  for (let d = 0; d < s.n; d++) {
    const bounds = s.cells[d];
    if (!bounds || bounds.length === 0) continue;
    const m = s.mean[d]!;
    let lower = Number.NEGATIVE_INFINITY;
    let upper = Number.POSITIVE_INFINITY;
    for (const b of bounds) {
      if (b <= m) lower = b;
      else {
        upper = b;
        break;
      }
    }
    const nearest = Math.min(m - lower, upper - m);
    const spread = s.sigma * Math.sqrt(Math.max(s.C[d]![d]!, 1e-300));
    s.A[d] = Math.max(1, nearest / (spread * z));
  }
}

/** Rebuilds the state from every complete generation of trials, restarts included. */
function replay(input: SuggestInput, numeric: ParameterSpec[]): CmaState {
  const n = numeric.length;
  const lambda0 = 4 + Math.floor(3 * Math.log(n));
  const sigma0 = Number(input.settings.sigma ?? 1 / 6);
  const strategy = input.settings.restart_strategy ?? 'none';
  const cells = numeric.map(cellBoundaries);
  const margin = input.settings.margin === 'false' || cells.every((c) => c.length === 0) ? 0 : undefined;
  // The margin's alpha: 1 / (n lambda), the paper's recommendation.
  const alphaFor = (lambda: number) => margin ?? 1 / (n * lambda);
  let state = freshState(n, lambda0, sigma0, Array(n).fill(0.5), cells, alphaFor(lambda0));
  const sign = input.objective.type === 'minimize' ? 1 : -1;
  let restarts = 0;
  let largeLambda = lambda0;
  let cursor = 0;
  while (cursor + state.lambda <= input.trials.length) {
    const batch = input.trials.slice(cursor, cursor + state.lambda);
    if (batch.some((t) => t.state === 'pending')) break;
    cursor += state.lambda;
    const xs = batch.map((t) => numeric.map((p) => toUnit(p, t.parameterAssignments.find((a) => a.name === p.name)?.value ?? '0')));
    const fs = batch.map((t) =>
      t.state === 'succeeded' && t.objectiveValue !== undefined ? sign * t.objectiveValue : Number.POSITIVE_INFINITY,
    );
    update(state, xs, fs);
    if (strategy !== 'none' && shouldRestart(state, fs)) {
      restarts++;
      const rng = createRng(input.seed, 0x7265, restarts);
      const mean = Array.from({ length: n }, () => rng.next());
      if (strategy === 'bipop' && restarts % 2 === 0) {
        // BIPOP's small regime: a population between lambda0 and half the large one, a smaller sigma.
        const u = rng.next();
        const small = Math.max(lambda0, Math.floor(lambda0 * (largeLambda / (2 * lambda0)) ** (u * u)));
        state = freshState(n, small, sigma0 * 10 ** (-2 * rng.next()), mean, cells, alphaFor(small));
      } else {
        largeLambda *= 2;
        state = freshState(n, largeLambda, sigma0, mean, cells, alphaFor(largeLambda));
      }
    }
  }
  return state;
}

function update(s: CmaState, xs: number[][], fs: number[]): void {
  const { n } = s;
  const p = strategyParameters(n, s.lambda);
  const order = fs.map((_, i) => i).sort((a, b) => fs[a]! - fs[b]!);
  // Steps of the selected solutions, clipped so that injected or repaired solutions cannot blow up C.
  const limit = Math.sqrt(n) * 4;
  const ys = order.slice(0, p.mu).map((i) => {
    const y = xs[i]!.map((x, d) => (x - s.mean[d]!) / (s.sigma * s.A[d]!));
    const norm = Math.hypot(...invSqrtC(s, y));
    return norm > limit ? y.map((v) => (v * limit) / norm) : y;
  });
  const yw = Array.from({ length: n }, (_, d) => ys.reduce((a, y, k) => a + p.weights[k]! * y[d]!, 0));
  s.mean = s.mean.map((m, d) => m + s.sigma * s.A[d]! * yw[d]!);
  const cInvY = invSqrtC(s, yw);
  s.ps = s.ps.map((v, d) => (1 - p.cs) * v + Math.sqrt(p.cs * (2 - p.cs) * p.muEff) * cInvY[d]!);
  const psNorm = Math.hypot(...s.ps);
  const hsig = psNorm / Math.sqrt(1 - (1 - p.cs) ** (2 * (s.generation + 1))) / p.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
  s.pc = s.pc.map((v, d) => (1 - p.cc) * v + hsig * Math.sqrt(p.cc * (2 - p.cc) * p.muEff) * yw[d]!);
  const deltaH = (1 - hsig) * p.cc * (2 - p.cc);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let rankMu = 0;
      for (let k = 0; k < ys.length; k++) rankMu += p.weights[k]! * ys[k]![i]! * ys[k]![j]!;
      const c = (1 - p.c1 - p.cmu) * s.C[i]![j]! + p.c1 * (s.pc[i]! * s.pc[j]! + deltaH * s.C[i]![j]!) + p.cmu * rankMu;
      s.C[i]![j] = c;
      s.C[j]![i] = c;
    }
  }
  s.sigma *= Math.exp(Math.min(1, (p.cs / p.damps) * (psNorm / p.chiN - 1)));
  s.generation++;
  decompose(s);
  applyMargin(s);
}

/** B and D from C (C = B diag(D^2) B^T), by ml-matrix's symmetric eigendecomposition. */
function decompose(s: CmaState): void {
  const evd = new EigenvalueDecomposition(new Matrix(s.C), { assumeSymmetric: true });
  s.D = evd.realEigenvalues.map((v) => Math.sqrt(Math.max(v, 1e-20)));
  s.B = evd.eigenvectorMatrix.to2DArray();
}

/** C^(-1/2) y = B diag(1/D) B^T y. */
function invSqrtC(s: CmaState, y: number[]): number[] {
  const { n, B, D } = s;
  const t = Array.from({ length: n }, (_, k) => y.reduce((a, v, i) => a + B[i]![k]! * v, 0) / D[k]!);
  return Array.from({ length: n }, (_, i) => t.reduce((a, v, k) => a + B[i]![k]! * v, 0));
}

function shouldRestart(s: CmaState, fs: number[]): boolean {
  const finite = fs.filter(Number.isFinite);
  const flat = finite.length > 1 && Math.max(...finite) - Math.min(...finite) < 1e-12;
  const collapsed = s.sigma * Math.max(...s.D) < 1e-12;
  const illConditioned = (Math.max(...s.D) / Math.min(...s.D)) ** 2 > 1e14;
  return flat || collapsed || illConditioned;
}

/** A draw from N(mean, sigma^2 C) inside the unit box: redrawn up to 10 times, then clipped. */
function sampleX(s: CmaState, rng: Rng): number[] {
  let x: number[] = [];
  for (let tries = 0; tries < 10; tries++) {
    const z = Array.from({ length: s.n }, () => rng.normal());
    const bdz = Array.from({ length: s.n }, (_, i) => s.B[i]!.reduce((a, b, k) => a + b * s.D[k]! * z[k]!, 0));
    x = s.mean.map((m, i) => m + s.sigma * s.A[i]! * bdz[i]!);
    if (x.every((v) => v >= 0 && v <= 1)) return x;
  }
  return x.map((v) => Math.min(1, Math.max(0, v)));
}

function validateCmaes(spec: ExperimentSpec): FieldIssue[] {
  const issues = checkSettings(spec.algorithm.algorithmSettings, {
    random_state: { kind: 'int', min: 0 },
    sigma: { kind: 'float', min: 0, minExclusive: true },
    restart_strategy: { kind: 'enum', values: ['none', 'ipop', 'bipop'] },
    margin: { kind: 'enum', values: ['true', 'false'] },
  });
  const numeric = (spec.parameters ?? []).filter(isNumeric).length;
  if (numeric < 2) {
    issues.push({ path: 'spec.parameters', message: `cmaes needs at least 2 double or int parameters (got ${numeric}), as Katib's` });
  }
  return issues;
}

/** For tests: the state the next suggestion is drawn from. */
export function cmaesState(input: SuggestInput): { generation: number; lambda: number; sigma: number; mean: number[]; A: number[] } {
  const s = replay(input, input.parameters.filter(isNumeric));
  return { generation: s.generation, lambda: s.lambda, sigma: s.sigma, mean: s.mean, A: s.A };
}
