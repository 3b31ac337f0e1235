/**
 * Tunestep's library entry (`import { createStudy } from 'tunestep'`): the ask/tell API over the
 * suggestion algorithms, the Experiment spec loader, and the types in Katib's shapes.
 */

export { availableAlgorithms } from './shared/algorithms/registry.js';
export { type FieldIssue, TunestepError, ValidationError } from './shared/errors.js';
export { loadExperiment } from './shared/spec/load.js';
export type {
  AlgorithmSpec,
  Experiment,
  ObjectiveSpec,
  OptimalTrial,
  ParameterAssignment,
  ParameterSpec,
} from './shared/spec/types.js';
export { type AskedTrial, createStudy, type Study, type StudyOptions, type TellResult } from './shared/study/create-study.js';
