// Threads: a follow-up question is asked with the earlier turns of its thread, and its answer block records the
// answer it follows (`parent`) and the thread's first answer (`thread`). Everything here works on parsed blocks
// and block ids, so a thread is found again after any edit around it, and a turn moved to another note is found
// by id (the glue looks it up there); nothing keeps positions.
import { PRESETS, RECENCY_FILTERS } from "./ask-request";
import type { ConversationTurn, ModelChoice, Preset, RecencyFilter } from "./ask-request";
import type { QuestionOptions } from "./ask-options";
import type { AnswerBlock } from "./block";

/** Earlier turns sent with a follow-up when the setting is left alone. */
export const DEFAULT_FOLLOW_UP_TURNS = 10;

/** The first block of each id (a copy-pasted duplicate never shadows the original). */
export function blocksById<T extends { block: Pick<AnswerBlock, "blockId"> }>(blocks: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const p of blocks) if (!out.has(p.block.blockId)) out.set(p.block.blockId, p);
  return out;
}

export interface EarlierTurns {
  /** The block's ancestors, oldest first; at most `limit` of them (the nearest). */
  turns: AnswerBlock[];
  /** An ancestor's id that `lookup` could not find: the walk stopped there. */
  missing?: string;
  /** A parent link leads back to a turn already seen (a hand edit): the walk stopped there. */
  loop?: boolean;
}

/** Walks `block`'s parent links back towards the thread's first answer, collecting at most `limit` turns. */
export function earlierTurns(block: AnswerBlock, lookup: (id: string) => AnswerBlock | undefined, limit = Number.POSITIVE_INFINITY): EarlierTurns {
  const turns: AnswerBlock[] = [];
  const seen = new Set([block.blockId]);
  let id = block.parent;
  while (id !== undefined && turns.length < limit) {
    if (seen.has(id)) return { turns: turns.reverse(), loop: true };
    seen.add(id);
    const parent = lookup(id);
    if (parent === undefined) return { turns: turns.reverse(), missing: id };
    turns.push(parent);
    id = parent.parent;
  }
  return { turns: turns.reverse() };
}

/**
 * The conversation sent before a new question: the last `maxTurns` earlier turns with a question and an answer
 * (the answer as the note shows it now, so the user's edits count), oldest first.
 */
export function conversationOf(turns: readonly AnswerBlock[], maxTurns: number): ConversationTurn[] {
  const usable = turns.filter((t) => t.question.trim() !== "" && t.answer.trim() !== "");
  const kept = maxTurns <= 0 ? [] : usable.slice(-maxTurns);
  return kept.map((t) => ({ question: t.question, answer: t.answer }));
}

/**
 * Input tokens the history adds, estimated from its length (about 4 characters a token for English text; the
 * real count depends on the model's tokenizer and is what Perplexity bills).
 */
export function estimateHistoryTokens(history: readonly ConversationTurn[]): number {
  let chars = 0;
  for (const t of history) chars += t.question.length + t.answer.length;
  return Math.ceil(chars / 4);
}

/** What finding a thread needs of a block: its id and links, and where it ends (a ParsedBlock, or a BlockRef). */
export interface LinkedBlock {
  block: Pick<AnswerBlock, "blockId" | "parent" | "thread">;
  to: number;
}

/** The thread a block belongs to in one note: the id its parent links lead to (its first answer's id). */
function rootKeys<T extends LinkedBlock>(blocks: readonly T[]): Map<T, string> {
  const byId = blocksById(blocks);
  const keys = new Map<T, string>();
  for (const p of blocks) {
    const path: T[] = [];
    const seen = new Set<string>();
    let at = p;
    let key: string | undefined;
    for (;;) {
      const known = keys.get(at);
      if (known !== undefined) {
        key = known;
        break;
      }
      path.push(at);
      seen.add(at.block.blockId);
      const parentId = at.block.parent;
      const parent = parentId === undefined ? undefined : byId.get(parentId);
      if (parentId === undefined) key = at.block.blockId;
      // A parent outside this note (moved): the thread's recorded first answer names the thread.
      else if (parent === undefined) key = at.block.thread ?? parentId;
      else if (seen.has(parentId)) key = parentId;
      if (key !== undefined) break;
      at = parent!;
    }
    for (const q of path) keys.set(q, key);
  }
  return keys;
}

/** Every block of the note in the same thread as `member` (its first answer and all follow-ups), in note order. */
export function threadBlocks<T extends LinkedBlock>(blocks: readonly T[], member: LinkedBlock): T[] {
  const keys = rootKeys(blocks);
  const same = blocks.find((p) => p === member) ?? blocks.find((p) => p.block.blockId === member.block.blockId && p.to === member.to);
  const key = same === undefined ? undefined : keys.get(same);
  if (key === undefined) return [];
  return blocks.filter((p) => keys.get(p) === key);
}

/** Whether a block is part of a thread: it follows another answer, or another answer follows it. */
export function inThread(blocks: readonly LinkedBlock[], member: LinkedBlock): boolean {
  return member.block.parent !== undefined || blocks.some((p) => p.block.parent === member.block.blockId);
}

/** The thread links of a new follow-up of `parent`. */
export function followUpLinks(parent: AnswerBlock): { parent: string; thread: string } {
  return { parent: parent.blockId, thread: parent.thread ?? parent.blockId };
}

/**
 * Where a new follow-up of `parent` goes: right after the last block of its thread in this note (so branches
 * stay in the order they were asked), as an offset just past that block's `^pplx-` line.
 */
export function followUpOffset(blocks: readonly LinkedBlock[], parent: LinkedBlock): number {
  const thread = threadBlocks(blocks, parent);
  return thread.reduce((end, p) => Math.max(end, p.to), parent.to);
}

/**
 * Orders refreshes so that no follow-up is asked before its parent has its new answer: for each item, the
 * item it must wait for (its nearest ancestor in the same batch), or undefined. Loops are broken.
 */
export function refreshDependencies<T>(items: readonly T[], idOf: (item: T) => string, parentOf: (item: T) => string | undefined): Map<T, T> {
  const byId = new Map<string, T>();
  for (const item of items) if (!byId.has(idOf(item))) byId.set(idOf(item), item);
  const out = new Map<T, T>();
  for (const item of items) {
    const parentId = parentOf(item);
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent === undefined || parent === item) continue;
    // Follow the chain up: if it comes back to `item`, this link would deadlock the batch.
    let at: T | undefined = parent;
    const seen = new Set<T>([item]);
    let loops = false;
    while (at !== undefined) {
      if (seen.has(at)) {
        loops = at === item;
        break;
      }
      seen.add(at);
      const up = parentOf(at);
      at = up === undefined ? undefined : byId.get(up);
    }
    if (!loops) out.set(item, parent);
  }
  return out;
}

/**
 * The prompt's starting options for a follow-up: the thread's own (the parent's recorded preset or model,
 * recency and domains), so a follow-up searches as the question it follows did. `fallback` covers a recorded
 * choice that can no longer be sent.
 */
export function followUpOptions(parent: AnswerBlock, fallback: QuestionOptions): QuestionOptions {
  const r = parent.request;
  const choice: ModelChoice =
    r.preset !== undefined && (PRESETS as readonly string[]).includes(r.preset)
      ? { preset: r.preset as Preset }
      : r.model !== undefined && r.model.trim() !== ""
        ? { model: r.model }
        : fallback.choice;
  const recency = r.recency !== undefined && (RECENCY_FILTERS as readonly string[]).includes(r.recency) ? (r.recency as RecencyFilter) : "";
  const domains = [...(r.allowDomains ?? []), ...(r.denyDomains ?? []).map((d) => `-${d}`)].join(" ");
  // The rest (language, guidance, context size) comes from where the note's options come from; the thread's
  // own time filter replaces the note's date range.
  const rest: QuestionOptions = { ...fallback };
  delete rest.afterDate;
  delete rest.beforeDate;
  return { ...rest, choice, recency, domains };
}
