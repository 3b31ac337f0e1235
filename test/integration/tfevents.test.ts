import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { openLocalRuntime } from '#local/runtime.js';
import { FIXTURES, ROOT, tempHome } from '../helpers.js';
import { tunestep } from './cli.js';

// The TensorFlowEvent collector end to end: trials write TensorFlow event files (without TensorFlow)
// under a folder the experiment names as a container path; local mode gives each trial (and, for a
// TFJob, each replica) its own copy of that folder and reads the primary replica's files at the end.

function experiment(name: string, kind: 'Job' | 'TFJob') {
  const container = {
    name: 'tensorflow',
    image: 'unused',
    command: ['python3', join(FIXTURES, 'scripts', 'tfevents.py'), '--log-path=/tunestep-logs', '--lr=${trialParameters.lr}'],
  };
  const trialSpec =
    kind === 'Job'
      ? {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: { backoffLimit: 0, template: { spec: { containers: [container], restartPolicy: 'Never' } } },
        }
      : {
          apiVersion: 'kubeflow.org/v1',
          kind: 'TFJob',
          spec: { tfReplicaSpecs: { Worker: { replicas: 2, restartPolicy: 'Never', template: { spec: { containers: [container] } } } } },
        };
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name, namespace: 'kubeflow' },
    spec: {
      objective: { type: 'maximize', objectiveMetricName: 'accuracy', additionalMetricNames: ['train/loss'] },
      algorithm: { algorithmName: 'grid' },
      parallelTrialCount: 2,
      maxTrialCount: 2,
      maxFailedTrialCount: 0,
      metricsCollectorSpec: {
        source: { fileSystemPath: { path: '/tunestep-logs/test', kind: 'Directory' } },
        collector: { kind: 'TensorFlowEvent' },
      },
      parameters: [{ name: 'lr', parameterType: 'discrete', feasibleSpace: { list: ['0.03', '0.05'] } }],
      trialTemplate: { primaryContainerName: 'tensorflow', trialParameters: [{ name: 'lr', reference: 'lr' }], trialSpec },
    },
  };
}

describe('the TensorFlowEvent collector in local mode', () => {
  it.each(['Job', 'TFJob'] as const)(
    'reads a %s trial’s event files: the test folder only, each value with its step, one replica only',
    async (kind) => {
      const dir = join(tempHome('tunestep-tfev-'), 'exp');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'experiment.yaml');
      writeFileSync(file, stringify(experiment(`tfevents-${kind.toLowerCase()}`, kind)));
      const home = tempHome();
      const run = await tunestep(['run', file, '-o', 'json'], home);
      expect(run.code).toBe(0);
      const exp = JSON.parse(run.stdout);
      expect(exp.status.trialsSucceeded).toBe(2);
      // lr 0.03 reaches accuracy 0.99 on the test folder; the train folder's 1.04 is not the collector's.
      expect(Number(exp.status.currentOptimalTrial.observation.metrics.find((m: any) => m.name === 'accuracy').max)).toBeCloseTo(0.99, 5);
      const runtime = await openLocalRuntime(home, process.env);
      try {
        for (const t of await runtime.deps.store.listTrials('kubeflow', exp.metadata.name)) {
          expect(t.metrics!.map((m) => m.name).sort()).toEqual(['accuracy', 'train/loss']);
          const log = await runtime.deps.store.listObservations('kubeflow', t.name);
          // Three epochs from one replica's test folder: no train-folder accuracy, no second worker's copy.
          const accuracy = log.filter((o) => o.metricName === 'accuracy');
          expect(accuracy.map((o) => o.step)).toEqual([1, 2, 3]);
          // `train/loss` names the train folder, which is not under the collector's folder: none.
          expect(log.filter((o) => o.metricName === 'train/loss')).toEqual([]);
        }
      } finally {
        await runtime.close();
      }
    },
  );

  it('runs the shipped example, Katib’s tfjob-mnist-with-summaries shape', async () => {
    const r = await tunestep(['run', join(ROOT, 'examples', 'tensorflow', 'summaries.yaml'), '-o', 'json'], tempHome());
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.trialsSucceeded).toBe(6);
    expect(Number(exp.status.currentOptimalTrial.observation.metrics.find((m: any) => m.name === 'accuracy').latest)).toBeGreaterThan(0.75);
  });
});
