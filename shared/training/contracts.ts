/**
 * The distributed-training contract: for one replica of a Kubeflow job, the environment (and files)
 * the Kubeflow operators give its pod, as ../shared/reference/training-contracts.md records it. One
 * pure function per framework; where replicas are reachable comes in as a resolver, so the same
 * contract serves Kubernetes (service names), local mode (127.0.0.1 and free ports) and AWS Batch
 * (node addresses).
 */

/** How many replicas of each type a job has, keyed by Kubeflow's replica type (`Master`, `Worker` ...). */
export type ReplicaCounts = Readonly<Record<string, number>>;

/** Where one replica listens. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Resolves a replica (type, index) to its endpoint. */
export type Resolver = (type: string, index: number) => Endpoint;

/** The replica being launched, and its job. */
export interface ReplicaContext {
  replicas: ReplicaCounts;
  type: string;
  index: number;
  resolve: Resolver;
}

/** What a replica gets: environment variables, and files by path (the MPI hostfile). */
export interface ReplicaEnvironment {
  env: Record<string, string>;
  files?: Record<string, string>;
}

const total = (replicas: ReplicaCounts) => Object.values(replicas).reduce((a, b) => a + b, 0);

/** PyTorchJob's elastic policy fields that shape the environment. */
export interface PyTorchElastic {
  rdzvBackend?: string;
  rdzvHost?: string;
  rdzvPort?: number;
  minReplicas?: number;
  maxReplicas?: number;
  maxRestarts?: number;
  rdzvId?: string;
  rdzvConf?: { key: string; value: string }[];
  standalone?: boolean;
}

/**
 * PyTorchJob (training-operator v1 `envvar.go`, `elastic.go`): with a Master, MASTER_ADDR/PORT, RANK
 * as the node rank (Master 0, Worker i -> i+1), WORLD_SIZE = replicas * nprocPerNode (1 for
 * auto/cpu/gpu), PET_* for torchrun; without one, only PET_*; elastic adds the rendezvous.
 */
export function pytorchContract(ctx: ReplicaContext & { nprocPerNode?: string; elastic?: PyTorchElastic }): ReplicaEnvironment {
  const nproc = ctx.nprocPerNode ?? 'auto';
  const nprocInt = /^\d+$/.test(nproc) ? Number(nproc) : 1;
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1', PET_NPROC_PER_NODE: nproc };
  const replicas = total(ctx.replicas);
  if ((ctx.replicas.Master ?? 0) > 0) {
    const master = ctx.resolve('Master', 0);
    const rank = ctx.type === 'Master' ? ctx.index : ctx.index + (ctx.replicas.Master ?? 0);
    Object.assign(env, {
      MASTER_ADDR: master.host,
      PET_MASTER_ADDR: master.host,
      MASTER_PORT: String(master.port),
      PET_MASTER_PORT: String(master.port),
      WORLD_SIZE: String(replicas * nprocInt),
      RANK: String(rank),
      PET_NODE_RANK: String(rank),
    });
  }
  const elastic = ctx.elastic;
  if (!elastic) {
    env.PET_NNODES = String(replicas);
    return { env };
  }
  const workers = ctx.replicas.Worker ?? 0;
  const min = elastic.minReplicas ?? elastic.maxReplicas ?? workers;
  const max = elastic.maxReplicas ?? elastic.minReplicas ?? workers;
  const worker0 = ctx.resolve('Worker', 0);
  env.PET_NNODES = `${min}:${max}`;
  env.PET_RDZV_ENDPOINT = `${elastic.rdzvHost ?? worker0.host}:${elastic.rdzvPort ?? worker0.port}`;
  env.PET_RDZV_BACKEND = elastic.rdzvBackend ?? 'c10d';
  if (elastic.maxRestarts !== undefined) env.PET_MAX_RESTARTS = String(elastic.maxRestarts);
  if (elastic.rdzvId !== undefined) env.PET_RDZV_ID = elastic.rdzvId;
  if (elastic.rdzvConf?.length) env.PET_RDZV_CONF = elastic.rdzvConf.map((c) => `${c.key}=${c.value}`).join(',');
  if (elastic.standalone) env.PET_STANDALONE = '';
  return { env };
}

/**
 * TFJob (training-operator v1 `tensorflow.go`): TF_CONFIG with every replica type's endpoints under its
 * lower-cased name, keys sorted as Go marshals a map, the task, and `environment: cloud`; only for a
 * distributed job (more than one replica in all).
 */
export function tensorflowContract(ctx: ReplicaContext): ReplicaEnvironment {
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
  if (total(ctx.replicas) === 1) return { env };
  const cluster: Record<string, string[]> = {};
  for (const type of Object.keys(ctx.replicas).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
    const n = ctx.replicas[type]!;
    if (n === 0) continue;
    cluster[type.toLowerCase()] = Array.from({ length: n }, (_, i) => {
      const e = ctx.resolve(type, i);
      return `${e.host}:${e.port}`;
    });
  }
  env.TF_CONFIG = JSON.stringify({ cluster, task: { type: ctx.type.toLowerCase(), index: ctx.index }, environment: 'cloud' });
  return { env };
}

/**
 * XGBoostJob (training-operator v1 `xgboost.go`): MASTER_ADDR/PORT, WORLD_SIZE, RANK (Master 0, Worker i
 * -> i+1) and, for more than one replica, WORKER_PORT and WORKER_ADDRS (for LightGBM).
 */
export function xgboostContract(ctx: ReplicaContext): ReplicaEnvironment {
  const master = ctx.resolve('Master', 0);
  const replicas = total(ctx.replicas);
  const rank = ctx.type === 'Master' ? ctx.index : ctx.index + (ctx.replicas.Master ?? 0);
  const env: Record<string, string> = {
    PYTHONUNBUFFERED: '1',
    MASTER_ADDR: master.host,
    MASTER_PORT: String(master.port),
    WORLD_SIZE: String(replicas),
    RANK: String(rank),
  };
  if (replicas > 1) {
    const workers = ctx.replicas.Worker ?? 0;
    env.WORKER_PORT = String(workers > 0 ? ctx.resolve('Worker', 0).port : master.port);
    env.WORKER_ADDRS = Array.from({ length: workers }, (_, i) => ctx.resolve('Worker', i).host).join(',');
  }
  return { env };
}

/**
 * JAXJob (training-operator v1 `jax/envvar.go`): every replica is a Worker; COORDINATOR_ADDRESS and
 * COORDINATOR_PORT name Worker 0 (the coordinator, its `jaxjob-port`), NUM_PROCESSES the replicas in
 * all, PROCESS_ID the replica's index.
 */
export function jaxContract(ctx: ReplicaContext): ReplicaEnvironment {
  const coordinator = ctx.resolve('Worker', 0);
  return {
    env: {
      PYTHONUNBUFFERED: '1',
      COORDINATOR_PORT: String(coordinator.port),
      COORDINATOR_ADDRESS: coordinator.host,
      NUM_PROCESSES: String(total(ctx.replicas)),
      PROCESS_ID: String(ctx.index),
    },
  };
}

/** MPIJob v2beta1's MPI implementations. */
export type MpiImplementation = 'OpenMPI' | 'Intel' | 'MPICH';

/** Where the operator mounts the hostfile in the launcher. */
export const MPI_HOSTFILE = '/etc/mpi/hostfile';

/**
 * MPIJob (mpi-operator v2beta1): the launcher gets the hostfile (one line per worker, with its slots)
 * and the implementation's variables pointing at it; every replica gets K_MPI_JOB_ROLE. No
 * RANK/WORLD_SIZE: mpirun hands out ranks.
 */
export function mpiContract(
  ctx: ReplicaContext & {
    slotsPerWorker?: number;
    implementation?: MpiImplementation;
    runLauncherAsWorker?: boolean;
    hostfilePath?: string;
  },
): ReplicaEnvironment {
  const slots = ctx.slotsPerWorker ?? 1;
  const impl = ctx.implementation ?? 'OpenMPI';
  const hostfile = ctx.hostfilePath ?? MPI_HOSTFILE;
  if (ctx.type !== 'Launcher') return { env: { K_MPI_JOB_ROLE: 'worker' } };
  const hosts = [
    ...(ctx.runLauncherAsWorker ? [ctx.resolve('Launcher', 0).host] : []),
    ...Array.from({ length: ctx.replicas.Worker ?? 0 }, (_, i) => ctx.resolve('Worker', i).host),
  ];
  const line = (h: string) => (impl === 'OpenMPI' ? `${h} slots=${slots}` : `${h}:${slots}`);
  const env: Record<string, string> = { K_MPI_JOB_ROLE: 'launcher' };
  if (impl === 'OpenMPI') {
    Object.assign(env, {
      OMPI_MCA_orte_keep_fqdn_hostnames: 'true',
      OMPI_MCA_orte_default_hostfile: hostfile,
      OMPI_MCA_plm_rsh_args: '-o ConnectionAttempts=10',
      OMPI_MCA_orte_set_default_slots: String(slots),
    });
  } else if (impl === 'Intel') {
    Object.assign(env, {
      I_MPI_HYDRA_HOST_FILE: hostfile,
      I_MPI_HYDRA_BOOTSTRAP_EXEC_EXTRA_ARGS: '-o ConnectionAttempts=10',
      I_MPI_PERHOST: String(slots),
    });
  } else {
    Object.assign(env, { HYDRA_HOST_FILE: hostfile, HYDRA_LAUNCH_EXTRA_ARGS: '-o ConnectionAttempts=10' });
  }
  if (!ctx.runLauncherAsWorker) Object.assign(env, { NVIDIA_VISIBLE_DEVICES: '', NVIDIA_DRIVER_CAPABILITIES: '' });
  return { env, files: { [hostfile]: `${hosts.map(line).join('\n')}\n` } };
}

/** What a job's spec adds to its replicas' contract (PyTorch's nprocPerNode and elastic policy, MPI's fields). */
export interface JobContractOptions {
  nprocPerNode?: string;
  elastic?: PyTorchElastic;
  slotsPerWorker?: number;
  implementation?: MpiImplementation;
  runLauncherAsWorker?: boolean;
  hostfilePath?: string;
}

/**
 * The contract of one replica of a job of `kind`, by its framework's function; a batch Job (or any
 * other kind) gets only PYTHONUNBUFFERED. Local mode, the Batch bootstrap and EKS all go through here.
 */
export function replicaContract(kind: string, ctx: ReplicaContext, options: JobContractOptions = {}): ReplicaEnvironment {
  switch (kind) {
    case 'PyTorchJob':
      return pytorchContract({ ...ctx, nprocPerNode: options.nprocPerNode, elastic: options.elastic });
    case 'TFJob':
      return tensorflowContract(ctx);
    case 'XGBoostJob':
      return xgboostContract(ctx);
    case 'JAXJob':
      return jaxContract(ctx);
    case 'MPIJob':
      return mpiContract({ ...ctx, ...options });
    default:
      return { env: { PYTHONUNBUFFERED: '1' } };
  }
}

/** Kubeflow's default port per framework (the `*-port` container port when none is declared). */
export const DEFAULT_PORTS = { PyTorchJob: 23456, TFJob: 2222, XGBoostJob: 9999, JAXJob: 6666 } as const;

/**
 * Endpoints as the Kubeflow operators name them in Kubernetes: PyTorch and XGBoost use the replica's
 * service name `<job>-<type>-<i>`, TensorFlow its in-namespace FQDN `<job>-<type>-<i>.<ns>.svc`, MPI
 * the worker's host in the job's subdomain `<job>-worker-<i>.<job>.<ns>.svc`.
 */
export function kubernetesResolver(
  kind: 'PyTorchJob' | 'TFJob' | 'XGBoostJob' | 'JAXJob' | 'MPIJob',
  job: string,
  namespace: string,
  port = kind === 'MPIJob' ? 0 : DEFAULT_PORTS[kind],
  clusterDomain?: string,
): Resolver {
  const domain = clusterDomain ? `.${clusterDomain}` : '';
  return (type, index) => {
    // mpi-operator's launcher is a batch Job's pod, `<job>-launcher`, without an index.
    const base = kind === 'MPIJob' && type === 'Launcher' ? `${job}-launcher` : `${job}-${type.toLowerCase()}-${index}`;
    if (kind === 'TFJob') return { host: `${base}.${namespace}.svc${domain}`, port };
    if (kind === 'MPIJob') return { host: `${base}.${job}.${namespace}.svc${domain}`, port };
    return { host: base, port };
  };
}
