// "Refresh stale answers in vault": says how many answers in how many notes are stale and what
// refreshing them will cost, then shows progress (with a cancel button) and a summary.
import { Modal, Setting } from "obsidian";
import type { App } from "obsidian";
import type { RefreshItem, RefreshPlan, RefreshReport } from "./refresh-flow";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the plan will cost, from what these answers cost last time. */
export function describeCost(plan: RefreshPlan): string {
  const { total, known, unknown } = plan.cost;
  if (known === 0) return "Their earlier cost was not recorded, so no estimate is possible.";
  const estimate = unknown > 0 ? (total / known) * (known + unknown) : total;
  return `Estimated cost: about $${estimate.toFixed(estimate < 0.1 ? 4 : 2)}, from what these answers cost last time${unknown > 0 ? ` (${plural(unknown, "answer has", "answers have")} no recorded cost and ${unknown === 1 ? "is" : "are"} counted at the average)` : ""}.`;
}

export class RefreshVaultModal extends Modal {
  private running = false;
  private progressEl: HTMLElement | null = null;

  constructor(
    app: App,
    private readonly plan: RefreshPlan,
    private readonly start: (progress: (done: number, total: number, note: string) => void) => Promise<RefreshReport>,
    private readonly cancel: () => void,
    /** What a spending cap means for this batch ("" when nothing). */
    private readonly capNote = "",
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle("Refresh stale answers");
    const { contentEl } = this;
    contentEl.empty();
    const { plan } = this;
    if (plan.targets.length === 0) {
      contentEl.createEl("p", { text: "No stale answers in this vault." });
      this.listItems("Skipped", plan.skipped);
      new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
      return;
    }
    contentEl.createEl("p", { text: `${plural(plan.targets.length, "answer", "answers")} in ${plural(plan.notes, "note is", "notes are")} stale.` });
    contentEl.createEl("p", { text: describeCost(plan) });
    if (this.capNote) contentEl.createEl("p", { text: this.capNote, cls: "mod-warning" });
    if (plan.skipped.length) contentEl.createEl("p", { text: `${plural(plan.skipped.length, "answer", "answers")} will be skipped (listed below).` });
    this.listItems("Will be skipped", plan.skipped);
    new Setting(contentEl)
      .addButton((b) => b.setButtonText("Cancel").onClick(() => this.close()))
      .addButton((b) =>
        b
          .setButtonText(`Refresh ${plural(plan.targets.length, "answer", "answers")}`)
          .setCta()
          .onClick(() => void this.run()),
      );
  }

  /** Starts the batch (also used by tests). */
  async run(): Promise<RefreshReport> {
    this.running = true;
    const { contentEl } = this;
    contentEl.empty();
    this.progressEl = contentEl.createEl("p", { text: `Refreshing 0 of ${this.plan.targets.length}…` });
    new Setting(contentEl).addButton((b) => b.setButtonText("Cancel refresh").onClick(() => this.cancel()));
    const report = await this.start((done, total, note) => this.progressEl?.setText(`Refreshing ${done} of ${total}: ${note}`));
    this.running = false;
    this.showSummary(report);
    return report;
  }

  private showSummary(report: RefreshReport): void {
    const { contentEl } = this;
    contentEl.empty();
    this.setTitle("Refresh finished");
    if (report.stopped) contentEl.createEl("p", { text: `Stopped early: ${report.stopped}` });
    contentEl.createEl("p", {
      text: `${report.refreshed.length} refreshed, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped, ${report.failed.length} failed.`,
    });
    this.listItems("Skipped", report.skipped);
    this.listItems("Failed", report.failed);
    new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
  }

  private listItems(heading: string, items: RefreshItem[]): void {
    if (!items.length) return;
    this.contentEl.createEl("p", { text: `${heading}:` });
    const list = this.contentEl.createEl("ul");
    for (const item of items) list.createEl("li", { text: `${item.note}: "${item.question}" (${item.detail ?? "no reason given"})` });
  }

  get isRunning(): boolean {
    return this.running;
  }

  override onClose(): void {
    // Closing the window does not stop a running refresh; the cancel command or button does.
    this.contentEl.empty();
  }
}
