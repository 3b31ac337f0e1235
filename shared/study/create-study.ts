import { settingsRecord } from '../algorithms/settings.js';
import { NotFoundError, TunestepError, ValidationError } from '../errors.js';
import { MetricSummarizer, objectiveValue } from '../experiment/metrics.js';
import type { TrialSummary } from '../experiment/records.js';
import { optimalTrial } from '../experiment/status.js';
import { suggestAssignments } from '../experiment/suggest.js';
import { checkExperiment } from '../spec/load.js';
import type { AlgorithmSpec, Experiment, ObjectiveSpec, OptimalTrial, ParameterAssignment, ParameterSpec } from '../spec/types.js';
import { UNAVAILABLE } from '../spec/types.js';

/** What a study optimizes, in Katib's own shapes. */
export interface StudyOptions {
  /** Katib `ParameterSpec[]`: `{name, parameterType, feasibleSpace: {min, max, step, list, distribution}}`. */
  parameters: ParameterSpec[];
  /** Katib `ObjectiveSpec`: `{type: 'minimize' | 'maximize', objectiveMetricName, goal?, additionalMetricNames?}`. */
  objective: ObjectiveSpec;
  /** Katib `AlgorithmSpec`: `{algorithmName, algorithmSettings?: [{name, value}]}`. @default `{algorithmName: 'tpe'}` */
  algorithm?: AlgorithmSpec;
  /** Seed when `algorithmSettings` has no `random_state`. @default a fixed seed, 0 */
  seed?: number;
  /** Prefix of trial names. @default 'study' */
  name?: string;
}

/** A suggestion handed out by `ask`: Katib's parameter assignments, values as strings. */
export interface AskedTrial {
  name: string;
  parameterAssignments: ParameterAssignment[];
}

/** What `tell` takes: the metrics by name, or that the trial failed. */
export type TellResult = Record<string, number | string> | 'failed';

/** The ask-and-tell interface over Tunestep's algorithms (as Optuna's `study.ask()`/`study.tell()`). */
export interface Study {
  /** The next assignment to evaluate; trials asked and not told yet count as pending. */
  ask(): Promise<AskedTrial>;
  /** Reports a trial's metrics (or its failure); a trial is told once. */
  tell(trialName: string, result: TellResult): Promise<void>;
  /** Katib's `currentOptimalTrial`: best trial name, its assignments and metric summaries (strings). */
  readonly bestTrial: OptimalTrial;
  /** Every trial so far with its state and objective value. */
  readonly trials: ReadonlyArray<{ name: string; parameterAssignments: ParameterAssignment[]; state: string; objectiveValue?: number }>;
}

/**
 * Creates a study: Tunestep's suggestion algorithms driven from your own code, no experiment runner.
 * The spec is validated by the same rules as an Experiment's; paths in errors start at the option.
 *
 * @example
 * const study = createStudy({
 *   parameters: [{ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' } }],
 *   objective: { type: 'minimize', objectiveMetricName: 'loss' },
 *   algorithm: { algorithmName: 'tpe' },
 * });
 * const t = await study.ask();
 * await study.tell(t.name, { loss: train(Number(t.parameterAssignments[0].value)) });
 * study.bestTrial.parameterAssignments;
 * @throws ValidationError naming every problem of the options
 */
export function createStudy(options: StudyOptions): Study {
  const experiment = validated(options);
  const { spec } = experiment;
  const settings = settingsRecord(spec.algorithm.algorithmSettings);
  const seed = settings.random_state !== undefined ? Number(settings.random_state) : (options.seed ?? 0);
  const prefix = options.name ?? 'study';
  const trials: (TrialSummary & { objectiveValue?: number })[] = [];

  return {
    async ask() {
      const index = trials.length;
      const { assignments, waiting } = suggestAssignments(experiment, seed, trials, 1, [index]);
      const [assignment] = assignments;
      if (!assignment && waiting) {
        throw new TunestepError(
          `${spec.algorithm.algorithmName} waits for results: tell the outcome of the trials asked so far before asking again`,
        );
      }
      if (!assignment)
        throw new TunestepError(`${spec.algorithm.algorithmName} has nothing more to suggest: the search space is exhausted`);
      const trial = {
        namespace: '',
        experiment: prefix,
        name: `${prefix}-${index}`,
        index,
        state: 'Created' as const,
        parameterAssignments: assignment,
        version: 0,
      };
      trials.push(trial);
      return { name: trial.name, parameterAssignments: assignment };
    },

    async tell(trialName, result) {
      const trial = trials.find((t) => t.name === trialName);
      if (!trial) throw new NotFoundError(`trial ${JSON.stringify(trialName)} was not asked by this study`);
      if (trial.state !== 'Created') throw new TunestepError(`trial ${trialName} was already told (${trial.state})`);
      if (result === 'failed') {
        trial.state = 'Failed';
        return;
      }
      const summarizer = new MetricSummarizer(spec.objective);
      for (const [metricName, value] of Object.entries(result)) summarizer.add({ metricName, value: String(value), timestamp: '' });
      trial.metrics = summarizer.summary();
      trial.objectiveValue = objectiveValue(spec.objective, trial.metrics);
      trial.state = trial.metrics[0]?.latest === UNAVAILABLE ? 'MetricsUnavailable' : 'Succeeded';
    },

    get bestTrial() {
      return optimalTrial(experiment, trials);
    },

    get trials() {
      return trials.map((t) => ({
        name: t.name,
        parameterAssignments: t.parameterAssignments,
        state: t.state,
        objectiveValue: t.objectiveValue,
      }));
    },
  };
}

/** Validates the options as the spec of an Experiment, reporting paths relative to the options. */
function validated(options: StudyOptions): Experiment {
  const params = Array.isArray(options.parameters) ? options.parameters : [];
  const doc = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'study' },
    spec: {
      parameters: options.parameters,
      objective: options.objective,
      algorithm: options.algorithm ?? { algorithmName: 'tpe' },
      // A study runs no trials itself; the template only satisfies the Experiment's rules.
      trialTemplate: {
        primaryContainerName: 'main',
        trialParameters: params.map((p, i) => ({ name: `p${i}`, reference: p?.name })),
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: { template: { spec: { containers: [{ name: 'main', command: params.map((_, i) => `\${trialParameters.p${i}}`) }] } } },
        },
      },
    },
  };
  try {
    return checkExperiment(doc);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(
      e.issues.filter((i) => !i.path.startsWith('spec.trialTemplate')).map((i) => ({ ...i, path: i.path.replace(/^spec\./, '') })),
      { cause: e },
    );
  }
}
