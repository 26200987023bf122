// The "ask" job: insert a pending block at once, ask Perplexity, show the answer in the block as it
// streams in (desktop), then write the finished block wherever it is by then (found again by its id),
// or put the note back on failure. Streamed states stay out of the undo history (see stream-writer.ts).
import { Notice, Platform } from "obsidian";
import type { TFile } from "obsidian";
import type { App, Editor } from "obsidian";
import { BLOCK_ID_PREFIX, backgroundStatus, buildAnswerBlock, findBlock, formatBlock, newBlockId } from "../../core/block";
import type { AnswerBlock, BlockRequestMeta, FormatOptions, SourceEntry } from "../../core/block";
import { linesAddedInside, placeAnswer, planInsertion, withTypedAfter } from "../../core/insertion";
import { noteContextLine } from "../../core/note-context";
import { INCOMPLETE_PREFIX, incompleteNote } from "../../core/partial";
import { PartialAnswer } from "../../core/partial-answer";
import { PerplexityError } from "../../perplexity/errors";
import type { AskRequest, ConversationTurn } from "../../core/ask-request";
import type { Answer } from "../../core/answer";
import { buildAskRequest } from "../../core/ask-options";
import type { QuestionOptions } from "../../core/ask-options";
import type { PerplexityQuerySettings } from "../../settings";
import { buildWithSources, errorMessage } from "./answer-block";
import { trackElapsed } from "./elapsed-status";
import type { PerplexityService } from "../service/perplexity-service";
import type { SourceLinker } from "../sources/source-linker";
import { applyFinal, editorPort, settleStreamedBlock } from "../editing/editor-port";
import { applyToNote, openEditorFor } from "../editing/note-writer";
import { BlockStreamWriter, writeFinal } from "../editing/stream-writer";
import type { Lifetime } from "../lifetime";
import { requestKind } from "../../core/spend";
import type { BatchSpend } from "../../core/spend";
import { BACKGROUND_START_STATUS, checkLanding, isUnfinished, runsInBackground } from "../../core/background";
import type { NotLanding } from "../../core/background";
import { plural } from "../../core/plural";
import type { BackgroundRuns } from "../background/background-runs";
import type { StartedRun } from "../service/perplexity-service";

export interface AskContext {
  app: App;
  service: PerplexityService;
  settings: () => PerplexityQuerySettings;
  now: () => Date;
  sources: SourceLinker;
  /** A status bar item (`plugin.addStatusBarItem()`): shows the elapsed time while requests run. */
  statusBar?: HTMLElement;
  /** Ends when the plugin unloads: from then on nothing may be written or shown. */
  lifetime?: Lifetime;
  /** Told about each answer written whole (the source check of new answers listens). */
  answered?: (file: TFile, blockId: string) => void;
  /** Background runs (deep presets): started here, polled and written by this. */
  background?: BackgroundRuns;
}

/** Where the question sits in the note when the user asks. */
export interface AskTarget {
  editor: Editor;
  file: TFile;
  question: string;
  /** Offsets of the selected text the question came from (from === to when typed in a prompt). */
  from: number;
  to: number;
  options: QuestionOptions;
  /** Set for a follow-up question (threads): the block's links and the earlier turns to send. */
  followUp?: FollowUp;
  /** The profile the options came from, recorded in the block. */
  profile?: string;
  /** A batch reports outcomes in its summary instead of one notice each. */
  silent?: boolean;
  /** The batch this question belongs to (per-batch spending cap). */
  batch?: BatchSpend;
  /** Stops this question (its batch was cancelled). */
  signal?: AbortSignal;
}

/** How one question ended: its answer written, or why not (the message a notice would show). */
export interface AskOutcome {
  kind: "answered" | "incomplete" | "failed" | "dropped";
  message?: string;
  error?: unknown;
}

/** A follow-up's thread links and the conversation sent before its question (see follow-up-flow.ts). */
export interface FollowUp {
  links: { parent: string; thread: string };
  history: ConversationTurn[];
}

export function formatOptions(settings: PerplexityQuerySettings, linkFor: (s: SourceEntry) => string): FormatOptions {
  const fold = settings.calloutFold === "expanded" ? "+" : settings.calloutFold === "collapsed" ? "-" : "";
  return { fold, citationDateFormat: settings.citationDateFormat, linkFor };
}

export function requestMeta(request: AskRequest, noteContext: boolean, profile?: string): BlockRequestMeta {
  const search = request.search ?? {};
  return {
    ...("preset" in request.choice ? { preset: request.choice.preset } : { model: request.choice.model }),
    ...(search.recency ? { recency: search.recency } : {}),
    ...(search.allowDomains ? { allowDomains: search.allowDomains } : {}),
    ...(search.denyDomains ? { denyDomains: search.denyDomains } : {}),
    ...(search.contextSize ? { contextSize: search.contextSize } : {}),
    ...(request.maxOutputTokens ? { maxOutputTokens: request.maxOutputTokens } : {}),
    noteContext,
    ...(search.afterDate ? { afterDate: search.afterDate } : {}),
    ...(search.beforeDate ? { beforeDate: search.beforeDate } : {}),
    ...(request.language ? { language: request.language } : {}),
    ...(request.guidance ? { guidance: request.guidance } : {}),
    ...(profile ? { profile } : {}),
  };
}

/** Runs one question end to end. Resolves when the block is written or the failure reported. */
export async function askAndInsert(ctx: AskContext, target: AskTarget): Promise<AskOutcome> {
  return startAsk(ctx, target).outcome;
}

/** An ask under way: `started` resolves once nothing holds a connection any more (null), or with the outcome if it ended first. */
export interface AskHandle {
  started: Promise<AskOutcome | null>;
  outcome: Promise<AskOutcome>;
}

/**
 * Starts one question. A question that runs in the background (a deep preset) is `started` as soon as
 * Perplexity has its run: a batch frees its place in the rate limiter then, while the answer is polled for.
 */
export function startAsk(ctx: AskContext, target: AskTarget): AskHandle {
  let markStarted: (outcome: AskOutcome | null) => void = () => undefined;
  const started = new Promise<AskOutcome | null>((resolve) => (markStarted = resolve));
  const outcome = runQuestion(ctx, target, () => markStarted(null)).then(
    (o) => {
      markStarted(o);
      return o;
    },
    (error: unknown) => {
      const failed: AskOutcome = { kind: "failed", message: errorMessage(error), error };
      markStarted(failed);
      return failed;
    },
  );
  return { started, outcome };
}

async function runQuestion(ctx: AskContext, target: AskTarget, markStarted: () => void): Promise<AskOutcome> {
  const settings = ctx.settings();
  const tell = (message: string, ms?: number) => {
    if (!target.silent) new Notice(message, ms);
  };
  const { editor, file } = target;
  const noteText = editor.getValue();
  const noteContext = settings.noteContext ? noteContextLine(file.basename, noteText, target.from) : "";
  const asked = buildAskRequest(target.question, target.options, settings, noteContext);
  const links = target.followUp?.links ?? {};
  const request: AskRequest = target.followUp?.history.length ? { ...asked, history: target.followUp.history } : asked;
  // Every id in the note, blocks or not (a regex: parsing a long note for this would cost a batch dearly).
  const taken = new Set(Array.from(noteText.matchAll(/\^pplx-([A-Za-z0-9-]+)/g), (m) => m[1]!));
  const pending: AnswerBlock = {
    blockId: newBlockId(Math.random, (id) => taken.has(id)),
    state: "pending",
    askedAt: ctx.now().toISOString(),
    question: target.question,
    request: requestMeta(request, settings.noteContext, target.profile),
    sources: [],
    answer: "",
    ...links,
  };
  const linkFor = (s: SourceEntry) => ctx.sources.linkFor(s, file);
  const options = formatOptions(settings, linkFor);
  // After the block that holds the selection (or in place of whole selected blocks): see placeAnswer.
  const place = placeAnswer(noteText, target.from, target.to, settings.insertionMode === "replace");
  const insertion = planInsertion(noteText, place.from, place.to, formatBlock(pending, options), place.closer);
  // Out of the undo history: once the answer is written, one undo takes the whole insertion back.
  editorPort(editor).quiet(insertion.change);
  // Later writes go to this editor while it holds the block, also when it is no markdown tab (Canvas, popover).
  const origin = { editor, mark: `^${BLOCK_ID_PREFIX}${pending.blockId}` };

  const partial = new PartialAnswer();
  let idFor: (url: string) => string | null = () => null;
  let idsFor = -1;
  // Stops this request only, when the user deletes its placeholder mid-stream.
  const placeholderGone = new AbortController();
  // The request stops when the placeholder goes or the caller (a cancelled batch) says so.
  const stop = new AbortController();
  placeholderGone.signal.addEventListener("abort", () => stop.abort(), { once: true });
  if (target.signal?.aborted) stop.abort();
  const onStop = () => stop.abort();
  target.signal?.addEventListener("abort", onStop, { once: true });
  // What the placeholder shows now: the streamed answer so far, or a background run's status.
  let renderNow: (() => string) | null = null;
  const writer = new BlockStreamWriter({
    origin,
    onBlockGone: () => placeholderGone.abort(),
    app: ctx.app,
    file,
    blockId: pending.blockId,
    from: insertion.change.from + insertion.lead.length,
    text: insertion.pendingText,
    render: () => {
      if (renderNow) return renderNow();
      // IDs as the finished block will have them (resolved again only when new sources arrived).
      if (idsFor !== partial.results.length) {
        idFor = ctx.sources.idResolver(partial.results.map((r) => r.url));
        idsFor = partial.results.length;
      }
      const block = partial.block({ blockId: pending.blockId, askedAt: pending.askedAt, question: pending.question, request: pending.request, idFor, linkFor });
      return formatBlock({ ...block, ...links }, options, partial.status());
    },
  });
  const stopElapsed = ctx.statusBar ? trackElapsed(ctx.statusBar) : () => undefined;
  // The whole answer once it arrived (the source notes may still be in the making).
  let arrived: Answer | null = null;
  // If the plugin unloads first: settle the block now, in the editor that holds it, from what arrived (marked
  // incomplete), or put the note back; no source notes are made. A closed note keeps its pending block,
  // which a refresh can ask again.
  const unregister =
    ctx.lifetime?.onEnd(() => {
      writer.stop();
      stopElapsed();
      const editor = openEditorFor(ctx.app, file, origin);
      if (!editor) return;
      const text = arrived?.text.trim() ? arrived.text : partial.text;
      let formatted: string | null = null;
      if (text.trim()) {
        const base = arrived ?? partial.asAnswer();
        const note = arrived ? "" : `\n\n${INCOMPLETE_PREFIX} the plugin was stopped before the answer was complete.`;
        const answerNow: Answer = { ...base, text: `${text.trimEnd()}${note}` };
        const idFor = ctx.sources.idResolver(answerNow.searchResults.map((r) => r.url));
        formatted = formatBlock(buildAnswerBlock(answerNow, { ...pending, idFor, linkFor }), options);
      }
      const port = editorPort(editor);
      const now = port.text();
      const plan = settleStreamedBlock(now, insertion, writer.written, pending.blockId, formatted);
      if (plan) applyFinal(port, now, plan);
    }) ?? (() => undefined);
  const background = ctx.background && runsInBackground(request.choice, settings.backgroundRuns, Platform.isMobile) ? ctx.background : null;
  try {
    return await (background ? runInBackground(background) : runAsk());
  } finally {
    unregister();
  }

  /**
   * A deep question: started at Perplexity as a background run, its id written into the placeholder (which
   * then survives a restart), then polled by `runs` until it ends; the answer replaces the placeholder as one
   * undo step, as a streamed answer does.
   */
  async function runInBackground(runs: BackgroundRuns): Promise<AskOutcome> {
    let current: AnswerBlock = pending;
    let status: string | undefined = BACKGROUND_START_STATUS;
    renderNow = () => formatBlock({ ...current, ...links }, options, status);
    writer.changed(true);
    let started: StartedRun;
    try {
      started = await ctx.service.startRun(request, { signal: stop.signal, ...(target.batch ? { batch: target.batch } : {}) });
    } catch (error) {
      // Unloaded: the cleanup above already put the note back.
      if (ctx.lifetime?.ended) return { kind: "dropped", message: "the plugin was stopped" };
      writer.stop();
      stopElapsed();
      // No run was started: the note goes back to how it was, as for any failed ask.
      await writeFinal(ctx.app, file, (text) => settleStreamedBlock(text, insertion, writer.written, pending.blockId, null), origin);
      const message = placeholderGone.signal.aborted ? "The answer's placeholder was removed from the note, so no run was started." : errorMessage(error);
      tell(message, 10_000);
      return { kind: "failed", message, error };
    } finally {
      target.signal?.removeEventListener("abort", onStop);
    }
    const rid = started.snapshot.id;
    // From here on, unloading leaves the placeholder pending: the run goes on and lands after the next load.
    unregister();
    stopElapsed();
    current = { ...pending, responseId: rid, device: runs.deviceId, estimate: started.reservation?.estimate.usd ?? 0 };
    status = undefined;
    if (!(await persistRun(current))) {
      // Deleted while the run was being started: nothing will be written, so it need not cost more.
      void ctx.service.cancelRun(rid).catch(() => undefined);
      started.reservation?.settle(true, undefined);
      writer.stop();
      const message = "The answer's placeholder was removed from the note. Perplexity was told to stop the run.";
      tell(message);
      markStarted();
      return { kind: "dropped", message };
    }
    markStarted();
    // Mobile has no status bar: say once that the answer will come, even if the app is left meanwhile.
    if (Platform.isMobile) tell(`Perplexity is researching in the background (${plural(runs.count + 1, "run")} pending); the answer is written into the note when it is ready, also if you leave the app meanwhile.`, 8_000);
    // Stopped from now on (a cancelled batch): cancelled at Perplexity. A placeholder deleted from now on is
    // `runs`' to notice (it may have been cut and pasted into another note, where the answer then lands).
    const cancelRun = () => void runs.cancel([rid]);
    target.signal?.addEventListener("abort", cancelRun, { once: true });
    if (target.signal?.aborted) cancelRun();
    try {
      return await runs.track(
        {
          rid,
          file,
          blockId: pending.blockId,
          question: pending.question,
          kind: requestKind(request.choice),
          ...(started.reservation ? { reservation: started.reservation } : {}),
          ...(target.silent ? { silent: true } : {}),
          progress: (snapshot) => {
            status = snapshot.sources > 0 ? backgroundStatus(current, `${plural(snapshot.sources, "source")} found so far`) : undefined;
            writer.changed();
          },
          write: (f, final) => writeLanded(f, final, rid, runs.deviceId),
        },
        !isUnfinished(started.snapshot.status),
      );
    } finally {
      writer.stop();
      target.signal?.removeEventListener("abort", cancelRun);
    }
  }

  /** Writes the run id into the placeholder: quietly in the open editor, else into the file. False when the placeholder is gone. */
  async function persistRun(block: AnswerBlock): Promise<boolean> {
    const text = formatBlock({ ...block, ...links }, options);
    writer.changed(true);
    const holdsRun = (now: string) => findBlock(now, pending.blockId)?.block.responseId === block.responseId;
    const editor = openEditorFor(ctx.app, file, origin);
    if (editor && holdsRun(editor.getValue())) return true;
    // A closed note, or the user typed inside the placeholder (the writer leaves it alone then): one edit, lines they typed kept.
    const written = await applyToNote(
      ctx.app,
      file,
      (now) => {
        const found = findBlock(now, pending.blockId);
        if (!found || found.block.state !== "pending" || found.block.responseId !== undefined) return null;
        return { from: found.from, to: found.to, text: withTypedAfter(text, linesAddedInside(now.slice(found.from, found.to), writer.written)) };
      },
      origin,
    );
    if (written === "written") writer.rebase(text);
    return written === "written";
  }

  /** The landed run's final text, as one undo step with the insertion (settleStreamedBlock), while the block is still this run's. */
  async function writeLanded(f: TFile, final: string, rid: string, device: string): Promise<"written" | "note-missing" | NotLanding> {
    writer.stop();
    let why: NotLanding | null = null;
    const outcome = await writeFinal(
      ctx.app,
      f,
      (text) => {
        const check = checkLanding(findBlock(text, pending.blockId)?.block, rid, device);
        if (!check.ok) {
          why = check.why;
          return null;
        }
        return settleStreamedBlock(text, insertion, writer.written, pending.blockId, final);
      },
      origin,
    );
    return outcome === "written" ? "written" : outcome === "note-missing" ? "note-missing" : (why ?? "gone");
  }

  async function runAsk(): Promise<AskOutcome> {
    let answer: Answer;
    let partialMessage: string | undefined;
    try {
      answer = await ctx.service.ask(request, {
        signal: stop.signal,
        ...(target.batch ? { batch: target.batch } : {}),
        onProgress: (p) => {
          const firstText = partial.text === "";
          // The first text shows at once; everything else waits for the next batched flush.
          if (partial.apply(p)) writer.changed(firstText && partial.text !== "");
        },
      });
    } catch (error) {
      // Unloaded: the cleanup above already settled the block; nothing more is written or shown.
      if (ctx.lifetime?.ended) return { kind: "dropped", message: "the plugin was stopped" };
      writer.stop();
      stopElapsed();
      if (placeholderGone.signal.aborted) {
        const message = "The answer's placeholder was removed from the note. Perplexity was told to stop writing it.";
        tell(message);
        return { kind: "dropped", message };
      }
      const kept = keptPartial(error, partial, settings);
      if (!kept) {
        // Put back exactly what the pending block replaced; leave the note alone if the block is gone.
        await writeFinal(ctx.app, file, (text) => settleStreamedBlock(text, insertion, writer.written, pending.blockId, null), origin);
        tell(errorMessage(error), 10_000);
        return { kind: "failed", message: errorMessage(error), error };
      }
      // The user paid for what arrived: keep it, marked as incomplete (or cancelled).
      answer = kept.answer;
      partialMessage = kept.message;
      tell(kept.message, 10_000);
    } finally {
      // A batch's signal outlives this question: leave no listener behind on it.
      target.signal?.removeEventListener("abort", onStop);
    }
    if (ctx.lifetime?.ended) return { kind: "dropped", message: "the plugin was stopped" };
    arrived = answer;
    writer.stop();
    stopElapsed();
    try {
      const built = await buildWithSources(ctx, answer, pending, file);
      if (ctx.lifetime?.ended) return { kind: "dropped", message: "the plugin was stopped" };
      const formatted = formatBlock({ ...built.block, ...links }, formatOptions(ctx.settings(), built.linkFor));
      const outcome = await writeFinal(ctx.app, file, (text) => settleStreamedBlock(text, insertion, writer.written, pending.blockId, formatted), origin);
      if (outcome === "unchanged") {
        const message = "Perplexity's answer arrived after its placeholder was removed from the note, so it was not inserted.";
        tell(message);
        return { kind: "dropped", message };
      }
      if (outcome === "note-missing") {
        const message = `Perplexity's answer arrived after "${file.basename}" was deleted, so it was not inserted.`;
        tell(message);
        return { kind: "dropped", message };
      }
      if (built.block.state === "answered") ctx.answered?.(file, pending.blockId);
      return partialMessage ? { kind: "incomplete", message: partialMessage } : { kind: "answered" };
    } catch (error) {
      if (ctx.lifetime?.ended) return { kind: "dropped", message: "the plugin was stopped" };
      const message = `Perplexity answered, but the answer could not be written into "${file.basename}": ${errorMessage(error)}`;
      tell(message, 10_000);
      return { kind: "failed", message, error };
    }
  }
}

/**
 * The partial answer of a run that stopped early, with a line saying so, and the message for the user;
 * null when nothing usable arrived or the user cancelled and chose not to keep partial answers.
 */
export function keptPartial(error: unknown, streamed: PartialAnswer | null, settings: PerplexityQuerySettings): { answer: Answer; message: string } | null {
  if (!(error instanceof PerplexityError)) return null;
  // The client attaches what it read; a stream cut before it could do so still left its text with us.
  const partial = error.partial ?? (streamed?.text ? { ...streamed.asAnswer(), text: streamed.text } : undefined);
  if (!partial?.text.trim()) return null;
  const text = partial.text.trimEnd();
  if (error.kind === "aborted") {
    if (error.detail === "unload") {
      return {
        answer: { ...partial, text: `${text}\n\n${INCOMPLETE_PREFIX} the plugin was stopped before the answer was complete.` },
        message: "Perplexity Query was stopped while an answer was streaming in. The part that arrived was kept and marked incomplete.",
      };
    }
    if (!settings.keepPartialOnCancel) return null;
    return {
      answer: { ...partial, text: `${text}\n\n${incompleteNote("aborted")}` },
      message: "The request to Perplexity was cancelled. The part of the answer that arrived was kept and marked as cancelled.",
    };
  }
  return {
    answer: { ...partial, text: `${text}\n\n${incompleteNote(error.kind)}` },
    message: `${errorMessage(error)} The part of the answer that arrived was kept and marked incomplete.`,
  };
}
