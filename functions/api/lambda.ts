// The Lambda entry behind API Gateway (infra/ bundles this file): the same router as `tunestep server`.
import { awsApiDeps } from '../aws/deps.js';
import { createApiHandler } from './handler.js';

export const handler = createApiHandler(awsApiDeps());
