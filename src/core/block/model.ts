// The answer block: a `perplexity` callout written into a note. This module holds its fields and their normal
// form; format.ts writes it, parse.ts reads it back, meta.ts is the metadata comment, build.ts maps an answer.
//
// Format (version 1). Every line of the callout starts with "> " (">" alone when empty):
//
//   > [!perplexity]+ Perplexity Query (2026-11-24T16:43:12.385Z)
//   > **Question:** <question on one line, escaped; display only>
//   > **Model:** <preset or model asked> · <model that answered>
//   > **Follow-up to:** [[#^pplx-abc123]]                       (follow-ups only: a thread, see core/thread.ts)
//   > **Changes:** 2 new sources (abc123, def456); 1 dropped (xyz789)   (after a refresh that changed them)
//   > **Sources checked** 2026-12-01: 3 supported, 1 partly, 1 gone   (after a source check; display only)
//   >
//   > *Waiting for Perplexity…*   |   **Failed:** <message>    (pending / failed blocks only, then ">";
//                                                            a streaming block's status replaces the waiting line;
//                                                            a background run's says so: "*Researching in the
//                                                            background… started 14:02, preset high*")
//   > <answer lines>                                          (answered blocks, or any block with an answer)
//   >
//   > **Citations**
//   > - <link> 2025, Sep 14. [Title](https://url). Published: 2025-03-17 | Updated: 2025-09-14 ✓ 2026-12-01
//                                                    (the verdict mark and date of a checked source: display only,
//                                                     the metadata's "ck" holds the check)
//   >
//   > **Other sources**
//   > - <link> [Title](https://url).
//   >                                                         (previous answers only, newest first:)
//   > > [!perplexity-previous]- Previous answer (2026-10-01T09:00:00.000Z · openai/gpt-6-luna)
//   > > <previous answer lines>
//   >
//   > %% pplx {"v":1,...} %%
//
//   ^pplx-<blockId>
//
// The metadata comment is always the callout's last line and holds everything a refresh needs, including
// the question exactly and the IDs of the sources in order; the Question and Model lines are display only.
// Sources are read back from the citation lines (title and URL are escaped reversibly), the answer from the
// lines between the Model (or status) line and the sources. `containAnswer` guarantees the answer cannot
// contain a sources heading, a `%%` comment or a block id line, so these boundaries are unambiguous.
// Previous answers are the last N nested `[!perplexity-previous]` callouts before the metadata, N being the
// number the metadata records: found from the end, so a quoted look-alike inside the current answer (which
// always comes first) is just answer text, and a previous answer (contained the same way, one level deeper)
// cannot hold a line that reads as a header at the block's level. The Changes line is display only too.
import { safeUrl } from "../sanitize";
import { containAnswer } from "./contain";
import { VERDICTS, type SourceCheck } from "../source-check/verdict";

export const BLOCK_FORMAT_VERSION = 1;
export const CALLOUT_TYPE = "perplexity";
export const BLOCK_ID_PREFIX = "pplx-";
export const DEFAULT_CITATION_DATE_FORMAT = "yyyy, MMM d";
export const PENDING_LINE = "*Waiting for Perplexity…*";
export const FAILED_PREFIX = "**Failed:** ";
export const CHANGES_PREFIX = "**Changes:** ";
export const PREVIOUS_CALLOUT_TYPE = "perplexity-previous";
/** Display line of a follow-up (threads): written from the metadata's `parent`, never parsed back. */
export const FOLLOW_UP_PREFIX = "**Follow-up to:** ";
/** The source-check summary line (issue 12). */
export const CHECKS_PREFIX = "**Sources checked** ";

export interface BlockRequestMeta {
  preset?: string;
  model?: string;
  recency?: string;
  allowDomains?: string[];
  denyDomains?: string[];
  contextSize?: string;
  maxOutputTokens?: number;
  noteContext: boolean;
  /** Date range of the sources (yyyy-MM-dd), instead of recency. */
  afterDate?: string;
  beforeDate?: string;
  /** Answer language (`language_preference`). */
  language?: string;
  /** Guidance sent with the question (from a profile). */
  guidance?: string;
  /** The profile the options came from, if any (display and filtering only). */
  profile?: string;
}

export interface SourceEntry {
  id: string;
  url: string;
  title: string;
  /** yyyy-MM-dd */
  published?: string;
  /** yyyy-MM-dd */
  updated?: string;
  cited: boolean;
  /** The last source check of this page, as this block shows it. */
  check?: SourceCheck;
}

/** An answer a refresh replaced, kept folded inside the block. */
export interface PreviousAnswer {
  /** When it was asked (ISO 8601 UTC, as the block recorded it). */
  askedAt: string;
  answeredBy?: string;
  /** Its Markdown as written, without the "> > " prefixes. */
  answer: string;
  /** The text holds the user's edits (an edited answer kept by a refresh, or edited inside its callout since). Never dropped. */
  edited?: boolean;
}

/** Source IDs cited by the new answer and not by the previous one, and the other way round. */
export interface SourceChanges {
  added: string[];
  dropped: string[];
}

export interface AnswerBlock {
  /** e.g. "7f3a9c"; the Markdown block id is `^pplx-<blockId>`. */
  blockId: string;
  state: "pending" | "answered" | "failed";
  /** ISO 8601 UTC with milliseconds. */
  askedAt: string;
  question: string;
  request: BlockRequestMeta;
  /** The model that answered (`response.model`). */
  answeredBy?: string;
  /** Answer Markdown as written in the note (after rewrite and sanitising), without the "> " prefixes. */
  answer: string;
  /** Cited first (order of first citation), then uncited. */
  sources: SourceEntry[];
  /** `usage.cost.total_cost` in USD. */
  cost?: number;
  responseId?: string;
  /** User-facing message when state is "failed". */
  failure?: string;
  /** `hashText` of the answer as written, to detect user edits later. */
  answerHash?: string;
  /** Per-block override of the stale-after setting, in days; 0 means never stale (see staleness.ts). */
  staleAfterDays?: number;
  /** What the last refresh changed in the cited sources; absent when nothing changed. */
  changes?: SourceChanges;
  /** Older answers, newest first. */
  previous?: PreviousAnswer[];
  // Threads (follow-up questions, see core/thread.ts). Absent on a thread's first answer and on old blocks.
  /** Block id of the answer this one follows up. */
  parent?: string;
  /** Block id of the thread's first answer. */
  thread?: string;
  // Background runs (see core/background.ts). A pending block with `responseId` and `device` is a run going on
  // at Perplexity that the device named here polls; absent on every other block and on old blocks.
  /** The random id of the device that polls the run (never anything personal: see docs/background-runs.md). */
  device?: string;
  /** The spending estimate (USD) held against the caps while the run is pending; replaced by `cost` when it lands. */
  estimate?: number;
}

export interface FormatOptions {
  fold: "+" | "-" | "";
  /** date-fns format of the leading date of citation lines; invalid formats fall back to the default. */
  citationDateFormat: string;
  linkFor(source: SourceEntry): string;
  /** A link to another answer block of this note (a follow-up's "Follow-up to" line); default `[[#^pplx-<id>]]`. */
  blockLinkFor?(blockId: string): string;
}

export interface ParsedBlock {
  block: AnswerBlock;
  /** Offset of the callout's first line. */
  from: number;
  /** Offset just past the `^pplx-` line (or past the metadata line when that line is missing). */
  to: number;
  /** True iff the answer differs from what `answerHash` recorded. */
  edited: boolean;
  /** What did not look as written (the block is still returned, read as well as possible). */
  problems: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation: what formatting does to a block's fields. Parsing a formatted block gives this back exactly.

export function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

/** "yyyy-MM-dd" if `s` starts with a valid calendar date, else undefined (never "Invalid Date"). */
export function normalizeDay(s: string | undefined | null): string | undefined {
  if (typeof s !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s.trim());
  if (!m) return undefined;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** The site of a URL, for sources without a title. */
export function siteOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return url;
  }
}

function normalizeSource(s: SourceEntry): SourceEntry {
  const url = safeUrl(s.url);
  const title = oneLine(s.title);
  const out: SourceEntry = { id: s.id, url, title: title.trim() === "" ? oneLine(siteOf(url)) : title, cited: s.cited };
  const published = normalizeDay(s.published);
  const updated = normalizeDay(s.updated);
  if (published !== undefined) out.published = published;
  if (updated !== undefined) out.updated = updated;
  const check = normalizeCheck(s.check);
  if (check !== undefined) out.check = check;
  return out;
}

/** A check with a known verdict and a valid day; empty lists dropped. */
export function normalizeCheck(c: SourceCheck | undefined): SourceCheck | undefined {
  if (c === undefined || !VERDICTS.includes(c.verdict)) return undefined;
  const on = normalizeDay(c.on);
  if (on === undefined) return undefined;
  const out: SourceCheck = { verdict: c.verdict, on };
  const found = strings(c.found);
  const missing = strings(c.missing);
  if (found.length) out.found = found;
  if (missing.length) out.missing = missing;
  if (typeof c.reason === "string") out.reason = c.reason;
  return out;
}

function normalizePrevious(p: PreviousAnswer): PreviousAnswer {
  const out: PreviousAnswer = { askedAt: p.askedAt, answer: containAnswer(p.answer) };
  if (p.answeredBy !== undefined) out.answeredBy = p.answeredBy;
  if (p.edited === true) out.edited = true;
  return out;
}

export const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);

function normalizeChanges(c: SourceChanges | undefined): SourceChanges | undefined {
  if (c === undefined) return undefined;
  const out = { added: strings(c.added), dropped: strings(c.dropped) };
  return out.added.length === 0 && out.dropped.length === 0 ? undefined : out;
}

export function normalizeRequest(r: BlockRequestMeta): BlockRequestMeta {
  const out: BlockRequestMeta = { noteContext: r.noteContext === true };
  if (typeof r.preset === "string") out.preset = r.preset;
  if (typeof r.model === "string") out.model = r.model;
  if (typeof r.recency === "string") out.recency = r.recency;
  if (Array.isArray(r.allowDomains)) out.allowDomains = r.allowDomains.filter((d) => typeof d === "string");
  if (Array.isArray(r.denyDomains)) out.denyDomains = r.denyDomains.filter((d) => typeof d === "string");
  if (typeof r.contextSize === "string") out.contextSize = r.contextSize;
  if (typeof r.maxOutputTokens === "number" && Number.isFinite(r.maxOutputTokens)) out.maxOutputTokens = r.maxOutputTokens;
  for (const key of ["afterDate", "beforeDate", "language", "guidance", "profile"] as const) if (typeof r[key] === "string") out[key] = r[key];
  return out;
}

/**
 * The block as `formatBlock` writes it: answers contained (`containAnswer`), sources cited-first with one-line
 * titles (empty → site), safe URLs and valid dates only, non-finite numbers dropped, a negative stale-after
 * dropped, empty changes and previous lists dropped, `edited` only when true, thread links only when they are
 * valid block ids (and `thread` only with a `parent`), an empty device and a negative or non-finite estimate
 * dropped. Idempotent; blocks from
 * `buildAnswerBlock` are already normal, so for them format-then-parse is the identity.
 */
export function normalizeBlock(b: AnswerBlock): AnswerBlock {
  const sources = b.sources.map(normalizeSource);
  const out: AnswerBlock = {
    blockId: b.blockId,
    state: b.state,
    askedAt: b.askedAt,
    question: b.question,
    request: normalizeRequest(b.request),
    answer: containAnswer(b.answer),
    sources: [...sources.filter((s) => s.cited), ...sources.filter((s) => !s.cited)],
  };
  if (b.answeredBy !== undefined) out.answeredBy = b.answeredBy;
  if (b.cost !== undefined && Number.isFinite(b.cost)) out.cost = b.cost;
  if (b.responseId !== undefined) out.responseId = b.responseId;
  if (b.failure !== undefined) out.failure = b.failure;
  if (b.answerHash !== undefined) out.answerHash = b.answerHash;
  if (typeof b.staleAfterDays === "number" && Number.isFinite(b.staleAfterDays) && b.staleAfterDays >= 0) {
    out.staleAfterDays = b.staleAfterDays;
  }
  const changes = normalizeChanges(b.changes);
  if (changes !== undefined) out.changes = changes;
  if (b.previous !== undefined && b.previous.length > 0) out.previous = b.previous.map(normalizePrevious);
  if (typeof b.device === "string" && b.device !== "") out.device = b.device;
  if (typeof b.estimate === "number" && Number.isFinite(b.estimate) && b.estimate >= 0) out.estimate = b.estimate;
  // Thread links are block ids or nothing: a link that could not be written as `^pplx-<id>` is dropped.
  if (b.parent !== undefined && isValidBlockId(b.parent)) {
    out.parent = b.parent;
    if (b.thread !== undefined && isValidBlockId(b.thread)) out.thread = b.thread;
  }
  return out;
}

const BLOCK_ID_RE = /^[A-Za-z0-9-]+$/;

/** Whether `formatBlock` can write this id (the `^pplx-<id>` line must stay a block id). */
export function isValidBlockId(id: string): boolean {
  return BLOCK_ID_RE.test(id);
}

/** The status line of a pending block: what Perplexity is doing, in italics ("*Searching: …*"). */
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A fresh random block id: 6 base-36 characters, longer only if many tries are all taken. */
export function newBlockId(random: () => number, taken: (id: string) => boolean): string {
  for (let length = 6; length <= 32; length++) {
    for (let attempt = 0; attempt < 100; attempt++) {
      let id = "";
      for (let k = 0; k < length; k++) id += ALPHABET[Math.min(35, Math.floor(random() * 36))]!;
      if (!taken(id)) return id;
    }
  }
  throw new Error("could not find a free block id");
}

