import { assertExperimentTransition, isExperimentFinished } from '../experiment/states.js';
import { setCondition } from '../experiment/status.js';
import type { UseCaseDeps } from './deps.js';
import { requireExperiment } from './experiment-status.js';
import { retryOnConflict } from './retry.js';

export interface InitializeResult {
  executionId: string;
  /** One entry per lane (`parallelTrialCount`); empty when the experiment has already ended. */
  lanes: number[];
  /** The Map's MaxConcurrency: one running iteration per lane. */
  parallel: number;
}

/**
 * Marks the experiment Running (Katib's `ExperimentRunning`; again after a stop) and returns its lanes,
 * one per `parallelTrialCount` as it is now.
 */
export async function initializeExperiment(
  deps: Pick<UseCaseDeps, 'store' | 'clock'>,
  input: { namespace: string; name: string; executionId: string },
): Promise<InitializeResult> {
  return retryOnConflict(async () => {
    const record = await requireExperiment(deps, input.namespace, input.name);
    if (isExperimentFinished(record.state)) return { executionId: input.executionId, lanes: [], parallel: 1 };
    const lanes = Array.from({ length: record.experiment.spec.parallelTrialCount ?? 1 }, (_, i) => i);
    const parallel = Math.max(1, lanes.length);
    // Running already (a continued execution) with nothing to change: no write.
    if (record.state === 'Running' && record.reason === 'ExperimentRunning' && record.lanes === lanes.length) {
      return { executionId: input.executionId, lanes, parallel };
    }
    assertExperimentTransition(record.name, record.state, 'Running');
    const now = deps.clock.now();
    await deps.store.updateExperiment({
      ...record,
      state: 'Running',
      lanes: lanes.length,
      reason: 'ExperimentRunning',
      message: 'Experiment is running',
      status: {
        ...record.status,
        startTime: record.status.startTime ?? now,
        conditions: setCondition(
          record.status.conditions,
          { type: 'Running', status: 'True', reason: 'ExperimentRunning', message: 'Experiment is running' },
          now,
        ),
      },
    });
    return { executionId: input.executionId, lanes, parallel };
  });
}
