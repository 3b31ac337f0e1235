import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api.js';

/** Loads data and reloads it every `intervalMs` while `live` says so: the pages update without a reload. */
export function usePolled<T>(load: () => Promise<T>, key: string, intervalMs: number, live: (data: T) => boolean) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const liveRef = useRef(live);
  liveRef.current = live;
  const refresh = useCallback(async () => {
    try {
      const next = await load();
      setData(next);
      setError(undefined);
      return next;
    } catch (e) {
      setError(e as Error);
      return undefined;
    }
  }, [key]);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const next = await refresh();
      if (!stopped && (next === undefined || liveRef.current(next))) timer = setTimeout(tick, intervalMs);
    };
    setData(undefined);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key]);
  return { data, error, refresh };
}
