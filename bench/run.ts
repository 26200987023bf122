// `npm run bench`: every performance target from the issues, measured and printed as a table
// with the ratio to its target (below 1.00 meets it).
import "../tests/obsidian-runtime/node-globals";
import { benchClient } from "./client";
import { benchCore } from "./core";
import { benchFindStale } from "./find-stale";
import { benchAnswersView } from "./answers-view";
import { benchAsk, benchBundle, benchOnload } from "./plugin";
import { benchRefresh } from "./refresh";
import { benchStream } from "./stream";
import { benchStreamEditor } from "./stream-editor";
import type { BenchRow } from "./types";

function print(rows: BenchRow[]): void {
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${"what".padEnd(nameWidth)}  ${"value".padStart(10)}  ${"target".padStart(10)}  ratio  note`);
  for (const row of rows) {
    const value = `${row.value.toFixed(row.value < 10 ? 2 : 1)} ${row.unit}`;
    const target = row.target === undefined ? "" : `${row.target} ${row.unit}`;
    const ratio = row.target === undefined ? "     " : (row.value / row.target).toFixed(2).padStart(5);
    const flag = row.target !== undefined && row.value > row.target ? " MISSED" : "";
    console.log(`${row.name.padEnd(nameWidth)}  ${value.padStart(10)}  ${target.padStart(10)}  ${ratio}  ${row.note ?? ""}${flag}`);
  }
}

const rows: BenchRow[] = [...benchBundle(), ...(await benchOnload()), ...(await benchCore()), ...(await benchClient()), ...(await benchStream()), ...(await benchStreamEditor()), ...(await benchAsk()), ...(await benchRefresh()), ...(await benchFindStale()), ...(await benchAnswersView())];
print(rows);
const missed = rows.filter((r) => r.target !== undefined && r.value > r.target);
if (missed.length) {
  console.log(`\n${missed.length} target(s) missed.`);
  process.exitCode = 1;
}
