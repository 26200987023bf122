import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PollQueue, checkLanding, failedRunBlock, isDeviceId, isUnfinished, newDeviceId, ownership, pollDelayMs, pollPolicy, runsInBackground, takenOver,
} from "../../src/core/background";
import type { AnswerBlock } from "../../src/core/block";

describe("which asks run in the background", () => {
  it("deep presets everywhere, every ask on mobile only when the setting says so, nothing when off", () => {
    for (const preset of ["medium", "high", "xhigh"]) expect(runsInBackground({ preset }, "deep", false)).toBe(true);
    expect(runsInBackground({ preset: "fast" }, "deep", true)).toBe(false);
    expect(runsInBackground({ preset: "low" }, "deep", false)).toBe(false);
    expect(runsInBackground({ model: "openai/gpt-6-luna" }, "deep", true)).toBe(false);
    expect(runsInBackground({ preset: "fast" }, "deep-and-mobile", true)).toBe(true);
    expect(runsInBackground({ model: "openai/gpt-6-luna" }, "deep-and-mobile", true)).toBe(true);
    expect(runsInBackground({ preset: "fast" }, "deep-and-mobile", false)).toBe(false);
    expect(runsInBackground({ preset: "high" }, "off", true)).toBe(false);
  });

  it("knows the statuses of a run still going (SDK StatusOutput: queued first, as captured live)", () => {
    expect(["queued", "in_progress"].every(isUnfinished)).toBe(true);
    expect(["completed", "failed", "cancelled", "incomplete", "requires_action"].some(isUnfinished)).toBe(false);
  });
});

describe("polling politely", () => {
  it("waits 3 s, then half as long again each time, up to the maximum", () => {
    const policy = pollPolicy(30);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => pollDelayMs(policy, n))).toEqual([3000, 4500, 6750, 10125, 15188, 22781, 30000, 30000]);
    // A maximum below the first wait is raised to it: never faster than every 3 s.
    expect(pollDelayMs(pollPolicy(1), 5)).toBe(3000);
  });

  it("hands a run out again only after its poll is over, and at most `limit` polls at once, earliest first", () => {
    const queue = new PollQueue<string>(() => pollPolicy(30));
    queue.add("a", 0);
    queue.add("b", 0, true);
    queue.add("c", 100, true);
    expect(queue.take(0, 2)).toEqual(["b"]);
    expect(queue.take(3000, 2)).toEqual(["c"]); // due at 100, before a (3000), which waits: two polls are under way
    expect(queue.take(3000, 2)).toEqual([]);
    queue.again("b", 3000);
    expect(queue.take(3000, 2)).toEqual(["a"]);
    expect(queue.nextDueAt()).toBe(3000 + 4500);
    queue.remove("a");
    queue.again("c", 3100);
    queue.wakeAll(5000);
    expect(queue.take(5000, 5).sort()).toEqual(["b", "c"]);
    expect(queue.waitOf("b")).toBe(4500);
  });

  // A simulated server: each run finishes at its own time; polls take `rtt` ms; the clock jumps from event to event.
  it("costs at most one GET per run per wait, and sees every finished run within one wait (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2000 }),
        (finishAt, maxSeconds, limit, rtt) => {
          const queue = new PollQueue<number>(() => pollPolicy(maxSeconds));
          finishAt.forEach((_, i) => queue.add(i, 0));
          const gets: number[][] = finishAt.map(() => []);
          const seen: number[] = finishAt.map(() => Number.NaN);
          const inFlight: { key: number; endsAt: number }[] = [];
          let now = 0;
          for (let step = 0; step < 100_000 && queue.size > 0; step++) {
            for (const key of queue.take(now, limit)) {
              gets[key]!.push(now);
              inFlight.push({ key, endsAt: now + rtt });
            }
            inFlight.sort((a, b) => a.endsAt - b.endsAt);
            const free = inFlight.length < limit;
            const next = Math.min(inFlight[0]?.endsAt ?? Infinity, free ? (queue.nextDueAt() ?? Infinity) : Infinity);
            now = Math.max(now, next);
            while (inFlight.length && inFlight[0]!.endsAt <= now) {
              const { key } = inFlight.shift()!;
              const sentAt = gets[key]!.at(-1)!;
              if (finishAt[key]! <= sentAt) {
                seen[key] = now;
                queue.remove(key);
              } else queue.again(key, now);
            }
          }
          const policy = pollPolicy(maxSeconds);
          finishAt.forEach((done, key) => {
            const times = gets[key]!;
            // Between two GETs of a run there is always at least the wait that was due then.
            for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(pollDelayMs(policy, k));
            // Once finished, the run is seen by the next poll: within one (longest) wait, plus the polls queued before it.
            const queuedAhead = Math.ceil(finishAt.length / limit) * rtt;
            expect(seen[key]! - done).toBeLessThanOrEqual(policy.maxMs + rtt + queuedAhead);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

const block = (over: Partial<AnswerBlock> = {}): AnswerBlock => ({
  blockId: "abc123", state: "pending", askedAt: "2026-11-24T14:02:00.000Z", question: "Deep?", request: { preset: "high", noteContext: true },
  answer: "", sources: [], responseId: "resp_1", device: "aaaaaaaaaaaa", estimate: 0.4, ...over,
});

describe("who polls a run, and whether its answer may still be written", () => {
  it("is the device the block names; a block without a run id or device is no background run", () => {
    expect(ownership(block(), "aaaaaaaaaaaa")).toBe("mine");
    expect(ownership(block(), "bbbbbbbbbbbb")).toBe("elsewhere");
    expect(ownership(block({ device: undefined }), "aaaaaaaaaaaa")).toBe("none");
    expect(ownership(block({ responseId: undefined }), "aaaaaaaaaaaa")).toBe("none");
    expect(ownership(block({ state: "answered" }), "aaaaaaaaaaaa")).toBe("none");
  });

  it("writes only into a block still pending with this run, polled by this device", () => {
    expect(checkLanding(block(), "resp_1", "aaaaaaaaaaaa")).toEqual({ ok: true });
    expect(checkLanding(undefined, "resp_1", "aaaaaaaaaaaa")).toEqual({ ok: false, why: "gone" });
    expect(checkLanding(block({ responseId: "resp_2" }), "resp_1", "aaaaaaaaaaaa")).toEqual({ ok: false, why: "replaced" });
    // Landed on another device (synced back): never rewritten.
    expect(checkLanding(block({ state: "answered" }), "resp_1", "aaaaaaaaaaaa")).toEqual({ ok: false, why: "settled" });
    expect(checkLanding(block({ device: "bbbbbbbbbbbb" }), "resp_1", "aaaaaaaaaaaa")).toEqual({ ok: false, why: "elsewhere" });
  });

  it("a run that ended without an answer fails its block, keeping the run id and the question", () => {
    const failed = failedRunBlock(block(), "Perplexity no longer knows this run.");
    expect(failed).toMatchObject({ state: "failed", failure: "Perplexity no longer knows this run.", responseId: "resp_1", question: "Deep?" });
    expect(failed).not.toHaveProperty("device");
    expect(failed).not.toHaveProperty("estimate");
    expect(takenOver(block(), "bbbbbbbbbbbb").device).toBe("bbbbbbbbbbbb");
  });

  it("device ids are 12 random base-36 characters and nothing else", () => {
    const ids = new Set(Array.from({ length: 50 }, () => newDeviceId(Math.random)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isDeviceId(id)).toBe(true);
    expect(newDeviceId(() => 0.999999)).toBe("zzzzzzzzzzzz");
    for (const bad of ["", "ABCDEFGHIJKL", "abc", 42, null, "aaaaaaaaaaaa\n"]) expect(isDeviceId(bad)).toBe(false);
  });
});
