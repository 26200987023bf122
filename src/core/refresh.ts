// Refreshing answer blocks: which blocks may be re-asked, the request that re-asks one exactly as recorded,
// and the block that replaces it. The rule above all: user edits are never destroyed. An edited answer is
// skipped (or, if the user chose so, kept as a previous answer marked edited), a block whose structure or
// metadata is damaged is reported and left alone, and previous answers holding edits are never dropped.
import {
  isValidBlockId, type AnswerBlock, type BlockScan, type ParsedBlock, type PreviousAnswer, type SourceChanges,
} from "./block";
import { parseAskedAt } from "./staleness";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "./ask-request";
import type { ModelChoice, Preset, RecencyFilter, SearchContextSize, SearchOptions } from "./ask-request";

export type RefreshSkipReason = "edited" | "pending" | "failed" | "damaged" | "duplicate-id" | "changed";
export type RefreshCheck = { ok: true } | { ok: false; reason: RefreshSkipReason; detail: string };
/** What to do with a block whose answer the user edited: leave it (default), or refresh and keep the edit folded. */
export type EditedPolicy = "skip" | "keep";
export type KeepPrevious = "none" | "last" | "all";

export interface CheckOptions {
  /** Default "skip". */
  onEdited?: EditedPolicy;
  /** Re-ask blocks whose last ask failed (the block-at-cursor command); default false (a batch leaves them). */
  includeFailed?: boolean;
  /** From `findDuplicateIds` over the same note: every block after the first with an id is skipped. */
  duplicates?: ReadonlyMap<string, readonly ParsedBlock[]>;
}

/** Block ids that occur more than once in a note (copy-paste), each with its blocks in note order. */
export function findDuplicateIds(parsed: readonly ParsedBlock[]): Map<string, ParsedBlock[]> {
  const byId = new Map<string, ParsedBlock[]>();
  for (const p of parsed) {
    const list = byId.get(p.block.blockId);
    if (list) list.push(p);
    else byId.set(p.block.blockId, [p]);
  }
  for (const [id, list] of byId) if (list.length < 2) byId.delete(id);
  return byId;
}

/** Why the recorded request cannot be sent again as it was (empty when it can). */
export function requestProblems(block: AnswerBlock): string[] {
  const r = block.request;
  const out: string[] = [];
  if (block.question.trim() === "") out.push("no question recorded");
  if (r.preset !== undefined && !(PRESETS as readonly string[]).includes(r.preset)) out.push(`unknown preset "${r.preset}"`);
  if (r.preset === undefined && (r.model === undefined || r.model.trim() === "")) out.push("no preset or model recorded");
  if (r.recency !== undefined && !(RECENCY_FILTERS as readonly string[]).includes(r.recency)) out.push(`unknown recency "${r.recency}"`);
  if (r.contextSize !== undefined && !(SEARCH_CONTEXT_SIZES as readonly string[]).includes(r.contextSize)) {
    out.push(`unknown search context size "${r.contextSize}"`);
  }
  if (r.maxOutputTokens !== undefined && !(Number.isInteger(r.maxOutputTokens) && r.maxOutputTokens > 0)) {
    out.push(`invalid output token limit ${r.maxOutputTokens}`);
  }
  for (const day of [r.afterDate, r.beforeDate]) if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) out.push(`unreadable date filter "${day}"`);
  return out;
}

/**
 * Whether a parsed block may be refreshed. In order: a later copy of a duplicated id; damage (any parse
 * problem, an unusable id, date or request: the block is left exactly as it is); pending; failed; edited.
 */
export function checkRefreshable(parsed: ParsedBlock, options: CheckOptions = {}): RefreshCheck {
  const b = parsed.block;
  const copies = options.duplicates?.get(b.blockId);
  if (copies && copies[0]!.from !== parsed.from) {
    return { ok: false, reason: "duplicate-id", detail: `block ^pplx-${b.blockId} appears ${copies.length} times in the note; only the first is refreshed` };
  }
  const damage = [...parsed.problems];
  if (!isValidBlockId(b.blockId)) damage.push(`invalid block id ${JSON.stringify(b.blockId)}`);
  if (parseAskedAt(b.askedAt) === undefined) damage.push(`unreadable date ${JSON.stringify(b.askedAt)}`);
  damage.push(...requestProblems(b));
  if (damage.length > 0) return { ok: false, reason: "damaged", detail: damage.join("; ") };
  if (b.state === "pending") return { ok: false, reason: "pending", detail: "the block is still waiting for an answer" };
  if (b.state === "failed" && options.includeFailed !== true) return { ok: false, reason: "failed", detail: "the last ask failed; refresh it on its own to try again" };
  if (parsed.edited && (options.onEdited ?? "skip") === "skip") {
    return { ok: false, reason: "edited", detail: "the answer was edited since it was written" };
  }
  return { ok: true };
}

export interface RefreshRequest {
  question: string;
  choice: ModelChoice;
  search?: SearchOptions;
  maxOutputTokens?: number;
  language?: string;
  guidance?: string;
  /** Send the note's title and headings again, computed from the note as it is now. */
  noteContext: boolean;
}

/**
 * The recorded request, to ask again exactly as it was. Throws a RangeError when `requestProblems` finds any
 * (`checkRefreshable` reports those blocks as damaged first). A recorded preset wins over a model, as on the
 * Model line; custom instructions are not recorded and come from the settings at refresh time.
 */
export function requestFromBlock(block: AnswerBlock): RefreshRequest {
  const problems = requestProblems(block);
  if (problems.length > 0) throw new RangeError(`cannot re-ask block ${block.blockId}: ${problems.join("; ")}`);
  const r = block.request;
  const choice: ModelChoice = r.preset !== undefined ? { preset: r.preset as Preset } : { model: r.model! };
  const search: SearchOptions = {};
  if (r.allowDomains !== undefined && r.allowDomains.length > 0) search.allowDomains = [...r.allowDomains];
  if (r.denyDomains !== undefined && r.denyDomains.length > 0) search.denyDomains = [...r.denyDomains];
  if (r.recency !== undefined) search.recency = r.recency as RecencyFilter;
  if (r.contextSize !== undefined) search.contextSize = r.contextSize as SearchContextSize;
  if (r.afterDate !== undefined) search.afterDate = r.afterDate;
  if (r.beforeDate !== undefined) search.beforeDate = r.beforeDate;
  const out: RefreshRequest = { question: block.question, choice, noteContext: r.noteContext };
  if (r.language !== undefined) out.language = r.language;
  if (r.guidance !== undefined) out.guidance = r.guidance;
  if (Object.keys(search).length > 0) out.search = search;
  if (r.maxOutputTokens !== undefined) out.maxOutputTokens = r.maxOutputTokens;
  return out;
}

/**
 * Cited source IDs added and dropped from `old` to `fresh`; undefined when neither changed or `old` had no
 * answer. Only cited sources count: they are what the answer rests on (and what source notes link back to);
 * uncited search results vary from run to run and would make the line noise.
 */
export function sourceChanges(old: AnswerBlock, fresh: AnswerBlock): SourceChanges | undefined {
  if (old.state !== "answered") return undefined;
  const before = new Set(old.sources.filter((s) => s.cited).map((s) => s.id));
  const after = new Set(fresh.sources.filter((s) => s.cited).map((s) => s.id));
  const added = [...after].filter((id) => !before.has(id));
  const dropped = [...before].filter((id) => !after.has(id));
  return added.length === 0 && dropped.length === 0 ? undefined : { added, dropped };
}

export interface MergeOptions {
  keepPrevious: KeepPrevious;
  /** The user's edited answer, when the edited policy is "keep": kept with `edited: true` whatever `keepPrevious` says. */
  editedAnswer?: string;
}

/**
 * The block that replaces `old`: id, question, request, stale-after override and thread links from `old`; date, answer,
 * sources, model, cost, response id and hash from `fresh` (an answered block, e.g. from `buildAnswerBlock`).
 * The old answer becomes the newest previous answer; `keepPrevious` then trims: "all" keeps every one, "last"
 * only that newest, "none" none. Previous answers marked edited are always kept (user edits are never destroyed).
 */
export function mergeRefreshed(old: AnswerBlock, fresh: AnswerBlock, options: MergeOptions): AnswerBlock {
  if (fresh.state !== "answered") throw new RangeError("a refresh only replaces a block with an answered one");
  const edited = options.editedAnswer !== undefined;
  const oldText = options.editedAnswer ?? old.answer;
  // An answer that came back word for word the same is not worth keeping twice: the history stays as it was.
  const unchanged = !edited && oldText === fresh.answer;
  const newest: PreviousAnswer[] = [];
  if (!unchanged && oldText.trim() !== "" && (options.keepPrevious !== "none" || edited)) {
    const p: PreviousAnswer = { askedAt: old.askedAt, answer: oldText };
    if (old.answeredBy !== undefined) p.answeredBy = old.answeredBy;
    if (edited) p.edited = true;
    newest.push(p);
  }
  const older = unchanged ? [...(old.previous ?? [])] : (old.previous ?? []).filter((p) => options.keepPrevious === "all" || p.edited === true);
  const { staleAfterDays: _s, previous: _p, changes: _c, parent: _pa, thread: _t, ...rest } = fresh;
  const out: AnswerBlock = { ...rest, blockId: old.blockId, question: old.question, request: old.request };
  if (old.staleAfterDays !== undefined) out.staleAfterDays = old.staleAfterDays;
  // A refreshed follow-up stays in its thread.
  if (old.parent !== undefined) out.parent = old.parent;
  if (old.thread !== undefined) out.thread = old.thread;
  const changes = sourceChanges(old, fresh);
  if (changes !== undefined) out.changes = changes;
  const previous = [...newest, ...older];
  if (previous.length > 0) out.previous = previous;
  return out;
}

/**
 * At write time, on the block as it is NOW in the note (found again by id after the answer arrived): checks it
 * again (the user may have edited it meanwhile), that it was not refreshed by someone else since it was
 * planned (`plannedAskedAt`), and merges. The edited text kept is the current one.
 */
export function applyRefresh(
  current: ParsedBlock,
  fresh: AnswerBlock,
  options: CheckOptions & { keepPrevious: KeepPrevious; plannedAskedAt?: string },
): { ok: true; block: AnswerBlock } | { ok: false; reason: RefreshSkipReason; detail: string } {
  if (options.plannedAskedAt !== undefined && current.block.askedAt !== options.plannedAskedAt) {
    return { ok: false, reason: "changed", detail: "the block changed while its new answer was on the way" };
  }
  const check = checkRefreshable(current, options);
  if (!check.ok) return check;
  const merge: MergeOptions = { keepPrevious: options.keepPrevious };
  if (current.edited) merge.editedAnswer = current.block.answer;
  return { ok: true, block: mergeRefreshed(current.block, fresh, merge) };
}

export interface RefreshSkip {
  blockId?: string;
  from: number;
  to: number;
  reason: RefreshSkipReason;
  detail: string;
}

/**
 * The blocks of one note to refresh, and the ones skipped with why. `include` picks candidates (e.g. the stale
 * ones); unreadable callouts are always reported as damaged. Each duplicated id is handled once (its first block).
 */
export function planRefresh(
  scan: BlockScan,
  include: (b: AnswerBlock) => boolean,
  options: Omit<CheckOptions, "duplicates"> = {},
): { refresh: ParsedBlock[]; skipped: RefreshSkip[] } {
  const duplicates = findDuplicateIds(scan.blocks);
  const refresh: ParsedBlock[] = [];
  const skipped: RefreshSkip[] = scan.unreadable.map((u) => ({ ...(u.blockId === undefined ? {} : { blockId: u.blockId }), from: u.from, to: u.to, reason: "damaged" as const, detail: u.problem }));
  for (const p of scan.blocks) {
    if (!include(p.block)) continue;
    const check = checkRefreshable(p, { ...options, duplicates });
    if (check.ok) refresh.push(p);
    else skipped.push({ blockId: p.block.blockId, from: p.from, to: p.to, reason: check.reason, detail: check.detail });
  }
  skipped.sort((a, b) => a.from - b.from);
  return { refresh, skipped };
}

/** What re-asking these blocks may cost, from the cost each recorded (USD); blocks without one are counted, not priced. */
export function estimateCost(blocks: readonly AnswerBlock[]): { total: number; known: number; unknown: number } {
  let total = 0;
  let known = 0;
  for (const b of blocks) {
    if (typeof b.cost === "number" && Number.isFinite(b.cost) && b.cost >= 0) {
      total += b.cost;
      known++;
    }
  }
  return { total, known, unknown: blocks.length - known };
}
