import { experimentRef } from '#shared/contracts/tasks.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { finalizeExperiment } from '#shared/use-cases/finalize-experiment.js';
import { taskHandler } from '../task-handler.js';

/** Finalize: ends the experiment, or asks for a continuation in a new execution. */
export const createFinalizeExperimentHandler = (deps: UseCaseDeps) =>
  taskHandler(experimentRef, (input) => finalizeExperiment(deps, input));
