import type { Condition, Experiment, ExperimentStatus, OptimalTrial } from '../spec/types.js';
import { isBetter, objectiveValue, reachesGoal } from './metrics.js';
import type { TrialSummary } from './records.js';
import type { ExperimentState } from './states.js';

/** Counts and name lists of an experiment's trials, under Katib's field names. */
export type TrialCounts = Pick<
  ExperimentStatus,
  | 'trials'
  | 'trialsSucceeded'
  | 'trialsFailed'
  | 'trialsKilled'
  | 'trialsPending'
  | 'trialsRunning'
  | 'trialsEarlyStopped'
  | 'trialMetricsUnavailable'
  | 'runningTrialList'
  | 'pendingTrialList'
  | 'failedTrialList'
  | 'succeededTrialList'
  | 'killedTrialList'
  | 'earlyStoppedTrialList'
  | 'metricsUnavailableTrialList'
>;

/**
 * Counts trials by state. Derived from the trial items themselves rather than kept as counters, so that
 * a retried CompleteTrial can never count a trial twice.
 */
export function countTrials(trials: TrialSummary[]): TrialCounts {
  const byState = (state: TrialSummary['state']) => trials.filter((t) => t.state === state).map((t) => t.name);
  const running = byState('Running');
  const pending = byState('Created');
  const failed = byState('Failed');
  const succeeded = byState('Succeeded');
  const killed = byState('Killed');
  const earlyStopped = byState('EarlyStopped');
  const unavailable = byState('MetricsUnavailable');
  return {
    trials: trials.length,
    trialsSucceeded: succeeded.length,
    trialsFailed: failed.length,
    trialsKilled: killed.length,
    trialsPending: pending.length,
    trialsRunning: running.length,
    trialsEarlyStopped: earlyStopped.length,
    trialMetricsUnavailable: unavailable.length,
    runningTrialList: running,
    pendingTrialList: pending,
    failedTrialList: failed,
    succeededTrialList: succeeded,
    killedTrialList: killed,
    earlyStoppedTrialList: earlyStopped,
    metricsUnavailableTrialList: unavailable,
  };
}

/** The counts without the name lists: what the experiment item stores (the lists grow without bound). */
export function countsOnly(trials: TrialSummary[]): Omit<TrialCounts, `${string}TrialList`> {
  const {
    runningTrialList: _r,
    pendingTrialList: _p,
    failedTrialList: _f,
    succeededTrialList: _s,
    killedTrialList: _k,
    earlyStoppedTrialList: _e,
    metricsUnavailableTrialList: _m,
    ...counts
  } = countTrials(trials);
  return counts;
}

/** An empty `currentOptimalTrial`, as Katib shows before any trial reported. */
export function emptyOptimalTrial(): OptimalTrial {
  return { bestTrialName: '', parameterAssignments: [], observation: { metrics: [] } };
}

/**
 * Katib's optimal trial: across trials in creation order, the objective by metric strategy, strict
 * comparison (the first of equals wins); trials without a numeric objective are skipped.
 */
export function optimalTrial(exp: Experiment, trials: TrialSummary[]): OptimalTrial {
  let best: { trial: TrialSummary; value: number } | undefined;
  for (const trial of [...trials].sort((a, b) => a.index - b.index)) {
    const value = objectiveValue(exp.spec.objective, trial.metrics);
    if (value === undefined) continue;
    if (!best || isBetter(exp.spec.objective, value, best.value)) best = { trial, value };
  }
  if (!best) return emptyOptimalTrial();
  return {
    bestTrialName: best.trial.name,
    parameterAssignments: best.trial.parameterAssignments,
    observation: { metrics: best.trial.metrics ?? [] },
  };
}

/** The verdict of Katib's `UpdateExperimentStatusCondition`. */
export interface Completion {
  state: ExperimentState;
  reason: string;
  message: string;
}

/**
 * Decides whether an experiment is done, in Katib's order: goal, then `maxFailedTrialCount`
 * (MetricsUnavailable counts as failed), then `maxTrialCount`.
 */
export function evaluateCompletion(exp: Experiment, counts: TrialCounts, optimal: OptimalTrial): Completion | undefined {
  const { objective, maxFailedTrialCount, maxTrialCount } = exp.spec;
  const best = objectiveValue(objective, optimal.observation.metrics);
  if (best !== undefined && reachesGoal(objective, best)) {
    return {
      state: 'Succeeded',
      reason: 'ExperimentGoalReached',
      message: 'Experiment has succeeded because Objective goal has reached',
    };
  }
  const failed = counts.trialsFailed + counts.trialMetricsUnavailable;
  if (maxFailedTrialCount !== undefined && failed > 0 && failed >= maxFailedTrialCount) {
    return {
      state: 'Failed',
      reason: 'ExperimentFailed',
      message: 'Experiment has failed because max failed count has reached',
    };
  }
  const finished =
    counts.trialsSucceeded + counts.trialsFailed + counts.trialsKilled + counts.trialsEarlyStopped + counts.trialMetricsUnavailable;
  if (maxTrialCount !== undefined && finished >= maxTrialCount) {
    return {
      state: 'Succeeded',
      reason: 'ExperimentMaxTrialsReached',
      message: 'Experiment has succeeded because max trial count has reached',
    };
  }
  return undefined;
}

/** Completion when the algorithm has nothing more to suggest and no trial is active (grid exhausted). */
export const SUGGESTION_END: Completion = {
  state: 'Succeeded',
  reason: 'ExperimentSuggestionEndReached',
  message: 'Experiment has succeeded because the algorithm has nothing more to suggest (search space or plan exhausted)',
};

const CONDITION_ORDER = ['Created', 'Running', 'Restarting', 'Succeeded', 'Failed'];

/**
 * Sets a condition the way Katib's `setCondition` does: one entry per type, transition time kept when
 * the status does not change; finishing turns `Running` False with its reason kept.
 */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
): Condition[] {
  const out = conditions.filter((c) => c.type !== next.type);
  const prev = conditions.find((c) => c.type === next.type);
  out.push({
    ...next,
    lastUpdateTime: now,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now,
  });
  if (next.type === 'Succeeded' || next.type === 'Failed') {
    const running = out.find((c) => c.type === 'Running');
    if (running && running.status === 'True') {
      running.status = 'False';
      running.lastUpdateTime = now;
      running.lastTransitionTime = now;
    }
  }
  return out.sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type));
}
