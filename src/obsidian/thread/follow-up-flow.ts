// Follow-up questions (threads): the earlier turns of a block, found by id in its note or, for a block moved to
// another note, in the notes that hold them; and asking a follow-up below the thread's last block.
import { Notice } from "obsidian";
import type { App, Editor, TFile } from "obsidian";
import { BLOCK_ID_PREFIX, findBlock, hashText } from "../../core/block";
import type { AnswerBlock } from "../../core/block";
import type { QuestionOptions } from "../../core/ask-options";
import { conversationOf, earlierTurns, estimateHistoryTokens, followUpLinks, followUpOffset } from "../../core/thread";
import type { EarlierTurns } from "../../core/thread";
import { indexNote } from "../../core/thread-scan";
import type { blockAtOffset } from "../../core/thread-scan";
import type { NoteIndex } from "../../core/thread-scan";
import { askAndInsert } from "../ask/ask-flow";
import type { AskContext } from "../ask/ask-flow";
import { currentText } from "../editing/note-writer";

/** Notes other than `except` whose metadata lists the block id `^pplx-<id>` (Obsidian's cache; read to confirm). */
function notesWithBlock(app: App, id: string, except: TFile): TFile[] {
  const key = `${BLOCK_ID_PREFIX}${id}`;
  return app.vault.getMarkdownFiles().filter((f) => {
    if (f.path === except.path) return false;
    const blocks = app.metadataCache.getFileCache(f)?.blocks;
    return blocks !== undefined && (key in blocks || key.toLowerCase() in blocks);
  });
}

/**
 * The turns before `start` (at most `limit`), oldest first: looked up in `text` (the note `file` as it is now),
 * then, for an id not found there, in the other notes that hold it. `missing` names a turn found nowhere.
 */
export async function findEarlierTurns(app: App, file: TFile, text: string, start: AnswerBlock, limit: number): Promise<EarlierTurns> {
  // Only the turns sent are parsed (see thread-scan.ts): a long note costs a scan of its metadata lines.
  const notes: NoteIndex[] = [indexNote(text)];
  const lookup = (id: string): AnswerBlock | undefined => {
    for (const note of notes) {
      const found = note.get(id);
      if (found) return found.block;
    }
    return undefined;
  };
  const searched = new Set<string>();
  for (;;) {
    const found = earlierTurns(start, lookup, limit);
    if (found.missing === undefined || searched.has(found.missing)) return found;
    searched.add(found.missing);
    for (const other of notesWithBlock(app, found.missing, file)) notes.push(indexNote(await currentText(app, other)));
  }
}

/** Why this block cannot be followed up (a sentence for a notice), or null when it can. */
export function followUpRefusal(at: ReturnType<typeof blockAtOffset>): string | null {
  const damaged = "its hidden metadata line was changed by hand, so it is not clear what the follow-up would build on. Undo that edit, or ask a new question.";
  if (at.unreadable || (at.parsed && at.parsed.problems.length > 0)) return `This answer cannot be followed up: ${damaged}`;
  const p = at.parsed;
  if (!p) return "Put the cursor in an answer block to ask a follow-up.";
  if (p.block.state === "pending") return "This answer is still waiting for Perplexity. Ask the follow-up once it has arrived.";
  if (p.block.state === "failed") return "This question failed, so there is no answer to follow up. Refresh it (Refresh this answer) first, then ask the follow-up.";
  return null;
}

/** What the follow-up prompt says about the thread: what it follows, and the input tokens the history adds. */
export function followUpNote(parent: AnswerBlock, turns: EarlierTurns, maxTurns: number): string {
  const history = conversationOf([...turns.turns, parent], maxTurns);
  const tokens = estimateHistoryTokens(history);
  const sent =
    history.length === 0
      ? "No earlier turns are sent (setting: Earlier turns sent with a follow-up)."
      : `The ${history.length === 1 ? "earlier turn adds" : `${history.length} earlier turns add`} about ${tokens.toLocaleString("en-US")} input tokens (estimated from their length, about 4 characters a token).`;
  const lost = turns.missing === undefined ? "" : ` An earlier turn (^pplx-${turns.missing}) is in no note, so it is not sent.`;
  return `Follows "${parent.question}". ${sent}${lost}`;
}

/**
 * Asks `question` as a follow-up of the block `parentId` of the note in `editor`: found again now (the prompt was
 * open a while), refused unless answered, sent with the earlier turns as the note shows them now, and written
 * right after the thread's last block. Says so if the parent was edited or deleted while the answer was coming.
 */
export async function askFollowUp(ctx: AskContext, editor: Editor, file: TFile, parentId: string, question: string, options: QuestionOptions): Promise<boolean> {
  const text = editor.getValue();
  const index = indexNote(text);
  const parent = index.get(parentId);
  if (!parent) {
    new Notice("The answer to follow up was removed from the note while the prompt was open, so nothing was asked.", 10_000);
    return false;
  }
  const refusal = followUpRefusal({ parsed: parent });
  if (refusal) {
    new Notice(refusal, 10_000);
    return false;
  }
  const maxTurns = ctx.settings().followUpTurns;
  const turns = await findEarlierTurns(ctx.app, file, text, parent.block, maxTurns);
  const history = conversationOf([...turns.turns, parent.block], maxTurns);
  const sentAnswer = hashText(parent.block.answer);
  if (turns.missing !== undefined) {
    new Notice(`An earlier answer of this thread (^pplx-${turns.missing}) is in no note any more, so the follow-up is asked with the ${history.length} turns that were found.`, 10_000);
  }
  // Offsets from the text read just now, with no await in between (findEarlierTurns may read other notes).
  const now = editor.getValue();
  const nowIndex = now === text ? index : indexNote(now);
  const current = nowIndex.refs.find((r) => r.block.blockId === parentId);
  if (!current) {
    new Notice("The answer to follow up was removed from the note, so nothing was asked.", 10_000);
    return false;
  }
  const at = followUpOffset(nowIndex.refs, current);
  const outcome = await askAndInsert(ctx, { editor, file, question, from: at, to: at, options, followUp: { links: followUpLinks(parent.block), history } });
  if (outcome.kind !== "answered" && outcome.kind !== "incomplete") return false;
  const after = findBlock(await currentText(ctx.app, file), parentId);
  if (!after) {
    new Notice(`The answer this follow-up continues was deleted while the follow-up was being answered. The follow-up was written below where it was, and its link back no longer leads anywhere.`, 10_000);
  } else if (hashText(after.block.answer) !== sentAnswer) {
    new Notice("The answer this follow-up continues was edited while the follow-up was being answered. The follow-up was written below it, and answers the version that was sent.", 10_000);
  }
  return true;
}
