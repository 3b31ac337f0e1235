import { expect, test } from '@jest/globals';
import { InMemoryExperimentStore } from '../../shared/adapters/in-memory-experiment-store.js';
import type { TrialRecord } from '../../shared/experiment/records.js';
import { TrialHistory } from '../../shared/use-cases/trial-history.js';

function trial(index: number, state: TrialRecord['state']): TrialRecord {
  return {
    namespace: 'ns',
    experiment: 'e',
    name: `e-${index}`,
    index,
    parameterAssignments: [],
    state,
    reason: '',
    message: '',
    conditions: [],
    createdAt: '',
    version: 0,
  };
}

test('reads only from the first slot that is missing or unfinished, and returns every trial current', async () => {
  const store = new InMemoryExperimentStore();
  const froms: number[] = [];
  const list = store.listTrialSummaries.bind(store);
  store.listTrialSummaries = (ns, exp, from) => {
    froms.push(from ?? 0);
    return list(ns, exp, from);
  };
  const history = new TrialHistory(store);
  for (const [i, s] of [
    [0, 'Succeeded'],
    [1, 'Failed'],
    [2, 'Running'],
    [4, 'Succeeded'],
  ] as const)
    await store.createTrial(trial(i, s));

  expect((await history.read('ns', 'e', 'uid')).map((t) => `${t.index}:${t.state}`)).toEqual([
    '0:Succeeded',
    '1:Failed',
    '2:Running',
    '4:Succeeded',
  ]);
  const running = (await store.getTrial('ns', 'e', 2))!;
  await store.updateTrial({ ...running, state: 'Succeeded' });
  await store.createTrial(trial(3, 'Created'));
  expect((await history.read('ns', 'e', 'uid')).map((t) => `${t.index}:${t.state}`)).toEqual([
    '0:Succeeded',
    '1:Failed',
    '2:Succeeded',
    '3:Created',
    '4:Succeeded',
  ]);
  // First read from 0; then from 2 (0 and 1 were finished); the slot-3 hole keeps it from skipping 4.
  expect(froms).toEqual([0, 2]);
  await history.read('ns', 'e', 'uid');
  expect(froms).toEqual([0, 2, 3]);
  // Another experiment (uid) starts afresh.
  await history.read('ns', 'e', 'other-uid');
  expect(froms.at(-1)).toBe(0);
});
