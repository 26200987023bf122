import { describe, expect, it } from "vitest";
import {
  blockAgeDays, DEFAULT_STALE_AFTER_DAYS, effectiveStaleDays, isStale, parseStaleAfter, STALE_AFTER_PROPERTY, staleAfterProblem,
} from "../../src/core/staleness";

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-24T12:00:00.000Z");
const askedDaysAgo = (days: number, extra: { staleAfterDays?: number } = {}) => ({ askedAt: new Date(NOW - days * DAY).toISOString(), ...extra });

describe("parseStaleAfter (the note property and hand-written metadata)", () => {
  it.each([
    [7, 7], [0, 0], [1.5, 1.5], ["7", 7], [" 7d ", 7], ["7 days", 7], ["1 day", 1], ["2w", 14], ["2 Weeks", 14],
    ["1m", 30], ["3 months", 90], ["1y", 365], ["1.5d", 1.5], [".5d", 0.5], ["never", 0], ["NEVER", 0], ["off", 0], ["0", 0],
  ])("%j → %j days", (value, days) => {
    expect(parseStaleAfter(value)).toBe(days);
  });
  it.each([[-1], [Number.NaN], [Infinity], [""], ["soon"], ["7x"], ["-7d"], ["7 d d"], [["7d"]], [true], [null], [undefined], [{ days: 7 }]])(
    "ignores %j",
    (value) => {
      expect(parseStaleAfter(value)).toBeUndefined();
    },
  );
  it("names the note property", () => {
    expect(STALE_AFTER_PROPERTY).toBe("perplexity-stale-after");
    expect(DEFAULT_STALE_AFTER_DAYS).toBe(30);
  });
});

describe("effectiveStaleDays: block metadata wins over the note property, which wins over the setting", () => {
  it("takes the first level that says something", () => {
    expect(effectiveStaleDays({ staleAfterDays: 3 }, "7d", 30)).toBe(3);
    expect(effectiveStaleDays({ staleAfterDays: 0 }, "7d", 30)).toBe(0); // "never" on the block beats the note
    expect(effectiveStaleDays({}, "1w", 30)).toBe(7);
    expect(effectiveStaleDays({}, "garbage", 30)).toBe(30);
    expect(effectiveStaleDays({}, undefined, 45)).toBe(45);
    expect(effectiveStaleDays({}, undefined, Number.NaN)).toBe(DEFAULT_STALE_AFTER_DAYS);
  });
});

describe("blockAgeDays and isStale", () => {
  it("measures age from askedAt with the clock passed in", () => {
    expect(blockAgeDays(askedDaysAgo(10), NOW)).toBeCloseTo(10, 9);
    expect(blockAgeDays({ askedAt: "2026-11-25T12:00:00Z" }, NOW)).toBeCloseTo(-1, 9);
    expect(blockAgeDays({ askedAt: "24 Nov 2026" }, NOW)).toBeUndefined();
    expect(blockAgeDays({ askedAt: "" }, NOW)).toBeUndefined();
  });
  it("is stale from exactly the effective number of days on", () => {
    expect(isStale(askedDaysAgo(30), NOW, undefined, 30)).toBe(true);
    expect(isStale(askedDaysAgo(29.99), NOW, undefined, 30)).toBe(false);
    expect(isStale(askedDaysAgo(8), NOW, "7d", 30)).toBe(true); // a note about prices
    expect(isStale(askedDaysAgo(8, { staleAfterDays: 90 }), NOW, "7d", 30)).toBe(false);
  });
  it("never marks a block stale when its level says never, or when its date is unreadable or in the future", () => {
    expect(isStale(askedDaysAgo(5000), NOW, "never", 30)).toBe(false);
    expect(isStale(askedDaysAgo(5000, { staleAfterDays: 0 }), NOW, undefined, 30)).toBe(false);
    expect(isStale({ askedAt: "yesterday" }, NOW, undefined, 30)).toBe(false);
    expect(isStale(askedDaysAgo(-3), NOW, undefined, 1)).toBe(false);
  });
});

describe("staleAfterProblem", () => {
  it("names the property and the setting's days for a value it cannot read, and nothing for usable or missing ones", () => {
    expect(staleAfterProblem("fortnightly", 30)).toBe(
      'The note property perplexity-stale-after was not used: "fortnightly" is not a number of days, a duration like 7d, 2w, 1m or 1y, or never; the setting\'s 30 days are used instead.',
    );
    expect(staleAfterProblem(-3, 14)).toContain("-3 is not a number of days");
    for (const fine of [undefined, null, "", "2w", "never", 0, 7]) expect(staleAfterProblem(fine, 30)).toBeUndefined();
  });
});
