import { processStartTime } from '#shared/adapters/process-group.js';
import { BusyError, NotFoundError } from '#shared/errors.js';
import type { ExperimentRecord } from '#shared/experiment/records.js';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import { retryOnConflict } from '#shared/use-cases/retry.js';

let self: { pid: number; processStartTime: string | undefined } | undefined;

/** This process as a runner mark (pid and start time, read from /proc once: it never changes). */
export function thisRunner(): { pid: number; processStartTime: string | undefined } {
  self ??= { pid: process.pid, processStartTime: processStartTime(process.pid) };
  return self;
}

/** The pid of another live process driving the experiment (same pid and start time), if any. */
export function otherRunner(record: ExperimentRecord): number | undefined {
  const other = record.runner;
  if (!other || other.pid === process.pid) return undefined;
  const started = processStartTime(other.pid);
  return started !== undefined && started === other.processStartTime ? other.pid : undefined;
}

/**
 * Records this process as the experiment's runner, refusing when a live one is there already (a CLI
 * `run` and a server, or two servers, never drive one experiment at once).
 * @throws NotFoundError, BusyError
 */
export async function claimRunner(store: ExperimentStore, namespace: string, name: string): Promise<void> {
  await retryOnConflict(async () => {
    const record = await store.getExperiment(namespace, name);
    if (!record) throw new NotFoundError(`experiment ${namespace}/${name} not found`);
    const other = otherRunner(record);
    if (other !== undefined) {
      throw new BusyError(
        `experiment ${namespace}/${name} is being run by process ${other}; stop it first, or watch it with tunestep get experiment ${name}`,
      );
    }
    await store.updateExperiment({ ...record, runner: thisRunner() });
  });
}

/** Clears the runner mark, when it is this process's (a stopped experiment stays resumable by anyone). */
export async function releaseRunner(store: ExperimentStore, namespace: string, name: string): Promise<void> {
  await retryOnConflict(async () => {
    const record = await store.getExperiment(namespace, name);
    if (!record || record.runner?.pid !== process.pid) return;
    await store.updateExperiment({ ...record, runner: undefined });
  });
}
