import type { ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { normalCdf, normalQuantile } from './normal.js';
import type { Rng } from './rng.js';

/** Decimal places of a numeric string (`"0.005"` -> 3), used to print values on a step's grid. */
export function decimalsOf(text: string | undefined): number {
  if (!text) return 0;
  const lower = text.toLowerCase();
  const exp = lower.includes('e') ? Number(lower.split('e')[1]) : 0;
  const frac = lower.split('e')[0]!.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - exp);
}

/** Formats a parameter value as Katib's string: ints plainly, doubles rounded to the step or 12 digits. */
export function formatValue(param: ParameterSpec, value: number): string {
  if (param.parameterType === 'int') return String(Math.round(value));
  const { step } = param.feasibleSpace;
  if (step) return value.toFixed(Math.max(decimalsOf(step), decimalsOf(param.feasibleSpace.min)));
  return String(Number(value.toPrecision(12)));
}

/** Puts a number on the parameter's grid (`min + k * step`) and inside [min, max]. */
export function snap(param: ParameterSpec, value: number): number {
  const min = Number(param.feasibleSpace.min);
  const max = Number(param.feasibleSpace.max);
  const stepText = param.feasibleSpace.step ?? (param.parameterType === 'int' ? '1' : undefined);
  let v = Math.min(max, Math.max(min, value));
  if (stepText) {
    const step = Number(stepText);
    const k = Math.round((v - min) / step);
    v = min + k * step;
    if (v > max + 1e-12) v -= step;
  }
  return param.parameterType === 'int' ? Math.round(v) : v;
}

/** Samples one value of a numeric parameter from its declared distribution, truncated to [min, max]. */
export function sampleNumeric(param: ParameterSpec, rng: Rng): number {
  const min = Number(param.feasibleSpace.min);
  const max = Number(param.feasibleSpace.max);
  const isInt = param.parameterType === 'int';
  // Ints widen by half a unit each side so that both ends are as likely as the inner values.
  const lo = isInt ? min - 0.5 : min;
  const hi = isInt ? max + 0.5 : max;
  const dist = param.feasibleSpace.distribution ?? 'uniform';
  let x: number;
  switch (dist) {
    case 'uniform':
      x = lo + rng.next() * (hi - lo);
      break;
    case 'logUniform': {
      const a = Math.log(Math.max(lo, isInt ? 0.5 : Number.MIN_VALUE));
      x = Math.exp(a + rng.next() * (Math.log(hi) - a));
      break;
    }
    case 'normal':
    case 'logNormal': {
      // As hyperopt: mean at the centre, sigma a sixth of the range (in log space for logNormal);
      // unlike hyperopt we resample outside [min, max] so the feasible space is honoured.
      const log = dist === 'logNormal';
      const a = log ? Math.log(Math.max(lo, isInt ? 0.5 : Number.MIN_VALUE)) : lo;
      const b = log ? Math.log(hi) : hi;
      const mu = (a + b) / 2;
      const sigma = (b - a) / 6;
      let y = mu;
      for (let i = 0; i < 100; i++) {
        y = mu + sigma * rng.normal();
        if (y >= a && y <= b) break;
        y = mu;
      }
      x = log ? Math.exp(y) : y;
      break;
    }
  }
  return snap(param, x);
}

/** Samples a whole assignment, each parameter independently from its prior. */
export function sampleAssignment(params: ParameterSpec[], rng: Rng): ParameterAssignment[] {
  return params.map((p) => {
    if (p.parameterType === 'categorical' || p.parameterType === 'discrete') {
      const list = p.feasibleSpace.list ?? [];
      return { name: p.name, value: String(list[rng.int(list.length)]) };
    }
    return { name: p.name, value: formatValue(p, sampleNumeric(p, rng)) };
  });
}

/** A canonical key of an assignment, for duplicate detection. */
export function assignmentKey(assignment: ParameterAssignment[]): string {
  // Names usually come in a sorted or fixed order; sort only when they do not (this runs for every
  // trial on every suggestion).
  let sorted = true;
  for (let i = 1; i < assignment.length && sorted; i++) sorted = assignment[i - 1]!.name <= assignment[i]!.name;
  const parts = assignment.map((a) => `${a.name}=${a.value}`);
  return (sorted ? parts : parts.sort()).join('\u0000');
}

/** The number of distinct values of a parameter, or Infinity for a continuous one. */
export function cardinality(param: ParameterSpec): number {
  if (param.parameterType === 'categorical' || param.parameterType === 'discrete') {
    return new Set(param.feasibleSpace.list ?? []).size;
  }
  const stepText = param.feasibleSpace.step ?? (param.parameterType === 'int' ? '1' : undefined);
  if (!stepText) return Number.POSITIVE_INFINITY;
  const min = Number(param.feasibleSpace.min);
  const max = Number(param.feasibleSpace.max);
  return Math.floor((max - min) / Number(stepText) + 1e-9) + 1;
}

/** The values of one parameter on the grid: `min, min+step, ...` up to max (numpy's arange, as Katib). */
export function gridValues(param: ParameterSpec): string[] {
  if (param.parameterType === 'categorical' || param.parameterType === 'discrete') {
    return [...new Set(param.feasibleSpace.list ?? [])];
  }
  const n = cardinality(param);
  const min = Number(param.feasibleSpace.min);
  const step = Number(param.feasibleSpace.step ?? '1');
  return Array.from({ length: n }, (_, k) => formatValue(param, min + k * step));
}

/** Above this many points a space is not enumerated to find what is left. */
const ENUMERATION_LIMIT = 100_000;

/**
 * A draw from the prior that no trial has taken. Random draws first; in a finite space that is nearly
 * used up (draws keep hitting taken points), a uniform pick among the points left, so that no
 * assignment repeats while the space has others. Undefined when every point is taken.
 */
export function drawUnseen(params: ParameterSpec[], seen: ReadonlySet<string>, rng: Rng): ParameterAssignment[] | undefined {
  for (let draw = 0; draw < 50; draw++) {
    const candidate = sampleAssignment(params, rng);
    if (!seen.has(assignmentKey(candidate))) return candidate;
  }
  const size = params.reduce((n, p) => n * cardinality(p), 1);
  if (size > ENUMERATION_LIMIT) return sampleAssignment(params, rng);
  const axes = params.map(gridValues);
  const left: ParameterAssignment[][] = [];
  for (let index = 0; index < size; index++) {
    let rest = index;
    const point = params.map((p, d) => {
      const axis = axes[d]!;
      const value = axis[rest % axis.length]!;
      rest = Math.floor(rest / axis.length);
      return { name: p.name, value };
    });
    if (!seen.has(assignmentKey(point))) left.push(point);
  }
  return left.length > 0 ? left[rng.int(left.length)] : undefined;
}

/**
 * Maps a number in [0, 1) to a value of the parameter through its prior's inverse CDF: the same
 * distribution `sampleAssignment` draws from, for quasi-random points (Sobol). Ints and stepped
 * doubles get equal-width cells per grid value; categoricals one cell per entry.
 */
export function valueAtQuantile(param: ParameterSpec, u: number): string {
  const q = Math.min(1 - 1e-12, Math.max(0, u));
  if (param.parameterType === 'categorical' || param.parameterType === 'discrete') {
    const list = [...new Set((param.feasibleSpace.list ?? []).map(String))];
    return list[Math.floor(q * list.length)]!;
  }
  const min = Number(param.feasibleSpace.min);
  const max = Number(param.feasibleSpace.max);
  const isInt = param.parameterType === 'int';
  const dist = param.feasibleSpace.distribution ?? 'uniform';
  const log = dist === 'logUniform' || dist === 'logNormal';
  const n = cardinality(param);
  if (!log && Number.isFinite(n) && dist === 'uniform') {
    return gridValues(param)[Math.floor(q * n)]!;
  }
  const lo = log ? Math.log(Math.max(isInt ? min - 0.5 : min, isInt ? 0.5 : Number.MIN_VALUE)) : isInt ? min - 0.5 : min;
  const hi = log ? Math.log(isInt ? max + 0.5 : max) : isInt ? max + 0.5 : max;
  let y: number;
  if (dist === 'normal' || dist === 'logNormal') {
    // Katib's normal: centred, sigma a sixth of the range, truncated to the range.
    const mu = (lo + hi) / 2;
    const sigma = (hi - lo) / 6;
    const a = normalCdf(-3);
    y = mu + sigma * normalQuantile(a + q * (1 - 2 * a));
  } else {
    y = lo + q * (hi - lo);
  }
  return formatValue(param, snap(param, log ? Math.exp(y) : y));
}

/** An assignment without the resource parameter: the configuration ASHA and Hyperband promote. */
export const configOf = (resource: string, assignment: ParameterAssignment[]): ParameterAssignment[] =>
  assignment.filter((p) => p.name !== resource);

/** A configuration with the resource parameter set to `value`, in the parameters' order. */
export function withResource(
  parameters: ParameterSpec[],
  resource: string,
  config: ParameterAssignment[],
  value: string,
): ParameterAssignment[] {
  const byName = new Map(config.map((a) => [a.name, a.value]));
  byName.set(resource, value);
  return parameters.map((p) => ({ name: p.name, value: byName.get(p.name)! }));
}
