import type { TrialRecord } from '../experiment/records.js';
import type { UseCaseDeps } from './deps.js';
import { refreshExperiment } from './experiment-status.js';
import { retryOnConflict } from './retry.js';
import { transitionTrial } from './trial-transition.js';

/**
 * Makes an experiment whose runner died ready to continue: every trial that was Running is stopped if
 * its workload is still there (an orphan of the dead runner), its partial observations are dropped and
 * it goes back to Created, so that the next execution runs it again under the same name and slot.
 * Trials never run twice at once, and none is created twice.
 */
export async function recoverExperiment(deps: UseCaseDeps, input: { namespace: string; name: string }): Promise<TrialRecord[]> {
  const trials = await deps.store.listTrials(input.namespace, input.name);
  const rerun: TrialRecord[] = [];
  for (const trial of trials.filter((t) => t.state === 'Running')) {
    if (trial.runtime) await deps.launcher.reap(trial.runtime);
    await deps.store.deleteObservations(trial.namespace, trial.name);
    const reset = await retryOnConflict(async () => {
      const current = (await deps.store.getTrial(trial.namespace, input.name, trial.index)) ?? trial;
      const next = transitionTrial(
        current,
        'Created',
        'TrialRestarted',
        'Trial is re-run: the runner that ran it stopped',
        deps.clock.now(),
      );
      return deps.store.updateTrial({
        ...next,
        runtime: undefined,
        claimedBy: undefined,
        metrics: undefined,
      });
    });
    rerun.push(reset);
  }
  await refreshExperiment(deps, input.namespace, input.name);
  return rerun;
}
