import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import dynalite from 'dynalite';
import { awsUseCaseDeps } from '#functions/aws/deps.js';
import { runExperimentLoop } from '#local/state-machine.js';
import { DynamoDbExperimentStore } from '#shared/adapters/dynamodb-experiment-store.js';
import { LocalProcessLauncher } from '#shared/adapters/local-process-launcher.js';
import { checkExperiment } from '#shared/spec/load.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { FIXTURES, fixtureExperiment, tempHome } from '../helpers.js';

// The AWS composition root (functions/aws/deps.ts) against whatever endpoint the standard AWS
// configuration names: LocalStack under `npm run test:localstack` (AWS_ENDPOINT_URL set), otherwise
// a dynalite started here and named by AWS_ENDPOINT_URL_DYNAMODB, exactly as a user would point it.

const external = process.env.AWS_ENDPOINT_URL;
let server: { close(cb: () => void): void } | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  if (!external) {
    const db = dynalite({ createTableMs: 0 });
    await new Promise<void>((r) => db.listen(0, '127.0.0.1', () => r()));
    server = db;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(db.address() as { port: number }).port}`;
  }
});
afterAll(async () => {
  process.env = saved;
  if (server) await new Promise<void>((r) => server!.close(() => r()));
});

describe(`the AWS composition root against ${external ? `the endpoint ${external}` : 'dynalite named by AWS_ENDPOINT_URL_DYNAMODB'}`, () => {
  it('stores and reads experiments through the configured endpoint', async () => {
    const table = `tunestep-endpoints-${Date.now()}`;
    await DynamoDbExperimentStore.ensureTable(new DynamoDBClient({}), table);
    const deps = awsUseCaseDeps({ TABLE_NAME: table }, { fresh: true });
    const experiment = checkExperiment(fixtureExperiment('objective.yaml'));
    await createExperiment(deps, { experiment, uid: 'uid-endpoint', seed: 3 });
    const stored = await deps.store.getExperiment('kubeflow', 'objective');
    expect(stored).toMatchObject({ uid: 'uid-endpoint', state: 'Created', seed: 3 });
    expect((await deps.store.listExperiments()).map((e) => e.name)).toContain('objective');
  });

  it('runs the experiment state machine (the local runner) on the store at that endpoint', async () => {
    const table = `tunestep-loop-${Date.now()}`;
    await DynamoDbExperimentStore.ensureTable(new DynamoDBClient({}), table);
    const aws = awsUseCaseDeps({ TABLE_NAME: table }, { fresh: true });
    const home = tempHome('tunestep-aws-loop-');
    const launcher = new LocalProcessLauncher({ logDir: join(home, 'logs'), trialDir: join(home, 'trials'), baseEnv: process.env });
    const deps = { store: aws.store, clock: aws.clock, launcher };
    const doc = fixtureExperiment('objective.yaml');
    doc.metadata.name = 'looped';
    doc.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[1] = join(FIXTURES, 'scripts', 'objective.py');
    await createExperiment(deps, { experiment: checkExperiment(doc), uid: 'uid-loop', seed: 5 });
    try {
      const final = await runExperimentLoop(deps, { namespace: 'kubeflow', name: 'looped' }).result;
      expect(final).toMatchObject({ state: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
      expect((await deps.store.listTrials('kubeflow', 'looped')).map((t) => t.state)).toEqual(Array(6).fill('Succeeded'));
    } finally {
      launcher.close();
    }
  });
});
