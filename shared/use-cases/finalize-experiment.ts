import type { FinalizeOutput } from '../contracts/tasks.js';
import { isExperimentFinished } from '../experiment/states.js';
import { SUGGESTION_END } from '../experiment/status.js';
import type { UseCaseDeps } from './deps.js';
import { refreshExperiment } from './experiment-status.js';
import { suggest } from './plan-trial.js';

/**
 * Runs when every lane has ended. An experiment Katib's rules have not ended yet either has work left
 * (lanes yielded before the history limit: continue in a new execution) or nothing more to suggest
 * (the grid is exhausted: Succeeded with `ExperimentSuggestionEndReached`, which Katib defines but never
 * reaches).
 */
export async function finalizeExperiment(deps: UseCaseDeps, input: { namespace: string; name: string }): Promise<FinalizeOutput> {
  let record = await refreshExperiment(deps, input.namespace, input.name);
  if (!isExperimentFinished(record.state)) {
    const trials = await deps.store.listTrialSummaries(input.namespace, input.name);
    const active = trials.some((t) => t.state === 'Created' || t.state === 'Running');
    if (active || suggest(record, trials, 1).assignments.length > 0) {
      return { state: record.state, reason: record.reason, continue: true };
    }
    record = await refreshExperiment(deps, input.namespace, input.name, SUGGESTION_END);
  }
  return { state: record.state, reason: record.reason, continue: false };
}
