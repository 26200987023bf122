// When an answer is stale: older than a number of days chosen per block (metadata), per note (a property)
// or in the settings, in that order of precedence. The clock is never read here: callers pass `now`.
//
// Accepted values, for the note property and the block metadata alike (case and spaces ignored):
//   7, "7", "7d", "7 days"   seven days            "2w", "2 weeks"   fourteen days
//   "1m", "1 month"          30 days (a month is 30 days; minutes make no sense here)
//   "1y", "1 year"           365 days               "1.5d"            fractions are kept
//   0, "0", "never", "off"   never stale
// Anything else (negative numbers, lists, "soon") is ignored: the next level decides.
import type { AnswerBlock } from "./block";

/** The note property that overrides the stale-after setting for every block of a note. */
export const STALE_AFTER_PROPERTY = "perplexity-stale-after";
/** The setting's default, in days. */
export const DEFAULT_STALE_AFTER_DAYS = 30;

const DAY_MS = 86_400_000;
const UNIT_DAYS: Record<string, number> = { d: 1, day: 1, days: 1, w: 7, week: 7, weeks: 7, m: 30, month: 30, months: 30, y: 365, year: 365, years: 365 };
const DURATION_RE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/;

/** Days after which a block is stale, 0 for never; undefined when `value` is not one of the accepted forms. */
export function parseStaleAfter(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (text === "never" || text === "off") return 0;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const unit = m[2] === "" ? 1 : UNIT_DAYS[m[2]!];
  if (unit === undefined) return undefined;
  const days = Number(m[1]) * unit;
  return Number.isFinite(days) ? days : undefined;
}

/** Why a note's `perplexity-stale-after` value is not used (the setting's days are), or undefined when it is usable or unset. */
export function staleAfterProblem(value: unknown, defaultDays: number): string | undefined {
  if (value === undefined || value === null || value === "" || parseStaleAfter(value) !== undefined) return undefined;
  const shown = typeof value === "string" ? `"${value.trim().slice(0, 40)}"` : JSON.stringify(value);
  return `The note property ${STALE_AFTER_PROPERTY} was not used: ${shown} is not a number of days, a duration like 7d, 2w, 1m or 1y, or never; the setting's ${defaultDays} days are used instead.`;
}

/** Block metadata wins over the note property, which wins over the setting. 0 means never stale. */
export function effectiveStaleDays(block: Pick<AnswerBlock, "staleAfterDays">, noteProperty: unknown, defaultDays: number): number {
  return parseStaleAfter(block.staleAfterDays) ?? parseStaleAfter(noteProperty) ?? parseStaleAfter(defaultDays) ?? DEFAULT_STALE_AFTER_DAYS;
}

// Only ISO 8601 dates: `Date.parse` reads other forms differently per engine.
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an ISO 8601 timestamp with a zone, or undefined. */
export function parseAskedAt(askedAt: string): number | undefined {
  if (!ISO_RE.test(askedAt)) return undefined;
  const ms = Date.parse(askedAt);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Age in days at `now` (ms since the epoch); negative if asked "in the future"; undefined if the date is unreadable. */
export function blockAgeDays(block: Pick<AnswerBlock, "askedAt">, now: number): number | undefined {
  const at = parseAskedAt(block.askedAt);
  return at === undefined ? undefined : (now - at) / DAY_MS;
}

/** Whether the block is at least its effective number of days old. Unreadable dates are never stale (refresh.ts reports them). */
export function isStale(block: Pick<AnswerBlock, "askedAt" | "staleAfterDays">, now: number, noteProperty: unknown, defaultDays: number): boolean {
  const days = effectiveStaleDays(block, noteProperty, defaultDays);
  if (days === 0) return false;
  const age = blockAgeDays(block, now);
  return age !== undefined && age >= days;
}
