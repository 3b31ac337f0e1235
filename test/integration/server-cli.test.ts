import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { startLocalServer } from '#local/server.js';
import { ROOT, tempHome } from '../helpers.js';
import { tunestep } from './cli.js';

describe('tunestep server', () => {
  it('prints the UI URL with a token it keeps under the home, serves the API and the UI, and stops on Ctrl-C', async () => {
    const home = tempHome('tunestep-server-');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), 'server', '--port', '0'], {
      env: { ...process.env, TUNESTEP_HOME: home, TUNESTEP_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /web UI:\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`server exited: ${stdout}${stderr}`)));
    });
    const { origin, searchParams } = new URL(url);
    const token = searchParams.get('token')!;
    // The token is kept under the home (readable by its owner only) and printed, never another one.
    const kept = join(home, 'server-token');
    expect(readFileSync(kept, 'utf8').trim()).toBe(token);
    expect(statSync(kept).mode & 0o077).toBe(0);

    const api = await fetch(`${origin}/v1/experiments`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
    expect((await fetch(`${origin}/v1/experiments`)).status).toBe(401);
    const page = await fetch(`${origin}/`);
    if (existsSync(join(ROOT, 'dist', 'ui', 'index.html'))) {
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
    } else expect(page.status).toBe(503);

    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/error/i);
  });

  it('refuses a bad port with exit 2 and a clear message', async () => {
    const r = await tunestep(['server', '--port', 'eighty'], tempHome());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port: must be an integer from 0 to 65535 (got "eighty")');
  });

  it('makes namespace tokens the server accepts for their namespace only', async () => {
    const home = tempHome('tunestep-token-');
    const made = await tunestep(['token', 'create', '--namespace', 'team-a'], home);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(token.length).toBeGreaterThan(30);
    // Only the hash is on disk.
    expect(readFileSync(join(home, 'tokens.json'), 'utf8')).not.toContain(token);
    expect((await tunestep(['token', 'create', '--namespace', 'Team_A'], home)).code).toBe(2);
    const server = await startLocalServer({ home, port: 0, env: { ...process.env, TUNESTEP_TOKEN: '' }, workdir: ROOT, log: () => {} });
    try {
      const get = (ns: string) => fetch(`${server.url}/v1/namespaces/${ns}/experiments`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('team-a')).status).toBe(200);
      expect((await get('team-b')).status).toBe(403);
    } finally {
      await server.close();
    }
  });
});
