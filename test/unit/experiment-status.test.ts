import { describe, expect, test } from '@jest/globals';
import { objectiveValue, summarizeMetrics } from '../../shared/experiment/metrics.js';
import type { TrialRecord } from '../../shared/experiment/records.js';
import { assertTrialTransition } from '../../shared/experiment/states.js';
import { countTrials, evaluateCompletion, optimalTrial } from '../../shared/experiment/status.js';
import { checkExperiment } from '../../shared/spec/load.js';
import { fixtureExperiment } from '../helpers.js';

function experiment(change: (d: Record<string, any>) => void = () => {}) {
  const doc = fixtureExperiment();
  change(doc);
  return checkExperiment(doc);
}

let n = 0;
function trial(state: TrialRecord['state'], loss?: string[]): TrialRecord {
  const index = n++;
  return {
    namespace: 'ns',
    experiment: 'e',
    name: `e-${index}`,
    index,
    parameterAssignments: [{ name: 'lr', value: String(index) }],
    state,
    reason: '',
    message: '',
    conditions: [],
    createdAt: '',
    metrics:
      loss &&
      summarizeMetrics(
        { type: 'minimize', objectiveMetricName: 'loss' },
        loss.map((value) => ({ metricName: 'loss', value, timestamp: '' })),
      ),
    version: 0,
  };
}

describe('metric summaries and strategies', () => {
  test("min, max and latest as strings; 'unavailable' when nothing arrived", () => {
    const obs = ['0.5', '0.2', '0.3'].map((value) => ({ metricName: 'loss', value, timestamp: '' }));
    expect(summarizeMetrics({ type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['acc'] }, obs)).toEqual([
      { name: 'loss', min: '0.2', max: '0.5', latest: '0.3' },
      { name: 'acc', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
    ]);
  });

  test('the strategy picks min, max or latest', () => {
    const metrics = [{ name: 'loss', min: '0.2', max: '0.5', latest: '0.3' }];
    const obj = (value: 'min' | 'max' | 'latest') => ({
      type: 'minimize' as const,
      objectiveMetricName: 'loss',
      metricStrategies: [{ name: 'loss', value }],
    });
    expect(objectiveValue(obj('min'), metrics)).toBe(0.2);
    expect(objectiveValue(obj('max'), metrics)).toBe(0.5);
    expect(objectiveValue(obj('latest'), metrics)).toBe(0.3);
  });
});

describe("Katib's completion rules, in order", () => {
  test('goal reached wins over everything else', () => {
    const exp = experiment((d) => (d.spec.objective.goal = 0.25));
    const trials = [trial('Failed'), trial('Failed'), trial('Succeeded', ['0.2'])];
    expect(evaluateCompletion(exp, countTrials(trials), optimalTrial(exp, trials))?.reason).toBe('ExperimentGoalReached');
  });

  test('MetricsUnavailable counts toward maxFailedTrialCount', () => {
    const exp = experiment();
    const trials = [trial('Failed'), trial('MetricsUnavailable')];
    expect(evaluateCompletion(exp, countTrials(trials), optimalTrial(exp, trials))).toMatchObject({
      state: 'Failed',
      reason: 'ExperimentFailed',
    });
  });

  test('maxFailedTrialCount 0 fails on the first failure, and not before', () => {
    const exp = experiment((d) => (d.spec.maxFailedTrialCount = 0));
    expect(evaluateCompletion(exp, countTrials([trial('Succeeded', ['1'])]), optimalTrial(exp, []))).toBeUndefined();
    expect(evaluateCompletion(exp, countTrials([trial('Failed')]), optimalTrial(exp, []))?.state).toBe('Failed');
  });

  test('maxTrialCount counts every finished trial', () => {
    const exp = experiment((d) => (d.spec.maxTrialCount = 3));
    const trials = [trial('Succeeded', ['1']), trial('Killed'), trial('MetricsUnavailable')];
    expect(evaluateCompletion(exp, countTrials(trials), optimalTrial(exp, trials))?.reason).toBe('ExperimentMaxTrialsReached');
    expect(evaluateCompletion(exp, countTrials(trials.slice(0, 2)), optimalTrial(exp, trials))).toBeUndefined();
  });

  test('running trials do not count as finished', () => {
    const exp = experiment((d) => (d.spec.maxTrialCount = 2));
    const trials = [trial('Succeeded', ['1']), trial('Running')];
    expect(evaluateCompletion(exp, countTrials(trials), optimalTrial(exp, trials))).toBeUndefined();
  });
});

describe('the optimal trial', () => {
  test('is the best objective; the first of equals wins; unavailable ones are skipped', () => {
    const exp = experiment();
    const trials = [trial('MetricsUnavailable', []), trial('Succeeded', ['0.4']), trial('Succeeded', ['0.3']), trial('Succeeded', ['0.3'])];
    const best = optimalTrial(exp, trials);
    expect(best.bestTrialName).toBe(trials[2]!.name);
    expect(best.observation.metrics[0]).toEqual({ name: 'loss', min: '0.3', max: '0.3', latest: '0.3' });
  });

  test('counts use Katib field names', () => {
    const counts = countTrials([trial('Running'), trial('Created'), trial('MetricsUnavailable'), trial('EarlyStopped')]);
    expect(counts).toMatchObject({
      trials: 4,
      trialsRunning: 1,
      trialsPending: 1,
      trialMetricsUnavailable: 1,
      trialsEarlyStopped: 1,
    });
  });
});

test('illegal trial transitions are rejected by name', () => {
  expect(() => assertTrialTransition('t', 'Succeeded', 'Running')).toThrow(expect.objectContaining({ name: 'IllegalTransitionError' }));
  expect(() => assertTrialTransition('t', 'Created', 'Running')).not.toThrow();
});
