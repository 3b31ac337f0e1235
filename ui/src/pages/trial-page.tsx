import { useMemo } from 'preact/hooks';
import { api, type ObservationLog, statusText, type Trial } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { Card, ErrorBox, FollowedLog, StatusBadge } from '../components.js';
import { usePolled } from '../hooks.js';

const FINISHED = ['Succeeded', 'Failed', 'MetricsUnavailable', 'EarlyStopped', 'Killed'];

function curvesOption(log: ObservationLog): { option: ChartOption; points: number } {
  const byMetric = new Map<string, [number, number][]>();
  for (const [i, l] of log.observationLog.metricLogs.entries()) {
    const v = Number(l.metric.value);
    if (!Number.isFinite(v)) continue;
    const series = byMetric.get(l.metric.name) ?? [];
    series.push([l.step ?? series.length, v]);
    byMetric.set(l.metric.name, series);
    void i;
  }
  const points = [...byMetric.values()].reduce((s, d) => s + d.length, 0);
  return {
    points,
    option: {
      tooltip: { trigger: 'axis' },
      legend: { data: [...byMetric.keys()], top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: 'value', name: 'step', minInterval: 1 },
      yAxis: { type: 'value', scale: true },
      series: [...byMetric.entries()].map(([name, data]) => ({ name, type: 'line', data, showSymbol: data.length < 50 })),
    },
  };
}

/** One trial: its parameters, metrics, metric curves over steps, and its logs. */
export function TrialPage({ namespace, name }: { namespace: string; name: string }) {
  const base = `/v1/namespaces/${encodeURIComponent(namespace)}/trials/${encodeURIComponent(name)}`;
  const { data, error } = usePolled(
    async () => {
      const [trial, log] = await Promise.all([api<Trial>('GET', base), api<ObservationLog>('GET', `${base}/observations`)]);
      return { trial, log };
    },
    base,
    2000,
    (d) => !FINISHED.includes(statusText(d.trial.status.conditions)),
  );
  const curves = useMemo(() => (data ? curvesOption(data.log) : undefined), [data]);
  if (!data) return error ? <ErrorBox error={error} /> : <p>Loading…</p>;
  const { trial } = data;
  const experiment = trial.metadata.labels?.['katib.kubeflow.org/experiment'];
  const last = trial.status.conditions[trial.status.conditions.length - 1];
  return (
    <div>
      <div class="toolbar">
        <h1>
          {trial.metadata.name} <StatusBadge status={statusText(trial.status.conditions)} />
        </h1>
        {experiment && <a href={`#/experiments/${namespace}/${experiment}`}>← experiment {experiment}</a>}
      </div>
      <ErrorBox error={error} />
      <p class="condition">
        {last?.reason}: {last?.message}
      </p>
      <div class="summary">
        <Card title="Parameters">
          <ul class="assignments">
            {trial.spec.parameterAssignments.map((a) => (
              <li key={a.name}>
                <code>{a.name}</code> = {a.value}
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Metrics">
          <table class="table small">
            <thead>
              <tr>
                <th>metric</th>
                <th>min</th>
                <th>max</th>
                <th>latest</th>
              </tr>
            </thead>
            <tbody>
              {(trial.status.observation?.metrics ?? []).map((m) => (
                <tr key={m.name}>
                  <td>{m.name}</td>
                  <td>{m.min}</td>
                  <td>{m.max}</td>
                  <td>{m.latest}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
      <Card title="Metric curves" note="every reported value over its step">
        {curves && curves.points > 0 ? (
          <Chart testId="metric-curve" option={curves.option} points={curves.points} />
        ) : (
          <p>No values reported yet.</p>
        )}
      </Card>
      <Card title="Logs">
        <FollowedLog url={`/v1/namespaces/${namespace}/trials/${name}/logs`} testId="trial-logs" />
      </Card>
    </div>
  );
}
