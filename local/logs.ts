import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { type LogPage, type LogReader, pageOfLines } from '#shared/ports/trial-logs.js';

/**
 * Reads the files local mode writes: trials' `<logDir>/<namespace>/<trial>/job-0.log`
 * (LocalProcessLauncher) and jobs' `<jobsDir>/<namespace>/<job>/<replica>.log` (runJobLocally).
 */
export class LocalLogReader implements LogReader {
  constructor(
    private readonly logDir: string,
    private readonly jobsDir: string,
  ) {}

  readTrial(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined> {
    return readPage(join(this.logDir, namespace, trial, 'job-0.log'), offset, limit);
  }

  readJob(namespace: string, job: string, replica: string, offset: number, limit: number): Promise<LogPage | undefined> {
    return readPage(join(this.jobsDir, namespace, job, `${replica}.log`), offset, limit);
  }
}

async function readPage(path: string, offset: number, limit: number): Promise<LogPage | undefined> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { size } = await file.stat();
    const start = Math.min(offset, size);
    const buf = Buffer.alloc(Math.min(limit, size - start));
    const { bytesRead } = await file.read(buf, 0, buf.length, start);
    return pageOfLines(buf.subarray(0, bytesRead), start, size);
  } finally {
    await file.close();
  }
}
