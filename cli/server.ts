import type { Command } from 'commander';
import { startLocalServer } from '#local/server.js';
import { UsageError } from './output.js';

const DEFAULT_PORT = 8470;

/**
 * `tunestep server`: the local HTTP API and web UI on 127.0.0.1 until Ctrl-C, which stops the running
 * experiments' trials and leaves the experiments resumable.
 */
export function registerServerCommand(program: Command, home: () => string): void {
  program
    .command('server')
    .description('serve the HTTP API and the web UI on 127.0.0.1 (the URL printed carries the access token)')
    .option('-p, --port <port>', `port (default ${DEFAULT_PORT}; 0 picks a free one)`)
    .action(async (opts: { port?: string }) => {
      const port = opts.port === undefined ? DEFAULT_PORT : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port: must be an integer from 0 to 65535 (got ${JSON.stringify(opts.port)})`);
      let server: Awaited<ReturnType<typeof startLocalServer>>;
      try {
        server = await startLocalServer({ home: home(), port, env: process.env, workdir: process.cwd() });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new UsageError(`--port: port ${port} is in use; choose another with --port, or --port 0 for a free one`);
        throw e;
      }
      process.stdout.write(
        `Tunestep server for ${home()}\n  web UI:  ${server.uiUrl}\n  API:     ${server.url}/v1 (Authorization: Bearer <token>; OpenAPI at /v1/openapi.json)\n${server.resumed.length > 0 ? `Continuing ${server.resumed.join(', ')}\n` : ''}Ctrl-C stops it (running experiments stay resumable).\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('stopping: running trials are stopped, their experiments stay resumable\n');
      await server.close();
    });
}
