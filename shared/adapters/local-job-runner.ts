import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { LaunchError } from '../errors.js';
import {
  type MpiImplementation,
  type PyTorchElastic,
  type ReplicaContext,
  type ReplicaEnvironment,
  type Resolver,
  replicaContract,
} from '../training/contracts.js';
import { FRAMEWORKS, type TrainingJob } from '../training/job-spec.js';
import { afterFailure, type JobCondition, type JobStatus, jobSucceeded, type ReplicaPhase } from '../training/job-status.js';

export type { JobCondition, JobStatus };

import { type Obj, obj } from '../spec/object.js';
import { stopGroup } from './process-group.js';
import { ProcessSpawner } from './process-spawner.js';

/** Kubernetes' batch Job default, used when a job sets no `backoffLimit` (locally nothing may loop forever). */
const DEFAULT_BACKOFF_LIMIT = 6;
/** How long a replica gets between SIGTERM and SIGKILL when the gang is stopped. */
const GANG_STOP_GRACE_MS = 1000;

export interface LocalJobOptions {
  /** Folder for the job's logs and files: `<jobDir>/<type>-<index>.log`, the MPI hostfile. */
  jobDir: string;
  /** Folder relative commands run in (the job file's folder). */
  workdir: string;
  /** Environment every replica inherits (PATH and so on). */
  baseEnv: Record<string, string | undefined>;
  /** A replica silent (no output) for this long is treated as hung and fails the job. */
  silentTimeoutSeconds?: number;
  /** The spawner to start replicas with (a launcher shares its own); one of its own otherwise. */
  spawner?: ProcessSpawner;
  /** Extra environment for every replica (a trial's name and token). */
  extraEnv?: Record<string, string>;
  /** Stops the job from outside (an experiment ending, an early stop): it ends Failed / Killed. */
  signal?: AbortSignal;
  /** The first replica started, with its pid (a trial records it as its runtime handle). */
  onStarted?(pid: number): void;
  /** Progress: condition changes and replica output lines. */
  onCondition?(condition: JobCondition): void;
  onLine?(replica: string, line: string): void;
  /** Rewrites each replica's argv elements and env values (a trial's per-replica metrics folders). */
  rewrite?(replica: string, value: string): string;
  /** The status after every change (a condition, a replica's phase): what a job store keeps current. */
  onStatus?(status: JobStatus): void;
}

interface Replica {
  type: string;
  index: number;
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  restartPolicy: string;
  phase: ReplicaPhase;
  pgid?: number;
  lastOutput: number;
  /** Runs locally (an MPI worker does not: mpirun starts the ranks on this machine). */
  local: boolean;
}

/** The replica whose output a trial's metrics come from: Katib's primary pod (`job-role: master`). */
export function primaryReplica(job: TrainingJob): string {
  const types = Object.keys(obj(job.spec[FRAMEWORKS[job.kind]?.specKey ?? '']));
  if (job.kind === 'MPIJob') return 'launcher-0';
  const master = ['Chief', 'Master'].find((t) => types.includes(t));
  return `${(master ?? 'Worker').toLowerCase()}-0`;
}

/**
 * Runs a Kubeflow training job (PyTorchJob, TFJob, XGBoostJob, MPIJob) or a batch Job on this machine:
 * every replica a process group on 127.0.0.1 with a free port, given the environment its operator
 * would give its pod (shared/training/contracts.ts). Kubeflow's semantics: restart policies
 * (Always/OnFailure restart, ExitCode retries 128+ and fails on 1-127, Never fails) counted against
 * `runPolicy.backoffLimit`; success per framework (shared/training/job-status.ts); a replica that
 * fails for good fails the job and the gang is stopped within a second; `activeDeadlineSeconds`;
 * `suspend`. Whatever `cleanPodPolicy` says, no process outlives the job locally.
 */
export async function runJobLocally(job: TrainingJob, options: LocalJobOptions): Promise<JobStatus> {
  const status: JobStatus = { conditions: [], replicaStatuses: {}, restarts: 0 };
  const condition = (type: JobCondition['type'], reason: string, message: string) => {
    for (const c of status.conditions) if (c.status === 'True' && c.type !== type && type !== 'Restarting') c.status = 'False';
    const entry: JobCondition = { type, status: 'True', reason, message, lastTransitionTime: new Date().toISOString() };
    status.conditions.push(entry);
    options.onCondition?.(entry);
    options.onStatus?.(status);
  };
  const kindLabel = job.kind;
  const name = job.metadata.name;
  condition('Created', `${kindLabel}Created`, `${kindLabel} ${name} is created.`);
  // A batch Job keeps these fields in its spec; the Kubeflow kinds in runPolicy.
  const batch = job.kind === 'Job';
  const runPolicy = batch ? job.spec : obj(job.spec.runPolicy);
  if (runPolicy.suspend === true) {
    condition('Suspended', `${kindLabel}Suspended`, `${kindLabel} ${name} is suspended.`);
    return status;
  }

  mkdirSync(options.jobDir, { recursive: true });
  const replicas = await planReplicas(job, options);
  const spawner = options.spawner ?? new ProcessSpawner();
  const backoffLimit = Number(runPolicy.backoffLimit ?? DEFAULT_BACKOFF_LIMIT);
  const deadlineMs = runPolicy.activeDeadlineSeconds === undefined ? undefined : Number(runPolicy.activeDeadlineSeconds) * 1000;
  const spec = job.spec;
  const successOptions = { kind: job.kind, elastic: spec.elasticPolicy !== undefined, successPolicy: String(spec.successPolicy ?? '') };
  status.startTime = new Date().toISOString();

  return new Promise<JobStatus>((resolvePromise) => {
    let ended = false;
    let reportedStart = false;
    const timers: NodeJS.Timeout[] = [];
    const phases = () => {
      const byType: Record<string, ReplicaPhase[]> = {};
      for (const r of replicas) {
        byType[r.type] ??= [];
        byType[r.type]![r.index] = r.phase;
      }
      return byType;
    };
    const setPhase = (r: Replica, phase: ReplicaPhase) => {
      if (r.phase === phase) return;
      r.phase = phase;
      refreshCounts();
      options.onStatus?.(status);
    };
    const refreshCounts = () => {
      status.replicaStates = replicas.map((r) => ({ name: r.name, type: r.type, index: r.index, phase: r.phase }));
      status.replicaStatuses = {};
      for (const r of replicas) {
        status.replicaStatuses[r.type] ??= { active: 0, succeeded: 0, failed: 0 };
        const s = status.replicaStatuses[r.type]!;
        if (r.phase === 'running' || r.phase === 'restarting') s.active++;
        else if (r.phase === 'succeeded') s.succeeded++;
        else if (r.phase === 'failed') s.failed++;
      }
    };
    const end = async (type: 'Succeeded' | 'Failed', reason: string, message: string) => {
      if (ended) return;
      ended = true;
      for (const t of timers) clearInterval(t);
      // The gang: whatever still runs is stopped (cleanPodPolicy None would leave pods; locally nothing stays).
      const stopping = replicas.filter((r) => r.pgid !== undefined && r.phase === 'running');
      await Promise.all(stopping.map((r) => stopGroup(r.pgid!, GANG_STOP_GRACE_MS)));
      for (const r of stopping) if (r.phase === 'running') r.phase = 'stopped';
      if (!options.spawner) spawner.close();
      refreshCounts();
      status.completionTime = new Date().toISOString();
      condition(type, reason, message);
      resolvePromise(status);
    };

    const start = (r: Replica) => {
      setPhase(r, 'running');
      r.lastOutput = Date.now();
      const log = createWriteStream(join(options.jobDir, `${r.name}.log`), { flags: 'a' });
      let rest = '';
      void spawner
        .spawn(
          r.argv,
          { cwd: r.cwd, env: r.env },
          {
            onData: (_stream, chunk) => {
              r.lastOutput = Date.now();
              log.write(chunk);
              const parts = (rest + chunk).split('\n');
              rest = parts.pop() ?? '';
              for (const line of parts) options.onLine?.(r.name, line.replace(/\r$/, ''));
            },
            onExit: (code, signal) => {
              if (rest) options.onLine?.(r.name, rest);
              rest = '';
              log.end();
              r.pgid = undefined;
              if (ended) return;
              const exitCode = code ?? 128 + (signal === 'SIGTERM' ? 15 : 9);
              onReplicaExit(r, exitCode);
            },
            onError: (_code, message) => {
              log.end();
              if (ended) return;
              setPhase(r, 'failed');
              void end('Failed', `${kindLabel}Failed`, `${r.name} could not start: ${message}`);
            },
          },
        )
        .then((pid) => {
          if (pid !== undefined) {
            r.pgid = pid;
            if (!reportedStart) options.onStarted?.(pid);
            reportedStart = true;
          }
          if (ended && pid !== undefined) void stopGroup(pid, GANG_STOP_GRACE_MS);
        });
    };

    const onReplicaExit = (r: Replica, exitCode: number) => {
      if (exitCode === 0) {
        setPhase(r, 'succeeded');
        if (jobSucceeded(phases(), successOptions)) {
          void end('Succeeded', `${kindLabel}Succeeded`, `${kindLabel} ${name} is successfully completed.`);
        }
        return;
      }
      // A batch Job's controller replaces a failed pod whatever its restartPolicy, up to backoffLimit.
      if (batch || afterFailure(r.restartPolicy, exitCode) === 'restart') {
        status.restarts++;
        if (status.restarts > backoffLimit) {
          setPhase(r, 'failed');
          void end('Failed', 'BackoffLimitExceeded', `${kindLabel} ${name} has failed because it has reached the specified backoff limit`);
          return;
        }
        setPhase(r, 'restarting');
        condition('Restarting', `${kindLabel}Restarting`, `${r.name} exited with code ${exitCode} and is restarting.`);
        start(r);
        condition('Running', `${kindLabel}Running`, `${kindLabel} ${name} is running.`);
        return;
      }
      setPhase(r, 'failed');
      void end('Failed', `${kindLabel}Failed`, `${r.name} exited with code ${exitCode} (restartPolicy ${r.restartPolicy}).`);
    };

    if (options.signal) {
      if (options.signal.aborted) return void end('Failed', 'Killed', `${kindLabel} ${name} was stopped`);
      options.signal.addEventListener('abort', () => void end('Failed', 'Killed', `${kindLabel} ${name} was stopped`), { once: true });
    }
    for (const r of replicas) {
      if (r.local) start(r);
      else setPhase(r, 'running');
    }
    condition('Running', `${kindLabel}Running`, `${kindLabel} ${name} is running.`);
    if (deadlineMs !== undefined) {
      timers.push(
        setTimeout(
          () => void end('Failed', 'DeadlineExceeded', `${kindLabel} ${name} was active longer than specified deadline`),
          deadlineMs,
        ),
      );
    }
    if (options.silentTimeoutSeconds !== undefined) {
      const limit = options.silentTimeoutSeconds * 1000;
      timers.push(
        setInterval(
          () => {
            const hung = replicas.find((r) => r.local && r.phase === 'running' && Date.now() - r.lastOutput > limit);
            if (hung) {
              setPhase(hung, 'failed');
              void end('Failed', 'ReplicaHung', `${hung.name} printed nothing for ${options.silentTimeoutSeconds} s and is taken as hung.`);
            }
          },
          Math.min(500, limit),
        ),
      );
    }
  });
}

/** A free TCP port on 127.0.0.1 (the kernel's pick, released for the replica to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Every replica with its argv, env (the framework's contract over the container's own) and policy. */
async function planReplicas(job: TrainingJob, options: LocalJobOptions): Promise<Replica[]> {
  const rules = FRAMEWORKS[job.kind];
  const specs: [string, Obj][] = rules ? Object.entries(obj(job.spec[rules.specKey])).map(([t, s]) => [t, obj(s)]) : [['Pod', job.spec]];
  const counts: Record<string, number> = {};
  for (const [type, s] of specs) counts[type] = rules ? Number(s.replicas ?? 1) : 1;
  const ports = new Map<string, number>();
  for (const [type] of specs) for (let i = 0; i < counts[type]!; i++) ports.set(`${type}-${i}`, await freePort());
  const resolver: Resolver = (type, index) => ({ host: '127.0.0.1', port: ports.get(`${type}-${index}`) ?? 0 });
  const hostfile = join(options.jobDir, 'hostfile');

  const replicas: Replica[] = [];
  for (const [type, s] of specs) {
    const podSpec = obj(obj(s.template).spec);
    const containers = Array.isArray(podSpec.containers) ? podSpec.containers.map(obj) : [];
    const container = containers.find((c) => c.name === rules?.container) ?? containers[0];
    if (!container) throw new LaunchError(`${type} has no container to run`);
    const restartPolicy = String(rules ? s.restartPolicy : (podSpec.restartPolicy ?? 'Never'));
    for (let index = 0; index < counts[type]!; index++) {
      const contract = contractFor(job, { replicas: counts, type, index, resolve: resolver }, hostfile);
      for (const [path, content] of Object.entries(contract.files ?? {})) writeFileSync(path, mergeHostLines(content));
      const argv = [...strings(container.command), ...strings(container.args)];
      const local = !(job.kind === 'MPIJob' && type === 'Worker');
      if (local && argv.length === 0) {
        throw new LaunchError(
          `${type} ${index}: container ${String(container.name)} has no command; local mode cannot read an image's entrypoint`,
        );
      }
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.baseEnv)) if (v !== undefined) env[k] = v;
      for (const entry of Array.isArray(container.env) ? container.env.map(obj) : []) {
        if (entry.value !== undefined) env[String(entry.name)] = String(entry.value);
      }
      // The operator appends its variables after the container's: they win.
      Object.assign(env, contract.env, options.extraEnv);
      const name = `${type.toLowerCase()}-${index}`;
      env.TUNESTEP_REPLICA = name;
      if (options.rewrite) {
        for (const [k, v] of Object.entries(env)) env[k] = options.rewrite(name, v);
        argv.splice(0, argv.length, ...argv.map((a) => options.rewrite!(name, a)));
      }
      const wd =
        typeof container.workingDir === 'string' && !isAbsolute(container.workingDir)
          ? resolve(options.workdir, container.workingDir)
          : options.workdir;
      replicas.push({ type, index, name, argv, env, cwd: wd, restartPolicy, phase: 'pending', lastOutput: Date.now(), local });
    }
  }
  return replicas;
}

function contractFor(job: TrainingJob, ctx: ReplicaContext, hostfile: string): ReplicaEnvironment {
  const spec = job.spec;
  // Locally mpirun starts every rank on this machine, from a hostfile of 127.0.0.1 lines (merged below).
  return replicaContract(job.kind, ctx, {
    nprocPerNode: String(spec.nprocPerNode ?? 'auto'),
    elastic: spec.elasticPolicy as PyTorchElastic | undefined,
    slotsPerWorker: Number(spec.slotsPerWorker ?? 1),
    implementation: (spec.mpiImplementation as MpiImplementation | undefined) ?? 'OpenMPI',
    runLauncherAsWorker: spec.runLauncherAsWorker === true,
    hostfilePath: hostfile,
  });
}

/**
 * Locally every worker is 127.0.0.1, and Open MPI refuses a hostfile that lists one host several times
 * with slots: merge the lines of a host, adding their slots (`host slots=N` or `host:N`).
 */
export function mergeHostLines(content: string): string {
  const slots = new Map<string, { n: number; colon: boolean }>();
  for (const line of content.split('\n').filter(Boolean)) {
    const m = /^(\S+?)(?::(\d+)| slots=(\d+))$/.exec(line.trim());
    if (!m) return content;
    const entry = slots.get(m[1]!) ?? { n: 0, colon: m[2] !== undefined };
    entry.n += Number(m[2] ?? m[3]);
    slots.set(m[1]!, entry);
  }
  return `${[...slots].map(([host, { n, colon }]) => (colon ? `${host}:${n}` : `${host} slots=${n}`)).join('\n')}\n`;
}

const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
