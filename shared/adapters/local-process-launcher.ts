import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { LaunchError } from '../errors.js';
import type { RuntimeHandle } from '../experiment/records.js';
import { pathRewriter } from '../metrics/container-paths.js';
import { tfEventObservations } from '../metrics/tfevents.js';
import type { TrialLauncher, TrialRunEvents, TrialRunRequest, TrialRunResult } from '../ports/trial-launcher.js';
import { obj } from '../spec/object.js';
import { applyJobDefaults, FRAMEWORKS, type TrainingJob, validateTrainingJob } from '../training/job-spec.js';
import { primaryReplica, runJobLocally } from './local-job-runner.js';
import { groupAlive, processStartTime, signalGroup, stopGroup } from './process-group.js';
import { ProcessSpawner } from './process-spawner.js';

/** Kubernetes' default `backoffLimit` for a batch Job. */
const DEFAULT_BACKOFF_LIMIT = 6;
/** Local default for `terminationGracePeriodSeconds` (Kubernetes: 30 s, too long on a laptop). */
const DEFAULT_GRACE_SECONDS = 5;

export interface LocalProcessLauncherOptions {
  /** Folder of trial logs: `<logDir>/<namespace>/<trial>/job-0.log`. */
  logDir: string;
  /** Folder of per-trial files (the File collector's remapped path). */
  trialDir: string;
  /** Environment every trial inherits (the user's PATH and so on), given by the composition root. */
  baseEnv: Record<string, string | undefined>;
}

interface Running {
  pgid: number;
  killed: boolean;
  graceMs: number;
}

/**
 * Runs batch `Job` trials as local processes: the primary container's `command` + `args` as argv (no
 * shell: parameter values are argv elements, never re-parsed), its `env` over the user's environment,
 * in a process group of its own so that a stop reaches every child. The image is ignored: local mode
 * runs the command on this machine.
 *
 * Job semantics kept: `backoffLimit` (default 6) retries a failed pod with either `restartPolicy`,
 * `activeDeadlineSeconds` ends the Job as DeadlineExceeded, `terminationGracePeriodSeconds` bounds a stop.
 */
export class LocalProcessLauncher implements TrialLauncher {
  private readonly running = new Map<string, Running>();
  /** Training-job trials running as gangs, by `<namespace>/<trial>`. */
  private readonly jobs = new Map<string, AbortController>();
  private readonly spawner = new ProcessSpawner();

  constructor(private readonly options: LocalProcessLauncherOptions) {}

  async run(request: TrialRunRequest, events: TrialRunEvents): Promise<TrialRunResult> {
    if (request.job.kind !== undefined && String(request.job.kind) in FRAMEWORKS) return this.runTrainingJob(request, events);
    const plan = this.plan(request);
    const key = `${request.namespace}/${request.trialName}`;
    const logPath = join(this.options.logDir, request.namespace, request.trialName, 'job-0.log');
    mkdirSync(join(this.options.logDir, request.namespace, request.trialName), { recursive: true });
    const log = createWriteStream(logPath, { flags: 'a' });
    const started = Date.now();
    try {
      for (let attempt = 0; ; attempt++) {
        if (plan.metricsFile) rmSync(plan.metricsFile, { force: true });
        const remainingMs = plan.deadlineMs === undefined ? undefined : plan.deadlineMs - (Date.now() - started);
        const exit = await this.attempt(key, plan, remainingMs, log, events);
        if (exit.kind === 'killed') return { outcome: 'killed', reason: 'Killed', message: 'trial was stopped' };
        if (exit.kind === 'deadline') {
          return {
            outcome: 'failed',
            reason: 'DeadlineExceeded',
            message: `Job was active longer than specified deadline (activeDeadlineSeconds: ${plan.deadlineMs! / 1000})`,
          };
        }
        if (exit.kind === 'spawn-error') return { outcome: 'failed', reason: 'StartError', message: exit.message };
        if (exit.code === 0) {
          if (plan.metricsFile) this.readMetricsFile(plan.metricsFile, events);
          if (plan.tfEventsDir) readTfEvents(plan.tfEventsDir, request.tfEvents!.metricNames, events);
          return { outcome: 'succeeded', exitCode: 0, reason: 'Completed', message: 'Job completed' };
        }
        if (attempt >= plan.backoffLimit) {
          if (plan.metricsFile) this.readMetricsFile(plan.metricsFile, events);
          if (plan.tfEventsDir) readTfEvents(plan.tfEventsDir, request.tfEvents!.metricNames, events);
          return {
            outcome: 'failed',
            exitCode: exit.code,
            reason: 'BackoffLimitExceeded',
            message: `Job has reached the specified backoff limit (${plan.backoffLimit}); last exit ${exit.signal ? `by signal ${exit.signal}` : `code ${exit.code}`}`,
          };
        }
        log.write(
          `--- tunestep: attempt ${attempt + 1} exited with ${exit.signal ?? exit.code}; retrying (backoffLimit ${plan.backoffLimit}) ---\n`,
        );
      }
    } finally {
      await new Promise((r) => log.end(r));
    }
  }

  /**
   * A trial whose job is a Kubeflow training job: the whole gang runs locally (local-job-runner.ts);
   * its metrics come from the primary replica (Katib's `job-role: master` pod), whose output is also
   * the trial's log. Succeeded and Failed are the job's conditions, as Katib's default conditions read them.
   */
  private async runTrainingJob(request: TrialRunRequest, events: TrialRunEvents): Promise<TrialRunResult> {
    const raw = applyJobDefaults(request.job as Record<string, unknown>);
    const issues = validateTrainingJob(raw);
    if (issues.length > 0) {
      throw new LaunchError(`the trial's ${String(raw.kind)} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    if (request.metricsFilePath || request.checkpoint) {
      throw new LaunchError(
        `local mode collects metrics of ${String(raw.kind)} trials from stdout or TensorFlow event files only (no File collector, no PBT checkpoints) for now`,
      );
    }
    const job = raw as unknown as TrainingJob;
    const key = `${request.namespace}/${request.trialName}`;
    const trialDir = join(this.options.logDir, request.namespace, request.trialName);
    mkdirSync(trialDir, { recursive: true });
    const log = createWriteStream(join(trialDir, 'job-0.log'), { flags: 'a' });
    const primary = primaryReplica(job);
    const tfRoot = request.tfEvents ? join(this.options.trialDir, request.namespace, request.trialName, 'tfevent') : undefined;
    if (tfRoot) rmSync(tfRoot, { recursive: true, force: true });
    const abort = new AbortController();
    this.jobs.set(key, abort);
    let started: Promise<void> = Promise.resolve();
    try {
      const status = await runJobLocally(job, {
        jobDir: join(this.options.trialDir, request.namespace, request.trialName, 'job'),
        workdir: request.workdir ?? process.cwd(),
        baseEnv: this.options.baseEnv,
        spawner: this.spawner,
        extraEnv: request.env,
        signal: abort.signal,
        onStarted: (pid) => {
          started = events.onStarted({ kind: 'local-process', pid, processStartTime: processStartTime(pid) });
        },
        onLine: (replica, line) => {
          if (replica !== primary) return;
          log.write(`${line}\n`);
          events.onLine(line, 'stdout');
        },
        // Each replica its own root for the TensorFlowEvent folder (Katib shares it with the primary pod only).
        rewrite: tfRoot ? (replica, value) => pathRewriter(request.tfEvents!.path, join(tfRoot, replica))(value) : undefined,
      });
      await started;
      if (tfRoot) readTfEvents(join(tfRoot, primary, request.tfEvents!.path), request.tfEvents!.metricNames, events);
      const last = status.conditions.at(-1)!;
      if (last.type === 'Succeeded') return { outcome: 'succeeded', exitCode: 0, reason: 'Completed', message: last.message };
      if (last.reason === 'Killed') return { outcome: 'killed', reason: 'Killed', message: 'trial was stopped' };
      return { outcome: 'failed', reason: last.reason, message: last.message };
    } finally {
      this.jobs.delete(key);
      await new Promise((r) => log.end(r));
    }
  }

  async terminate(namespace: string, trialName: string): Promise<void> {
    this.jobs.get(`${namespace}/${trialName}`)?.abort();
    const r = this.running.get(`${namespace}/${trialName}`);
    if (!r) return;
    r.killed = true;
    await stopGroup(r.pgid, r.graceMs);
  }

  /** Lets go of the helper process that starts trials. */
  close(): void {
    this.spawner.close();
  }

  /** Stops every trial this launcher is running (the runner is shutting down). */
  async terminateAll(): Promise<void> {
    for (const abort of this.jobs.values()) abort.abort();
    await Promise.all(
      [...this.running.keys()].map((key) => {
        const [namespace, trial] = key.split('/') as [string, string];
        return this.terminate(namespace, trial);
      }),
    );
  }

  async reap(handle: RuntimeHandle): Promise<void> {
    if (handle.kind !== 'local-process' || !handle.pid) return;
    const started = processStartTime(handle.pid);
    if (started === undefined) {
      // The trial's leader is gone, so nothing else can hold its pid as a group id: what is left in
      // its group is what the trial left behind.
      if (groupAlive(handle.pid)) signalGroup(handle.pid, 'SIGKILL');
      return;
    }
    // A live process under that pid that started at another time is not ours: leave it (and its group) alone.
    if (handle.processStartTime && started !== handle.processStartTime) return;
    await stopGroup(handle.pid, 0);
  }

  /** Works out argv, env and Job policies; throws `LaunchError` for what local mode cannot run. */
  private plan(request: TrialRunRequest) {
    const { job } = request;
    if (job.kind !== 'Job' || !String(job.apiVersion).startsWith('batch/')) {
      throw new LaunchError(
        `trial kind ${String(job.apiVersion)}/${String(job.kind)} cannot run in local mode yet (local mode runs batch/v1 Job trials)`,
      );
    }
    const jobSpec = obj(job.spec);
    const podSpec = obj(obj(jobSpec.template).spec);
    const containers = Array.isArray(podSpec.containers) ? podSpec.containers.map(obj) : [];
    const container = containers.find((c) => c.name === request.primaryContainerName) ?? containers[0];
    if (!container) throw new LaunchError('trial Job has no container to run');
    const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    let argv = [...strings(container.command), ...strings(container.args)];
    if (argv.length === 0) {
      throw new LaunchError(
        `container ${String(container.name)} has no command: local mode cannot read an image's entrypoint, so give command (and args)`,
      );
    }

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.baseEnv)) if (v !== undefined) env[k] = v;
    // Python buffers a piped stdout; metrics should arrive as they are printed.
    env.PYTHONUNBUFFERED = '1';
    for (const entry of Array.isArray(container.env) ? container.env.map(obj) : []) {
      const name = String(entry.name);
      if (entry.value !== undefined) env[name] = String(entry.value);
      else {
        const field = obj(obj(entry.valueFrom).fieldRef).fieldPath;
        if (field === 'metadata.name') env[name] = request.trialName;
        else if (field === 'metadata.namespace') env[name] = request.namespace;
        else
          throw new LaunchError(
            `env ${name}: valueFrom ${JSON.stringify(entry.valueFrom)} is not supported in local mode (only fieldRef metadata.name and metadata.namespace)`,
          );
      }
    }
    Object.assign(env, request.env ?? {});

    // Container paths that mean per-trial folders locally are rewritten in every argument and env value.
    const rewriteAll = (rewrite: (value: string) => string) => {
      argv = argv.map(rewrite);
      for (const k of Object.keys(env)) env[k] = rewrite(env[k]!);
    };

    // The File collector's container path means a per-trial file locally: rewrite it wherever it appears.
    let metricsFile: string | undefined;
    if (request.metricsFilePath) {
      const dir = join(this.options.trialDir, request.namespace, request.trialName, 'metrics');
      mkdirSync(dir, { recursive: true });
      metricsFile = join(dir, basename(request.metricsFilePath) || 'metrics.log');
      const from = request.metricsFilePath;
      const to = metricsFile;
      rewriteAll((v) => v.split(from).join(to));
      env.TUNESTEP_METRICS_FILE = metricsFile;
    }

    // The TensorFlowEvent collector's folder: a per-trial root under which the container's folder (and
    // the ancestors scripts are given) lives locally.
    let tfEventsDir: string | undefined;
    if (request.tfEvents) {
      const root = join(this.options.trialDir, request.namespace, request.trialName, 'tfevent');
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      const rewrite = pathRewriter(request.tfEvents.path, root);
      rewriteAll(rewrite);
      tfEventsDir = join(root, request.tfEvents.path);
      env.TUNESTEP_TFEVENT_DIR = tfEventsDir;
    }

    // PBT's checkpoint folder: a per-trial folder that starts as a copy of the parent's, wherever the
    // container path appears (Katib mounts the suggestion volume's <experiment>/<trial> there).
    if (request.checkpoint) {
      const dir = join(this.options.trialDir, request.namespace, request.trialName, 'checkpoint');
      if (!existsSync(dir)) {
        const parent = request.checkpoint.parentTrial
          ? join(this.options.trialDir, request.namespace, request.checkpoint.parentTrial, 'checkpoint')
          : undefined;
        if (parent && existsSync(parent)) cpSync(parent, dir, { recursive: true });
        mkdirSync(dir, { recursive: true });
      }
      const from = request.checkpoint.mountPath.replace(/\/+$/, '');
      rewriteAll((v) => v.split(from).join(dir));
      env.TUNESTEP_CHECKPOINT_DIR = dir;
    }

    const workdir = request.workdir ?? process.cwd();
    const wd =
      typeof container.workingDir === 'string' && !isAbsolute(container.workingDir) ? resolve(workdir, container.workingDir) : workdir;
    const backoff = Number(jobSpec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT);
    const deadline = jobSpec.activeDeadlineSeconds === undefined ? undefined : Number(jobSpec.activeDeadlineSeconds) * 1000;
    const grace = Number(podSpec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    return {
      argv,
      env,
      cwd: existsSync(wd) ? wd : workdir,
      backoffLimit: backoff,
      deadlineMs: deadline,
      graceMs: grace,
      metricsFile,
      tfEventsDir,
    };
  }

  private attempt(
    key: string,
    plan: ReturnType<LocalProcessLauncher['plan']>,
    remainingMs: number | undefined,
    log: NodeJS.WritableStream,
    events: TrialRunEvents,
  ): Promise<
    { kind: 'exit'; code: number; signal?: string } | { kind: 'killed' } | { kind: 'deadline' } | { kind: 'spawn-error'; message: string }
  > {
    return new Promise((resolvePromise) => {
      if (remainingMs !== undefined && remainingMs <= 0) return resolvePromise({ kind: 'deadline' });
      const state: Running = { pgid: -1, killed: false, graceMs: plan.graceMs };
      let deadlineHit = false;
      let timer: NodeJS.Timeout | undefined;
      const rest: Record<string, string> = { stdout: '', stderr: '' };
      // The exit is reported only once the start has been recorded: a trial must never be completed
      // before it was marked Running.
      let started: Promise<void> = Promise.resolve();
      const settle = (outcome: Parameters<typeof resolvePromise>[0]) => void started.then(() => resolvePromise(outcome));
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.running.delete(key);
        for (const source of ['stdout', 'stderr'] as const) {
          if (rest[source]) events.onLine(rest[source]!, source);
          rest[source] = '';
        }
      };
      void this.spawner
        .spawn(
          plan.argv,
          { cwd: plan.cwd, env: plan.env },
          {
            onData: (source, chunk) => {
              log.write(chunk);
              const parts = (rest[source] + chunk).split('\n');
              rest[source] = parts.pop() ?? '';
              for (const line of parts) events.onLine(line.replace(/\r$/, ''), source);
            },
            onExit: (code, signal) => {
              finish();
              const bySignal = signal ? 128 + (osConstants.signals[signal as NodeJS.Signals] ?? 9) : 137;
              if (state.killed) settle({ kind: 'killed' });
              else if (deadlineHit) settle({ kind: 'deadline' });
              else settle({ kind: 'exit', code: code ?? bySignal, signal: signal ?? undefined });
            },
            onError: (code, message) => {
              finish();
              settle({
                kind: 'spawn-error',
                message:
                  code === 'ENOENT'
                    ? `command not found: ${JSON.stringify(plan.argv[0])} (looked in PATH and ${plan.cwd})`
                    : `could not start ${JSON.stringify(plan.argv[0])}: ${message}`,
              });
            },
          },
        )
        .then((pid) => {
          if (pid === undefined) return;
          state.pgid = pid;
          this.running.set(key, state);
          started = events.onStarted({ kind: 'local-process', pid, processStartTime: processStartTime(pid) }).catch(() => {});
          if (remainingMs !== undefined) {
            timer = setTimeout(() => {
              deadlineHit = true;
              void stopGroup(state.pgid, plan.graceMs);
            }, remainingMs);
          }
        });
    });
  }

  private readMetricsFile(path: string, events: TrialRunEvents): void {
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim()) events.onLine(line, 'file');
  }
}

/** The event files under a folder (recursively), read into observations for the metric names. */
function readTfEvents(dir: string, metricNames: string[], events: TrialRunEvents): void {
  if (!existsSync(dir)) return;
  const files: { dir: string; bytes: Uint8Array }[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.includes('tfevents')) files.push({ dir: d, bytes: new Uint8Array(readFileSync(path)) });
    }
  };
  walk(dir);
  events.onObservations?.(tfEventObservations(files, metricNames));
}
