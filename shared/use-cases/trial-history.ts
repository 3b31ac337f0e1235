import type { TrialSummary } from '../experiment/records.js';
import { isTrialFinished } from '../experiment/states.js';
import type { ExperimentStore } from '../ports/experiment-store.js';

/**
 * The trials of experiments as a planner needs them, read incrementally. A finished trial never
 * changes, so it is kept; each read fetches only the trials from the first slot that is missing or
 * unfinished. Without this, every plan re-read every trial: O(n^2) reads over an experiment, the
 * largest cost of local mode at a few hundred trials and Katib's scaling complaint (#1847, #1328).
 *
 * One instance per process (a warm Lambda keeps it between invocations). Keyed by the experiment's
 * uid, so an experiment deleted and created again under the same name starts afresh.
 */
export class TrialHistory {
  private readonly finished = new Map<string, Map<number, TrialSummary>>();

  constructor(private readonly store: ExperimentStore) {}

  async read(namespace: string, experiment: string, uid: string): Promise<TrialSummary[]> {
    const kept = this.finished.get(uid) ?? new Map<number, TrialSummary>();
    this.finished.set(uid, kept);
    let from = 0;
    while (kept.has(from)) from++;
    const fresh = await this.store.listTrialSummaries(namespace, experiment, from);
    const all = new Map(kept);
    for (const t of fresh) {
      all.set(t.index, t);
      if (isTrialFinished(t.state)) kept.set(t.index, t);
    }
    return [...all.values()].sort((a, b) => a.index - b.index);
  }
}
