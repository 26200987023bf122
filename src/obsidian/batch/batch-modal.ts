// "Ask every question in the selection" in the batch window: how many questions, their estimated cost and the
// options they are asked with, then progress and a summary.
import { OPTION_LABELS, OPTION_KEYS } from "../../core/profiles";
import { describeBatch, describePlanCost } from "./batch-ask";
import type { BatchItem, BatchPlan, BatchReport } from "./batch-ask";
import { drawList, drawWarning } from "./batch-window";
import { plural } from "../../core/plural";
import type { BatchWindowSpec } from "./batch-window";

const lines = (items: BatchItem[]) => items.map((item) => `"${item.question}" (${item.detail ?? "no reason given"})`);

export function batchAskWindow(plan: BatchPlan, run: (progress: (done: number, total: number) => void, signal: AbortSignal) => Promise<BatchReport>): BatchWindowSpec<BatchReport> {
  return {
    title: "Ask every question in the selection",
    drawPlan(el) {
      if (plan.questions.length === 0) {
        // Questions were found, but each is answered after its list or paragraph or repeats one that is: the batch is done.
        const done = plan.skipped.length > 0;
        el.createEl("p", { text: done ? "Every question in the selection already has its answer after its list or paragraph: nothing to ask." : "No questions to ask in the selection." });
        drawList(el, "Skipped", lines(plan.skipped.map((s) => ({ question: s.question, detail: s.reason === "answered" ? "already answered after its list or paragraph" : "asked earlier in the selection" }))));
        return null;
      }
      const where = plan.questions.length === 1 ? "its answer inserted after its list or paragraph" : "each answer inserted after its list or paragraph, in the order of the questions";
      el.createEl("p", { text: `${plural(plan.questions.length, "question", "questions")} will be asked in "${plan.file.basename}", ${where}.` });
      el.createEl("p", { text: describePlanCost(plan) });
      if (plan.capNote) drawWarning(el, plan.capNote.text, plan.capNote.reached);
      const options = OPTION_KEYS.filter((k) => plan.resolved.from[k] !== "not set").map((k) => `${OPTION_LABELS[k]} from ${plan.resolved.from[k]}`);
      el.createEl("p", { text: `Options: ${options.join("; ")}.`, cls: "setting-item-description" });
      for (const problem of plan.resolved.problems) drawWarning(el, problem);
      if (plan.skipped.length) el.createEl("p", { text: `${plural(plan.skipped.length, "question is", "questions are")} skipped: already answered after their list or paragraph, or repeated.` });
      const list = el.createEl("ol");
      for (const q of plan.questions.slice(0, 20)) list.createEl("li", { text: q.question });
      if (plan.questions.length > 20) el.createEl("p", { text: `…and ${plan.questions.length - 20} more.` });
      // Every request would be refused: there is nothing to confirm.
      return plan.capNote?.reached ? null : `Ask ${plural(plan.questions.length, "question", "questions")}`;
    },
    startLine: `Asking 0 of ${plan.questions.length}…`,
    cancelButton: "Cancel the rest",
    run: (progress, signal) => run((done, total) => progress(`Asked ${done} of ${total}…`), signal),
    describe: describeBatch,
    summaryTitle: "Questions asked",
    drawSummary(el, report) {
      el.createEl("p", { text: describeBatch(report) });
      drawList(el, "Incomplete", lines(report.incomplete));
      drawList(el, "Skipped", lines(report.skipped));
      drawList(el, "Failed", lines(report.failed));
    },
  };
}
