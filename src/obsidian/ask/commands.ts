// Commands and the editor context menu. Ids are stable: users bind hotkeys to them.
import { Notice } from "obsidian";
import type { Editor, MarkdownFileInfo, MarkdownView, Menu, Plugin } from "obsidian";
import { askAndInsert } from "./ask-flow";
import type { AskContext, AskTarget } from "./ask-flow";
import { AskModal } from "./ask-modal";
import { linkCitationsWithNotice } from "../sources/link-citations";
import { noticeProblems, resolveForFile } from "../settings/profile-options";
import { describeCancel } from "../background/commands";

export const COMMAND_IDS = { askSelection: "ask-selection", ask: "ask", cancel: "cancel", linkCitations: "link-citations" } as const;

export interface CommandHost {
  plugin: Plugin;
  context: AskContext;
  /** Tracks background work so tests and unload can wait for it. */
  track(job: Promise<unknown>): void;
  /** Running refresh batches, stopped by the cancel command too. */
  batches: Set<AbortController>;
}

function selectionTarget(editor: Editor, info: MarkdownView | MarkdownFileInfo, host: CommandHost): AskTarget | null {
  const file = info.file;
  const question = editor.getSelection().trim();
  if (!file || !question) return null;
  const anchor = editor.posToOffset(editor.getCursor("from"));
  const head = editor.posToOffset(editor.getCursor("to"));
  const resolved = resolveForFile(host.context.app, host.context.settings(), file);
  noticeProblems(resolved);
  return {
    editor,
    file,
    question,
    from: Math.min(anchor, head),
    to: Math.max(anchor, head),
    options: resolved.options,
    ...(resolved.profile ? { profile: resolved.profile } : {}),
  };
}

export function askSelection(editor: Editor, info: MarkdownView | MarkdownFileInfo, host: CommandHost): void {
  const target = selectionTarget(editor, info, host);
  if (!target) {
    new Notice("Select the question first, then ask again.");
    return;
  }
  host.track(askAndInsert(host.context, target));
}

export function openAskPrompt(editor: Editor, info: MarkdownView | MarkdownFileInfo, host: CommandHost): void {
  const file = info.file;
  if (!file) return;
  const selection = editor.getSelection();
  const cursor = editor.getCursor("to");
  const prefill = (selection || editor.getLine(cursor.line)).trim();
  const resolved = resolveForFile(host.context.app, host.context.settings(), file);
  new AskModal(host.context.app, prefill, resolved, (question, chosen) => {
    // The note may have changed while the prompt was open: insert at the cursor as it is now.
    const at = editor.posToOffset(editor.getCursor("to"));
    const hasSelection = editor.somethingSelected() && editor.getSelection().trim() === question;
    const from = hasSelection ? editor.posToOffset(editor.getCursor("from")) : at;
    host.track(askAndInsert(host.context, { editor, file, question, from, to: at, options: chosen, ...(resolved.profile ? { profile: resolved.profile } : {}) }));
  }, () => host.context.service.models()).open();
}

export function registerCommands(host: CommandHost): void {
  const { plugin } = host;
  plugin.addCommand({
    id: COMMAND_IDS.askSelection,
    name: "Ask about selection",
    editorCheckCallback: (checking, editor, info) => {
      if (!info.file || !editor.somethingSelected() || !editor.getSelection().trim()) return false;
      if (!checking) askSelection(editor, info, host);
      return true;
    },
  });
  plugin.addCommand({
    id: COMMAND_IDS.ask,
    name: "Ask a question…",
    editorCheckCallback: (checking, editor, info) => {
      if (!info.file) return false;
      if (!checking) openAskPrompt(editor, info, host);
      return true;
    },
  });
  plugin.addCommand({
    id: COMMAND_IDS.cancel,
    name: "Cancel running requests",
    checkCallback: (checking) => {
      const runs = host.context.background;
      const background = runs?.count ?? 0;
      if (host.context.service.pendingCount === 0 && host.batches.size === 0 && background === 0) return false;
      if (!checking) {
        const batches = host.batches.size;
        const count = host.context.service.pendingCount;
        for (const batch of host.batches) batch.abort();
        host.context.service.cancelAll();
        const requests = `${count} Perplexity ${count === 1 ? "request" : "requests"}`;
        if (count || batches || !background) new Notice(`Cancelled ${requests}${batches ? ` and ${batches === 1 ? "the running batch" : `${batches} running batches`}` : ""}.`);
        // Background runs are cancelled at Perplexity, which says whether each was still running.
        if (runs && background) host.track(runs.cancel().then((report) => new Notice(describeCancel(report), 10_000)));
      }
      return true;
    },
  });
  plugin.addCommand({
    id: COMMAND_IDS.linkCitations,
    name: "Link citations in this note",
    editorCheckCallback: (checking, editor, info) => {
      const file = info.file;
      if (!file) return false;
      if (!checking) host.track(linkCitationsWithNotice(host.context, file, editor));
      return true;
    },
  });
  plugin.registerEvent(
    plugin.app.workspace.on("editor-menu", (menu: Menu, editor: Editor, info: MarkdownView | MarkdownFileInfo) => {
      if (!info.file || !editor.getSelection().trim()) return;
      menu.addItem((item) =>
        item
          .setTitle("Perplexity: ask about selection")
          .setIcon("search")
          .onClick(() => askSelection(editor, info, host)),
      );
      menu.addItem((item) =>
        item
          .setTitle("Perplexity: ask a question…")
          .setIcon("message-circle-question")
          .onClick(() => openAskPrompt(editor, info, host)),
      );
    }),
  );
}

