import { settingsRecord } from '../algorithms/settings.js';
import type { ExperimentRecord } from '../experiment/records.js';
import { countsOnly, emptyOptimalTrial, setCondition } from '../experiment/status.js';
import type { Experiment } from '../spec/types.js';
import type { UseCaseDeps } from './deps.js';

export interface CreateExperimentInput {
  /** A defaulted, validated Experiment (`loadExperiment`). */
  experiment: Experiment;
  uid: string;
  /** Used when the spec has no `random_state`; drawn by the caller so that this code stays pure. */
  seed: number;
  workdir?: string;
}

/**
 * Stores a new experiment in state Created (Katib's `ExperimentCreated`).
 * @throws AlreadyExistsError when the namespace has an experiment of that name
 */
export async function createExperiment(
  deps: Pick<UseCaseDeps, 'store' | 'clock' | 'telemetry'>,
  input: CreateExperimentInput,
): Promise<ExperimentRecord> {
  const now = deps.clock.now();
  const { experiment } = input;
  const namespace = experiment.metadata.namespace ?? 'default';
  const randomState = settingsRecord(experiment.spec.algorithm.algorithmSettings).random_state;
  const { status: _ignored, ...withoutStatus } = experiment;
  const counts = countsOnly([]);
  const record: ExperimentRecord = {
    namespace,
    name: experiment.metadata.name,
    uid: input.uid,
    experiment: {
      ...withoutStatus,
      metadata: { ...experiment.metadata, namespace, uid: input.uid, creationTimestamp: now },
    },
    state: 'Created',
    reason: 'ExperimentCreated',
    message: 'Experiment is created',
    status: {
      conditions: setCondition([], { type: 'Created', status: 'True', reason: 'ExperimentCreated', message: 'Experiment is created' }, now),
      currentOptimalTrial: emptyOptimalTrial(),
      ...counts,
    },
    seed: randomState !== undefined ? Number(randomState) : input.seed,
    workdir: input.workdir,
    createdAt: now,
    version: 0,
  };
  await deps.store.createExperiment(record);
  deps.telemetry?.experimentCreated(namespace);
  return record;
}
