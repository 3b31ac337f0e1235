import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { nodeEnvironment, nodeRank } from '../../runtime/bootstrap.js';
import { freePort } from '../../shared/adapters/local-job-runner.js';
import { replicaOrder } from '../../shared/training/node-order.js';
import { FIXTURES, ROOT } from '../helpers.js';

// The Batch node bootstrap, exercised the only way it can be without a cloud account: N processes on
// 127.0.0.1 with the variables AWS Batch gives the nodes of a multi-node parallel job.

const SCRIPT = join(FIXTURES, 'scripts', 'replica.py');
const work = mkdtempSync(join(tmpdir(), 'tunestep-bootstrap-'));

/** Starts node `index` of `nodes` (main node `mainIndex`) running the bootstrap around `command`. */
function startNode(
  index: number,
  nodes: number,
  mainIndex: number,
  port: number,
  job: object,
  command: string[],
  extra: Record<string, string> = {},
) {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    AWS_BATCH_JOB_NUM_NODES: String(nodes),
    AWS_BATCH_JOB_NODE_INDEX: String(index),
    AWS_BATCH_JOB_MAIN_NODE_INDEX: String(mainIndex),
    TUNESTEP_BOOTSTRAP_PORT: String(port),
    TUNESTEP_NODE_ADDRESS: '127.0.0.1',
    TUNESTEP_JOB: JSON.stringify(job),
    ...extra,
  };
  // Only the other nodes get the main node's address, as on Batch.
  if (index !== mainIndex) env.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS = '127.0.0.1';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runtime', 'bootstrap.ts'), '--', ...command], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const started = Date.now();
  return Object.assign(
    new Promise<{ code: number | null; output: string; seconds: number }>((resolve) =>
      child.on('close', (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 })),
    ),
    { process: child },
  );
}

const SLEEP = ['python3', '-c', 'import time; print("sleeping", flush=True); time.sleep(60)'];

describe('runtime/bootstrap: ranks and the job layout', () => {
  test('the main node is rank 0 wherever it sits; the others follow in index order', () => {
    expect([0, 1, 2, 3].map((i) => nodeRank(i, 2))).toEqual([1, 2, 0, 3]);
    expect([0, 1, 2].map((i) => nodeRank(i, 0))).toEqual([0, 1, 2]);
    expect(replicaOrder({ kind: 'PyTorchJob', replicas: { Worker: 2, Master: 1 } })).toEqual([
      { type: 'Master', index: 0 },
      { type: 'Worker', index: 0 },
      { type: 'Worker', index: 1 },
    ]);
  });

  test('TF_CONFIG from the gathered addresses; a node count that does not match the job is refused', () => {
    const job = { kind: 'TFJob' as const, replicas: { Chief: 1, Worker: 1 } };
    const env = nodeEnvironment(job, 1, ['10.0.0.5', '10.0.0.7']).env;
    expect(JSON.parse(env.TF_CONFIG!)).toEqual({
      cluster: { chief: ['10.0.0.5:2222'], worker: ['10.0.0.7:2222'] },
      task: { type: 'worker', index: 0 },
      environment: 'cloud',
    });
    expect(() => nodeEnvironment(job, 0, ['10.0.0.5'])).toThrow('the job has 2 replicas but the Batch job has 1 nodes');
  });
});

describe('runtime/bootstrap: N processes as Batch nodes', () => {
  test('PyTorchJob on 3 nodes, main node at index 1, children started first: ranks 0-2, the main node is the Master', async () => {
    const out = join(work, 'pytorch');
    mkdirSync(out, { recursive: true });
    const port = await freePort();
    const job = { kind: 'PyTorchJob', replicas: { Master: 1, Worker: 2 } };
    const command = ['python3', SCRIPT, '--out', out, '--rendezvous', 'pytorch'];
    const children = [0, 2].map((i) => startNode(i, 3, 1, port, job, command));
    await new Promise((r) => setTimeout(r, 500));
    const main = startNode(1, 3, 1, port, job, command);
    const results = await Promise.all([main, ...children]);
    for (const r of results) expect(r.code).toBe(0);
    const records = ['master-0', 'worker-0', 'worker-1'].map((n) => JSON.parse(readFileSync(join(out, `${n}.json`), 'utf8')));
    expect(records.map((e) => e.RANK)).toEqual(['0', '1', '2']);
    for (const e of records) {
      expect(e.WORLD_SIZE).toBe('3');
      expect(e.MASTER_ADDR).toBe('127.0.0.1');
    }
    expect(results[0]!.output).toContain("master heard ranks ['1', '2']");
  });

  test('MPIJob on 3 nodes: the launcher (main node) gets a hostfile line per worker node', async () => {
    const out = join(work, 'mpi');
    mkdirSync(out, { recursive: true });
    const port = await freePort();
    const hostfile = join(out, 'hostfile');
    const job = { kind: 'MPIJob', replicas: { Launcher: 1, Worker: 2 }, slotsPerWorker: 4 };
    // The workers wait (as mpi-operator's run sshd) until the launcher's end ends the job, which stops them.
    const launcherCommand = ['python3', SCRIPT, '--out', out, '--sleep', '1.5'];
    const workerCommand = ['python3', SCRIPT, '--out', out, '--sleep', '60'];
    const results = await Promise.all(
      [0, 1, 2].map((i) => startNode(i, 3, 0, port, job, i === 0 ? launcherCommand : workerCommand, { TUNESTEP_HOSTFILE: hostfile })),
    );
    for (const r of results) expect(r.code).toBe(0);
    for (const r of results.slice(1)) {
      expect(r.output).toContain('the main node ended the job');
      expect(r.seconds).toBeLessThan(30);
    }
    const launcher = JSON.parse(readFileSync(join(out, 'launcher-0.json'), 'utf8'));
    expect(launcher.K_MPI_JOB_ROLE).toBe('launcher');
    expect(readFileSync(launcher.OMPI_MCA_orte_default_hostfile, 'utf8')).toBe('127.0.0.1 slots=4\n127.0.0.1 slots=4\n');
    expect(JSON.parse(readFileSync(join(out, 'worker-1.json'), 'utf8')).K_MPI_JOB_ROLE).toBe('worker');
  });

  test("the command's exit code is the node's; a missing TUNESTEP_JOB is a clear error (exit 2)", async () => {
    const port = await freePort();
    const failing = await startNode(0, 1, 0, port, { kind: 'Job', replicas: { Pod: 1 } }, ['python3', '-c', 'import sys; sys.exit(7)']);
    expect(failing.code).toBe(7);
    const bad = await startNode(0, 1, 0, port, { kind: 'Job', replicas: { Pod: 1 } }, ['true'], { TUNESTEP_JOB: 'nope' });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('TUNESTEP_JOB must be the job as JSON');
  });

  test('a node whose command fails fails the job: the main node stops its command and exits with that code, the others follow', async () => {
    const port = await freePort();
    const job = { kind: 'PyTorchJob', replicas: { Master: 1, Worker: 2 } };
    const main = startNode(0, 3, 0, port, job, SLEEP);
    const failing = startNode(1, 3, 0, port, job, ['python3', '-c', 'import sys, time; time.sleep(1); sys.exit(3)']);
    const other = startNode(2, 3, 0, port, job, SLEEP);
    const [m, f, o] = await Promise.all([main, failing, other]);
    expect(f.code).toBe(3);
    expect(m.code).toBe(3);
    expect(m.output).toContain('node rank 1 exited with code 3');
    // Seconds, not the minute the sleeping commands would take: nothing hangs.
    expect(m.seconds).toBeLessThan(20);
    expect(o.seconds).toBeLessThan(20);
    expect(o.output).toContain('the main node ended the job');
  });

  test('a node that vanishes (killed with its bootstrap) fails the job too', async () => {
    const port = await freePort();
    const job = { kind: 'PyTorchJob', replicas: { Master: 1, Worker: 1 } };
    const main = startNode(0, 2, 0, port, job, SLEEP);
    const worker = startNode(1, 2, 0, port, job, SLEEP);
    // Once the worker's command runs, its node disappears.
    const hasChild = (pid: number) => {
      try {
        return (
          execFileSync('pgrep', ['-P', String(pid)])
            .toString()
            .trim() !== ''
        );
      } catch {
        return false; // pgrep exits 1 when there is none yet
      }
    };
    while (!hasChild(worker.process.pid!)) await new Promise((r) => setTimeout(r, 100));
    worker.process.kill('SIGKILL');
    const m = await main;
    expect(m.code).toBe(1);
    expect(m.output).toContain('node rank 1 was lost');
    expect(m.seconds).toBeLessThan(20);
  });
});
