import type { MetricSummary, ObjectiveSpec } from '../spec/types.js';
import { UNAVAILABLE } from '../spec/types.js';
import type { ObservationRecord } from './records.js';

/**
 * Katib's `getMetrics`, kept as values arrive: min, max and latest of each requested metric,
 * `unavailable` when none arrived (min and max also when no value was numeric).
 */
export class MetricSummarizer {
  private readonly state = new Map<string, { min: number; max: number; latest?: string }>();

  constructor(private readonly objective: ObjectiveSpec) {}

  add(observation: ObservationRecord): void {
    const names = [this.objective.objectiveMetricName, ...(this.objective.additionalMetricNames ?? [])];
    if (!names.includes(observation.metricName)) return;
    const s = this.state.get(observation.metricName) ?? { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
    const v = Number(observation.value);
    if (Number.isFinite(v)) {
      s.min = Math.min(s.min, v);
      s.max = Math.max(s.max, v);
    }
    s.latest = observation.value;
    this.state.set(observation.metricName, s);
  }

  summary(): MetricSummary[] {
    const names = [this.objective.objectiveMetricName, ...(this.objective.additionalMetricNames ?? [])];
    return names.map((name) => {
      const s = this.state.get(name);
      if (!s?.latest) return { name, min: UNAVAILABLE, max: UNAVAILABLE, latest: UNAVAILABLE };
      if (!Number.isFinite(s.min)) return { name, min: UNAVAILABLE, max: UNAVAILABLE, latest: s.latest };
      return { name, min: String(s.min), max: String(s.max), latest: s.latest };
    });
  }
}

/** The summaries of a whole observation log. */
export function summarizeMetrics(objective: ObjectiveSpec, observations: ObservationRecord[]): MetricSummary[] {
  const summarizer = new MetricSummarizer(objective);
  for (const o of observations) summarizer.add(o);
  return summarizer.summary();
}

/** The objective's numeric values in the order they were reported: the curve median stopping judges. */
export function objectiveCurve(objective: ObjectiveSpec, observations: ObservationRecord[]): number[] {
  return observations
    .filter((o) => o.metricName === objective.objectiveMetricName)
    .map((o) => Number(o.value))
    .filter(Number.isFinite);
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
