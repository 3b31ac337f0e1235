import { validateMedianStop } from '../algorithms/median-stop.js';
import { availableAlgorithms, findAlgorithm, KATIB_ALGORITHM_NAMES, KATIB_EARLY_STOPPING_NAMES } from '../algorithms/registry.js';
import { settingsRecord } from '../algorithms/settings.js';
import type { FieldIssue } from '../errors.js';
import { show } from '../errors.js';
import { isMetaReference, placeholdersIn, renderTrialSpec } from './template.js';
import type { AlgorithmSetting, Experiment } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumeric = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));

/**
 * The experiment-name rule. Katib's regex `^[a-z]([-a-z0-9]*[a-z0-9])?` is not end-anchored, so it only
 * checks the first character; we anchor it (a deliberate difference, listed in the README).
 */
const NAME_RULE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE_RULE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether a value is a valid Kubernetes namespace (a DNS label: lowercase letters, digits, '-', at most 63). */
export const isNamespace = (value: unknown): value is string =>
  typeof value === 'string' && NAMESPACE_RULE.test(value) && value.length <= 63;
const MAX_NAME_LENGTH = 40;

const PARAMETER_TYPES = ['double', 'int', 'discrete', 'categorical'];
const DISTRIBUTIONS = ['uniform', 'logUniform', 'normal', 'logNormal'];
const COLLECTOR_KINDS = ['StdOut', 'File', 'TensorFlowEvent', 'PrometheusMetric', 'Custom', 'Push'];
const RESUME_POLICIES = ['Never', 'LongRunning', 'FromVolume'];
const STRATEGIES = ['min', 'max', 'latest'];
/** Two capture groups at least: group 1 the metric name, group 2 the value (Katib's filter rule). */
const FILTER_SHAPE = /.*\(.*\).*\(.*\).*/;

/**
 * Validates a defaulted Experiment as Katib's validating webhook and suggestion services do, plus the
 * checks Katib leaves to fail late (numeric bounds, unique names, settings). Returns every issue found.
 */
export function validateExperiment(exp: Experiment): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const doc = exp as unknown as Obj;

  if (doc.apiVersion !== 'kubeflow.org/v1beta1') {
    add('apiVersion', `must be "kubeflow.org/v1beta1" (got ${show(doc.apiVersion)})`);
  }
  if (doc.kind !== 'Experiment') add('kind', `must be "Experiment" (got ${show(doc.kind)})`);
  validateMetadata(doc.metadata, add);

  const spec = doc.spec;
  if (!isObj(spec)) {
    add('spec', `is required and must be an object (got ${show(spec)})`);
    return issues;
  }
  validateCounts(spec, add);
  validateObjective(spec.objective, add);
  const paramNames = validateParameters(spec, add);
  validateAlgorithm(exp, add, issues);
  validateEarlyStopping(
    spec.earlyStopping,
    add,
    isObj(spec.metricsCollectorSpec) && isObj(spec.metricsCollectorSpec.collector) ? spec.metricsCollectorSpec.collector.kind : undefined,
    issues,
  );
  validateCollector(spec.metricsCollectorSpec, add);
  validateTrialTemplate(spec.trialTemplate, paramNames, add);
  if (spec.resumePolicy !== undefined && !RESUME_POLICIES.includes(String(spec.resumePolicy))) {
    add('spec.resumePolicy', `must be one of ${RESUME_POLICIES.join(', ')} (got ${show(spec.resumePolicy)})`);
  }
  return issues;
}

type Add = (path: string, message: string) => void;

function validateMetadata(meta: unknown, add: Add): void {
  if (!isObj(meta)) {
    add('metadata', 'is required and must be an object with a name');
    return;
  }
  const { name, namespace } = meta;
  if (!isNonEmptyString(name)) add('metadata.name', `is required (got ${show(name)})`);
  else {
    if (name.length > MAX_NAME_LENGTH) {
      add('metadata.name', `must be at most ${MAX_NAME_LENGTH} characters (got ${name.length}: ${show(name)})`);
    }
    if (!NAME_RULE.test(name)) {
      add(
        'metadata.name',
        `must be lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (got ${show(name)})`,
      );
    }
  }
  if (namespace !== undefined && !isNamespace(namespace)) {
    add('metadata.namespace', `must be a DNS label: lowercase letters, digits and '-', at most 63 characters (got ${show(namespace)})`);
  }
}

function validateCounts(spec: Obj, add: Add): void {
  const count = (field: string, min: number): number | undefined => {
    const v = spec[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      add(`spec.${field}`, `must be an integer (got ${show(v)})`);
      return undefined;
    }
    if (v < min) {
      add(`spec.${field}`, `must be ${min === 0 ? 'zero or more' : 'greater than 0'} (got ${v})`);
      return undefined;
    }
    return v;
  };
  const parallel = count('parallelTrialCount', 1);
  const max = count('maxTrialCount', 1);
  const maxFailed = count('maxFailedTrialCount', 0);
  if (parallel !== undefined && max !== undefined && parallel > max) {
    add('spec.parallelTrialCount', `must be at most spec.maxTrialCount (got parallelTrialCount=${parallel}, maxTrialCount=${max})`);
  }
  if (maxFailed !== undefined && max !== undefined && maxFailed > max) {
    add('spec.maxFailedTrialCount', `must be at most spec.maxTrialCount (got maxFailedTrialCount=${maxFailed}, maxTrialCount=${max})`);
  }
}

function validateObjective(objective: unknown, add: Add): void {
  if (!isObj(objective)) {
    add('spec.objective', 'is required');
    return;
  }
  if (objective.type !== 'minimize' && objective.type !== 'maximize') {
    add('spec.objective.type', `must be minimize or maximize (got ${show(objective.type)})`);
  }
  if (objective.goal !== undefined && (typeof objective.goal !== 'number' || !Number.isFinite(objective.goal))) {
    add('spec.objective.goal', `must be a number (got ${show(objective.goal)})`);
  }
  if (!isNonEmptyString(objective.objectiveMetricName)) {
    add('spec.objective.objectiveMetricName', `is required (got ${show(objective.objectiveMetricName)})`);
  }
  const extra = objective.additionalMetricNames;
  const names = new Set([objective.objectiveMetricName]);
  if (extra !== undefined) {
    if (!Array.isArray(extra)) add('spec.objective.additionalMetricNames', `must be a list of names (got ${show(extra)})`);
    else
      extra.forEach((n, i) => {
        if (!isNonEmptyString(n)) add(`spec.objective.additionalMetricNames[${i}]`, `must be a non-empty name (got ${show(n)})`);
        else if (n === objective.objectiveMetricName) {
          add(`spec.objective.additionalMetricNames[${i}]`, `must not repeat the objectiveMetricName ${show(n)}`);
        }
        names.add(n);
      });
  }
  const strategies = objective.metricStrategies;
  if (Array.isArray(strategies)) {
    strategies.forEach((s, i) => {
      const path = `spec.objective.metricStrategies[${i}]`;
      if (!isObj(s)) {
        add(path, `must be {name, value} (got ${show(s)})`);
        return;
      }
      if (!names.has(s.name))
        add(`${path}.name`, `must name the objective or an additional metric (got ${show(s.name)}; metrics: ${[...names].join(', ')})`);
      // Katib does not validate strategy values; an unknown one would silently pick nothing.
      if (!STRATEGIES.includes(String(s.value))) add(`${path}.value`, `must be one of ${STRATEGIES.join(', ')} (got ${show(s.value)})`);
    });
  }
}

/** Checks `parameters[]`; returns the declared names for the trial-template cross-checks. */
function validateParameters(spec: Obj, add: Add): Set<string> {
  const names = new Set<string>();
  const params = spec.parameters;
  const hasParams = Array.isArray(params) && params.length > 0;
  if (hasParams && spec.nasConfig !== undefined) add('spec.nasConfig', 'must not be given together with spec.parameters');
  if (!hasParams && spec.nasConfig === undefined) add('spec.parameters', 'is required (or spec.nasConfig for neural architecture search)');
  if (params !== undefined && !Array.isArray(params)) {
    add('spec.parameters', `must be a list (got ${show(params)})`);
    return names;
  }
  (params ?? []).forEach((p: unknown, i: number) => {
    const path = `spec.parameters[${i}]`;
    if (!isObj(p)) {
      add(path, `must be {name, parameterType, feasibleSpace} (got ${show(p)})`);
      return;
    }
    if (!isNonEmptyString(p.name)) add(`${path}.name`, `is required (got ${show(p.name)})`);
    else if (names.has(p.name)) add(`${path}.name`, `duplicates the name of an earlier parameter (${show(p.name)})`);
    else names.add(p.name);
    const type = p.parameterType;
    if (!PARAMETER_TYPES.includes(String(type))) {
      add(`${path}.parameterType`, `must be one of ${PARAMETER_TYPES.join(', ')} (got ${show(type)})`);
      return;
    }
    const fs = p.feasibleSpace;
    if (!isObj(fs) || Object.keys(fs).filter((k) => k !== 'distribution').length === 0) {
      add(`${path}.feasibleSpace`, 'must not be empty');
      return;
    }
    validateFeasibleSpace(String(type), fs, `${path}.feasibleSpace`, add);
  });
  return names;
}

function validateFeasibleSpace(type: string, fs: Obj, path: string, add: Add): void {
  const dist = String(fs.distribution ?? 'uniform');
  if (!DISTRIBUTIONS.includes(dist))
    add(`${path}.distribution`, `must be one of ${DISTRIBUTIONS.join(', ')} (got ${show(fs.distribution)})`);
  if (type === 'categorical' || type === 'discrete') {
    for (const f of ['min', 'max', 'step']) {
      if (fs[f] !== undefined) add(`${path}.${f}`, `must not be set for a ${type} parameter (use list)`);
    }
    if (!Array.isArray(fs.list) || fs.list.length === 0) {
      add(`${path}.list`, `must be a non-empty list for a ${type} parameter (got ${show(fs.list)})`);
      return;
    }
    const seen = new Set<string>();
    fs.list.forEach((v, j) => {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        add(`${path}.list[${j}]`, `must be a string (got ${show(v)})`);
      else if (type === 'discrete' && !isNumeric(String(v)))
        add(`${path}.list[${j}]`, `must be a number for a discrete parameter (got ${show(v)})`);
      if (seen.has(String(v))) add(`${path}.list[${j}]`, `duplicates an earlier value (${show(v)})`);
      seen.add(String(v));
    });
    if (dist !== 'uniform') add(`${path}.distribution`, `must be uniform for a ${type} parameter (got ${show(dist)})`);
    return;
  }
  if (fs.list !== undefined) add(`${path}.list`, `must not be set for a ${type} parameter (use min and max)`);
  const num = (f: 'min' | 'max' | 'step'): number | undefined => {
    const v = fs[f];
    if (v === undefined) return undefined;
    const text = typeof v === 'number' ? String(v) : v;
    if (!isNumeric(text)) {
      add(`${path}.${f}`, `must be a number written as a string (got ${show(v)})`);
      return undefined;
    }
    const n = Number(text);
    if (type === 'int' && !Number.isInteger(n)) {
      add(`${path}.${f}`, `must be an integer for an int parameter (got ${show(v)})`);
      return undefined;
    }
    return n;
  };
  if (fs.min === undefined) add(`${path}.min`, `is required for a ${type} parameter`);
  if (fs.max === undefined) add(`${path}.max`, `is required for a ${type} parameter`);
  const min = num('min');
  const max = num('max');
  const step = num('step');
  if (min !== undefined && max !== undefined) {
    if (type === 'double' ? max <= min : max < min) {
      add(`${path}.max`, `must be greater than ${type === 'double' ? '' : 'or equal to '}min (got max=${fs.max}, min=${fs.min})`);
    }
    if ((dist === 'logUniform' || dist === 'logNormal') && min <= 0) {
      add(`${path}.min`, `must be greater than 0 for distribution ${dist} (got ${show(fs.min)})`);
    }
    if (step !== undefined && step > 0 && step > max - min && max > min) {
      add(`${path}.step`, `must be at most max - min = ${max - min} (got ${show(fs.step)})`);
    }
  }
  if (step !== undefined && step <= 0) add(`${path}.step`, `must be greater than 0 (got ${show(fs.step)})`);
}

function validateAlgorithm(exp: Experiment, add: Add, issues: FieldIssue[]): void {
  const algorithm = (exp.spec as unknown as Obj).algorithm;
  if (!isObj(algorithm)) {
    add('spec.algorithm', 'is required');
    return;
  }
  const name = algorithm.algorithmName;
  if (!isNonEmptyString(name)) {
    add('spec.algorithm.algorithmName', `is required (got ${show(name)})`);
    return;
  }
  const settings = algorithm.algorithmSettings;
  if (settings !== undefined && (!Array.isArray(settings) || !settings.every((s) => isObj(s) && isNonEmptyString(s.name)))) {
    add('spec.algorithm.algorithmSettings', `must be a list of {name, value} (got ${show(settings)})`);
    return;
  }
  const impl = findAlgorithm(name);
  if (!impl) {
    const known = (KATIB_ALGORITHM_NAMES as readonly string[]).includes(name);
    add(
      'spec.algorithm.algorithmName',
      known
        ? `algorithm not available: ${show(name)} is a Katib algorithm that this version of Tunestep does not implement yet (available: ${availableAlgorithms().join(', ')})`
        : `unknown algorithm ${show(name)} (Katib's algorithms: ${KATIB_ALGORITHM_NAMES.join(', ')})`,
    );
    return;
  }
  // Algorithm-specific checks need the parameters well formed; skip them if those already failed.
  if (!issues.some((i) => i.path.startsWith('spec.parameters') || i.path.startsWith('spec.maxTrialCount'))) {
    issues.push(...impl.validate(exp.spec, settingsRecord(exp.spec.algorithm.algorithmSettings)));
  }
}

function validateEarlyStopping(es: unknown, add: Add, collectorKind: unknown, issues: FieldIssue[]): void {
  if (es === undefined) return;
  if (!isObj(es) || !isNonEmptyString(es.algorithmName)) {
    add(
      'spec.earlyStopping.algorithmName',
      `is required when spec.earlyStopping is given (got ${show(isObj(es) ? es.algorithmName : es)})`,
    );
    return;
  }
  if (es.algorithmName !== 'medianstop') {
    add(
      'spec.earlyStopping.algorithmName',
      `unknown early-stopping algorithm ${show(es.algorithmName)} (Katib's: ${KATIB_EARLY_STOPPING_NAMES.join(', ')})`,
    );
    return;
  }
  const settings = es.algorithmSettings;
  if (settings !== undefined && (!Array.isArray(settings) || !settings.every((s) => isObj(s) && isNonEmptyString(s.name)))) {
    add('spec.earlyStopping.algorithmSettings', `must be a list of {name, value} (got ${show(settings)})`);
    return;
  }
  issues.push(...validateMedianStop(settings as AlgorithmSetting[] | undefined));
  // As Katib: early stopping reads the metrics as they are logged, which StdOut and File provide.
  const kind = collectorKind ?? 'StdOut';
  if (kind !== 'StdOut' && kind !== 'File') {
    add('spec.earlyStopping', `needs the StdOut or File metrics collector (got collector kind ${show(kind)})`);
  }
}

function validateCollector(mc: unknown, add: Add): void {
  if (mc === undefined) return;
  const path = 'spec.metricsCollectorSpec';
  if (!isObj(mc)) {
    add(path, `must be an object (got ${show(mc)})`);
    return;
  }
  const collector = isObj(mc.collector) ? mc.collector : {};
  const kind = String(collector.kind);
  if (!COLLECTOR_KINDS.includes(kind)) {
    add(
      `${path}.collector.kind`,
      `invalid metrics collector kind ${show(collector.kind)} (allowed: ${COLLECTOR_KINDS.join(', ')}, or None as an alias of Push)`,
    );
    return;
  }
  const source = isObj(mc.source) ? mc.source : {};
  const fsp = isObj(source.fileSystemPath) ? source.fileSystemPath : undefined;
  const filters = isObj(source.filter) ? source.filter.metricsFormat : undefined;
  if (filters !== undefined) {
    if (!Array.isArray(filters)) add(`${path}.source.filter.metricsFormat`, `must be a list of regular expressions (got ${show(filters)})`);
    else
      filters.forEach((f, i) => {
        const fpath = `${path}.source.filter.metricsFormat[${i}]`;
        if (typeof f !== 'string') {
          add(fpath, `must be a string (got ${show(f)})`);
          return;
        }
        try {
          new RegExp(f);
        } catch (e) {
          add(fpath, `is not a valid regular expression: ${(e as Error).message} (got ${show(f)})`);
          return;
        }
        if (!FILTER_SHAPE.test(f)) add(fpath, `must have two capture groups, the metric name then its value (got ${show(f)})`);
      });
  }
  const absolute = (p: unknown) => typeof p === 'string' && p.startsWith('/');
  if (kind === 'File') {
    if (fsp?.kind !== 'File') add(`${path}.source.fileSystemPath.kind`, `must be File for the File collector (got ${show(fsp?.kind)})`);
    if (!absolute(fsp?.path)) add(`${path}.source.fileSystemPath.path`, `must be an absolute path (got ${show(fsp?.path)})`);
    if (fsp?.format !== 'TEXT' && fsp?.format !== 'JSON')
      add(`${path}.source.fileSystemPath.format`, `must be TEXT or JSON (got ${show(fsp?.format)})`);
    if (fsp?.format === 'JSON' && filters !== undefined) add(`${path}.source.filter`, 'must not be set when the format is JSON');
  } else if (kind === 'TensorFlowEvent') {
    if (fsp?.kind !== 'Directory')
      add(`${path}.source.fileSystemPath.kind`, `must be Directory for the TensorFlowEvent collector (got ${show(fsp?.kind)})`);
    if (!absolute(fsp?.path)) add(`${path}.source.fileSystemPath.path`, `must be an absolute path (got ${show(fsp?.path)})`);
    if (fsp?.format !== undefined)
      add(`${path}.source.fileSystemPath.format`, `must not be set for TensorFlowEvent (got ${show(fsp.format)})`);
  } else if (kind === 'PrometheusMetric') {
    const http = isObj(source.httpGet) ? source.httpGet : {};
    const port = Number(http.port);
    if (!Number.isInteger(port) || port <= 0) add(`${path}.source.httpGet.port`, `must be a positive integer (got ${show(http.port)})`);
    if (typeof http.path !== 'string' || !http.path.startsWith('/'))
      add(`${path}.source.httpGet.path`, `must start with / (got ${show(http.path)})`);
  } else if (kind === 'Custom') {
    if (!isObj(collector.customCollector)) add(`${path}.collector.customCollector`, 'is required for the Custom collector');
    if (fsp) {
      if (!absolute(fsp.path)) add(`${path}.source.fileSystemPath.path`, `must be an absolute path (got ${show(fsp.path)})`);
      if (fsp.kind !== 'File' && fsp.kind !== 'Directory')
        add(`${path}.source.fileSystemPath.kind`, `must be File or Directory (got ${show(fsp.kind)})`);
    }
  }
}

function validateTrialTemplate(tt: unknown, paramNames: Set<string>, add: Add): void {
  const path = 'spec.trialTemplate';
  if (!isObj(tt)) {
    add(path, 'is required');
    return;
  }
  const hasSpec = tt.trialSpec !== undefined;
  const hasConfigMap = tt.configMap !== undefined;
  if (hasSpec === hasConfigMap) add(path, 'must have exactly one of trialSpec and configMap');
  if (hasConfigMap) {
    const cm = isObj(tt.configMap) ? tt.configMap : {};
    for (const f of ['configMapName', 'configMapNamespace', 'templatePath']) {
      if (!isNonEmptyString(cm[f])) add(`${path}.configMap.${f}`, 'is required when the template comes from a ConfigMap');
    }
  }
  if (!isNonEmptyString(tt.primaryContainerName)) add(`${path}.primaryContainerName`, `is required (got ${show(tt.primaryContainerName)})`);

  const tps = tt.trialParameters;
  if (!Array.isArray(tps)) {
    add(`${path}.trialParameters`, `is required: a list of {name, reference} (got ${show(tps)})`);
    return;
  }
  const names = new Set<string>();
  const refs = new Set<string>();
  tps.forEach((tp, i) => {
    const p = `${path}.trialParameters[${i}]`;
    if (!isObj(tp)) {
      add(p, `must be {name, reference} (got ${show(tp)})`);
      return;
    }
    if (!isNonEmptyString(tp.name)) add(`${p}.name`, `is required (got ${show(tp.name)})`);
    else if (/[{}]/.test(tp.name)) add(`${p}.name`, `must not contain { or } (got ${show(tp.name)})`);
    else if (names.has(tp.name)) add(`${p}.name`, `duplicates an earlier trial parameter (${show(tp.name)})`);
    else names.add(tp.name);
    if (!isNonEmptyString(tp.reference)) add(`${p}.reference`, `is required (got ${show(tp.reference)})`);
    else if (refs.has(tp.reference)) add(`${p}.reference`, `duplicates an earlier reference (${show(tp.reference)})`);
    else {
      refs.add(tp.reference);
      if (paramNames.size > 0 && !isMetaReference(tp.reference) && !paramNames.has(tp.reference)) {
        add(
          `${p}.reference`,
          `must name a parameter of spec.parameters or trial metadata like \${trialSpec.Name} (got ${show(tp.reference)}; parameters: ${[...paramNames].join(', ')})`,
        );
      }
    }
  });

  if (!isObj(tt.trialSpec)) {
    if (hasSpec) add(`${path}.trialSpec`, `must be a Kubernetes object (got ${show(tt.trialSpec)})`);
    return;
  }
  const used = placeholdersIn(tt.trialSpec);
  for (const n of names) {
    if (!used.has(n))
      add(`${path}.trialParameters`, `parameter ${show(n)} is declared but \${trialParameters.${n}} appears nowhere in trialSpec`);
  }
  for (const u of used) {
    if (!names.has(u)) add(`${path}.trialSpec`, `uses \${trialParameters.${u}}, which spec.trialTemplate.trialParameters does not declare`);
  }
  const rendered = renderTrialSpec(tt.trialSpec, [], [], { name: 'x', namespace: 'x' });
  if (!isNonEmptyString(rendered.apiVersion)) add(`${path}.trialSpec.apiVersion`, 'is required');
  if (!isNonEmptyString(rendered.kind)) add(`${path}.trialSpec.kind`, 'is required');
  const meta = isObj(rendered.metadata) ? rendered.metadata : {};
  if (meta.name !== undefined) add(`${path}.trialSpec.metadata.name`, 'must not be set: each trial names its job after itself');
  if (meta.namespace !== undefined)
    add(`${path}.trialSpec.metadata.namespace`, "must not be set: trials run in the experiment's namespace");
  if (!isNonEmptyString(tt.successCondition))
    add(`${path}.successCondition`, `is required for trial kind ${show(rendered.kind)} (Katib has no default for it)`);
  if (!isNonEmptyString(tt.failureCondition))
    add(`${path}.failureCondition`, `is required for trial kind ${show(rendered.kind)} (Katib has no default for it)`);
  if (rendered.kind === 'Job' && isNonEmptyString(tt.primaryContainerName)) {
    const containers = (rendered as { spec?: { template?: { spec?: { containers?: unknown } } } }).spec?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      add(`${path}.trialSpec.spec.template.spec.containers`, 'must list at least one container');
    } else if (!containers.some((c) => isObj(c) && c.name === tt.primaryContainerName)) {
      add(
        `${path}.primaryContainerName`,
        `must name a container of the Job (got ${show(tt.primaryContainerName)}; containers: ${containers.map((c) => (isObj(c) ? String(c.name) : '?')).join(', ')})`,
      );
    }
  }
}
