// The answers view: every answer block of the vault in the right sidebar, with filters, and actions to open
// or refresh one. Built once when opened (only notes whose metadata lists a ^pplx- block id are read), then
// kept current from the metadata cache's "changed" (a note is read again once Obsidian has parsed it, so its
// frontmatter is the new one; also how notes indexed after start-up arrive) and the vault's rename and delete.
import { BLOCK_ID_PREFIX } from "../../core/block";
import { ItemView, Setting, TFile } from "obsidian";
import type { App, CachedMetadata, EventRef, WorkspaceLeaf } from "obsidian";
import { AnswerIndex, formatAge } from "../../core/answer-index";
import type { AnswerFilter, AnswerRow, Staleness } from "../../core/answer-index";
import { ownership } from "../../core/background";
import type { Ownership } from "../../core/background";
import { formatUsd } from "../../core/spend";
import { STALE_AFTER_PROPERTY } from "../../core/staleness";
import type { PerplexityQuerySettings } from "../../settings";
import { cleanWebLine } from "../../core/web-text";

export const ANSWERS_VIEW_TYPE = "perplexity-answers";
/** Rows drawn at once; the filters narrow the rest down. */
const SHOWN = 200;

export interface AnswersViewHost {
  settings: () => PerplexityQuerySettings;
  now: () => Date;
  /** Refreshes one block (the refresh-at-cursor path, with its notice). */
  refresh(file: TFile, blockId: string): void;
  /** Background runs: whose a pending row is, and cancelling or taking over its run. */
  background?: {
    deviceId: string;
    cancel(rid: string): void;
    takeOver(file: TFile, blockId: string): void;
  };
}

function listsAnswers(cache: CachedMetadata | null): boolean {
  const ids = cache?.blocks;
  return !!ids && Object.keys(ids).some((id) => id.startsWith(BLOCK_ID_PREFIX));
}

/** Reads the vault's answers into an index and keeps it current; shared by the view and the benchmark. */
export class AnswerIndexer {
  readonly index = new AnswerIndex();
  private built: Promise<void> | null = null;

  constructor(private readonly app: App) {}

  /** The first build: notes with answer block ids only. */
  build(): Promise<void> {
    this.built ??= (async () => {
      for (const file of this.app.vault.getMarkdownFiles()) {
        const cache = this.app.metadataCache.getFileCache(file);
        if (!listsAnswers(cache)) continue;
        this.index.setNote(file.path, await this.app.vault.cachedRead(file), cache?.frontmatter?.[STALE_AFTER_PROPERTY]);
      }
    })();
    return this.built;
  }

  /**
   * Obsidian parsed a note (written, or indexed after start-up): read it again with the metadata of that parse.
   * A note that lists no answer and had none is skipped; one whose answers were removed is emptied.
   */
  update(file: TFile, text: string, cache: CachedMetadata | null): boolean {
    if (file.extension !== "md" || (!listsAnswers(cache) && !this.index.hasNote(file.path))) return false;
    this.index.setNote(file.path, text, cache?.frontmatter?.[STALE_AFTER_PROPERTY]);
    return true;
  }

  /** Subscribes to the cache's and the vault's events through `register` (a view's or plugin's registerEvent). */
  listen(register: (ref: EventRef) => void, changed: () => void): void {
    const vault = this.app.vault;
    register(this.app.metadataCache.on("changed", (file, data, cache) => this.update(file, data, cache) && changed()));
    register(
      vault.on("delete", (file) => {
        this.index.removeNote(file.path);
        changed();
      }),
    );
    register(
      vault.on("rename", (file, oldPath) => {
        this.index.renameNote(oldPath, file.path);
        changed();
      }),
    );
  }
}

export class AnswersView extends ItemView {
  readonly indexer: AnswerIndexer;
  filter: AnswerFilter = { staleness: "all" };
  private listEl: HTMLElement | null = null;
  private redrawTimer: number | null = null;
  private stopped = false;

  constructor(
    leaf: WorkspaceLeaf,
    private readonly host: AnswersViewHost,
  ) {
    super(leaf);
    this.indexer = new AnswerIndexer(this.app);
  }

  override getViewType(): string {
    return ANSWERS_VIEW_TYPE;
  }

  override getDisplayText(): string {
    return "Perplexity answers";
  }

  override getIcon(): string {
    return "list";
  }

  override async onOpen(): Promise<void> {
    const root = this.contentEl;
    root.empty();
    root.addClass("perplexity-answers-view");
    this.drawFilters(root);
    this.listEl = root.createDiv();
    this.listEl.setText("Reading the vault's answers…");
    this.indexer.listen((ref) => this.registerEvent(ref), () => this.scheduleRedraw());
    await this.indexer.build();
    this.redraw();
  }

  override async onClose(): Promise<void> {
    this.stopUpdates();
    this.contentEl.empty();
    return Promise.resolve();
  }

  private drawFilters(root: HTMLElement): void {
    new Setting(root).setName("Search").addText((t) =>
      t.setPlaceholder("Question or note").onChange((value) => {
        this.filter.text = value;
        this.redraw();
      }),
    );
    new Setting(root).setName("Folder").addText((t) =>
      t.setPlaceholder("All folders").onChange((value) => {
        this.filter.folder = value;
        this.redraw();
      }),
    );
    new Setting(root).setName("Age").addDropdown((d) =>
      d
        .addOption("all", "All answers")
        .addOption("stale", "Stale only")
        .addOption("fresh", "Fresh only")
        .setValue("all")
        .onChange((value) => {
          this.filter.staleness = value as Staleness;
          this.redraw();
        }),
    );
    new Setting(root).setName("Profile").addText((t) =>
      t.setPlaceholder("Any profile").onChange((value) => {
        if (value.trim()) this.filter.profile = value.trim();
        else delete this.filter.profile;
        this.redraw();
      }),
    );
  }

  /** Closed, or the plugin unloaded: no redraw is pending and none is scheduled. */
  stopUpdates(): void {
    this.stopped = true;
    if (this.redrawTimer !== null) window.clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
  }

  /** Vault events come in bursts (a batch writes many answers): draw once per burst. */
  private scheduleRedraw(): void {
    if (this.stopped || this.redrawTimer !== null) return;
    this.redrawTimer = window.setTimeout(() => {
      this.redrawTimer = null;
      this.redraw();
    }, 250);
  }

  /** The rows as the filters show them now (also what tests read). */
  rows(): AnswerRow[] {
    const settings = this.host.settings();
    return this.indexer.index.query(this.filter, this.host.now().getTime(), settings.staleAfterDays);
  }

  /** Opens the note at the answer's block. */
  open(row: AnswerRow): Promise<void> {
    return this.app.workspace.openLinkText(`${row.path}#^pplx-${row.blockId}`, "", false);
  }

  /** Re-asks the answer's question (the refresh-at-cursor path, whatever its age). */
  refresh(row: AnswerRow): void {
    const file = this.app.vault.getFileByPath(row.path);
    if (file) this.host.refresh(file, row.blockId);
  }

  /** Whose background run a pending row is (none: no background run). */
  owner(row: AnswerRow): Ownership {
    const device = this.host.background?.deviceId;
    return device === undefined ? "none" : ownership({ state: row.state, responseId: row.responseId, device: row.device }, device);
  }

  private stateText(row: AnswerRow): string {
    const owner = this.owner(row);
    if (owner === "mine") return "researching in the background on this device";
    if (owner === "elsewhere") return "researching in the background, checked by another device";
    return row.state === "answered" ? "" : row.state;
  }

  /** Takes the row's run over (it is then polled and written on this device). */
  takeOver(row: AnswerRow): void {
    const file = this.app.vault.getFileByPath(row.path);
    if (file) this.host.background?.takeOver(file, row.blockId);
  }

  redraw(): void {
    const list = this.listEl;
    if (!list) return;
    list.empty();
    const now = this.host.now().getTime();
    const days = this.host.settings().staleAfterDays;
    const rows = this.rows();
    list.createEl("p", { text: `${rows.length} of ${this.indexer.index.size} answers`, cls: "setting-item-description" });
    for (const row of rows.slice(0, SHOWN)) {
      const item = list.createDiv({ cls: "perplexity-answers-row" });
      const stale = this.indexer.index.isStale(row, now, days);
      item.createDiv({ text: cleanWebLine(row.question), cls: "perplexity-answers-question" });
      const bits = [
        row.path.replace(/\.md$/, ""),
        `${formatAge(row.askedAt, now)}${stale ? " (stale)" : ""}`,
        row.model,
        // A pending run has no cost or sources yet: what it holds against the caps instead.
        row.state === "pending" ? (row.estimate ? `estimate ${formatUsd(row.estimate)}` : "") : row.cost === undefined ? "cost unknown" : formatUsd(row.cost),
        row.state === "pending" ? "" : `${row.cited} cited of ${row.sources} sources`,
        row.checks ?? "",
        this.stateText(row),
        row.profile ? `profile ${row.profile}` : "",
      ].filter(Boolean);
      item.createDiv({ text: bits.join(" · "), cls: "setting-item-description" });
      const actions = new Setting(item);
      actions.addButton((b) => b.setButtonText("Open").onClick(() => void this.open(row)));
      const owner = this.owner(row);
      if (owner === "none") actions.addButton((b) => b.setButtonText("Refresh").onClick(() => this.refresh(row)));
      else if (owner === "mine") actions.addButton((b) => b.setButtonText("Cancel run").onClick(() => this.host.background?.cancel(row.responseId ?? "")));
      else actions.addButton((b) => b.setButtonText("Take over").onClick(() => this.takeOver(row)));
    }
    if (rows.length > SHOWN) list.createEl("p", { text: `…and ${rows.length - SHOWN} more: narrow the filters to see them.` });
  }
}
