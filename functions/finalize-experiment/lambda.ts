// The Lambda entry (infra/ bundles this file): the handler with the AWS dependencies.
import { awsUseCaseDeps } from '../aws/deps.js';
import { createFinalizeExperimentHandler } from './handler.js';

export const handler = createFinalizeExperimentHandler(awsUseCaseDeps());
