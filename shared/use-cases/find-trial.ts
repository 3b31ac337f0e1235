import type { ExperimentRecord, TrialRecord } from '../experiment/records.js';
import type { ExperimentStore } from '../ports/experiment-store.js';

/** A trial of a known experiment, by name (trials are stored by slot, so the summaries are searched). */
export async function trialOfExperiment(
  store: ExperimentStore,
  namespace: string,
  experiment: string,
  name: string,
): Promise<TrialRecord | undefined> {
  const summary = (await store.listTrialSummaries(namespace, experiment)).find((t) => t.name === name);
  return summary && store.getTrial(namespace, experiment, summary.index);
}

/**
 * A trial by name, in a namespace or (without one) anywhere: trial names start with their
 * experiment's name, so only the experiments whose name prefixes it are searched.
 */
export async function findTrialByName(
  store: ExperimentStore,
  name: string,
  namespace?: string,
): Promise<{ experiment: ExperimentRecord; trial: TrialRecord } | undefined> {
  for (const experiment of (await store.listExperiments(namespace)).filter((e) => name.startsWith(`${e.name}-`))) {
    const trial = await trialOfExperiment(store, experiment.namespace, experiment.name, name);
    if (trial) return { experiment, trial };
  }
  return undefined;
}
