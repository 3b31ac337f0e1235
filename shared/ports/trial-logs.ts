/** One page of a trial's or replica's output. */
export interface LogPage {
  text: string;
  /** Byte offset this page starts at, and where the next one does. */
  offset: number;
  nextOffset: number;
  /** Bytes written so far; `nextOffset === size` means the page reached the end of what is there. */
  size: number;
}

/** Reads trial and job output (local files; CloudWatch Logs on AWS), page by page. */
export interface LogReader {
  /** Up to `limit` bytes of a trial's output from byte `offset`; undefined when the trial wrote nothing. */
  readTrial(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined>;
  /** The same for one replica (`master-0`, `worker-1`, ...) of a training job. */
  readJob(namespace: string, job: string, replica: string, offset: number, limit: number): Promise<LogPage | undefined>;
}

/**
 * The page of `bytes`, read from byte `start` of an output `size` bytes long: cut after its last line
 * end unless it reaches the end, so that neither a line nor a UTF-8 character is split between pages.
 */
export function pageOfLines(bytes: Buffer, start: number, size: number): LogPage {
  const lastNewline = bytes.lastIndexOf(0x0a);
  const page = start + bytes.length < size && lastNewline >= 0 ? bytes.subarray(0, lastNewline + 1) : bytes;
  return { text: page.toString('utf8'), offset: start, nextOffset: start + page.length, size };
}
