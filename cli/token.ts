import type { Command } from 'commander';
import { addNamespaceToken } from '#local/tokens.js';
import { isNamespace } from '#shared/spec/validate.js';
import { UsageError } from './output.js';

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
      if (!isNamespace(opts.namespace))
        throw new UsageError(`--namespace: must be a DNS label: lowercase letters, digits and '-' (got ${JSON.stringify(opts.namespace)})`);
      const { token, file } = addNamespaceToken(home(), opts.namespace);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token for namespace ${opts.namespace} saved (as its SHA-256) in ${file}; restart tunestep server to use it\n`);
    });
}
