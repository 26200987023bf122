import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ESTIMATE_SAMPLES, SpendCapError, SpendTracker, batchCapNote, checkCaps, describeMonth, emptyLedger, estimateCostOf, monthSpend, newBatchSpend,
  normalizeLedger, parseCap, recordSpend, requestKind,
} from "../../src/core/spend";
import type { SpendLedger } from "../../src/core/spend";

const NOW = new Date("2026-11-24T16:43:12.385Z");
const FAST = requestKind({ preset: "fast" });

function ledgerWith(costs: [string, number | undefined][], at = NOW): SpendLedger {
  const l = emptyLedger();
  for (const [kind, cost] of costs) recordSpend(l, at, kind, cost);
  return l;
}

describe("recording spend", () => {
  it("sums reported costs by UTC month and counts missing costs as unknown", () => {
    const l = ledgerWith([[FAST, 0.01], [FAST, 0.02], [FAST, undefined]]);
    recordSpend(l, new Date("2026-12-01T00:00:00.000Z"), FAST, 0.5);
    expect(monthSpend(l, NOW)).toEqual({ usd: expect.closeTo(0.03, 10) as number, answers: 2, unknown: 1 });
    expect(monthSpend(l, new Date("2026-12-31T23:59:59Z")).usd).toBe(0.5);
  });

  it("keeps the last costs per kind for the estimate, and says where the estimate comes from", () => {
    const l = ledgerWith(Array.from({ length: ESTIMATE_SAMPLES + 5 }, (_, i) => [FAST, i] as [string, number]));
    expect(l.recent[FAST]).toHaveLength(ESTIMATE_SAMPLES);
    expect(estimateCostOf(l, FAST)).toMatchObject({ basis: "same", samples: ESTIMATE_SAMPLES, usd: (5 + 24) / 2 });
    expect(estimateCostOf(l, "preset high")).toMatchObject({ basis: "any" });
    expect(estimateCostOf(emptyLedger(), FAST)).toEqual({ basis: "none", samples: 0, kind: FAST });
  });
});

describe("the caps", () => {
  it("a cap of 0 refuses every paid request, even with nothing spent and no estimate", () => {
    const check = checkCaps(emptyLedger(), NOW, FAST, { monthlyUsd: 0, batchUsd: null }, { usd: 0 });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(/cap is \$0.*Spent this month: \$0\.00.*no estimate yet.*raise or clear the monthly cap in Settings → Perplexity Query → Spending/);
  });

  it("refuses a request whose estimate would pass the monthly cap, naming spend, estimate and basis", () => {
    const l = ledgerWith([[FAST, 0.4], [FAST, 0.5]]);
    const ok = checkCaps(l, NOW, FAST, { monthlyUsd: 1.5, batchUsd: null }, { usd: 0 });
    expect(ok.ok).toBe(true);
    const refused = checkCaps(l, NOW, FAST, { monthlyUsd: 1.3, batchUsd: null }, { usd: 0 });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.message).toContain("cap of $1.30");
      expect(refused.message).toContain("Spent this month: $0.90");
      expect(refused.message).toContain("about $0.45, the average of the last 2 answers with preset fast");
    }
  });

  it("says when costs are unknown, so the total may be too low", () => {
    const l = ledgerWith([[FAST, 0.5], [FAST, undefined], [FAST, undefined]]);
    const refused = checkCaps(l, NOW, FAST, { monthlyUsd: 0.6, batchUsd: null }, { usd: 0 });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toContain("2 requests this month reported no cost and are not counted, so the real total may be higher");
    expect(describeMonth(l, NOW, { monthlyUsd: 0.6, batchUsd: null })).toBe("Perplexity $0.50 of $0.60 this month (+2 unknown)");
  });

  it("counts requests still in flight, so two sent together cannot pass the cap together", () => {
    const l = ledgerWith([[FAST, 0.3]]);
    const tracker = new SpendTracker(l, () => ({ monthlyUsd: 1, batchUsd: null }), () => NOW, () => undefined);
    const first = tracker.reserve(FAST);
    const second = tracker.reserve(FAST);
    expect(() => tracker.reserve(FAST)).toThrow(SpendCapError);
    first.settle(true, 0.3);
    second.settle(false, undefined); // never reached Perplexity: released, nothing recorded
    expect(monthSpend(l, NOW)).toMatchObject({ answers: 2, unknown: 0 });
    expect(tracker.inFlightUsd).toBe(0);
  });

  it("holds a background run's recorded estimate after a restart: new requests see it, its final cost replaces it", () => {
    const HIGH = requestKind({ preset: "high" });
    const l = ledgerWith([[HIGH, 0.4]]);
    const tracker = new SpendTracker(l, () => ({ monthlyUsd: 1, batchUsd: null }), () => NOW, () => undefined);
    // The run was admitted before the restart with an estimate of $0.40; its block says so.
    const restored = tracker.hold(HIGH, 0.4);
    expect(tracker.inFlightUsd).toBeCloseTo(0.4);
    // $0.40 spent + $0.40 held + $0.40 estimated would pass $1: refused, naming what is still on its way.
    expect(() => tracker.reserve(HIGH)).toThrow(/\$0\.40 more is on its way in requests still running/);
    restored.settle(true, 0.1);
    expect(tracker.inFlightUsd).toBe(0);
    expect(monthSpend(l, NOW)).toMatchObject({ answers: 2, unknown: 0 });
    expect(monthSpend(l, NOW).usd).toBeCloseTo(0.5);
    // A run whose cost never arrives (cancelled: usage null) counts as unknown.
    tracker.hold(HIGH, 0.4).settle(true, undefined);
    expect(monthSpend(l, NOW).unknown).toBe(1);
    // An unreadable estimate holds nothing rather than something absurd.
    tracker.hold(HIGH, Number.NaN);
    expect(tracker.inFlightUsd).toBe(0);
  });

  it("stops a batch at the batch cap, whatever the monthly spend", () => {
    const l = ledgerWith([[FAST, 0.1]]);
    const tracker = new SpendTracker(l, () => ({ monthlyUsd: null, batchUsd: 0.25 }), () => NOW, () => undefined);
    const batch = newBatchSpend();
    tracker.reserve(FAST, batch).settle(true, 0.1);
    tracker.reserve(FAST, batch).settle(true, 0.1);
    expect(() => tracker.reserve(FAST, batch)).toThrow(/per-batch spending cap of \$0\.25\. This batch spent \$0\.20/);
    // Outside the batch the batch cap does not apply.
    expect(() => tracker.reserve(FAST).settle(true, 0.1)).not.toThrow();
  });

  it("never lets the month's recorded spend plus in-flight estimates exceed the cap (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: 0, max: 0.2, noNaN: true }), { nil: undefined }), { maxLength: 40 }), fc.double({ min: 0, max: 2, noNaN: true }), (costs, cap) => {
        const l = ledgerWith([[FAST, 0.05]]);
        const tracker = new SpendTracker(l, () => ({ monthlyUsd: cap, batchUsd: null }), () => NOW, () => undefined);
        for (const cost of costs) {
          try {
            // Each request costs what the estimate says or less: the cap holds.
            const r = tracker.reserve(FAST);
            r.settle(true, cost === undefined ? undefined : Math.min(cost, r.estimate.usd ?? 0));
          } catch (e) {
            expect(e).toBeInstanceOf(SpendCapError);
          }
          expect(monthSpend(l, NOW).usd).toBeLessThanOrEqual(Math.max(cap, 0.05) + 1e-9);
        }
      }),
    );
  });
});

describe("the caps before a batch", () => {
  it("say a batch is not worth offering exactly when its first request would be refused", () => {
    const cap = fc.option(fc.integer({ min: 0, max: 200 }).map((n) => n / 1000), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }).map((n) => n / 10_000), { maxLength: 12 }), cap, cap, fc.integer({ min: 0, max: 50 }).map((n) => n / 10_000), fc.integer({ min: 1, max: 30 }), (costs, monthlyUsd, batchUsd, inFlight, count) => {
        const ledger = ledgerWith(costs.map((c): [string, number] => [FAST, c]));
        const caps = { monthlyUsd, batchUsd };
        const note = batchCapNote(ledger, NOW, caps, inFlight, estimateCostOf(ledger, FAST).usd, count, "questions");
        const first = checkCaps(ledger, NOW, FAST, caps, { usd: inFlight }, newBatchSpend());
        expect(note?.reached ?? false).toBe(!first.ok);
        if (note && !note.reached) expect(note.text).not.toMatch(/about 0 of/);
      }),
      { numRuns: 2000 },
    );
  });

  it("name the cap that stops everything, before one that would only cut the batch short", () => {
    const ledger = ledgerWith([[FAST, 0.01]]);
    expect(batchCapNote(ledger, NOW, { monthlyUsd: 0.05, batchUsd: 0 }, 0, 0.01, 10, "questions")).toEqual({
      text: "The per-batch spending cap is $0, so nothing is sent. Raise or clear it in Settings → Perplexity Query → Spending.",
      reached: true,
    });
    expect(batchCapNote(ledger, NOW, { monthlyUsd: 0.015, batchUsd: null }, 0, 0.01, 3, "answers")?.text).toBe(
      "Your monthly cap of $0.0150 leaves $0.0050, less than one of these answers costs (about $0.0100), so nothing is sent. Raise or clear it in Settings → Perplexity Query → Spending.",
    );
  });
});

describe("a data file edited by hand", () => {
  it("keeps what it can read and names what it dropped", () => {
    const { ledger, problems } = normalizeLedger({
      v: 1,
      months: { "2026-11": { usd: 1.25, answers: 3, unknown: "x" }, "2026-13": { usd: 1 }, "2026-10": { usd: "lots" } },
      recent: { [FAST]: [0.01, -1, "a", 0.03], "model x/y": "nope" },
    });
    expect(ledger.months).toEqual({ "2026-11": { usd: 1.25, answers: 3, unknown: 0 } });
    expect(ledger.recent).toEqual({ [FAST]: [0.01, 0.03] });
    expect(problems).toEqual(['the total for "2026-13" is unreadable', 'the total for "2026-10" is unreadable']);
  });

  it("reads nothing, garbage and arrays without throwing", () => {
    for (const raw of [undefined, null, 3, "x", [], { months: [] }, { months: null, recent: [] }]) {
      expect(() => normalizeLedger(raw)).not.toThrow();
    }
    expect(normalizeLedger("x").problems).toEqual(["the spending record is not an object"]);
  });

  it("reads caps as typed: empty or off is no cap, amounts with or without $, anything else unreadable", () => {
    expect(parseCap("")).toBeNull();
    expect(parseCap(null)).toBeNull();
    expect(parseCap("off")).toBeNull();
    expect(parseCap("$5")).toBe(5);
    expect(parseCap("0")).toBe(0);
    expect(parseCap(2.5)).toBe(2.5);
    expect(parseCap("five")).toBeUndefined();
    expect(parseCap(-1)).toBeUndefined();
    expect(parseCap({})).toBeUndefined();
  });
});
