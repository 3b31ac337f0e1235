// Builds dist/: the CLI bundled into one ES module (dependencies stay in node_modules), which starts in
// half the time of loading the TypeScript sources through tsx, plus the files it loads beside itself.
// bin/tunestep runs the bundle only while it is newer than every source file (see sources.mjs).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const tmp = join(dist, `tunestep.${process.pid}.mjs`);
await build({
  entryPoints: [join(root, 'cli', 'main.ts')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// The library entry (package.json exports['.']): createStudy and friends, for plain Node.
await build({
  entryPoints: [join(root, 'index.ts')],
  outfile: join(dist, 'index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// The Batch node bootstrap: one self-contained file a trial container runs first (runtime/bootstrap.ts).
await build({
  entryPoints: [join(root, 'runtime', 'bootstrap.ts')],
  outfile: join(dist, 'runtime', 'tunestep-bootstrap.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  logLevel: 'warning',
});
// The web UI (ui/): Preact and ECharts bundled for the browser, served by `tunestep server` from dist/ui
// and deployable as static files.
mkdirSync(join(dist, 'ui'), { recursive: true });
await build({
  entryPoints: { app: join(root, 'ui', 'src', 'main.tsx'), 'app-style': join(root, 'ui', 'src', 'style.css') },
  outdir: join(dist, 'ui'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
renameSync(join(dist, 'ui', 'app-style.css'), join(dist, 'ui', 'app.css'));
for (const f of ['app-style.css.map']) rmSync(join(dist, 'ui', f), { force: true });
copyFileSync(join(root, 'ui', 'index.html'), join(dist, 'ui', 'index.html'));
// Its type declarations.
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
// Files the bundle loads relative to itself.
copyFileSync(join(root, 'shared', 'adapters', 'process-spawner-child.mjs'), join(dist, 'process-spawner-child.mjs'));
renameSync(`${tmp}.map`, join(dist, 'tunestep.mjs.map'));
renameSync(tmp, join(dist, 'tunestep.mjs'));
writeFileSync(join(dist, 'BUILT'), `${new Date().toISOString()}\n`);
