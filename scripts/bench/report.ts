// The benchmark table: each figure beside its target as a ratio, how it was taken, and whether the run
// fails (only with --strict: time targets are for a desktop-class machine, so a busy one misses them).
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import type { BenchRow } from "./types";

/** CPU, cores, memory, Node version and the current load, so a reader can tell noise from a regression. */
export function describeMachine(): string {
  const cores = availableParallelism();
  const load = loadavg()[0] ?? 0;
  const busy = load > cores * 0.5 ? ` (busy: load ${load.toFixed(1)} on ${cores} cores, expect slower figures)` : ` (load ${load.toFixed(1)})`;
  return `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${process.platform}${busy}`;
}

export const missedTarget = (row: BenchRow): boolean => row.target !== undefined && row.value > row.target;

function ratio(row: BenchRow): string {
  if (row.target === undefined) return "";
  if (row.target === 0) return row.value === 0 ? "met" : "MISSED";
  return (row.value / row.target).toFixed(2);
}

export function report(rows: BenchRow[], strict: boolean): { lines: string[]; exitCode: number } {
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 4);
  const statWidth = Math.max(...rows.map((r) => r.stat.length), 4);
  const lines = [`${"what".padEnd(nameWidth)}  ${"value".padStart(10)}  ${"target".padStart(10)}  ratio  ${"how".padEnd(statWidth)}  note`];
  for (const row of rows) {
    const value = `${row.value.toFixed(row.value < 10 ? 2 : 1)} ${row.unit}`.trim();
    const target = row.target === undefined ? "" : `${row.target} ${row.unit}`.trim();
    const notes = [row.baseline ? `ratio to ${row.baseline}` : "", row.note ?? "", missedTarget(row) ? "MISSED" : ""].filter(Boolean).join("; ");
    lines.push(`${row.name.padEnd(nameWidth)}  ${value.padStart(10)}  ${target.padStart(10)}  ${ratio(row).padStart(5)}  ${row.stat.padEnd(statWidth)}  ${notes}`.trimEnd());
  }
  const missed = rows.filter(missedTarget).length;
  lines.push("");
  if (!missed) lines.push("All targets met.");
  else lines.push(`${missed} target(s) missed on this machine${strict ? "" : " (exit status 0: pass --strict to fail on a missed target)"}.`);
  return { lines, exitCode: missed && strict ? 1 : 0 };
}
