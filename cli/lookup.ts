import type { ExperimentRecord, TrialRecord } from '#shared/experiment/records.js';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import { findTrialByName } from '#shared/use-cases/find-trial.js';
import { UsageError } from './output.js';

/**
 * Finds an experiment by name: in the given namespace, or, without one, in whichever namespace has it
 * (Katib's examples use `kubeflow`, so requiring `-n` for every call would only get in the way).
 */
export async function findExperiment(store: ExperimentStore, name: string, namespace?: string): Promise<ExperimentRecord> {
  if (namespace) {
    const record = await store.getExperiment(namespace, name);
    if (!record) throw new UsageError(`experiment ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}`);
    return record;
  }
  const matches = (await store.listExperiments()).filter((e) => e.name === name);
  if (matches.length === 0) throw new UsageError(`experiment ${JSON.stringify(name)} not found (tunestep get experiments lists them)`);
  if (matches.length > 1) {
    throw new UsageError(
      `experiment ${JSON.stringify(name)} exists in namespaces ${matches.map((m) => m.namespace).join(', ')}: choose one with -n`,
    );
  }
  return matches[0]!;
}

/** Finds a trial by name across the experiments of a namespace (or all namespaces). */
export async function findTrial(
  store: ExperimentStore,
  name: string,
  namespace?: string,
): Promise<{ experiment: ExperimentRecord; trial: TrialRecord }> {
  const found = await findTrialByName(store, name, namespace);
  if (found) return found;
  throw new UsageError(
    `trial ${JSON.stringify(name)} not found${namespace ? ` in namespace ${JSON.stringify(namespace)}` : ''} (tunestep get trials lists them)`,
  );
}
