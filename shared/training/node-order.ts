import type { MpiImplementation } from './contracts.js';

/** What the bootstrap needs of the job (the launcher puts it in `TUNESTEP_JOB`). */
export interface BootstrapJob {
  kind: 'PyTorchJob' | 'TFJob' | 'XGBoostJob' | 'JAXJob' | 'MPIJob' | 'Job';
  /** Replicas per type; one Batch node per replica. */
  replicas: Record<string, number>;
  nprocPerNode?: string;
  slotsPerWorker?: number;
  mpiImplementation?: MpiImplementation;
}

const PRIMARY = ['Master', 'Chief', 'Launcher'];

/** The replicas in node-rank order: the primary type first, then the others as the job lists them. */
export function replicaOrder(job: BootstrapJob): { type: string; index: number }[] {
  const types = Object.keys(job.replicas).sort((a, b) => Number(PRIMARY.includes(b)) - Number(PRIMARY.includes(a)));
  return types.flatMap((type) => Array.from({ length: job.replicas[type]! }, (_, index) => ({ type, index })));
}
