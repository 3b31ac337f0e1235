import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { createRecordObservationsHandler, decodeSubscription } from '#functions/record-observations/handler.js';
import { InMemoryExperimentStore } from '#shared/adapters/in-memory-experiment-store.js';
import type { RuntimeHandle, TrialRecord } from '#shared/experiment/records.js';
import { formatMarker } from '#shared/metrics/stream-marker.js';
import type { TrialLauncher } from '#shared/ports/trial-launcher.js';
import { checkExperiment } from '#shared/spec/load.js';
import { completeTrial } from '#shared/use-cases/complete-trial.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { rulesOf } from '#shared/use-cases/plan-trial.js';
import { fixtureExperiment } from '../helpers.js';

const clock = { now: () => '2026-01-01T00:00:00.000Z' };
const GROUP = '/aws/batch/job';

/** A CloudWatch Logs subscription event exactly as Lambda receives it: gzip, base64, JSON. */
function subscriptionEvent(logStream: string, lines: string[], messageType = 'DATA_MESSAGE') {
  const data = {
    messageType,
    owner: '123456789012',
    logGroup: GROUP,
    logStream,
    subscriptionFilters: ['tunestep-trials'],
    logEvents: lines.map((message, i) => ({
      id: String(36000000000000000000000000000000000000000 + i),
      timestamp: 1767225600000 + i * 1000,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data))).toString('base64') } };
}

async function setup(earlyStopping = false) {
  const store = new InMemoryExperimentStore();
  const reaped: RuntimeHandle[] = [];
  const launcher: TrialLauncher = {
    run: async () => ({ outcome: 'succeeded', reason: 'Completed', message: '' }),
    terminate: async () => {},
    reap: async (h) => void reaped.push(h),
  };
  const doc = fixtureExperiment('objective.yaml');
  if (earlyStopping)
    doc.spec.earlyStopping = {
      algorithmName: 'medianstop',
      algorithmSettings: [
        { name: 'min_trials_required', value: '1' },
        { name: 'start_step', value: '2' },
      ],
    };
  const experiment = checkExperiment(doc);
  await createExperiment({ store, clock }, { experiment, uid: 'uid', seed: 1 });
  const trial = (index: number, state: TrialRecord['state'], extra: Partial<TrialRecord> = {}): TrialRecord => ({
    namespace: 'kubeflow',
    experiment: 'objective',
    name: `objective-t${index}`,
    index,
    parameterAssignments: [{ name: 'x', value: '0.5' }],
    state,
    reason: '',
    message: '',
    conditions: [],
    createdAt: clock.now(),
    startTime: clock.now(),
    version: 0,
    ...extra,
  });
  await store.createTrial(trial(0, 'Succeeded', { objectiveCurve: [0.2, 0.1, 0.05, 0.05] }));
  await store.createTrial(trial(1, 'Running', { runtime: { kind: 'batch', id: 'job-7' } }));
  const deps = { store, launcher, clock };
  return {
    store,
    deps,
    reaped,
    handler: createRecordObservationsHandler(deps),
    record: (await store.getExperiment('kubeflow', 'objective'))!,
  };
}

const marker = (rank: number) => formatMarker({ namespace: 'kubeflow', experiment: 'objective', trial: 'objective-t1', rank });

describe('record-observations: trial output from CloudWatch Logs', () => {
  it("learns the stream's trial from the bootstrap's first line and keeps the metrics of later batches in order", async () => {
    const { store, handler } = await setup();
    const first = await handler(
      subscriptionEvent('def/default/aaa', ['starting', marker(0), 'epoch=1 loss=0.40', 'noise accuracy=1']),
      {} as never,
    );
    expect(first).toEqual({ trial: 'objective-t1', observations: 1, ignored: 2 });
    const second = await handler(subscriptionEvent('def/default/aaa', ['epoch=2 loss=0.30', 'epoch=3 loss=0.25']), {} as never);
    expect(second).toMatchObject({ observations: 2 });
    const log = await store.listObservations('kubeflow', 'objective-t1');
    expect(log.map((o) => o.value)).toEqual(['0.40', '0.30', '0.25']);
    // ... and the trial knows its stream, for the API to page its output from CloudWatch Logs.
    expect(await store.listTrialStreams('kubeflow', 'objective-t1')).toEqual([
      { namespace: 'kubeflow', trial: 'objective-t1', rank: 0, logGroup: GROUP, logStream: 'def/default/aaa' },
    ]);
    expect(log[0]!.timestamp).toBe('2026-01-01T00:00:02.000Z');
  });

  it('ignores other ranks, unknown streams and control messages', async () => {
    const { store, handler } = await setup();
    expect(await handler(subscriptionEvent('def/default/bbb', [marker(1), 'loss=999']), {} as never)).toMatchObject({ observations: 0 });
    expect(await handler(subscriptionEvent('def/default/ccc', ['loss=5']), {} as never)).toEqual({ observations: 0, ignored: 1 });
    expect(await handler(subscriptionEvent('def/default/ddd', [], 'CONTROL_MESSAGE'), {} as never)).toEqual({ control: true });
    expect(await store.listObservations('kubeflow', 'objective-t1')).toEqual([]);
  });

  it('refuses a payload that is not a subscription, naming the field', () => {
    expect(() => decodeSubscription({ awslogs: { data: 'bm90IGd6aXA=' } })).toThrow(/awslogs.data: is not gzip-compressed base64/);
    expect(() => decodeSubscription({ records: [] })).toThrow(/awslogs.data/);
    const wrong = {
      awslogs: { data: gzipSync(Buffer.from(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: 'g' }))).toString('base64') },
    };
    expect(() => decodeSubscription(wrong)).toThrow(/awslogs.data\(decoded\).logStream/);
  });

  it('stops a trial worse than the median (TerminateJob through the launcher), and CompleteTrial records it EarlyStopped', async () => {
    const { store, deps, handler, reaped, record } = await setup(true);
    const out = await handler(subscriptionEvent('def/default/eee', [marker(0), 'loss=0.9', 'loss=0.8', 'loss=0.7']), {} as never);
    expect(out).toMatchObject({ observations: 3, earlyStopped: true });
    expect(reaped).toEqual([{ kind: 'batch', id: 'job-7' }]);
    const trial = (await store.getTrial('kubeflow', 'objective', 1))!;
    expect(trial.stopRequested?.message).toContain('worse than the median');
    // The terminated Batch job fails the .sync task; CompleteTrial knows better.
    const done = await completeTrial(deps, {
      namespace: 'kubeflow',
      name: 'objective',
      trialName: 'objective-t1',
      trialIndex: 1,
      rules: rulesOf(record),
      run: { Error: 'States.TaskFailed', Cause: '{"Status":"FAILED"}' },
    });
    expect(done.trialState).toBe('EarlyStopped');
    expect((await store.getTrial('kubeflow', 'objective', 1))!.metrics?.[0]).toMatchObject({ name: 'loss', min: '0.7', latest: '0.7' });
  });
});
