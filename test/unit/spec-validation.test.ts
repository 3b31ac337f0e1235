import { describe, expect, test } from '@jest/globals';
import { ValidationError } from '../../shared/errors.js';
import { applyDefaults } from '../../shared/spec/defaults.js';
import { checkExperiment, loadExperiment } from '../../shared/spec/load.js';
import { fixtureExperiment } from '../helpers.js';

/** Runs validation on the fixture after a change; returns the issues' paths and messages. */
function issuesAfter(change: (doc: Record<string, any>) => void): { path: string; message: string }[] {
  const doc = fixtureExperiment();
  change(doc);
  try {
    checkExperiment(doc);
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.issues;
  }
}

describe('the valid fixture', () => {
  test('passes and is defaulted as Katib does', () => {
    const exp = checkExperiment(fixtureExperiment());
    expect(exp.spec.resumePolicy).toBe('Never');
    expect(exp.spec.metricsCollectorSpec?.collector?.kind).toBe('StdOut');
    expect(exp.spec.parameters?.every((p) => p.feasibleSpace.distribution === 'uniform')).toBe(true);
    expect(exp.spec.objective.metricStrategies).toEqual([
      { name: 'loss', value: 'min' },
      { name: 'accuracy', value: 'min' },
    ]);
    expect(exp.spec.trialTemplate.successCondition).toBe('status.conditions.#(type=="Complete")#|#(status=="True")#');
    expect(exp.spec.trialTemplate.failureCondition).toBe('status.conditions.#(type=="Failed")#|#(status=="True")#');
  });

  test('parallelTrialCount defaults to 3 and namespace to default', () => {
    const doc = fixtureExperiment();
    delete doc.spec.parallelTrialCount;
    delete doc.metadata.namespace;
    const exp = applyDefaults(doc);
    expect(exp.spec.parallelTrialCount).toBe(3);
    expect(exp.metadata.namespace).toBe('default');
  });

  test('maximize defaults metric strategies to max', () => {
    const doc = fixtureExperiment();
    doc.spec.objective.type = 'maximize';
    doc.spec.objective.goal = 0.9;
    expect(checkExperiment(doc).spec.objective.metricStrategies?.[0]).toEqual({ name: 'loss', value: 'max' });
  });

  test('kind None is accepted as Push (pre-0.18 YAML)', () => {
    const doc = fixtureExperiment();
    doc.spec.metricsCollectorSpec = { collector: { kind: 'None' } };
    expect(checkExperiment(doc).spec.metricsCollectorSpec?.collector?.kind).toBe('Push');
  });

  test('File collector gets Katib defaults', () => {
    const doc = fixtureExperiment();
    doc.spec.metricsCollectorSpec = { collector: { kind: 'File' } };
    expect(checkExperiment(doc).spec.metricsCollectorSpec?.source?.fileSystemPath).toEqual({
      kind: 'File',
      path: '/var/log/katib/metrics.log',
      format: 'TEXT',
    });
  });
});

// Each rule: a change that breaks it, and the field path the error must name.
const rules: [string, (d: Record<string, any>) => void, string, RegExp?][] = [
  ['apiVersion', (d) => (d.apiVersion = 'kubeflow.org/v1alpha3'), 'apiVersion'],
  ['kind', (d) => (d.kind = 'Trial'), 'kind'],
  ['name required', (d) => delete d.metadata.name, 'metadata.name'],
  ['name too long', (d) => (d.metadata.name = `a${'b'.repeat(40)}`), 'metadata.name', /at most 40/],
  ['name end-anchored (Katib quirk fixed)', (d) => (d.metadata.name = 'abc_DEF'), 'metadata.name'],
  ['name ends with dash', (d) => (d.metadata.name = 'abc-'), 'metadata.name'],
  ['namespace', (d) => (d.metadata.namespace = 'Bad_NS'), 'metadata.namespace'],
  ['parallelTrialCount > 0', (d) => (d.spec.parallelTrialCount = 0), 'spec.parallelTrialCount', /greater than 0/],
  ['parallelTrialCount <= max', (d) => (d.spec.parallelTrialCount = 7), 'spec.parallelTrialCount', /at most spec.maxTrialCount/],
  ['maxTrialCount > 0', (d) => (d.spec.maxTrialCount = 0), 'spec.maxTrialCount'],
  ['maxTrialCount integer', (d) => (d.spec.maxTrialCount = '6'), 'spec.maxTrialCount', /integer/],
  ['maxFailedTrialCount >= 0', (d) => (d.spec.maxFailedTrialCount = -1), 'spec.maxFailedTrialCount'],
  ['maxFailedTrialCount <= max', (d) => (d.spec.maxFailedTrialCount = 7), 'spec.maxFailedTrialCount'],
  ['objective required', (d) => delete d.spec.objective, 'spec.objective'],
  ['objective type', (d) => (d.spec.objective.type = 'minimise'), 'spec.objective.type', /minimize or maximize/],
  ['objective goal number', (d) => (d.spec.objective.goal = 'low'), 'spec.objective.goal'],
  ['objectiveMetricName', (d) => (d.spec.objective.objectiveMetricName = ''), 'spec.objective.objectiveMetricName'],
  [
    'additional metric repeats objective',
    (d) => (d.spec.objective.additionalMetricNames = ['loss']),
    'spec.objective.additionalMetricNames[0]',
  ],
  [
    'metric strategy value',
    (d) => (d.spec.objective.metricStrategies = [{ name: 'loss', value: 'average' }]),
    'spec.objective.metricStrategies[0].value',
  ],
  [
    'metric strategy name',
    (d) => (d.spec.objective.metricStrategies = [{ name: 'acc', value: 'max' }]),
    'spec.objective.metricStrategies[0].name',
  ],
  ['algorithm required', (d) => delete d.spec.algorithm, 'spec.algorithm'],
  ['algorithm unknown', (d) => (d.spec.algorithm.algorithmName = 'invalid-algorithm'), 'spec.algorithm.algorithmName', /unknown algorithm/],
  ['algorithm not available', (d) => (d.spec.algorithm.algorithmName = 'darts'), 'spec.algorithm.algorithmName', /algorithm not available/],
  [
    'algorithm setting unknown',
    (d) => (d.spec.algorithm.algorithmSettings = [{ name: 'seed', value: '1' }]),
    'spec.algorithm.algorithmSettings[0].name',
    /unknown setting/,
  ],
  [
    'random_state >= 0',
    (d) => (d.spec.algorithm.algorithmSettings = [{ name: 'random_state', value: '-3' }]),
    'spec.algorithm.algorithmSettings[0].value',
  ],
  ['early stopping unknown', (d) => (d.spec.earlyStopping = { algorithmName: 'meanstop' }), 'spec.earlyStopping.algorithmName'],
  [
    'medianstop settings',
    (d) => (d.spec.earlyStopping = { algorithmName: 'medianstop', algorithmSettings: [{ name: 'start_step', value: '0' }] }),
    'spec.earlyStopping.algorithmSettings[0].value',
    /must be >= 1/,
  ],
  [
    'medianstop setting names',
    (d) => (d.spec.earlyStopping = { algorithmName: 'medianstop', algorithmSettings: [{ name: 'min_trials', value: '2' }] }),
    'spec.earlyStopping.algorithmSettings[0].name',
  ],
  [
    'medianstop needs StdOut or File',
    (d) => {
      d.spec.earlyStopping = { algorithmName: 'medianstop' };
      d.spec.metricsCollectorSpec = { collector: { kind: 'Push' } };
    },
    'spec.earlyStopping',
    /StdOut or File/,
  ],
  ['parameters or nasConfig', (d) => delete d.spec.parameters, 'spec.parameters'],
  ['parameters and nasConfig', (d) => (d.spec.nasConfig = { graphConfig: {} }), 'spec.nasConfig'],
  ['parameter name duplicate', (d) => (d.spec.parameters[1].name = 'lr'), 'spec.parameters[1].name', /duplicates/],
  ['parameter type', (d) => (d.spec.parameters[0].parameterType = 'float'), 'spec.parameters[0].parameterType'],
  ['feasibleSpace empty', (d) => (d.spec.parameters[0].feasibleSpace = {}), 'spec.parameters[0].feasibleSpace'],
  ['double needs min', (d) => delete d.spec.parameters[0].feasibleSpace.min, 'spec.parameters[0].feasibleSpace.min'],
  ['double needs max', (d) => delete d.spec.parameters[0].feasibleSpace.max, 'spec.parameters[0].feasibleSpace.max'],
  ['double no list', (d) => (d.spec.parameters[0].feasibleSpace.list = ['1']), 'spec.parameters[0].feasibleSpace.list'],
  ['min numeric', (d) => (d.spec.parameters[0].feasibleSpace.min = 'small'), 'spec.parameters[0].feasibleSpace.min'],
  [
    'max > min',
    (d) => (d.spec.parameters[0].feasibleSpace = { min: '3', max: '1' }),
    'spec.parameters[0].feasibleSpace.max',
    /greater than min \(got max=1, min=3\)/,
  ],
  ['int bounds integral', (d) => (d.spec.parameters[1].feasibleSpace.max = '3.5'), 'spec.parameters[1].feasibleSpace.max', /integer/],
  ['step positive', (d) => (d.spec.parameters[0].feasibleSpace.step = '-0.1'), 'spec.parameters[0].feasibleSpace.step'],
  ['step within range', (d) => (d.spec.parameters[0].feasibleSpace.step = '1'), 'spec.parameters[0].feasibleSpace.step'],
  [
    'distribution name',
    (d) => (d.spec.parameters[0].feasibleSpace.distribution = 'gaussian'),
    'spec.parameters[0].feasibleSpace.distribution',
  ],
  [
    'log distribution needs min > 0',
    (d) => (d.spec.parameters[0].feasibleSpace = { min: '0', max: '1', distribution: 'logUniform' }),
    'spec.parameters[0].feasibleSpace.min',
  ],
  ['categorical no min', (d) => (d.spec.parameters[2].feasibleSpace.min = '1'), 'spec.parameters[2].feasibleSpace.min'],
  ['categorical needs list', (d) => (d.spec.parameters[2].feasibleSpace = { list: [] }), 'spec.parameters[2].feasibleSpace.list'],
  [
    'categorical list duplicate',
    (d) => (d.spec.parameters[2].feasibleSpace.list = ['sgd', 'sgd']),
    'spec.parameters[2].feasibleSpace.list[1]',
  ],
  [
    'discrete list numeric',
    (d) =>
      (d.spec.parameters[2] = {
        name: 'optimizer',
        parameterType: 'discrete',
        feasibleSpace: { list: ['1', 'two'] },
      }),
    'spec.parameters[2].feasibleSpace.list[1]',
  ],
  ['trialTemplate required', (d) => delete d.spec.trialTemplate, 'spec.trialTemplate'],
  [
    'trialSpec xor configMap',
    (d) => (d.spec.trialTemplate.configMap = { configMapName: 'a', configMapNamespace: 'b', templatePath: 'c' }),
    'spec.trialTemplate',
    /exactly one/,
  ],
  [
    'configMap fields',
    (d) => {
      delete d.spec.trialTemplate.trialSpec;
      d.spec.trialTemplate.configMap = { configMapName: 'a' };
    },
    'spec.trialTemplate.configMap.configMapNamespace',
  ],
  ['primaryContainerName required', (d) => delete d.spec.trialTemplate.primaryContainerName, 'spec.trialTemplate.primaryContainerName'],
  [
    'primaryContainerName names a container',
    (d) => (d.spec.trialTemplate.primaryContainerName = 'other'),
    'spec.trialTemplate.primaryContainerName',
    /must name a container/,
  ],
  ['trialParameters required', (d) => delete d.spec.trialTemplate.trialParameters, 'spec.trialTemplate.trialParameters'],
  [
    'trialParameter name braces',
    (d) => (d.spec.trialTemplate.trialParameters[0].name = 'lr}'),
    'spec.trialTemplate.trialParameters[0].name',
  ],
  [
    'trialParameter duplicate name',
    (d) => (d.spec.trialTemplate.trialParameters[1].name = 'learningRate'),
    'spec.trialTemplate.trialParameters[1].name',
  ],
  [
    'trialParameter duplicate reference',
    (d) => (d.spec.trialTemplate.trialParameters[1].reference = 'lr'),
    'spec.trialTemplate.trialParameters[1].reference',
  ],
  [
    'trialParameter reference unknown',
    (d) => (d.spec.trialTemplate.trialParameters[0].reference = 'rate'),
    'spec.trialTemplate.trialParameters[0].reference',
  ],
  [
    'declared parameter unused',
    (d) => d.spec.trialTemplate.trialParameters.push({ name: 'unused', reference: '${trialSpec.Name}' }),
    'spec.trialTemplate.trialParameters',
    /appears nowhere/,
  ],
  [
    'placeholder undeclared',
    (d) => d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push('--x=${trialParameters.momentum}'),
    'spec.trialTemplate.trialSpec',
    /does not declare/,
  ],
  [
    'trialSpec metadata.name',
    (d) => (d.spec.trialTemplate.trialSpec.metadata = { name: 'job' }),
    'spec.trialTemplate.trialSpec.metadata.name',
  ],
  ['trialSpec kind', (d) => delete d.spec.trialTemplate.trialSpec.kind, 'spec.trialTemplate.trialSpec.kind'],
  [
    'conditions required for unknown kinds',
    (d) => {
      d.spec.trialTemplate.trialSpec.kind = 'Workflow';
      d.spec.trialTemplate.trialSpec.apiVersion = 'argoproj.io/v1alpha1';
    },
    'spec.trialTemplate.successCondition',
  ],
  [
    'collector kind',
    (d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'Sidecar' } }),
    'spec.metricsCollectorSpec.collector.kind',
    /invalid metrics collector kind/,
  ],
  [
    'File path absolute',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: 'metrics.log', kind: 'File' } },
      }),
    'spec.metricsCollectorSpec.source.fileSystemPath.path',
  ],
  [
    'File format',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: '/m.log', kind: 'File', format: 'CSV' } },
      }),
    'spec.metricsCollectorSpec.source.fileSystemPath.format',
  ],
  [
    'File kind',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: '/m', kind: 'Directory' } },
      }),
    'spec.metricsCollectorSpec.source.fileSystemPath.kind',
  ],
  [
    'JSON with filter',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'File' },
        source: {
          filter: { metricsFormat: ['(a)=(b)'] },
          fileSystemPath: { path: '/m', kind: 'File', format: 'JSON' },
        },
      }),
    'spec.metricsCollectorSpec.source.filter',
  ],
  [
    'TFEvent kind Directory',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'TensorFlowEvent' },
        source: { fileSystemPath: { path: '/t', kind: 'File' } },
      }),
    'spec.metricsCollectorSpec.source.fileSystemPath.kind',
  ],
  [
    'Prometheus port',
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'PrometheusMetric' },
        source: { httpGet: { port: -1 } },
      }),
    'spec.metricsCollectorSpec.source.httpGet.port',
  ],
  [
    'Custom needs container',
    (d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'Custom' } }),
    'spec.metricsCollectorSpec.collector.customCollector',
  ],
  [
    'filter regex compiles',
    (d) => (d.spec.metricsCollectorSpec = { source: { filter: { metricsFormat: ['(a(b)'] } } }),
    'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
    /not a valid regular expression/,
  ],
  [
    'filter two groups',
    (d) => (d.spec.metricsCollectorSpec = { source: { filter: { metricsFormat: ['loss=(\\d+)'] } } }),
    'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
    /two capture groups/,
  ],
  ['resumePolicy', (d) => (d.spec.resumePolicy = 'Always'), 'spec.resumePolicy'],
  ['grid needs step for doubles', (d) => (d.spec.algorithm.algorithmName = 'grid'), 'spec.parameters[0].feasibleSpace.step'],
  [
    'grid budget within grid size',
    (d) => {
      d.spec.algorithm.algorithmName = 'grid';
      d.spec.parameters[0].feasibleSpace.step = '0.04';
      d.spec.maxTrialCount = 20;
      d.spec.maxFailedTrialCount = 1;
    },
    'spec.maxTrialCount',
    /number of grid points, 12 \(got 20\)/,
  ],
  [
    'grid rejects non-uniform distributions',
    (d) => {
      d.spec.algorithm.algorithmName = 'grid';
      d.spec.parameters[0].feasibleSpace.step = '0.01';
      d.spec.parameters[1].feasibleSpace.distribution = 'logUniform';
    },
    'spec.parameters[1].feasibleSpace.distribution',
  ],
];

describe('each validation rule names its field', () => {
  test.each(rules.map(([rule, change, path, message]) => ({ rule, change, path, message })))('$rule', ({ change, path, message }) => {
    const issues = issuesAfter(change);
    const hit = issues.find((i) => i.path === path);
    expect(hit).toBeDefined();
    if (message) expect(hit!.message).toMatch(message);
  });
});

describe('errors come all at once', () => {
  test('three independent mistakes give three issues', () => {
    const issues = issuesAfter((d) => {
      d.spec.objective.type = 'up';
      d.spec.parallelTrialCount = 0;
      d.spec.parameters[0].parameterType = 'float';
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.objective.type',
      'spec.parallelTrialCount',
      'spec.parameters[0].parameterType',
    ]);
  });

  test('YAML syntax errors name the line', () => {
    expect(() => loadExperiment('spec:\n  a: [1, 2\n', 'bad.yaml')).toThrow(/bad\.yaml:\d+:\d+: not valid YAML/);
  });

  test('the message shows the value received and what is allowed', () => {
    const [issue] = issuesAfter((d) => (d.spec.objective.type = 'minimise'));
    expect(issue!.message).toBe('must be minimize or maximize (got "minimise")');
  });
});
