// What a source check concludes about one cited page, and how that is shown: a mark on the citation line
// and one summary line per block. Pure data, shared by the block format, the checker and the glue.

export const VERDICTS = ["supported", "partly", "moved", "gone", "unknown"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The compact mark a citation line shows. "Moved" has its own arrow: the page is elsewhere, not gone. */
export const VERDICT_MARKS: Record<Verdict, string> = {
  supported: "✓",
  partly: "◐",
  moved: "↪",
  gone: "✗",
  unknown: "?",
};

export function verdictOfMark(mark: string): Verdict | undefined {
  return VERDICTS.find((v) => VERDICT_MARKS[v] === mark);
}

/** One source's check, as a block records it. */
export interface SourceCheck {
  verdict: Verdict;
  /** yyyy-MM-dd the page was checked. */
  on: string;
  /** What was looked for and found (figures as written in the answer, "the quoted passage"). */
  found?: string[];
  /** What was looked for and not found. */
  missing?: string[];
  /** Why: the HTTP status, "blocked (HTTP 403)", the URL a moved page now has, … */
  reason?: string;
}

/** "Sources checked 2026-12-01: 3 supported, 1 partly, 1 gone" (verdicts in a fixed order, zero counts left out). */
export function describeChecks(checks: readonly SourceCheck[]): string | null {
  if (checks.length === 0) return null;
  const latest = checks.map((c) => c.on).sort().at(-1)!;
  const parts = VERDICTS.map((v) => [v, checks.filter((c) => c.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  return `Sources checked ${latest}: ${parts.join(", ")}`;
}
