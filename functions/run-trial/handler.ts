import { runTrialInput } from '#shared/contracts/tasks.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { runTrial } from '#shared/use-cases/run-trial.js';
import { taskHandler } from '../task-handler.js';

/** RunTrial: runs the trial's workload to its end through the configured launcher. */
export const createRunTrialHandler = (deps: UseCaseDeps) => taskHandler(runTrialInput, (input) => runTrial(deps, input));
