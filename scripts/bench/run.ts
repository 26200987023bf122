// `npm run bench`: every performance target from the issues, measured and printed as a table with the
// ratio to its target (1.00 or less meets it), how each figure was taken, and the machine it ran on.
// Time targets were set for a desktop-class machine; on a slower or busy one a ratio a little above 1.00 is
// noise, not a regression. It exits non-zero for a missed target only with --strict.
import "../../tests/obsidian-runtime/node-globals";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { benchClient } from "./client";
import { benchCore } from "./core";
import { benchFindStale } from "./find-stale";
import { benchAsk, benchBundle, benchOnload } from "./plugin";
import { benchRefresh } from "./refresh";
import { benchStream } from "./stream";
import { benchStreamEditor } from "./stream-editor";
import type { BenchRow } from "./types";

const { strict } = parseArgs({ options: { strict: { type: "boolean", default: false } } }).values;

function machine(): string {
  const cores = availableParallelism();
  const load = loadavg()[0] ?? 0;
  const busy = load > cores * 0.5 ? ` (busy: load ${load.toFixed(1)} on ${cores} cores, expect slower figures)` : ` (load ${load.toFixed(1)})`;
  return `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${process.platform}${busy}`;
}

const missedTarget = (row: BenchRow): boolean => row.target !== undefined && row.value > row.target;

function ratio(row: BenchRow): string {
  if (row.target === undefined) return "";
  if (row.target === 0) return row.value === 0 ? "met" : "MISSED";
  return (row.value / row.target).toFixed(2);
}

function print(rows: BenchRow[]): void {
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 4);
  const statWidth = Math.max(...rows.map((r) => r.stat.length), 4);
  console.log(`${"what".padEnd(nameWidth)}  ${"value".padStart(10)}  ${"target".padStart(10)}  ratio  ${"how".padEnd(statWidth)}  note`);
  for (const row of rows) {
    const value = `${row.value.toFixed(row.value < 10 ? 2 : 1)} ${row.unit}`.trim();
    const target = row.target === undefined ? "" : `${row.target} ${row.unit}`.trim();
    const notes = [row.baseline ? `ratio to ${row.baseline}` : "", row.note ?? "", missedTarget(row) ? "MISSED" : ""].filter(Boolean).join("; ");
    console.log(`${row.name.padEnd(nameWidth)}  ${value.padStart(10)}  ${target.padStart(10)}  ${ratio(row).padStart(5)}  ${row.stat.padEnd(statWidth)}  ${notes}`);
  }
}

console.log(`Machine: ${machine()}\n`);
const rows: BenchRow[] = [...benchBundle(), ...(await benchOnload()), ...(await benchCore()), ...(await benchClient()), ...(await benchStream()), ...(await benchStreamEditor()), ...(await benchAsk()), ...(await benchRefresh()), ...(await benchFindStale())];
print(rows);
const missed = rows.filter(missedTarget);
if (missed.length) {
  console.log(`\n${missed.length} target(s) missed on this machine${strict ? "" : " (exit status 0: pass --strict to fail on a missed target)"}.`);
  if (strict) process.exitCode = 1;
} else {
  console.log("\nAll targets met.");
}
