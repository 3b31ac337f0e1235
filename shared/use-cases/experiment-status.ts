import { NotFoundError } from '../errors.js';
import type { ExperimentRecord, TrialSummary } from '../experiment/records.js';
import { assertExperimentTransition, isExperimentFinished } from '../experiment/states.js';
import { type Completion, countsOnly, countTrials, evaluateCompletion, optimalTrial, setCondition } from '../experiment/status.js';
import { secondsBetween } from '../ports/telemetry.js';
import type { ExperimentStatus } from '../spec/types.js';
import type { UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry.js';

/** Reads an experiment or throws `NotFoundError` naming it. */
export async function requireExperiment(deps: Pick<UseCaseDeps, 'store'>, namespace: string, name: string): Promise<ExperimentRecord> {
  const exp = await deps.store.getExperiment(namespace, name);
  if (!exp) throw new NotFoundError(`experiment ${namespace}/${name} not found`);
  return exp;
}

/**
 * The Katib status of an experiment from its trials: counts, optimal trial, kept conditions. The
 * name lists are left out of the stored item (they grow without bound, Katib's #1847) and filled in
 * when an object is shown.
 */
export function statusFromTrials(record: ExperimentRecord, trials: TrialSummary[], now: string): ExperimentStatus {
  const counts = countsOnly(trials);
  return {
    ...record.status,
    ...counts,
    currentOptimalTrial: optimalTrial(record.experiment, trials),
    lastReconcileTime: now,
  };
}

/** Applies a completion verdict to a record: state, reason and Katib's conditions. */
export function markCompleted(record: ExperimentRecord, completion: Completion, now: string): ExperimentRecord {
  assertExperimentTransition(record.name, record.state, completion.state);
  const conditions = setCondition(
    record.status.conditions,
    { type: completion.state, status: 'True', reason: completion.reason, message: completion.message },
    now,
  );
  return {
    ...record,
    state: completion.state,
    reason: completion.reason,
    message: completion.message,
    status: { ...record.status, conditions, completionTime: now },
  };
}

/**
 * Decides, while an experiment runs, whether Katib's rules (or `force`) end it, and if so stores the
 * verdict with a status snapshot. The experiment item is written only on that transition: counts and
 * the optimal trial are derived from the trial items whenever an object is shown, so lanes finishing
 * trials at once do not contend for one item, and a retried call changes nothing. Returns the record
 * with its status as of now.
 */
export async function refreshExperiment(
  deps: Pick<UseCaseDeps, 'store' | 'clock' | 'telemetry'>,
  namespace: string,
  name: string,
  force?: Completion,
): Promise<ExperimentRecord> {
  return retryOnConflict(async () => {
    const record = await requireExperiment(deps, namespace, name);
    const trials = await deps.store.listTrialSummaries(namespace, name);
    const now = deps.clock.now();
    const current: ExperimentRecord = { ...record, status: statusFromTrials(record, trials, now) };
    if (isExperimentFinished(record.state)) return current;
    const completion = evaluateCompletion(record.experiment, countTrials(trials), current.status.currentOptimalTrial) ?? force;
    if (!completion) return current;
    const finished = await deps.store.updateExperiment(markCompleted(current, completion, now));
    deps.telemetry?.experimentFinished(namespace, finished.state, secondsBetween(finished.createdAt, now));
    return finished;
  });
}
