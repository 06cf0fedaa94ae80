/**
 * Records the timers that the element's own code (anything under /src/) starts and has not yet
 * cleared or run, so a test can check that a removed element leaves none behind.
 */
export function trackTimers() {
  const active = new Map<number, { kind: 'timeout' | 'interval'; stack: string }>();
  type AnyTimerFn = (...args: unknown[]) => number;
  const original = {
    setTimeout: window.setTimeout,
    setInterval: window.setInterval,
    clearTimeout: window.clearTimeout,
    clearInterval: window.clearInterval,
  };
  window.setTimeout = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = (original.setTimeout as unknown as AnyTimerFn).call(
      window,
      (...a: unknown[]) => {
        active.delete(id);
        if (typeof handler === 'function') handler(...a);
      },
      ms,
      ...args,
    );
    active.set(id, { kind: 'timeout', stack: new Error().stack ?? '' });
    return id;
  }) as typeof window.setTimeout;
  window.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = (original.setInterval as unknown as AnyTimerFn).call(window, handler, ms, ...args);
    active.set(id, { kind: 'interval', stack: new Error().stack ?? '' });
    return id;
  }) as typeof window.setInterval;
  window.clearTimeout = ((id?: number) => {
    if (id !== undefined) active.delete(id);
    original.clearTimeout.call(window, id);
  }) as typeof window.clearTimeout;
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) active.delete(id);
    original.clearInterval.call(window, id);
  }) as typeof window.clearInterval;
  return {
    /** Live timers started from the project's source files. */
    ours: () => [...active.values()].filter((t) => /\/src\//.test(t.stack)),
    restore: () => Object.assign(window, original),
  };
}
