import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, api, type LogPage } from './api.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

export function ErrorBox({ error }: { error?: Error }) {
  if (!error) return null;
  const causes = (error as ApiError).causes ?? [];
  return (
    <div class="error" role="alert">
      <strong>{error.message.split('\n')[0]}</strong>
      {causes.length > 0 && (
        <ul>
          {causes.map((c) => (
            <li key={c.field}>
              <code>{c.field}</code>: {c.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Card(props: { title: string; children: ComponentChildren; testId?: string; note?: string }) {
  return (
    <section class="card" data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.note && <p class="note">{props.note}</p>}
      {props.children}
    </section>
  );
}

/** A table whose columns sort by a click on their header. */
export function SortableTable<T>(props: {
  columns: { key: string; label: string; value: (row: T) => string | number | undefined; render?: (row: T) => ComponentChildren }[];
  rows: T[];
  sort: { key: string; desc: boolean };
  onSort: (sort: { key: string; desc: boolean }) => void;
  rowKey: (row: T) => string;
  testId: string;
  highlight?: (row: T) => boolean;
}) {
  const col = props.columns.find((c) => c.key === props.sort.key) ?? props.columns[0]!;
  const sorted = [...props.rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === y) return 0;
    if (x === undefined || x === '') return 1;
    if (y === undefined || y === '') return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return props.sort.desc ? -order : order;
  });
  return (
    <table class="table" data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c.key} onClick={() => props.onSort({ key: c.key, desc: props.sort.key === c.key ? !props.sort.desc : false })}>
              {c.label}
              {props.sort.key === c.key ? (props.sort.desc ? ' ▼' : ' ▲') : ''}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={props.rowKey(row)} class={props.highlight?.(row) ? 'best' : ''}>
            {props.columns.map((c) => (
              <td key={c.key}>{c.render ? c.render(row) : (c.value(row) ?? '')}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Output paged from a logs route (`.../logs?offset=`) and followed while its producer runs: pages are
 * read until the end of what is there, then again every second until the route says it has finished.
 */
export function FollowedLog({ url, testId }: { url: string; testId: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<Error>();
  const offset = useRef(0);
  useEffect(() => {
    let stopped = false;
    offset.current = 0;
    setText('');
    const pump = async () => {
      try {
        for (;;) {
          const page = await api<LogPage>('GET', `${url}${url.includes('?') ? '&' : '?'}offset=${offset.current}`);
          if (stopped) return;
          if (page.text) setText((t) => t + page.text);
          offset.current = page.nextOffset;
          if (page.nextOffset < page.size) continue;
          if (page.finished) return;
          break;
        }
        if (!stopped) setTimeout(() => void pump(), 1000);
      } catch (e) {
        setError(e as Error);
      }
    };
    void pump();
    return () => {
      stopped = true;
    };
  }, [url]);
  return (
    <>
      <ErrorBox error={error} />
      <pre class="logs" data-testid={testId}>
        {text || '(no output yet)'}
      </pre>
    </>
  );
}
