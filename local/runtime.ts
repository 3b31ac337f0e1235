import { DynamoDbExperimentStore } from '#shared/adapters/dynamodb-experiment-store.js';
import { LocalProcessLauncher } from '#shared/adapters/local-process-launcher.js';
import { systemClock } from '#shared/ports/clock.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { TrialHistory } from '#shared/use-cases/trial-history.js';
import { homePaths } from './home.js';
import { LOCAL_TABLE, openLocalDynamoDb } from './local-dynamodb.js';

/** Local mode's dependencies, and how to release them. */
export interface LocalRuntime {
  home: string;
  deps: UseCaseDeps;
  launcher: LocalProcessLauncher;
  close(): Promise<void>;
}

/**
 * The composition root of local mode: dynalite under the home folder behind the DynamoDB store, the
 * local process launcher, the system clock. `env` is the environment trials inherit.
 */
export async function openLocalRuntime(home: string, env: Record<string, string | undefined>): Promise<LocalRuntime> {
  const db = await openLocalDynamoDb(home);
  const paths = homePaths(home);
  const store = new DynamoDbExperimentStore(db.client, LOCAL_TABLE);
  const launcher = new LocalProcessLauncher({ logDir: paths.logs, trialDir: paths.trials, baseEnv: env });
  return {
    home,
    deps: { store, launcher, clock: systemClock, history: new TrialHistory(store) },
    launcher,
    close: async () => {
      launcher.close();
      await db.close();
    },
  };
}
