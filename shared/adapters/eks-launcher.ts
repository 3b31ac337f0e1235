import { ApiException, BatchV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { LaunchError } from '../errors.js';
import { EXPERIMENT_LABEL } from '../experiment/katib-objects.js';
import type { RuntimeHandle } from '../experiment/records.js';
import type { TrialLauncher, TrialRunEvents, TrialRunRequest, TrialRunResult } from '../ports/trial-launcher.js';
import { type Obj, obj } from '../spec/object.js';
import type { KubeObject } from '../spec/types.js';
import { FRAMEWORKS } from '../training/job-spec.js';

/** Katib's label naming a trial's job. */
export const TRIAL_LABEL = 'katib.kubeflow.org/trial';

export interface EksLauncherConfig {
  /** A KubeConfig for the cluster, made anew when asked (EKS tokens last minutes). */
  kubeConfig(): Promise<KubeConfig>;
  /** How often a running job's conditions are read. */
  pollSeconds?: number;
}

/** Where a kind lives in the API: group, version, plural. */
function resourceOf(kind: string): { group: string; version: string; plural: string } {
  if (kind === 'Job') return { group: 'batch', version: 'v1', plural: 'jobs' };
  if (!FRAMEWORKS[kind]) throw new LaunchError(`EKS runs Job, ${Object.keys(FRAMEWORKS).join(', ')} trials; got ${JSON.stringify(kind)}`);
  return { group: 'kubeflow.org', version: kind === 'MPIJob' ? 'v2beta1' : 'v1', plural: `${kind.toLowerCase()}s` };
}

/**
 * The object the launcher creates for a trial: the rendered job, named after the trial in the
 * experiment's namespace, labelled as Katib labels it, with the trial's environment added to the
 * primary container of every replica (Katib injects into the primary pod; the others get it too so
 * that every rank knows its trial).
 */
export function trialJob(request: TrialRunRequest): KubeObject {
  const job = structuredClone(request.job) as Obj;
  const kind = String(job.kind);
  const meta = obj(job.metadata);
  job.metadata = {
    ...meta,
    name: request.trialName,
    namespace: request.namespace,
    labels: { ...obj(meta.labels), [EXPERIMENT_LABEL]: request.experiment, [TRIAL_LABEL]: request.trialName },
  };
  if (kind === 'MPIJob') job.apiVersion = 'kubeflow.org/v2beta1';
  const templates =
    kind === 'Job'
      ? [obj(obj(job.spec).template)]
      : Object.values(obj(obj(job.spec)[FRAMEWORKS[kind]?.specKey ?? ''])).map((r) => obj(obj(r).template));
  const env = Object.entries(request.env ?? {}).map(([name, value]) => ({ name, value }));
  for (const t of templates) {
    const containers = (obj(t.spec).containers as Obj[] | undefined) ?? [];
    const primary = containers.find((c) => c.name === request.primaryContainerName) ?? containers[0];
    if (primary)
      primary.env = [...((primary.env as Obj[] | undefined) ?? []).filter((e) => !(String(e.name) in (request.env ?? {}))), ...env];
  }
  return job as KubeObject;
}

/** A job's outcome from its conditions: Kubeflow's Succeeded/Failed, batch Jobs' Complete/Failed. */
export function outcomeOf(kind: string, status: Obj | undefined): TrialRunResult | undefined {
  const conditions = ((status?.conditions as Obj[] | undefined) ?? []).filter((c) => c.status === 'True');
  const done = conditions.find((c) => ['Succeeded', 'Complete'].includes(String(c.type)));
  if (done)
    return { outcome: 'succeeded', reason: String(done.reason ?? 'Completed'), message: String(done.message ?? `${kind} succeeded`) };
  const failed = conditions.find((c) => c.type === 'Failed');
  if (failed) return { outcome: 'failed', reason: String(failed.reason ?? 'Failed'), message: String(failed.message ?? `${kind} failed`) };
  return undefined;
}

/**
 * Runs trials as Kubeflow objects (or batch Jobs) on an existing EKS cluster with
 * @kubernetes/client-node: creates the trial's object, follows its conditions until it succeeds or
 * fails, and deletes it afterwards unless `runPolicy.cleanPodPolicy` is None (Kubeflow's way of
 * saying "keep the pods to look at"). A second create of the same trial (a retried task) adopts the
 * existing object when it carries the trial's label, and fails otherwise.
 */
export class EksLauncher implements TrialLauncher {
  private readonly stopped = new Set<string>();
  /** The kind of each running trial's object, by `namespace/trial`. */
  private readonly kinds = new Map<string, string>();

  constructor(
    private readonly config: EksLauncherConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private async apis() {
    const kc = await this.config.kubeConfig();
    return { custom: kc.makeApiClient(CustomObjectsApi), batch: kc.makeApiClient(BatchV1Api) };
  }

  private async read(kind: string, namespace: string, name: string): Promise<Obj | undefined> {
    const { custom, batch } = await this.apis();
    try {
      if (kind === 'Job') return (await batch.readNamespacedJob({ name, namespace })) as unknown as Obj;
      const r = resourceOf(kind);
      return (await custom.getNamespacedCustomObject({ ...r, namespace, name })) as Obj;
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw e;
    }
  }

  private async create(body: KubeObject): Promise<void> {
    const { custom, batch } = await this.apis();
    const namespace = String(obj(body.metadata).namespace);
    if (body.kind === 'Job') await batch.createNamespacedJob({ namespace, body: body as never });
    else await custom.createNamespacedCustomObject({ ...resourceOf(String(body.kind)), namespace, body });
  }

  private async remove(kind: string, namespace: string, name: string): Promise<void> {
    const { custom, batch } = await this.apis();
    try {
      if (kind === 'Job') await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' });
      else await custom.deleteNamespacedCustomObject({ ...resourceOf(kind), namespace, name, propagationPolicy: 'Foreground' });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw e;
    }
  }

  async run(request: TrialRunRequest, events: TrialRunEvents): Promise<TrialRunResult> {
    const body = trialJob(request);
    const kind = String(body.kind);
    const key = `${request.namespace}/${request.trialName}`;
    try {
      await this.create(body);
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 409)) throw e;
      const existing = await this.read(kind, request.namespace, request.trialName);
      if (obj(obj(existing?.metadata).labels)[TRIAL_LABEL] !== request.trialName) {
        throw new LaunchError(`${kind} ${key} exists on the cluster and is not this trial's; delete it or rename the experiment`);
      }
    }
    await events.onStarted({ kind: 'eks', id: `${kind}/${request.namespace}/${request.trialName}` });
    this.kinds.set(key, kind);
    try {
      return await this.follow(kind, body, request, key);
    } finally {
      this.kinds.delete(key);
    }
  }

  private async follow(kind: string, body: KubeObject, request: TrialRunRequest, key: string): Promise<TrialRunResult> {
    for (;;) {
      const current = await this.read(kind, request.namespace, request.trialName);
      if (this.stopped.delete(key) || !current) return { outcome: 'killed', reason: 'Killed', message: `${kind} ${key} was deleted` };
      const result = outcomeOf(kind, obj(current.status));
      if (result) {
        const policy = obj(obj(body.spec).runPolicy).cleanPodPolicy;
        if (kind === 'Job' || policy !== 'None') await this.remove(kind, request.namespace, request.trialName);
        return result;
      }
      await this.sleep((this.config.pollSeconds ?? 10) * 1000);
    }
  }

  async terminate(namespace: string, trialName: string): Promise<void> {
    const kind = this.kinds.get(`${namespace}/${trialName}`);
    if (!kind) return;
    this.stopped.add(`${namespace}/${trialName}`);
    await this.remove(kind, namespace, trialName);
  }

  async reap(handle: RuntimeHandle): Promise<void> {
    if (handle.kind !== 'eks' || !handle.id) return;
    const [kind, namespace, name] = handle.id.split('/');
    if (kind && namespace && name) await this.remove(kind, namespace, name);
  }
}
