// Writing a block that changes while its answer streams in, without getting in the user's way: flushes
// are batched (at most one per `intervalMs`, on window timers) and each finds its block again first,
// where it was last written before anywhere else, so a flush costs time in proportion to the block, not
// the note, and the user can keep typing anywhere. Edits go through the editor port (editor-port.ts):
// streamed states stay out of the undo history, and the final write is one undo step.
import { TFile } from "obsidian";
import type { App } from "obsidian";
import { findBlock } from "../../core/block";
import { applyFinal, editorPort, locateBlock, minimalChange } from "./editor-port";
import type { FinalEdit } from "./editor-port";
import { applyToNote, openEditorFor } from "./note-writer";
import type { EditorOrigin, WriteOutcome } from "./note-writer";

export interface StreamWriterOptions {
  app: App;
  file: TFile;
  blockId: string;
  /** Where the pending block was written, and its text. */
  from: number;
  text: string;
  /** The block as it should read now; called at flush time only, so many events cost one render. */
  render: () => string;
  /** Least time between two flushes. */
  intervalMs?: number;
  /** Time in ms (tests may pass a clock). */
  now?: () => number;
  /** The user deleted the block: nothing will be written, so the request can stop costing money. */
  onBlockGone?: () => void;
  /** The editor the question was asked in (a Canvas card or popover is no markdown tab), used while it holds the block. */
  origin?: EditorOrigin;
}

/** Writes a pending block again as its answer streams in, in batched flushes. */
export class BlockStreamWriter {
  /** Flushes that wrote to an editor. */
  flushes = 0;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private last: { from: number; text: string };
  private timer: number | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  /** The user edited inside the block or removed it: leave it alone until the final write. */
  private frozen = false;

  constructor(private readonly options: StreamWriterOptions) {
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => Date.now());
    this.last = { from: options.from, text: options.text };
  }

  /** The block's text as last written (to tell lines the user typed inside it from ours). */
  get written(): string {
    return this.last.text;
  }

  /**
   * Something to show changed. Flushes at once when the last flush is at least `intervalMs` old (or
   * `urgent`: the answer's first text), otherwise once that much time has passed, on a window timer.
   * Flushing from here too, not only from the timer, keeps the display moving when a backlog of events
   * is read in one go and no timer gets to run.
   */
  changed(urgent = false): void {
    if (this.stopped || this.frozen) return;
    const wait = this.lastFlushAt + this.intervalMs - this.now();
    if (urgent || wait <= 0) {
      if (this.timer !== null) window.clearTimeout(this.timer);
      this.timer = null;
      this.flush();
      return;
    }
    if (this.timer !== null) return;
    this.timer = window.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  /** Writes the block as it reads now, if its note is open and the block is where we left it. */
  flush(): void {
    if (this.stopped || this.frozen) return;
    this.lastFlushAt = this.now();
    const { app, file, blockId } = this.options;
    // A closed note is not written on every flush: the final write reaches it through vault.process.
    const editor = openEditorFor(app, file, this.options.origin);
    if (!editor) return;
    const port = editorPort(editor);
    const at = locateBlock(port, blockId, this.last);
    if (at === null) {
      this.frozen = true;
      if (!findBlock(editor.getValue(), blockId)) this.options.onBlockGone?.();
      return;
    }
    const text = this.options.render();
    if (text !== this.last.text) port.quiet(minimalChange(this.last.text, text, at));
    this.last = { from: at, text };
    this.flushes++;
  }

  /** The block was written some other way (a closed note, through vault.process): this is its text now. */
  rebase(text: string): void {
    this.last = { from: this.last.from, text };
  }

  /** No more flushes (the answer is complete, failed or cancelled). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Applies the final edit to the note as it is now: in its editor if open (`applyFinal`), otherwise with vault.process. */
export async function writeFinal(app: App, file: TFile, edit: (noteText: string) => FinalEdit | null, origin?: EditorOrigin): Promise<WriteOutcome> {
  const current = app.vault.getAbstractFileByPath(file.path);
  if (!(current instanceof TFile)) return "note-missing";
  const editor = openEditorFor(app, current, origin);
  if (!editor) return applyToNote(app, current, (text) => edit(text)?.change ?? null);
  const port = editorPort(editor);
  const text = port.text();
  const plan = edit(text);
  if (!plan) return "unchanged";
  applyFinal(port, text, plan);
  return "written";
}
