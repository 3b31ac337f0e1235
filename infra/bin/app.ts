// `npx cdk synth` / `npx cdk deploy` run this (cdk.json); `npm run synth` synthesizes offline.

import { buildApp } from '../app.js';
import { ConfigError } from '../config.js';

try {
  buildApp().app.synth();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(2);
}
