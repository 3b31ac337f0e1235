import type { LocalRuntime } from '#local/runtime.js';
import { runExperimentLoop } from '#local/state-machine.js';
import type { FinalizeOutput } from '#shared/contracts/tasks.js';
import { objectiveValue } from '#shared/experiment/metrics.js';
import type { ExperimentRecord, TrialRecord, TrialSummary } from '#shared/experiment/records.js';
import { isTrialFinished } from '#shared/experiment/states.js';
import { statusFromTrials } from '#shared/use-cases/experiment-status.js';

/** How often progress is read from the store: twice a second on a terminal, once a second into a pipe. */
const POLL_MS_TTY = 500;
const POLL_MS_PIPE = 1000;

/** How `run`/`resume` end: exit codes 0 Succeeded, 1 Failed, 130 interrupted. */
export interface DriveResult {
  final?: FinalizeOutput;
  interrupted: boolean;
}

function describeTrial(exp: ExperimentRecord, t: TrialSummary, full?: TrialRecord): string {
  const value = objectiveValue(exp.experiment.spec.objective, t.metrics);
  const metric = exp.experiment.spec.objective.objectiveMetricName;
  const params = t.parameterAssignments.map((a) => `${a.name}=${a.value}`).join(' ');
  const why = full ? ` [${full.reason}: ${full.message}]` : '';
  return `${t.name} ${t.state}${value !== undefined ? ` ${metric}=${value}` : ''} (${params})${why}`;
}

function progressLine(exp: ExperimentRecord): string {
  const s = exp.status;
  const best = s.currentOptimalTrial;
  const metric = best.observation.metrics.find((m) => m.name === exp.experiment.spec.objective.objectiveMetricName);
  const bestText = best.bestTrialName
    ? `best ${metric?.name}=${objectiveValue(exp.experiment.spec.objective, best.observation.metrics)} (${best.bestTrialName})`
    : 'no result yet';
  const max = exp.experiment.spec.maxTrialCount;
  return `${exp.namespace}/${exp.name} ${exp.state}: trials ${s.trials}${max ? `/${max}` : ''} running ${s.trialsRunning} succeeded ${s.trialsSucceeded} failed ${s.trialsFailed + s.trialMetricsUnavailable} | ${bestText}`;
}

/**
 * Runs the experiment loop to its end while showing progress on stderr: one live line on a terminal,
 * a plain line per finished trial when piped. Ctrl-C stops the trials and leaves the experiment
 * resumable.
 */
export async function drive(runtime: LocalRuntime, namespace: string, name: string): Promise<DriveResult> {
  const { store } = runtime.deps;
  const tty = process.stderr.isTTY === true;
  const reported = new Set<string>();
  let lastLine = '';
  let interrupted = false;

  const execution = runExperimentLoop(runtime.deps, { namespace, name });
  const onSignal = () => {
    interrupted = true;
    execution.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const report = async () => {
    const exp = await store.getExperiment(namespace, name);
    if (!exp) return;
    const trials = await store.listTrialSummaries(namespace, name);
    for (const t of trials) {
      if (isTrialFinished(t.state) && !reported.has(t.name)) {
        reported.add(t.name);
        // Why a trial did not succeed is in its full record; read it only for those.
        const full = t.state === 'Succeeded' ? undefined : await store.getTrial(namespace, name, t.index);
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}trial ${describeTrial(exp, t, full)}\n`);
        lastLine = '';
      }
    }
    const line = progressLine({ ...exp, status: statusFromTrials(exp, trials, new Date().toISOString()) });
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (line !== lastLine && reported.size === 0) process.stderr.write(`${line}\n`);
    lastLine = line;
  };
  const timer = setInterval(() => void report().catch(() => {}), tty ? POLL_MS_TTY : POLL_MS_PIPE);
  try {
    const final = await execution.result;
    return { final, interrupted: false };
  } catch (e) {
    if (interrupted) return { interrupted: true };
    throw e;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (interrupted) await runtime.launcher.terminateAll();
    await report().catch(() => {});
    if (tty) process.stderr.write('\n');
  }
}
