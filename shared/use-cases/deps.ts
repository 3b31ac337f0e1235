import type { Clock } from '../ports/clock.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import type { Telemetry } from '../ports/telemetry.js';
import type { TrialLauncher } from '../ports/trial-launcher.js';
import type { BatchLauncherConfig } from '../training/batch-job.js';
import type { TrialHistory } from './trial-history.js';

/** What the experiment use cases need, built once by each entry point's composition root. */
export interface UseCaseDeps {
  store: ExperimentStore;
  launcher: TrialLauncher;
  clock: Clock;
  /** Keeps finished trials between plans; without it every plan lists every trial. */
  history?: TrialHistory;
  /**
   * Extra environment for a trial's primary container: where the API is and the trial's push token
   * (`TUNESTEP_API_URL`, `TUNESTEP_TRIAL_TOKEN`), when there is an API to push metrics to. Never logged.
   */
  trialEnv?: (namespace: string, trial: string) => Record<string, string>;
  /**
   * AWS Batch (the AWS place, and the local Batch emulation in tests): PlanTrial turns each trial into
   * SubmitJob parameters for the state machine's `batch:submitJob.sync` task instead of RunTrial.
   */
  batch?: BatchLauncherConfig;
  /** Operational metrics (Prometheus locally, CloudWatch on AWS); none when not wired. */
  telemetry?: Telemetry;
}
