/**
 * The first line the runtime bootstrap prints on every Batch node: which trial (and which node rank)
 * the log stream belongs to. Batch names streams `<job-definition>/default/<task-id>`, which says
 * nothing of the trial, so the record-observations function learns the mapping from this line.
 */
const MARKER = /^tunestep-bootstrap: trial=([^/\s]+)\/([^/\s]+)\/(\S+) rank=(\d+)$/;

export interface StreamOwner {
  namespace: string;
  experiment: string;
  trial: string;
  /** The node's rank; only rank 0 (the primary replica) carries the trial's metrics, as in Katib. */
  rank: number;
}

export function formatMarker(owner: StreamOwner): string {
  return `tunestep-bootstrap: trial=${owner.namespace}/${owner.experiment}/${owner.trial} rank=${owner.rank}`;
}

export function parseMarker(line: string): StreamOwner | undefined {
  const m = MARKER.exec(line.trim());
  return m ? { namespace: m[1]!, experiment: m[2]!, trial: m[3]!, rank: Number(m[4]) } : undefined;
}
