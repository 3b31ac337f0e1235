import { findAlgorithm } from '../algorithms/registry.js';
import { createRng } from '../algorithms/rng.js';
import { settingsRecord } from '../algorithms/settings.js';
import type { AlgorithmTrial } from '../algorithms/types.js';
import { TunestepError } from '../errors.js';
import type { Experiment, ObjectiveSpec, ParameterAssignment } from '../spec/types.js';
import { objectiveValue } from './metrics.js';
import type { TrialSummary } from './records.js';

/** What an algorithm sees of a trial: created and running ones are pending. */
export function algorithmView(objective: ObjectiveSpec, trial: TrialSummary): AlgorithmTrial {
  const state: AlgorithmTrial['state'] =
    trial.state === 'Created' || trial.state === 'Running'
      ? 'pending'
      : trial.state === 'Succeeded'
        ? 'succeeded'
        : trial.state === 'EarlyStopped'
          ? 'earlyStopped'
          : 'failed';
  return {
    name: trial.name,
    parameterAssignments: trial.parameterAssignments,
    state,
    objectiveValue: objectiveValue(objective, trial.metrics),
  };
}

/**
 * Asks an experiment's algorithm for up to `count` assignments given every trial so far (the experiment
 * loop's PlanTrial and Finalize, and the ask/tell API). `slot` is the index of the first trial to be
 * created: the generator is seeded from it, so two lanes planning different slots from the same history
 * get different suggestions, and the same slot the same one.
 */
export function suggestAssignments(
  experiment: Experiment,
  seed: number,
  trials: TrialSummary[],
  count: number,
  slot = trials.length,
): ParameterAssignment[][] {
  const { spec } = experiment;
  const algorithm = findAlgorithm(spec.algorithm.algorithmName);
  if (!algorithm) throw new TunestepError(`algorithm ${spec.algorithm.algorithmName} is not available`);
  return algorithm.suggest({
    parameters: spec.parameters ?? [],
    objective: spec.objective,
    trials: trials.map((t) => algorithmView(spec.objective, t)),
    count,
    settings: settingsRecord(spec.algorithm.algorithmSettings),
    seed,
    rng: createRng(seed, slot),
    maxTrialCount: spec.maxTrialCount,
  }).assignments;
}
