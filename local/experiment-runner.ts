import { isTrialFinished } from '#shared/experiment/states.js';
import type { ExperimentRunner } from '#shared/ports/experiment-runner.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { recoverExperiment } from '#shared/use-cases/recover-experiment.js';
import { markStopped } from '#shared/use-cases/stop-experiment.js';
import { BackgroundRuns } from './background-runs.js';
import { claimRunner, releaseRunner } from './runner-claim.js';
import { type LocalExecution, runExperimentLoop } from './state-machine.js';

/**
 * Runs experiment loops in this process for the local server: one execution of the state machine per
 * experiment, claimed in the store so that no CLI `run` drives the same experiment at once.
 */
export class LocalExperimentRunner
  extends BackgroundRuns<{ execution: LocalExecution; stopping: boolean; done: Promise<void> }>
  implements ExperimentRunner
{
  constructor(
    private readonly deps: UseCaseDeps,
    private readonly onError: (namespace: string, name: string, error: Error) => void,
  ) {
    super();
  }

  async start(namespace: string, name: string): Promise<void> {
    if (this.isRunning(namespace, name)) return;
    await claimRunner(this.deps.store, namespace, name);
    // Trials a dead runner (or a stop) left Running are re-run under the same names.
    await recoverExperiment(this.deps, { namespace, name });
    const execution = runExperimentLoop(this.deps, { namespace, name });
    const entry = { execution, stopping: false, done: Promise.resolve() };
    entry.done = execution.result.then(
      () => undefined,
      (e: Error) => {
        if (!entry.stopping) this.onError(namespace, name, e);
      },
    );
    this.track(namespace, name, entry);
  }

  async stop(namespace: string, name: string): Promise<void> {
    const entry = this.entry(namespace, name);
    if (entry) {
      entry.stopping = true;
      entry.execution.abort();
      const trials = await this.deps.store.listTrialSummaries(namespace, name);
      await Promise.all(trials.filter((t) => !isTrialFinished(t.state)).map((t) => this.deps.launcher.terminate(namespace, t.name)));
      await entry.done;
      await recoverExperiment(this.deps, { namespace, name });
    }
    await markStopped(this.deps, namespace, name);
    await releaseRunner(this.deps.store, namespace, name);
  }
}
