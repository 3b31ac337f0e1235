import { useMemo, useState } from 'preact/hooks';
import { parameterImportance } from '../../../shared/experiment/importance.js';
import { age, api, type Experiment, objectiveOf, statusText, type Trial } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { Card, ErrorBox, SortableTable, StatusBadge } from '../components.js';
import { usePolled } from '../hooks.js';

const FINISHED = ['Succeeded', 'Failed'];
const isFinished = (e: Experiment) => FINISHED.includes(statusText(e.status.conditions));

interface Row {
  trial: Trial;
  index: number;
  status: string;
  objective?: number;
  values: Record<string, string>;
}

function historyOption(exp: Experiment, rows: Row[]): ChartOption {
  const minimize = exp.spec.objective.type === 'minimize';
  const done = rows.filter((r) => r.objective !== undefined).sort((a, b) => a.index - b.index);
  let best: number | undefined;
  const bestLine = done.map((r) => {
    best = best === undefined || (minimize ? r.objective! < best : r.objective! > best) ? r.objective : best;
    return [r.index, best];
  });
  return {
    tooltip: { trigger: 'item' },
    legend: { data: ['trial', 'best so far'], top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    xAxis: { type: 'value', name: 'trial', minInterval: 1 },
    yAxis: { type: 'value', name: exp.spec.objective.objectiveMetricName, scale: true },
    series: [
      {
        name: 'trial',
        type: 'scatter',
        data: done.map((r) => ({ value: [r.index, r.objective], name: r.trial.metadata.name })),
        symbolSize: 8,
      },
      { name: 'best so far', type: 'line', step: 'end', data: bestLine, showSymbol: false },
    ],
  };
}

function parallelOption(exp: Experiment, rows: Row[]): ChartOption {
  const params = exp.spec.parameters ?? [];
  const done = rows.filter((r) => r.objective !== undefined);
  const objectives = done.map((r) => r.objective!);
  const axes = params.map((p, i) => {
    const categorical = p.parameterType === 'categorical' || p.parameterType === 'discrete';
    const log = p.feasibleSpace.distribution === 'logUniform' || p.feasibleSpace.distribution === 'logNormal';
    return {
      dim: i,
      name: p.name,
      ...(categorical ? { type: 'category', data: p.feasibleSpace.list } : { type: log ? 'log' : 'value', scale: true }),
    };
  });
  axes.push({ dim: params.length, name: exp.spec.objective.objectiveMetricName, type: 'value', scale: true } as never);
  return {
    tooltip: {},
    parallelAxis: axes,
    parallel: { left: 50, right: 110, top: 40, bottom: 30 },
    visualMap: {
      type: 'continuous',
      dimension: params.length,
      min: Math.min(...objectives),
      max: Math.max(...objectives),
      inRange: { color: exp.spec.objective.type === 'minimize' ? ['#1a7f37', '#f0c000', '#d1242f'] : ['#d1242f', '#f0c000', '#1a7f37'] },
      right: 0,
      top: 'middle',
      calculable: true,
      precision: 3,
    },
    series: [
      {
        type: 'parallel',
        lineStyle: { width: 2, opacity: 0.6 },
        data: done.map((r) => [
          ...params.map((p) =>
            p.parameterType === 'categorical' || p.parameterType === 'discrete' ? r.values[p.name] : Number(r.values[p.name]),
          ),
          r.objective,
        ]),
      },
    ],
  };
}

function importanceOption(importance: Record<string, number>): ChartOption {
  const entries = Object.entries(importance).sort((a, b) => a[1] - b[1]);
  return {
    tooltip: {},
    grid: { left: 120, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: 1 },
    yAxis: { type: 'category', data: entries.map((e) => e[0]) },
    series: [{ type: 'bar', data: entries.map((e) => Number(e[1].toFixed(3))), label: { show: true, position: 'right' } }],
  };
}

function Budget({ exp, onChange }: { exp: Experiment; onChange: () => void }) {
  const [values, setValues] = useState({
    maxTrialCount: String(exp.spec.maxTrialCount ?? ''),
    parallelTrialCount: String(exp.spec.parallelTrialCount ?? ''),
    maxFailedTrialCount: String(exp.spec.maxFailedTrialCount ?? ''),
  });
  const [error, setError] = useState<Error>();
  const save = async () => {
    const spec = Object.fromEntries(
      Object.entries(values)
        .filter(([, v]) => v.trim() !== '')
        .map(([k, v]) => [k, Number(v)]),
    );
    try {
      await api('PATCH', `/v1/namespaces/${exp.metadata.namespace}/experiments/${exp.metadata.name}`, JSON.stringify({ spec }));
      setError(undefined);
      onChange();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <div class="budget">
      {(Object.keys(values) as (keyof typeof values)[]).map((k) => (
        <label key={k}>
          {k}
          <input type="number" value={values[k]} onInput={(e) => setValues({ ...values, [k]: (e.target as HTMLInputElement).value })} />
        </label>
      ))}
      <button type="button" class="chip" onClick={() => void save()}>
        Change budget
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

/** One experiment: live status, actions, the plots and the trials table; refreshes every 2 s until it ends. */
export function ExperimentPage({ namespace, name }: { namespace: string; name: string }) {
  const base = `/v1/namespaces/${encodeURIComponent(namespace)}/experiments/${encodeURIComponent(name)}`;
  const { data, error, refresh } = usePolled(
    async () => {
      const [exp, trials] = await Promise.all([api<Experiment>('GET', base), api<{ items: Trial[] }>('GET', `${base}/trials`)]);
      return { exp, trials: trials.items };
    },
    base,
    2000,
    (d) => !isFinished(d.exp),
  );
  const [sort, setSort] = useState({ key: 'index', desc: false });
  const [actionError, setActionError] = useState<Error>();
  const rows: Row[] = useMemo(
    () =>
      (data?.trials ?? []).map((t, index) => ({
        trial: t,
        index,
        status: statusText(t.status.conditions),
        objective: data ? objectiveOf(data.exp, t.status.observation?.metrics) : undefined,
        values: Object.fromEntries(t.spec.parameterAssignments.map((a) => [a.name, a.value])),
      })),
    [data],
  );
  const history = useMemo(() => (data ? historyOption(data.exp, rows) : undefined), [data, rows]);
  const parallel = useMemo(() => (data ? parallelOption(data.exp, rows) : undefined), [data, rows]);
  const importance = useMemo(() => {
    if (!data) return undefined;
    return parameterImportance({
      parameters: (data.exp.spec.parameters ?? []).map((p) => ({
        name: p.name,
        categorical: p.parameterType === 'categorical' || p.parameterType === 'discrete',
      })),
      trials: rows.filter((r) => r.objective !== undefined).map((r) => ({ values: r.values, objective: r.objective! })),
    });
  }, [data, rows]);

  if (!data) return error ? <ErrorBox error={error} /> : <p>Loading…</p>;
  const { exp } = data;
  const status = statusText(exp.status.conditions);
  const last = exp.status.conditions[exp.status.conditions.length - 1];
  const metric = exp.spec.objective.objectiveMetricName;
  const best = exp.status.currentOptimalTrial;
  const scored = rows.filter((r) => r.objective !== undefined).length;
  const act = async (method: string, path: string, after?: () => void) => {
    try {
      await api(method, path);
      setActionError(undefined);
      after ? after() : await refresh();
    } catch (e) {
      setActionError(e as Error);
    }
  };

  return (
    <div>
      <div class="toolbar">
        <h1>
          {exp.metadata.namespace}/{exp.metadata.name} <StatusBadge status={status} />
        </h1>
        <div class="filters">
          {(status === 'Running' || status === 'Created') && (
            <button type="button" class="chip" onClick={() => void act('POST', `${base}/stop`)}>
              Stop
            </button>
          )}
          {status === 'Stopped' && (
            <button type="button" class="chip" onClick={() => void act('POST', `${base}/resume`, () => window.location.reload())}>
              Resume
            </button>
          )}
          <button
            type="button"
            class="chip danger"
            onClick={() =>
              confirm(`Delete ${exp.metadata.name} with its trials?`) && void act('DELETE', base, () => (window.location.hash = '#/'))
            }
          >
            Delete
          </button>
        </div>
      </div>
      <ErrorBox error={error ?? actionError} />
      <p class="condition" data-testid="experiment-status">
        {last?.reason}: {last?.message}
      </p>
      <div class="summary">
        <Card title="Progress">
          <p>
            {exp.status.trials ?? 0} trials{exp.spec.maxTrialCount ? ` of ${exp.spec.maxTrialCount}` : ''}: {exp.status.trialsRunning ?? 0}{' '}
            running, {exp.status.trialsSucceeded ?? 0} succeeded,{' '}
            {(exp.status.trialsFailed ?? 0) + (exp.status.trialMetricsUnavailable ?? 0)} failed, {exp.status.trialsEarlyStopped ?? 0} early
            stopped
          </p>
          <p>
            {exp.spec.objective.type} <code>{metric}</code> with <code>{exp.spec.algorithm.algorithmName}</code>
            {exp.spec.objective.goal !== undefined ? `, goal ${exp.spec.objective.goal}` : ''}; started {age(exp.status.startTime)} ago
          </p>
          {!isFinished(exp) && <Budget exp={exp} onChange={() => void refresh()} />}
        </Card>
        <Card title="Best trial" testId="best-trial">
          {best.bestTrialName ? (
            <>
              <p>
                <a href={`#/trials/${namespace}/${best.bestTrialName}`}>{best.bestTrialName}</a>: {metric} ={' '}
                {objectiveOf(exp, best.observation.metrics)}
              </p>
              <ul class="assignments">
                {best.parameterAssignments.map((a) => (
                  <li key={a.name}>
                    <code>{a.name}</code> = {a.value}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>No trial has reported {metric} yet.</p>
          )}
        </Card>
      </div>
      <div class="charts">
        <Card title="Optimization history" note={`${metric} per trial, with the best so far`}>
          {history && <Chart testId="history-plot" option={history} points={scored} onClick={(d) => openTrial(namespace, d)} />}
        </Card>
        <Card title="Parallel coordinates" note="each line a trial; colour by the objective">
          {parallel && <Chart testId="parallel-plot" option={parallel} points={scored} />}
        </Card>
      </div>
      <Card
        title="Parameter importance"
        note="share of the objective's rank variance each parameter explains (Spearman rho² for numbers, eta² for categories); misses effects that are not monotone"
      >
        {importance ? (
          <Chart
            testId="importance-plot"
            option={importanceOption(importance)}
            points={Object.keys(importance).length}
            height={60 + 36 * Object.keys(importance).length}
          />
        ) : (
          <p>Needs at least 3 trials with results.</p>
        )}
      </Card>
      <Card title="Trials">
        <SortableTable
          testId="trials-table"
          rows={rows}
          sort={sort}
          onSort={setSort}
          rowKey={(r) => r.trial.metadata.name}
          highlight={(r) => r.trial.metadata.name === best.bestTrialName}
          columns={[
            { key: 'index', label: '#', value: (r) => r.index },
            {
              key: 'name',
              label: 'Trial',
              value: (r) => r.trial.metadata.name,
              render: (r) => <a href={`#/trials/${namespace}/${r.trial.metadata.name}`}>{r.trial.metadata.name}</a>,
            },
            { key: 'status', label: 'Status', value: (r) => r.status, render: (r) => <StatusBadge status={r.status} /> },
            { key: 'objective', label: metric, value: (r) => r.objective },
            ...(exp.spec.objective.additionalMetricNames ?? []).map((m) => ({
              key: `metric:${m}`,
              label: m,
              value: (r: Row) => r.trial.status.observation?.metrics.find((x) => x.name === m)?.latest,
            })),
            ...(exp.spec.parameters ?? []).map((p) => ({
              key: `param:${p.name}`,
              label: p.name,
              value: (r: Row) => (p.parameterType === 'categorical' ? r.values[p.name] : Number(r.values[p.name])),
            })),
            {
              key: 'age',
              label: 'Age',
              value: (r) => -Date.parse(r.trial.metadata.creationTimestamp ?? '0'),
              render: (r) => age(r.trial.metadata.creationTimestamp),
            },
          ]}
        />
      </Card>
    </div>
  );
}

function openTrial(namespace: string, data: unknown) {
  const name = (data as { name?: string } | undefined)?.name;
  if (name) window.location.hash = `#/trials/${namespace}/${name}`;
}
