// Background runs (issue 21): a deep question is started at Perplexity with `background: true` and its answer
// fetched later with GET /v1/responses/{id}, so nothing holds a connection open for minutes and the answer
// survives the app closing. This module decides which asks run in the background, when each run is polled
// next, and whether a finished run may still be written into its block. The note is the record: a pending
// block with a run id (`rid`) and a device (`dev`) is a run going on at Perplexity, polled by that device only.
import { BACKGROUND_STATUS_LEAD, formatBlock, statusLine } from "./block/format";
import { PENDING_LINE } from "./block/model";
import type { AnswerBlock, FormatOptions, ParsedBlock } from "./block/model";
import { linesAddedInside, withTypedAfter } from "./insertion";
import type { TextChange } from "./insertion";

/** The presets whose runs take minutes (the docs recommend background mode for those). */
export const DEEP_PRESETS: readonly string[] = ["medium", "high", "xhigh"];

/** Which asks run in the background: deep presets, deep presets and every ask on mobile, or none. */
export const BACKGROUND_MODES = ["deep", "deep-and-mobile", "off"] as const;
export type BackgroundMode = (typeof BACKGROUND_MODES)[number];

export function runsInBackground(choice: { preset: string } | { model: string }, mode: BackgroundMode, mobile: boolean): boolean {
  if (mode === "off") return false;
  if ("preset" in choice && DEEP_PRESETS.includes(choice.preset)) return true;
  return mode === "deep-and-mobile" && mobile;
}

/** Statuses of a run that is still going (SDK `StatusOutput`; `queued` first, as the live captures show). */
const UNFINISHED = new Set(["queued", "in_progress"]);

export function isUnfinished(status: string): boolean {
  return UNFINISHED.has(status);
}

/** How often one run is polled: `firstMs` after it started, then each wait `factor` times longer, up to `maxMs`. */
export interface PollPolicy {
  firstMs: number;
  factor: number;
  maxMs: number;
}

/** The live captures were polled about every 3.5 s; deep runs take minutes, so the wait grows to the setting's maximum. */
export const FIRST_POLL_MS = 3_000;
export const POLL_FACTOR = 1.5;

export function pollPolicy(maxSeconds: number): PollPolicy {
  const maxMs = Math.max(FIRST_POLL_MS, maxSeconds * 1000);
  return { firstMs: FIRST_POLL_MS, factor: POLL_FACTOR, maxMs };
}

/** The wait before poll number `attempt` + 1 (0: the first poll after the start). */
export function pollDelayMs(policy: PollPolicy, attempt: number): number {
  return Math.min(policy.maxMs, Math.round(policy.firstMs * policy.factor ** Math.max(0, attempt)));
}

interface Due {
  attempt: number;
  dueAt: number;
  /** A poll of this run is under way (handed out by `take`, not yet `again`/`remove`d). */
  busy: boolean;
}

/**
 * When each tracked run is polled next. `take` hands out the runs that are due, earliest first and at most
 * `limit` under way at once; a run is never handed out again before its poll is over and rescheduled, so it
 * costs at most one GET per wait. The clock is passed in (window timers in the glue, a simulated one in tests).
 */
export class PollQueue<K> {
  private readonly entries = new Map<K, Due>();

  constructor(private readonly policy: () => PollPolicy) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  keys(): K[] {
    return [...this.entries.keys()];
  }

  /** Tracks a run: polled at once (`now`, a run found after a restart) or after the first wait (a run just started). */
  add(key: K, now: number, immediately = false): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, { attempt: 0, dueAt: immediately ? now : now + pollDelayMs(this.policy(), 0), busy: false });
  }

  remove(key: K): void {
    this.entries.delete(key);
  }

  /** The runs due at `now`, earliest first, so that at most `limit` polls are under way; they are marked busy. */
  take(now: number, limit: number): K[] {
    let busy = 0;
    const due: [K, Due][] = [];
    for (const entry of this.entries) {
      if (entry[1].busy) busy++;
      else if (entry[1].dueAt <= now) due.push(entry);
    }
    due.sort((a, b) => a[1].dueAt - b[1].dueAt);
    const out = due.slice(0, Math.max(0, limit - busy));
    for (const [, d] of out) d.busy = true;
    return out.map(([key]) => key);
  }

  /** The poll is over and the run goes on (or the poll failed for now): the next one after a longer wait. */
  again(key: K, now: number): void {
    const d = this.entries.get(key);
    if (!d) return;
    d.attempt++;
    d.busy = false;
    d.dueAt = now + pollDelayMs(this.policy(), d.attempt);
  }

  /** Every run not being polled is due now (the app came back to the foreground, or the user asked). */
  wakeAll(now: number): void {
    for (const d of this.entries.values()) if (!d.busy) d.dueAt = Math.min(d.dueAt, now);
  }

  /** When the next run is due (undefined: none waiting). */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const d of this.entries.values()) if (!d.busy && (next === undefined || d.dueAt < next)) next = d.dueAt;
    return next;
  }

  /** The current wait of a run (what "one interval" is for it), for reports and tests. */
  waitOf(key: K): number | undefined {
    const d = this.entries.get(key);
    return d && pollDelayMs(this.policy(), d.attempt);
  }
}

/** Whose run a block is: this device polls it, another device does, or it is no background run. */
export type Ownership = "mine" | "elsewhere" | "none";

export function ownership(b: Pick<AnswerBlock, "state" | "responseId" | "device">, me: string): Ownership {
  if (b.state !== "pending" || !b.responseId || b.device === undefined) return "none";
  return b.device === me ? "mine" : "elsewhere";
}

/** Why a finished run is not written into its block. */
export type NotLanding = "gone" | "replaced" | "settled" | "elsewhere";

/**
 * Whether a finished run may be written into the block as it is now: only while the block is still pending
 * with this run's id and this device polls it. Otherwise the block was deleted, asked again (another run), landed
 * or failed already (on this device or a synced one), or taken over by another device: it is left alone.
 */
export function checkLanding(found: Pick<AnswerBlock, "state" | "responseId" | "device"> | undefined, responseId: string, me: string): { ok: true } | { ok: false; why: NotLanding } {
  if (!found) return { ok: false, why: "gone" };
  if (found.responseId !== responseId) return { ok: false, why: "replaced" };
  if (found.state !== "pending") return { ok: false, why: "settled" };
  if (found.device !== me) return { ok: false, why: "elsewhere" };
  return { ok: true };
}

/**
 * The block of a run that ended without an answer: failed, with the message; the run id stays, the polling fields
 * go. What read as its answer was typed by the user (`typedInPending`), kept after the block, not in it.
 */
export function failedRunBlock(block: AnswerBlock, message: string): AnswerBlock {
  const out: AnswerBlock = { ...block, answer: "", state: "failed", failure: message };
  delete out.device;
  delete out.estimate;
  return out;
}

/** The block handed to another device: it polls the run from now on (and holds its estimate). Typed lines as in `failedRunBlock`. */
export function takenOver(block: AnswerBlock, me: string): AnswerBlock {
  return { ...block, answer: "", device: me };
}

/** The waiting line of a placeholder while its background run starts (display only). */
export const BACKGROUND_START_STATUS = "Starting a background run at Perplexity…";

/**
 * Whether a line (its quote marker gone) is one the plugin writes as a background placeholder's waiting line, in
 * any of its forms: before the run has an id, plain, or with its start time (the clock of the device that wrote
 * it), preset and progress so far.
 */
export function isWaitingLine(line: string): boolean {
  const shown = line.trim();
  if (shown === PENDING_LINE || shown === statusLine(BACKGROUND_START_STATUS)) return true;
  const lead = statusLine(BACKGROUND_STATUS_LEAD);
  return shown.startsWith(lead.slice(0, -1)) && shown.endsWith("*") && shown.length >= lead.length;
}

/**
 * The lines the user typed inside a background run's placeholder (`found`, the block's text as in the note now),
 * which are kept after the block whenever the plugin writes it again: `linesAddedInside`, as for any placeholder
 * (core/insertion.ts). The placeholder was written in another session (before a restart, on another device), so
 * the plugin's own lines are rebuilt: the block without answer text (the plugin writes none into a pending block:
 * what reads as its answer was typed), the callout's first line as found (the fold setting may have changed since),
 * and its waiting line in any form (`isWaitingLine`).
 */
export function typedInPending(found: string, block: AnswerBlock, options: FormatOptions): string[] {
  const firstLine = found.split(/\r?\n/, 1)[0]!;
  const ours = `${firstLine}\n${formatBlock({ ...block, answer: "" }, options)}`;
  return linesAddedInside(found, ours).filter((line) => !isWaitingLine(line));
}

/** The change writing `text` over a background run's placeholder `found` in `note`: the lines the user typed inside it kept after it. */
export function overPending(note: string, found: Pick<ParsedBlock, "block" | "from" | "to">, text: string, options: FormatOptions): TextChange {
  return { from: found.from, to: found.to, text: withTypedAfter(text, typedInPending(note.slice(found.from, found.to), found.block, options)) };
}

/** A random device id: 12 base-36 characters from `random` (Web Crypto in the glue), nothing about the device itself. */
export function newDeviceId(random: () => number): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (let i = 0; i < 12; i++) id += alphabet[Math.min(35, Math.floor(random() * 36))]!;
  return id;
}

/** A device id as stored: what `newDeviceId` makes (anything else is replaced by a new one). */
export function isDeviceId(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-z]{12}$/.test(value);
}
