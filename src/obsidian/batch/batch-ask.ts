// "Ask every question in the selection": find the questions, say how many and what they will cost, and on
// confirmation ask them under the shared rate limiter, each answer inserted after its list or paragraph (found again
// by its line when its turn comes). One failure does not stop the others; a problem every request would hit
// (no key, offline, a spending cap) stops the batch at once. Nothing is asked twice.
import { MarkdownView } from "obsidian";
import type { Editor, TFile } from "obsidian";
import { findQuestions, locateQuestion } from "../../core/batch-questions";
import type { BatchQuestion, SkippedQuestion } from "../../core/batch-questions";
import { SpendCapError, batchCapNote, describeEstimate, estimateCostOf, newBatchSpend, requestKind } from "../../core/spend";
import type { CapNote, Estimate, SpendTracker } from "../../core/spend";
import type { ResolvedOptions } from "../../core/profiles";
import type { RateLimiter } from "../../core/rate-limiter";
import { PerplexityError } from "../../perplexity/errors";
import { startAsk } from "../ask/ask-flow";
import type { AskContext, AskHandle, AskOutcome } from "../ask/ask-flow";
import { BATCH_STOPPERS } from "../refresh/refresh-flow";

export interface BatchPlan {
  file: TFile;
  editor: Editor;
  questions: BatchQuestion[];
  skipped: SkippedQuestion[];
  resolved: ResolvedOptions;
  /** Estimate of one question (from recorded costs of the same preset or model). */
  estimate: Estimate;
  /** What the caps say about the whole batch, before anything is sent; null when nothing to say. */
  capNote: CapNote | null;
}

export interface BatchItem {
  question: string;
  detail?: string;
}

export interface BatchReport {
  answered: BatchItem[];
  incomplete: BatchItem[];
  failed: BatchItem[];
  skipped: BatchItem[];
  stopped?: string;
}

const SKIP_WORDS: Record<SkippedQuestion["reason"], string> = {
  answered: "it already has an answer after its list or paragraph",
  duplicate: "the same question is asked earlier in the selection",
};

export function planBatch(ctx: AskContext, spend: SpendTracker, editor: Editor, file: TFile, resolved: ResolvedOptions): BatchPlan {
  const settings = ctx.settings();
  const text = editor.getValue();
  const anchor = editor.posToOffset(editor.getCursor("from"));
  const head = editor.posToOffset(editor.getCursor("to"));
  const { questions, skipped } = findQuestions(text, Math.min(anchor, head), Math.max(anchor, head), settings.batchQuestionLines);
  const kind = requestKind(resolved.options.choice);
  const estimate = estimateCostOf(spend.ledger, kind);
  const caps = { monthlyUsd: settings.monthlyCapUsd, batchUsd: settings.batchCapUsd };
  const capNote = batchCapNote(spend.ledger, ctx.now(), caps, spend.inFlightUsd, estimate.usd, questions.length, "questions");
  return { file, editor, questions, skipped, resolved, estimate, capNote };
}

export function describePlanCost(plan: BatchPlan): string {
  return `Estimated cost: ${describeEstimate(plan.estimate, plan.questions.length)}.`;
}

/** Whether the note's editor is still open (a closed note's editor must not be written to). */
function stillOpen(ctx: AskContext, editor: Editor): boolean {
  return ctx.app.workspace.getLeavesOfType("markdown").some((leaf) => leaf.view instanceof MarkdownView && leaf.view.editor === editor);
}

/** Asks every question of the plan; `progress` hears about each one finished. */
export async function runBatch(ctx: AskContext, limiter: RateLimiter, plan: BatchPlan, progress: (done: number, total: number) => void, signal: AbortSignal): Promise<BatchReport> {
  const report: BatchReport = { answered: [], incomplete: [], failed: [], skipped: plan.skipped.map((s) => ({ question: s.question, detail: SKIP_WORDS[s.reason] })) };
  const stop = new AbortController();
  const stopBatch = (why: string) => {
    report.stopped ??= why;
    stop.abort();
  };
  if (signal.aborted) stopBatch("You cancelled the batch.");
  signal.addEventListener("abort", () => stopBatch("You cancelled the batch."), { once: true });
  const batch = newBatchSpend();
  let done = 0;
  await Promise.all(
    plan.questions.map(async (q) => {
      const item: BatchItem = { question: q.question };
      try {
        // A background run (deep preset) holds its place in the limiter only while it is started; its answer is awaited outside.
        const handle = await limiter.run(async (): Promise<AskHandle | BatchItem> => {
          if (!stillOpen(ctx, plan.editor)) {
            stopBatch(`"${plan.file.basename}" was closed, so the remaining questions were not asked.`);
            return { ...item, detail: "the note was closed before its turn" };
          }
          // Found again now: answers inserted above it (and the user's typing) moved it.
          const at = locateQuestion(plan.editor.getValue(), q);
          if (!at) return { ...item, detail: "its line was changed or deleted, or it was answered meanwhile" };
          const asking = startAsk(ctx, {
            editor: plan.editor,
            file: plan.file,
            question: q.question,
            // An empty range at the line's end: the answer goes below the question, whatever the insertion setting.
            from: at.to,
            to: at.to,
            options: plan.resolved.options,
            ...(plan.resolved.profile ? { profile: plan.resolved.profile } : {}),
            silent: true,
            batch,
            signal: stop.signal,
          });
          // A 429 goes back to the limiter, which slows the whole batch down and asks again.
          const early = await asking.started;
          if (early?.error instanceof PerplexityError && early.error.kind === "rate-limited") throw early.error;
          return asking;
        }, stop.signal);
        const outcome: AskOutcome | BatchItem = "outcome" in handle ? await handle.outcome : handle;
        if (!("kind" in outcome)) report.skipped.push(outcome);
        else if (outcome.kind === "answered") report.answered.push(item);
        else if (outcome.kind === "incomplete") report.incomplete.push({ ...item, detail: outcome.message ?? "" });
        else if (stop.signal.aborted && !(outcome.error instanceof SpendCapError) && outcome.error instanceof PerplexityError && outcome.error.kind === "aborted") {
          report.skipped.push({ ...item, detail: "the batch stopped before its answer" });
        } else {
          report.failed.push({ ...item, detail: outcome.message ?? "" });
          const error = outcome.error;
          if (error instanceof SpendCapError) stopBatch(error.message);
          if (error instanceof PerplexityError && BATCH_STOPPERS.has(error.kind)) stopBatch(error.message);
        }
      } catch (error) {
        if (stop.signal.aborted) report.skipped.push({ ...item, detail: "the batch stopped before this question" });
        else report.failed.push({ ...item, detail: error instanceof Error ? error.message : "it failed" });
      } finally {
        done++;
        progress(done, plan.questions.length);
      }
    }),
  );
  return report;
}

/** One line summing up a batch, for a notice. */
export function describeBatch(report: BatchReport): string {
  const parts = [`${report.answered.length} answered`];
  if (report.incomplete.length) parts.push(`${report.incomplete.length} incomplete`);
  if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
  if (report.failed.length) parts.push(`${report.failed.length} failed`);
  return `Perplexity questions: ${parts.join(", ")}.${report.stopped ? ` Stopped early: ${report.stopped}` : ""}`;
}
