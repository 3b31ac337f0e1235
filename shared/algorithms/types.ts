import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ObjectiveSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import type { Rng } from './rng.js';

/** What an algorithm knows of one trial: its assignment, whether it ended, and its objective value. */
export interface AlgorithmTrial {
  name: string;
  /** The trial's slot (creation order); its position in `trials` when absent. */
  index?: number;
  parameterAssignments: ParameterAssignment[];
  /** `pending` covers created and running trials: suggestions should keep away from them. */
  state: 'pending' | 'succeeded' | 'failed' | 'earlyStopped';
  /** The objective value by the metric strategy, when the trial produced one. */
  objectiveValue?: number;
}

/** One call to an algorithm: everything it needs, nothing kept between calls (Katib's suggestion API). */
export interface SuggestInput {
  parameters: ParameterSpec[];
  objective: ObjectiveSpec;
  trials: AlgorithmTrial[];
  /** How many new assignments are wanted. */
  count: number;
  /**
   * The slot each new trial will take (`count` of them); `trials.length`, `trials.length + 1`, ... when
   * absent. Sequence algorithms (Sobol, Hyperband's plan) place suggestions by it, since lanes may
   * fill slots out of order.
   */
  slots?: number[];
  settings: Record<string, string>;
  /** The experiment's base seed (`random_state`, or one drawn at creation and stored). */
  seed: number;
  /** A generator seeded from `seed` and the trial history; the only source of randomness. */
  rng: Rng;
  maxTrialCount?: number;
  /** State the algorithm returned last time, when it keeps any (Hyperband brackets, CMA-ES generations). */
  state?: unknown;
}

export interface SuggestOutput {
  /** At most `count` assignments; fewer means the search space is exhausted. */
  assignments: ParameterAssignment[][];
  /**
   * True when fewer than `count` came back because pending trials must finish first (a synchronous
   * Hyperband rung); false or absent when fewer means the algorithm has nothing more to suggest.
   */
  waiting?: boolean;
  /** Labels for each suggested trial, in the order of `assignments` (PBT's generation and parent). */
  labels?: Record<string, string>[];
  /** State to store and hand back on the next call. */
  state?: unknown;
}

/**
 * A suggestion algorithm. Pure and stateless between calls: `suggest` rebuilds what it needs from the
 * trials it is given, so it can run in a Lambda as well as in-process.
 */
export interface SuggestionAlgorithm {
  /** Katib's `algorithmName`. */
  readonly name: string;
  /**
   * Checks `algorithmSettings` and anything else of the spec this algorithm depends on.
   * Paths are relative to the experiment document (`spec.algorithm.algorithmSettings[0].value`).
   */
  validate(spec: ExperimentSpec, settings: Record<string, string>): FieldIssue[];
  suggest(input: SuggestInput): SuggestOutput;
}
