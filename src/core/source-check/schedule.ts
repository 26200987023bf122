// When a URL is due for another check: once every N days, whatever the number of answers citing it.

/** Days between two yyyy-MM-dd (or ISO) dates, by their calendar days in UTC. */
function daysBetween(from: string, to: string): number {
  const a = Date.parse(from.slice(0, 10) + "T00:00:00Z");
  const b = Date.parse(to.slice(0, 10) + "T00:00:00Z");
  return Number.isNaN(a) || Number.isNaN(b) ? Infinity : Math.floor((b - a) / 86_400_000);
}

/**
 * True when `lastChecked` (yyyy-MM-dd, or nothing) is at least `intervalDays` before `today`, or after it: a
 * check dated in the future (9999-12-31, a clock set wrong) would otherwise never be due again.
 */
export function isCheckDue(lastChecked: string | undefined, today: string, intervalDays: number): boolean {
  if (lastChecked === undefined || !/^\d{4}-\d{2}-\d{2}/.test(lastChecked)) return true;
  const days = daysBetween(lastChecked, today);
  return days < 0 || days >= intervalDays;
}
