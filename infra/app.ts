import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

/** The CDK app: the stateful stack, the stateless stack on top of it, cdk-nag's AwsSolutions checks over both. */
export function buildApp(context: Record<string, unknown> = {}, outdir?: string) {
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...context }, outdir });
  const config = readConfig(app);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, 'TunestepStateful', {
    env,
    description: 'Tunestep: table, artifacts bucket, trial-token secret (retained)',
  });
  const stateless = new StatelessStack(app, 'TunestepStateless', {
    env,
    description: 'Tunestep: HTTP API, functions, experiment state machine, AWS Batch',
    config,
    table: stateful.table,
    bucket: stateful.bucket,
    trialSecret: stateful.trialSecret,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless, config };
}
