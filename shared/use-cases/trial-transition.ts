import type { TrialRecord } from '../experiment/records.js';
import type { TrialState } from '../experiment/states.js';
import { assertTrialTransition, isTrialFinished } from '../experiment/states.js';

/**
 * A trial moved to a new state with Katib's condition bookkeeping: the new condition True, the
 * previous `Running` condition False once finished. Checks the transition.
 */
export function transitionTrial(trial: TrialRecord, to: TrialState, reason: string, message: string, now: string): TrialRecord {
  assertTrialTransition(trial.name, trial.state, to);
  // New condition objects: the trial handed in is left as it was.
  const conditions = trial.conditions
    .filter((c) => c.type !== to)
    .map((c) =>
      isTrialFinished(to) && c.type === 'Running' && c.status === 'True'
        ? { ...c, status: 'False' as const, lastUpdateTime: now, lastTransitionTime: now }
        : c,
    );
  conditions.push({
    type: to,
    status: 'True',
    reason,
    message,
    lastUpdateTime: now,
    lastTransitionTime: now,
  });
  return {
    ...trial,
    state: to,
    reason,
    message,
    conditions,
    startTime: to === 'Running' ? (trial.startTime ?? now) : trial.startTime,
    completionTime: isTrialFinished(to) ? now : trial.completionTime,
  };
}
