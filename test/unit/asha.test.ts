import { describe, expect, test } from '@jest/globals';
import { asha } from '../../shared/algorithms/asha.js';
import { createRng } from '../../shared/algorithms/rng.js';
import type { AlgorithmTrial } from '../../shared/algorithms/types.js';
import type { ValidationError } from '../../shared/errors.js';
import { checkExperiment } from '../../shared/spec/load.js';
import type { ParameterSpec } from '../../shared/spec/types.js';
import { fixtureExperiment } from '../helpers.js';

const parameters: ParameterSpec[] = [
  { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } },
  { name: 'epochs', parameterType: 'int', feasibleSpace: { min: '1', max: '27' } },
];
const settings = { resource_name: 'epochs', eta: '3' };
const objective = { type: 'minimize' as const, objectiveMetricName: 'loss' };
const suggestOne = (trials: AlgorithmTrial[], seed = 1) =>
  asha.suggest({ parameters, objective, trials, count: 1, settings, seed, rng: createRng(seed, trials.length) }).assignments[0]!;
const value = (a: { name: string; value: string }[], n: string) => a.find((p) => p.name === n)!.value;

describe('asha', () => {
  test('new configurations start at the bottom rung; with nothing to promote a lane never waits', () => {
    const pending: AlgorithmTrial[] = [];
    for (let i = 0; i < 5; i++) {
      const a = suggestOne(pending);
      expect(value(a, 'epochs')).toBe('1');
      pending.push({ name: `t${i}`, parameterAssignments: a, state: 'pending' });
    }
  });

  test('promotes the best of each eta completed trials to the next rung (1 -> 3 -> 9 -> 27), best first', () => {
    const trials: AlgorithmTrial[] = [];
    const done = (a: { name: string; value: string }[]) => {
      const lr = Number(value(a, 'lr'));
      trials.push({
        name: `t${trials.length}`,
        parameterAssignments: a,
        state: 'succeeded',
        objectiveValue: lr / Number(value(a, 'epochs')),
      });
    };
    for (let i = 0; i < 3; i++) done(suggestOne(trials));
    const promoted = suggestOne(trials);
    const best = [...trials].sort((a, b) => a.objectiveValue! - b.objectiveValue!)[0]!;
    expect(value(promoted, 'epochs')).toBe('3');
    expect(value(promoted, 'lr')).toBe(value(best.parameterAssignments, 'lr'));
    // Run to 40 trials: the full resource is reached, and every rung holds only configurations promoted from below.
    done(promoted);
    while (trials.length < 40) done(suggestOne(trials));
    const at = (e: string) =>
      trials.filter((t) => value(t.parameterAssignments, 'epochs') === e).map((t) => value(t.parameterAssignments, 'lr'));
    expect(at('27').length).toBeGreaterThan(0);
    for (const [upper, lower] of [
      ['3', '1'],
      ['9', '3'],
      ['27', '9'],
    ] as const)
      for (const lr of at(upper)) expect(at(lower)).toContain(lr);
    expect(new Set(trials.map((t) => JSON.stringify(t.parameterAssignments))).size).toBe(40);
  });

  test('validation: resource_name is required and must be an int or double parameter; eta > 1; rungs inside the space', () => {
    const issues = (algorithmSettings: { name: string; value: string }[]) => {
      const doc = fixtureExperiment();
      doc.spec.algorithm = { algorithmName: 'asha', algorithmSettings };
      try {
        checkExperiment(doc);
        return [];
      } catch (e) {
        return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(issues([{ name: 'resource_name', value: 'layers' }])).toEqual([]);
    expect(issues([])[0]).toMatch(/needs a resource_name/);
    expect(issues([{ name: 'resource_name', value: 'optimizer' }])[0]).toMatch(/resource_name: must be one of lr, layers/);
    expect(
      issues([
        { name: 'resource_name', value: 'layers' },
        { name: 'eta', value: '1' },
      ])[0],
    ).toMatch(/eta: must be > 1/);
    expect(
      issues([
        { name: 'resource_name', value: 'layers' },
        { name: 'r_l', value: '9' },
      ])[0],
    ).toMatch(/must lie inside layers's feasible space/);
  });
});
