import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { asha } from '../../shared/algorithms/asha.js';
import { cmaes } from '../../shared/algorithms/cmaes.js';
import { gridSearch } from '../../shared/algorithms/grid.js';
import { randomSearch } from '../../shared/algorithms/random.js';
import { createRng } from '../../shared/algorithms/rng.js';
import { assignmentKey, gridValues, sampleNumeric } from '../../shared/algorithms/space.js';
import { multivariateTpe, tpe } from '../../shared/algorithms/tpe.js';
import type { AlgorithmTrial, SuggestInput, SuggestionAlgorithm } from '../../shared/algorithms/types.js';
import type { ParameterSpec } from '../../shared/spec/types.js';

const space: ParameterSpec[] = [
  {
    name: 'lr',
    parameterType: 'double',
    feasibleSpace: { min: '0.01', max: '0.05', step: '0.01', distribution: 'uniform' },
  },
  { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '4', distribution: 'uniform' } },
  {
    name: 'opt',
    parameterType: 'categorical',
    feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'], distribution: 'uniform' },
  },
];
const objective = { type: 'minimize' as const, objectiveMetricName: 'loss' };

let settings: Record<string, string> = {};

function input(trials: AlgorithmTrial[], count: number, seed = 7, parameters = space): SuggestInput {
  return { parameters, objective, trials, count, settings, seed, rng: createRng(seed, trials.length) };
}

function inSpace(assignment: { name: string; value: string }[], parameters = space): void {
  expect(assignment.map((a) => a.name)).toEqual(parameters.map((p) => p.name));
  for (const p of parameters) {
    const v = assignment.find((a) => a.name === p.name)!.value;
    if (p.parameterType === 'categorical') expect(p.feasibleSpace.list).toContain(v);
    else {
      const n = Number(v);
      expect(n).toBeGreaterThanOrEqual(Number(p.feasibleSpace.min));
      expect(n).toBeLessThanOrEqual(Number(p.feasibleSpace.max));
      const step = Number(p.feasibleSpace.step ?? (p.parameterType === 'int' ? 1 : 0));
      if (step) {
        const k = (n - Number(p.feasibleSpace.min)) / step;
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
      }
    }
  }
}

/** The contract every algorithm passes. */
describe.each<[string, SuggestionAlgorithm, Record<string, string>]>([
  ['random', randomSearch, {}],
  ['grid', gridSearch, {}],
  ['tpe', tpe, {}],
  ['multivariate-tpe', multivariateTpe, {}],
  ['asha', asha, { resource_name: 'layers', eta: '2' }],
  ['cmaes', cmaes, {}],
])('%s algorithm contract', (name, algorithm, algorithmSettings) => {
  beforeEach(() => {
    settings = algorithmSettings;
  });
  afterEach(() => {
    settings = {};
  });

  test('suggestions lie in the feasible space with the right types and steps', () => {
    const { assignments } = algorithm.suggest(input([], 10));
    expect(assignments).toHaveLength(10);
    for (const a of assignments) inSpace(a);
  });

  test('same seed and history, same suggestions; another seed, others', () => {
    const a = algorithm.suggest(input([], 5, 3)).assignments;
    expect(algorithm.suggest(input([], 5, 3)).assignments).toEqual(a);
    expect(algorithm.suggest(input([], 5, 4)).assignments).not.toEqual(a);
  });

  test('no duplicate of a past, failed or pending trial while the space has others', () => {
    const trials: AlgorithmTrial[] = [];
    for (let i = 0; i < 60; i++) {
      const [next] = algorithm.suggest(input(trials, 1, 11)).assignments;
      trials.push({
        name: `t${i}`,
        parameterAssignments: next!,
        state: i % 3 === 0 ? 'failed' : i % 3 === 1 ? 'pending' : 'succeeded',
        objectiveValue: i % 3 === 2 ? i : undefined,
      });
    }
    expect(new Set(trials.map((t) => assignmentKey(t.parameterAssignments))).size).toBe(60);
  });

  test('past the startup trials too: right types and steps, no duplicates, failed trials tolerated', () => {
    const trials: AlgorithmTrial[] = [];
    for (let i = 0; i < 40; i++) {
      const [next] = algorithm.suggest(input(trials, 1, 5)).assignments;
      inSpace(next!);
      const x = Number(next!.find((a) => a.name === 'lr')!.value);
      trials.push({
        name: `t${i}`,
        parameterAssignments: next!,
        state: i % 7 === 3 ? 'failed' : 'succeeded',
        objectiveValue: i % 7 === 3 ? undefined : (x - 0.03) ** 2,
      });
    }
    expect(new Set(trials.map((t) => assignmentKey(t.parameterAssignments))).size).toBe(40);
    const batch = algorithm.suggest(input(trials, 5, 5)).assignments;
    expect(batch).toHaveLength(5);
    expect(new Set(batch.map(assignmentKey)).size).toBe(5);
  });

  test('a tiny space: one point', () => {
    if (name === 'asha') settings = { resource_name: 'x', r_min: '2', r_l: '2' };
    if (name === 'cmaes') return; // cmaes needs two numeric parameters (validated up front)
    const tiny: ParameterSpec[] = [{ name: 'x', parameterType: 'int', feasibleSpace: { min: '2', max: '2', distribution: 'uniform' } }];
    const { assignments } = algorithm.suggest(input([], 1, 1, tiny));
    expect(assignments).toEqual([[{ name: 'x', value: '2' }]]);
  });
});

describe('grid', () => {
  test('enumerates with step as numpy arange does', () => {
    expect(
      gridValues({
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.01', max: '0.05', step: '0.005' },
      }),
    ).toEqual(['0.010', '0.015', '0.020', '0.025', '0.030', '0.035', '0.040', '0.045', '0.050']);
    expect(
      gridValues({
        name: 'm',
        parameterType: 'double',
        feasibleSpace: { min: '0.5', max: '0.9', step: '0.1' },
      }),
    ).toEqual(['0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(gridValues({ name: 'n', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } })).toEqual(['1', '2', '3', '4']);
  });

  test('visits every point once, then returns nothing', () => {
    const trials: AlgorithmTrial[] = [];
    for (;;) {
      const { assignments } = gridSearch.suggest(input(trials, 7));
      if (assignments.length === 0) break;
      for (const a of assignments) trials.push({ name: `t${trials.length}`, parameterAssignments: a, state: 'succeeded' });
    }
    expect(trials).toHaveLength(5 * 4 * 3);
    expect(new Set(trials.map((t) => assignmentKey(t.parameterAssignments))).size).toBe(60);
  });
});

describe('random sampling honours distributions', () => {
  const draws = (p: ParameterSpec, n = 4000) => {
    const rng = createRng(5);
    return Array.from({ length: n }, () => sampleNumeric(p, rng));
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  test('logUniform puts the median near the geometric mean', () => {
    const xs = draws({
      name: 'lr',
      parameterType: 'double',
      feasibleSpace: { min: '0.001', max: '1', distribution: 'logUniform' },
    });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.001);
    expect(median(xs)).toBeGreaterThan(0.02);
    expect(median(xs)).toBeLessThan(0.05);
  });

  test('normal stays inside the bounds and concentrates at the centre', () => {
    const xs = draws({
      name: 'x',
      parameterType: 'double',
      feasibleSpace: { min: '0', max: '6', distribution: 'normal' },
    });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(6);
    const inner = xs.filter((x) => x > 2 && x < 4).length / xs.length;
    expect(inner).toBeGreaterThan(0.6);
  });

  test('uniform ints reach both ends equally', () => {
    const xs = draws({
      name: 'n',
      parameterType: 'int',
      feasibleSpace: { min: '1', max: '3', distribution: 'uniform' },
    });
    const counts = [1, 2, 3].map((v) => xs.filter((x) => x === v).length / xs.length);
    for (const c of counts) expect(c).toBeGreaterThan(0.28);
  });
});

describe('TPE finds better points than random search', () => {
  // A smooth bowl over two doubles (one logUniform), an int and a categorical: minimum 0 at
  // x=0.7, lr=0.01, n=3, opt=adam.
  const bowl: ParameterSpec[] = [
    { name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1', distribution: 'uniform' } },
    { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.0001', max: '1', distribution: 'logUniform' } },
    { name: 'n', parameterType: 'int', feasibleSpace: { min: '1', max: '8', distribution: 'uniform' } },
    { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'], distribution: 'uniform' } },
  ];
  const f = (a: { name: string; value: string }[]) => {
    const v = (n: string) => a.find((p) => p.name === n)!.value;
    return (
      (Number(v('x')) - 0.7) ** 2 +
      (Math.log10(Number(v('lr'))) + 2) ** 2 / 4 +
      (Number(v('n')) - 3) ** 2 / 16 +
      (v('opt') === 'adam' ? 0 : 0.3)
    );
  };
  const best = (algorithm: SuggestionAlgorithm, seed: number, budget: number) => {
    const trials: AlgorithmTrial[] = [];
    for (let i = 0; i < budget; i++) {
      const [a] = algorithm.suggest(input(trials, 1, seed, bowl)).assignments;
      trials.push({ name: `t${i}`, parameterAssignments: a!, state: 'succeeded', objectiveValue: f(a!) });
    }
    return Math.min(...trials.map((t) => t.objectiveValue!));
  };
  const medianOver = (algorithm: SuggestionAlgorithm) => {
    const values = Array.from({ length: 9 }, (_, s) => best(algorithm, s + 1, 60)).sort((a, b) => a - b);
    return values[4]!;
  };

  test('cmaes: median best of 9 seeds at 60 trials is under half of random search', () => {
    const numeric = bowl.filter((p) => p.parameterType !== 'categorical');
    const fNum = (a: { name: string; value: string }[]) => f([...a, { name: 'opt', value: 'adam' }]);
    const bestOf = (algorithm: SuggestionAlgorithm, seed: number) => {
      const trials: AlgorithmTrial[] = [];
      for (let i = 0; i < 60; i++) {
        const [a] = algorithm.suggest(input(trials, 1, seed, numeric)).assignments;
        trials.push({ name: `t${i}`, parameterAssignments: a!, state: 'succeeded', objectiveValue: fNum(a!) });
      }
      return Math.min(...trials.map((t) => t.objectiveValue!));
    };
    const median = (algorithm: SuggestionAlgorithm) =>
      Array.from({ length: 9 }, (_, s) => bestOf(algorithm, s + 1)).sort((a, b) => a - b)[4]!;
    expect(median(cmaes)).toBeLessThan(median(randomSearch) / 2);
  });

  const univariate: SuggestionAlgorithm = {
    ...tpe,
    suggest: (i) => tpe.suggest({ ...i, settings: { ...i.settings, multivariate: 'false' } }),
  };
  test.each([
    ['tpe', tpe],
    ['multivariate-tpe', multivariateTpe],
    ['tpe with multivariate=false', univariate],
  ] as const)('%s: median best of 9 seeds at 60 trials is under half of random search', (_n, algorithm) => {
    expect(medianOver(algorithm)).toBeLessThan(medianOver(randomSearch) / 2);
  });
});
