// The Lambda entry (infra/ bundles this file): the handler with the AWS dependencies, and the trial
// push tokens it hands each trial (the secret is read once per container).
import middy from '@middy/core';
import { awsUseCaseDeps, withTrialTokens } from '../aws/deps.js';
import { createPlanTrialHandler } from './handler.js';

const deps = awsUseCaseDeps();
const tokens = process.env.TRIAL_SECRET_ARN ? withTrialTokens(deps) : Promise.resolve();
const plan = createPlanTrialHandler(deps);

export const handler = middy(async (event: unknown, context: never) => {
  await tokens;
  return plan(event, context);
});
