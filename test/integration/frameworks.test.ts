import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { ROOT, tempHome } from '../helpers.js';
import { tunestep } from './cli.js';

// Real frameworks, from Debian's packages under /usr/bin/python3 (.ci/run installs them): PyTorch
// DDP over gloo, configured by nothing but the PyTorchJob contract tunestep gives each replica.

const PYTHON = '/usr/bin/python3';
/** Whether Debian's python3 imports these modules (and, when given, `command --version` runs). */
function available(modules: string, command?: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' });
    if (command) execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasTorch = available('torch, sklearn');
const work = mkdtempSync(join(tmpdir(), 'tunestep-frameworks-'));
cpSync(join(ROOT, 'examples', 'pytorch-ddp'), work, { recursive: true });

/**
 * Copies an example folder, adds `--out <folder>` (and `extra`) to the command of the given replica
 * types (all by default), runs `tunestep train` on it and returns the result with each rank's weight
 * digest (the example scripts write rank-<r>.sha256 there).
 */
async function trainExample(
  example: string,
  file: string,
  ranks: number,
  options: { types?: string[]; extra?: string[]; args?: string[] } = {},
) {
  const dir = mkdtempSync(join(work, `${example}-`));
  cpSync(join(ROOT, 'examples', example), dir, { recursive: true });
  const out = join(dir, 'digests');
  mkdirSync(out);
  const job = parse(readFileSync(join(dir, file), 'utf8'));
  const key = Object.keys(job.spec).find((k) => k.endsWith('ReplicaSpecs'))!;
  for (const [type, replica] of Object.entries<any>(job.spec[key])) {
    if (!options.types || options.types.includes(type))
      replica.template.spec.containers[0].command.push('--out', out, ...(options.extra ?? []));
  }
  const test = join(dir, `test-${file}`);
  writeFileSync(test, stringify(job));
  const r = await tunestep(['train', test, ...(options.args ?? [])], tempHome());
  const digests = r.code === 0 ? Array.from({ length: ranks }, (_, rank) => readFileSync(join(out, `rank-${rank}.sha256`), 'utf8')) : [];
  return { r, digests };
}

describe('PyTorch DDP (gloo) as a PyTorchJob', () => {
  if (!hasTorch) {
    test('is skipped: /usr/bin/python3 lacks torch and sklearn (apt-get install -y python3-torch python3-sklearn)', () => {
      console.warn('SKIPPED: PyTorch DDP tests need Debian python3-torch and python3-sklearn');
    });
    return;
  }

  test('a Master and two Workers train; every rank ends with identical weights; the Master prints Katib-format accuracy', async () => {
    const { r, digests } = await trainExample('pytorch-ddp', 'pytorchjob.yaml', 3);
    expect(r.code).toBe(0);
    expect(digests[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(digests).size).toBe(1);
    const accuracy = [...r.stdout.matchAll(/\[master-0\] epoch=\d+ loss=[\d.]+ accuracy=([\d.]+)/g)].map((m) => Number(m[1]));
    expect(accuracy).toHaveLength(3);
    expect(accuracy.at(-1)!).toBeGreaterThan(0.5);
    // Only rank 0 reports metrics.
    expect(r.stdout).not.toMatch(/\[worker-\d\] epoch=/);
  });

  test('elastic: two Workers each run torchrun, which rendezvous (c10d, PET_* from the contract) and train one DDP job', async () => {
    const { r, digests } = await trainExample('pytorch-ddp', 'elastic.yaml', 2, { args: ['-o', 'json'] });
    expect(r.code).toBe(0);
    // torchrun's two agents formed one world of two ranks: both ranks' weights are identical.
    expect(digests[1]).toBe(digests[0]);
    expect(JSON.parse(r.stdout).status.conditions.at(-1).type).toBe('Succeeded');
  });

  test('an Experiment tunes the DDP job end to end: every trial a gang, the objective from the Master', async () => {
    const home = tempHome();
    const r = await tunestep(['run', join(work, 'experiment.yaml'), '-o', 'json'], home);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.trialsSucceeded).toBe(4);
    const best = exp.status.currentOptimalTrial.observation.metrics.find((m: any) => m.name === 'accuracy');
    expect(Number(best.max)).toBeGreaterThan(0.5);
  });
});

const hasMpi = available('mpi4py, numpy, sklearn', 'mpirun');

describe('Open MPI + mpi4py as an MPIJob (v2beta1)', () => {
  if (!hasMpi) {
    test('is skipped: mpirun or mpi4py is missing (apt-get install -y openmpi-bin python3-mpi4py python3-sklearn)', () => {
      console.warn('SKIPPED: MPI tests need Debian openmpi-bin and python3-mpi4py');
    });
    return;
  }

  test("the launcher's mpirun runs two ranks from the hostfile tunestep wrote; Allreduce keeps their weights identical", async () => {
    const { r, digests } = await trainExample('mpi', 'mpijob.yaml', 2, { types: ['Launcher'] });
    expect(r.code).toBe(0);
    expect(digests[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(digests[1]).toBe(digests[0]);
    const accuracy = [...r.stdout.matchAll(/\[launcher-0\] step=100 loss=[\d.]+ accuracy=([\d.]+)/g)].map((m) => Number(m[1]));
    expect(accuracy[0]!).toBeGreaterThan(0.8);
  });
});

const hasXgboost = available('xgboost, sklearn');

describe('XGBoost 1.7 distributed (Rabit) as an XGBoostJob', () => {
  if (!hasXgboost) {
    test('is skipped: /usr/bin/python3 lacks xgboost and sklearn (apt-get install -y python3-xgboost python3-sklearn)', () => {
      console.warn('SKIPPED: XGBoost tests need Debian python3-xgboost');
    });
    return;
  }

  test('the Master runs the tracker at MASTER_ADDR:MASTER_PORT; three ranks build the same model; the Master prints the accuracy', async () => {
    const { r, digests } = await trainExample('xgboost', 'xgboostjob.yaml', 3, { extra: ['--rounds', '5'] });
    expect(r.code).toBe(0);
    expect(new Set(digests).size).toBe(1);
    const accuracy = /\[master-0\] accuracy=([\d.]+)/.exec(r.stdout);
    expect(Number(accuracy?.[1])).toBeGreaterThan(0.8);
  });
});
