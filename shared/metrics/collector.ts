import type { ObservationRecord } from '../experiment/records.js';
import type { MetricsCollectorSpec, ObjectiveSpec } from '../spec/types.js';

/** Katib's default metrics regex (`DefaultFilter`), quoted exactly. */
export const DEFAULT_FILTER = '([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Turns lines of a trial's output into observations of the metrics the experiment asks for. */
export interface LineCollector {
  /** Observations found in one line; `receivedAt` stamps lines that carry no timestamp of their own. */
  collect(line: string, receivedAt: string): ObservationRecord[];
}

/** The metric names a collector keeps: the objective first, then the additional ones. */
export function metricNames(objective: ObjectiveSpec): string[] {
  return [objective.objectiveMetricName, ...(objective.additionalMetricNames ?? [])];
}

/**
 * Katib's TEXT parsing (StdOut and File/TEXT): a line is looked at only if it contains a wanted metric's
 * name; a leading RFC 3339 token is its timestamp; every match of each filter whose group 1 is a wanted
 * name gives an observation with group 2 as value.
 */
export function textCollector(objective: ObjectiveSpec, filters: string[] | undefined): LineCollector {
  const names = metricNames(objective);
  const wanted = new Set(names);
  const patterns = (filters && filters.length > 0 ? filters : [DEFAULT_FILTER]).map((f) => new RegExp(f, 'g'));
  return {
    collect(line, receivedAt) {
      if (!names.some((n) => line.includes(n))) return [];
      const first = line.trimStart().split(/\s+/, 1)[0] ?? '';
      const timestamp = RFC3339.test(first) ? first : receivedAt;
      const found: ObservationRecord[] = [];
      for (const pattern of patterns) {
        pattern.lastIndex = 0;
        for (const m of line.matchAll(pattern)) {
          const name = m[1]?.trim();
          const value = m[2]?.trim();
          if (name && wanted.has(name) && value !== undefined && value !== '') {
            found.push({ metricName: name, value, timestamp });
          }
        }
      }
      return found;
    },
  };
}

/**
 * Katib's JSON parsing (File/JSON): one object per line; a wanted metric's value is taken when it is a
 * string (as Katib) and, unlike Katib, also when it is a JSON number (Katib silently ignores numbers; a
 * deliberate difference). `timestamp` may be RFC 3339 or epoch seconds.
 */
export function jsonCollector(objective: ObjectiveSpec): LineCollector {
  const names = metricNames(objective);
  return {
    collect(line, receivedAt) {
      const text = line.trim();
      if (!text.startsWith('{')) return [];
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return [];
      }
      const ts = obj.timestamp;
      const timestamp =
        typeof ts === 'string' && RFC3339.test(ts)
          ? ts
          : typeof ts === 'number' && Number.isFinite(ts)
            ? new Date(ts * 1000).toISOString()
            : receivedAt;
      const found: ObservationRecord[] = [];
      for (const name of names) {
        const v = obj[name];
        if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
          found.push({ metricName: name, value: String(v), timestamp });
        }
      }
      return found;
    },
  };
}

/** The collector an experiment's `metricsCollectorSpec` asks for. */
export function collectorFor(objective: ObjectiveSpec, spec: MetricsCollectorSpec | undefined): LineCollector {
  const fsp = spec?.source?.fileSystemPath;
  if (spec?.collector?.kind === 'File' && fsp?.format === 'JSON') return jsonCollector(objective);
  return textCollector(objective, spec?.source?.filter?.metricsFormat);
}
