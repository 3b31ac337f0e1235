import type { FieldIssue } from '../errors.js';
import { createRng } from './rng.js';
import { checkSettings } from './settings.js';
import { assignmentKey, cardinality, gridValues } from './space.js';
import type { SuggestionAlgorithm } from './types.js';

/** Above this many points the grid is walked by random index instead of a full shuffled list. */
const SHUFFLE_LIMIT = 200_000;

/**
 * Grid search over the feasible space with `step` (Katib's `grid`, served by Optuna's GridSampler):
 * every grid point once, in an order shuffled by the seed so that a budget smaller than the grid
 * still covers it evenly. Returns fewer assignments than asked once the grid is exhausted.
 */
export const gridSearch: SuggestionAlgorithm = {
  name: 'grid',
  validate(spec) {
    const issues: FieldIssue[] = checkSettings(spec.algorithm.algorithmSettings, {
      random_state: { kind: 'int', min: 0 },
    });
    const params = spec.parameters ?? [];
    params.forEach((p, i) => {
      if (p.parameterType === 'double' && p.feasibleSpace?.step === undefined) {
        issues.push({
          path: `spec.parameters[${i}].feasibleSpace.step`,
          message: `grid needs a step for every double parameter (parameter ${JSON.stringify(p.name)} has none)`,
        });
      }
      const dist = p.feasibleSpace?.distribution ?? 'uniform';
      if ((p.parameterType === 'double' || p.parameterType === 'int') && dist !== 'uniform') {
        issues.push({
          path: `spec.parameters[${i}].feasibleSpace.distribution`,
          message: `grid enumerates the space evenly and cannot honour distribution ${JSON.stringify(dist)} (allowed: uniform)`,
        });
      }
    });
    if (issues.length === 0 && spec.maxTrialCount !== undefined) {
      const size = params.reduce((n, p) => n * cardinality(p), 1);
      if (spec.maxTrialCount > size) {
        issues.push({
          path: 'spec.maxTrialCount',
          message: `must be at most the number of grid points, ${size} (got ${spec.maxTrialCount})`,
        });
      }
    }
    return issues;
  },
  suggest({ parameters, trials, count, seed }) {
    const axes = parameters.map(gridValues);
    const size = axes.reduce((n, a) => n * a.length, 1);
    const pointAt = (index: number) => {
      let rest = index;
      return parameters.map((p, d) => {
        const axis = axes[d]!;
        const value = axis[rest % axis.length]!;
        rest = Math.floor(rest / axis.length);
        return { name: p.name, value };
      });
    };
    // The order depends only on the seed, so the walk is the same on every (stateless) call.
    const order = createRng(seed, 0x67726964);
    const seen = new Set(trials.map((t) => assignmentKey(t.parameterAssignments)));
    const assignments = [];
    if (size <= SHUFFLE_LIMIT) {
      const perm = Array.from({ length: size }, (_, i) => i);
      for (let i = size - 1; i > 0; i--) {
        const j = order.int(i + 1);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      for (const index of perm) {
        if (assignments.length >= count) break;
        const point = pointAt(index);
        if (!seen.has(assignmentKey(point))) {
          seen.add(assignmentKey(point));
          assignments.push(point);
        }
      }
    } else {
      for (let tries = 0; assignments.length < count && tries < count * 1000; tries++) {
        const point = pointAt(order.int(size));
        if (!seen.has(assignmentKey(point))) {
          seen.add(assignmentKey(point));
          assignments.push(point);
        }
      }
    }
    return { assignments };
  },
};
