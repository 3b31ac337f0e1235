/**
 * Starts and stops experiment loops: in local mode an in-process execution of the state machine, on
 * AWS a Step Functions execution. What the HTTP API uses after it has written an experiment.
 */
export interface ExperimentRunner {
  /** Starts the experiment's loop; it runs in the background until the experiment ends or is stopped. */
  start(namespace: string, name: string): Promise<void>;
  /** Stops the loop and the experiment's running trials; the experiment stays resumable. */
  stop(namespace: string, name: string): Promise<void>;
  /** Whether a loop of the experiment is running under this runner. */
  isRunning(namespace: string, name: string): boolean;
}
