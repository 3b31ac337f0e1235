import { expect, test } from '@jest/globals';
import { InMemoryExperimentStore } from '../../shared/adapters/in-memory-experiment-store.js';
import { assignmentKey } from '../../shared/algorithms/space.js';
import { checkExperiment } from '../../shared/spec/load.js';
import { createExperiment } from '../../shared/use-cases/create-experiment.js';
import { planTrial } from '../../shared/use-cases/plan-trial.js';
import { TrialHistory } from '../../shared/use-cases/trial-history.js';
import { fixtureExperiment } from '../helpers.js';

let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)).toISOString() };

/** Plans with `lanes` lanes at once, round after round, until every lane stops; returns the trials. */
async function planAll(algorithm: 'grid' | 'random', lanes: number, max: number, withHistory = false) {
  const store = new InMemoryExperimentStore();
  const doc = fixtureExperiment();
  doc.spec.algorithm = { algorithmName: algorithm };
  doc.spec.parameters[0].feasibleSpace.step = '0.01'; // 5 values x 3 layers x 2 optimizers = 30 points
  doc.spec.parallelTrialCount = lanes;
  doc.spec.maxTrialCount = max;
  doc.spec.maxFailedTrialCount = 0;
  const experiment = checkExperiment(doc);
  await createExperiment({ store, clock }, { experiment, uid: 'uid', seed: 7 });
  const deps = { store, clock, history: withHistory ? new TrialHistory(store) : undefined };
  const ref = { namespace: 'kubeflow', name: 'valid-experiment', executionId: 'exec-1' };
  const active = new Set(Array.from({ length: lanes }, (_, i) => i));
  const waited = new Set<number>();
  for (let round = 0; active.size > 0 && round < 100; round++) {
    const plans = await Promise.all(
      [...active].map((lane) =>
        planTrial(deps, { ...ref, lane, iteration: round, afterWait: waited.has(lane) }).then((p) => ({ lane, p })),
      ),
    );
    waited.clear();
    for (const { lane, p } of plans) {
      if (p.action === 'stop') active.delete(lane);
      if (p.action === 'wait') waited.add(lane);
    }
  }
  return store.listTrials('kubeflow', 'valid-experiment');
}

test.each([
  ['grid', 30, false],
  ['grid', 13, false],
  ['random', 30, false],
  ['grid', 30, true],
  ['random', 30, true],
] as const)(
  '%s with 4 lanes planning at once, max %i (trial history kept: %s): every slot once, no assignment twice',
  async (algorithm, max, withHistory) => {
    const trials = await planAll(algorithm, 4, max, withHistory);
    expect(trials.map((t) => t.index)).toEqual([...Array(max).keys()]);
    expect(new Set(trials.map((t) => assignmentKey(t.parameterAssignments))).size).toBe(max);
  },
);

test('planning is deterministic for a seed', async () => {
  const a = await planAll('random', 3, 12);
  const b = await planAll('random', 3, 12);
  expect(b.map((t) => t.parameterAssignments)).toEqual(a.map((t) => t.parameterAssignments));
});
