import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runJobLocally } from '#shared/adapters/local-job-runner.js';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import type { JobRunner } from '#shared/ports/job-runner.js';
import { secondsBetween, type Telemetry } from '#shared/ports/telemetry.js';
import type { JobStatus } from '#shared/training/job-status.js';
import { retryOnConflict } from '#shared/use-cases/retry.js';
import { BackgroundRuns } from './background-runs.js';
import { thisRunner } from './runner-claim.js';

/**
 * Runs the API's training jobs as local process gangs (runJobLocally, the engine of `tunestep train`)
 * and keeps each job's record current: every condition and replica phase is written as it changes,
 * in order, the last one after the job has ended.
 */
export class LocalJobRunner extends BackgroundRuns<{ abort: AbortController; done: Promise<void> }> implements JobRunner {
  constructor(
    private readonly store: ExperimentStore,
    private readonly jobsDir: string,
    private readonly baseEnv: Record<string, string | undefined>,
    private readonly onError: (namespace: string, name: string, error: Error) => void,
    private readonly telemetry?: Telemetry,
  ) {
    super();
  }

  async start(namespace: string, name: string): Promise<void> {
    if (this.isRunning(namespace, name)) return;
    const record = await this.store.getJob(namespace, name);
    if (!record) return;
    const jobDir = join(this.jobsDir, namespace, name);
    rmSync(jobDir, { recursive: true, force: true });
    const abort = new AbortController();
    const kind = record.job.kind;
    this.telemetry?.jobCreated(namespace, kind);
    let restarts = 0;
    let writes: Promise<unknown> = Promise.resolve();
    const write = (status: JobStatus) => {
      const snapshot = structuredClone(status);
      for (; restarts < status.restarts; restarts++) this.telemetry?.jobRestarted(namespace, kind);
      writes = writes
        .then(() =>
          retryOnConflict(async () => {
            const current = await this.store.getJob(namespace, name);
            if (!current) return;
            await this.store.updateJob({
              ...current,
              status: snapshot,
              runner: thisRunner(),
            });
          }),
        )
        .catch((e: Error) => this.onError(namespace, name, e));
    };
    const done = runJobLocally(record.job, {
      jobDir,
      workdir: record.workdir ?? process.cwd(),
      baseEnv: this.baseEnv,
      signal: abort.signal,
      onStatus: write,
    })
      .then(
        (status) => {
          write(status);
          const end = status.conditions.at(-1)?.type ?? 'Failed';
          this.telemetry?.jobFinished(namespace, kind, end, secondsBetween(status.startTime, status.completionTime));
        },
        (e: Error) => this.onError(namespace, name, e),
      )
      .then(() => writes)
      .then(() => undefined);
    this.track(namespace, name, { abort, done });
  }

  async stop(namespace: string, name: string): Promise<void> {
    const entry = this.entry(namespace, name);
    if (!entry) return;
    entry.abort.abort();
    await entry.done;
  }
}
