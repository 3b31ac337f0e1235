import { expect, test } from '@jest/globals';
import { cmaes, cmaesState } from '../../shared/algorithms/cmaes.js';
import { createRng } from '../../shared/algorithms/rng.js';
import type { AlgorithmTrial, SuggestInput } from '../../shared/algorithms/types.js';
import type { ValidationError } from '../../shared/errors.js';
import { checkExperiment } from '../../shared/spec/load.js';
import type { ParameterSpec } from '../../shared/spec/types.js';
import { fixtureExperiment } from '../helpers.js';

const parameters: ParameterSpec[] = [
  { name: 'a', parameterType: 'double', feasibleSpace: { min: '-1', max: '1' } },
  { name: 'b', parameterType: 'double', feasibleSpace: { min: '-1', max: '1' } },
  { name: 'c', parameterType: 'double', feasibleSpace: { min: '-1', max: '1' } },
];
const objective = { type: 'minimize' as const, objectiveMetricName: 'y' };
const input = (trials: AlgorithmTrial[], settings: Record<string, string> = {}): SuggestInput => ({
  parameters,
  objective,
  trials,
  count: 1,
  settings,
  seed: 3,
  rng: createRng(3, trials.length),
});

function run(f: (x: number[]) => number, n: number, settings: Record<string, string> = {}): AlgorithmTrial[] {
  const trials: AlgorithmTrial[] = [];
  for (let i = 0; i < n; i++) {
    const [a] = cmaes.suggest(input(trials, settings)).assignments;
    trials.push({ name: `t${i}`, parameterAssignments: a!, state: 'succeeded', objectiveValue: f(a!.map((p) => Number(p.value))) });
  }
  return trials;
}

test('a generation is told once its lambda trials have finished; a pending one holds it back', () => {
  const trials = run((x) => x.reduce((s, v) => s + v * v, 0), 7); // lambda = 4 + floor(3 ln 3) = 7
  expect(cmaesState(input(trials)).generation).toBe(1);
  expect(cmaesState(input(trials.slice(0, 6))).generation).toBe(0);
  const pending = trials.map((t, i) => (i === 3 ? { ...t, state: 'pending' as const, objectiveValue: undefined } : t));
  expect(cmaesState(input(pending)).generation).toBe(0);
});

test('on a sphere the mean moves to the optimum and sigma shrinks', () => {
  const trials = run((x) => x.reduce((s, v) => s + (v - 0.5) ** 2, 0), 140);
  const state = cmaesState(input(trials));
  expect(state.generation).toBe(20);
  // Mean in unit coordinates: 0.5 in [-1, 1] is 0.75.
  for (const m of state.mean) expect(Math.abs(m - 0.75)).toBeLessThan(0.05);
  expect(state.sigma).toBeLessThan(1 / 6);
});

test('ipop restarts with twice the population when the values go flat; none keeps going', () => {
  const flat = () => 1;
  // 7 trials: one flat generation, one restart; 7 + 14 trials: two.
  expect(cmaesState(input(run(flat, 7), { restart_strategy: 'ipop' })).lambda).toBe(14);
  expect(cmaesState(input(run(flat, 21), { restart_strategy: 'ipop' })).lambda).toBe(28);
  expect(cmaesState(input(run(flat, 21), { restart_strategy: 'none' })).lambda).toBe(7);
});

test('validation: two numeric parameters, known restart strategies, positive sigma', () => {
  const issues = (change: (d: Record<string, any>) => void) => {
    const doc = fixtureExperiment();
    doc.spec.algorithm = { algorithmName: 'cmaes' };
    change(doc);
    try {
      checkExperiment(doc);
      return [];
    } catch (e) {
      return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  expect(issues(() => {})).toEqual([]);
  expect(issues((d) => d.spec.parameters.splice(1, 1))[0]).toMatch(/cmaes needs at least 2 double or int parameters \(got 1\)/);
  expect(issues((d) => (d.spec.algorithm.algorithmSettings = [{ name: 'restart_strategy', value: 'lrop' }]))[0]).toMatch(
    /must be one of none, ipop, bipop/,
  );
  expect(issues((d) => (d.spec.algorithm.algorithmSettings = [{ name: 'sigma', value: '0' }]))[0]).toMatch(/sigma: must be > 0/);
});

test('the integer margin keeps an int moving after the continuous parameters converge (CMA-ES with margin)', () => {
  // x converges fast; n's effect is tiny, so without a margin sigma shrinks until every sample rounds
  // to the same n and n stalls short of its optimum 17.
  const mixed: ParameterSpec[] = [
    { name: 'n', parameterType: 'int', feasibleSpace: { min: '0', max: '20' } },
    { name: 'x', parameterType: 'double', feasibleSpace: { min: '-1', max: '1' } },
  ];
  const f = (a: { value: string }[]) => 100 * (Number(a[1]!.value) - 0.2) ** 2 + 0.001 * Math.abs(Number(a[0]!.value) - 17);
  const reached = (margin: string) => {
    let hits = 0;
    let widened = 0;
    for (let seed = 1; seed <= 9; seed++) {
      const trials: AlgorithmTrial[] = [];
      for (let i = 0; i < 250; i++) {
        const step: SuggestInput = { parameters: mixed, objective, trials, count: 1, settings: { margin }, seed, rng: createRng(seed, i) };
        const [a] = cmaes.suggest(step).assignments;
        trials.push({ name: `t${i}`, parameterAssignments: a!, state: 'succeeded', objectiveValue: f(a!) });
        if (i % 10 === 9) {
          // The margin widens the int's sampling while sigma is small; the double is never widened.
          const { A } = cmaesState(step);
          if (A[0]! > 1) widened++;
          expect(A[1]).toBe(1);
        }
      }
      const best = trials.reduce((a, b) => (a.objectiveValue! <= b.objectiveValue! ? a : b));
      if (best.parameterAssignments[0]!.value === '17') hits++;
    }
    return { hits, widened };
  };
  const without = reached('false');
  const withMargin = reached('true');
  expect(without.widened).toBe(0);
  expect(withMargin.widened).toBeGreaterThan(0);
  expect(withMargin.hits).toBeGreaterThanOrEqual(without.hits + 3);
});
