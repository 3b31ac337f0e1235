// The helper process of ProcessSpawner (process-spawner.ts). Plain JavaScript on purpose: it runs on bare
// Node without the TypeScript loader, so it stays small, and fork()ing a trial from a small process costs
// a third of what it costs from the runner (fork copies the parent's page tables).
import { spawn } from 'node:child_process';

/** Process groups of the trials this helper started, by request id. */
const groups = new Map();

/** The runner is gone (exited, or killed with SIGKILL): its trials must not outlive it. */
function shutdown() {
  for (const pid of groups.values()) killGroup(pid);
  process.exit(0);
}

function send(message) {
  // A send racing the runner's exit fails (EPIPE) through the callback: the runner is gone.
  if (process.connected) process.send(message, undefined, undefined, (e) => e && shutdown());
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}

process.on('message', (m) => {
  if (m.op !== 'spawn') return;
  let child;
  try {
    child = spawn(m.argv[0], m.argv.slice(1), { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    send({ ev: 'error', id: m.id, code: e.code, message: e.message });
    return;
  }
  let spawnError;
  child.on('error', (e) => {
    spawnError = e;
  });
  if (child.pid !== undefined) {
    groups.set(m.id, child.pid);
    send({ ev: 'spawned', id: m.id, pid: child.pid });
  }
  for (const stream of ['stdout', 'stderr']) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => send({ ev: 'data', id: m.id, stream, chunk }));
  }
  // What the trial left behind goes with it, as a pod's processes do; this also closes pipes they hold.
  child.on('exit', () => child.pid !== undefined && killGroup(child.pid));
  child.on('close', (code, signal) => {
    groups.delete(m.id);
    if (spawnError) send({ ev: 'error', id: m.id, code: spawnError.code, message: spawnError.message });
    else send({ ev: 'exit', id: m.id, code, signal });
  });
});

process.on('disconnect', shutdown);
process.on('error', shutdown);
