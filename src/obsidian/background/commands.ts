// The background runs' commands (check now, cancel or take over the run at the cursor) and the status bar item
// that counts them (desktop; on mobile, where there is no status bar, notices say when runs resume and land).
import { Notice, Platform } from "obsidian";
import type { Editor, MarkdownFileInfo, MarkdownView, Plugin, TFile } from "obsidian";
import { ownership } from "../../core/background";
import { parseBlocks } from "../../core/block";
import type { ParsedBlock } from "../../core/block";
import { plural } from "../../core/plural";
import type { BackgroundRuns, CancelReport } from "./background-runs";

export const BACKGROUND_COMMAND_IDS = {
  checkNow: "check-background-runs",
  cancelAtCursor: "cancel-background-run",
  takeOver: "take-over-background-run",
} as const;

/** The answer block under the cursor, when the note has any. */
function blockAtCursor(editor: Editor): ParsedBlock | undefined {
  const text = editor.getValue();
  if (!text.includes("^pplx-")) return undefined;
  const offset = editor.posToOffset(editor.getCursor());
  return parseBlocks(text).find((p) => p.from <= offset && offset <= p.to);
}

/** "2 background runs cancelled: 1 was still running (stopped), 1 had already ended (its outcome is written)." */
export function describeCancel(report: CancelReport): string {
  const total = report.stopped + report.ended;
  const parts: string[] = [];
  if (report.stopped) parts.push(`${report.stopped} ${report.stopped === 1 ? "was" : "were"} still running and ${report.stopped === 1 ? "was" : "were"} stopped`);
  if (report.ended) parts.push(`${report.ended} had already ended (${report.ended === 1 ? "its answer is" : "their answers are"} written as usual)`);
  const failed = report.failed.length ? ` ${plural(report.failed.length, "cancel")} did not reach Perplexity: ${report.failed[0]}` : "";
  return total ? `Perplexity: ${plural(total, "background run")} cancelled at Perplexity: ${parts.join("; ")}.${failed}` : `Perplexity:${failed || " no background run to cancel."}`;
}

export function registerBackgroundCommands(plugin: Plugin, runs: BackgroundRuns, track: (job: Promise<unknown>) => void): void {
  plugin.addCommand({
    id: BACKGROUND_COMMAND_IDS.checkNow,
    name: "Check background runs now",
    checkCallback: (checking) => {
      if (runs.count === 0) return false;
      if (!checking) {
        runs.checkNow();
        new Notice(`Perplexity: checking ${plural(runs.count, "background run")} now.`);
      }
      return true;
    },
  });
  plugin.addCommand({
    id: BACKGROUND_COMMAND_IDS.cancelAtCursor,
    name: "Cancel this background run",
    editorCheckCallback: (checking, editor: Editor, info: MarkdownView | MarkdownFileInfo) => {
      const found = info.file ? blockAtCursor(editor) : undefined;
      const rid = found?.block.responseId;
      if (!found || !rid || ownership(found.block, runs.deviceId) === "none") return false;
      if (checking) return true;
      if (!runs.has(rid)) {
        new Notice("This background run is checked by another device. Take it over here first, then cancel it.", 10_000);
        return true;
      }
      track(runs.cancel([rid]).then((report) => new Notice(describeCancel(report), 10_000)));
      return true;
    },
  });
  plugin.addCommand({
    id: BACKGROUND_COMMAND_IDS.takeOver,
    name: "Take over this background run",
    editorCheckCallback: (checking, editor: Editor, info: MarkdownView | MarkdownFileInfo) => {
      const file = info.file;
      const found = file ? blockAtCursor(editor) : undefined;
      if (!file || !found || ownership(found.block, runs.deviceId) !== "elsewhere") return false;
      if (!checking) track(takeOver(runs, file, found.block.blockId));
      return true;
    },
  });
}

export async function takeOver(runs: BackgroundRuns, file: TFile, blockId: string): Promise<void> {
  new Notice(await runs.takeOver(file, blockId), 10_000);
}

/** How many runs this device is waiting for, in the status bar (desktop only: mobile has none). */
export class BackgroundStatus {
  private el: HTMLElement | null = null;

  constructor(
    private readonly plugin: Plugin,
    private readonly runs: () => BackgroundRuns,
  ) {}

  update(): void {
    if (!Platform.isDesktop) return;
    const count = this.runs().count;
    if (count === 0 && !this.el) return;
    this.el ??= this.plugin.addStatusBarItem();
    this.el.setText(count === 0 ? "" : `Perplexity: ${plural(count, "run")} researching`);
  }

  get text(): string {
    return this.el?.getText() ?? "";
  }
}
