import { expect, test } from '@jest/globals';
import { medianStopRule, shouldStop } from '../../shared/algorithms/median-stop.js';

const minimize = { type: 'minimize' as const, objectiveMetricName: 'loss' };
const settings = [
  { name: 'min_trials_required', value: '3' },
  { name: 'start_step', value: '2' },
];

test('no rule until min_trials_required trials completed', () => {
  expect(
    medianStopRule(settings, minimize, [
      [1, 0.5],
      [2, 1],
    ]),
  ).toBeUndefined();
  expect(
    medianStopRule(settings, minimize, [
      [1, 0.5],
      [2, 1],
      [3, 2],
    ]),
  ).toBeDefined();
});

test('medians of best-so-far per step; a short curve counts with its final best', () => {
  const rule = medianStopRule(settings, minimize, [[1, 0.5, 0.4], [2, 3, 1], [0.9]])!;
  // step 1: [1, 2, 0.9] -> 1; step 2: best-so-far [0.5, 2, 0.9] -> 0.9; step 3: [0.4, 1, 0.9] -> 0.9
  expect(rule.medians).toEqual([1, 0.9, 0.9]);
});

test('stops from start_step on when the best so far is worse than the median, never before', () => {
  const rule = medianStopRule(settings, minimize, [[1, 0.5, 0.4], [2, 3, 1], [0.9]])!;
  expect(shouldStop(rule, [5])).toBe(false); // before start_step
  expect(shouldStop(rule, [5, 1])).toBe(true); // best 1 > median 0.9
  expect(shouldStop(rule, [5, 0.8])).toBe(false);
  expect(shouldStop(rule, [5, 0.8, 0.85, 0.1])).toBe(false); // past the completed trials' steps
});

test('maximize compares the other way', () => {
  const rule = medianStopRule(settings, { type: 'maximize', objectiveMetricName: 'acc' }, [
    [0.5, 0.6],
    [0.7, 0.8],
    [0.2, 0.3],
  ])!;
  expect(rule.medians).toEqual([0.5, 0.6]);
  expect(shouldStop(rule, [0.1, 0.55])).toBe(true);
  expect(shouldStop(rule, [0.1, 0.65])).toBe(false);
});
