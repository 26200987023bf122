import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BACKGROUND_START_STATUS, PollQueue, checkLanding, failedRunBlock, isDeviceId, isUnfinished, newDeviceId, ownership, pollDelayMs, pollPolicy, runsInBackground,
  takenOver, typedInPending,
} from "../../src/core/background";
import { PENDING_LINE, backgroundStatus, findBlock, formatBlock } from "../../src/core/block";
import type { AnswerBlock, FormatOptions } from "../../src/core/block";

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

  it("what reads as a pending block's answer was typed by the user: neither a failed nor a taken-over block keeps it inside (it is kept after the block)", () => {
    const typed = block({ answer: "my own note typed while waiting" });
    expect(failedRunBlock(typed, "Failed.").answer).toBe("");
    expect(takenOver(typed, "bbbbbbbbbbbb").answer).toBe("");
  });

  it("device ids are 12 random base-36 characters and nothing else", () => {
    const ids = new Set(Array.from({ length: 50 }, () => newDeviceId(Math.random)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isDeviceId(id)).toBe(true);
    expect(newDeviceId(() => 0.999999)).toBe("zzzzzzzzzzzz");
    for (const bad of ["", "ABCDEFGHIJKL", "abc", 42, null, "aaaaaaaaaaaa\n"]) expect(isDeviceId(bad)).toBe(false);
  });
});

describe("lines the user typed inside a background run's placeholder", () => {
  const options: FormatOptions = { fold: "", citationDateFormat: "yyyy-MM-dd", linkFor: (s) => `[[${s.id}]]` };
  /** The placeholder as found in the note, with `typed` put in before line `at` (quoted, as typing inside a callout does). */
  const placeholder = (b: AnswerBlock, status: string | undefined, typed: string[], at: (lines: string[]) => number, o = options): string => {
    const lines = formatBlock(b, o, status).split("\n");
    lines.splice(at(lines), 0, ...typed);
    return lines.join("\n");
  };
  const typedIn = (noteBlock: string, o = options): string[] => {
    const note = `Intro\n\n${noteBlock}\n`;
    const found = findBlock(note, "abc123")!;
    return typedInPending(note.slice(found.from, found.to), found.block, o);
  };
  const afterStatus = (lines: string[]) => lines.findIndex((l) => l.startsWith("> *")) + 2;

  it("keeps what was typed after the progress line and knows the progress line as the plugin's (the reviewer's input)", () => {
    // /work/tmp-rev/t8.ts: the parser reads the typed line as the pending block's answer; it must not count as ours,
    // and the progress line (never written again from the block) must not count as typed.
    const b = block({ askedAt: "2026-01-02T10:00:00Z", question: "What?", request: { preset: "pro-search", noteContext: false }, responseId: "run_1", device: "dev1", estimate: 0.1 });
    const found = placeholder(b, backgroundStatus(b, "12 sources found so far"), ["> my own note typed while waiting", ">"], afterStatus);
    expect(typedIn(found)).toEqual(["my own note typed while waiting"]);
  });

  it("keeps lines typed anywhere inside, and every form of the waiting line is the plugin's", () => {
    const b = block();
    const typed = ["> first thought", "> *in italics, my own*", ">", "> second paragraph"];
    const statuses = [
      undefined,
      backgroundStatus(b),
      backgroundStatus(b, "1 source found so far"),
      // Written by another device, whose clock says another hour.
      backgroundStatus(b).replace(/started \d\d:\d\d/, "started 03:17"),
      BACKGROUND_START_STATUS,
    ];
    for (const status of statuses) {
      expect(typedIn(placeholder(b, status, typed, afterStatus))).toEqual(["first thought", "*in italics, my own*", "second paragraph"]);
      // Typed before the waiting line: the parser then reads the waiting line as part of the answer.
      expect(typedIn(placeholder(b, status, ["> typed after the model line", ">"], (lines) => lines.findIndex((l) => l.startsWith("> **Model:**")) + 1))).toEqual(["typed after the model line"]);
      // Nothing typed: nothing kept.
      expect(typedIn(placeholder(b, status, [], () => 0))).toEqual([]);
    }
    // The plain waiting line too (a placeholder before its run id was written).
    const plain = formatBlock(b, options).replace(/^> \*Researching in the background.*$/m, `> ${PENDING_LINE}`);
    expect(plain).toContain(PENDING_LINE);
    expect(typedIn(plain)).toEqual([]);
  });

  it("the callout's first line is the plugin's even when the fold setting changed since it was written", () => {
    const b = block();
    const found = placeholder(b, undefined, ["> typed"], afterStatus, { ...options, fold: "-" });
    expect(typedIn(found, options)).toEqual(["typed"]);
  });

  it("keeps every line typed inside, wherever it goes (property)", () => {
    const b = block();
    const base = formatBlock(b, options, backgroundStatus(b, "7 sources found so far")).split("\n");
    // Between the callout's first line and its metadata line: inside the callout, as the user sees it.
    const word = fc.stringMatching(/^[a-z][a-z ]{0,20}[a-z]$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: base.length - 3 }), word), { maxLength: 5 }), (inserts) => {
        const lines = [...base];
        const sorted = [...inserts].sort((x, y) => y[0] - x[0]);
        for (const [at, text] of sorted) lines.splice(at, 0, `> ${text}`, ">");
        const kept = typedIn(lines.join("\n"));
        expect([...kept].sort()).toEqual(inserts.map(([, text]) => text).sort());
      }),
      { numRuns: 200 },
    );
  });
});
