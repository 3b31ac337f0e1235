import { checkSettings } from './settings.js';
import { assignmentKey, drawUnseen, sampleAssignment } from './space.js';
import type { SuggestionAlgorithm } from './types.js';

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
    const assignments = [];
    for (let i = 0; i < count; i++) {
      // Every point taken: repeat a random one rather than suggest nothing (Katib's random never ends).
      const candidate = drawUnseen(parameters, seen, rng) ?? sampleAssignment(parameters, rng);
      seen.add(assignmentKey(candidate));
      assignments.push(candidate);
    }
    return { assignments };
  },
};
