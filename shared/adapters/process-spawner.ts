import { type ChildProcess, fork } from 'node:child_process';

/** Callbacks for one spawned process. */
export interface SpawnEvents {
  onData(stream: 'stdout' | 'stderr', chunk: string): void;
  /** After its output is drained; `code` null when a signal ended it. */
  onExit(code: number | null, signal: string | null): void;
  /** It could not be started (`ENOENT` for a command not found). */
  onError(code: string | undefined, message: string): void;
}

type HelperEvent =
  | { ev: 'spawned'; id: number; pid: number }
  | { ev: 'data'; id: number; stream: 'stdout' | 'stderr'; chunk: string }
  | { ev: 'exit'; id: number; code: number | null; signal: string | null }
  | { ev: 'error'; id: number; code?: string; message: string };

/**
 * Starts processes through a small helper process, each in a process group of its own with piped
 * output. Why a helper: fork() from the runner, which holds dynalite and the SDK (~240 MB), cost as
 * much CPU per trial as the rest of the orchestration; from the helper (~45 MB) it costs a third. And
 * when the runner dies, even by SIGKILL, the helper sees its channel close and kills the trials.
 */
export class ProcessSpawner {
  private helper: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { events: SpawnEvents; started: (pid: number | undefined) => void }>();

  /** Starts `argv` and resolves with its pid (undefined when it could not start: see `onError`). */
  spawn(argv: string[], options: { cwd: string; env: Record<string, string> }, events: SpawnEvents): Promise<number | undefined> {
    const helper = this.ensureHelper();
    const id = this.nextId++;
    return new Promise((started) => {
      this.pending.set(id, { events, started });
      this.holdOpen();
      helper.send({ op: 'spawn', id, argv, cwd: options.cwd, env: options.env });
    });
  }

  /** Stops the helper (its trials, if any are left, with it). */
  close(): void {
    this.helper?.disconnect();
    this.helper = undefined;
  }

  private ensureHelper(): ChildProcess {
    if (this.helper?.connected) return this.helper;
    const helper = fork(new URL('./process-spawner-child.mjs', import.meta.url), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    helper.on('message', (m: HelperEvent) => this.dispatch(m));
    // A send racing the helper's exit fails with EPIPE; the exit handler below reports what was pending.
    helper.on('error', () => {});
    helper.on('exit', () => {
      if (this.helper === helper) this.helper = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.started(undefined);
        p.events.onError(undefined, 'the process spawner stopped');
      }
    });
    this.helper = helper;
    this.holdOpen();
    return helper;
  }

  /** Keeps the runner alive while a process runs; idle, the helper must not keep it alive. */
  private holdOpen(): void {
    const helper = this.helper;
    if (!helper) return;
    const channel = helper.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size > 0) {
      helper.ref();
      channel?.ref?.();
    } else {
      helper.unref();
      channel?.unref?.();
    }
  }

  private dispatch(m: HelperEvent): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.ev === 'spawned') p.started(m.pid);
    else if (m.ev === 'data') p.events.onData(m.stream, m.chunk);
    else {
      this.pending.delete(m.id);
      this.holdOpen();
      if (m.ev === 'exit') p.events.onExit(m.code, m.signal);
      else {
        p.started(undefined);
        p.events.onError(m.code, m.message);
      }
    }
  }
}
