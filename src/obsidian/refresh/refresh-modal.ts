// "Refresh stale answers in vault" in the batch window: how many answers in how many notes are stale and what
// refreshing them will cost, then progress and a summary.
import type { BatchWindowSpec } from "../batch/batch-window";
import type { CapNote } from "../../core/spend";
import { drawList, drawWarning } from "../batch/batch-window";
import { plural } from "../../core/plural";
import { describeReport } from "./refresh-flow";
import type { RefreshItem, RefreshPlan, RefreshReport } from "./refresh-flow";
import { cleanWebLine } from "../../core/web-text";

/** What the plan will cost, from what these answers cost last time. */
export function describeCost(plan: RefreshPlan): string {
  const { total, known, unknown } = plan.cost;
  if (known === 0) return "Their earlier cost was not recorded, so no estimate is possible.";
  const estimate = unknown > 0 ? (total / known) * (known + unknown) : total;
  return `Estimated cost: about $${estimate.toFixed(estimate < 0.1 ? 4 : 2)}, from what these answers cost last time${unknown > 0 ? ` (${plural(unknown, "answer has", "answers have")} no recorded cost and ${unknown === 1 ? "is" : "are"} counted at the average)` : ""}.`;
}

const lines = (items: RefreshItem[]) => items.map((item) => `${item.note}: "${cleanWebLine(item.question)}" (${item.detail ?? "no reason given"})`);

export function refreshVaultWindow(
  plan: RefreshPlan,
  run: (progress: (done: number, total: number, note: string) => void, signal: AbortSignal) => Promise<RefreshReport>,
  /** What a spending cap means for this batch (null when nothing). */
  capNote: CapNote | null,
): BatchWindowSpec<RefreshReport> {
  return {
    title: "Refresh stale answers",
    drawPlan(el) {
      for (const problem of plan.problems) drawWarning(el, problem);
      if (plan.targets.length === 0) {
        el.createEl("p", { text: "No stale answers in this vault." });
        drawList(el, "Skipped", lines(plan.skipped));
        return null;
      }
      el.createEl("p", { text: `${plural(plan.targets.length, "stale answer", "stale answers")} in ${plural(plan.notes, "note", "notes")}.` });
      el.createEl("p", { text: describeCost(plan) });
      if (capNote) drawWarning(el, capNote.text, capNote.reached);
      if (plan.skipped.length) el.createEl("p", { text: `${plural(plan.skipped.length, "answer", "answers")} will be skipped (listed below).` });
      drawList(el, "Will be skipped", lines(plan.skipped));
      // Every request would be refused: there is nothing to confirm.
      return capNote?.reached ? null : `Refresh ${plural(plan.targets.length, "answer", "answers")}`;
    },
    startLine: `Refreshing 0 of ${plan.targets.length}…`,
    cancelButton: "Cancel refresh",
    run: (progress, signal) => run((done, total, note) => progress(`Refreshing ${done} of ${total}: ${note}`), signal),
    describe: describeReport,
    summaryTitle: "Refresh finished",
    drawSummary(el, report) {
      if (report.stopped) el.createEl("p", { text: `Stopped early: ${report.stopped}` });
      el.createEl("p", { text: `${report.refreshed.length} refreshed, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped, ${report.failed.length} failed.` });
      drawList(el, "Skipped", lines(report.skipped));
      drawList(el, "Failed", lines(report.failed));
    },
  };
}
