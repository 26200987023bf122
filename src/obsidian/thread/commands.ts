// The thread commands: ask a follow-up of the answer at the cursor, and refresh the thread it belongs to.
import { Notice } from "obsidian";
import type { Editor, MarkdownFileInfo, MarkdownView, Menu } from "obsidian";
import { followUpOptions, inThread, threadBlocks } from "../../core/thread";
import type { CommandHost } from "../ask/commands";
import { AskModal } from "../ask/ask-modal";
import { resolveForFile } from "../settings/profile-options";
import { blockAtOffset, indexNote } from "../../core/thread-scan";
import { askFollowUp, findEarlierTurns, followUpNote, followUpRefusal } from "./follow-up-flow";
import { runWithNotice } from "../refresh/commands";
import type { Refresher } from "../refresh/refresh-flow";

export const THREAD_COMMAND_IDS = { askFollowUp: "ask-follow-up", refreshThread: "refresh-thread" } as const;

/** The cursor's answer block, if the cursor is in one (cheap test first: the palette asks on every keystroke). */
function cursorBlock(editor: Editor): ReturnType<typeof blockAtOffset> | null {
  const text = editor.getValue();
  if (!text.includes("pplx")) return null;
  const at = blockAtOffset(text, editor.posToOffset(editor.getCursor()));
  return at.parsed || at.unreadable ? at : null;
}

/** Opens the follow-up prompt for the answer at the cursor, or says why it cannot be followed up. */
export function openFollowUpPrompt(editor: Editor, info: MarkdownView | MarkdownFileInfo, host: CommandHost): void {
  const file = info.file;
  const at = cursorBlock(editor);
  if (!file || !at) return;
  const refusal = followUpRefusal(at);
  if (refusal || !at.parsed) {
    new Notice(refusal ?? "Put the cursor in an answer block to ask a follow-up.", 10_000);
    return;
  }
  const parent = at.parsed.block;
  const { context } = host;
  const text = editor.getValue();
  host.track(
    (async () => {
      const settings = context.settings();
      const turns = await findEarlierTurns(context.app, file, text, parent, settings.followUpTurns);
      // The note's options (profile, properties, settings), with the thread's own choices on top.
      const resolved = resolveForFile(context.app, settings, file);
      const fromThread = "the answer it follows";
      new AskModal(
        context.app,
        "",
        { ...resolved, options: followUpOptions(parent, resolved.options), from: { ...resolved.from, choice: fromThread, domains: fromThread, time: fromThread } },
        (question, chosen) => host.track(askFollowUp(context, editor, file, parent.blockId, question, chosen)),
        () => context.service.models(),
        { title: "Ask a follow-up", note: followUpNote(parent, turns, settings.followUpTurns) },
      ).open();
    })(),
  );
}

export function registerThreadCommands(host: CommandHost, refresher: Refresher): void {
  const { plugin } = host;
  plugin.addCommand({
    id: THREAD_COMMAND_IDS.askFollowUp,
    name: "Ask a follow-up",
    // Offered in any answer block, so that a pending, failed or damaged one gets a clear refusal, not silence.
    editorCheckCallback: (checking, editor, info) => {
      if (!info.file || !cursorBlock(editor)) return false;
      if (!checking) openFollowUpPrompt(editor, info, host);
      return true;
    },
  });
  plugin.addCommand({
    id: THREAD_COMMAND_IDS.refreshThread,
    name: "Refresh thread",
    editorCheckCallback: (checking, editor, info) => {
      const file = info.file;
      const at = cursorBlock(editor);
      if (!file || !at?.parsed) return false;
      const text = editor.getValue();
      const blocks = indexNote(text).refs;
      const member = blocks.find((p) => p.from === at.parsed!.from);
      if (!member || !inThread(blocks, member)) return false;
      if (checking) return true;
      // Every turn of the thread in this note, first answer first; the batch asks each follow-up after its parent.
      const ids = threadBlocks(blocks, member).map((p) => p.block.blockId);
      const plan = refresher.planNote(file, text, { blockIds: ids });
      if (!plan.targets.length) {
        new Notice(`This thread was not refreshed: ${plan.skipped.map((s) => s.detail).join("; ") || "none of its answers can be refreshed"}.`, 10_000);
        return true;
      }
      host.track(runWithNotice(host, refresher, plan.targets, plan.skipped));
      return true;
    },
  });
  plugin.registerEvent(
    plugin.app.workspace.on("editor-menu", (menu: Menu, editor: Editor, info: MarkdownView | MarkdownFileInfo) => {
      const at = info.file ? cursorBlock(editor) : null;
      if (!at?.parsed || followUpRefusal(at) !== null) return;
      menu.addItem((item) =>
        item
          .setTitle("Ask a follow-up")
          .setIcon("messages-square")
          .onClick(() => openFollowUpPrompt(editor, info, host)),
      );
    }),
  );
}
