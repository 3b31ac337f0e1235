/**
 * Limited-memory BFGS with optional box bounds (projected directions, backtracking along the projected
 * path), for the Gaussian process: fitting its hyperparameters and maximizing the acquisition function.
 * Hand-written because no well-kept npm package offers L-BFGS(-B); the linear algebra it needs is a
 * handful of dot products.
 */

/** Writes the gradient into `grad` and returns the value to minimize. */
export type ValueAndGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations?: number;
  /** Stop when the largest projected gradient component is below this. */
  gradientTolerance?: number;
  memory?: number;
  lower?: number;
  upper?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
}

export function minimizeLbfgs(fg: ValueAndGradient, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const { maxIterations = 100, gradientTolerance = 1e-5, memory = 8 } = options;
  const lower = options.lower ?? Number.NEGATIVE_INFINITY;
  const upper = options.upper ?? Number.POSITIVE_INFINITY;
  const project = (v: Float64Array) => {
    for (let i = 0; i < n; i++) v[i] = Math.min(upper, Math.max(lower, v[i]!));
  };
  const x = Float64Array.from(x0);
  project(x);
  let g = new Float64Array(n);
  let f = fg(x, g);
  if (!Number.isFinite(f)) return { x, value: f, iterations: 0 };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rhos: number[] = [];
  const d = new Float64Array(n);
  const alphas = new Float64Array(memory);
  const free = new Uint8Array(n);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Variables held at a bound by the gradient are fixed for this step.
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLower = x[i]! <= lower && g[i]! > 0;
      const atUpper = x[i]! >= upper && g[i]! < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < gradientTolerance) break;

    // Two-loop recursion on the free variables.
    for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i]! : 0;
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = rhos[k]! * dotFree(ss[k]!, d, free);
      alphas[k] = a;
      for (let i = 0; i < n; i++) if (free[i]) d[i]! -= a * ys[k]![i]!;
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma = dotFree(ss[last]!, ys[last]!, free) / Math.max(dotFree(ys[last]!, ys[last]!, free), 1e-300);
      if (gamma > 0) for (let i = 0; i < n; i++) d[i]! *= gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const b = rhos[k]! * dotFree(ys[k]!, d, free);
      for (let i = 0; i < n; i++) if (free[i]) d[i]! += ss[k]![i]! * (alphas[k]! - b);
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += g[i]! * d[i]!;
    if (!(slope < 0)) {
      // Not a descent direction: forget the curvature pairs and take the steepest descent.
      ss.length = 0;
      ys.length = 0;
      rhos.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = free[i] ? -g[i]! : 0;
        slope -= d[i]! * d[i]!;
      }
    }

    // Backtracking along the projected path (Armijo).
    let t = ss.length === 0 ? Math.min(1, 1 / Math.max(pgMax, 1e-12)) : 1;
    const xNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let fNew = Number.NaN;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + t * d[i]!;
      project(xNew);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += g[i]! * (xNew[i]! - x[i]!);
      fNew = fg(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * Math.min(decrease, 0)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let moved = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
      sy += s[i]! * y[i]!;
      moved = Math.max(moved, Math.abs(s[i]!));
    }
    const change = f - fNew;
    x.set(xNew);
    g = gNew;
    f = fNew;
    if (sy > 1e-12) {
      ss.push(s);
      ys.push(y);
      rhos.push(1 / sy);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
    }
    if (moved < 1e-12 || change <= 1e-12 * Math.max(1, Math.abs(f))) break;
  }
  return { x, value: f, iterations };
}

function dotFree(a: Float64Array, b: Float64Array, free: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (free[i]) s += a[i]! * b[i]!;
  return s;
}
