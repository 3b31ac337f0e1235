// The Lambda entry (infra/ bundles this file): the handler with the AWS dependencies.
import { awsUseCaseDeps } from '../aws/deps.js';
import { createInitializeExperimentHandler } from './handler.js';

export const handler = createInitializeExperimentHandler(awsUseCaseDeps());
