// The one window of every batch (refreshing the vault's stale answers, checking the vault's sources, asking the
// questions of a selection): what will happen and what it costs, Cancel or confirm, then progress with a cancel
// button, then a summary. Nothing starts before the confirm button. Closing the window does not stop a running
// batch: its cancel button or the "Cancel running requests" command does (the batch is in `batches`).
import { Modal, Notice, Setting } from "obsidian";
import type { App } from "obsidian";

/** Marks the paragraph saying why a window offers nothing to confirm (a cap already reached). */
const REFUSAL_CLASS = "perplexity-query-refusal";

/** A warning paragraph: the reason nothing can start when `refuses`, else a caution. */
export function drawWarning(el: HTMLElement, text: string, refuses = false): void {
  el.createEl("p", { text, cls: refuses ? ["mod-warning", REFUSAL_CLASS] : "mod-warning" });
}

/** Items listed under a heading, at most this many (the rest are counted). */
const LISTED = 50;

/** A heading and its items, one line each; nothing when there are none. */
export function drawList(el: HTMLElement, heading: string, lines: string[]): void {
  if (!lines.length) return;
  el.createEl("p", { text: `${heading}:` });
  const list = el.createEl("ul");
  for (const line of lines.slice(0, LISTED)) list.createEl("li", { text: line });
  if (lines.length > LISTED) el.createEl("p", { text: `…and ${lines.length - LISTED} more.` });
}

export interface BatchWindowSpec<Report> {
  title: string;
  /** Draws what the batch will do; returns the confirm button's text, or null when there is nothing to do. */
  drawPlan(el: HTMLElement): string | null;
  /** The progress line before anything is done ("Asking 0 of 3…"). */
  startLine: string;
  cancelButton: string;
  /** Runs the batch; `progress` replaces the progress line. */
  run(progress: (line: string) => void, signal: AbortSignal): Promise<Report>;
  /** The notice when it ends. */
  describe(report: Report): string;
  summaryTitle: string;
  /** The window's summary: counts and lists of what was skipped or failed. */
  drawSummary(el: HTMLElement, report: Report): void;
}

export class BatchWindow<Report> extends Modal {
  private running = false;

  constructor(
    app: App,
    private readonly spec: BatchWindowSpec<Report>,
    private readonly batches: Set<AbortController>,
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle(this.spec.title);
    const { contentEl } = this;
    contentEl.empty();
    const confirm = this.spec.drawPlan(contentEl);
    const buttons = new Setting(contentEl);
    if (confirm === null) {
      buttons.addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
      return;
    }
    buttons
      .addButton((b) => b.setButtonText("Cancel").onClick(() => this.close()))
      // A failure is shown in the window by run(); nothing is left to handle here.
      .addButton((b) => b.setButtonText(confirm).setCta().onClick(() => void this.run().catch(() => undefined)));
  }

  /** Starts the batch: the confirm button, and what tests and the demo's --yes press. */
  async run(): Promise<Report> {
    this.running = true;
    const controller = new AbortController();
    this.batches.add(controller);
    const { contentEl } = this;
    contentEl.empty();
    const progressEl = contentEl.createEl("p", { text: this.spec.startLine });
    new Setting(contentEl).addButton((b) => b.setButtonText(this.spec.cancelButton).onClick(() => controller.abort()));
    let report: Report;
    try {
      report = await this.spec.run((line) => progressEl.setText(line), controller.signal);
    } catch (error) {
      // Said in a notice too: the window may have been closed while the batch ran.
      const message = error instanceof Error ? error.message : String(error);
      new Notice(`${this.spec.title}: stopped. ${message}`, 15_000);
      this.showEnd(`${this.spec.title}: stopped`, (el) => el.createEl("p", { text: message }));
      throw error;
    } finally {
      this.running = false;
      this.batches.delete(controller);
    }
    new Notice(this.spec.describe(report), 15_000);
    this.showEnd(this.spec.summaryTitle, (el) => this.spec.drawSummary(el, report));
    return report;
  }

  private showEnd(title: string, draw: (el: HTMLElement) => void): void {
    const { contentEl } = this;
    contentEl.empty();
    this.setTitle(title);
    draw(contentEl);
    new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
  }

  /** Why the window offers nothing to confirm, when a cap is the reason (the headless demo reports it). */
  get refusal(): string | undefined {
    return this.contentEl.querySelector(`.${REFUSAL_CLASS}`)?.textContent ?? undefined;
  }

  /** Whether the batch is under way (the demo's --yes waits for it to end). */
  get isRunning(): boolean {
    return this.running;
  }

  override onClose(): void {
    this.contentEl.empty();
  }
}
