// Applies an edit computed from a note's CURRENT text: through the editor when the note is
// open (one transaction = one undo step, the user's cursor kept), otherwise atomically with
// vault.process. Offsets are never carried across an await: `edit` runs on the text as it is
// at the moment of writing, and finds its block again by id.
import { MarkdownView, TFile } from "obsidian";
import type { App, Editor } from "obsidian";

import type { TextChange } from "../../core/insertion";

/** Returns the change to make, or null when there is nothing to change (e.g. the block is gone). */
export type NoteEdit = (noteText: string) => TextChange | null;

export type WriteOutcome = "written" | "unchanged" | "note-missing";

/**
 * The editor of an open view showing `file`, if any: a markdown tab's, else `origin` (the editor a command
 * ran in: a Canvas card or a hover popover is not a markdown tab) while it is still open and still holds
 * `mark` (the block being written). Such an editor has changes the file on disk may not have yet, so
 * writing to the file instead would miss them.
 */
export function openEditorFor(app: App, file: TFile, origin?: EditorOrigin): Editor | null {
  for (const leaf of app.workspace.getLeavesOfType("markdown")) {
    const view = leaf.view;
    if (view instanceof MarkdownView && view.file?.path === file.path) return view.editor;
  }
  if (origin && isOpen(origin.editor) && origin.editor.getValue().includes(origin.mark)) return origin.editor;
  return null;
}

/** The editor a command ran in, and text only the note being written holds (its block's id line). */
export interface EditorOrigin {
  editor: Editor;
  mark: string;
}

/**
 * An editor whose view was closed is detached from the document (CodeMirror's `editor.cm.dom`). Obsidian's
 * editors all have `cm`; one without it cannot tell, so it is not trusted once its command has returned.
 */
function isOpen(editor: Editor): boolean {
  if (!("cm" in editor)) return false;
  const dom = (editor as { cm?: { dom?: { isConnected?: boolean } } }).cm?.dom;
  return dom?.isConnected !== false;
}

/** The note's text as the user sees it now: the open editor's (maybe unsaved), else the file's. */
export async function currentText(app: App, file: TFile, origin?: EditorOrigin): Promise<string> {
  return openEditorFor(app, file, origin)?.getValue() ?? (await app.vault.read(file));
}

export function applyToEditor(editor: Editor, edit: NoteEdit): WriteOutcome {
  const change = edit(editor.getValue());
  if (!change) return "unchanged";
  editor.transaction({ changes: [{ from: editor.offsetToPos(change.from), to: editor.offsetToPos(change.to), text: change.text }] });
  return "written";
}

export async function applyToNote(app: App, file: TFile, edit: NoteEdit, origin?: EditorOrigin): Promise<WriteOutcome> {
  // The note may have been deleted while we waited; a renamed note keeps its TFile.
  const current = app.vault.getAbstractFileByPath(file.path);
  if (!(current instanceof TFile)) return "note-missing";
  const editor = openEditorFor(app, current, origin);
  if (editor) return applyToEditor(editor, edit);
  let outcome: WriteOutcome = "unchanged";
  await app.vault.process(current, (text) => {
    const change = edit(text);
    if (!change) return text;
    outcome = "written";
    return text.slice(0, change.from) + change.text + text.slice(change.to);
  });
  return outcome;
}
