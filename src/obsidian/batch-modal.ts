// The confirm / progress / summary window of "Ask every question in the selection" (the refresh window's pattern).
import { Modal, Setting } from "obsidian";
import type { App } from "obsidian";
import { OPTION_LABELS, OPTION_KEYS } from "../core/profiles";
import { describeBatch, describePlanCost } from "./batch-ask";
import type { BatchItem, BatchPlan, BatchReport } from "./batch-ask";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export class BatchAskModal extends Modal {
  private running = false;
  private progressEl: HTMLElement | null = null;

  constructor(
    app: App,
    private readonly plan: BatchPlan,
    private readonly start: (progress: (done: number, total: number) => void) => Promise<BatchReport>,
    private readonly cancel: () => void,
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle("Ask every question in the selection");
    const { contentEl } = this;
    contentEl.empty();
    const { plan } = this;
    if (plan.questions.length === 0) {
      contentEl.createEl("p", { text: "No questions to ask in the selection." });
      this.listItems("Skipped", plan.skipped.map((s) => ({ question: s.question, detail: s.reason === "answered" ? "already answered below" : "asked earlier in the selection" })));
      new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
      return;
    }
    contentEl.createEl("p", { text: `${plural(plan.questions.length, "question", "questions")} will be asked in "${plan.file.basename}", each answer inserted below its question.` });
    contentEl.createEl("p", { text: describePlanCost(plan) });
    if (plan.capNote) contentEl.createEl("p", { text: plan.capNote, cls: "mod-warning" });
    const options = OPTION_KEYS.filter((k) => plan.resolved.from[k] !== "not set").map((k) => `${OPTION_LABELS[k]} from ${plan.resolved.from[k]}`);
    contentEl.createEl("p", { text: `Options: ${options.join("; ")}.`, cls: "setting-item-description" });
    for (const problem of plan.resolved.problems) contentEl.createEl("p", { text: problem, cls: "mod-warning" });
    if (plan.skipped.length) contentEl.createEl("p", { text: `${plural(plan.skipped.length, "question is", "questions are")} skipped: already answered below or repeated.` });
    const list = contentEl.createEl("ol");
    for (const q of plan.questions.slice(0, 20)) list.createEl("li", { text: q.question });
    if (plan.questions.length > 20) contentEl.createEl("p", { text: `…and ${plan.questions.length - 20} more.` });
    new Setting(contentEl)
      .addButton((b) => b.setButtonText("Cancel").onClick(() => this.close()))
      .addButton((b) =>
        b
          .setButtonText(`Ask ${plural(plan.questions.length, "question", "questions")}`)
          .setCta()
          .onClick(() => void this.run()),
      );
  }

  /** Starts the batch (the confirm button; also tests and the demo's --yes). */
  async run(): Promise<BatchReport> {
    this.running = true;
    const { contentEl } = this;
    contentEl.empty();
    this.progressEl = contentEl.createEl("p", { text: `Asking 0 of ${this.plan.questions.length}…` });
    new Setting(contentEl).addButton((b) => b.setButtonText("Cancel the rest").onClick(() => this.cancel()));
    const report = await this.start((done, total) => this.progressEl?.setText(`Asked ${done} of ${total}…`));
    this.running = false;
    this.showSummary(report);
    return report;
  }

  private showSummary(report: BatchReport): void {
    const { contentEl } = this;
    contentEl.empty();
    this.setTitle("Questions asked");
    contentEl.createEl("p", { text: describeBatch(report) });
    this.listItems("Incomplete", report.incomplete);
    this.listItems("Skipped", report.skipped);
    this.listItems("Failed", report.failed);
    new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
  }

  private listItems(heading: string, items: BatchItem[]): void {
    if (!items.length) return;
    this.contentEl.createEl("p", { text: `${heading}:` });
    const list = this.contentEl.createEl("ul");
    for (const item of items.slice(0, 50)) list.createEl("li", { text: `"${item.question}" (${item.detail ?? "no reason given"})` });
    if (items.length > 50) this.contentEl.createEl("p", { text: `…and ${items.length - 50} more.` });
  }

  get isRunning(): boolean {
    return this.running;
  }

  override onClose(): void {
    // Closing the window does not stop a running batch; the cancel button or command does.
    this.contentEl.empty();
  }
}
