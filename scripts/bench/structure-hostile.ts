// The structure layer on notes built to make a line-by-line rule quadratic (the review of issues 18-22): `$$` lines
// that never close, a paragraph of many code spans, `%%` marks in every line. Each pattern is read at one size
// against a time target, and at twice that size against the first: a linear reader takes about 2x.
// Run alone: npx tsx scripts/bench/structure-hostile.ts
import { pathToFileURL } from "node:url";
import { noteStructure } from "../../src/core/markdown";
import { textLayout } from "../../src/core/markdown/literals";
import type { BenchRow } from "./types";

interface Pattern {
  name: string;
  /** A note of `n` lines. */
  note: (n: number) => string;
  read: (text: string) => unknown;
  lines: number;
  targetMs: number;
}

const patterns: Pattern[] = [
  { name: "noteStructure: lines of `$$a` (never closed)", note: (n) => "$$a\n".repeat(n), read: noteStructure, lines: 20_000, targetMs: 100 },
  { name: "noteStructure: lines of `$$a`, closed at the end", note: (n) => "$$a\n".repeat(n) + "$$\n", read: noteStructure, lines: 20_000, targetMs: 100 },
  // Most of this one is markdown-it's own parse of a 40,000-line paragraph of 40,000 code spans.
  { name: "textLayout: one paragraph of \"`a` b\" lines", note: (n) => "`a` b\n".repeat(n), read: textLayout, lines: 40_000, targetMs: 200 },
  { name: "noteStructure: lines of `a %%` (comments opened mid-line)", note: (n) => "a %%\n".repeat(n), read: noteStructure, lines: 20_000, targetMs: 100 },
  // 10,000 quotes, each pair joined by a comment: markdown-it's quotes alone take most of it.
  { name: "noteStructure: quotes of `> a %%` between blank lines", note: (n) => "> a %%\n\n".repeat(n / 2), read: noteStructure, lines: 20_000, targetMs: 200 },
  // A comment closed on its own line, then a line of text: each makes one paragraph with what follows it.
  { name: "noteStructure: lines of `%% a %%` and `b`", note: (n) => "%% a %%\nb\n".repeat(n / 2), read: noteStructure, lines: 20_000, targetMs: 100 },
  { name: "textLayout: lines of `%% a %% b` with code", note: (n) => "%% a %% `b` %%\n%% c\n".repeat(n / 2), read: textLayout, lines: 20_000, targetMs: 100 },
];

/** The fastest of `runs` timings (after one untimed run): on a shared machine the least disturbed one. */
function minMs(fn: () => unknown, runs = 7): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export function benchStructureHostile(): BenchRow[] {
  const rows: BenchRow[] = [];
  let n = 0;
  for (const p of patterns) {
    // A fresh text each run (the structure layer remembers recent texts).
    const time = (lines: number) => minMs(() => p.read(`${p.note(lines)}${++n}`));
    const ms = time(p.lines);
    const doubled = time(2 * p.lines);
    rows.push({ name: `${p.name}, ${p.lines.toLocaleString("en")} lines`, value: ms, unit: "ms", target: p.targetMs, stat: "min of 7" });
    rows.push({ name: "  twice the lines / once", value: doubled / ms, unit: "×", target: 2.5, stat: "ratio of mins", baseline: `${p.lines.toLocaleString("en")} lines`, note: `${doubled.toFixed(1)} ms` });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { report } = await import("./report");
  for (const line of report(benchStructureHostile(), false).lines) console.log(line);
}
