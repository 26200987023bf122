// The editor as the streaming block needs it: a port with two kinds of edit, `quiet` (kept out of the
// undo history) and `recorded` (one undo step). With CodeMirror 6 (`editor.cm`, Obsidian's editor) quiet
// edits carry `Transaction.addToHistory.of(false)`; editors without it (tests' mocks) fall back to
// `editor.transaction` for both. Also: finding a block again cheaply, and the final edit that makes the
// whole streamed insertion one undo step. No `obsidian` runtime import: tested against a real EditorState.
import { isolateHistory } from "@codemirror/commands";
import { Transaction } from "@codemirror/state";
import type { ChangeSpec, EditorState, TransactionSpec } from "@codemirror/state";
import type { Editor } from "obsidian";
import { BLOCK_ID_PREFIX, findBlock } from "../../core/block";
import { settleInsertion } from "../../core/insertion";
import type { PendingInsertion, TextChange } from "../../core/insertion";

/** The edits a streaming block needs from an editor, in offsets. */
export interface EditorPort {
  length(): number;
  slice(from: number, to: number): string;
  text(): string;
  /** An edit kept out of the undo history. */
  quiet(change: TextChange): void;
  /** An edit that is one undo step. */
  recorded(change: TextChange): void;
  /** True when quiet edits really stay out of the undo history. */
  readonly history: boolean;
}

/** The parts of CodeMirror's EditorView the port uses. */
export interface CodeMirrorViewLike {
  readonly state: EditorState;
  dispatch(spec: TransactionSpec): void;
}

/** A CodeMirror 6 view as an EditorPort: reads are O(range + log n), quiet edits stay out of history. */
export function codeMirrorPort(view: CodeMirrorViewLike): EditorPort {
  const changes = (c: TextChange): ChangeSpec => ({ from: c.from, to: c.to, insert: c.text });
  return {
    history: true,
    length: () => view.state.doc.length,
    slice: (from, to) => view.state.doc.sliceString(from, to),
    text: () => view.state.doc.toString(),
    quiet: (c) => view.dispatch({ changes: changes(c), annotations: Transaction.addToHistory.of(false) }),
    // Its own user event: never merged into the user's typing as one undo step.
    // Isolated, so typing right after the answer lands stays a separate undo step.
    recorded: (c) => view.dispatch({ changes: changes(c), userEvent: "input.perplexity", annotations: isolateHistory.of("full") }),
  };
}

/** Any Obsidian Editor as an EditorPort; both kinds of edit are ordinary transactions. */
export function plainEditorPort(editor: Editor): EditorPort {
  const write = (c: TextChange) =>
    editor.transaction({ changes: [{ from: editor.offsetToPos(c.from), to: editor.offsetToPos(c.to), text: c.text }] });
  return {
    history: false,
    length: () => editor.getValue().length,
    slice: (from, to) => editor.getRange(editor.offsetToPos(from), editor.offsetToPos(to)),
    text: () => editor.getValue(),
    quiet: write,
    recorded: write,
  };
}

function isCodeMirrorView(value: unknown): value is CodeMirrorViewLike {
  if (typeof value !== "object" || value === null) return false;
  const view = value as { state?: { doc?: { sliceString?: unknown } }; dispatch?: unknown };
  return typeof view.dispatch === "function" && typeof view.state?.doc?.sliceString === "function";
}

/** The CodeMirror port when the editor has its view (`editor.cm` in Obsidian), else the plain one. */
export function editorPort(editor: Editor): EditorPort {
  const cm = "cm" in editor ? (editor as { cm?: unknown }).cm : undefined;
  return isCodeMirrorView(cm) ? codeMirrorPort(cm) : plainEditorPort(editor);
}

/** The smallest change turning `before` into `after` (common prefix and suffix kept), at `offset`. */
export function minimalChange(before: string, after: string, offset: number): TextChange {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  return { from: offset + start, to: offset + before.length - end, text: after.slice(start, after.length - end) };
}

// How far around its last position the block is looked for before searching the whole note:
// more than anyone types between two flushes.
const NEAR = 4096;

/** Where the block stands now (its first offset), or null when it is gone or the user edited inside it. */
export function locateBlock(port: EditorPort, blockId: string, last: { from: number; text: string }): number | null {
  const { from, text } = last;
  const length = port.length();
  if (from + text.length <= length && port.slice(from, from + text.length) === text) return from;
  // Moved (the user typed above it): find its id line near where it was, then compare the whole block.
  const idLine = `\n^${BLOCK_ID_PREFIX}${blockId}`;
  const lo = Math.max(0, from - NEAR);
  const hi = Math.min(length, from + text.length + NEAR);
  const near = port.slice(lo, hi);
  for (let k = near.indexOf(idLine); k >= 0; k = near.indexOf(idLine, k + 1)) {
    const start = k + idLine.length - text.length;
    if (start >= 0 && near.startsWith(text, start)) return lo + start;
  }
  // Far away (a large paste above it): the whole note, once.
  const whole = port.text();
  const found = findBlock(whole, blockId);
  return found && whole.slice(found.from, found.to) === text ? found.from : null;
}

/** The final edit: `change` settles the block; `restore`, when given, is what puts the note back as before the ask. */
export interface FinalEdit {
  change: TextChange;
  restore?: TextChange;
}

/**
 * The final edit of a streamed block found by id in the note's current text: the answer (`answer`) or,
 * when null, the note put back as it was; null when the block is gone or no longer pending. `written` is
 * the block as last streamed, so that lines the user typed inside it are told apart from ours and kept.
 */
export function settleStreamedBlock(text: string, insertion: PendingInsertion, written: string, blockId: string, answer: string | null): FinalEdit | null {
  const found = findBlock(text, blockId);
  if (!found || found.block.state !== "pending") return null;
  const streamed = { ...insertion, pendingText: written };
  const restore = settleInsertion(text, found, streamed, null);
  return answer === null ? { change: restore } : { change: settleInsertion(text, found, streamed, answer), restore };
}

/**
 * Applies a final edit computed from `text` (the port's text now). With undo history control, an edit
 * with `restore` becomes a quiet restore plus one recorded insertion (one undo removes the answer), and
 * one without is a quiet restore (nothing to undo); otherwise it is one ordinary edit.
 */
export function applyFinal(port: EditorPort, text: string, plan: FinalEdit): void {
  const { change, restore } = plan;
  if (!port.history) port.recorded(change);
  else if (!restore) port.quiet(change);
  else if (restore.from <= change.from && change.to <= restore.to) {
    port.quiet(restore);
    port.recorded({
      from: restore.from,
      to: restore.from + restore.text.length,
      text: text.slice(restore.from, change.from) + change.text + text.slice(change.to, restore.to),
    });
  } else port.recorded(change);
}

