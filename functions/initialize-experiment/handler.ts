import { initializeInput } from '#shared/contracts/tasks.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { initializeExperiment } from '#shared/use-cases/initialize-experiment.js';
import { taskHandler } from '../task-handler.js';

/** Initialize: marks the experiment Running and returns its lanes. */
export const createInitializeExperimentHandler = (deps: UseCaseDeps) =>
  taskHandler(initializeInput, (input) => initializeExperiment(deps, input));
