// Waiting without AbortSignal.timeout (Safari 16+) or AbortSignal.any (Safari 17.4+): Obsidian's docs say
// some iOS users are below 16.4. Only timers and plain AbortSignal listeners are used here.

/** The two timer functions the client needs; window's in the app, any runtime's in tests and scripts. */
export interface Timers {
  setTimeout(handler: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The window's timers wherever there is a window (the app, as Obsidian's review asks for popout safety);
 * the runtime's own elsewhere (Node in tests, benchmarks and scripts).
 */
export function runtimeTimers(): Timers {
  return typeof window !== "undefined" ? window : { setTimeout, clearTimeout };
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal, timers: Timers = runtimeTimers()): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      timers.clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const handle = timers.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
