// Refreshing answers: find the stale blocks (narrowed through the metadata cache before any
// file is read), re-ask each recorded question under the rate limits, and replace each block in
// place, found again by its id at write time. Nothing the user wrote is ever overwritten: an
// edited answer is skipped or kept folded (setting), a block changed or deleted meanwhile is
// left alone, and every outcome is reported.
import { Platform, TFile } from "obsidian";
import type { App } from "obsidian";
import { BLOCK_ID_PREFIX, findBlock, formatBlock, parseBlocks, scanBlocks } from "../../core/block";
import type { AnswerBlock, ParsedBlock } from "../../core/block";
import type { Answer } from "../../core/answer";
import { runsInBackground } from "../../core/background";
import type { BackgroundRuns } from "../background/background-runs";
import { noteContextLine } from "../../core/note-context";
import { questionFraming } from "../../core/ask-options";
import { createRateLimiter } from "../../core/rate-limiter";
import type { LimiterClock } from "../../core/rate-limiter";
import { applyRefresh, checkRefreshable, estimateCost, findDuplicateIds, planRefresh, requestFromBlock } from "../../core/refresh";
import type { RefreshSkipReason } from "../../core/refresh";
import { STALE_AFTER_PROPERTY, isStale, staleAfterProblem } from "../../core/staleness";
import { PerplexityError } from "../../perplexity/errors";
import type { AskRequest, ConversationTurn } from "../../core/ask-request";
import { conversationOf, refreshDependencies } from "../../core/thread";
import { findEarlierTurns } from "../thread/follow-up-flow";
import { SpendCapError, newBatchSpend } from "../../core/spend";
import type { BatchSpend } from "../../core/spend";
import type { PerplexityQuerySettings } from "../../settings";
import { buildWithSources, errorMessage } from "../ask/answer-block";
import { formatOptions, requestMeta } from "../ask/ask-flow";
import { buildAskRequest } from "../../core/ask-options";
import { resolveForFile } from "../settings/profile-options";
import { applyToNote, currentText } from "../editing/note-writer";
import type { EditorOrigin } from "../editing/note-writer";
import type { PerplexityService } from "../service/perplexity-service";
import type { SourceLinker } from "../sources/source-linker";

export interface RefreshContext {
  app: App;
  service: PerplexityService;
  settings: () => PerplexityQuerySettings;
  now: () => Date;
  sources: SourceLinker;
  /** Deep presets are asked as background runs, polled by this (no connection held for minutes). */
  background?: BackgroundRuns;
}

type RefreshResult = { kind: "refreshed" | "unchanged" | "skipped"; detail?: string };

/** One block to refresh: where it is and what it looked like when planned. */
export interface RefreshTarget {
  file: TFile;
  blockId: string;
  question: string;
  askedAt: string;
  cost?: number;
  /** A follow-up's parent block id: a batch asks it only after its parent (threads). */
  parent?: string;
  /** The editor the command ran in (a Canvas card or popover is no markdown tab), written while it holds the block. */
  origin?: EditorOrigin;
}

export interface RefreshItem {
  note: string;
  question: string;
  detail?: string;
}

export interface RefreshReport {
  refreshed: RefreshItem[];
  unchanged: RefreshItem[];
  skipped: RefreshItem[];
  failed: RefreshItem[];
  /** Set when the batch stopped early: cancelled, offline, or a problem every request would hit. */
  stopped?: string;
}

export interface RefreshPlan {
  targets: RefreshTarget[];
  skipped: RefreshItem[];
  /** Note properties that could not be used, each naming the note and the property. */
  problems: string[];
  notes: number;
  cost: ReturnType<typeof estimateCost>;
}

/** Why a block was skipped, and what the user can do about it. */
const SKIP_WORDS: Record<RefreshSkipReason | "in-flight", string> = {
  edited: "you edited the answer; to refresh it anyway and keep your version folded, set Answers you edited to keep",
  pending: "it is still waiting for an answer",
  failed: "its last ask failed (use Refresh this answer to ask it again)",
  damaged: "its hidden metadata line was changed by hand (undo that edit, or ask the question again)",
  "duplicate-id": "its block id appears twice in the note after a copy-paste; only the first copy is refreshed (delete the ^pplx- line of the copy to make it plain text)",
  changed: "it changed while its new answer was on the way",
  "in-flight": "it is already being refreshed",
};

function skipText(reason: RefreshSkipReason | "in-flight", detail?: string): string {
  return reason === "damaged" && detail ? `${SKIP_WORDS.damaged}: ${detail}` : SKIP_WORDS[reason];
}

/** Errors after which every other request would fail too: the batch stops at once. */
export const BATCH_STOPPERS = new Set(["network", "missing-key", "key-rejected", "forbidden", "retired-endpoint"]);

function emptyReport(): RefreshReport {
  return { refreshed: [], unchanged: [], skipped: [], failed: [] };
}

/** A limiter clock on window timers (the core takes its clock injected). */
export const windowClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = window.setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        window.clearTimeout(timer);
        resolve();
      });
    }),
};

function flightKey(file: TFile, blockId: string): string {
  return `${file.path}#${blockId}`;
}

export class Refresher {
  /** Blocks being refreshed now, so a second batch does not ask (and pay for) them again. */
  private readonly inFlight = new Set<string>();
  /** One limiter for every batch, so two batches together still keep to the rate limit. */
  private limiter: { key: string; limiter: ReturnType<typeof createRateLimiter> } | null = null;

  constructor(private readonly ctx: RefreshContext) {}

  /** The limiter every batch shares (refreshes and the questions of a selection). */
  sharedLimiter(): ReturnType<typeof createRateLimiter> {
    const settings = this.ctx.settings();
    const key = `${settings.requestsPerMinute}/${settings.concurrency}`;
    const idle = this.limiter && this.limiter.limiter.stats.active === 0 && this.limiter.limiter.stats.queued === 0;
    if (!this.limiter || (this.limiter.key !== key && idle)) {
      this.limiter = {
        key,
        limiter: createRateLimiter({
          perMinute: settings.requestsPerMinute,
          concurrency: settings.concurrency,
          clock: windowClock,
          // A 429 slows every batch down and the block is asked again, instead of failing it.
          rateLimited: (error) =>
            error instanceof PerplexityError && error.kind === "rate-limited" ? (error.retryAfterSeconds === undefined ? null : error.retryAfterSeconds * 1000) : undefined,
        }),
      };
    }
    return this.limiter.limiter;
  }

  /** Plans the blocks of one note: the stale ones, or the one with `blockId` (or those of `blockIds`, a thread) whatever their age. */
  planNote(file: TFile, text: string, options: { blockId?: string; blockIds?: readonly string[] } = {}): Omit<RefreshPlan, "cost" | "notes"> & { blocks: AnswerBlock[] } {
    const settings = this.ctx.settings();
    const now = this.ctx.now().getTime();
    const property: unknown = this.ctx.app.metadataCache.getFileCache(file)?.frontmatter?.[STALE_AFTER_PROPERTY];
    const problem = staleAfterProblem(property, settings.staleAfterDays);
    const chosen = options.blockIds ?? (options.blockId !== undefined ? [options.blockId] : undefined);
    const include = (b: AnswerBlock) => (chosen !== undefined ? chosen.includes(b.blockId) : isStale(b, now, property, settings.staleAfterDays));
    const scan = scanBlocks(text);
    // Skips are reported for the blocks `include` picked, and for unreadable blocks whatever their age.
    const plan = planRefresh(scan, include, { onEdited: settings.whenEdited, includeFailed: chosen !== undefined });
    const question = (from: number) => scan.blocks.find((p) => p.from === from)?.block.question ?? "(unreadable block)";
    const busy = plan.refresh.filter((p) => this.inFlight.has(flightKey(file, p.block.blockId)));
    const ready = plan.refresh.filter((p) => !busy.includes(p));
    return {
      blocks: ready.map((p) => p.block),
      targets: ready.map((p) => ({
        file,
        blockId: p.block.blockId,
        question: p.block.question,
        askedAt: p.block.askedAt,
        ...(p.block.cost === undefined ? {} : { cost: p.block.cost }),
        ...(p.block.parent === undefined ? {} : { parent: p.block.parent }),
      })),
      skipped: [
        ...plan.skipped
          .filter((s) => chosen === undefined || (s.blockId !== undefined && chosen.includes(s.blockId)))
          .map((s) => ({ note: file.path, question: question(s.from), detail: skipText(s.reason, s.detail) })),
        ...busy.map((p) => ({ note: file.path, question: p.block.question, detail: SKIP_WORDS["in-flight"] })),
      ],
      problems: problem === undefined ? [] : [`${file.path}: ${problem}`],
    };
  }

  /**
   * The stale blocks of the whole vault. Only notes whose metadata lists a `^pplx-` block id are
   * read, so a vault of notes without answers costs one cache lookup per note.
   */
  async planVault(): Promise<RefreshPlan> {
    const { app } = this.ctx;
    const targets: RefreshTarget[] = [];
    const skipped: RefreshItem[] = [];
    const problems: string[] = [];
    const blocks: AnswerBlock[] = [];
    const notes = new Set<string>();
    for (const file of app.vault.getMarkdownFiles()) {
      const ids = app.metadataCache.getFileCache(file)?.blocks;
      if (!ids || !Object.keys(ids).some((id) => id.startsWith(BLOCK_ID_PREFIX))) continue;
      const plan = this.planNote(file, await currentText(app, file));
      targets.push(...plan.targets);
      skipped.push(...plan.skipped);
      problems.push(...plan.problems);
      blocks.push(...plan.blocks);
      if (plan.targets.length) notes.add(file.path);
    }
    return { targets, skipped, problems, notes: notes.size, cost: estimateCost(blocks) };
  }

  /**
   * Refreshes the targets under the rate limits; `progress` hears about each finished block.
   * `signal` stops the batch and its requests in flight (and nothing else).
   */
  async run(targets: RefreshTarget[], progress: (done: number, total: number, note: string) => void, signal: AbortSignal, skipped: RefreshItem[] = []): Promise<RefreshReport> {
    const report = emptyReport();
    report.skipped.push(...skipped);
    const stop = new AbortController();
    const stopBatch = (why: string) => {
      if (report.stopped === undefined) report.stopped = why;
      stop.abort();
    };
    signal.addEventListener("abort", () => stopBatch("You cancelled the refresh."));
    if (signal.aborted) stopBatch("You cancelled the refresh.");
    const limiter = this.sharedLimiter();
    // The per-batch cap counts what this run spends (a single answer is not a batch).
    const batch = targets.length > 1 ? newBatchSpend() : undefined;
    for (const target of targets) this.inFlight.add(flightKey(target.file, target.blockId));
    let done = 0;
    // Threads: a follow-up is asked only once its parent in this batch is done, so it is sent with the new answer.
    const waitFor = refreshDependencies(targets, (t) => flightKey(t.file, t.blockId), (t) => (t.parent === undefined ? undefined : flightKey(t.file, t.parent)));
    const finished = new Map<RefreshTarget, Promise<void>>();
    const finish = new Map<RefreshTarget, () => void>();
    for (const target of targets) finished.set(target, new Promise<void>((resolve) => finish.set(target, resolve)));
    await Promise.all(
      targets.map(async (target) => {
        const item: RefreshItem = { note: target.file.path, question: target.question };
        try {
          const parent = waitFor.get(target);
          if (parent !== undefined) await finished.get(parent);
          // A background run (deep preset) holds its place in the limiter only while it is started.
          const step = await limiter.run(() => this.refreshOne(target, stop.signal, batch), stop.signal);
          const outcome = typeof step === "function" ? await step() : step;
          if (outcome.kind === "refreshed") report.refreshed.push(item);
          else if (outcome.kind === "unchanged") report.unchanged.push(item);
          else report.skipped.push({ ...item, detail: outcome.detail });
        } catch (error) {
          if (stop.signal.aborted && (isAbort(error) || report.stopped !== undefined)) {
            report.skipped.push({ ...item, detail: "the refresh stopped before this answer" });
          } else {
            report.failed.push({ ...item, detail: errorMessage(error) });
            if (error instanceof PerplexityError && BATCH_STOPPERS.has(error.kind)) stopBatch(error.message);
            // A spending cap refuses every later request of the batch too.
            if (error instanceof SpendCapError) stopBatch(error.message);
          }
        } finally {
          finish.get(target)?.();
          this.inFlight.delete(flightKey(target.file, target.blockId));
          done++;
          progress(done, targets.length, target.file.basename);
        }
      }),
    );
    return report;
  }

  /**
   * Re-asks one block and writes the new answer in its place. A deep preset's background run returns once it has
   * started, with the rest of the work to await (outside the rate limiter's place).
   */
  async refreshOne(target: RefreshTarget, signal?: AbortSignal, batch?: BatchSpend): Promise<RefreshResult | (() => Promise<RefreshResult>)> {
    const { app } = this.ctx;
    const settings = this.ctx.settings();
    const file = target.file;
    if (!(app.vault.getAbstractFileByPath(file.path) instanceof TFile)) return { kind: "skipped", detail: "the note was deleted" };
    const text = await currentText(app, file, target.origin);
    const found = findBlock(text, target.blockId);
    if (!found) return { kind: "skipped", detail: "the block was deleted" };
    if (found.block.askedAt !== target.askedAt) return { kind: "skipped", detail: SKIP_WORDS.changed };
    // Checked again just before paying for the question: the user may have edited it meanwhile.
    const check = checkRefreshable(found, { onEdited: settings.whenEdited, includeFailed: true, duplicates: findDuplicateIds(parseBlocks(text)) });
    if (!check.ok) return { kind: "skipped", detail: skipText(check.reason, check.detail) };
    const recorded = requestFromBlock(found.block);
    const noteContext = recorded.noteContext ? noteContextLine(file.basename, text, found.from) : "";
    // A follow-up is re-asked with its thread's earlier turns as the notes show them now (its parent's new answer).
    let history: ConversationTurn[] = [];
    if (found.block.parent !== undefined) {
      const turns = await findEarlierTurns(app, file, text, found.block, settings.followUpTurns);
      if (turns.missing !== undefined && turns.turns.length < settings.followUpTurns) {
        return { kind: "skipped", detail: `the answer it follows (^pplx-${turns.missing}) is in no note any more, so it cannot be asked with its earlier turns (ask it again as a new question)` };
      }
      history = conversationOf(turns.turns, settings.followUpTurns);
    }
    // Asked as recorded, or (setting) with the options the note's profile and properties give now.
    const current = settings.refreshAppliesProfile ? resolveForFile(app, settings, file) : null;
    const asked: AskRequest = current ? buildAskRequest(recorded.question, current.options, settings, noteContext) : {
      question: recorded.question,
      choice: recorded.choice,
      ...questionFraming(settings, noteContext),
      ...(recorded.search ? { search: recorded.search } : {}),
      ...(recorded.maxOutputTokens ? { maxOutputTokens: recorded.maxOutputTokens } : {}),
      ...(recorded.language ? { language: recorded.language } : {}),
      ...(recorded.guidance ? { guidance: recorded.guidance } : {}),
    };
    const request: AskRequest = history.length > 0 ? { ...asked, history } : asked;
    const runs = this.ctx.background;
    if (runs && runsInBackground(request.choice, settings.backgroundRuns, Platform.isMobile)) {
      const started = await this.ctx.service.startRun(request, { ...(signal ? { signal } : {}), ...(batch ? { batch } : {}) });
      return async () => this.writeRefreshed(target, found, recorded.noteContext, request, current, await runs.awaitAnswer(started, signal));
    }
    const answer = await this.ctx.service.ask(request, { ...(signal ? { signal } : {}), ...(batch ? { batch } : {}) });
    return this.writeRefreshed(target, found, recorded.noteContext, request, current, answer);
  }

  /** Writes a refreshed answer over its block, found again by id (edits guarded by applyRefresh). */
  private async writeRefreshed(target: RefreshTarget, found: ParsedBlock, noteContext: boolean, request: AskRequest, applied: ReturnType<typeof resolveForFile> | null, answer: Answer): Promise<RefreshResult> {
    const { app } = this.ctx;
    const settings = this.ctx.settings();
    const file = target.file;
    const requestRecord = applied ? requestMeta(request, noteContext, applied.profile) : found.block.request;
    const meta = { blockId: found.block.blockId, askedAt: this.ctx.now().toISOString(), question: found.block.question, request: requestRecord };
    const built = await buildWithSources(this.ctx, answer, meta, file);
    let result: RefreshResult = { kind: "skipped", detail: "the block was deleted" };
    const outcome = await applyToNote(app, file, (current) => {
      const now = findBlock(current, target.blockId);
      if (!now) return null;
      const merged = applyRefresh(now, built.block, { onEdited: settings.whenEdited, keepPrevious: settings.keepPrevious, plannedAskedAt: target.askedAt, includeFailed: true });
      if (!merged.ok) {
        result = { kind: "skipped", detail: skipText(merged.reason, merged.detail) };
        return null;
      }
      result = { kind: now.block.answer === merged.block.answer ? "unchanged" : "refreshed" };
      // A refresh with the current profile records the options it actually used.
      const block = current ? { ...merged.block, request: requestRecord } : merged.block;
      return { from: now.from, to: now.to, text: formatBlock(block, formatOptions(settings, built.linkFor)) };
    }, target.origin);
    if (outcome === "note-missing") return { kind: "skipped", detail: "the note was deleted" };
    return result;
  }
}

function isAbort(error: unknown): boolean {
  return (error instanceof Error && error.name === "AbortError") || (error instanceof PerplexityError && error.kind === "aborted");
}

/** One line summing up a batch, for a notice. */
export function describeReport(report: RefreshReport): string {
  const parts = [`${report.refreshed.length} refreshed`];
  if (report.unchanged.length) parts.push(`${report.unchanged.length} unchanged`);
  if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
  if (report.failed.length) parts.push(`${report.failed.length} failed`);
  return `Perplexity refresh: ${parts.join(", ")}.${report.stopped ? ` Stopped early: ${report.stopped}` : ""}`;
}
