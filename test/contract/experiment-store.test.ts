import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import dynalite from 'dynalite';
import type { JobRecord } from '#shared/training/job-record.js';
import { DynamoDbExperimentStore } from '../../shared/adapters/dynamodb-experiment-store.js';
import { InMemoryExperimentStore } from '../../shared/adapters/in-memory-experiment-store.js';
import type { ExperimentRecord, TrialRecord } from '../../shared/experiment/records.js';
import type { ExperimentStore } from '../../shared/ports/experiment-store.js';
import { checkExperiment } from '../../shared/spec/load.js';
import { fixtureExperiment } from '../helpers.js';

let server: Server;
let client: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(async () => {
  client.destroy();
  await new Promise((r) => server.close(r));
});

function experimentRecord(name: string, namespace = 'ns'): ExperimentRecord {
  const experiment = checkExperiment(fixtureExperiment());
  return {
    namespace,
    name,
    uid: `uid-${name}`,
    experiment,
    state: 'Created',
    reason: 'ExperimentCreated',
    message: '',
    status: {
      conditions: [],
      currentOptimalTrial: { bestTrialName: '', parameterAssignments: [], observation: { metrics: [] } },
      trials: 0,
      trialsSucceeded: 0,
      trialsFailed: 0,
      trialsKilled: 0,
      trialsPending: 0,
      trialsRunning: 0,
      trialsEarlyStopped: 0,
      trialMetricsUnavailable: 0,
    },
    seed: 1,
    createdAt: '2026-01-01T00:00:00Z',
    version: 0,
  };
}

function trialRecord(experiment: string, index: number, namespace = 'ns'): TrialRecord {
  return {
    namespace,
    experiment,
    name: `${experiment}-t${index}`,
    index,
    parameterAssignments: [{ name: 'lr', value: '0.1' }],
    state: 'Created',
    reason: '',
    message: '',
    conditions: [],
    createdAt: '',
    version: 0,
  };
}

/** The contract every ExperimentStore passes. */
describe.each<[string, () => Promise<ExperimentStore>]>([
  ['InMemoryExperimentStore', async () => new InMemoryExperimentStore()],
  [
    'DynamoDbExperimentStore on dynalite',
    async () => {
      const table = `contract-${tableCount++}`;
      await DynamoDbExperimentStore.ensureTable(client, table);
      return new DynamoDbExperimentStore(client, table);
    },
  ],
])('%s', (_name, makeStore) => {
  let store: ExperimentStore;
  beforeAll(async () => {
    store = await makeStore();
  });

  test('creates, reads and lists experiments by namespace', async () => {
    await store.createExperiment(experimentRecord('a'));
    await store.createExperiment(experimentRecord('b'));
    await store.createExperiment(experimentRecord('a', 'other'));
    expect((await store.getExperiment('ns', 'a'))?.experiment.metadata.name).toBe('valid-experiment');
    expect((await store.listExperiments('ns')).map((e) => e.name)).toEqual(['a', 'b']);
    expect((await store.listExperiments()).length).toBe(3);
    expect(await store.getExperiment('ns', 'missing')).toBeUndefined();
  });

  test('a second create of the same name fails with AlreadyExistsError and changes nothing', async () => {
    const changed = { ...experimentRecord('a'), seed: 99 };
    await expect(store.createExperiment(changed)).rejects.toMatchObject({ name: 'AlreadyExistsError' });
    expect((await store.getExperiment('ns', 'a'))?.seed).toBe(1);
  });

  test('updates are optimistic: a stale version conflicts', async () => {
    const current = (await store.getExperiment('ns', 'b'))!;
    const next = await store.updateExperiment({ ...current, state: 'Running' });
    expect(next.version).toBe(current.version + 1);
    await expect(store.updateExperiment({ ...current, state: 'Failed' })).rejects.toMatchObject({
      name: 'ConflictError',
    });
    expect((await store.getExperiment('ns', 'b'))?.state).toBe('Running');
  });

  test('only one of two racing updates wins', async () => {
    const current = (await store.getExperiment('ns', 'b'))!;
    const results = await Promise.allSettled([
      store.updateExperiment({ ...current, message: 'one' }),
      store.updateExperiment({ ...current, message: 'two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  test('trials: conditional create, ordered list, optimistic update', async () => {
    for (const i of [2, 0, 1]) await store.createTrial(trialRecord('a', i));
    await expect(store.createTrial(trialRecord('a', 1))).rejects.toMatchObject({
      name: 'AlreadyExistsError',
    });
    const trials = await store.listTrials('ns', 'a');
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2]);
    const summaries = await store.listTrialSummaries('ns', 'a');
    expect(summaries.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(summaries[0]).toEqual({
      namespace: 'ns',
      experiment: 'a',
      name: 'a-t0',
      index: 0,
      state: 'Created',
      parameterAssignments: [{ name: 'lr', value: '0.1' }],
      version: 0,
    });
    const updated = await store.updateTrial({ ...trials[0]!, state: 'Running' });
    expect((await store.getTrial('ns', 'a', updated.index))?.state).toBe('Running');
    expect((await store.listTrialSummaries('ns', 'a', 1)).map((t) => t.index)).toEqual([1, 2]);
    await expect(store.updateTrial(trials[0]!)).rejects.toMatchObject({ name: 'ConflictError' });
  });

  test('observations keep their order; a retried batch overwrites instead of duplicating', async () => {
    const obs = Array.from({ length: 60 }, (_, i) => ({
      metricName: 'loss',
      value: String(i),
      timestamp: '2026-01-01T00:00:00Z',
    }));
    await store.appendObservations('ns', 'a-t0', obs.slice(0, 30), 0);
    await store.appendObservations('ns', 'a-t0', obs.slice(30), 30);
    await store.appendObservations('ns', 'a-t0', obs.slice(30), 30);
    const log = await store.listObservations('ns', 'a-t0');
    expect(log.map((o) => o.value)).toEqual(obs.map((o) => o.value));
    await store.deleteObservations('ns', 'a-t0');
    expect(await store.listObservations('ns', 'a-t0')).toEqual([]);
  });

  test('deleting an experiment removes its trials and observations, and no other', async () => {
    await store.appendObservations('ns', 'a-t1', [{ metricName: 'loss', value: '1', timestamp: '' }], 0);
    await store.deleteExperiment('ns', 'a');
    expect(await store.getExperiment('ns', 'a')).toBeUndefined();
    expect(await store.listTrials('ns', 'a')).toEqual([]);
    expect(await store.listObservations('ns', 'a-t1')).toEqual([]);
    expect(await store.getExperiment('other', 'a')).toBeDefined();
  });

  test('training jobs: conditional create, listing apart from experiments, optimistic update, delete', async () => {
    const job = (namespace: string, name: string): JobRecord => ({
      namespace,
      name,
      uid: `uid-${name}`,
      job: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name, namespace }, spec: {} },
      status: { conditions: [], replicaStatuses: {}, restarts: 0 },
      createdAt: '2026-01-01T00:00:00Z',
      version: 0,
    });
    await store.createJob(job('ns', 'j2'));
    await store.createJob(job('ns', 'j1'));
    await store.createJob(job('other', 'j1'));
    await expect(store.createJob(job('ns', 'j1'))).rejects.toMatchObject({ name: 'AlreadyExistsError' });
    expect((await store.listJobs('ns')).map((j) => j.name)).toEqual(['j1', 'j2']);
    expect((await store.listJobs()).map((j) => `${j.namespace}/${j.name}`)).toEqual(['ns/j1', 'ns/j2', 'other/j1']);
    // Jobs and experiments share the namespace partition without showing up in each other's lists.
    expect((await store.listExperiments('ns')).map((e) => e.name)).not.toContain('j1');
    const current = (await store.getJob('ns', 'j1'))!;
    const running = await store.updateJob({ ...current, status: { ...current.status, restarts: 1 } });
    expect(running.version).toBe(1);
    await expect(store.updateJob(current)).rejects.toMatchObject({ name: 'ConflictError' });
    expect((await store.getJob('ns', 'j1'))?.status.restarts).toBe(1);
    await store.deleteJob('ns', 'j1');
    expect(await store.getJob('ns', 'j1')).toBeUndefined();
    expect(await store.getJob('other', 'j1')).toBeDefined();
  });

  test('log streams: known once', async () => {
    const stream = { logGroup: '/aws/batch/job', logStream: 'def/default/abc', namespace: 'ns', experiment: 'a', trial: 'a-t0', rank: 0 };
    expect(await store.getLogStream(stream.logGroup, stream.logStream)).toBeUndefined();
    await store.createLogStream(stream);
    await expect(store.createLogStream(stream)).rejects.toMatchObject({ name: 'AlreadyExistsError' });
    expect(await store.getLogStream(stream.logGroup, stream.logStream)).toEqual(stream);
  });

  test('the next observation sequence number follows the newest, past ten', async () => {
    expect(await store.nextObservationSeq('ns', 'seq-t')).toBe(0);
    const o = { metricName: 'loss', value: '1', timestamp: '' };
    await store.appendObservations('ns', 'seq-t', Array(12).fill(o), 0);
    expect(await store.nextObservationSeq('ns', 'seq-t')).toBe(12);
  });

  test("a trial's log streams, listed by rank; putting one twice keeps one", async () => {
    const base = { namespace: 'ns', trial: 'a-t7', logGroup: '/g' };
    await store.putTrialStream({ ...base, rank: 1, logStream: 'def/default/bbb' });
    await store.putTrialStream({ ...base, rank: 0, logStream: 'def/default/aaa' });
    await store.putTrialStream({ ...base, rank: 0, logStream: 'def/default/aaa' });
    await store.putTrialStream({ ...base, trial: 'a-t8', rank: 0, logStream: 'def/default/ccc' });
    expect((await store.listTrialStreams('ns', 'a-t7')).map((r) => [r.rank, r.logStream])).toEqual([
      [0, 'def/default/aaa'],
      [1, 'def/default/bbb'],
    ]);
  });
});
