/**
 * The runner's own cost per trial: the experiment loop in this process (state machine, handlers,
 * dynalite on disk, launcher) over 200 trials whose command is /bin/echo, so that almost nothing but
 * orchestration is measured. Prints wall time and this process's CPU time (the trials' processes and
 * the spawner helper are not in it). A diagnostic beside run.ts's ratio: it shows where a change moves
 * the orchestration cost.
 *
 * Usage: npm run bench:runner-cpu [-- --trials 200 --parallel 4]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLocalRuntime } from '../../local/runtime.js';
import { runExperimentLoop } from '../../local/state-machine.js';
import { checkExperiment } from '../../shared/spec/load.js';
import { createExperiment } from '../../shared/use-cases/create-experiment.js';
import { overheadExperiment } from './experiment.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '200' }, parallel: { type: 'string', default: '4' } } });
const TRIALS = Number(values.trials);
const home = mkdtempSync(join(tmpdir(), 'tunestep-runner-cpu-'));
const experiment = checkExperiment(
  overheadExperiment('runner-cpu', TRIALS, Number(values.parallel), ['/bin/echo', 'loss=${trialParameters.x}']),
);
const runtime = await openLocalRuntime(home, process.env);
try {
  await createExperiment(runtime.deps, { experiment, uid: randomUUID(), seed: 1, workdir: home });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const final = await runExperimentLoop(runtime.deps, { namespace: 'bench', name: 'runner-cpu' }).result;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`trials: ${TRIALS}, parallel: ${values.parallel}, ${final.state} (${final.reason})`);
  console.log(
    `runner wall ${wall.toFixed(2)} s, runner CPU ${cpuSeconds.toFixed(2)} s, ${((cpuSeconds * 1000) / TRIALS).toFixed(1)} ms CPU per trial`,
  );
} finally {
  await runtime.close();
  rmSync(home, { recursive: true, force: true });
}
