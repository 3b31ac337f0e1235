import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { openLocalRuntime } from '../../local/runtime.js';
import { processAlive, ROOT, tempHome } from '../helpers.js';
import { command, tunestep, writeExperiment } from './cli.js';

const work = mkdtempSync(join(tmpdir(), 'tunestep-crash-'));
const pidDir = join(work, 'pids');
mkdirSync(pidDir);

const alive = processAlive;

/** Starts `tunestep` and kills it with SIGKILL after `ms`, as a crash would. */
function runAndKill(args: string[], home: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), ...args], {
      env: { ...process.env, TUNESTEP_HOME: home },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

afterAll(() => {
  for (const f of readdirSync(pidDir)) {
    try {
      process.kill(Number.parseInt(f, 10), 'SIGKILL');
    } catch {}
  }
});

test('kill -9 at several moments, then resume: exactly maxTrialCount trials, none twice, no observation lost, no process left', async () => {
  const home = tempHome();
  const epochs = 4;
  const file = writeExperiment(work, 'crashy', (d) => {
    d.spec.maxTrialCount = 12;
    d.spec.parallelTrialCount = 3;
    command(d).push('--sleep=0.8', `--epochs=${epochs}`, `--pid-dir=${pidDir}`);
  });

  // Arrange: a run killed early (maybe before any trial), then resumes killed mid-way.
  await runAndKill(['run', file], home, 900);
  for (const ms of [1500, 700, 2200]) await runAndKill(['resume', 'experiment', 'crashy'], home, ms);

  // Act: resume to the end.
  const final = await tunestep(['resume', 'experiment', 'crashy', '-o', 'json'], home);

  // Assert
  expect(final.stderr).not.toMatch(/\n\s+at /);
  expect([
    final.code,
    final.stderr
      .split('\n')
      .filter((l) => l.startsWith('error'))
      .join('\n'),
  ]).toEqual([0, '']);
  const exp = JSON.parse(final.stdout);
  expect(exp.status.conditions.at(-1).reason).toBe('ExperimentMaxTrialsReached');
  expect(exp.status.trials).toBe(12);
  expect(exp.status.trialsSucceeded).toBe(12);

  const runtime = await openLocalRuntime(home, {});
  try {
    const trials = await runtime.deps.store.listTrials('kubeflow', 'crashy');
    expect(trials).toHaveLength(12);
    expect(new Set(trials.map((t) => t.name)).size).toBe(12);
    expect(trials.map((t) => t.index)).toEqual([...Array(12).keys()]);
    for (const t of trials) {
      const log = await runtime.deps.store.listObservations('kubeflow', t.name);
      // One complete run's worth of values: nothing lost, nothing left over from an interrupted run.
      expect(log.map((o) => o.metricName)).toEqual(Array(epochs).fill('loss'));
      expect(t.metrics?.[0]?.latest).toBe(log.at(-1)?.value);
    }
  } finally {
    await runtime.close();
  }

  // Every trial process ever started, including orphans of the killed runners, is gone.
  const pids = readdirSync(pidDir).map((f) => Number.parseInt(f, 10));
  expect(pids.length).toBeGreaterThanOrEqual(12);
  expect(pids.filter(alive)).toEqual([]);
}, 120_000);

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function silentExperiment(name: string, dir: string): string {
  mkdirSync(dir);
  return writeExperiment(work, name, (d) => {
    d.spec.maxTrialCount = 2;
    d.spec.parallelTrialCount = 2;
    // Silent for a minute: nothing but tunestep can end these processes early.
    command(d).push('--sleep=60', '--epochs=1', `--pid-dir=${dir}`);
  });
}

const pidsIn = (dir: string) => readdirSync(dir).map((f) => Number.parseInt(f, 10));

function killAll(dir: string): void {
  for (const p of pidsIn(dir)) {
    try {
      process.kill(-p, 'SIGKILL');
    } catch {}
  }
}

test('kill -9 of the runner takes its running trials with it within seconds', async () => {
  const home = tempHome();
  const dir = join(work, 'runner-pids');
  const file = silentExperiment('withrunner', dir);
  const runner = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'run', file], {
    env: { ...process.env, TUNESTEP_HOME: home },
    stdio: 'ignore',
  });
  try {
    const trials = await waitFor('two trials to start', () => (pidsIn(dir).length === 2 ? pidsIn(dir) : undefined));
    runner.kill('SIGKILL');
    await waitFor('the trials to stop', () => (trials.some(alive) ? undefined : true), 3000);
  } finally {
    killAll(dir);
  }
}, 60_000);

test('trials orphaned when the runner and its helper both die are stopped by resume before they run again', async () => {
  const home = tempHome();
  const dir = join(work, 'orphan-pids');
  const file = silentExperiment('orphans', dir);
  // A process group of its own, so that the runner and its spawner helper can be killed together.
  const runner = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'run', file], {
    env: { ...process.env, TUNESTEP_HOME: home },
    stdio: 'ignore',
    detached: true,
  });
  let resumer: ReturnType<typeof spawn> | undefined;
  try {
    const orphans = await waitFor('two trials to start', () => (pidsIn(dir).length === 2 ? pidsIn(dir) : undefined));
    process.kill(-runner.pid!, 'SIGKILL');
    await new Promise((r) => runner.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    expect(orphans.filter(alive)).toEqual(orphans);

    resumer = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'resume', 'experiment', 'orphans'], {
      env: { ...process.env, TUNESTEP_HOME: home },
      stdio: 'ignore',
    });
    const reruns = await waitFor('the re-runs to start', () => {
      const fresh = pidsIn(dir).filter((p) => !orphans.includes(p));
      return fresh.length === 2 ? fresh : undefined;
    });
    expect(orphans.filter(alive)).toEqual([]);
    expect(reruns.filter(alive)).toEqual(reruns);
  } finally {
    resumer?.kill('SIGKILL');
    killAll(dir);
  }
}, 60_000);

test('while a runner is alive, resume and delete refuse (exit 2) and leave it running', async () => {
  const home = tempHome();
  const dir = join(work, 'busy-pids');
  const file = silentExperiment('busy', dir);
  const runner = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'run', file], {
    env: { ...process.env, TUNESTEP_HOME: home },
    stdio: 'ignore',
  });
  try {
    await waitFor('two trials to start', () => (pidsIn(dir).length === 2 ? true : undefined));
    const resume = await tunestep(['resume', 'experiment', 'busy'], home);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`is being run by process ${runner.pid}`);
    const del = await tunestep(['delete', 'experiment', 'busy'], home);
    expect(del.code).toBe(2);
    expect(pidsIn(dir).filter(alive)).toHaveLength(2);
  } finally {
    runner.kill('SIGKILL');
    killAll(dir);
  }
}, 60_000);

test('resume of a finished experiment reports its outcome and runs nothing', async () => {
  const home = tempHome();
  const file = writeExperiment(work, 'done', (d) => (d.spec.maxTrialCount = 3));
  expect((await tunestep(['run', file], home)).code).toBe(0);
  const r = await tunestep(['resume', 'experiment', 'done'], home);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('has already finished: Succeeded (ExperimentMaxTrialsReached)');
});
