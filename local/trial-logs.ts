import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogPage, TrialLogReader } from '#shared/ports/trial-logs.js';

/** Reads the files LocalProcessLauncher writes: `<logDir>/<namespace>/<trial>/job-0.log`. */
export class LocalTrialLogReader implements TrialLogReader {
  constructor(private readonly logDir: string) {}

  async read(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined> {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(join(this.logDir, namespace, trial, 'job-0.log'), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const { size } = await file.stat();
      const start = Math.min(offset, size);
      const buf = Buffer.alloc(Math.min(limit, size - start));
      const { bytesRead } = await file.read(buf, 0, buf.length, start);
      let page = buf.subarray(0, bytesRead);
      // A page ends at a line end, when it has one and is not the end of the file, so that neither a
      // line nor a UTF-8 character is cut between two pages.
      const lastNewline = page.lastIndexOf(0x0a);
      if (start + page.length < size && lastNewline >= 0) page = page.subarray(0, lastNewline + 1);
      return { text: page.toString('utf8'), offset: start, nextOffset: start + page.length, size };
    } finally {
      await file.close();
    }
  }
}
