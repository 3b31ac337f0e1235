/**
 * Runs training jobs submitted through the API: local processes in local mode; on AWS a Batch
 * multi-node job or a Kubeflow object on EKS. The job's record in the store is kept current.
 */
export interface JobRunner {
  /** Starts the stored job; it runs in the background and its status is written as it changes. */
  start(namespace: string, name: string): Promise<void>;
  /** Stops the job's replicas; the job ends Failed. */
  stop(namespace: string, name: string): Promise<void>;
  isRunning(namespace: string, name: string): boolean;
}
