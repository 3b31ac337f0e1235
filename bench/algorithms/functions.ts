/**
 * Benchmark functions, as BoTorch's `test_functions/synthetic.py` defines them (see
 * ../shared/reference/hpo-algorithms.md 4.1), over Katib parameter specs. optuna_runner.py defines the
 * same functions for Optuna; the two are checked against each other at known points by run.ts.
 */
import type { ParameterAssignment, ParameterSpec } from '../../shared/spec/types.js';

export interface BenchFunction {
  name: string;
  parameters: ParameterSpec[];
  /** The global minimum. */
  optimum: number;
  evaluate(x: Record<string, string>): number;
}

const double = (name: string, min: number, max: number): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min: String(min), max: String(max) },
});
const nums = (x: Record<string, string>, d: number) => Array.from({ length: d }, (_, i) => Number(x[`x${i}`]));

const HARTMANN6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const HARTMANN_ALPHA = [1, 1.2, 3, 3.2];

export const FUNCTIONS: BenchFunction[] = [
  {
    name: 'branin',
    parameters: [double('x0', -5, 10), double('x1', 0, 15)],
    optimum: 0.397887357729738,
    evaluate(x) {
      const [a, b] = nums(x, 2) as [number, number];
      const t = b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6;
      return t * t + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10;
    },
  },
  {
    name: 'hartmann6',
    parameters: Array.from({ length: 6 }, (_, i) => double(`x${i}`, 0, 1)),
    optimum: -3.32236801141551,
    evaluate(x) {
      const v = nums(x, 6);
      let s = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += HARTMANN6_A[i]![j]! * (v[j]! - HARTMANN6_P[i]![j]!) ** 2;
        s += HARTMANN_ALPHA[i]! * Math.exp(-inner);
      }
      return -s;
    },
  },
  {
    name: 'rosenbrock5',
    parameters: Array.from({ length: 5 }, (_, i) => double(`x${i}`, -5, 10)),
    optimum: 0,
    evaluate(x) {
      const v = nums(x, 5);
      let s = 0;
      for (let i = 0; i < 4; i++) s += 100 * (v[i + 1]! - v[i]! ** 2) ** 2 + (v[i]! - 1) ** 2;
      return s;
    },
  },
  {
    name: 'levy10',
    parameters: Array.from({ length: 10 }, (_, i) => double(`x${i}`, -10, 10)),
    optimum: 0,
    evaluate(x) {
      const w = nums(x, 10).map((v) => 1 + (v - 1) / 4);
      const last = w[9]!;
      let s = Math.sin(Math.PI * w[0]!) ** 2 + (last - 1) ** 2 * (1 + Math.sin(2 * Math.PI * last) ** 2);
      for (let i = 0; i < 9; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
      return s;
    },
  },
  {
    // Mixed: two doubles, an int and a categorical that scales and shifts the bowl. Minimum 0 at
    // x0=0.2, x1=-0.4, n=7, kind=b.
    name: 'mixed',
    parameters: [
      double('x0', -1, 1),
      double('x1', -1, 1),
      { name: 'n', parameterType: 'int', feasibleSpace: { min: '1', max: '10' } },
      { name: 'kind', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b', 'c'] } },
    ],
    optimum: 0,
    evaluate(x) {
      const scale = { a: 1, b: 2, c: 4 }[x.kind as 'a' | 'b' | 'c'];
      const shift = { a: 0.5, b: 0, c: 1 }[x.kind as 'a' | 'b' | 'c'];
      return ((Number(x.x0) - 0.2) ** 2 + (Number(x.x1) + 0.4) ** 2) * scale + ((Number(x.n) - 7) / 3) ** 2 + shift;
    },
  },
];

const HARTMANN3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const HARTMANN3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((row) => row.map((v) => v * 1e-4));

/**
 * Functions that tuning choices were not made on (bench/algorithms/holdout.ts), to check that a change
 * judged on FUNCTIONS carries over. Ackley's optimum is the box centre, where TPE's prior sits, so each
 * seed moves it (`shift`), as ../shared/reference/hpo-algorithms.md advises.
 */
export const HOLDOUT: (BenchFunction & { shift?: (seed: number) => number[] })[] = [
  {
    name: 'hartmann3',
    parameters: Array.from({ length: 3 }, (_, i) => double(`x${i}`, 0, 1)),
    optimum: -3.86278,
    evaluate(x) {
      const v = nums(x, 3);
      let s = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 3; j++) inner += HARTMANN3_A[i]![j]! * (v[j]! - HARTMANN3_P[i]![j]!) ** 2;
        s += HARTMANN_ALPHA[i]! * Math.exp(-inner);
      }
      return -s;
    },
  },
  {
    name: 'styblinski10',
    parameters: Array.from({ length: 10 }, (_, i) => double(`x${i}`, -5, 5)),
    optimum: -39.166166 * 10,
    evaluate: (x) => 0.5 * nums(x, 10).reduce((s, v) => s + v ** 4 - 16 * v ** 2 + 5 * v, 0),
  },
  {
    name: 'ackley10-shifted',
    parameters: Array.from({ length: 10 }, (_, i) => double(`x${i}`, -32.768, 32.768)),
    optimum: 0,
    shift: (seed) => Array.from({ length: 10 }, (_, i) => Math.sin(seed * 13.7 + i * 3.1) * 10),
    evaluate(x) {
      const v = nums(x, 10);
      const squares = v.reduce((s, t) => s + t * t, 0) / 10;
      const cosines = v.reduce((s, t) => s + Math.cos(2 * Math.PI * t), 0) / 10;
      return -20 * Math.exp(-0.2 * Math.sqrt(squares)) - Math.exp(cosines) + 20 + Math.E;
    },
  },
];

export const asRecord = (a: ParameterAssignment[]) => Object.fromEntries(a.map((p) => [p.name, p.value]));
