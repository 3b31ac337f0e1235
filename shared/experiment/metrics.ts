import type { MetricSummary, ObjectiveSpec } from '../spec/types.js';
import { UNAVAILABLE } from '../spec/types.js';
import type { ObservationRecord } from './records.js';

/** Katib's `getMetrics`: min, max and latest of each requested metric, `unavailable` when none arrived. */
export function summarizeMetrics(objective: ObjectiveSpec, observations: ObservationRecord[]): MetricSummary[] {
  const names = [objective.objectiveMetricName, ...(objective.additionalMetricNames ?? [])];
  return names.map((name) => {
    const values = observations.filter((o) => o.metricName === name);
    if (values.length === 0) return { name, min: UNAVAILABLE, max: UNAVAILABLE, latest: UNAVAILABLE };
    const numeric = values.map((o) => Number(o.value)).filter((v) => Number.isFinite(v));
    const latest = values[values.length - 1]!.value;
    if (numeric.length === 0) return { name, min: UNAVAILABLE, max: UNAVAILABLE, latest };
    return { name, min: String(Math.min(...numeric)), max: String(Math.max(...numeric)), latest };
  });
}

/**
 * The objective value of a trial by its metric strategy (Katib's `getObjectiveMetricValue`):
 * min or max, falling back to latest when those are unavailable. Undefined when there is none.
 */
export function objectiveValue(objective: ObjectiveSpec, metrics: MetricSummary[] | undefined): number | undefined {
  const summary = metrics?.find((m) => m.name === objective.objectiveMetricName);
  if (!summary) return undefined;
  const strategy =
    objective.metricStrategies?.find((s) => s.name === objective.objectiveMetricName)?.value ??
    (objective.type === 'minimize' ? 'min' : 'max');
  let text = strategy === 'min' ? summary.min : strategy === 'max' ? summary.max : summary.latest;
  if (text === UNAVAILABLE) text = summary.latest;
  if (text === UNAVAILABLE) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Whether `a` is strictly better than `b` for the objective's direction. */
export function isBetter(objective: ObjectiveSpec, a: number, b: number): boolean {
  return objective.type === 'minimize' ? a < b : a > b;
}

/** Whether a value reaches the goal (`<=` for minimize, `>=` for maximize). */
export function reachesGoal(objective: ObjectiveSpec, value: number): boolean {
  if (objective.goal === undefined) return false;
  return objective.type === 'minimize' ? value <= objective.goal : value >= objective.goal;
}
