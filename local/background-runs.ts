/**
 * Work this process runs in the background by `namespace/name` (experiment loops, training jobs): what
 * a runner's `isRunning`, `stopAll` and `settled` answer from. An entry leaves when its `done` settles.
 */
export abstract class BackgroundRuns<E extends { done: Promise<void> }> {
  private readonly runs = new Map<string, { namespace: string; name: string; entry: E }>();

  abstract stop(namespace: string, name: string): Promise<void>;

  protected track(namespace: string, name: string, entry: E): void {
    const k = `${namespace}/${name}`;
    this.runs.set(k, { namespace, name, entry });
    void entry.done.finally(() => {
      if (this.runs.get(k)?.entry === entry) this.runs.delete(k);
    });
  }

  protected entry(namespace: string, name: string): E | undefined {
    return this.runs.get(`${namespace}/${name}`)?.entry;
  }

  isRunning(namespace: string, name: string): boolean {
    return this.runs.has(`${namespace}/${name}`);
  }

  /** Stops everything running (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => this.stop(r.namespace, r.name)));
  }

  /** Waits until the work has ended (tests, shutdown). */
  async settled(namespace: string, name: string): Promise<void> {
    await this.entry(namespace, name)?.done;
  }
}
