import type { FieldIssue } from '../errors.js';
import type { AlgorithmSetting, ObjectiveSpec } from '../spec/types.js';
import { checkSettings, settingsRecord } from './settings.js';

/** Katib's medianstop settings and defaults. */
const SETTINGS = {
  min_trials_required: { kind: 'int', min: 1 },
  start_step: { kind: 'int', min: 1 },
} as const;

/** Checks `earlyStopping.algorithmSettings` for medianstop. */
export function validateMedianStop(settings: AlgorithmSetting[] | undefined): FieldIssue[] {
  return checkSettings(settings, SETTINGS, 'spec.earlyStopping.algorithmSettings');
}

/**
 * What a running trial is compared with: from step `startStep` on, the median over completed trials of
 * their best objective so far at that step (index k-1 for the k-th reported value).
 */
export interface MedianStopRule {
  startStep: number;
  type: ObjectiveSpec['type'];
  medians: number[];
}

/** Best-so-far of a curve at each step, in the objective's direction. */
function bestSoFar(curve: number[], type: ObjectiveSpec['type']): number[] {
  const out: number[] = [];
  let best = type === 'minimize' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const v of curve) {
    best = type === 'minimize' ? Math.min(best, v) : Math.max(best, v);
    out.push(best);
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Builds the median-stopping rule (Golovin et al., Google Vizier) from completed trials' objective
 * curves, or undefined while fewer than `min_trials_required` (default 3) trials have completed.
 * Katib's service averages the first `start_step` values of each trial and compares with their mean;
 * we compare best-so-far values with the true median at every step from `start_step` (default 4) on, a
 * deliberate difference: a median is not dragged by one very bad trial.
 */
export function medianStopRule(
  settings: AlgorithmSetting[] | undefined,
  objective: ObjectiveSpec,
  completedCurves: number[][],
): MedianStopRule | undefined {
  const s = settingsRecord(settings);
  const minTrials = Number(s.min_trials_required ?? 3);
  const startStep = Number(s.start_step ?? 4);
  const curves = completedCurves.filter((c) => c.length > 0).map((c) => bestSoFar(c, objective.type));
  if (curves.length < minTrials) return undefined;
  const longest = Math.max(...curves.map((c) => c.length));
  // A trial that reported fewer steps counts with its final best at later steps.
  const medians = Array.from({ length: longest }, (_, k) => median(curves.map((c) => c[Math.min(k, c.length - 1)]!)));
  return { startStep, type: objective.type, medians };
}

/** Why a trial with these objective values was stopped early, as its EarlyStopped condition says. */
export function stopMessage(metricName: string, rule: MedianStopRule, values: number[]): string {
  const median = Number(rule.medians[values.length - 1]!.toPrecision(6));
  return `${metricName} at step ${values.length} is worse than the median of completed trials (${median})`;
}

/** Whether a running trial with these objective values (in order) should stop now. */
export function shouldStop(rule: MedianStopRule, values: number[]): boolean {
  const k = values.length;
  if (k < rule.startStep || k > rule.medians.length) return false;
  const best = bestSoFar(values, rule.type)[k - 1]!;
  const m = rule.medians[k - 1]!;
  return rule.type === 'minimize' ? best > m : best < m;
}
