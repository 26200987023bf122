// The modals of source checks: the vault check (count, confirm, progress with cancel, summary: the same
// steps as the vault refresh) and the per-claim detail of one answer's checked sources.
import { Modal, Setting } from "obsidian";
import type { App } from "obsidian";
import type { AnswerBlock } from "../core/block";
import { claimsFor, VERDICT_MARKS } from "../core/source-check";
import { describeCheckReport } from "./check-flow";
import type { CheckItem, CheckPlan, CheckReport } from "./check-flow";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export class CheckVaultModal extends Modal {
  private running = false;
  private progressEl: HTMLElement | null = null;

  constructor(
    app: App,
    private readonly plan: CheckPlan,
    private readonly start: (progress: (done: number, total: number, url: string) => void) => Promise<CheckReport>,
    private readonly cancel: () => void,
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle("Check the sources in vault");
    const { contentEl } = this;
    contentEl.empty();
    const { plan } = this;
    if (plan.pages.length === 0) {
      contentEl.createEl("p", { text: "No answer in this vault cites a source." });
      new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
      return;
    }
    const recent = plan.pages.length - plan.due - plan.skipped.length;
    contentEl.createEl("p", {
      text: `${plural(plan.targets.length, "answer", "answers")} in ${plural(plan.notes, "note", "notes")} cite ${plural(plan.pages.length, "page", "pages")}. ${plural(plan.due, "page", "pages")} will be fetched${recent ? `; ${recent} checked recently will not be fetched again` : ""}.`,
    });
    contentEl.createEl("p", { text: "Fetching a page tells its site your internet address. No question is sent and nothing is paid." });
    this.listItems("Skipped", plan.skipped);
    new Setting(contentEl)
      .addButton((b) => b.setButtonText("Cancel").onClick(() => this.close()))
      .addButton((b) =>
        b
          .setButtonText(`Check ${plural(plan.pages.length, "page", "pages")}`)
          .setCta()
          .onClick(() => void this.run()),
      );
  }

  /** Starts the check (also what the demo's --yes and tests press). */
  async run(): Promise<CheckReport> {
    this.running = true;
    const { contentEl } = this;
    contentEl.empty();
    this.progressEl = contentEl.createEl("p", { text: `Checking 0 of ${this.plan.pages.length}…` });
    new Setting(contentEl).addButton((b) => b.setButtonText("Cancel check").onClick(() => this.cancel()));
    const report = await this.start((done, total, url) => this.progressEl?.setText(`Checking ${done} of ${total}: ${url}`)).finally(() => {
      this.running = false;
    });
    contentEl.empty();
    this.setTitle("Source check finished");
    contentEl.createEl("p", { text: describeCheckReport(report) });
    contentEl.createEl("p", { text: `${plural(report.blocksWritten, "answer", "answers")} updated.` });
    this.listItems("Skipped", report.skipped);
    new Setting(contentEl).addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
    return report;
  }

  /** Whether the check is under way (the demo's --yes waits for it, as for the vault refresh). */
  get isRunning(): boolean {
    return this.running;
  }

  private listItems(heading: string, items: CheckItem[]): void {
    if (!items.length) return;
    this.contentEl.createEl("p", { text: `${heading}:` });
    const list = this.contentEl.createEl("ul");
    for (const item of items.slice(0, 50)) list.createEl("li", { text: `${item.note ? item.note + ": " : ""}${item.what} (${item.detail})` });
    if (items.length > 50) list.createEl("li", { text: `…and ${items.length - 50} more.` });
  }

  override onClose(): void {
    // Closing the window does not stop a running check; its cancel button or the cancel command does.
    this.contentEl.empty();
  }
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
