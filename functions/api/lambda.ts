// The Lambda entry behind API Gateway (infra/ bundles this file): the same router as `tunestep server`.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { awsApiDeps } from '../aws/deps.js';
import { handleApiEvent } from './handler.js';

const deps = awsApiDeps();

export const handler = middy(async (event: APIGatewayProxyEventV2) => handleApiEvent(await deps, event));
