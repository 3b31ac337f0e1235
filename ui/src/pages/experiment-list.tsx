import { useState } from 'preact/hooks';
import { age, api, type Experiment, objectiveOf, statusText } from '../api.js';
import { ErrorBox, SortableTable, StatusBadge } from '../components.js';
import { usePolled } from '../hooks.js';

const STATUSES = ['All', 'Created', 'Running', 'Stopped', 'Succeeded', 'Failed'];

/** Every experiment the token may see, with status filters and a search box; refreshes every 3 s. */
export function ExperimentList() {
  const [status, setStatus] = useState('All');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState({ key: 'age', desc: false });
  const { data, error } = usePolled(
    () => api<{ items: Experiment[] }>('GET', `/v1/experiments${status === 'All' ? '' : `?status=${status}`}`),
    status,
    3000,
    () => true,
  );
  const rows = (data?.items ?? []).filter((e) =>
    `${e.metadata.namespace}/${e.metadata.name} ${e.spec.algorithm.algorithmName}`.includes(search.trim()),
  );
  return (
    <div>
      <div class="toolbar">
        <h1>Experiments</h1>
        <div class="filters">
          {STATUSES.map((s) => (
            <button type="button" key={s} class={s === status ? 'chip active' : 'chip'} onClick={() => setStatus(s)}>
              {s}
            </button>
          ))}
          <input
            type="search"
            placeholder="Search name, namespace, algorithm"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
          <a class="button primary" href="#/new">
            New experiment
          </a>
        </div>
      </div>
      <ErrorBox error={error} />
      {data && rows.length === 0 && (
        <p class="empty">No experiments{status !== 'All' ? ` with status ${status}` : ''}. Submit one with “New experiment”.</p>
      )}
      {rows.length > 0 && (
        <SortableTable
          testId="experiment-table"
          rows={rows}
          sort={sort}
          onSort={setSort}
          rowKey={(e) => `${e.metadata.namespace}/${e.metadata.name}`}
          columns={[
            {
              key: 'name',
              label: 'Name',
              value: (e) => e.metadata.name,
              render: (e) => <a href={`#/experiments/${e.metadata.namespace}/${e.metadata.name}`}>{e.metadata.name}</a>,
            },
            { key: 'namespace', label: 'Namespace', value: (e) => e.metadata.namespace },
            {
              key: 'status',
              label: 'Status',
              value: (e) => statusText(e.status.conditions),
              render: (e) => <StatusBadge status={statusText(e.status.conditions)} />,
            },
            { key: 'algorithm', label: 'Algorithm', value: (e) => e.spec.algorithm.algorithmName },
            {
              key: 'trials',
              label: 'Trials',
              value: (e) => e.status.trials ?? 0,
              render: (e) =>
                `${e.status.trials ?? 0}${e.spec.maxTrialCount ? `/${e.spec.maxTrialCount}` : ''} (${e.status.trialsRunning ?? 0} running, ${(e.status.trialsFailed ?? 0) + (e.status.trialMetricsUnavailable ?? 0)} failed)`,
            },
            {
              key: 'best',
              label: 'Best objective',
              value: (e) => objectiveOf(e, e.status.currentOptimalTrial.observation.metrics),
              render: (e) => {
                const v = objectiveOf(e, e.status.currentOptimalTrial.observation.metrics);
                return v === undefined ? '' : `${e.spec.objective.objectiveMetricName}=${v}`;
              },
            },
            {
              key: 'age',
              label: 'Age',
              value: (e) => -Date.parse(e.metadata.creationTimestamp ?? '0'),
              render: (e) => age(e.metadata.creationTimestamp),
            },
          ]}
        />
      )}
    </div>
  );
}
