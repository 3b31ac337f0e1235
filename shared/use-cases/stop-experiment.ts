import { STOPPED_REASON } from '../experiment/states.js';
import { setCondition } from '../experiment/status.js';
import type { UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry.js';

/**
 * Records that an experiment's loop was stopped on request: it stays Running (resumable), with its
 * Running condition False and reason `ExperimentStopped`; the next Initialize marks it running again.
 */
export async function markStopped(deps: Pick<UseCaseDeps, 'store' | 'clock'>, namespace: string, name: string): Promise<void> {
  await retryOnConflict(async () => {
    const record = await deps.store.getExperiment(namespace, name);
    if (record?.state !== 'Running') return;
    const now = deps.clock.now();
    const message = 'Experiment is stopped; resume continues it';
    await deps.store.updateExperiment({
      ...record,
      reason: STOPPED_REASON,
      message,
      status: {
        ...record.status,
        conditions: setCondition(record.status.conditions, { type: 'Running', status: 'False', reason: STOPPED_REASON, message }, now),
      },
    });
  });
}
