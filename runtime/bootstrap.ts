/**
 * Tunestep's node bootstrap for AWS Batch multi-node parallel jobs: the program a trial container runs
 * first (`node tunestep-bootstrap.mjs -- <command...>`). Batch starts the main node first and the
 * others later, in any order, and tells no node the others' addresses
 * (../shared/reference/training-contracts.md section 3). So:
 *
 * 1. The main node (`AWS_BATCH_JOB_MAIN_NODE_INDEX`, not necessarily 0) becomes node rank 0; the
 *    others take ranks 1.. in node-index order.
 * 2. Every other node connects to the main node (`AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS`,
 *    port `TUNESTEP_BOOTSTRAP_PORT`, default 29400) and reports its address; once all
 *    `AWS_BATCH_JOB_NUM_NODES` have, the main node sends everyone the full table.
 * 3. Each node maps its rank to a replica of the job (`TUNESTEP_JOB`: `{kind, replicas, ...}`; the
 *    Master, Chief or Launcher first) and computes the same environment as in local mode and on
 *    Kubernetes (shared/training/contracts.ts): MASTER_ADDR, RANK, WORLD_SIZE, TF_CONFIG, the MPI
 *    hostfile...
 * 4. It runs the user's command with that environment (no shell), forwards SIGTERM/SIGINT, and exits
 *    with the command's code.
 *
 * Bundled by scripts/build.mjs into dist/runtime/tunestep-bootstrap.mjs (no dependencies; the image needs Node 18+).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { formatMarker } from '../shared/metrics/stream-marker.js';
import { DEFAULT_PORTS, type ReplicaEnvironment, type Resolver, replicaContract } from '../shared/training/contracts.js';
import { type BootstrapJob, replicaOrder } from '../shared/training/node-order.js';

export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

/** This node's rank: the main node is 0, the others follow in node-index order. */
export function nodeRank(nodeIndex: number, mainIndex: number): number {
  if (nodeIndex === mainIndex) return 0;
  return nodeIndex < mainIndex ? nodeIndex + 1 : nodeIndex;
}

/** The contract for the node of `rank`, given every node's address by rank. */
export function nodeEnvironment(job: BootstrapJob, rank: number, addresses: string[], hostfilePath?: string): ReplicaEnvironment {
  const order = replicaOrder(job);
  if (order.length !== addresses.length) {
    throw new BootstrapError(`the job has ${order.length} replicas but the Batch job has ${addresses.length} nodes`);
  }
  const me = order[rank]!;
  const port = job.kind === 'Job' || job.kind === 'MPIJob' ? 0 : DEFAULT_PORTS[job.kind];
  const resolve: Resolver = (type, index) => {
    const at = order.findIndex((r) => r.type === type && r.index === index);
    return { host: addresses[at] ?? '', port };
  };
  const ctx = { replicas: job.replicas, type: me.type, index: me.index, resolve };
  const contract = replicaContract(job.kind, ctx, {
    nprocPerNode: job.nprocPerNode,
    slotsPerWorker: job.slotsPerWorker,
    implementation: job.mpiImplementation,
    hostfilePath,
  });
  return {
    env: { ...contract.env, TUNESTEP_REPLICA: `${me.type.toLowerCase()}-${me.index}`, TUNESTEP_NODE_RANK: String(rank) },
    files: contract.files,
  };
}

/** This machine's first non-internal IPv4 address (the Batch container's ENI). */
function ownAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Newline-delimited JSON messages over a socket, and its end. */
function onMessages(socket: Socket, onMessage: (m: Record<string, unknown>) => void, onClose: () => void): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      try {
        if (line.trim()) onMessage(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not ours: ignore it.
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', onClose);
}

/**
 * The gang after the rendezvous: every other node keeps its connection to the main node open, and says
 * how its command ended. Batch does nothing when a child node dies (only the main node's end ends the
 * job), so the main node watches: a node whose command fails, or whose connection drops without a word,
 * fails the job (the main node stops its own command and exits non-zero, and Batch then stops the rest).
 * When the main node's command ends, the other nodes stop theirs.
 */
interface Gang {
  /** Called once the command runs: what to do when a peer fails. */
  watch(onPeerFailure: (reason: string, code: number) => void): void;
  /** This node's command ended with `code`. */
  finished(code: number): Promise<void>;
}

/** The main node: waits for every other node's address, then sends everyone the table. */
async function gatherAtMain(nodes: number, ownAddr: string, port: number, timeoutMs: number): Promise<{ addresses: string[]; gang: Gang }> {
  const addresses: string[] = [ownAddr];
  const peers = new Map<number, Socket>();
  const done = new Set<number>();
  let failure: ((reason: string, code: number) => void) | undefined;
  let pending: [string, number] | undefined;
  let over = false;
  const fail = (reason: string, code: number) => {
    if (over) return;
    if (failure) failure(reason, code);
    else pending ??= [reason, code];
  };
  const gang: Gang = {
    watch(onPeerFailure) {
      failure = onPeerFailure;
      if (pending) onPeerFailure(...pending);
    },
    async finished() {
      over = true;
      for (const socket of peers.values()) socket.end();
    },
  };
  if (nodes === 1) return { addresses, gang };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new BootstrapError(`only ${peers.size + 1} of ${nodes} nodes reported within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const server = createServer((socket) => {
      let rank: number | undefined;
      onMessages(
        socket,
        (m) => {
          if (rank === undefined && typeof m.rank === 'number') {
            rank = m.rank;
            addresses[rank] = String(m.address);
            peers.set(rank, socket);
            socket.setKeepAlive(true, 30_000);
            if (peers.size === nodes - 1) {
              clearTimeout(timer);
              const table = `${JSON.stringify({ addresses })}\n`;
              for (const s of peers.values()) s.write(table);
              server.close();
              resolve({ addresses, gang });
            }
          } else if (rank !== undefined && typeof m.exit === 'number') {
            done.add(rank);
            if (m.exit !== 0) fail(`node rank ${rank} exited with code ${m.exit}`, m.exit);
          }
        },
        () => {
          if (rank !== undefined && peers.get(rank) === socket && !done.has(rank))
            fail(`node rank ${rank} was lost (its connection closed before its command ended)`, 1);
        },
      );
    });
    server.on('error', reject);
    server.listen(port, '0.0.0.0');
  });
}

/** Another node: reports its address to the main node (retrying until it listens) and reads the table. */
async function reportToMain(
  mainAddr: string,
  port: number,
  rank: number,
  ownAddr: string,
  timeoutMs: number,
): Promise<{ addresses: string[]; gang: Gang }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect(port, mainAddr, () => resolve(s));
        s.on('error', reject);
      });
      let onMainGone: (() => void) | undefined;
      let finished = false;
      const addresses = await new Promise<string[]>((resolve, reject) => {
        let got = false;
        onMessages(
          socket,
          (m) => {
            if (!got && Array.isArray(m.addresses)) {
              got = true;
              resolve(m.addresses as string[]);
            }
          },
          () => {
            if (!got) reject(new BootstrapError('connection closed before the address table arrived'));
            else if (!finished) onMainGone?.();
          },
        );
        socket.write(`${JSON.stringify({ rank, address: ownAddr })}\n`);
      });
      socket.setKeepAlive(true, 30_000);
      const gang: Gang = {
        watch(onPeerFailure) {
          // The main node's end is the job's end (Batch's rule): stop this node's command too.
          onMainGone = () => onPeerFailure('the main node ended the job', 0);
        },
        finished(code) {
          finished = true;
          return new Promise((resolve) => socket.end(`${JSON.stringify({ exit: code })}\n`, () => resolve()));
        },
      };
      return { addresses, gang };
    } catch (e) {
      if (Date.now() > deadline)
        throw new BootstrapError(`the main node ${mainAddr}:${port} did not answer within ${timeoutMs / 1000} s (${(e as Error).message})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback?: number): number {
  const text = env[name];
  if (text === undefined && fallback !== undefined) return fallback;
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 0)
    throw new BootstrapError(`${name} must be a non-negative integer (got ${JSON.stringify(text)})`);
  return n;
}

/** How long a node's command gets between SIGTERM and SIGKILL when the gang stops. */
const STOP_GRACE_MS = 10_000;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const separator = argv.indexOf('--');
  const command = separator >= 0 ? argv.slice(separator + 1) : argv;
  if (command.length === 0) throw new BootstrapError('usage: tunestep-bootstrap -- <command> [args...]');
  let job: BootstrapJob;
  try {
    job = JSON.parse(env.TUNESTEP_JOB ?? '');
  } catch {
    throw new BootstrapError(
      `TUNESTEP_JOB must be the job as JSON ({"kind":"PyTorchJob","replicas":{"Master":1,"Worker":2}}); got ${JSON.stringify(env.TUNESTEP_JOB)}`,
    );
  }
  const nodes = intVar(env, 'AWS_BATCH_JOB_NUM_NODES', 1);
  const index = intVar(env, 'AWS_BATCH_JOB_NODE_INDEX', 0);
  const mainIndex = intVar(env, 'AWS_BATCH_JOB_MAIN_NODE_INDEX', 0);
  const port = intVar(env, 'TUNESTEP_BOOTSTRAP_PORT', 29400);
  const timeoutMs = intVar(env, 'TUNESTEP_BOOTSTRAP_TIMEOUT', 600) * 1000;
  const rank = nodeRank(index, mainIndex);
  const own = env.TUNESTEP_NODE_ADDRESS ?? ownAddress();
  const { addresses, gang } =
    rank === 0
      ? await gatherAtMain(nodes, own, port, timeoutMs)
      : await reportToMain(env.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS ?? '', port, rank, own, timeoutMs);
  const contract = nodeEnvironment(job, rank, addresses, env.TUNESTEP_HOSTFILE);
  for (const [path, content] of Object.entries(contract.files ?? {})) writeFileSync(path, content);
  // Tells the log pipeline whose stream this is (shared/metrics/stream-marker.ts).
  if (env.TUNESTEP_TRIAL_NAME && env.TUNESTEP_EXPERIMENT_NAME) {
    const owner = {
      namespace: env.TUNESTEP_NAMESPACE ?? 'default',
      experiment: env.TUNESTEP_EXPERIMENT_NAME,
      trial: env.TUNESTEP_TRIAL_NAME,
      rank,
    };
    process.stdout.write(`${formatMarker(owner)}\n`);
  }
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...env, ...contract.env } });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  let override: number | undefined;
  gang.watch((reason, code) => {
    if (override !== undefined || child.exitCode !== null) return;
    override = code;
    process.stderr.write(`tunestep-bootstrap: ${reason}; stopping this node's command\n`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  });
  const code = await new Promise<number>((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`tunestep-bootstrap: cannot start ${JSON.stringify(command[0])}: ${e.message}\n`);
      resolve(127);
    });
    child.on('exit', (c, signal) => resolve(c ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  await gang.finished(code);
  // A node stopped because a peer failed ends with the peer's code (the main node's is the job's).
  return override ?? code;
}

// Run as a program (the bundle), not when imported by tests.
if (process.argv[1] && /tunestep-bootstrap\.mjs$|runtime[\\/]bootstrap\.ts$/.test(process.argv[1])) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`tunestep-bootstrap: ${e instanceof BootstrapError ? e.message : String(e)}\n`);
      process.exit(e instanceof BootstrapError ? 2 : 3);
    },
  );
}
