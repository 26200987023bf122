import { describe, expect, it } from "vitest";
import { rateLimitResetSecondsFrom } from "../../src/perplexity/errors";
import { BASE_BACKOFF_MS, createRateLimiter, type RateLimiterOptions } from "../../src/core/rate-limiter";
import { startEmulator } from "../emulator/server";
import { SimulatedClock } from "./simulated-clock";

function limiter(clock: SimulatedClock, options: Partial<RateLimiterOptions> = {}) {
  return createRateLimiter({ perMinute: 50, concurrency: 2, clock, ...options });
}

/** The largest number of `starts` (sorted) inside any half-open window [t, t + windowMs). */
function maxInWindow(starts: number[], windowMs = 60_000): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while (starts[hi]! - starts[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

class RateLimited extends Error {
  constructor(readonly retryAfterMs: number | null) {
    super("429");
  }
}
const rateLimited = (e: unknown): number | null | undefined => (e instanceof RateLimited ? e.retryAfterMs : undefined);

describe("createRateLimiter pacing", () => {
  it("runs 200 tasks at 50/min in 199 × 1.2 s (within 10%), never more than 50 starts in any 60 s window", async () => {
    const clock = new SimulatedClock(1_000_000);
    const rl = limiter(clock);
    const starts: number[] = [];
    const t0 = clock.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => rl.run(async () => {
        starts.push(clock.now());
        await clock.sleep(400); // a request takes a while; concurrency 2 is not the bottleneck
        return i;
      })),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const elapsed = clock.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(199 * 1200);
    expect(elapsed).toBeLessThanOrEqual(199 * 1200 * 1.1);
    expect(maxInWindow(starts)).toBe(50);
    expect(starts.slice(1).every((s, i) => s - starts[i]! >= 1200)).toBe(true);
    expect(rl.stats).toMatchObject({ started: 200, completed: 200, failed: 0, queued: 0, active: 0 });
    expect(clock.pending).toBe(0);
  });

  it("never runs more than `concurrency` tasks at once (long tasks make it the bottleneck)", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock, { perMinute: 600, concurrency: 3 });
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () => rl.run(async () => {
        peak = Math.max(peak, ++active);
        await clock.sleep(5_000);
        active--;
      })),
    );
    expect(peak).toBe(3);
    expect(rl.stats.maxActive).toBe(3);
    // 30 tasks of 5 s, 3 at a time: 10 rounds.
    expect(clock.now()).toBeGreaterThanOrEqual(50_000);
    expect(clock.now()).toBeLessThan(52_000);
  });

  it("honours a per-second cap tighter than per-minute / 60", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock, { perMinute: 500, perSecond: 8 });
    expect(rl.stats.intervalMs).toBe(125);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 20 }, () => rl.run(async () => void starts.push(clock.now()))));
    expect(maxInWindow(starts, 1000)).toBe(8);
  });

  it("rejects bad settings", () => {
    const clock = new SimulatedClock();
    expect(() => limiter(clock, { perMinute: 0 })).toThrow(RangeError);
    expect(() => limiter(clock, { concurrency: 0 })).toThrow(RangeError);
    expect(() => limiter(clock, { concurrency: 1.5 })).toThrow(RangeError);
  });

  it("passes failures through and goes on with the batch", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock);
    const boom = rl.run(() => {
      throw new Error("sync boom");
    });
    const ok = rl.run(() => Promise.resolve("ok"));
    await expect(boom).rejects.toThrow("sync boom");
    await expect(ok).resolves.toBe("ok");
    expect(rl.stats).toMatchObject({ failed: 1, completed: 1 });
  });
});

describe("slowDown", () => {
  it("pauses every task not yet started until Retry-After has passed, then keeps a slower pace", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => rl.run(async () => {
        starts.push(clock.now());
        if (i === 4) rl.slowDown(30_000); // as if task 4 got a 429 with Retry-After: 30
      })),
    );
    expect(starts.slice(0, 5)).toEqual([0, 1200, 2400, 3600, 4800]);
    expect(starts[5]).toBe(4800 + 30_000);
    expect(starts[6]! - starts[5]!).toBe(1500); // 1.2 s × 1.25
    expect(rl.stats).toMatchObject({ intervalMs: 1500, slowDowns: 1 });
  });

  it("without Retry-After backs off 5 s, then doubles; concurrent 429s lower the pace once", () => {
    const clock = new SimulatedClock(100);
    const rl = limiter(clock);
    rl.slowDown();
    expect(rl.stats.pausedUntil).toBe(100 + BASE_BACKOFF_MS);
    rl.slowDown();
    expect(rl.stats.pausedUntil).toBe(100 + 2 * BASE_BACKOFF_MS);
    expect(rl.stats.intervalMs).toBe(1500);
  });

  it("retries a rate-limited task instead of failing it (the 429 never reaches the caller)", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock, { rateLimited });
    const attempts: number[] = [];
    const value = await rl.run(async () => {
      attempts.push(clock.now());
      if (attempts.length < 3) throw new RateLimited(attempts.length === 1 ? 10_000 : null);
      return "answer";
    });
    expect(value).toBe("answer");
    // First 429 asked for 10 s; the second gave no wait: the 5 s backoff.
    expect(attempts).toEqual([0, 10_000, 10_000 + BASE_BACKOFF_MS]);
    expect(rl.stats).toMatchObject({ rateLimited: 2, failed: 0, completed: 1 });
  });

  it("gives up after maxRateLimitRetries and rejects with the last error", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock, { rateLimited, maxRateLimitRetries: 2 });
    let calls = 0;
    await expect(rl.run(() => {
      calls++;
      return Promise.reject(new RateLimited(1000));
    })).rejects.toBeInstanceOf(RateLimited);
    expect(calls).toBe(3);
  });
});

describe("abort", () => {
  it("rejects queued tasks with an AbortError and starts nothing new; started ones finish", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock);
    const controller = new AbortController();
    const started: number[] = [];
    const runs = Array.from({ length: 10 }, (_, i) =>
      rl.run(async () => {
        started.push(i);
        if (i === 3) controller.abort();
        await clock.sleep(100);
        return i;
      }, controller.signal),
    );
    const settled = await Promise.allSettled(runs);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(settled.slice(0, 4).map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    for (const s of settled.slice(4)) {
      expect(s.status).toBe("rejected");
      expect((s as PromiseRejectedResult).reason).toMatchObject({ name: "AbortError" });
    }
    expect(rl.stats).toMatchObject({ aborted: 6, queued: 0, started: 4 });
    expect(clock.pending).toBe(0); // the scheduler's own wait was dropped too
  });

  it("rejects at once when the signal is already aborted, without calling the task", async () => {
    const rl = limiter(new SimulatedClock());
    let called = false;
    await expect(rl.run(() => Promise.resolve((called = true)), AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
    expect(called).toBe(false);
  });

  it("does not retry a task whose signal aborted, even on a rate limit", async () => {
    const clock = new SimulatedClock();
    const rl = limiter(clock, { rateLimited });
    const controller = new AbortController();
    let calls = 0;
    await expect(rl.run(() => {
      calls++;
      controller.abort();
      return Promise.reject(new RateLimited(1000));
    }, controller.signal)).rejects.toBeInstanceOf(RateLimited);
    expect(calls).toBe(1);
  });
});

describe("against the emulator's rate limit (real HTTP, shared simulated clock)", () => {
  async function batch(limiterPerMinute: number, n: number) {
    const clock = new SimulatedClock(Date.parse("2026-11-24T12:00:00Z"));
    const emu = await startEmulator({ clock, scenario: { rateLimit: { perMinute: 50 } } });
    try {
      const rl = limiter(clock, { perMinute: limiterPerMinute, rateLimited });
      let seen429 = 0;
      const ask = async (signal: AbortSignal): Promise<number> => {
        const res = await clock.track(
          fetch(`${emu.baseUrl}/responses`, { method: "POST", signal, headers: { authorization: "Bearer k", "content-type": "application/json" }, body: JSON.stringify({ preset: "fast", input: "Q" }) }),
        );
        await res.arrayBuffer();
        if (res.status === 429) {
          seen429++;
          // The Agent API's 429 has no Retry-After: the wait comes from X-RateLimit-Reset-Requests, as the client reads it.
          throw new RateLimited((rateLimitResetSecondsFrom(res.headers) ?? 0) * 1000);
        }
        return res.status;
      };
      const t0 = clock.now();
      const statuses = await Promise.all(Array.from({ length: n }, () => rl.run(ask)));
      return { statuses, seen429, elapsed: clock.now() - t0, requests: emu.requests.length, stats: rl.stats };
    } finally {
      await emu.close();
    }
  }

  it("paced at the server's limit, no request is refused", async () => {
    const r = await batch(50, 60);
    expect(r.statuses.every((s) => s === 200)).toBe(true);
    expect([r.seen429, r.requests]).toEqual([0, 60]);
    expect(r.elapsed).toBe(59 * 1200);
  });

  it("paced too fast, the 429s slow the batch down and every task still succeeds", async () => {
    const r = await batch(60, 70);
    expect(r.statuses.every((s) => s === 200)).toBe(true);
    expect(r.seen429).toBeGreaterThan(0);
    expect(r.stats.rateLimited).toBe(r.seen429);
    expect(r.stats.intervalMs).toBeGreaterThan(1000);
    expect(r.requests).toBe(70 + r.seen429);
  });
});
