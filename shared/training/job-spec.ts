import type { FieldIssue } from '../errors.js';
import { show, ValidationError } from '../errors.js';
import { parseDocuments, pickDocument } from '../spec/parse.js';

/**
 * Kubeflow training jobs (kubeflow.org/v1 PyTorchJob, TFJob, XGBoostJob, MPIJob; kubeflow.org/v2beta1
 * MPIJob) and batch/v1 Job: parsing, the operators' defaults and their webhooks' validation, with field
 * paths (../shared/reference/training-contracts.md section 1).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What each job kind's operator expects. */
interface FrameworkRules {
  apiVersions: readonly string[];
  specKey: string;
  /** The default container the operator reads exit codes from and injects env into; required by the webhook. */
  container?: string;
  replicaTypes: readonly string[];
  /** Replica types that must be there, with exactly one replica. */
  exactlyOne?: readonly string[];
  required?: readonly string[];
  defaultRestart: (type: string) => string;
  port?: { name: string; value: number };
}

export const FRAMEWORKS: Record<string, FrameworkRules> = {
  PyTorchJob: {
    apiVersions: ['kubeflow.org/v1'],
    specKey: 'pytorchReplicaSpecs',
    container: 'pytorch',
    replicaTypes: ['Master', 'Worker'],
    exactlyOne: ['Master'],
    defaultRestart: () => 'OnFailure',
    port: { name: 'pytorchjob-port', value: 23456 },
  },
  TFJob: {
    apiVersions: ['kubeflow.org/v1'],
    specKey: 'tfReplicaSpecs',
    container: 'tensorflow',
    replicaTypes: ['Chief', 'Master', 'Worker', 'PS', 'Evaluator'],
    defaultRestart: () => 'Never',
    port: { name: 'tfjob-port', value: 2222 },
  },
  XGBoostJob: {
    apiVersions: ['kubeflow.org/v1'],
    specKey: 'xgbReplicaSpecs',
    container: 'xgboost',
    replicaTypes: ['Master', 'Worker'],
    required: ['Master'],
    exactlyOne: ['Master'],
    defaultRestart: () => 'Never',
    port: { name: 'xgboostjob-port', value: 9999 },
  },
  JAXJob: {
    apiVersions: ['kubeflow.org/v1'],
    specKey: 'jaxReplicaSpecs',
    container: 'jax',
    replicaTypes: ['Worker'],
    required: ['Worker'],
    defaultRestart: () => 'Never',
    port: { name: 'jaxjob-port', value: 6666 },
  },
  MPIJob: {
    apiVersions: ['kubeflow.org/v2beta1', 'kubeflow.org/v1'],
    specKey: 'mpiReplicaSpecs',
    replicaTypes: ['Launcher', 'Worker'],
    required: ['Launcher'],
    exactlyOne: ['Launcher'],
    defaultRestart: (type) => (type === 'Launcher' ? 'OnFailure' : 'Never'),
  },
};

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never', 'ExitCode'];
const CLEAN_POD_POLICIES = ['All', 'Running', 'None'];
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A parsed, defaulted and validated job. */
export interface TrainingJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; [k: string]: unknown };
  spec: Obj;
}

/**
 * Parses, defaults and validates a training job from YAML or JSON text.
 * @throws ValidationError with every issue found
 */
export function loadTrainingJob(text: string, source?: string): TrainingJob {
  return checkTrainingJob(parseTrainingJob(text, source));
}

/** The job document of YAML or JSON text, not yet defaulted. */
export function parseTrainingJob(text: string, source?: string): Obj {
  return pickDocument(parseDocuments(text, source), [...Object.keys(FRAMEWORKS), 'Job'], source);
}

/** Defaults and validates a parsed job document. */
export function checkTrainingJob(doc: Obj): TrainingJob {
  const job = applyJobDefaults(doc);
  const issues = validateTrainingJob(job);
  if (issues.length > 0) throw new ValidationError(issues);
  return job as unknown as TrainingJob;
}

/** The operators' defaults: replicas 1 (MPI workers 0), restart policies, ports, run policy, MPI fields. */
export function applyJobDefaults(raw: Obj): Obj {
  const job = structuredClone(raw);
  if (isObj(job.metadata)) job.metadata.namespace ??= 'default';
  const rules = FRAMEWORKS[String(job.kind)];
  const spec = job.spec;
  if (!rules || !isObj(spec)) return job;
  const replicaSpecs = spec[rules.specKey];
  if (isObj(replicaSpecs)) {
    for (const [type, r] of Object.entries(replicaSpecs)) {
      if (!isObj(r)) continue;
      r.replicas ??= job.kind === 'MPIJob' && type === 'Worker' ? 0 : 1;
      r.restartPolicy ??= rules.defaultRestart(type);
      const containers = isObj(r.template) && isObj(r.template.spec) ? r.template.spec.containers : undefined;
      const main = Array.isArray(containers) ? containers.find((c) => isObj(c) && c.name === rules.container) : undefined;
      if (rules.port && isObj(main)) {
        const ports = Array.isArray(main.ports) ? main.ports : [];
        if (!ports.some((p) => isObj(p) && p.name === rules.port!.name))
          main.ports = [...ports, { name: rules.port.name, containerPort: rules.port.value }];
      }
    }
  }
  spec.runPolicy ??= {};
  if (isObj(spec.runPolicy)) spec.runPolicy.cleanPodPolicy ??= 'None';
  if (job.kind === 'PyTorchJob') spec.nprocPerNode ??= 'auto';
  if (job.kind === 'MPIJob') {
    spec.slotsPerWorker ??= 1;
    if (job.apiVersion === 'kubeflow.org/v2beta1') {
      spec.sshAuthMountPath ??= '/root/.ssh';
      spec.launcherCreationPolicy ??= 'AtStartup';
      spec.mpiImplementation ??= 'OpenMPI';
      spec.runLauncherAsWorker ??= false;
    }
  }
  return job;
}

/** Validates a defaulted job as the operators' webhooks do; every issue, with its field path. */
export function validateTrainingJob(job: Obj): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const kind = String(job.kind);
  const meta = isObj(job.metadata) ? job.metadata : {};
  if (typeof meta.name !== 'string' || !DNS_NAME.test(meta.name) || meta.name.length > 63) {
    add('metadata.name', `must be a DNS name: lowercase letters, digits, '-' and '.', at most 63 characters (got ${show(meta.name)})`);
  }
  if (kind === 'Job') {
    if (job.apiVersion !== 'batch/v1') add('apiVersion', `must be "batch/v1" for a Job (got ${show(job.apiVersion)})`);
    validatePodTemplate(isObj(job.spec) ? job.spec.template : undefined, 'spec.template', undefined, add);
    return issues;
  }
  const rules = FRAMEWORKS[kind];
  if (!rules) {
    add('kind', `must be one of ${[...Object.keys(FRAMEWORKS), 'Job'].join(', ')} (got ${show(job.kind)})`);
    return issues;
  }
  if (!rules.apiVersions.includes(String(job.apiVersion)))
    add('apiVersion', `must be ${rules.apiVersions.map((v) => JSON.stringify(v)).join(' or ')} for ${kind} (got ${show(job.apiVersion)})`);
  const spec = isObj(job.spec) ? job.spec : {};
  const specsPath = `spec.${rules.specKey}`;
  const replicaSpecs = spec[rules.specKey];
  if (!isObj(replicaSpecs) || Object.keys(replicaSpecs).length === 0) {
    add(specsPath, `is required: the replicas by type (${rules.replicaTypes.join(', ')})`);
    return issues;
  }
  for (const type of rules.required ?? []) if (!(type in replicaSpecs)) add(`${specsPath}.${type}`, `is required for ${kind}`);
  for (const [type, r] of Object.entries(replicaSpecs)) {
    const path = `${specsPath}.${type}`;
    if (!rules.replicaTypes.includes(type)) {
      add(path, `unknown replica type ${show(type)} (allowed for ${kind}: ${rules.replicaTypes.join(', ')})`);
      continue;
    }
    if (!isObj(r)) {
      add(path, `must be a replica spec {replicas, restartPolicy, template} (got ${show(r)})`);
      continue;
    }
    if (typeof r.replicas !== 'number' || !Number.isInteger(r.replicas) || r.replicas < 0)
      add(`${path}.replicas`, `must be an integer >= 0 (got ${show(r.replicas)})`);
    else if (rules.exactlyOne?.includes(type) && r.replicas !== 1)
      add(`${path}.replicas`, `must be 1: ${kind} has exactly one ${type} (got ${r.replicas})`);
    if (!RESTART_POLICIES.includes(String(r.restartPolicy)))
      add(`${path}.restartPolicy`, `must be one of ${RESTART_POLICIES.join(', ')} (got ${show(r.restartPolicy)})`);
    validatePodTemplate(r.template, `${path}.template`, rules.container, add);
  }
  const runPolicy = isObj(spec.runPolicy) ? spec.runPolicy : {};
  if (!CLEAN_POD_POLICIES.includes(String(runPolicy.cleanPodPolicy)))
    add('spec.runPolicy.cleanPodPolicy', `must be one of ${CLEAN_POD_POLICIES.join(', ')} (got ${show(runPolicy.cleanPodPolicy)})`);
  for (const field of ['backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished'] as const) {
    const v = runPolicy[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      add(`spec.runPolicy.${field}`, `must be an integer >= 0 (got ${show(v)})`);
  }
  if (runPolicy.suspend !== undefined && typeof runPolicy.suspend !== 'boolean')
    add('spec.runPolicy.suspend', `must be true or false (got ${show(runPolicy.suspend)})`);
  if (kind === 'PyTorchJob') {
    if (!/^(auto|cpu|gpu|\d+)$/.test(String(spec.nprocPerNode)))
      add('spec.nprocPerNode', `must be auto, cpu, gpu or a number (got ${show(spec.nprocPerNode)})`);
    if (spec.elasticPolicy !== undefined && !('Worker' in replicaSpecs)) add('spec.elasticPolicy', 'needs a Worker replica spec');
  }
  if (kind === 'MPIJob') {
    if (typeof spec.slotsPerWorker !== 'number' || !Number.isInteger(spec.slotsPerWorker) || spec.slotsPerWorker < 1)
      add('spec.slotsPerWorker', `must be an integer >= 1 (got ${show(spec.slotsPerWorker)})`);
    if (spec.mpiImplementation !== undefined && !['OpenMPI', 'Intel', 'MPICH'].includes(String(spec.mpiImplementation)))
      add('spec.mpiImplementation', `must be OpenMPI, Intel or MPICH (got ${show(spec.mpiImplementation)})`);
  }
  return issues;
}

function validatePodTemplate(
  template: unknown,
  path: string,
  container: string | undefined,
  add: (path: string, message: string) => void,
): void {
  const containers = isObj(template) && isObj(template.spec) ? template.spec.containers : undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    add(`${path}.spec.containers`, 'must list at least one container');
    return;
  }
  containers.forEach((c, i) => {
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '')
      add(`${path}.spec.containers[${i}].name`, `is required (got ${show(isObj(c) ? c.name : c)})`);
  });
  if (container && !containers.some((c) => isObj(c) && c.name === container)) {
    add(
      `${path}.spec.containers`,
      `must include a container named ${JSON.stringify(container)}, the one the operator configures (got ${containers.map((c) => (isObj(c) ? JSON.stringify(c.name) : '?')).join(', ')})`,
    );
  }
}
