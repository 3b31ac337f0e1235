import type { FieldIssue } from '../errors.js';
import type { ExperimentSpec, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { createRng, type Rng } from './rng.js';
import { checkSettings } from './settings.js';
import { assignmentKey, drawUnseen, formatValue, gridValues, sampleAssignment, snap } from './space.js';
import type { AlgorithmTrial, SuggestionAlgorithm } from './types.js';

/** Katib's trial labels for PBT (pkg/suggestion/v1beta1/pbt). */
export const PBT_GENERATION_LABEL = 'pbt.suggestion.katib.kubeflow.org/generation';
export const PBT_PARENT_LABEL = 'pbt.suggestion.katib.kubeflow.org/parent';

/**
 * Population-based training (Jaderberg et al., 2017) with Katib's settings: `n_population` members
 * train in generations; each trial of generation g+1 continues from a checkpoint of generation g.
 * Members in the bottom `truncation_threshold` of generation g exploit (take a top member's
 * checkpoint) and explore (perturb its hyperparameters by x0.8 or x1.2, or resample each with
 * `resample_probability`); the others continue their own checkpoint with their own hyperparameters.
 *
 * Stateless: generation g holds slots g*n .. g*n+n-1, so a trial's generation, member and parent follow
 * from its slot. A generation waits until the one before has finished (failed trials rank last).
 * The parent and generation go to the trial as Katib's labels; the launcher gives every trial its own
 * checkpoint folder at `suggestion_trial_dir`, started as a copy of the parent's (Katib mounts the
 * suggestion's volume there with subPath `<experiment>/<trial>`).
 *
 * Differences from Katib: generations are explicit and synchronous (Katib re-queues members as they
 * finish); the parent's checkpoint is copied, never moved; categoricals are resampled with
 * `resample_probability` (default 0.2) since they cannot be scaled.
 */
export const pbt: SuggestionAlgorithm = {
  name: 'pbt',
  validate: validatePbt,
  suggest(input) {
    const population = Number(input.settings.n_population);
    const truncation = Number(input.settings.truncation_threshold);
    const bySlot = new Map<number, AlgorithmTrial>(input.trials.map((t, i) => [t.index ?? i, t]));
    const seen = new Set(input.trials.map((t) => assignmentKey(t.parameterAssignments)));
    const assignments: ParameterAssignment[][] = [];
    const labels: Record<string, string>[] = [];
    for (let i = 0; i < input.count; i++) {
      const slot = input.slots?.[i] ?? input.trials.length + i;
      const generation = Math.floor(slot / population);
      const member = slot % population;
      const rng = createRng(input.seed, slot, 0x9b7);
      if (generation === 0) {
        const fresh = drawUnseen(input.parameters, seen, rng) ?? sampleAssignment(input.parameters, rng);
        seen.add(assignmentKey(fresh));
        assignments.push(fresh);
        labels.push({ [PBT_GENERATION_LABEL]: '0' });
        continue;
      }
      const previous = Array.from({ length: population }, (_, k) => bySlot.get((generation - 1) * population + k));
      if (previous.some((t) => t === undefined || t.state === 'pending')) return { assignments, labels, waiting: true };
      const ranked = rank(previous as AlgorithmTrial[], input.objective.type);
      const cut = Math.max(1, Math.ceil(population * truncation));
      const own = previous[member]!;
      const position = ranked.indexOf(own);
      if (position < population - cut) {
        assignments.push(own.parameterAssignments);
        labels.push({ [PBT_GENERATION_LABEL]: String(generation), [PBT_PARENT_LABEL]: own.name });
      } else {
        const parent = ranked[rng.int(cut)]!;
        assignments.push(explore(input.parameters, parent.parameterAssignments, input.settings, rng));
        labels.push({ [PBT_GENERATION_LABEL]: String(generation), [PBT_PARENT_LABEL]: parent.name });
      }
    }
    return { assignments, labels };
  },
};

function rank(trials: AlgorithmTrial[], type: 'minimize' | 'maximize'): AlgorithmTrial[] {
  const score = (t: AlgorithmTrial) =>
    t.state === 'succeeded' && Number.isFinite(t.objectiveValue)
      ? type === 'minimize'
        ? t.objectiveValue!
        : -t.objectiveValue!
      : Number.POSITIVE_INFINITY;
  return [...trials].sort((a, b) => score(a) - score(b));
}

/** Perturbs (x0.8 / x1.2, a neighbouring grid value for lists) or resamples each parameter. */
function explore(
  parameters: ParameterSpec[],
  from: ParameterAssignment[],
  settings: Record<string, string>,
  rng: Rng,
): ParameterAssignment[] {
  const resample = settings.resample_probability === undefined ? undefined : Number(settings.resample_probability);
  const fresh = sampleAssignment(parameters, rng);
  return parameters.map((p, d) => {
    const value = from.find((a) => a.name === p.name)?.value ?? fresh[d]!.value;
    if (rng.next() < (resample ?? (p.parameterType === 'categorical' ? 0.2 : 0))) return { name: p.name, value: fresh[d]!.value };
    if (p.parameterType === 'categorical') return { name: p.name, value };
    if (p.parameterType === 'discrete') {
      const values = gridValues(p);
      const at = Math.max(0, values.indexOf(value));
      const next = Math.min(values.length - 1, Math.max(0, at + (rng.next() < 0.5 ? -1 : 1)));
      return { name: p.name, value: values[next]! };
    }
    const factor = rng.next() < 0.5 ? 0.8 : 1.2;
    let v = Number(value) * factor;
    // An int that a factor cannot move (1 * 1.2 rounds back to 1) takes a unit step instead.
    if (p.parameterType === 'int' && Math.round(v) === Number(value)) v = Number(value) + (factor > 1 ? 1 : -1);
    return { name: p.name, value: formatValue(p, snap(p, v)) };
  });
}

function validatePbt(spec: ExperimentSpec): FieldIssue[] {
  const settings = spec.algorithm.algorithmSettings ?? [];
  const issues = checkSettings(settings, {
    suggestion_trial_dir: { kind: 'path' },
    n_population: { kind: 'int', min: 5 },
    truncation_threshold: { kind: 'float', min: 0, max: 1, minExclusive: true, maxExclusive: true },
    resample_probability: { kind: 'float', min: 0, max: 1 },
    random_state: { kind: 'int', min: 0 },
  });
  const names = new Set(settings.map((s) => s.name));
  for (const required of ['suggestion_trial_dir', 'n_population', 'truncation_threshold']) {
    if (!names.has(required)) {
      issues.push({ path: 'spec.algorithm.algorithmSettings', message: `pbt needs the ${required} setting (Katib requires it too)` });
    }
  }
  if (spec.resumePolicy !== 'FromVolume') {
    issues.push({
      path: 'spec.resumePolicy',
      message: `pbt continues trials from their parents' checkpoints, so it needs resumePolicy FromVolume, as in Katib (got ${JSON.stringify(spec.resumePolicy ?? 'Never')})`,
    });
  }
  return issues;
}
