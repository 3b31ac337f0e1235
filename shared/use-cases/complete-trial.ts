import type { CompleteTrialInput } from '../contracts/tasks.js';
import { NotFoundError } from '../errors.js';
import { summarizeMetrics } from '../experiment/metrics.js';
import type { TrialRecord } from '../experiment/records.js';
import { isExperimentFinished, isTrialFinished, type TrialState } from '../experiment/states.js';
import { UNAVAILABLE } from '../spec/types.js';
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
 * has a value, MetricsUnavailable when it succeeded without one, Failed when the job failed, Killed when
 * it was stopped. Then updates the experiment and, if that ended it, stops the trials still running.
 * Idempotent: a finished trial is left as it is, and the experiment status is derived, not counted.
 */
export async function completeTrial(
  deps: UseCaseDeps,
  input: CompleteTrialInput,
): Promise<{ trialState: TrialState; experimentState: string }> {
  const trial = await retryOnConflict(async () => {
    const current = await deps.store.getTrial(input.namespace, input.name, input.trialName);
    if (!current) throw new NotFoundError(`trial ${input.namespace}/${input.trialName} not found`);
    if (isTrialFinished(current.state)) return current;
    const experiment = await deps.store.getExperiment(input.namespace, input.name);
    if (!experiment) throw new NotFoundError(`experiment ${input.namespace}/${input.name} not found`);
    const observations = await deps.store.listObservations(input.namespace, input.trialName);
    const metrics = summarizeMetrics(experiment.experiment.spec.objective, observations);
    const { state, jobReason, message } = judge(input.run, metrics[0]?.latest !== UNAVAILABLE);
    const next: TrialRecord = {
      ...transitionTrial(current, state, `${REASONS[state]}. Job reason: ${jobReason}`, message, deps.clock.now()),
      metrics,
    };
    return deps.store.updateTrial(next);
  });

  const experiment = await refreshExperiment(deps, input.namespace, input.name);
  if (isExperimentFinished(experiment.state)) {
    const others = await deps.store.listTrials(input.namespace, input.name);
    await Promise.all(others.filter((t) => t.state === 'Running').map((t) => deps.launcher.terminate(t.namespace, t.name)));
  }
  return { trialState: trial.state, experimentState: experiment.state };
}

function judge(run: CompleteTrialInput['run'], hasObjective: boolean): { state: TrialState; jobReason: string; message: string } {
  if ('Error' in run) return { state: 'Failed', jobReason: run.Error, message: run.Cause ?? run.Error };
  if (run.outcome === 'killed') return { state: 'Killed', jobReason: run.reason, message: run.message };
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
