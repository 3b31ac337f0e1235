import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { newToken, tokenHash } from '#functions/api/auth.js';
import { UsageError } from './output.js';

const NAMESPACE_RULE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `tunestep token create --namespace NS`: a new API token scoped to one namespace. Only its SHA-256 is
 * kept (`TUNESTEP_HOME/tokens.json`, mode 600); the token itself is printed once. `tunestep server`
 * reads the file when it starts.
 */
export function registerTokenCommand(program: Command, home: () => string): void {
  program
    .command('token')
    .description('create an API token scoped to one namespace (printed once; tunestep server reads it at start)')
    .argument('<action>', 'create')
    .requiredOption('-n, --namespace <ns>', 'the namespace the token may see and change')
    .action((action: string, opts: { namespace: string }) => {
      if (action !== 'create') throw new UsageError(`token takes "create" (got ${JSON.stringify(action)})`);
      if (!NAMESPACE_RULE.test(opts.namespace) || opts.namespace.length > 63)
        throw new UsageError(`--namespace: must be a DNS label: lowercase letters, digits and '-' (got ${JSON.stringify(opts.namespace)})`);
      const file = join(home(), 'tokens.json');
      const tokens = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { namespace: string; sha256: string }[]) : [];
      const token = newToken();
      tokens.push({ namespace: opts.namespace, sha256: tokenHash(token) });
      mkdirSync(home(), { recursive: true });
      writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token for namespace ${opts.namespace} saved (as its SHA-256) in ${file}; restart tunestep server to use it\n`);
    });
}
