import type { Clock } from '../ports/clock.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import type { TrialLauncher } from '../ports/trial-launcher.js';
import type { TrialHistory } from './trial-history.js';

/** What the experiment use cases need, built once by each entry point's composition root. */
export interface UseCaseDeps {
  store: ExperimentStore;
  launcher: TrialLauncher;
  clock: Clock;
  /** Keeps finished trials between plans; without it every plan lists every trial. */
  history?: TrialHistory;
}
