import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LocalRuntime, openLocalRuntime } from '#local/runtime.js';
import { runExperimentLoop } from '#local/state-machine.js';
import { checkExperiment } from '#shared/spec/load.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { FIXTURES, ROOT, tempHome } from '../helpers.js';

// (dist/runtime/tunestep-bootstrap.mjs is built by test/global-setup.mjs when stale.)
// The AWS Batch path of the state machine (PlanTrial -> RunTrialOnBatch -> CompleteTrial) run here:
// the same SubmitJob parameters the `batch:submitJob.sync` task gets, Batch's node lifecycle emulated
// with processes (local/batch-emulator.ts), the runtime bootstrap on every node, and the trial's
// output through the CloudWatch Logs path (record-observations). What each node saw is checked.

const out = mkdtempSync(join(tmpdir(), 'tunestep-batch-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await openLocalRuntime(tempHome('tunestep-batch-home-'), process.env);
  runtime.deps.batch = {
    jobQueue: 'local-queue',
    jobDefinitions: { 'trainer:1': 'tunestep-trainer:1' },
    bootstrapPath: join(ROOT, 'dist', 'runtime', 'tunestep-bootstrap.mjs'),
  };
}, 120_000);
afterAll(async () => runtime?.close());

const replica = (name: string) => ({
  template: {
    spec: {
      containers: [
        {
          name: 'pytorch',
          image: 'trainer:1',
          command: [
            'python3',
            join(FIXTURES, 'scripts', 'replica.py'),
            '--out',
            out,
            '--name',
            `\${trialParameters.slot}-${name}`,
            '--rendezvous',
            'pytorch',
            '--x',
            '${trialParameters.x}',
          ],
        },
      ],
    },
  },
});

describe('the AWS Batch path, in local mode', () => {
  it('runs each trial as a multi-node job through the bootstrap, with metrics from the main node via the log pipeline', async () => {
    const experiment = checkExperiment({
      apiVersion: 'kubeflow.org/v1beta1',
      kind: 'Experiment',
      metadata: { name: 'on-batch', namespace: 'team-a' },
      spec: {
        objective: { type: 'minimize', objectiveMetricName: 'loss' },
        algorithm: { algorithmName: 'random', algorithmSettings: [{ name: 'random_state', value: '4' }] },
        maxTrialCount: 2,
        parallelTrialCount: 1,
        maxFailedTrialCount: 0,
        parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
        trialTemplate: {
          primaryContainerName: 'pytorch',
          trialParameters: [
            { name: 'x', reference: 'x' },
            { name: 'slot', reference: '${trialSpec.Name}' },
          ],
          trialSpec: {
            apiVersion: 'kubeflow.org/v1',
            kind: 'PyTorchJob',
            spec: { pytorchReplicaSpecs: { Master: { replicas: 1, ...replica('master') }, Worker: { replicas: 2, ...replica('worker') } } },
          },
        },
      },
    });
    await createExperiment(runtime.deps, { experiment, uid: 'uid-batch', seed: 1 });
    const final = await runExperimentLoop(runtime.deps, { namespace: 'team-a', name: 'on-batch' }).result;
    expect(final).toMatchObject({ state: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });

    const trials = await runtime.deps.store.listTrials('team-a', 'on-batch');
    expect(trials.map((t) => t.state)).toEqual(['Succeeded', 'Succeeded']);
    for (const t of trials) {
      expect(t.runtime).toEqual({ kind: 'batch', id: t.name });
      // rank 0 prints (x - 0.3)^2, the others a decoy 999: only the main node's stream counts.
      const x = Number(t.parameterAssignments.find((a) => a.name === 'x')!.value);
      const loss = t.metrics!.find((m) => m.name === 'loss')!;
      expect(Number(loss.latest)).toBeCloseTo((x - 0.3) ** 2, 5);
      const seen = (name: string) => JSON.parse(readFileSync(join(out, `${t.name}-${name}.json`), 'utf8'));
      const master = seen('master');
      // The Master on the main node is rank 0 of a world of three; both Workers reached its port.
      expect(master).toMatchObject({ RANK: '0', WORLD_SIZE: '3', MASTER_ADDR: '127.0.0.1' });
    }
  }, 120_000);
});
