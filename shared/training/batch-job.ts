import { type FieldIssue, LaunchError, ValidationError } from '../errors.js';
import type { TrialRunRequest } from '../ports/trial-launcher.js';
import { type Obj, obj } from '../spec/object.js';
import { FRAMEWORKS } from './job-spec.js';
import { type BootstrapJob, replicaOrder } from './node-order.js';

/**
 * A trial's job as an AWS Batch multi-node SubmitJob request: pure, so that PlanTrial (which hands the
 * request to the state machine's `batch:submitJob.sync` task) and BatchLauncher share it. The shapes
 * are Batch's own (camelCase, as the SDK takes them).
 */

export interface ResourceRequirement {
  type: 'GPU' | 'VCPU' | 'MEMORY';
  value: string;
}
export interface KeyValuePair {
  name: string;
  value: string;
}
export interface EvaluateOnExit {
  action: 'RETRY' | 'EXIT';
  onExitCode?: string;
  onReason?: string;
  onStatusReason?: string;
}
export interface RetryStrategy {
  attempts: number;
  evaluateOnExit?: EvaluateOnExit[];
}
export interface NodePropertyOverride {
  targetNodes: string;
  containerOverrides: { command: string[]; environment: KeyValuePair[]; resourceRequirements: ResourceRequirement[] };
}
export interface SubmitJobInput {
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  nodeOverrides: { numNodes: number; nodePropertyOverrides: NodePropertyOverride[] };
  retryStrategy: RetryStrategy;
  timeout?: { attemptDurationSeconds: number };
  tags: Record<string, string>;
  propagateTags: boolean;
}

/** AWS Batch's limits (../shared/reference/training-contracts.md section 3.6), checked before submitting. */
export const BATCH_LIMITS = { payloadBytes: 30 * 1024, nodes: 1000, nodeGroups: 5, jobName: 128, minTimeoutSeconds: 60, maxAttempts: 10 };

/** A trial image as the stack registers it: its job definition, and its ENTRYPOINT for jobs that give only `args`. */
export interface BatchImage {
  jobDefinition: string;
  entrypoint?: string[];
}

export interface BatchLauncherConfig {
  jobQueue: string;
  /**
   * The multi-node job definition for each trial image (the CDK stack registers one per image in its
   * `trialImages` prop): Batch cannot change a node's image at submit time.
   */
  jobDefinitions: Record<string, string | BatchImage>;
  /** Where the runtime bootstrap is in the images (the trial command runs behind it). */
  bootstrapPath?: string;
  /** How often `run` polls DescribeJobs (the Step Functions `.sync` integration needs no polling). */
  pollSeconds?: number;
}

const DEFAULT_BOOTSTRAP = '/opt/tunestep/tunestep-bootstrap.mjs';
/** What an MPIJob Worker without a command runs: mpi-operator v2's convention, sshd in the foreground. */
export const MPI_WORKER_COMMAND = ['/usr/sbin/sshd', '-De'];

interface ReplicaGroup {
  type: string;
  count: number;
  container: Obj;
  restartPolicy: string;
}

/** The job's replica types in node order (the Master, Chief or Launcher first), each with its container. */
function replicaGroups(job: Obj, primaryContainerName: string): { groups: ReplicaGroup[]; bootstrap: BootstrapJob } {
  const kind = String(job.kind);
  const spec = obj(job.spec);
  const pick = (template: unknown): Obj => {
    const containers = (obj(obj(template).spec).containers as Obj[] | undefined) ?? [];
    return containers.find((c) => c.name === primaryContainerName) ?? containers[0] ?? {};
  };
  if (kind === 'Job') {
    const template = obj(spec.template);
    return {
      groups: [{ type: 'Job', count: 1, container: pick(template), restartPolicy: String(obj(template.spec).restartPolicy ?? 'Never') }],
      bootstrap: { kind: 'Job', replicas: { Job: 1 } },
    };
  }
  const rules = FRAMEWORKS[kind];
  if (!rules) throw new LaunchError(`AWS Batch runs Job, ${Object.keys(FRAMEWORKS).join(', ')} trials; got ${JSON.stringify(kind)}`);
  const specs = obj(spec[rules.specKey]);
  const replicas = Object.fromEntries(Object.entries(specs).map(([type, s]) => [type, Number(obj(s).replicas ?? 1)]));
  const bootstrap: BootstrapJob = {
    kind: kind as BootstrapJob['kind'],
    replicas,
    nprocPerNode: spec.nprocPerNode === undefined ? undefined : String(spec.nprocPerNode),
    slotsPerWorker: spec.slotsPerWorker === undefined ? undefined : Number(spec.slotsPerWorker),
  };
  const order = replicaOrder(bootstrap);
  const types = [...new Set(order.map((r) => r.type))];
  const groups = types.map((type) => {
    const s = obj(specs[type]);
    const container = pick(s.template);
    return { type, count: replicas[type]!, container, restartPolicy: String(s.restartPolicy ?? rules.defaultRestart(type)) };
  });
  return { groups: groups.filter((g) => g.count > 0), bootstrap };
}

/** Kubernetes quantities as Batch's resource requirements: `nvidia.com/gpu` -> GPU, cpu -> VCPU, memory -> MEMORY (MiB). */
export function resourceRequirements(container: Obj, path: string, issues: FieldIssue[]): ResourceRequirement[] {
  const resources = obj(container.resources);
  const wanted = { ...obj(resources.requests), ...obj(resources.limits) };
  const out: ResourceRequirement[] = [];
  const gpu = wanted['nvidia.com/gpu'];
  if (gpu !== undefined) {
    if (!/^\d+$/.test(String(gpu)) || Number(gpu) < 1)
      issues.push({
        path: `${path}.resources.limits["nvidia.com/gpu"]`,
        message: `must be a whole number of GPUs (got ${JSON.stringify(gpu)})`,
      });
    else out.push({ type: 'GPU', value: String(gpu) });
  }
  if (wanted.cpu !== undefined) {
    const text = String(wanted.cpu);
    const cpus = text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
    if (!(cpus > 0))
      issues.push({
        path: `${path}.resources.limits.cpu`,
        message: `must be a CPU quantity such as 4 or 500m (got ${JSON.stringify(wanted.cpu)})`,
      });
    else out.push({ type: 'VCPU', value: String(Math.ceil(cpus)) });
  }
  if (wanted.memory !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(String(wanted.memory));
    const factor: Record<string, number> = {
      Ki: 1 / 1024,
      Mi: 1,
      Gi: 1024,
      Ti: 1024 * 1024,
      K: 1000 / 1048576,
      M: 1e6 / 1048576,
      G: 1e9 / 1048576,
      T: 1e12 / 1048576,
    };
    const mib = m ? Number(m[1]) * (m[2] ? factor[m[2]]! : 1 / 1048576) : Number.NaN;
    if (!(mib >= 4))
      issues.push({
        path: `${path}.resources.limits.memory`,
        message: `must be a memory quantity of at least 4Mi, such as 16Gi (got ${JSON.stringify(wanted.memory)})`,
      });
    else out.push({ type: 'MEMORY', value: String(Math.floor(mib)) });
  }
  return out;
}

/**
 * Kubeflow's restart policy and backoffLimit as a Batch retry strategy. Batch retries only on the main
 * node's failure, and restarts every node (a whole-gang restart, which is what the operators do for
 * Always/OnFailure on the primary replica). ExitCode (retry 128+, fail 1-127) cannot be said exactly in
 * `evaluateOnExit` globs (digits with a trailing `*` only, at most 5 entries), so it retries the
 * signals a lost node or the OOM killer gives (137 SIGKILL, 143 SIGTERM, 139 SIGSEGV) and an EC2 host
 * going away, and exits on anything else.
 */
export function retryStrategy(restartPolicy: string, backoffLimit: number | undefined): RetryStrategy {
  if (restartPolicy === 'Never') return { attempts: 1 };
  const attempts = Math.min(BATCH_LIMITS.maxAttempts, Math.max(1, (backoffLimit ?? 6) + 1));
  if (restartPolicy !== 'ExitCode') return { attempts };
  return {
    attempts,
    evaluateOnExit: [
      { onExitCode: '137', action: 'RETRY' },
      { onExitCode: '143', action: 'RETRY' },
      { onExitCode: '139', action: 'RETRY' },
      { onStatusReason: 'Host EC2*', action: 'RETRY' },
      { onReason: '*', action: 'EXIT' },
    ],
  };
}

/** Batch job names: letters, digits, '-' and '_', a letter or digit first, at most 128. */
export function batchJobName(experiment: string, trial: string): string {
  const name = (!experiment || trial.startsWith(`${experiment}-`) ? trial : `${experiment}-${trial}`).replace(/[^A-Za-z0-9_-]/g, '-');
  return name.slice(0, BATCH_LIMITS.jobName);
}

const envList = (env: Record<string, string>): KeyValuePair[] => Object.entries(env).map(([name, value]) => ({ name, value }));

/**
 * The SubmitJob request for one trial: one Batch node per replica (the primary replica on the main
 * node, 0), a node group per replica type with its command behind the runtime bootstrap, its env and
 * its resources; the retry strategy from the restart policy; the timeout from activeDeadlineSeconds;
 * tags naming the experiment and trial. Batch's limits are checked here, every problem at once.
 * @throws ValidationError naming the job's fields
 */
export function submitJobRequest(request: TrialRunRequest, config: BatchLauncherConfig): SubmitJobInput {
  const job = request.job as Obj;
  const issues: FieldIssue[] = [];
  const kind = String(job.kind);
  const { groups, bootstrap } = replicaGroups(job, request.primaryContainerName);
  const specKey = kind === 'Job' ? undefined : FRAMEWORKS[kind]?.specKey;
  const where = (g: ReplicaGroup) =>
    specKey
      ? `spec.${specKey}.${g.type}.template.spec.containers[${JSON.stringify(g.container.name ?? '')}]`
      : 'spec.template.spec.containers[0]';

  const images = [...new Set(groups.map((g) => String(g.container.image ?? '')))];
  if (images.length > 1)
    issues.push({
      path: specKey ? `spec.${specKey}` : 'spec.template',
      message: `every replica must use one image on AWS Batch (all nodes of a multi-node job share a job definition); got ${images.join(', ')}`,
    });
  const registered = config.jobDefinitions[images[0] ?? ''];
  const image: BatchImage | undefined = typeof registered === 'string' ? { jobDefinition: registered } : registered;
  const definition = image?.jobDefinition;
  if (images.length === 1 && !definition)
    issues.push({
      path: `${where(groups[0]!)}.image`,
      message: `no Batch job definition for image ${JSON.stringify(images[0])} (configured images: ${Object.keys(config.jobDefinitions).join(', ') || 'none'}); add it to the stack's trialImages`,
    });
  const numNodes = groups.reduce((s, g) => s + g.count, 0);
  if (numNodes > BATCH_LIMITS.nodes)
    issues.push({
      path: specKey ? `spec.${specKey}` : 'spec',
      message: `asks for ${numNodes} nodes; AWS Batch runs at most ${BATCH_LIMITS.nodes} per job`,
    });
  if (groups.length > BATCH_LIMITS.nodeGroups)
    issues.push({
      path: specKey ? `spec.${specKey}` : 'spec',
      message: `has ${groups.length} replica types; AWS Batch allows at most ${BATCH_LIMITS.nodeGroups} node groups`,
    });

  const runPolicy = kind === 'Job' ? obj(job.spec) : obj(obj(job.spec).runPolicy);
  const deadline = runPolicy.activeDeadlineSeconds === undefined ? undefined : Number(runPolicy.activeDeadlineSeconds);
  if (deadline !== undefined && deadline < BATCH_LIMITS.minTimeoutSeconds)
    issues.push({
      path: kind === 'Job' ? 'spec.activeDeadlineSeconds' : 'spec.runPolicy.activeDeadlineSeconds',
      message: `must be at least ${BATCH_LIMITS.minTimeoutSeconds} seconds on AWS Batch (got ${deadline})`,
    });
  const backoffLimit = runPolicy.backoffLimit === undefined ? undefined : Number(runPolicy.backoffLimit);

  const bootstrapPath = config.bootstrapPath ?? DEFAULT_BOOTSTRAP;
  const trialEnv = { ...request.env, TUNESTEP_JOB: JSON.stringify(bootstrap) };
  let first = 0;
  const overrides: NodePropertyOverride[] = groups.map((g) => {
    const path = where(g);
    const env: Record<string, string> = {};
    for (const e of (g.container.env as Obj[] | undefined) ?? []) if (typeof e.value === 'string') env[String(e.name)] = e.value;
    const given = (g.container.command as string[] | undefined) ?? [];
    let command = [...given, ...((g.container.args as string[] | undefined) ?? [])];
    // mpi-operator's workers run the image's SSH daemon for the launcher's mpirun; say so explicitly.
    if (given.length === 0 && kind === 'MPIJob' && g.type === 'Worker') command = MPI_WORKER_COMMAND;
    else if (given.length === 0 && image?.entrypoint) command = [...image.entrypoint, ...command];
    else if (given.length === 0 && definition) {
      issues.push({
        path: `${path}.command`,
        message: `must be set, or the image's entrypoint declared in the stack's trialImages: on AWS Batch the command runs behind the Tunestep bootstrap, which cannot read ${JSON.stringify(images[0])}'s ENTRYPOINT`,
      });
    }
    const range = `${first}:${first + g.count - 1}`;
    first += g.count;
    return {
      targetNodes: range,
      containerOverrides: {
        command: ['node', bootstrapPath, '--', ...command],
        environment: envList({ ...env, ...trialEnv }),
        resourceRequirements: resourceRequirements(g.container, path, issues),
      },
    };
  });
  const primary = groups[0];
  const input: SubmitJobInput = {
    jobName: batchJobName(request.experiment, request.trialName),
    jobQueue: config.jobQueue,
    jobDefinition: definition ?? '',
    nodeOverrides: { numNodes, nodePropertyOverrides: overrides },
    retryStrategy: retryStrategy(primary?.restartPolicy ?? 'Never', backoffLimit),
    ...(deadline !== undefined ? { timeout: { attemptDurationSeconds: deadline } } : {}),
    tags: { 'tunestep:namespace': request.namespace, 'tunestep:experiment': request.experiment, 'tunestep:trial': request.trialName },
    propagateTags: true,
  };
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > BATCH_LIMITS.payloadBytes)
    issues.push({
      path: 'spec',
      message: `the Batch request would be ${bytes} bytes; SubmitJob takes at most ${BATCH_LIMITS.payloadBytes} (shorten commands and env)`,
    });
  if (issues.length > 0) throw new ValidationError(issues);
  return input;
}

/** Map-typed fields whose keys are the user's, not Batch's (left as they are by `statesParameters`). */
const USER_KEYED = new Set(['tags', 'parameters']);

/**
 * A SubmitJob request as Step Functions' Batch integration takes it: every Batch field name in
 * PascalCase (`jobName` -> `JobName`, `nodeOverrides.nodePropertyOverrides[].containerOverrides` ->
 * `NodeOverrides.NodePropertyOverrides[].ContainerOverrides`), user keys (tags) as they are.
 */
export function statesParameters(value: unknown, userKeyed = false): unknown {
  if (Array.isArray(value)) return value.map((v) => statesParameters(v));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      userKeyed ? k : k.charAt(0).toUpperCase() + k.slice(1),
      userKeyed ? v : statesParameters(v, USER_KEYED.has(k)),
    ]),
  );
}

/** Batch's longest attempt (14 days): the timeout of a job that sets no deadline. */
export const MAX_ATTEMPT_SECONDS = 14 * 24 * 3600;
