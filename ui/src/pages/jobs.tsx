import { useState } from 'preact/hooks';
import { age, api, statusText, type TrainingJob } from '../api.js';
import { Card, ErrorBox, FollowedLog, SortableTable, StatusBadge } from '../components.js';
import { usePolled } from '../hooks.js';

const isFinished = (j: TrainingJob) => ['Succeeded', 'Failed'].includes(statusText(j.status.conditions));

function replicaSummary(j: TrainingJob): string {
  return Object.entries(j.status.replicaStatuses ?? {})
    .map(([type, s]) => `${type}: ${s.active} active, ${s.succeeded} succeeded, ${s.failed} failed`)
    .join('; ');
}

/** Every training job the token may see; refreshes every 3 s. */
export function JobList() {
  const [sort, setSort] = useState({ key: 'age', desc: false });
  const { data, error } = usePolled(
    () => api<{ items: TrainingJob[] }>('GET', '/v1/jobs'),
    'jobs',
    3000,
    () => true,
  );
  const rows = data?.items ?? [];
  return (
    <div>
      <div class="toolbar">
        <h1>Training jobs</h1>
        <a class="button primary" href="#/new">
          Submit a job
        </a>
      </div>
      <ErrorBox error={error} />
      {data && rows.length === 0 && (
        <p class="empty">No training jobs. Submit a PyTorchJob, TFJob, MPIJob, XGBoostJob, JAXJob or batch Job as YAML.</p>
      )}
      {rows.length > 0 && (
        <SortableTable
          testId="job-table"
          rows={rows}
          sort={sort}
          onSort={setSort}
          rowKey={(j) => `${j.metadata.namespace}/${j.metadata.name}`}
          columns={[
            {
              key: 'name',
              label: 'Name',
              value: (j) => j.metadata.name,
              render: (j) => <a href={`#/jobs/${j.metadata.namespace}/${j.metadata.name}`}>{j.metadata.name}</a>,
            },
            { key: 'namespace', label: 'Namespace', value: (j) => j.metadata.namespace },
            { key: 'kind', label: 'Kind', value: (j) => j.kind },
            {
              key: 'status',
              label: 'Status',
              value: (j) => statusText(j.status.conditions),
              render: (j) => <StatusBadge status={statusText(j.status.conditions)} />,
            },
            { key: 'replicas', label: 'Replicas', value: replicaSummary },
            {
              key: 'age',
              label: 'Age',
              value: (j) => -Date.parse(j.metadata.creationTimestamp ?? '0'),
              render: (j) => age(j.metadata.creationTimestamp),
            },
          ]}
        />
      )}
    </div>
  );
}

/** One training job: its conditions, every replica with its state, and each replica's logs. */
export function JobPage({ namespace, name }: { namespace: string; name: string }) {
  const base = `/v1/namespaces/${encodeURIComponent(namespace)}/jobs/${encodeURIComponent(name)}`;
  const { data, error } = usePolled(
    () => api<TrainingJob>('GET', base),
    base,
    1500,
    (j) => !isFinished(j),
  );
  const [replica, setReplica] = useState<string>();
  if (!data) return error ? <ErrorBox error={error} /> : <p>Loading…</p>;
  const status = statusText(data.status.conditions);
  const replicas = data.status.replicaStates ?? [];
  const shown = replica ?? replicas[0]?.name;
  return (
    <div>
      <div class="toolbar">
        <h1>
          {data.kind} {namespace}/{name} <StatusBadge status={status} />
        </h1>
        <button
          type="button"
          class="chip danger"
          onClick={() =>
            confirm(`Delete ${name}${isFinished(data) ? '' : ' and stop its replicas'}?`) &&
            void api('DELETE', base).then(() => (window.location.hash = '#/jobs'))
          }
        >
          Delete
        </button>
      </div>
      <ErrorBox error={error} />
      <div class="summary">
        <Card title="Replicas" testId="replicas">
          <table class="table small">
            <thead>
              <tr>
                <th>replica</th>
                <th>type</th>
                <th>state</th>
              </tr>
            </thead>
            <tbody>
              {replicas.map((r) => (
                <tr key={r.name} class={r.name === shown ? 'best' : ''} onClick={() => setReplica(r.name)} style={{ cursor: 'pointer' }}>
                  <td>{r.name}</td>
                  <td>{r.type}</td>
                  <td>
                    <StatusBadge status={r.phase} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="note">{data.status.restarts ? `${data.status.restarts} restart(s)` : 'no restarts'}</p>
        </Card>
        <Card title="Conditions">
          <table class="table small">
            <tbody>
              {data.status.conditions.map((c, i) => (
                <tr key={i}>
                  <td>{c.type}</td>
                  <td>{c.reason}</td>
                  <td>{c.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
      {shown && (
        <Card title={`Logs of ${shown}`} note="click a replica to see its output">
          <FollowedLog url={`/v1/namespaces/${namespace}/jobs/${name}/logs?replica=${encodeURIComponent(shown)}`} testId="replica-logs" />
        </Card>
      )}
    </div>
  );
}
