import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { checkSettings } from './settings.js';
import { assignmentKey, configOf, drawUnseen, formatValue, sampleAssignment, withResource } from './space.js';
import type { AlgorithmTrial, SuggestionAlgorithm } from './types.js';

/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), which Katib lacks (kubeflow/katib#1582). Hand-written: it is the product.
 *
 * The `resource_name` parameter (epochs, say) takes the rung values r_min * eta^k up to `r_l`. Every
 * suggestion first looks for a promotion, from the highest rung down: a configuration among the best
 * floor(n/eta) of the n completed trials of rung k that has not yet run at rung k+1 is suggested again
 * with the next rung's resource. With nothing to promote, a new random configuration starts at the
 * bottom rung. A lane never waits for a rung to fill (unlike synchronous successive halving or
 * Katib's Hyperband), and it rebuilds everything from the trials, so it keeps no state between calls.
 *
 * Settings: `resource_name` (required: an int or double parameter), `r_l` (the largest resource;
 * default the parameter's max), `r_min` (default its min), `eta` (default 3), `random_state`.
 */
export const asha: SuggestionAlgorithm = {
  name: 'asha',
  validate: validateAsha,
  suggest(input) {
    const { parameters, rng } = input;
    const plan = rungPlan(parameters, input.settings);
    const seen = new Set(input.trials.map((t) => assignmentKey(t.parameterAssignments)));
    // Configurations (the resource left out) started already, so that a fresh draw is a new one.
    const configs = new Set(input.trials.map((t) => assignmentKey(configOf(plan.resource.name, t.parameterAssignments))));
    const pending: AlgorithmTrial[] = [];
    const assignments: ParameterAssignment[][] = [];
    for (let i = 0; i < input.count; i++) {
      const promoted = promotion(plan, [...input.trials, ...pending], input.objective.type);
      let next = promoted;
      if (!next) {
        const fresh = drawUnseen(plan.others, configs, rng);
        // Every configuration started already (a tiny space): any assignment not tried yet.
        next = fresh
          ? withResource(parameters, plan.resource.name, fresh, plan.rungs[0]!)
          : (drawUnseen(parameters, seen, rng) ?? sampleAssignment(parameters, rng));
      }
      seen.add(assignmentKey(next));
      configs.add(assignmentKey(configOf(plan.resource.name, next)));
      pending.push({ name: `pending-${i}`, parameterAssignments: next, state: 'pending' });
      assignments.push(next);
    }
    return { assignments };
  },
};

interface RungPlan {
  resource: ParameterSpec;
  /** The other parameters, in spec order, that make a configuration. */
  others: ParameterSpec[];
  /** Resource values of the rungs, formatted as the parameter's values. */
  rungs: string[];
  eta: number;
  /** Every parameter, to rebuild assignments in spec order. */
  parameters: ParameterSpec[];
}

function rungPlan(parameters: ParameterSpec[], settings: Record<string, string>): RungPlan {
  const resource = parameters.find((p) => p.name === settings.resource_name)!;
  const eta = Number(settings.eta ?? 3);
  const rMin = Number(settings.r_min ?? resource.feasibleSpace.min);
  const rMax = Number(settings.r_l ?? resource.feasibleSpace.max);
  const rungs: string[] = [];
  for (let r = rMin; r <= rMax * (1 + 1e-9); r *= eta) {
    const value = formatValue(resource, r);
    if (!rungs.includes(value)) rungs.push(value);
  }
  // The top rung is always the full resource, even when eta does not divide the range evenly.
  const top = formatValue(resource, rMax);
  if (rungs.at(-1) !== top) rungs.push(top);
  return { resource, others: parameters.filter((p) => p !== resource), rungs, eta, parameters };
}

/** The best promotable configuration, from the highest rung down, with the next rung's resource. */
function promotion(plan: RungPlan, trials: AlgorithmTrial[], type: 'minimize' | 'maximize'): ParameterAssignment[] | undefined {
  const rungOf = (t: AlgorithmTrial) => plan.rungs.indexOf(t.parameterAssignments.find((a) => a.name === plan.resource.name)?.value ?? '');
  for (let k = plan.rungs.length - 2; k >= 0; k--) {
    const done = trials
      .filter((t) => rungOf(t) === k && t.state === 'succeeded' && t.objectiveValue !== undefined)
      .sort((a, b) => (type === 'minimize' ? a.objectiveValue! - b.objectiveValue! : b.objectiveValue! - a.objectiveValue!));
    const quota = Math.floor(done.length / plan.eta);
    if (quota === 0) continue;
    const above = new Set(
      trials.filter((t) => rungOf(t) === k + 1).map((t) => assignmentKey(configOf(plan.resource.name, t.parameterAssignments))),
    );
    for (const t of done.slice(0, quota)) {
      const config = configOf(plan.resource.name, t.parameterAssignments);
      if (!above.has(assignmentKey(config))) return withResource(plan.parameters, plan.resource.name, config, plan.rungs[k + 1]!);
    }
  }
  return undefined;
}

function validateAsha(spec: ExperimentSpec): FieldIssue[] {
  const settings = spec.algorithm.algorithmSettings ?? [];
  const issues = checkSettings(settings, {
    resource_name: {
      kind: 'enum',
      values: (spec.parameters ?? []).filter((p) => p.parameterType === 'int' || p.parameterType === 'double').map((p) => p.name),
    },
    r_l: { kind: 'float', min: 0, minExclusive: true },
    r_min: { kind: 'float', min: 0, minExclusive: true },
    eta: { kind: 'float', min: 1, minExclusive: true },
    random_state: { kind: 'int', min: 0 },
  });
  const record = Object.fromEntries(settings.map((s) => [s.name, String(s.value)]));
  if (record.resource_name === undefined) {
    issues.push({
      path: 'spec.algorithm.algorithmSettings',
      message: 'asha needs a resource_name setting: the int or double parameter that sets the budget (epochs, say)',
    });
  }
  const resource = (spec.parameters ?? []).find((p) => p.name === record.resource_name);
  if (resource && issues.length === 0) {
    const min = Number(record.r_min ?? resource.feasibleSpace.min);
    const max = Number(record.r_l ?? resource.feasibleSpace.max);
    if (!(min < max))
      issues.push({ path: 'spec.algorithm.algorithmSettings', message: `asha needs r_min below r_l (got r_min=${min}, r_l=${max})` });
    if (max > Number(resource.feasibleSpace.max) || min < Number(resource.feasibleSpace.min)) {
      issues.push({
        path: 'spec.algorithm.algorithmSettings',
        message: `asha's rungs [${min}, ${max}] must lie inside ${resource.name}'s feasible space [${resource.feasibleSpace.min}, ${resource.feasibleSpace.max}]`,
      });
    }
  }
  return issues;
}
