import { IllegalTransitionError } from '../errors.js';

/** A trial's lifecycle, as Katib's trial conditions (plus `Created` for "planned, not started"). */
export type TrialState = 'Created' | 'Running' | 'Succeeded' | 'Failed' | 'MetricsUnavailable' | 'EarlyStopped' | 'Killed';

/** An experiment's lifecycle (Katib's condition types). */
export type ExperimentState = 'Created' | 'Running' | 'Restarting' | 'Succeeded' | 'Failed';

const FINISHED_TRIAL: ReadonlySet<TrialState> = new Set(['Succeeded', 'Failed', 'MetricsUnavailable', 'EarlyStopped', 'Killed']);

/** Whether a trial has ended, whatever the outcome. */
export function isTrialFinished(state: TrialState): boolean {
  return FINISHED_TRIAL.has(state);
}

/** The reason of an experiment stopped on request: still Running (resumable), its Running condition False. */
export const STOPPED_REASON = 'ExperimentStopped';

/** An experiment's status as lists filter it: its state, or `Stopped` for one stopped on request. */
export function experimentStatus(record: { state: ExperimentState; reason: string }): ExperimentState | 'Stopped' {
  return record.reason === STOPPED_REASON ? 'Stopped' : record.state;
}

/** Whether an experiment has ended. */
export function isExperimentFinished(state: ExperimentState): boolean {
  return state === 'Succeeded' || state === 'Failed';
}

const TRIAL_TRANSITIONS: Record<TrialState, readonly TrialState[]> = {
  // Created -> finished directly when a trial is stopped (experiment ended) before it started.
  Created: ['Running', 'Killed', 'Failed'],
  // Running -> Created: a trial orphaned by a crashed runner is re-run by `resume`.
  Running: ['Succeeded', 'Failed', 'MetricsUnavailable', 'EarlyStopped', 'Killed', 'Created'],
  Succeeded: [],
  Failed: [],
  MetricsUnavailable: [],
  EarlyStopped: [],
  Killed: [],
};

/**
 * The one place trial transitions are checked.
 * @throws IllegalTransitionError for a transition the lifecycle does not allow
 */
export function assertTrialTransition(trial: string, from: TrialState, to: TrialState): void {
  if (from === to || TRIAL_TRANSITIONS[from].includes(to)) return;
  throw new IllegalTransitionError(`trial ${trial}: cannot go from ${from} to ${to}`);
}

const EXPERIMENT_TRANSITIONS: Record<ExperimentState, readonly ExperimentState[]> = {
  Created: ['Running', 'Failed'],
  Running: ['Succeeded', 'Failed'],
  Restarting: ['Running', 'Succeeded', 'Failed'],
  Succeeded: ['Restarting'],
  Failed: [],
};

/**
 * The one place experiment transitions are checked.
 * @throws IllegalTransitionError for a transition the lifecycle does not allow
 */
export function assertExperimentTransition(experiment: string, from: ExperimentState, to: ExperimentState): void {
  if (from === to || EXPERIMENT_TRANSITIONS[from].includes(to)) return;
  throw new IllegalTransitionError(`experiment ${experiment}: cannot go from ${from} to ${to}`);
}
