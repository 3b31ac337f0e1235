import type { CompleteTrialInput, CompletionRules } from '../contracts/tasks.js';
import { NotFoundError } from '../errors.js';
import { objectiveCurve, objectiveValue, reachesGoal, summarizeMetrics } from '../experiment/metrics.js';
import type { TrialRecord } from '../experiment/records.js';
import { isExperimentFinished, isTrialFinished, type TrialState } from '../experiment/states.js';
import { secondsBetween } from '../ports/telemetry.js';
import { type MetricSummary, UNAVAILABLE } from '../spec/types.js';
import type { UseCaseDeps } from './deps.js';
import { refreshExperiment } from './experiment-status.js';
import { retryOnConflict } from './retry.js';
import { transitionTrial } from './trial-transition.js';

/** Katib's trial reasons for each end state. */
const REASONS: Record<string, string> = {
  Succeeded: 'TrialSucceeded',
  Failed: 'TrialFailed',
  MetricsUnavailable: 'MetricsUnavailable',
  EarlyStopped: 'TrialEarlyStopped',
  Killed: 'TrialKilled',
};

/**
 * Decides how a trial ended (CompleteTrial): Succeeded when the job succeeded and the objective metric
 * has a value, MetricsUnavailable when it succeeded without one, Failed when the job failed,
 * EarlyStopped when the early-stopping rule stopped it, Killed when it was stopped otherwise. Then, if
 * the trial can end the experiment, updates it and, if it ended, stops the trials still running.
 * Idempotent: a finished trial is left as it is, and the experiment status is derived, not counted.
 */
export async function completeTrial(
  deps: UseCaseDeps,
  input: CompleteTrialInput,
): Promise<{ trialState: TrialState; experimentEnded: boolean }> {
  const { rules } = input;
  // The trial as RunTrial wrote it is current unless something else wrote since; then the write conflicts.
  let handed = 'trial' in input.run ? input.run.trial : undefined;
  let finishedHere = false;
  const trial = await retryOnConflict(async () => {
    const current = handed ?? (await deps.store.getTrial(input.namespace, input.name, input.trialIndex));
    handed = undefined;
    if (!current) throw new NotFoundError(`trial ${input.namespace}/${input.trialName} not found`);
    if (isTrialFinished(current.state)) return current;
    const { metrics, curve } = await collected(deps, input);
    // Stopped by the log pipeline's median rule (AWS): the job then ends as terminated, recorded as what it was.
    const { state, jobReason, message } = current.stopRequested
      ? { state: 'EarlyStopped' as const, jobReason: 'EarlyStopped', message: current.stopRequested.message }
      : judge(input.run, metrics[0]?.latest !== UNAVAILABLE);
    const written = await deps.store.updateTrial({
      ...transitionTrial(current, state, `${REASONS[state]}. Job reason: ${jobReason}`, message, deps.clock.now()),
      metrics,
      // Bounded so that the trial item stays far below DynamoDB's 400 KB.
      objectiveCurve: rules.keepCurve ? curve.slice(0, MAX_CURVE) : undefined,
    });
    finishedHere = true;
    return written;
  });
  if (finishedHere) {
    deps.telemetry?.trialFinished(input.namespace, rules.kind ?? 'Job', trial.state, secondsBetween(trial.startTime, trial.completionTime));
  }

  if (!mayEnd(rules, trial)) return { trialState: trial.state, experimentEnded: false };
  const refreshed = await refreshExperiment(deps, input.namespace, input.name);
  if (isExperimentFinished(refreshed.state)) await stopActiveTrials(deps, input.namespace, input.name);
  return { trialState: trial.state, experimentEnded: isExperimentFinished(refreshed.state) };
}

/**
 * Once an experiment has ended: trials not started yet are marked Killed (so that a RunTrial already
 * on its way finds them so and does not start them), running ones are stopped; CompleteTrial then
 * records them Killed. Katib defines Killed but never sets it; we do, deliberately.
 */
export async function stopActiveTrials(deps: UseCaseDeps, namespace: string, name: string): Promise<void> {
  const trials = await deps.store.listTrialSummaries(namespace, name);
  await Promise.all(
    trials.map(async (t) => {
      if (t.state === 'Running') return deps.launcher.terminate(namespace, t.name);
      if (t.state !== 'Created') return;
      await retryOnConflict(async () => {
        const current = await deps.store.getTrial(namespace, name, t.index);
        if (!current) return;
        if (current.state === 'Created') {
          await deps.store.updateTrial(
            transitionTrial(current, 'Killed', 'TrialKilled', 'Experiment ended before the trial started', deps.clock.now()),
          );
        } else if (current.state === 'Running') await deps.launcher.terminate(namespace, t.name);
      });
    }),
  );
}

/** Values of the objective curve kept per trial. */
const MAX_CURVE = 10_000;

/**
 * The trial's metric summaries and objective curve: as RunTrial handed them when it collected every
 * observation itself, else from the stored observation log (Push, or a launcher that does not collect).
 */
async function collected(deps: UseCaseDeps, input: CompleteTrialInput): Promise<{ metrics: MetricSummary[]; curve: number[] }> {
  if ('metrics' in input.run && input.run.metrics) return { metrics: input.run.metrics, curve: input.run.objectiveCurve ?? [] };
  const log = await deps.store.listObservations(input.namespace, input.trialName);
  return { metrics: summarizeMetrics(input.rules.objective, log), curve: objectiveCurve(input.rules.objective, log) };
}

/**
 * Whether this trial's end can end the experiment before its lanes run dry: its objective reached the
 * goal, or it failed and `maxFailedTrialCount` is set. Decided without listing every trial (the costly
 * read a lane would otherwise repeat for each trial); `maxTrialCount` needs no check here, because once
 * every slot is taken the lanes stop and Finalize applies the same rules.
 */
function mayEnd({ objective, maxFailedTrialCount }: CompletionRules, trial: TrialRecord): boolean {
  const value = objectiveValue(objective, trial.metrics);
  if (value !== undefined && reachesGoal(objective, value)) return true;
  return maxFailedTrialCount !== undefined && (trial.state === 'Failed' || trial.state === 'MetricsUnavailable');
}

function judge(run: CompleteTrialInput['run'], hasObjective: boolean): { state: TrialState; jobReason: string; message: string } {
  if ('Error' in run) return { state: 'Failed', jobReason: run.Error, message: run.Cause ?? run.Error };
  if (run.outcome === 'killed') return { state: 'Killed', jobReason: run.reason, message: run.message };
  if (run.outcome === 'earlyStopped') return { state: 'EarlyStopped', jobReason: run.reason, message: run.message };
  if (run.outcome === 'failed') return { state: 'Failed', jobReason: run.reason, message: run.message };
  if (!hasObjective) {
    return {
      state: 'MetricsUnavailable',
      jobReason: run.reason,
      message: "Metrics are not available: the objective metric never appeared in the trial's output",
    };
  }
  return { state: 'Succeeded', jobReason: run.reason, message: 'Trial has succeeded' };
}
