// Background runs on this device: polls each run politely (core/background.ts: one GET per run per wait,
// through the rate limiter every batch shares), writes the answer into its block when the run ends, wherever
// the block is by then (found by id; written only while it is still pending with this run and this device),
// and finds the runs still pending after a restart, after the layout is ready. Unloading stops the polling and
// leaves the blocks as they are: the runs go on at Perplexity and land when the plugin loads again.
import { Notice, Platform, TFile } from "obsidian";
import type { App } from "obsidian";
import { PollQueue, checkLanding, failedRunBlock, isUnfinished, ownership, pollPolicy, overPending, takenOver } from "../../core/background";
import type { NotLanding } from "../../core/background";
import { BLOCK_ID_PREFIX, findBlock, formatBlock } from "../../core/block";
import type { AnswerBlock, ParsedBlock } from "../../core/block";
import { plural } from "../../core/plural";
import type { RateLimiter } from "../../core/rate-limiter";
import { requestKind } from "../../core/spend";
import type { SpendReservation, SpendTracker } from "../../core/spend";
import type { Answer } from "../../core/answer";
import { PerplexityError } from "../../perplexity/errors";
import type { RunSnapshot } from "../../perplexity/response";
import type { PerplexityQuerySettings } from "../../settings";
import { buildWithSources, errorMessage } from "../ask/answer-block";
import { formatOptions, keptPartial } from "../ask/ask-flow";
import type { AskOutcome } from "../ask/ask-flow";
import { applyToNote, currentText } from "../editing/note-writer";
import type { Lifetime } from "../lifetime";
import type { PerplexityService, StartedRun } from "../service/perplexity-service";
import type { SourceLinker } from "../sources/source-linker";
import { RunHints } from "./device";

/** What the user is told to do with a block whose run ended without an answer. */
export const ASK_AGAIN = 'To ask again, put the cursor in this block and run "Refresh this answer"; nothing is sent until you do.';

export interface BackgroundDeps {
  app: App;
  service: PerplexityService;
  settings: () => PerplexityQuerySettings;
  now: () => Date;
  sources: SourceLinker;
  lifetime: Lifetime;
  /** The limiter every batch shares: polls keep to the same requests per minute. */
  limiter: () => RateLimiter;
  spend: () => SpendTracker | undefined;
  /** This device's random id (device.ts), read when first needed (never in onload). */
  deviceId: () => string;
  /** Told about each answer written whole (the source check of new answers listens). */
  answered?: (file: TFile, blockId: string) => void;
  /** Told whenever the number of runs this device polls changes (the status bar). */
  changed?: () => void;
}

/** How a run ended, for the ask that started it (an AskOutcome) and for reports. */
export type RunEnd = AskOutcome;

/** Writes the final text of a block in place of its pending one; says whether it could. */
export type RunWrite = (file: TFile, final: string) => Promise<"written" | "note-missing" | NotLanding>;

/** A run to poll. `write` is the ask flow's own final write, when the run was started in this session. */
export interface RunStart {
  rid: string;
  file: TFile;
  blockId: string;
  question: string;
  kind: string;
  reservation?: SpendReservation;
  /** A batch reports outcomes in its summary instead of one notice each. */
  silent?: boolean;
  write?: RunWrite;
  /** Progress while it runs (sources found so far), for the ask flow's placeholder. */
  progress?: (snapshot: RunSnapshot) => void;
}

interface Tracked extends RunStart {
  path: string;
  waiters: ((end: RunEnd) => void)[];
  /** The user cancelled it and Perplexity said it was still running. */
  cancelledByUser?: boolean;
  sources: number;
  /** Polls that found it still running. */
  polls: number;
  /** The last poll found its block in no note (`stillWaitedFor`). */
  goneOnce?: boolean;
}

/** What the cancel command did to the runs of this device. */
export interface CancelReport {
  /** Runs Perplexity was still working on ("cancelling"). */
  stopped: number;
  /** Runs that had already ended: their outcome is written as usual. */
  ended: number;
  /** Runs the cancel request did not reach (offline, key rejected), with why. */
  failed: string[];
}

/** A run whose answer goes to the code that started it (a refresh), not into a pending block. */
interface Delivery {
  reservation?: SpendReservation;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

export class BackgroundRuns {
  private readonly runs = new Map<string, Tracked>();
  private readonly deliveries = new Map<string, Delivery>();
  private readonly queue = new PollQueue<string>(() => pollPolicy(this.deps.settings().pollMaxSeconds));
  private readonly hints: RunHints;
  private timer: number | null = null;
  private stopped = false;
  private problemShown = false;
  private resumed: Promise<ResumeReport> | null = null;

  constructor(private readonly deps: BackgroundDeps) {
    this.hints = new RunHints(deps.app);
  }

  get deviceId(): string {
    return this.deps.deviceId();
  }

  /** How many runs this device polls now. */
  get count(): number {
    return this.runs.size;
  }

  has(rid: string): boolean {
    return this.runs.has(rid);
  }

  /** The runs this device polls: question, note, sources found so far, polls that found it still running. */
  list(): { rid: string; path: string; blockId: string; question: string; sources: number; polls: number }[] {
    return [...this.runs.values()].map((t) => ({ rid: t.rid, path: t.path, blockId: t.blockId, question: t.question, sources: t.sources, polls: t.polls }));
  }

  /**
   * Polls `run` until it ends; resolves with how it ended (or "dropped" when the plugin unloads first). `hinted`:
   * its hint is already stored (a run found after a restart).
   */
  track(run: RunStart, immediately = false, hinted = false): Promise<RunEnd> {
    return new Promise<RunEnd>((resolve) => {
      if (this.stopped) return resolve(detached());
      const existing = this.runs.get(run.rid);
      if (existing) {
        existing.waiters.push(resolve);
        return;
      }
      this.runs.set(run.rid, { ...run, path: run.file.path, waiters: [resolve], sources: 0, polls: 0 });
      if (!hinted) this.hints.put({ rid: run.rid, path: run.file.path, blockId: run.blockId });
      this.queue.add(run.rid, Date.now(), immediately);
      this.deps.changed?.();
      this.schedule();
    });
  }

  /**
   * Polls a run started for a refresh (the block stays as it is until the new answer is in) and resolves with its
   * answer, or rejects as `service.ask` would. Not written into any note meanwhile, so not resumed after a
   * restart: unloading (or `signal`) cancels it at Perplexity instead of leaving it to run unseen.
   */
  awaitAnswer(started: StartedRun, signal?: AbortSignal): Promise<Answer> {
    const rid = started.snapshot.id;
    return new Promise<Answer>((resolve, reject) => {
      const delivery: Delivery = { resolve, reject, ...(started.reservation ? { reservation: started.reservation } : {}) };
      if (this.stopped) return this.abandon(rid, delivery, "unload");
      const { answer, error } = started.snapshot;
      if (answer || error) return this.deliver(delivery, answer ? { answer } : { error: error! });
      this.deliveries.set(rid, delivery);
      signal?.addEventListener("abort", () => this.abandon(rid, delivery, "user"), { once: true });
      if (signal?.aborted) return this.abandon(rid, delivery, "user");
      this.queue.add(rid, Date.now());
      this.schedule();
    });
  }

  private deliver(d: Delivery, result: { answer: Answer } | { error: PerplexityError }): void {
    if ("answer" in result) {
      d.reservation?.settle(true, result.answer.usage.totalCost);
      d.resolve(result.answer);
    } else {
      d.reservation?.settle(true, result.error.partial?.usage.totalCost);
      d.reject(result.error);
    }
  }

  /** A delivery nobody waits for any more: cancelled at Perplexity, its cost unknown. */
  private abandon(rid: string, d: Delivery, reason: "user" | "unload"): void {
    if (this.deliveries.get(rid) === d) this.deliveries.delete(rid);
    this.queue.remove(rid);
    void this.deps.service.cancelRun(rid).catch(() => undefined);
    d.reservation?.settle(true, undefined);
    d.reject(new PerplexityError("aborted", "The request to Perplexity was cancelled.", { detail: reason }));
  }

  /**
   * After the layout is ready: finds the runs this device started before the restart (its hints name their
   * notes; the blocks decide, read with `rowsOf`), holds their recorded estimates against the caps, and polls
   * each at once. Runs once; later calls get the same report.
   */
  resume(): Promise<ResumeReport> {
    this.resumed ??= this.findPending();
    return this.resumed;
  }

  private async findPending(): Promise<ResumeReport> {
    const report: ResumeReport = { found: 0, elsewhere: 0, gone: 0 };
    const hints = this.hints.all();
    const stale: string[] = [];
    for (const [index, hint] of hints.entries()) {
      if (this.stopped) break;
      // Notes are read a few at a time, so a thousand pending runs never freeze the app on start.
      if (index > 0 && index % 50 === 0) await new Promise((resolve) => window.setTimeout(resolve, 0));
      if (this.runs.has(hint.rid)) continue;
      const held = await this.noteWithBlock(hint.path, hint.blockId);
      const block = held?.found.block;
      const owner = block && block.responseId === hint.rid ? ownership(block, this.deps.deviceId()) : "none";
      if (!held || !block || owner !== "mine") {
        if (owner === "elsewhere") report.elsewhere++;
        else report.gone++;
        stale.push(hint.rid);
        continue;
      }
      report.found++;
      const { request } = block;
      const kind = requestKind(request.model !== undefined ? { model: request.model } : { preset: request.preset ?? "" });
      // Admitted by the caps before the restart: its recorded estimate counts again until it lands.
      const reservation = this.deps.spend()?.hold(kind, block.estimate ?? 0);
      const file = held.file;
      void this.track({ rid: hint.rid, file, blockId: hint.blockId, question: block.question, kind, ...(reservation ? { reservation } : {}) }, true, hint.path === file.path);
    }
    this.hints.remove(...stale);
    if (report.found > 0 && Platform.isMobile) {
      new Notice(`Perplexity: ${plural(report.found, "run")} still researching in the background; each answer is written into its note when it is ready.`, 8_000);
    }
    return report;
  }

  /**
   * The note that holds block `blockId` now, with its text and the block: the note at `path` if it does, else (the
   * block cut and pasted into another note, a note renamed or moved while the plugin was not running) a note whose
   * metadata cache lists the block's id. Null when none does.
   */
  private async noteWithBlock(path: string, blockId: string): Promise<{ file: TFile; found: ParsedBlock } | null> {
    const { app } = this.deps;
    const at = app.vault.getAbstractFileByPath(path);
    const inNote = async (file: TFile) => {
      const found = findBlock(await currentText(app, file), blockId);
      return found ? { file, found } : null;
    };
    const there = at instanceof TFile ? await inNote(at) : null;
    if (there) return there;
    const id = `${BLOCK_ID_PREFIX}${blockId}`.toLowerCase();
    for (const file of app.vault.getMarkdownFiles()) {
      if (file === at || app.metadataCache.getFileCache(file)?.blocks?.[id] === undefined) continue;
      const elsewhere = await inNote(file);
      if (elsewhere) return elsewhere;
    }
    return null;
  }

  /** The run's block is in another note now (cut and pasted there): the run follows it. */
  private follow(t: Tracked, file: TFile): void {
    if (t.path === file.path) return;
    t.path = file.path;
    t.file = file;
    this.hints.put({ rid: t.rid, path: file.path, blockId: t.blockId });
  }

  /** A note was renamed: its runs follow it. */
  renamed(from: string, to: string): void {
    for (const t of this.runs.values()) {
      if (t.path === from) t.path = to;
    }
    this.hints.renamed(from, to);
  }

  /** Polls every run now (the app came back to the foreground, or the user asked). */
  checkNow(): void {
    this.queue.wakeAll(Date.now());
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    const next = this.queue.nextDueAt();
    if (next === undefined) return;
    this.timer = window.setTimeout(() => {
      this.timer = null;
      this.tick();
    }, Math.max(0, next - Date.now()));
  }

  private tick(): void {
    if (this.stopped) return;
    for (const rid of this.queue.take(Date.now(), this.deps.settings().concurrency)) void this.poll(rid);
    this.schedule();
  }

  private async poll(rid: string): Promise<void> {
    const delivery = this.deliveries.get(rid);
    if (delivery) return this.pollDelivery(rid, delivery);
    const t = this.runs.get(rid);
    if (!t) return;
    let snapshot: RunSnapshot;
    try {
      snapshot = await this.deps.limiter().run((signal) => this.deps.service.retrieveRun(rid, { signal }), this.deps.lifetime.signal);
    } catch (error) {
      if (this.stopped) return;
      // Unknown to Perplexity (expired, not stored, another key), or an id that cannot be sent: it cannot land.
      if (error instanceof PerplexityError && (error.kind === "run-unknown" || (error.kind === "invalid-request" && error.param === "id"))) {
        await this.end(t, { failure: `${error.message} ${ASK_AGAIN}` });
        return;
      }
      // Offline, a dropped connection, a server hiccup, the limiter's own wait: the run goes on; poll later.
      if (error instanceof PerplexityError && ["missing-key", "key-rejected", "forbidden", "out-of-credit"].includes(error.kind)) this.problem(error);
      this.queue.again(rid, Date.now());
      this.schedule();
      return;
    }
    if (this.stopped || !this.runs.has(rid)) return;
    if (isUnfinished(snapshot.status)) {
      t.sources = snapshot.sources;
      t.polls++;
      if (!(await this.stillWaitedFor(t))) return;
      t.progress?.(snapshot);
      this.queue.again(rid, Date.now());
      this.schedule();
      return;
    }
    await this.end(t, snapshot.answer ? { answer: snapshot.answer } : { error: snapshot.error ?? new PerplexityError("bad-response", errorMessage(undefined)) });
  }

  private async pollDelivery(rid: string, d: Delivery): Promise<void> {
    let snapshot: RunSnapshot;
    try {
      snapshot = await this.deps.limiter().run((signal) => this.deps.service.retrieveRun(rid, { signal }), this.deps.lifetime.signal);
    } catch (error) {
      if (this.stopped || this.deliveries.get(rid) !== d) return;
      if (error instanceof PerplexityError && (error.kind === "run-unknown" || error.kind === "invalid-request")) {
        this.deliveries.delete(rid);
        this.queue.remove(rid);
        this.deliver(d, { error });
        return;
      }
      this.queue.again(rid, Date.now());
      this.schedule();
      return;
    }
    if (this.stopped || this.deliveries.get(rid) !== d) return;
    if (isUnfinished(snapshot.status)) {
      this.queue.again(rid, Date.now());
      this.schedule();
      return;
    }
    this.deliveries.delete(rid);
    this.queue.remove(rid);
    this.deliver(d, snapshot.answer ? { answer: snapshot.answer } : { error: snapshot.error ?? new PerplexityError("bad-response", errorMessage(undefined)) });
  }

  /**
   * Whether the run's block still waits for it on this device, checked at each poll of a run still going; if not,
   * the run is no longer polled here. Taken over by another device, or written already: left alone (that device
   * polls it). Asked again (another run in the block): nothing will ever write this run, so Perplexity stops it.
   * Gone from every note: stopped too, but only when two polls in a row found it gone, so a placeholder cut and
   * pasted into another note meanwhile is found there (and followed) first.
   */
  private async stillWaitedFor(t: Tracked): Promise<boolean> {
    const held = await this.noteWithBlock(t.path, t.blockId);
    if (this.stopped || !this.runs.has(t.rid)) return false;
    const check = checkLanding(held?.found.block, t.rid, this.deps.deviceId());
    if (check.ok) {
      t.goneOnce = false;
      this.follow(t, held!.file);
      return true;
    }
    if (check.why === "gone" && !t.goneOnce) {
      t.goneOnce = true;
      return true;
    }
    const stop = check.why === "gone" || check.why === "replaced";
    if (stop) await this.deps.service.cancelRun(t.rid).catch(() => undefined);
    const end = notLanded(check.why, t.question);
    this.finish(t, check.why, stop ? { ...end, message: `${end.message} Perplexity was told to stop the run, so it costs nothing more.` } : end, undefined);
    return false;
  }

  /** Once per session: polling cannot get through for a reason the user must fix. */
  private problem(error: PerplexityError): void {
    if (this.problemShown) return;
    this.problemShown = true;
    new Notice(`Perplexity Query cannot check its background runs: ${error.message} They are checked again later.`, 15_000);
  }

  /** The run ended: its block gets the answer (or says why not), its reservation settles, its waiters hear. */
  private async end(t: Tracked, result: { answer: Answer } | { error: PerplexityError } | { failure: string }): Promise<void> {
    this.queue.remove(t.rid);
    const cost = "answer" in result ? result.answer.usage.totalCost : "error" in result ? result.error.partial?.usage.totalCost : undefined;
    let end: RunEnd;
    let outcome: "written" | "note-missing" | NotLanding | "error" = "error";
    try {
      const written = await this.land(t, result);
      outcome = written.outcome;
      end = written.end;
    } catch (error) {
      end = { kind: "failed", message: `Perplexity's answer could not be written into "${t.file.basename}": ${errorMessage(error)}`, error };
    }
    this.finish(t, outcome, end, cost);
  }

  /** No longer polled here: its reservation settles, its hint goes, its waiters hear how it ended. */
  private finish(t: Tracked, outcome: "written" | "note-missing" | NotLanding | "error", end: RunEnd, cost: number | undefined): void {
    if (this.stopped) return;
    this.queue.remove(t.rid);
    // Another device took the run over, or wrote it already: that device holds and records its cost.
    t.reservation?.settle(outcome !== "elsewhere" && outcome !== "settled", cost);
    this.runs.delete(t.rid);
    this.hints.remove(t.rid);
    this.deps.changed?.();
    if (!t.silent && end.message) new Notice(end.message, 10_000);
    for (const resolve of t.waiters) resolve(end);
  }

  private async land(t: Tracked, result: { answer: Answer } | { error: PerplexityError } | { failure: string }): Promise<{ outcome: "written" | "note-missing" | NotLanding; end: RunEnd }> {
    const held = await this.noteWithBlock(t.path, t.blockId);
    if (!held && !(this.deps.app.vault.getAbstractFileByPath(t.path) instanceof TFile)) {
      return { outcome: "note-missing", end: { kind: "dropped", message: `Perplexity's answer to "${short(t.question)}" arrived after its note was deleted, so it was not written.` } };
    }
    const check = checkLanding(held?.found.block, t.rid, this.deps.deviceId());
    if (!check.ok || !held) return { outcome: check.ok ? "gone" : check.why, end: notLanded(check.ok ? "gone" : check.why, t.question) };
    const { file, found } = held;
    this.follow(t, file);
    const settings = this.deps.settings();
    const pending = found.block;
    let final: AnswerBlock;
    let linkFor = (s: Parameters<SourceLinker["urlLink"]>[0]) => this.deps.sources.linkFor(s, file);
    let end: RunEnd;
    const kept = "error" in result ? keptPartial(t.cancelledByUser ? new PerplexityError("aborted", result.error.message, result.error.partial ? { partial: result.error.partial } : {}) : result.error, null, settings) : null;
    const answer = "answer" in result ? result.answer : kept?.answer;
    if (answer) {
      const built = await buildWithSources(this.deps, answer, { blockId: pending.blockId, askedAt: pending.askedAt, question: pending.question, request: pending.request }, file);
      final = { ...built.block, ...threadOf(pending) };
      linkFor = built.linkFor;
      end = kept ? { kind: "incomplete", message: kept.message } : { kind: "answered", message: `Perplexity answered "${short(t.question)}" in ${file.basename}.` };
    } else {
      const message = "failure" in result ? result.failure : t.cancelledByUser ? `You cancelled this run while Perplexity was still researching; a cancelled run reports no cost, so the spending total counts it as unknown. ${ASK_AGAIN}` : `${(result as { error: PerplexityError }).error.message} ${ASK_AGAIN}`;
      final = failedRunBlock(pending, message);
      end = { kind: "failed", message: `Perplexity did not answer "${short(t.question)}" (${file.basename}): ${message}`, ...("error" in result ? { error: result.error } : {}) };
    }
    const text = formatBlock(final, formatOptions(settings, linkFor));
    const outcome = await (t.write ?? ((f, s) => this.write(f, t, s)))(file, text);
    if (outcome !== "written") return { outcome, end: notLanded(outcome, t.question) };
    if (final.state === "answered" && !kept) this.deps.answered?.(file, t.blockId);
    return { outcome, end };
  }

  /** Writes `text` over the pending block as it is now (one undo step in an open editor), lines the user typed inside it kept after it (as the ask flow keeps them). */
  private async write(file: TFile, t: Tracked, text: string): Promise<"written" | "note-missing" | NotLanding> {
    let why: NotLanding | null = null;
    const options = formatOptions(this.deps.settings(), (s) => this.deps.sources.linkFor(s, file));
    const outcome = await applyToNote(this.deps.app, file, (now) => {
      const found = findBlock(now, t.blockId);
      const check = checkLanding(found?.block, t.rid, this.deps.deviceId());
      if (!check.ok || !found) {
        why = check.ok ? "gone" : check.why;
        return null;
      }
      return overPending(now, found, text, options);
    });
    return outcome === "written" ? "written" : outcome === "note-missing" ? "note-missing" : (why ?? "gone");
  }

  /**
   * Cancels runs at Perplexity (all of this device's, or those given) and says which were still running.
   * Each is then read once more, so its block says how it ended: cancelled, or the answer it had finished.
   */
  async cancel(rids: string[] = [...this.runs.keys()]): Promise<CancelReport> {
    const report: CancelReport = { stopped: 0, ended: 0, failed: [] };
    // Unloading is not cancelling: the runs go on and land after the next load.
    if (this.stopped) return report;
    await Promise.all(
      rids.map(async (rid) => {
        const t = this.runs.get(rid);
        if (!t) return;
        try {
          const result = await this.deps.service.cancelRun(rid);
          if (result === "cancelling") {
            report.stopped++;
            t.cancelledByUser = true;
          } else report.ended++;
        } catch (error) {
          report.failed.push(errorMessage(error));
          return;
        }
        // Read at once: cancelled (or finished before the cancel arrived); "cancelling" is polled again shortly.
        this.queue.remove(rid);
        this.queue.add(rid, Date.now(), true);
      }),
    );
    this.schedule();
    return report;
  }

  /**
   * The run of this block is polled here from now on: the block names this device, and its estimate is held here.
   * Lines the user typed inside the placeholder are kept after it, as when an answer lands.
   */
  async takeOver(file: TFile, blockId: string): Promise<string> {
    let taken: AnswerBlock | null = null;
    const options = formatOptions(this.deps.settings(), (s) => this.deps.sources.linkFor(s, file));
    await applyToNote(this.deps.app, file, (text) => {
      const found = findBlock(text, blockId);
      if (!found || ownership(found.block, this.deps.deviceId()) !== "elsewhere") return null;
      taken = takenOver(found.block, this.deps.deviceId());
      return overPending(text, found, formatBlock(taken, options), options);
    });
    const block = taken as AnswerBlock | null;
    if (!block?.responseId) return "This block has no background run started on another device: nothing to take over.";
    const kind = requestKind(block.request.model !== undefined ? { model: block.request.model } : { preset: block.request.preset ?? "" });
    const reservation = this.deps.spend()?.hold(kind, block.estimate ?? 0);
    void this.track({ rid: block.responseId, file, blockId, question: block.question, kind, ...(reservation ? { reservation } : {}) }, true);
    return `This device now checks the background run of "${short(block.question)}"; its answer is written here when it is ready.`;
  }

  /** Unloading: no more polls or writes; the runs go on at Perplexity and their blocks stay pending for the next load. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.runs.values()) for (const resolve of t.waiters) resolve(detached());
    this.runs.clear();
    for (const [rid, d] of [...this.deliveries]) this.abandon(rid, d, "unload");
  }
}

/** What the search after a restart found among this device's runs. */
export interface ResumeReport {
  /** Pending, polled again. */
  found: number;
  /** Taken over by another device meanwhile. */
  elsewhere: number;
  /** Landed, deleted or changed meanwhile: nothing to poll. */
  gone: number;
}

function detached(): RunEnd {
  return { kind: "dropped", message: "the plugin was stopped; the run goes on at Perplexity and its answer is written when the plugin loads again" };
}

function notLanded(why: "note-missing" | NotLanding, question: string): RunEnd {
  const words: Record<"note-missing" | NotLanding, string> = {
    "note-missing": "its note was deleted",
    gone: "its placeholder was removed from the note",
    replaced: "its block was asked again meanwhile",
    settled: "its block was already written (on another device?)",
    elsewhere: "another device took the run over",
  };
  return { kind: "dropped", message: `Perplexity's answer to "${short(question)}" was not written: ${words[why]}.` };
}

/** A follow-up keeps its thread links when its answer lands. */
function threadOf(b: AnswerBlock): Pick<AnswerBlock, "parent" | "thread"> {
  return { ...(b.parent !== undefined ? { parent: b.parent } : {}), ...(b.thread !== undefined ? { thread: b.thread } : {}) };
}

function short(question: string): string {
  const one = question.replace(/\s+/g, " ").trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}
