import { useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { api, type Experiment, JOB_KINDS } from '../api.js';
import { Card, ErrorBox } from '../components.js';

const ALGORITHMS = ['random', 'grid', 'tpe', 'multivariate-tpe', 'cmaes', 'sobol', 'bayesianoptimization', 'hyperband', 'asha', 'pbt'];

interface FormParameter {
  name: string;
  type: 'double' | 'int' | 'discrete' | 'categorical';
  min: string;
  max: string;
  list: string;
  distribution: string;
}

interface Form {
  name: string;
  namespace: string;
  objectiveType: 'minimize' | 'maximize';
  metric: string;
  goal: string;
  algorithm: string;
  maxTrialCount: string;
  parallelTrialCount: string;
  maxFailedTrialCount: string;
  parameters: FormParameter[];
  command: string;
}

const START: Form = {
  name: 'my-experiment',
  namespace: 'default',
  objectiveType: 'minimize',
  metric: 'loss',
  goal: '',
  algorithm: 'tpe',
  maxTrialCount: '12',
  parallelTrialCount: '3',
  maxFailedTrialCount: '3',
  parameters: [
    { name: 'lr', type: 'double', min: '0.0001', max: '0.1', list: '', distribution: 'logUniform' },
    { name: 'optimizer', type: 'categorical', min: '', max: '', list: 'sgd, adam', distribution: '' },
  ],
  command: 'python3 train.py --lr=${trialParameters.lr} --optimizer=${trialParameters.optimizer}',
};

/** The Katib Experiment a form describes: what Katib's create page makes from its form. */
export function experimentFromForm(f: Form): Record<string, unknown> {
  const parameters = f.parameters.map((p) => ({
    name: p.name,
    parameterType: p.type,
    feasibleSpace:
      p.type === 'categorical' || p.type === 'discrete'
        ? {
            list: p.list
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : { min: p.min, max: p.max, ...(p.distribution ? { distribution: p.distribution } : {}) },
  }));
  const number = (s: string) => (s.trim() === '' ? undefined : Number(s));
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: f.name, namespace: f.namespace },
    spec: {
      objective: { type: f.objectiveType, objectiveMetricName: f.metric, ...(f.goal.trim() ? { goal: Number(f.goal) } : {}) },
      algorithm: { algorithmName: f.algorithm },
      maxTrialCount: number(f.maxTrialCount),
      parallelTrialCount: number(f.parallelTrialCount),
      maxFailedTrialCount: number(f.maxFailedTrialCount),
      parameters,
      trialTemplate: {
        primaryContainerName: 'training',
        trialParameters: f.parameters.map((p) => ({ name: p.name, reference: p.name })),
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: {
                containers: [{ name: 'training', image: 'python:3.12', command: f.command.split(/\s+/).filter(Boolean) }],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    },
  };
}

/** Submit by YAML editor or by form (the form writes YAML into the editor, which is what is sent). */
export function SubmitPage() {
  const [mode, setMode] = useState<'yaml' | 'form'>('yaml');
  const [form, setForm] = useState<Form>(START);
  const [yaml, setYaml] = useState(() => stringify(experimentFromForm(START)));
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const update = (change: Partial<Form>) => {
    const next = { ...form, ...change };
    setForm(next);
    setYaml(stringify(experimentFromForm(next)));
  };
  const updateParam = (i: number, change: Partial<FormParameter>) =>
    update({ parameters: form.parameters.map((p, j) => (i === j ? { ...p, ...change } : p)) });

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const ns = /^\s*namespace:\s*([a-z0-9-]+)/m.exec(yaml)?.[1] ?? 'default';
      // A training job (PyTorchJob, TFJob, ...) goes to the jobs API; anything else is an Experiment.
      const kind = /^kind:\s*(\w+)/m.exec(yaml)?.[1] ?? 'Experiment';
      const collection = JOB_KINDS.includes(kind) ? 'jobs' : 'experiments';
      const created = await api<Experiment>('POST', `/v1/namespaces/${ns}/${collection}`, yaml, 'application/yaml');
      window.location.hash = `#/${collection}/${created.metadata.namespace}/${created.metadata.name}`;
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const field = (label: string, key: keyof Form, props: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input value={form[key] as string} onInput={(e) => update({ [key]: (e.target as HTMLInputElement).value })} {...props} />
    </label>
  );

  return (
    <div>
      <div class="toolbar">
        <h1>New experiment</h1>
        <div class="filters">
          <button type="button" class={mode === 'yaml' ? 'chip active' : 'chip'} onClick={() => setMode('yaml')}>
            YAML
          </button>
          <button type="button" class={mode === 'form' ? 'chip active' : 'chip'} onClick={() => setMode('form')}>
            Form
          </button>
        </div>
      </div>
      {mode === 'form' && (
        <Card title="Experiment">
          <div class="form-grid">
            {field('Name', 'name')}
            {field('Namespace', 'namespace')}
            <label>
              Objective
              <select
                value={form.objectiveType}
                onChange={(e) => update({ objectiveType: (e.target as HTMLSelectElement).value as Form['objectiveType'] })}
              >
                <option value="minimize">minimize</option>
                <option value="maximize">maximize</option>
              </select>
            </label>
            {field('Objective metric', 'metric')}
            {field('Goal (optional)', 'goal')}
            <label>
              Algorithm
              <select value={form.algorithm} onChange={(e) => update({ algorithm: (e.target as HTMLSelectElement).value })}>
                {ALGORITHMS.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
            {field('Max trials', 'maxTrialCount', { type: 'number' })}
            {field('Parallel trials', 'parallelTrialCount', { type: 'number' })}
            {field('Max failed trials', 'maxFailedTrialCount', { type: 'number' })}
          </div>
          <h3>Parameters</h3>
          {form.parameters.map((p, i) => (
            <div class="param-row" key={i}>
              <input
                aria-label="parameter name"
                value={p.name}
                onInput={(e) => updateParam(i, { name: (e.target as HTMLInputElement).value })}
              />
              <select
                value={p.type}
                onChange={(e) => updateParam(i, { type: (e.target as HTMLSelectElement).value as FormParameter['type'] })}
              >
                {['double', 'int', 'discrete', 'categorical'].map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
              {p.type === 'double' || p.type === 'int' ? (
                <>
                  <input
                    aria-label="min"
                    placeholder="min"
                    value={p.min}
                    onInput={(e) => updateParam(i, { min: (e.target as HTMLInputElement).value })}
                  />
                  <input
                    aria-label="max"
                    placeholder="max"
                    value={p.max}
                    onInput={(e) => updateParam(i, { max: (e.target as HTMLInputElement).value })}
                  />
                  <select value={p.distribution} onChange={(e) => updateParam(i, { distribution: (e.target as HTMLSelectElement).value })}>
                    {['', 'uniform', 'logUniform', 'normal', 'logNormal'].map((d) => (
                      <option key={d} value={d}>
                        {d || '(uniform)'}
                      </option>
                    ))}
                  </select>
                </>
              ) : (
                <input
                  aria-label="values"
                  placeholder="a, b, c"
                  value={p.list}
                  onInput={(e) => updateParam(i, { list: (e.target as HTMLInputElement).value })}
                />
              )}
              <button type="button" class="chip" onClick={() => update({ parameters: form.parameters.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            class="chip"
            onClick={() =>
              update({
                parameters: [
                  ...form.parameters,
                  { name: `p${form.parameters.length + 1}`, type: 'double', min: '0', max: '1', list: '', distribution: '' },
                ],
              })
            }
          >
            Add parameter
          </button>
          <h3>Trial command</h3>
          <input class="wide" value={form.command} onInput={(e) => update({ command: (e.target as HTMLInputElement).value })} />
          <p class="note">Refer to parameters as {'${trialParameters.NAME}'}; each value is one argument, never passed through a shell.</p>
        </Card>
      )}
      <Card
        title="YAML"
        note="A Katib v1beta1 Experiment, or a Kubeflow training job (PyTorchJob, TFJob, MPIJob, XGBoostJob, JAXJob, batch Job), as you would give kubectl. Defaults and validation are Katib's and the operators'."
      >
        <textarea
          class="yaml"
          data-testid="yaml-editor"
          spellcheck={false}
          value={yaml}
          onInput={(e) => setYaml((e.target as HTMLTextAreaElement).value)}
        />
      </Card>
      <ErrorBox error={error} />
      <button type="button" class="button primary" data-testid="submit" disabled={busy} onClick={() => void submit()}>
        {busy ? 'Submitting…' : 'Create and run'}
      </button>
    </div>
  );
}
