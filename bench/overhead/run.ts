/**
 * Orchestration overhead: 200 no-op trials, 4 in parallel, through `tunestep run` (the CLI's start-up,
 * the state machine, the store, the launcher) against a plain loop that starts the same 200 processes 4
 * at a time, measured in the same run. Prints the ratio; the target is at most 1.3.
 *
 * Usage: npm run bench:overhead [-- --trials 200 --parallel 4 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { overheadExperiment } from './experiment.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
const TRIALS = Number(values.trials);
const PARALLEL = Number(values.parallel);
const ROUNDS = Number(values.rounds);
const SCRIPT = join(ROOT, 'bench', 'overhead', 'noop.py');

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    child.stdout.resume();
    child.on('error', rej);
    child.on('close', (code) => res(code ?? 1));
  });
}

async function plainLoop(): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < TRIALS) {
      next++;
      await run('python3', [SCRIPT, `--x=${Math.random()}`]);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return performance.now() - start;
}

async function throughTunestep(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'tunestep-bench-'));
  const file = join(home, 'overhead.yaml');
  writeFileSync(file, stringify(overheadExperiment('overhead', TRIALS, PARALLEL, ['python3', SCRIPT, '--x=${trialParameters.x}'])));
  const start = performance.now();
  const code = await run(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'run', file], { TUNESTEP_HOME: home });
  const elapsed = performance.now() - start;
  rmSync(home, { recursive: true, force: true });
  if (code !== 0) throw new Error(`tunestep run exited ${code}`);
  return elapsed;
}

// This machine is noisy: interleave the two and compare each tunestep run with the mean of the
// reference runs either side of it; report every round and the median ratio.
const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
console.log(`trials: ${TRIALS}, parallel: ${PARALLEL}, rounds: ${ROUNDS}`);
const ratios: number[] = [];
let before = await plainLoop();
for (let round = 1; round <= ROUNDS; round++) {
  const tunestep = await throughTunestep();
  const after = await plainLoop();
  const reference = (before + after) / 2;
  ratios.push(tunestep / reference);
  console.log(
    `round ${round}: plain loop ${ms(reference)} (${ms(before)}, ${ms(after)}), tunestep run ${ms(tunestep)}, overhead per trial ${((tunestep - reference) / TRIALS).toFixed(1)} ms, ratio ${(tunestep / reference).toFixed(2)}`,
  );
  before = after;
}
const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
console.log(`ratio tunestep/plain (median of ${ROUNDS}): ${median.toFixed(2)} (target <= 1.30)`);
