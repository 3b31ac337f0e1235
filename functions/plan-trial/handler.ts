import { laneInput } from '#shared/contracts/tasks.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { planTrial } from '#shared/use-cases/plan-trial.js';
import { taskHandler } from '../task-handler.js';

/** PlanTrial: one lane's next trial, a wait, or the end of the lane. */
export const createPlanTrialHandler = (deps: UseCaseDeps) => taskHandler(laneInput, (input) => planTrial(deps, input));
