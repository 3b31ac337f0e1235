// Before any test: dist/ (the CLI bundle, the runtime bootstrap, the web UI) is rebuilt when a source
// is newer than it, so that tests run the CLI as a fresh `npm ci` would, at its real start-up speed.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIsFresh } from '../scripts/sources.mjs';

export default function globalSetup() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (!bundleIsFresh(root)) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
