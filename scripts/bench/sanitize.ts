// Issue 19: sanitising web text, plain and adversarial, and the streamed display's cost per flush.
import { readFileSync } from "node:fs";
import { formatBlock, type AnswerBlock } from "../../src/core/block";
import { GrowingAnswer, sanitizeAnswer } from "../../src/core/sanitize";
import { medianMs, type BenchRow } from "./types";

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** An ordinary long answer: prose with citations, lists, a table and code. */
function plainAnswer(length: number): string {
  const unit = [
    "Solar module prices fell again this year, driven by oversupply and cheaper polysilicon.[1] Analysts expect a **slower** decline next year.[web:2]",
    "",
    "- Utility-scale projects: *record* auctions in India and Chile.[3]",
    "- Rooftop: slower growth in Europe after subsidy cuts.[1][2]",
    "",
    "| Region | Price ($/W) |",
    "|---|---|",
    "| China | 0.11 |",
    "",
    "```python",
    "cost = capacity * price_per_watt",
    "```",
    "",
  ].join("\n");
  return repeatTo(unit, length);
}

/** The hostile corpus (tests/fixtures/hostile/answers) and the freeze patterns, repeated. */
function adversarial(length: number): Record<string, string> {
  const dir = "tests/fixtures/hostile/answers/";
  const corpus = (JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as { file: string }[]).map((e) => readFileSync(dir + e.file, "utf8")).join("\n\n");
  return {
    "hostile corpus": repeatTo(corpus + "\n\n", length),
    "`$1 `": repeatTo("$1 ", length),
    "`[[[[`": repeatTo("[[[[", length),
    "unbalanced backticks": repeatTo("`a ``b ```c ", length),
    "emphasis runs": repeatTo("**a*_b__ ", length),
    "link openers": repeatTo("[a](b [c][d] ", length),
    "HTML": repeatTo("<a href=x><img src=y> ", length),
    // The review's quadratic inputs: a regex anchored at a line's end over long space runs, trailing line breaks.
    "80,000-space runs": repeatTo(`a${" ".repeat(80_000)}b\n`, length),
    "`&#10;` runs": repeatTo("&#10;", length),
    "markers meeting": repeatTo("*&#32;~~a~~&#32;* ", length),
  };
}

export async function benchSanitize(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const plain = plainAnswer(1_000_000);
  let n = 0;
  // A fresh text each run (the structure layer remembers recent texts).
  const time = (text: string, runs = 5) => medianMs(() => sanitizeAnswer(`${text}${++n}`), runs, 1);
  const plainMs = await time(plain);
  rows.push({ name: "sanitize a 1 MB plain answer", value: plainMs, unit: "ms", stat: "median of 5" });
  let worst = { name: "", ms: 0 };
  for (const [name, text] of Object.entries(adversarial(1_000_000))) {
    const ms = await time(text);
    if (ms > worst.ms) worst = { name, ms };
  }
  rows.push({ name: "sanitize a 1 MB adversarial answer / plain (worst pattern)", value: worst.ms / plainMs, unit: "×", target: 3, stat: "ratio of medians", baseline: "the 1 MB plain answer above", note: `${worst.name}: ${worst.ms.toFixed(0)} ms` });
  let worst200 = { name: "", ms: 0 };
  for (const [name, text] of Object.entries(adversarial(200_000))) {
    const ms = await time(text, 9);
    if (ms > worst200.ms) worst200 = { name, ms };
  }
  rows.push({ name: "sanitize a 200 KB adversarial answer (worst pattern)", value: worst200.ms, unit: "ms", target: 100, stat: "median of 9", note: worst200.name });

  // The streamed display: a 200 KB answer arriving in 40-character deltas, the block rebuilt every 25 deltas (a
  // flush), as the stream writer does at most every 100 ms. The longest flush is what the editor waits for.
  const answer = plainAnswer(200_000);
  const growing = new GrowingAnswer();
  const block: AnswerBlock = { blockId: "abc123", state: "pending", askedAt: "2026-12-06T10:00:00.000Z", question: "Q?", request: { preset: "fast", noteContext: false }, answer: "", sources: [] };
  const options = { fold: "+" as const, citationDateFormat: "yyyy, MMM d", linkFor: (s: { id: string }) => `[[${s.id}]]` };
  let longest = 0;
  let flushes = 0;
  for (let at = 1000; at <= answer.length; at += 40 * 25) {
    const start = performance.now();
    formatBlock({ ...block, answer: growing.sanitize(answer.slice(0, at)) }, options, "Writing the answer…");
    longest = Math.max(longest, performance.now() - start);
    flushes++;
  }
  rows.push({ name: "stream: longest flush of a 200 KB answer (sanitise + format)", value: longest, unit: "ms", target: 50, stat: `max of ${flushes}`, note: "each flush writes only the block still growing" });
  return rows;
}
