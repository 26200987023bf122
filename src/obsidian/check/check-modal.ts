// The windows of source checks: the vault check in the batch window (count, confirm, progress with cancel,
// summary) and the per-claim detail of one answer's checked sources.
import { Modal, Setting } from "obsidian";
import type { App } from "obsidian";
import type { AnswerBlock } from "../../core/block";
import { claimsFor, VERDICT_MARKS } from "../../core/source-check";
import { describeCheckReport } from "./check-flow";
import type { CheckItem, CheckPlan, CheckReport } from "./check-flow";
import { drawList } from "../batch/batch-window";
import { plural } from "../../core/plural";
import type { BatchWindowSpec } from "../batch/batch-window";

const lines = (items: CheckItem[]) => items.map((item) => `${item.note ? item.note + ": " : ""}${item.what} (${item.detail})`);

export function checkVaultWindow(
  plan: CheckPlan,
  run: (progress: (done: number, total: number, url: string) => void, signal: AbortSignal) => Promise<CheckReport>,
): BatchWindowSpec<CheckReport> {
  return {
    title: "Check the sources in vault",
    drawPlan(el) {
      if (plan.pages.length === 0) {
        el.createEl("p", { text: "No answer in this vault cites a source." });
        return null;
      }
      const recent = plan.pages.length - plan.due - plan.skipped.length;
      el.createEl("p", {
        text: `${plural(plan.targets.length, "answer", "answers")} in ${plural(plan.notes, "note", "notes")} cite ${plural(plan.pages.length, "page", "pages")}. ${plural(plan.due, "page", "pages")} will be fetched${recent ? `; ${recent} checked recently will not be fetched again` : ""}.`,
      });
      el.createEl("p", { text: "Fetching a page tells its site your internet address. No question is sent and nothing is paid." });
      drawList(el, "Skipped", lines(plan.skipped));
      return `Check ${plural(plan.pages.length, "page", "pages")}`;
    },
    startLine: `Checking 0 of ${plan.pages.length}…`,
    cancelButton: "Cancel check",
    run: (progress, signal) => run((done, total, url) => progress(`Checking ${done} of ${total}: ${url}`), signal),
    describe: describeCheckReport,
    summaryTitle: "Source check finished",
    drawSummary(el, report) {
      el.createEl("p", { text: describeCheckReport(report) });
      el.createEl("p", { text: `${plural(report.blocksWritten, "answer", "answers")} updated.` });
      drawList(el, "Skipped", lines(report.skipped));
    },
  };
}

/** What one answer's checked sources found: the sentences citing each page that is not fully supported. */
export class CheckDetailModal extends Modal {
  constructor(
    app: App,
    private readonly block: AnswerBlock,
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle("Source check details");
    const { contentEl } = this;
    contentEl.empty();
    const checked = this.block.sources.filter((s) => s.check !== undefined);
    const notSupported = checked.filter((s) => s.check!.verdict !== "supported");
    if (checked.length === 0) contentEl.createEl("p", { text: "The sources of this answer have not been checked yet." });
    else if (notSupported.length === 0) contentEl.createEl("p", { text: "Every checked source has the quoted passage and the figures on its page." });
    for (const source of notSupported) {
      const check = source.check!;
      const section = contentEl.createDiv();
      const head = section.createEl("p");
      head.createEl("strong", { text: `${VERDICT_MARKS[check.verdict]} ${source.id} · ${check.verdict} (checked ${check.on}) · ` });
      // Only the cited URL is shown as a link; nothing from the page itself is rendered.
      head.createEl("a", { text: source.title, href: source.url });
      if (check.reason) section.createEl("p", { text: check.verdict === "moved" ? `Now at: ${check.reason}` : `Why: ${check.reason}` });
      if (check.missing?.length) section.createEl("p", { text: `Not found on the page: ${check.missing.join(", ")}` });
      if (check.found?.length) section.createEl("p", { text: `Found: ${check.found.join(", ")}` });
      const claims = claimsFor(this.block.answer, source.id);
      if (claims.length) {
        const list = section.createEl("ul");
        for (const claim of claims) list.createEl("li", { text: claim.sentence });
      }
    }
    new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
  }

  override onClose(): void {
    this.contentEl.empty();
  }
}
