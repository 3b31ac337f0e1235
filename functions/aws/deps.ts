import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BatchLauncher } from '#shared/adapters/batch-launcher.js';
import { CloudWatchLogReader } from '#shared/adapters/cloudwatch-log-reader.js';
import { CloudWatchTelemetry } from '#shared/adapters/cloudwatch-telemetry.js';
import { DynamoDbExperimentStore } from '#shared/adapters/dynamodb-experiment-store.js';
import { systemClock } from '#shared/ports/clock.js';
import type { BatchLauncherConfig } from '#shared/training/batch-job.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { newToken, type Principal, TokenAuth } from '../api/auth.js';
import type { ApiDeps } from '../api/routes.js';
import { batchIssues } from './run-issues.js';
import { StepFunctionsExperimentRunner } from './step-functions-runner.js';

/**
 * The composition root on AWS: every dependency from the function's environment, which the CDK stack
 * sets. The SDK clients take their endpoints from the standard configuration (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the same code runs against LocalStack.
 */
export interface AwsEnvironment {
  TABLE_NAME?: string;
  BATCH_JOB_QUEUE?: string;
  /** JSON: `{ "<image>": { "jobDefinition": "<arn>", "entrypoint": [...] } }` */
  BATCH_JOB_DEFINITIONS?: string;
  BOOTSTRAP_PATH?: string;
  STATE_MACHINE_ARN?: string;
  TRIAL_SECRET_ARN?: string;
  API_URL?: string;
  [k: string]: string | undefined;
}

function required(env: AwsEnvironment, name: keyof AwsEnvironment & string): string {
  const value = env[name];
  if (!value) throw new Error(`the function's environment lacks ${name} (set by the CDK stack)`);
  return value;
}

export function batchConfig(env: AwsEnvironment): BatchLauncherConfig | undefined {
  if (!env.BATCH_JOB_QUEUE) return undefined;
  return {
    jobQueue: env.BATCH_JOB_QUEUE,
    jobDefinitions: JSON.parse(env.BATCH_JOB_DEFINITIONS ?? '{}') as BatchLauncherConfig['jobDefinitions'],
    bootstrapPath: env.BOOTSTRAP_PATH,
  };
}

let cached: UseCaseDeps | undefined;

/** The use cases' dependencies, built once per Lambda container. */
export function awsUseCaseDeps(env: AwsEnvironment = process.env, options: { fresh?: boolean } = {}): UseCaseDeps {
  if (cached && !options.fresh) return cached;
  const batch = batchConfig(env);
  const store = new DynamoDbExperimentStore(new DynamoDBClient({}), required(env, 'TABLE_NAME'));
  const launcher = new BatchLauncher(new BatchClient({}), batch ?? { jobQueue: '', jobDefinitions: {} });
  cached = { store, launcher, clock: systemClock, batch, telemetry: new CloudWatchTelemetry() };
  return cached;
}

/** Who API Gateway's authorizer says the caller is: IAM callers and JWT subjects are admins unless a `tunestep:namespace` claim scopes them. */
export function gatewayPrincipal(event: APIGatewayProxyEventV2): Principal | undefined {
  const authorizer = (event.requestContext as { authorizer?: { iam?: unknown; jwt?: { claims?: Record<string, unknown> } } }).authorizer;
  if (authorizer?.iam) return { kind: 'admin' };
  const claims = authorizer?.jwt?.claims;
  if (!claims) return undefined;
  const namespace = claims['tunestep:namespace'];
  return typeof namespace === 'string' && namespace ? { kind: 'namespace', namespace } : { kind: 'admin' };
}

/**
 * Trial push tokens on AWS, signed with the secret from Secrets Manager: the API checks them, and
 * PlanTrial hands each trial its own (TUNESTEP_TRIAL_TOKEN) with the API's URL.
 */
export async function withTrialTokens(use: UseCaseDeps, env: AwsEnvironment = process.env): Promise<TokenAuth> {
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: required(env, 'TRIAL_SECRET_ARN') }));
  // No admin bearer token on AWS: API Gateway's authorizer vouches for callers; only trials' push tokens are bearer tokens.
  const auth = new TokenAuth(newToken(), [], secret.SecretString ?? '');
  if (env.API_URL)
    use.trialEnv = (namespace, trial) => ({ TUNESTEP_API_URL: env.API_URL!, TUNESTEP_TRIAL_TOKEN: auth.trialToken(namespace, trial) });
  return auth;
}

/** The API's dependencies: the use cases', Step Functions for loops, trial tokens keyed by a secret from Secrets Manager. */
export async function awsApiDeps(env: AwsEnvironment = process.env): Promise<ApiDeps> {
  const use = awsUseCaseDeps(env);
  const auth = await withTrialTokens(use, env);
  return {
    use,
    runner: new StepFunctionsExperimentRunner(new SFNClient({}), required(env, 'STATE_MACHINE_ARN'), use),
    logs: new CloudWatchLogReader(new CloudWatchLogsClient({}), use.store),
    jobs: { start: async () => {}, stop: async () => {}, isRunning: () => false },
    jobIssues: () => ['kind: standalone training jobs run in local mode (tunestep server); on AWS run them as the trials of an Experiment'],
    runIssues: (experiment) => batchIssues(experiment, use.batch),
    auth,
    identity: () => ({ uid: crypto.randomUUID(), seed: Math.floor(Math.random() * 2 ** 31) }),
    gatewayPrincipal,
  };
}
