import { checkSettings } from './settings.js';
import { assignmentKey, cardinality, sampleAssignment } from './space.js';
import type { SuggestionAlgorithm } from './types.js';

/** Draws tried per suggestion before accepting a duplicate (only in nearly exhausted discrete spaces). */
const MAX_DRAWS = 200;

/**
 * Random search: each parameter drawn from its declared distribution. Unlike Katib's hyperopt-backed
 * `random`, an assignment already tried (or pending) is not suggested again while the space has others
 * (kubeflow/katib#1566, #2571).
 */
export const randomSearch: SuggestionAlgorithm = {
  name: 'random',
  validate: (spec) => checkSettings(spec.algorithm.algorithmSettings, { random_state: { kind: 'int', min: 0 } }),
  suggest({ parameters, trials, count, rng }) {
    const seen = new Set(trials.map((t) => assignmentKey(t.parameterAssignments)));
    const size = parameters.reduce((n, p) => n * cardinality(p), 1);
    const assignments = [];
    for (let i = 0; i < count; i++) {
      let candidate = sampleAssignment(parameters, rng);
      for (let draw = 1; draw < MAX_DRAWS && seen.has(assignmentKey(candidate)) && seen.size < size; draw++) {
        candidate = sampleAssignment(parameters, rng);
      }
      seen.add(assignmentKey(candidate));
      assignments.push(candidate);
    }
    return { assignments };
  },
};
