import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import { FRAMEWORKS } from '../../shared/training/job-spec.js';
import { FIXTURES, processAlive, ROOT, tempHome } from '../helpers.js';
import { tunestep } from './cli.js';

// `tunestep train` with real processes: every replica a python3 process that records the environment
// it was given (test/fixtures/scripts/replica.py) and proves the ports work by connecting to its peers.

const SCRIPT = join(FIXTURES, 'scripts', 'replica.py');
const work = mkdtempSync(join(tmpdir(), 'tunestep-train-'));

interface Replica {
  replicas?: number;
  restartPolicy?: string;
  args?: string[];
}

/** Writes a job whose replicas all run replica.py with `args`, and returns its file and output folder. */
function writeJob(kind: string, name: string, specs: Record<string, Replica>, extra: Record<string, unknown> = {}) {
  const out = join(work, name);
  mkdirSync(out, { recursive: true });
  const container = FRAMEWORKS[kind]!.container ?? 'launcher';
  const key = FRAMEWORKS[kind]!.specKey;
  const replicaSpecs = Object.fromEntries(
    Object.entries(specs).map(([type, r]) => [
      type,
      {
        replicas: r.replicas ?? 1,
        ...(r.restartPolicy ? { restartPolicy: r.restartPolicy } : {}),
        template: {
          spec: { containers: [{ name: container, image: 'unused', command: ['python3', SCRIPT, '--out', out, ...(r.args ?? [])] }] },
        },
      },
    ]),
  );
  const doc = {
    apiVersion: kind === 'MPIJob' ? 'kubeflow.org/v2beta1' : 'kubeflow.org/v1',
    kind,
    metadata: { name },
    spec: { [key]: replicaSpecs, ...extra },
  };
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return { file, out };
}

const record = (out: string, replica: string) => JSON.parse(readFileSync(join(out, `${replica}.json`), 'utf8'));
const attempts = (out: string, replica: string) => readFileSync(join(out, `${replica}.attempts`), 'utf8').length;
const alive = processAlive;
const lastCondition = (stdout: string) => JSON.parse(stdout).status.conditions.at(-1);

describe('tunestep train: the operators contract on every replica', () => {
  test('PyTorchJob, Master and two Workers: ranks 0-2 once each, WORLD_SIZE 3, the Master port reached by both Workers', async () => {
    const { file, out } = writeJob('PyTorchJob', 'ddp', {
      Master: { args: ['--rendezvous', 'pytorch'] },
      Worker: { replicas: 2, args: ['--rendezvous', 'pytorch'] },
    });
    const r = await tunestep(['train', file], tempHome());
    expect(r.code).toBe(0);
    const envs = ['master-0', 'worker-0', 'worker-1'].map((n) => record(out, n));
    expect(envs.map((e) => e.RANK).sort()).toEqual(['0', '1', '2']);
    for (const e of envs) {
      expect(e.WORLD_SIZE).toBe('3');
      expect(e.MASTER_ADDR).toBe('127.0.0.1');
      expect(e.MASTER_PORT).toBe(envs[0].MASTER_PORT);
      expect(e.PET_NNODES).toBe('3');
      expect(e.PET_NODE_RANK).toBe(e.RANK);
    }
    expect(r.stdout).toContain("[master-0] master heard ranks ['1', '2']");
    expect(r.stderr).toContain('Succeeded');
  });

  test('TFJob, two Workers and a PS: the same TF_CONFIG cluster on every replica, each its own task, every address reachable', async () => {
    const { file, out } = writeJob('TFJob', 'tf', {
      Worker: { replicas: 2, args: ['--rendezvous', 'tf'] },
      PS: { args: ['--rendezvous', 'tf'] },
    });
    const r = await tunestep(['train', file, '-o', 'json'], tempHome());
    expect(r.code).toBe(0);
    const configs = ['worker-0', 'worker-1', 'ps-0'].map((n) => JSON.parse(record(out, n).TF_CONFIG));
    for (const c of configs) {
      expect(c.cluster).toEqual(configs[0].cluster);
      expect(c.environment).toBe('cloud');
    }
    expect(Object.keys(configs[0].cluster).sort()).toEqual(['ps', 'worker']);
    expect(configs.map((c) => `${c.task.type}-${c.task.index}`)).toEqual(['worker-0', 'worker-1', 'ps-0']);
    const addresses = [...configs[0].cluster.worker, ...configs[0].cluster.ps];
    expect(new Set(addresses).size).toBe(3);
    expect(lastCondition(r.stdout).type).toBe('Succeeded');
    expect(JSON.parse(r.stdout).status.replicaStatuses.Worker.succeeded).toBeGreaterThanOrEqual(1);
  });

  test('examples/tensorflow: Chief, two Workers and a PS check their TF_CONFIG; the Chief hears from every other replica', async () => {
    const r = await tunestep(['train', join(ROOT, 'examples', 'tensorflow', 'tfjob.yaml')], tempHome());
    expect(r.code).toBe(0);
    // The job succeeds with its Chief; the others may be stopped before they print, so only the Chief's
    // line is certain, and it proves every other replica reached the address TF_CONFIG gives it.
    expect(r.stdout).toContain("[chief-0] chief-0: TF_CONFIG consistent, heard from ['ps-0', 'worker-0', 'worker-1']");
  });

  test('XGBoostJob: RANK and WORLD_SIZE, WORKER_ADDRS for the workers, the Master port reached', async () => {
    const { file, out } = writeJob('XGBoostJob', 'xgb', {
      Master: { args: ['--rendezvous', 'pytorch'] },
      Worker: { replicas: 2, args: ['--rendezvous', 'pytorch'] },
    });
    const r = await tunestep(['train', file], tempHome());
    expect(r.code).toBe(0);
    const envs = ['master-0', 'worker-0', 'worker-1'].map((n) => record(out, n));
    expect(envs.map((e) => e.RANK)).toEqual(['0', '1', '2']);
    for (const e of envs) {
      expect(e.WORLD_SIZE).toBe('3');
      expect(e.WORKER_ADDRS).toBe('127.0.0.1,127.0.0.1');
    }
  });

  test('JAXJob, three Workers: PROCESS_ID 0-2, NUM_PROCESSES 3, the coordinator (Worker 0) reached by the others', async () => {
    const { file, out } = writeJob('JAXJob', 'jax', { Worker: { replicas: 3, args: ['--rendezvous', 'jax'] } });
    const r = await tunestep(['train', file], tempHome());
    expect(r.code).toBe(0);
    const envs = ['worker-0', 'worker-1', 'worker-2'].map((n) => record(out, n));
    expect(envs.map((e) => e.PROCESS_ID)).toEqual(['0', '1', '2']);
    for (const e of envs) {
      expect(e.NUM_PROCESSES).toBe('3');
      expect(e.COORDINATOR_ADDRESS).toBe('127.0.0.1');
      expect(e.COORDINATOR_PORT).toBe(envs[0].COORDINATOR_PORT);
    }
    expect(r.stdout).toContain("[worker-0] coordinator heard processes ['1', '2']");
  });

  test('MPIJob: the launcher gets a hostfile with the workers and their slots; K_MPI_JOB_ROLE launcher', async () => {
    const { file, out } = writeJob('MPIJob', 'mpi', { Launcher: {}, Worker: { replicas: 2 } }, { slotsPerWorker: 2 });
    const r = await tunestep(['train', file], tempHome());
    expect(r.code).toBe(0);
    const launcher = record(out, 'launcher-0');
    expect(launcher.K_MPI_JOB_ROLE).toBe('launcher');
    // Both workers are 127.0.0.1 locally: one line with their slots added (Open MPI refuses a host twice).
    expect(readFileSync(launcher.OMPI_MCA_orte_default_hostfile, 'utf8')).toBe('127.0.0.1 slots=4\n');
  });
});

describe('tunestep train: restarts, gang failure, deadlines, no process left', () => {
  test('OnFailure with backoffLimit 2: a worker that exits 1 once is restarted and the job succeeds', async () => {
    const { file, out } = writeJob(
      'PyTorchJob',
      'onfailure',
      { Master: { args: ['--sleep', '1.5'] }, Worker: { restartPolicy: 'OnFailure', args: ['--fail-first', '1'] } },
      { runPolicy: { backoffLimit: 2 } },
    );
    const r = await tunestep(['train', file, '-o', 'json'], tempHome());
    expect(r.code).toBe(0);
    expect(attempts(out, 'worker-0')).toBe(2);
    const job = JSON.parse(r.stdout);
    expect(job.status.conditions.map((c: any) => c.type)).toContain('Restarting');
    expect(job.status.restarts).toBe(1);
  });

  test('ExitCode: exit 1 fails the job at once; exit 137 is retried', async () => {
    const permanent = writeJob('PyTorchJob', 'exitcode-1', { Master: { restartPolicy: 'ExitCode', args: ['--fail-first', '1'] } });
    const r1 = await tunestep(['train', permanent.file, '-o', 'json'], tempHome());
    expect(r1.code).toBe(1);
    expect(attempts(permanent.out, 'master-0')).toBe(1);
    expect(lastCondition(r1.stdout).message).toContain('exited with code 1');
    const retried = writeJob('PyTorchJob', 'exitcode-137', { Master: { restartPolicy: 'ExitCode', args: ['--fail-first', '137'] } });
    const r2 = await tunestep(['train', retried.file], tempHome());
    expect(r2.code).toBe(0);
    expect(attempts(retried.out, 'master-0')).toBe(2);
  });

  test('a worker that dies for good fails the whole job in seconds, and the others are stopped', async () => {
    const { file, out } = writeJob('PyTorchJob', 'gang', {
      Master: { args: ['--sleep', '60'] },
      Worker: { replicas: 2, restartPolicy: 'Never', args: ['--sleep', '1', '--exit', '1'] },
    });
    const started = Date.now();
    const r = await tunestep(['train', file, '-o', 'json'], tempHome());
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(lastCondition(r.stdout).type).toBe('Failed');
    expect(alive(record(out, 'master-0').pid)).toBe(false);
  });

  test('activeDeadlineSeconds ends a sleeping job as DeadlineExceeded; no replica is left', async () => {
    const { file, out } = writeJob(
      'TFJob',
      'deadline',
      { Worker: { replicas: 2, args: ['--sleep', '60'] } },
      { runPolicy: { activeDeadlineSeconds: 2 } },
    );
    const r = await tunestep(['train', file, '-o', 'json'], tempHome());
    expect(r.code).toBe(1);
    expect(lastCondition(r.stdout).reason).toBe('DeadlineExceeded');
    for (const n of ['worker-0', 'worker-1']) expect(alive(record(out, n).pid)).toBe(false);
  });

  test('a replica silent past --silent-timeout is taken as hung and fails the job', async () => {
    const { file, out } = writeJob('PyTorchJob', 'hung', { Master: { args: ['--sleep', '60', '--silent'] } });
    const r = await tunestep(['train', file, '-o', 'json', '--silent-timeout', '1'], tempHome());
    expect(r.code).toBe(1);
    expect(lastCondition(r.stdout).reason).toBe('ReplicaHung');
    expect(alive(record(out, 'master-0').pid)).toBe(false);
  });

  test('suspend: the job is Suspended and nothing runs', async () => {
    const { file, out } = writeJob('PyTorchJob', 'suspended', { Master: {} }, { runPolicy: { suspend: true } });
    const r = await tunestep(['train', file, '-o', 'json'], tempHome());
    expect(r.code).toBe(0);
    expect(lastCondition(r.stdout).type).toBe('Suspended');
    expect(existsSync(join(out, 'master-0.json'))).toBe(false);
  });

  test('an invalid job exits 2 naming every field path, and runs nothing', async () => {
    const { file } = writeJob('PyTorchJob', 'bad', { Master: { replicas: 2 }, Chief: {} });
    const r = await tunestep(['train', file], tempHome());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a valid training job');
    expect(r.stderr).toContain('spec.pytorchReplicaSpecs.Chief');
    expect(r.stderr).toContain('spec.pytorchReplicaSpecs.Master.replicas');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('experiments whose trials are training jobs', () => {
  test('a PyTorchJob trialSpec: every trial a Master and a Worker gang; metrics from the Master only; Katib success condition', async () => {
    const out = join(work, 'exp-pytorch');
    mkdirSync(out, { recursive: true });
    const replica = (extra: string[]) => ({
      replicas: 1,
      restartPolicy: 'OnFailure',
      template: {
        spec: {
          containers: [
            {
              name: 'pytorch',
              image: 'unused',
              command: ['python3', SCRIPT, '--out', out, '--rendezvous', 'pytorch', '--x=${trialParameters.x}', ...extra],
            },
          ],
        },
      },
    });
    const experiment = {
      apiVersion: 'kubeflow.org/v1beta1',
      kind: 'Experiment',
      metadata: { name: 'ddp-tune', namespace: 'kubeflow' },
      spec: {
        objective: { type: 'minimize', objectiveMetricName: 'loss' },
        algorithm: { algorithmName: 'random', algorithmSettings: [{ name: 'random_state', value: '1' }] },
        parallelTrialCount: 2,
        maxTrialCount: 4,
        parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
        trialTemplate: {
          primaryContainerName: 'pytorch',
          trialParameters: [{ name: 'x', reference: 'x' }],
          trialSpec: {
            apiVersion: 'kubeflow.org/v1',
            kind: 'PyTorchJob',
            spec: { pytorchReplicaSpecs: { Master: replica([]), Worker: replica([]) } },
          },
        },
      },
    };
    const file = join(work, 'ddp-tune.yaml');
    writeFileSync(file, stringify(experiment));
    const home = tempHome();
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status.trialsSucceeded).toBe(4);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'ddp-tune', '-o', 'json'], home)).stdout).items;
    for (const t of trials) {
      const x = Number(t.spec.parameterAssignments[0].value);
      const loss = Number(t.status.observation.metrics.find((m: any) => m.name === 'loss').latest);
      // The Worker's decoy 999 never reaches the observation log.
      expect(loss).toBeCloseTo((x - 0.3) ** 2, 5);
    }
    const logs = await tunestep(['logs', trials[0].metadata.name], home);
    expect(logs.stdout).toContain('master heard ranks');
  });
});
