/** System folders that are never taken as part of a collector's folder when rewriting paths. */
const SYSTEM = new Set(['/var', '/var/log', '/tmp', '/usr', '/opt', '/home', '/mnt', '/srv', '/etc', '/root', '/data']);

/**
 * Local mode gives a trial's in-container metrics folder a per-trial folder on this machine: every
 * occurrence, at the start of an argument or after `=`, `:` or `,`, of the folder or of one of its
 * ancestors (scripts often take the parent, `--log-path=/logs`, and add `test` themselves) is prefixed
 * with `root`, so `/logs/test` becomes `<root>/logs/test`. System folders (`/var`, `/tmp`, ...) are
 * never rewritten on their own.
 */
export function pathRewriter(containerPath: string, root: string): (value: string) => string {
  const parts = containerPath.split('/').filter(Boolean);
  const ancestors = parts
    .map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)
    .filter((p) => !SYSTEM.has(p))
    .reverse();
  if (ancestors.length === 0) return (v) => v;
  const escaped = ancestors.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(^|[=:,\\s])(${escaped.join('|')})(?=$|[/\\s,:])`, 'g');
  return (value) => value.replace(pattern, (_, before: string, path: string) => `${before}${root}${path}`);
}
