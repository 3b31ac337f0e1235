import { completeTrialInput } from '#shared/contracts/tasks.js';
import { completeTrial } from '#shared/use-cases/complete-trial.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { taskHandler } from '../task-handler.js';

/** CompleteTrial: judges the trial from its run and observations, then updates the experiment. */
export const createCompleteTrialHandler = (deps: UseCaseDeps) => taskHandler(completeTrialInput, (input) => completeTrial(deps, input));
