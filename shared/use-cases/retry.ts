import { ConflictError } from '../errors.js';

/**
 * Re-runs a read-modify-write until its conditional write wins. Lanes race on the same experiment
 * item; losing means re-reading, never overwriting.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 100): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof ConflictError) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50, i * 2 * Math.random())));
    }
  }
}
