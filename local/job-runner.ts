import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runJobLocally } from '#shared/adapters/local-job-runner.js';
import { processStartTime } from '#shared/adapters/process-group.js';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import type { JobRunner } from '#shared/ports/job-runner.js';
import { secondsBetween, type Telemetry } from '#shared/ports/telemetry.js';
import type { JobStatus } from '#shared/training/job-status.js';
import { retryOnConflict } from '#shared/use-cases/retry.js';

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * Runs the API's training jobs as local process gangs (runJobLocally, the engine of `tunestep train`)
 * and keeps each job's record current: every condition and replica phase is written as it changes,
 * in order, the last one after the job has ended.
 */
export class LocalJobRunner implements JobRunner {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly store: ExperimentStore,
    private readonly jobsDir: string,
    private readonly baseEnv: Record<string, string | undefined>,
    private readonly onError: (namespace: string, name: string, error: Error) => void,
    private readonly telemetry?: Telemetry,
  ) {}

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
              runner: { pid: process.pid, processStartTime: processStartTime(process.pid) },
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
      .then(() => undefined)
      .finally(() => this.running.delete(key(namespace, name)));
    this.running.set(key(namespace, name), { abort, done });
  }

  async stop(namespace: string, name: string): Promise<void> {
    const entry = this.running.get(key(namespace, name));
    if (!entry) return;
    entry.abort.abort();
    await entry.done;
  }

  isRunning(namespace: string, name: string): boolean {
    return this.running.has(key(namespace, name));
  }

  /** Stops every job (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((k) => this.stop(...(k.split('/') as [string, string]))));
  }

  /** Waits until the job has ended and its last status is written (tests). */
  async settled(namespace: string, name: string): Promise<void> {
    await this.running.get(key(namespace, name))?.done;
  }
}
