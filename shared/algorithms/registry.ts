import { asha } from './asha.js';
import { bayesianOptimization } from './bayesopt.js';
import { cmaes } from './cmaes.js';
import { gridSearch } from './grid.js';
import { hyperband } from './hyperband.js';
import { pbt } from './pbt.js';
import { randomSearch } from './random.js';
import { sobol } from './sobol.js';
import { multivariateTpe, tpe } from './tpe.js';
import type { SuggestionAlgorithm } from './types.js';

/** Every `algorithmName` Katib ships (katib-config `runtime.suggestions`). */
export const KATIB_ALGORITHM_NAMES = [
  'random',
  'grid',
  'tpe',
  'multivariate-tpe',
  'cmaes',
  'sobol',
  'bayesianoptimization',
  'hyperband',
  'pbt',
  'enas',
  'darts',
] as const;

/** Katib's early-stopping algorithms (`runtime.earlyStoppings`). */
export const KATIB_EARLY_STOPPING_NAMES = ['medianstop'] as const;

const ALGORITHMS: Record<string, SuggestionAlgorithm> = {
  [randomSearch.name]: randomSearch,
  [gridSearch.name]: gridSearch,
  [tpe.name]: tpe,
  [multivariateTpe.name]: multivariateTpe,
  [asha.name]: asha,
  [cmaes.name]: cmaes,
  [sobol.name]: sobol,
  [hyperband.name]: hyperband,
  [bayesianOptimization.name]: bayesianOptimization,
  [pbt.name]: pbt,
};

/** The algorithm of that name, or undefined when Tunestep does not (yet) implement it. */
export function findAlgorithm(name: string): SuggestionAlgorithm | undefined {
  return ALGORITHMS[name];
}

/** Names of the algorithms this build implements. */
export function availableAlgorithms(): string[] {
  return Object.keys(ALGORITHMS);
}
