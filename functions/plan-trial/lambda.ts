// The Lambda entry (infra/ bundles this file): the handler with the AWS dependencies.
import { awsUseCaseDeps } from '../aws/deps.js';
import { createPlanTrialHandler } from './handler.js';

export const handler = createPlanTrialHandler(awsUseCaseDeps());
