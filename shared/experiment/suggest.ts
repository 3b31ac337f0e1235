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
    index: trial.index,
    parameterAssignments: trial.parameterAssignments,
    state,
    objectiveValue: objectiveValue(objective, trial.metrics),
  };
}

/** What an algorithm answered: assignments, whether it waits for running trials, labels per trial. */
export interface Suggestions {
  assignments: ParameterAssignment[][];
  waiting: boolean;
  labels?: Record<string, string>[];
}

/**
 * Asks an experiment's algorithm for up to `count` assignments given every trial so far (the experiment
 * loop's PlanTrial and Finalize, and the ask/tell API). `slots` are the indexes the new trials will
 * take: the generator is seeded from the first, so two lanes planning different slots from the same
 * history get different suggestions, and the same slot the same one. `waiting` says that fewer came back only
 * until pending trials finish.
 */
export function suggestAssignments(
  experiment: Experiment,
  seed: number,
  trials: TrialSummary[],
  count: number,
  slots: number[] = Array.from({ length: count }, (_, i) => trials.length + i),
): Suggestions {
  const { spec } = experiment;
  const algorithm = findAlgorithm(spec.algorithm.algorithmName);
  if (!algorithm) throw new TunestepError(`algorithm ${spec.algorithm.algorithmName} is not available`);
  const output = algorithm.suggest({
    parameters: spec.parameters ?? [],
    objective: spec.objective,
    trials: trials.map((t) => algorithmView(spec.objective, t)),
    count,
    slots,
    settings: settingsRecord(spec.algorithm.algorithmSettings),
    seed,
    rng: createRng(seed, slots[0] ?? trials.length),
    maxTrialCount: spec.maxTrialCount,
  });
  return { assignments: output.assignments, waiting: output.waiting === true, labels: output.labels };
}
