import { ListExecutionsCommand, type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { isTrialFinished } from '#shared/experiment/states.js';
import type { ExperimentRunner } from '#shared/ports/experiment-runner.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { markStopped } from '#shared/use-cases/stop-experiment.js';

/** Execution names: letters, digits, '-' and '_', at most 80 (Step Functions' rule). */
export function executionName(namespace: string, name: string, now: number): string {
  return `${`${namespace}-${name}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 66)}-${now.toString(36)}`;
}

/**
 * Experiment loops on AWS: one Standard Step Functions execution per experiment (the same definition
 * local mode runs), started and stopped through the Step Functions API.
 */
export class StepFunctionsExperimentRunner implements ExperimentRunner {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
    private readonly deps: UseCaseDeps,
  ) {}

  async start(namespace: string, name: string): Promise<void> {
    await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: executionName(namespace, name, Date.now()),
        input: JSON.stringify({ namespace, name }),
      }),
    );
  }

  async stop(namespace: string, name: string): Promise<void> {
    const prefix = `${namespace}-${name}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 66);
    const { executions } = await this.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter: 'RUNNING' }),
    );
    for (const e of executions ?? []) {
      if (e.name?.startsWith(`${prefix}-`))
        await this.sfn.send(new StopExecutionCommand({ executionArn: e.executionArn, cause: 'stopped through the API' }));
    }
    // Stopping an execution does not stop its Batch jobs: the trials' own handles do.
    for (const t of await this.deps.store.listTrials(namespace, name)) {
      if (t.runtime && !isTrialFinished(t.state)) await this.deps.launcher.reap(t.runtime);
    }
    await markStopped(this.deps, namespace, name);
  }

  /** Not knowable without a call; callers that ask (delete) then stop, which is harmless when nothing runs. */
  isRunning(): boolean {
    return true;
  }
}
