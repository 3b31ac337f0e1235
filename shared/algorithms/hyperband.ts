import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { checkSettings } from './settings.js';
import { assignmentKey, configOf, drawUnseen, formatValue, sampleAssignment, withResource } from './space.js';
import type { AlgorithmTrial, SuggestionAlgorithm } from './types.js';

/**
 * Hyperband (Li et al., JMLR 2018) with Katib's settings and Katib's bracket arithmetic: `r_l` the
 * largest resource, `eta` the reduction factor (default 3; a value <= 0 becomes 3, as Katib does),
 * s_max = floor(log(r_l) / log(eta)), B = (s_max + 1) r_l; bracket s (from s_max down to 0) starts
 * n = ceil(B / r_l * eta^s / (s + 1)) configurations at resource r_l * eta^-s, and each of its rungs
 * keeps the best floor(n_i / eta) at eta times the resource. The resource goes to the trials through
 * the `resource_name` parameter (Katib's name); as in Katib, that parameter's feasible space does not
 * bound it: the rungs' values come from `r_l` and `eta` (rounded, at least 1, for an int parameter).
 *
 * Stateless: the trials' slots fill the rungs of the plan in turn, so the bracket and rung of every
 * trial follow from its slot. A rung above the first waits until every trial of the rung
 * below has finished (synchronous successive halving, as Katib); meanwhile `suggest` answers
 * `waiting`, so lanes wait instead of giving up. Failed trials rank last.
 *
 * Katib's bug fixed: Katib's service returns an empty reply once its outer loop ends (and mismatches
 * the requested count inside a rung, kubeflow/katib#1168), which leaves the experiment running forever.
 * Here the last bracket's last rung ends the suggestions, and the experiment ends Succeeded with
 * `ExperimentSuggestionEndReached` when `maxTrialCount` is larger than the plan. Katib's demand that
 * `parallelTrialCount` be at least eta^s_max is not made: lanes simply wait for a rung.
 */
export const hyperband: SuggestionAlgorithm = {
  name: 'hyperband',
  validate: validateHyperband,
  suggest(input) {
    const plan = bracketPlan(input.parameters, input.settings);
    const others = input.parameters.filter((p) => p !== plan.resource);
    const configs = new Set(input.trials.map((t) => assignmentKey(configOf(plan.resource.name, t.parameterAssignments))));
    const seen = new Set(input.trials.map((t) => assignmentKey(t.parameterAssignments)));
    // Trials by slot: a lane may take a slot while a lower one is still being created by another.
    const bySlot = new Map<number, AlgorithmTrial>(input.trials.map((t, i) => [t.index ?? i, t]));
    const assignments: ParameterAssignment[][] = [];
    for (let i = 0; i < input.count; i++) {
      const slot = input.slots?.[i] ?? input.trials.length + i;
      const position = locate(plan, slot);
      if (!position) return { assignments };
      const { rung, offset, start } = position;
      let next: ParameterAssignment[];
      if (rung.index === 0) {
        const fresh = drawUnseen(others, configs, input.rng);
        next = fresh
          ? withResource(input.parameters, plan.resource.name, fresh, rung.resource)
          : (drawUnseen(input.parameters, seen, input.rng) ?? sampleAssignment(input.parameters, input.rng));
      } else {
        const below = Array.from({ length: rung.previousSize }, (_, k) => bySlot.get(start - rung.previousSize + k));
        if (below.some((t) => t === undefined || t.state === 'pending')) return { assignments, waiting: true };
        const ranked = rank(below as AlgorithmTrial[], input.objective.type);
        const config = configOf(plan.resource.name, ranked[offset]!.parameterAssignments);
        next = withResource(input.parameters, plan.resource.name, config, rung.resource);
      }
      seen.add(assignmentKey(next));
      configs.add(assignmentKey(configOf(plan.resource.name, next)));
      bySlot.set(slot, { name: `pending-${i}`, parameterAssignments: next, state: 'pending' });
      assignments.push(next);
    }
    return { assignments };
  },
};

interface Rung {
  bracket: number;
  index: number;
  size: number;
  /** The resource value, formatted as the resource parameter's value. */
  resource: string;
  /** Size of the rung below in the same bracket (0 for a bracket's first rung). */
  previousSize: number;
}

interface BracketPlan {
  resource: ParameterSpec;
  rungs: Rung[];
  total: number;
}

/** Every rung of every bracket, in the order the trials fill them. */
export function bracketPlan(parameters: ParameterSpec[], settings: Record<string, string>): BracketPlan {
  const resource = parameters.find((p) => p.name === settings.resource_name)!;
  const rL = Number(settings.r_l ?? resource.feasibleSpace.max);
  const eta = etaOf(settings);
  const sMax = Math.floor(Math.log(rL) / Math.log(eta) + 1e-9);
  const budget = (sMax + 1) * rL;
  const rungs: Rung[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((budget / rL) * eta ** s) / (s + 1) - 1e-9);
    let previousSize = 0;
    for (let i = 0; i <= s; i++) {
      const size = i === 0 ? n : Math.max(1, Math.floor(previousSize / eta));
      const r = rL * eta ** (i - s);
      const value = resource.parameterType === 'int' ? String(Math.max(1, Math.round(r))) : formatValue(resource, r);
      rungs.push({ bracket: s, index: i, size, resource: value, previousSize });
      previousSize = size;
    }
  }
  return { resource, rungs, total: rungs.reduce((n, r) => n + r.size, 0) };
}

function etaOf(settings: Record<string, string>): number {
  const eta = Number(settings.eta ?? 3);
  return eta <= 0 ? 3 : eta;
}

/** The rung the trial at `position` belongs to, its offset there and where the rung starts. */
function locate(plan: BracketPlan, position: number): { rung: Rung; offset: number; start: number } | undefined {
  let start = 0;
  for (const rung of plan.rungs) {
    if (position < start + rung.size) return { rung, offset: position - start, start };
    start += rung.size;
  }
  return undefined;
}

function rank(trials: AlgorithmTrial[], type: 'minimize' | 'maximize'): AlgorithmTrial[] {
  const score = (t: AlgorithmTrial) =>
    t.state === 'succeeded' && t.objectiveValue !== undefined && Number.isFinite(t.objectiveValue)
      ? type === 'minimize'
        ? t.objectiveValue
        : -t.objectiveValue
      : Number.POSITIVE_INFINITY;
  return trials
    .map((t, i) => ({ t, i, s: score(t) }))
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.t);
}

function validateHyperband(spec: ExperimentSpec): FieldIssue[] {
  const settings = spec.algorithm.algorithmSettings ?? [];
  const numeric = (spec.parameters ?? []).filter((p) => p.parameterType === 'int' || p.parameterType === 'double');
  const issues = checkSettings(settings, {
    resource_name: { kind: 'enum', values: numeric.map((p) => p.name) },
    r_l: { kind: 'float', min: 0, minExclusive: true },
    eta: { kind: 'float' },
    random_state: { kind: 'int', min: 0 },
  });
  const record = Object.fromEntries(settings.map((s) => [s.name, String(s.value)]));
  if (record.resource_name === undefined) {
    issues.push({
      path: 'spec.algorithm.algorithmSettings',
      message: 'hyperband needs a resource_name setting: the int or double parameter that sets the budget (epochs, say)',
    });
  }
  if (record.r_l === undefined) {
    issues.push({
      path: 'spec.algorithm.algorithmSettings',
      message: 'hyperband needs an r_l setting: the largest resource (a number > 0)',
    });
  }
  const etaIndex = settings.findIndex((s) => s.name === 'eta');
  const eta = Number(record.eta);
  if (etaIndex >= 0 && Number.isFinite(eta) && eta > 0 && eta <= 1) {
    issues.push({
      path: `spec.algorithm.algorithmSettings[${etaIndex}].value`,
      message: `eta: must be > 1, or <= 0 for the default 3 (got ${JSON.stringify(record.eta)})`,
    });
  }
  if (issues.length === 0 && Number(record.r_l) < 1) {
    issues.push({
      path: `spec.algorithm.algorithmSettings[${settings.findIndex((s) => s.name === 'r_l')}].value`,
      message: `r_l: must be >= 1 so that hyperband has at least one rung (got ${JSON.stringify(record.r_l)})`,
    });
  }
  return issues;
}
