// Obsidian's Editor as the app has it: a thin layer over a CodeMirror 6 EditorView (reached as `editor.cm`),
// with CodeMirror's own undo history. Positions are {line, ch}; a transaction's changes are all relative to
// the text before it and make one CodeMirror transaction (one undo step unless history merges it, as in
// the app). Built on obsidian-test-mocks' Editor so everything it does not override still works.
import { history, redo, undo } from "@codemirror/commands";
import { EditorSelection, EditorState } from "@codemirror/state";
import type { ChangeSpec, Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import * as mocks from "obsidian-test-mocks/obsidian";
import type { EditorPosition, EditorRangeOrCaret, EditorTransaction } from "obsidian";

export class CodeMirrorEditor extends mocks.Editor {
  readonly cm: EditorView;
  private readonly extensions: Extension[];
  private readonly writeListeners: (() => void)[] = [];

  /** `onWrite` runs after every change of the text (the benchmarks time editor writes with it). */
  constructor(text = "", onWrite?: () => void) {
    super();
    const parent = document.createElement("div");
    document.body.appendChild(parent);
    this.extensions = [
      history(),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        onWrite?.();
        for (const listener of this.writeListeners) listener();
      }),
    ];
    this.cm = new EditorView({ parent, state: EditorState.create({ doc: text, extensions: this.extensions }) });
  }

  /** Calls `listener` after every change of the text, whoever made it (editor methods or `cm.dispatch`). */
  onWrite(listener: () => void): void {
    this.writeListeners.push(listener);
  }

  destroy(): void {
    this.cm.dom.parentElement?.remove();
    this.cm.destroy();
  }

  private get doc() {
    return this.cm.state.doc;
  }

  override getValue(): string {
    return this.doc.toString();
  }

  /** Replaces the whole document and clears the history, as opening a file does. */
  override setValue(content: string): void {
    this.cm.setState(EditorState.create({ doc: content, extensions: this.extensions }));
  }

  override offsetToPos(offset: number): EditorPosition {
    const at = Math.max(0, Math.min(offset, this.doc.length));
    const line = this.doc.lineAt(at);
    return { line: line.number - 1, ch: at - line.from };
  }

  override posToOffset(pos: EditorPosition): number {
    const lineNumber = Math.max(1, Math.min(pos.line + 1, this.doc.lines));
    const line = this.doc.line(lineNumber);
    return line.from + Math.max(0, Math.min(pos.ch, line.length));
  }

  override getLine(line: number): string {
    return line >= 0 && line < this.doc.lines ? this.doc.line(line + 1).text : "";
  }

  override lineCount(): number {
    return this.doc.lines;
  }

  override lastLine(): number {
    return this.doc.lines - 1;
  }

  override getRange(from: EditorPosition, to: EditorPosition): string {
    return this.doc.sliceString(this.posToOffset(from), this.posToOffset(to));
  }

  override getCursor(side?: "from" | "to" | "head" | "anchor"): EditorPosition {
    const range = this.cm.state.selection.main;
    const offset = side === "from" ? range.from : side === "to" ? range.to : side === "anchor" ? range.anchor : range.head;
    return this.offsetToPos(offset);
  }

  override listSelections(): { anchor: EditorPosition; head: EditorPosition }[] {
    return this.cm.state.selection.ranges.map((r) => ({ anchor: this.offsetToPos(r.anchor), head: this.offsetToPos(r.head) }));
  }

  override getSelection(): string {
    const range = this.cm.state.selection.main;
    return this.doc.sliceString(range.from, range.to);
  }

  override somethingSelected(): boolean {
    return !this.cm.state.selection.main.empty;
  }

  override setSelection(anchor: EditorPosition, head?: EditorPosition): void {
    this.cm.dispatch({ selection: EditorSelection.single(this.posToOffset(anchor), this.posToOffset(head ?? anchor)) });
  }

  override setCursor(pos: EditorPosition | number, ch?: number): void {
    this.setSelection(typeof pos === "number" ? { line: pos, ch: ch ?? 0 } : pos);
  }

  override setSelections(ranges: { anchor: EditorPosition; head?: EditorPosition }[], main?: number): void {
    const selection = EditorSelection.create(
      ranges.map((r) => EditorSelection.range(this.posToOffset(r.anchor), this.posToOffset(r.head ?? r.anchor))),
      main ?? 0,
    );
    this.cm.dispatch({ selection });
  }

  override replaceRange(replacement: string, from: EditorPosition, to?: EditorPosition, origin?: string): void {
    const start = this.posToOffset(from);
    this.cm.dispatch({ changes: { from: start, to: to ? this.posToOffset(to) : start, insert: replacement }, ...(origin ? { userEvent: origin } : {}) });
  }

  override replaceSelection(replacement: string, origin?: string): void {
    this.cm.dispatch(this.cm.state.replaceSelection(replacement), origin ? { userEvent: origin } : {});
  }

  override setLine(n: number, text: string): void {
    this.replaceRange(text, { line: n, ch: 0 }, { line: n, ch: this.getLine(n).length });
  }

  override transaction(tx: EditorTransaction, origin?: string): void {
    const changes: ChangeSpec[] = (tx.changes ?? []).map((c) => {
      const from = this.posToOffset(c.from);
      return { from, to: c.to ? this.posToOffset(c.to) : from, insert: c.text };
    });
    const selections: EditorRangeOrCaret[] | undefined = tx.selections ?? (tx.selection ? [tx.selection] : undefined);
    // Selections are given in positions of the text after the changes.
    const after = changes.length ? this.cm.state.update({ changes }).state.doc : this.doc;
    const offsetIn = (pos: EditorPosition) => {
      const line = after.line(Math.max(1, Math.min(pos.line + 1, after.lines)));
      return line.from + Math.max(0, Math.min(pos.ch, line.length));
    };
    const selection = selections?.length
      ? EditorSelection.create(selections.map((s) => EditorSelection.range(offsetIn(s.from), offsetIn(s.to ?? s.from))))
      : undefined;
    this.cm.dispatch({ changes, ...(selection ? { selection } : {}), ...(origin ? { userEvent: origin } : {}) });
  }

  override undo(): void {
    undo(this.cm);
  }

  override redo(): void {
    redo(this.cm);
  }
}
