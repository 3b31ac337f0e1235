import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where local mode keeps its state: `--home`, else `TUNESTEP_HOME`, else `~/.tunestep`. */
export function resolveHome(flag: string | undefined, env: Record<string, string | undefined>): string {
  return resolve(flag ?? env.TUNESTEP_HOME ?? join(homedir(), '.tunestep'));
}

/** The folders under the home. */
export function homePaths(home: string) {
  return {
    db: join(home, 'db'),
    endpointFile: join(home, 'db.endpoint.json'),
    logs: join(home, 'logs'),
    trials: join(home, 'trials'),
    /** Training jobs' replica logs and files (`tunestep train` and the API's jobs). */
    jobs: join(home, 'jobs'),
  };
}
