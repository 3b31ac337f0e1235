import type { FieldIssue } from '../errors.js';
import type { ParameterAssignment } from '../spec/types.js';
import { createRng, hashString, type Rng } from './rng.js';
import { checkSettings } from './settings.js';
import { JOE_KUO_DIRECTIONS } from './sobol-directions.js';
import { assignmentKey, drawUnseen, valueAtQuantile } from './space.js';
import type { SuggestionAlgorithm } from './types.js';

/** The table's entries, one per dimension from the second on. */
const ENTRIES = JOE_KUO_DIRECTIONS.flatMap((line) => line.split(' '));
/** Dimensions the shipped direction numbers cover (the first needs no entry). */
export const SOBOL_MAX_DIMENSIONS = ENTRIES.length + 1;
const BITS = 32;

/**
 * Scrambled Sobol sequence (Katib's `sobol`, goptuna's sampler there; Optuna's QMCSampler). Point n of
 * the sequence is the trial in slot n: stateless, and lanes filling slots out of order still take
 * the sequence's points in turn.
 *
 * - Direction numbers: Joe and Kuo's new-joe-kuo-6.21201 table, 32-bit digits.
 * - Scrambling: Matousek's linear matrix scramble (a random lower-triangular binary matrix with unit
 *   diagonal per dimension) plus a random digital shift, both drawn from `random_state`, so the
 *   first point is not the corner (0, ..., 0) that unscrambled Sobol starts with and different seeds
 *   give independent randomised sequences. `scramble: "false"` gives the plain sequence.
 * - Each coordinate goes through the parameter's prior inverse CDF (log, normal, steps, categories),
 *   so declared distributions are honoured.
 * - In a finite space, a point that maps onto an assignment already tried is skipped for the next
 *   index; the balance properties hold best when `maxTrialCount` is a power of two.
 */
export const sobol: SuggestionAlgorithm = {
  name: 'sobol',
  validate(spec) {
    const issues: FieldIssue[] = checkSettings(spec.algorithm.algorithmSettings, {
      random_state: { kind: 'int', min: 0 },
      scramble: { kind: 'enum', values: ['true', 'false'] },
    });
    const n = spec.parameters?.length ?? 0;
    if (n > SOBOL_MAX_DIMENSIONS) {
      issues.push({
        path: 'spec.parameters',
        message: `sobol supports at most ${SOBOL_MAX_DIMENSIONS} parameters (got ${n})`,
      });
    }
    return issues;
  },
  suggest({ parameters, trials, count, seed, settings, slots }) {
    const generator = sobolGenerator(parameters.length, settings.scramble === 'false' ? undefined : createRng(seed, hashString('sobol')));
    const seen = new Set(trials.map((t) => assignmentKey(t.parameterAssignments)));
    const assignments: ParameterAssignment[][] = [];
    for (let i = 0; i < count; i++) {
      let pick: ParameterAssignment[] | undefined;
      let index = slots?.[i] ?? trials.length + i;
      for (let skip = 0; skip < 64 && pick === undefined; skip++, index++) {
        const u = generator(index);
        const candidate = parameters.map((p, d) => ({ name: p.name, value: valueAtQuantile(p, u[d]!) }));
        if (!seen.has(assignmentKey(candidate))) pick = candidate;
      }
      pick ??= drawUnseen(parameters, seen, createRng(seed, index, 0x50b0));
      if (!pick) break;
      seen.add(assignmentKey(pick));
      assignments.push(pick);
    }
    return { assignments };
  },
};

/** The 32 direction numbers of one dimension, as left-aligned 32-bit integers. */
function directionNumbers(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimension === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const entry = ENTRIES[dimension - 1]!;
  const [polyText, mText] = entry.split(':');
  const poly = Number(polyText);
  const m = mText!.split(',').map(Number);
  const s = Math.floor(Math.log2(poly));
  const a = (poly >>> 1) & ((1 << (s - 1)) - 1);
  for (let k = 0; k < Math.min(s, BITS); k++) v[k] = (m[k]! * 2 ** (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let x = (v[k - s]! ^ (v[k - s]! >>> s)) >>> 0;
    for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x = (x ^ v[k - i]!) >>> 0;
    v[k] = x;
  }
  return v;
}

/** Applies a lower-triangular binary matrix (rows as bit masks, most significant digit first). */
function scrambleDigits(value: number, rows: Uint32Array): number {
  let out = 0;
  for (let i = 0; i < BITS; i++) {
    let x = (value & rows[i]!) >>> 0;
    // parity of x
    x ^= x >>> 16;
    x ^= x >>> 8;
    x ^= x >>> 4;
    x ^= x >>> 2;
    x ^= x >>> 1;
    if (x & 1) out = (out | (1 << (BITS - 1 - i))) >>> 0;
  }
  return out >>> 0;
}

/** Point generator: index -> coordinates in [0, 1). */
export function sobolGenerator(dimensions: number, scramble: Rng | undefined): (index: number) => number[] {
  const directions: Uint32Array[] = [];
  const shifts: number[] = [];
  for (let d = 0; d < dimensions; d++) {
    const v = directionNumbers(d);
    if (scramble) {
      // Row i keeps digit i (the diagonal) and a random choice of the digits above it.
      const rows = new Uint32Array(BITS);
      for (let i = 0; i < BITS; i++) {
        const diagonal = 2 ** (BITS - 1 - i);
        const above = i === 0 ? 0 : Math.floor(scramble.next() * 2 ** i) * 2 ** (BITS - i);
        rows[i] = (diagonal + above) >>> 0;
      }
      for (let k = 0; k < BITS; k++) v[k] = scrambleDigits(v[k]!, rows);
      shifts.push(Math.floor(scramble.next() * 2 ** BITS) >>> 0);
    } else {
      shifts.push(0);
    }
    directions.push(v);
  }
  return (index) => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** BITS) throw new RangeError(`sobol index ${index} out of range`);
    return directions.map((v, d) => {
      let x = shifts[d]!;
      let n = index;
      for (let k = 0; n > 0; k++, n = Math.floor(n / 2)) if (n % 2 === 1) x = (x ^ v[k]!) >>> 0;
      return x / 2 ** BITS;
    });
  };
}
