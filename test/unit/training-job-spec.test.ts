import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import { ValidationError } from '../../shared/errors.js';
import { loadTrainingJob } from '../../shared/training/job-spec.js';
import { conformanceDir } from '../helpers.js';

const pytorchJob = () => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name: 'ddp' },
  spec: {
    pytorchReplicaSpecs: {
      Master: { template: { spec: { containers: [{ name: 'pytorch', command: ['python3', 'ddp.py'] }] } } },
      Worker: { replicas: 2, template: { spec: { containers: [{ name: 'pytorch', command: ['python3', 'ddp.py'] }] } } },
    },
  },
});

function issuesOf(doc: object): { path: string; message: string }[] {
  try {
    loadTrainingJob(stringify(doc));
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.issues;
  }
}

test("the operators' defaults: replicas, restart policy, the framework's port, run policy, nprocPerNode", () => {
  const job = loadTrainingJob(stringify(pytorchJob()));
  const master = (job.spec.pytorchReplicaSpecs as any).Master;
  expect(master).toMatchObject({ replicas: 1, restartPolicy: 'OnFailure' });
  expect(master.template.spec.containers[0].ports).toEqual([{ name: 'pytorchjob-port', containerPort: 23456 }]);
  expect(job.spec).toMatchObject({ nprocPerNode: 'auto', runPolicy: { cleanPodPolicy: 'None' } });
  expect(job.metadata.namespace).toBe('default');
});

const rules: [string, (d: any) => void, string, RegExp][] = [
  ['kind', (d) => (d.kind = 'PaddleJob'), 'kind', /must be one of PyTorchJob, TFJob, XGBoostJob, JAXJob, MPIJob, Job/],
  ['apiVersion', (d) => (d.apiVersion = 'kubeflow.org/v2'), 'apiVersion', /"kubeflow.org\/v1"/],
  ['name', (d) => (d.metadata.name = 'Bad_Name'), 'metadata.name', /DNS name/],
  ['replica specs required', (d) => (d.spec.pytorchReplicaSpecs = {}), 'spec.pytorchReplicaSpecs', /is required/],
  [
    'replica type',
    (d) => (d.spec.pytorchReplicaSpecs.Chief = d.spec.pytorchReplicaSpecs.Worker),
    'spec.pytorchReplicaSpecs.Chief',
    /allowed for PyTorchJob: Master, Worker/,
  ],
  ['exactly one Master', (d) => (d.spec.pytorchReplicaSpecs.Master.replicas = 2), 'spec.pytorchReplicaSpecs.Master.replicas', /must be 1/],
  ['replicas integer', (d) => (d.spec.pytorchReplicaSpecs.Worker.replicas = -1), 'spec.pytorchReplicaSpecs.Worker.replicas', />= 0/],
  [
    'restartPolicy',
    (d) => (d.spec.pytorchReplicaSpecs.Worker.restartPolicy = 'Sometimes'),
    'spec.pytorchReplicaSpecs.Worker.restartPolicy',
    /Always, OnFailure, Never, ExitCode/,
  ],
  [
    'default container',
    (d) => (d.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].name = 'trainer'),
    'spec.pytorchReplicaSpecs.Worker.template.spec.containers',
    /named "pytorch"/,
  ],
  [
    'containers',
    (d) => (d.spec.pytorchReplicaSpecs.Worker.template.spec.containers = []),
    'spec.pytorchReplicaSpecs.Worker.template.spec.containers',
    /at least one/,
  ],
  ['cleanPodPolicy', (d) => (d.spec.runPolicy = { cleanPodPolicy: 'Some' }), 'spec.runPolicy.cleanPodPolicy', /All, Running, None/],
  ['backoffLimit', (d) => (d.spec.runPolicy = { backoffLimit: 1.5 }), 'spec.runPolicy.backoffLimit', /integer/],
  ['nprocPerNode', (d) => (d.spec.nprocPerNode = 'many'), 'spec.nprocPerNode', /auto, cpu, gpu or a number/],
  [
    'elastic needs workers',
    (d) => {
      delete d.spec.pytorchReplicaSpecs.Worker;
      d.spec.elasticPolicy = { minReplicas: 1 };
    },
    'spec.elasticPolicy',
    /Worker/,
  ],
];

describe('each rule names its field', () => {
  test.each(rules.map(([rule, change, path, message]) => ({ rule, change, path, message })))('$rule', ({ change, path, message }) => {
    const doc = pytorchJob();
    change(doc);
    const hit = issuesOf(doc).find((i) => i.path === path);
    expect(hit?.message).toMatch(message);
  });
});

test('XGBoostJob needs its Master; MPIJob its one Launcher and slots >= 1', () => {
  const xgb = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'XGBoostJob',
    metadata: { name: 'x' },
    spec: { xgbReplicaSpecs: { Worker: { template: { spec: { containers: [{ name: 'xgboost' }] } } } } },
  };
  expect(issuesOf(xgb).map((i) => i.path)).toContain('spec.xgbReplicaSpecs.Master');
  const mpi = {
    apiVersion: 'kubeflow.org/v2beta1',
    kind: 'MPIJob',
    metadata: { name: 'pi' },
    spec: { slotsPerWorker: 0, mpiReplicaSpecs: { Worker: { replicas: 2, template: { spec: { containers: [{ name: 'w' }] } } } } },
  };
  expect(
    issuesOf(mpi)
      .map((i) => i.path)
      .sort(),
  ).toEqual(['spec.mpiReplicaSpecs.Launcher', 'spec.slotsPerWorker']);
});

describe("the training operator's example jobs", () => {
  const dir = conformanceDir();
  if (!dir) {
    test('are skipped: no conformance data at ../shared/conformance or $TUNESTEP_CONFORMANCE_DIR', () => {
      console.warn('SKIPPED: Kubeflow training examples not found (set TUNESTEP_CONFORMANCE_DIR)');
    });
    return;
  }
  const root = join(dir, 'kubeflow-training', 'v1', 'examples');
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : []));
  const jobs = walk(root).filter((f) => /kind:\s*"?(PyTorchJob|TFJob|XGBoostJob|MPIJob)/.test(readFileSync(f, 'utf8')));
  test('there are 23', () => expect(jobs).toHaveLength(23));
  test.each(jobs.map((f) => ({ name: f.slice(root.length + 1), f })))('$name validates', ({ f }) => {
    expect(() => loadTrainingJob(readFileSync(f, 'utf8'), f)).not.toThrow();
  });
});

test('JAXJob: Workers only, container jax with jaxjob-port 6666, restartPolicy Never by default', () => {
  const job = loadTrainingJob(
    [
      'apiVersion: kubeflow.org/v1',
      'kind: JAXJob',
      'metadata: { name: jaxjob-simple }',
      'spec:',
      '  jaxReplicaSpecs:',
      '    Worker:',
      '      replicas: 2',
      '      template: { spec: { containers: [{ name: jax, image: x, command: [python3, train.py] }] } }',
    ].join('\n'),
  );
  const worker = (job.spec.jaxReplicaSpecs as any).Worker;
  expect(worker.restartPolicy).toBe('Never');
  expect(worker.template.spec.containers[0].ports).toEqual([{ name: 'jaxjob-port', containerPort: 6666 }]);
  expect(() =>
    loadTrainingJob(
      'apiVersion: kubeflow.org/v1\nkind: JAXJob\nmetadata: { name: j }\nspec:\n  jaxReplicaSpecs:\n    Master: { template: { spec: { containers: [{ name: jax, image: x }] } } }\n',
    ),
  ).toThrow(/jaxReplicaSpecs/);
});
