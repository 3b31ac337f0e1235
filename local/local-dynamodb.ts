import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoDbExperimentStore } from '#shared/adapters/dynamodb-experiment-store.js';
import { homePaths } from './home.js';
import { InProcessDynaliteHandler } from './in-process-handler.js';

/** The table local mode uses; the same name as the CDK stack's default. */
export const LOCAL_TABLE = 'tunestep';

/** A DynamoDB API for local mode, and how to let go of it. */
export interface LocalDynamoDb {
  client: DynamoDBClient;
  endpoint: string;
  close(): Promise<void>;
}

const LOCAL_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=tunestep-local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local';

const clientFor = (endpoint: string, server?: Server) =>
  new DynamoDBClient({
    endpoint,
    ...(server ? { requestHandler: new InProcessDynaliteHandler(server) } : {}),
    region: 'us-east-1',
    credentials: { accessKeyId: 'tunestep-local', secretAccessKey: 'tunestep-local' },
    // dynalite checks that a SigV4 header is there, not what it signs; computing real signatures for
    // every request was a tenth of local mode's CPU per trial.
    signer: {
      sign: async (request) => {
        request.headers.authorization = LOCAL_AUTHORIZATION;
        request.headers['x-amz-date'] = '20260101T000000Z';
        return request;
      },
    },
    maxAttempts: 3,
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Databases this process serves, by home folder: a second open in-process shares the first. */
const served = new Map<string, { endpoint: string; server: Server; users: number; stop: () => Promise<void> }>();

/**
 * Opens the DynamoDB API that local mode stores its state in: dynalite persisted under the home folder.
 * LevelDB allows one process per folder (and dynalite crashes on a second open), so the first process
 * takes `db.lock`, serves the database on 127.0.0.1 and records the port in `db.endpoint.json`; later
 * processes (a `tunestep get` beside a running `tunestep run`) connect to that endpoint instead. A lock
 * whose process is dead (`kill -9`) is taken over.
 */
export async function openLocalDynamoDb(home: string): Promise<LocalDynamoDb> {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true });
  const lockFile = `${paths.db}.lock`;
  for (let attempt = 0; attempt < 300; attempt++) {
    const mine = served.get(home);
    if (mine) return connect(home, mine.endpoint, true);
    if (takeLock(lockFile)) {
      try {
        const endpoint = await serve(home, lockFile);
        return connect(home, endpoint, true);
      } catch (e) {
        rmSync(lockFile, { force: true });
        throw e;
      }
    }
    const owner = readJson<{ pid: number }>(lockFile);
    if (owner && !alive(owner.pid)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    const shared = readJson<{ pid: number; endpoint: string }>(paths.endpointFile);
    if (shared && owner && shared.pid === owner.pid) {
      const db = await connect(home, shared.endpoint, false);
      try {
        await DynamoDbExperimentStore.ensureTable(db.client, LOCAL_TABLE);
        return db;
      } catch {
        await db.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`could not open the local database under ${home}: process in ${lockFile} holds it but serves no endpoint`);
}

function takeLock(lockFile: string): boolean {
  try {
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function connect(home: string, endpoint: string, owner: boolean): Promise<LocalDynamoDb> {
  const entry = owner ? served.get(home) : undefined;
  const client = clientFor(endpoint, entry?.server);
  if (entry) entry.users++;
  return {
    client,
    endpoint,
    close: async () => {
      client.destroy();
      if (entry && --entry.users === 0) {
        served.delete(home);
        await entry.stop();
      }
    },
  };
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function serve(home: string, lockFile: string): Promise<string> {
  const paths = homePaths(home);
  const server: Server = dynalite({ path: paths.db, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const stop = async () => {
    rmSync(paths.endpointFile, { force: true });
    rmSync(lockFile, { force: true });
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  };
  const client = clientFor(endpoint);
  try {
    await DynamoDbExperimentStore.ensureTable(client, LOCAL_TABLE);
  } catch (e) {
    await stop();
    throw e;
  } finally {
    client.destroy();
  }
  writeFileSync(paths.endpointFile, JSON.stringify({ pid: process.pid, endpoint }));
  served.set(home, { endpoint, server, users: 0, stop });
  return endpoint;
}
