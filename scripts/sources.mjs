// Whether dist/ is at least as new as every source it was built from; plain JS so bin/tunestep can ask
// before loading any TypeScript.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE_DIRS = ['cli', 'local', 'shared', 'functions', 'ui', 'runtime'];

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (/\.(ts|tsx|mjs|json|css|html)$/.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/** True when dist/tunestep.mjs exists and no source file changed after it was built. */
export function bundleIsFresh(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', 'BUILT')).mtimeMs;
  } catch {
    return false;
  }
  return SOURCE_DIRS.every((d) => newest(join(root, d)) <= built);
}
