// Pacing a batch of requests under Perplexity's rate limits (tier 0: 50 a minute, 1 a second).
//
// Starts are evenly spaced `ceil(60000 / perMinute)` ms apart (or `ceil(1000 / perSecond)`, whichever is
// longer), measured from the previous actual start: any two starts are at least that far apart, so no 60 s
// window ever holds more than `perMinute` starts, and a batch of n takes (n - 1) spacings plus the last task.
// At most `concurrency` tasks run at once. A 429 (`slowDown`) pauses every task not yet started until the
// server's Retry-After (or a doubling backoff) has passed and makes the spacing 25% longer for the rest of the
// batch. The clock is injected: the glue passes one built on `window.setTimeout`, tests a simulated one.

export interface LimiterClock {
  /** Milliseconds, monotonic enough for spacing requests (e.g. `Date.now`). */
  now(): number;
  /** Resolves after `ms`; may reject or resolve early when `signal` aborts (both are handled). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  perMinute: number;
  /** A second cap, for tiers whose per-second limit is tighter than per-minute / 60. */
  perSecond?: number;
  concurrency: number;
  clock: LimiterClock;
  /**
   * Tells a rate-limit failure from others: the wait it asked for in ms, null for "rate limited, no wait given",
   * undefined for any other error. A rate-limited task calls `slowDown` and is queued again at the front
   * instead of failing (at most `maxRateLimitRetries` times), so a 429 never reaches the caller.
   */
  rateLimited?: (error: unknown) => number | null | undefined;
  /** Default 5. */
  maxRateLimitRetries?: number;
}

export interface RateLimiterStats {
  queued: number;
  active: number;
  started: number;
  completed: number;
  failed: number;
  /** Tasks rejected as aborted before they started. */
  aborted: number;
  /** Rate-limit failures absorbed by a retry. */
  rateLimited: number;
  slowDowns: number;
  maxActive: number;
  /** The current spacing between starts. */
  intervalMs: number;
  /** No task starts before this time (after a slowDown). */
  pausedUntil: number;
}

export interface RateLimiter {
  /** Runs `task` when the pace and the concurrency allow; a `signal` that aborts before then rejects with an AbortError. */
  run<T>(task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** After a 429: pause the tasks not yet started for `retryAfterMs` (or a backoff) and lower the pace. */
  slowDown(retryAfterMs?: number): void;
  readonly stats: RateLimiterStats;
}

/** First pause when a 429 gives no Retry-After; doubles on each one until a task succeeds. */
export const BASE_BACKOFF_MS = 5_000;
export const MAX_BACKOFF_MS = 60_000;
/** Each slowDown makes the spacing this much longer (never beyond one start a minute). */
export const SLOWDOWN_FACTOR = 1.25;

interface Entry {
  task: (signal: AbortSignal) => Promise<unknown>;
  signal: AbortSignal | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onAbort: () => void;
  retries: number;
}

function abortError(): Error {
  return new DOMException("The request was cancelled before it started.", "AbortError");
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { clock } = options;
  if (!(options.perMinute > 0) || !Number.isFinite(options.perMinute)) throw new RangeError("perMinute must be a positive number");
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError("concurrency must be a positive integer");
  if (options.perSecond !== undefined && !(options.perSecond > 0)) throw new RangeError("perSecond must be a positive number");
  const maxRetries = options.maxRateLimitRetries ?? 5;

  let intervalMs = Math.max(Math.ceil(60_000 / options.perMinute), options.perSecond ? Math.ceil(1000 / options.perSecond) : 0);
  let nextStartAt = -Infinity;
  let pausedUntil = -Infinity;
  let backoffMs = BASE_BACKOFF_MS;
  const queue: Entry[] = [];
  let active = 0;
  let looping = false;
  let wake: (() => void) | null = null;
  const counts = { started: 0, completed: 0, failed: 0, aborted: 0, rateLimited: 0, slowDowns: 0, maxActive: 0 };

  /** Lets the scheduler look again (a slot freed up, the queue changed). */
  function notify(): void {
    const w = wake;
    wake = null;
    w?.();
  }

  /** Until `notify` or, when `ms` is given, until that much time has passed. */
  function wait(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = new AbortController();
      const finish = (): void => {
        if (wake === finish) wake = null;
        timer.abort(); // lets the clock drop a sleep nobody waits for
        resolve();
      };
      wake = finish;
      if (ms !== null) clock.sleep(ms, timer.signal).then(finish, finish);
    });
  }

  function slowDown(retryAfterMs?: number): void {
    const now = clock.now();
    const alreadyPaused = now < pausedUntil;
    let pause = backoffMs;
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) pause = retryAfterMs;
    else backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    pausedUntil = Math.max(pausedUntil, now + pause);
    // Several requests in flight may all come back 429: one pace change per pause.
    if (!alreadyPaused) intervalMs = Math.min(60_000, Math.ceil(intervalMs * SLOWDOWN_FACTOR));
    counts.slowDowns++;
    notify();
  }

  function enqueue(entry: Entry, front: boolean): void {
    entry.signal?.addEventListener("abort", entry.onAbort, { once: true });
    if (front) queue.unshift(entry);
    else queue.push(entry);
    void loop();
  }

  function start(entry: Entry, now: number): void {
    nextStartAt = now + intervalMs;
    active++;
    counts.started++;
    counts.maxActive = Math.max(counts.maxActive, active);
    entry.signal?.removeEventListener("abort", entry.onAbort);
    // A task without a signal gets one of its own: listeners added to a shared one would pile up.
    // The async wrapper turns a task that throws synchronously into a rejection like any other.
    const result = (async () => entry.task(entry.signal ?? new AbortController().signal))();
    result.then(
      (value) => {
        active--;
        counts.completed++;
        backoffMs = BASE_BACKOFF_MS;
        entry.resolve(value);
        notify();
      },
      (error: unknown) => {
        active--;
        const retryAfter = entry.signal?.aborted ? undefined : options.rateLimited?.(error);
        if (retryAfter !== undefined && entry.retries < maxRetries) {
          counts.rateLimited++;
          entry.retries++;
          slowDown(retryAfter ?? undefined);
          enqueue(entry, true);
        } else {
          counts.failed++;
          entry.reject(error);
        }
        notify();
      },
    );
  }

  async function loop(): Promise<void> {
    if (looping) return;
    looping = true;
    try {
      while (queue.length > 0) {
        if (active >= options.concurrency) {
          await wait(null);
          continue;
        }
        const now = clock.now();
        const at = Math.max(nextStartAt, pausedUntil);
        if (now < at) {
          await wait(at - now);
          continue;
        }
        start(queue.shift()!, now);
      }
    } finally {
      looping = false;
    }
  }

  return {
    run<T>(task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) {
        counts.aborted++;
        return Promise.reject(abortError());
      }
      return new Promise<T>((resolve, reject) => {
        const entry: Entry = {
          task,
          signal,
          resolve: resolve as (value: unknown) => void,
          reject,
          retries: 0,
          onAbort: () => {
            const at = queue.indexOf(entry);
            if (at === -1) return;
            queue.splice(at, 1);
            counts.aborted++;
            reject(abortError());
            notify();
          },
        };
        enqueue(entry, false);
      });
    },
    slowDown,
    get stats(): RateLimiterStats {
      return { ...counts, queued: queue.length, active, intervalMs, pausedUntil };
    },
  };
}
