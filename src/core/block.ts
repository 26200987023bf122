// The answer block: a `perplexity` callout written into a note, formatted and parsed back.
//
// Format (version 1). Every line of the callout starts with "> " (">" alone when empty):
//
//   > [!perplexity]+ Perplexity Query (2026-11-24T16:43:12.385Z)
//   > **Question:** <question on one line, escaped; display only>
//   > **Model:** <preset or model asked> · <model that answered>
//   > **Changes:** 2 new sources (abc123, def456); 1 dropped (xyz789)   (after a refresh that changed them)
//   >
//   > *Waiting for Perplexity…*   |   **Failed:** <message>    (pending / failed blocks only, then ">";
//                                                            a streaming block's status replaces the waiting line)
//   > <answer lines>                                          (answered blocks, or any block with an answer)
//   >
//   > **Citations**
//   > - <link> 2025, Sep 14. [Title](https://url). Published: 2025-03-17 | Updated: 2025-09-14
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
import { format as formatDate } from "date-fns";
import type { Answer } from "./answer";
import { rewriteCitations } from "./citations";
import { hashText } from "./hash";
import {
  containAnswer, escapeDisplayText, escapeLinkText, escapeLinkUrl, RESERVED_LINES, safeUrl, sanitizeAnswer,
  unescapeLinkText, unescapeLinkUrl,
} from "./sanitize";
import { canonicalUrl, MAX_SOURCE_ID_LENGTH, sourceIdOfCanonical } from "./source-id";
import { parseStaleAfter } from "./staleness";

export { hashText };

export const BLOCK_FORMAT_VERSION = 1;
export const CALLOUT_TYPE = "perplexity";
export const BLOCK_ID_PREFIX = "pplx-";
export const DEFAULT_CITATION_DATE_FORMAT = "yyyy, MMM d";
export const PENDING_LINE = "*Waiting for Perplexity…*";
export const FAILED_PREFIX = "**Failed:** ";
export const CHANGES_PREFIX = "**Changes:** ";
export const PREVIOUS_CALLOUT_TYPE = "perplexity-previous";

export interface BlockRequestMeta {
  preset?: string;
  model?: string;
  recency?: string;
  allowDomains?: string[];
  denyDomains?: string[];
  contextSize?: string;
  maxOutputTokens?: number;
  noteContext: boolean;
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
}

export interface FormatOptions {
  fold: "+" | "-" | "";
  /** date-fns format of the leading date of citation lines; invalid formats fall back to the default. */
  citationDateFormat: string;
  linkFor(source: SourceEntry): string;
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

function oneLine(s: string): string {
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
  return out;
}

function normalizePrevious(p: PreviousAnswer): PreviousAnswer {
  const out: PreviousAnswer = { askedAt: p.askedAt, answer: containAnswer(p.answer) };
  if (p.answeredBy !== undefined) out.answeredBy = p.answeredBy;
  if (p.edited === true) out.edited = true;
  return out;
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);

function normalizeChanges(c: SourceChanges | undefined): SourceChanges | undefined {
  if (c === undefined) return undefined;
  const out = { added: strings(c.added), dropped: strings(c.dropped) };
  return out.added.length === 0 && out.dropped.length === 0 ? undefined : out;
}

function normalizeRequest(r: BlockRequestMeta): BlockRequestMeta {
  const out: BlockRequestMeta = { noteContext: r.noteContext === true };
  if (typeof r.preset === "string") out.preset = r.preset;
  if (typeof r.model === "string") out.model = r.model;
  if (typeof r.recency === "string") out.recency = r.recency;
  if (Array.isArray(r.allowDomains)) out.allowDomains = r.allowDomains.filter((d) => typeof d === "string");
  if (Array.isArray(r.denyDomains)) out.denyDomains = r.denyDomains.filter((d) => typeof d === "string");
  if (typeof r.contextSize === "string") out.contextSize = r.contextSize;
  if (typeof r.maxOutputTokens === "number" && Number.isFinite(r.maxOutputTokens)) out.maxOutputTokens = r.maxOutputTokens;
  return out;
}

/**
 * The block as `formatBlock` writes it: answers contained (`containAnswer`), sources cited-first with one-line
 * titles (empty → site), safe URLs and valid dates only, non-finite numbers dropped, a negative stale-after
 * dropped, empty changes and previous lists dropped, `edited` only when true. Idempotent; blocks from
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
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Metadata comment

interface Meta {
  v: number;
  id: string;
  state: AnswerBlock["state"];
  at: string;
  q: string;
  req: BlockRequestMeta;
  by?: string;
  cost?: number;
  rid?: string;
  h?: string;
  fail?: string;
  /** Stale-after override in days; written as a number, read as anything `parseStaleAfter` accepts ("2w"). */
  stale?: number;
  /** Changes: added and dropped cited source IDs. */
  ch?: { a: string[]; d: string[] };
  /** Previous answers in order (their text is in the nested callouts): hash `h` of the text as written. */
  p?: { at: string; by?: string; e?: boolean; h?: string }[];
  /** IDs of cited sources, then of other sources, in order. */
  c: string[];
  o: string[];
  /** What could not be read (fields that were ignored). Never written. */
  issues?: string[];
}

// Characters that could mean something to Obsidian even inside a comment (or end it) are \u-escaped inside
// JSON strings: the line stays valid JSON and never contains "%%", "[[", "#tag", "^id", "`" or "$".
const META_ESCAPE = /[%[\]<>#^`$|\u2028\u2029]/;

function metaJson(meta: Meta): string {
  const json = JSON.stringify(meta);
  let out = "";
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === "\\") {
        out += c + json[i + 1]!;
        i++;
        continue;
      }
      if (c === '"') inString = false;
      else if (META_ESCAPE.test(c)) {
        out += "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
        continue;
      }
    } else if (c === '"') inString = true;
    out += c;
  }
  return out;
}

const META_LINE = /^%% pplx (\{.*\}) %%\s*$/;

function metaLine(b: AnswerBlock): string {
  const meta: Meta = {
    v: BLOCK_FORMAT_VERSION,
    id: b.blockId,
    state: b.state,
    at: b.askedAt,
    q: b.question,
    req: b.request,
    by: b.answeredBy,
    cost: b.cost,
    rid: b.responseId,
    h: b.answerHash,
    fail: b.failure,
    stale: b.staleAfterDays,
    ch: b.changes === undefined ? undefined : { a: b.changes.added, d: b.changes.dropped },
    p: b.previous?.map((x) => ({ at: x.askedAt, by: x.answeredBy, e: x.edited, h: hashText(x.answer) })),
    c: b.sources.filter((s) => s.cited).map((s) => s.id),
    o: b.sources.filter((s) => !s.cited).map((s) => s.id),
  };
  return `%% pplx ${metaJson(meta)} %%`;
}

function readMeta(line: string): Meta | null {
  const m = META_LINE.exec(line);
  if (!m) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(m[1]!);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "string" || typeof r.v !== "number") return null;
  const state = r.state === "pending" || r.state === "failed" ? r.state : "answered";
  const meta: Meta = {
    v: r.v,
    id: r.id,
    state,
    at: typeof r.at === "string" ? r.at : "",
    q: typeof r.q === "string" ? r.q : "",
    req: normalizeRequest(typeof r.req === "object" && r.req !== null ? (r.req as BlockRequestMeta) : { noteContext: false }),
    c: strings(r.c),
    o: strings(r.o),
  };
  if (typeof r.by === "string") meta.by = r.by;
  if (typeof r.cost === "number") meta.cost = r.cost;
  if (typeof r.rid === "string") meta.rid = r.rid;
  if (typeof r.h === "string") meta.h = r.h;
  if (typeof r.fail === "string") meta.fail = r.fail;
  const issues: string[] = [];
  if (r.stale !== undefined) {
    const days = parseStaleAfter(r.stale);
    if (days === undefined) issues.push(`unreadable stale-after value in the metadata: ${JSON.stringify(r.stale)}`);
    else meta.stale = days;
  }
  if (typeof r.ch === "object" && r.ch !== null) {
    const ch = r.ch as Record<string, unknown>;
    meta.ch = { a: strings(ch.a), d: strings(ch.d) };
  }
  if (Array.isArray(r.p)) {
    meta.p = r.p.map((x: unknown) => {
      const e = (typeof x === "object" && x !== null ? x : {}) as Record<string, unknown>;
      if (typeof e.at !== "string") issues.push("a previous answer without its date in the metadata");
      const entry: NonNullable<Meta["p"]>[number] = { at: typeof e.at === "string" ? e.at : "" };
      if (typeof e.by === "string") entry.by = e.by;
      if (e.e === true) entry.e = true;
      if (typeof e.h === "string") entry.h = e.h;
      return entry;
    });
  }
  if (issues.length > 0) meta.issues = issues;
  return meta;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

function leadingDate(s: SourceEntry, dateFormat: string): string {
  const day = s.updated ?? s.published;
  if (day === undefined) return "";
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  try {
    return oneLine(formatDate(date, dateFormat));
  } catch {
    // date-fns throws on unknown letters in a format; a bad setting must not break the block.
    return formatDate(date, DEFAULT_CITATION_DATE_FORMAT);
  }
}

function citationLine(s: SourceEntry, options: FormatOptions): string {
  const lead = leadingDate(s, options.citationDateFormat);
  const dates =
    s.published !== undefined && s.updated !== undefined
      ? ` Published: ${s.published} | Updated: ${s.updated}`
      : s.published !== undefined
        ? ` Published: ${s.published}`
        : s.updated !== undefined
          ? ` Updated: ${s.updated}`
          : "";
  const link = oneLine(options.linkFor(s));
  return `- ${link}${lead === "" ? "" : " " + escapeDisplayText(lead) + "."} [${escapeLinkText(s.title)}](${escapeLinkUrl(s.url)}).${dates}`;
}

// Long lists are cut: the line is a summary, the metadata keeps every ID.
const MAX_CHANGE_IDS = 5;

function idList(ids: string[]): string {
  const shown = ids.slice(0, MAX_CHANGE_IDS).join(", ");
  return ids.length > MAX_CHANGE_IDS ? `${shown}, … ${ids.length - MAX_CHANGE_IDS} more` : shown;
}

/** "2 new sources (a, b); 1 dropped (c)", "1 source dropped (c)": sentence-like and short. */
export function describeChanges(c: SourceChanges): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (c.added.length > 0) parts.push(`${plural(c.added.length, "new source")} (${idList(c.added)})`);
  if (c.dropped.length > 0) {
    const what = c.added.length > 0 ? String(c.dropped.length) : plural(c.dropped.length, "source");
    parts.push(`${what} dropped (${idList(c.dropped)})`);
  }
  return parts.join("; ");
}

function previousLines(p: PreviousAnswer): string[] {
  const label = p.edited === true ? "Previous answer, edited by you" : "Previous answer";
  const when = p.answeredBy === undefined ? p.askedAt : `${p.askedAt} · ${p.answeredBy}`;
  return [
    `> [!${PREVIOUS_CALLOUT_TYPE}]- ${label} (${escapeDisplayText(when)})`,
    ...p.answer.split("\n").map((l) => (l === "" ? ">" : "> " + l)),
  ];
}

function modelLine(b: AnswerBlock): string {
  const asked = b.request.preset ?? b.request.model ?? "default";
  const by = b.answeredBy === undefined ? "" : ` · ${escapeDisplayText(b.answeredBy)}`;
  return `**Model:** ${escapeDisplayText(asked)}${by}`;
}

const BLOCK_ID_RE = /^[A-Za-z0-9-]+$/;

/** Whether `formatBlock` can write this id (the `^pplx-<id>` line must stay a block id). */
export function isValidBlockId(id: string): boolean {
  return BLOCK_ID_RE.test(id);
}

/** The status line of a pending block: what Perplexity is doing, in italics ("*Searching: …*"). */
export function statusLine(status: string): string {
  return `*${escapeDisplayText(status)}*`;
}

/** A pending block's status line as written (display only, like the Question line: never parsed back). */
const STATUS_LINE_RE = /^\*.*\*$/;

/**
 * The block as Markdown, from the callout's first line to the `^pplx-` line, without a trailing newline.
 * `status` replaces the waiting line of a pending block (progress while an answer streams in).
 */
export function formatBlock(block: AnswerBlock, options: FormatOptions, status?: string): string {
  if (!isValidBlockId(block.blockId)) throw new RangeError(`invalid block id: ${JSON.stringify(block.blockId)}`);
  const b = normalizeBlock(block);
  const lines: string[] = [
    `[!${CALLOUT_TYPE}]${options.fold} Perplexity Query (${escapeDisplayText(b.askedAt)})`,
    `**Question:** ${escapeDisplayText(b.question)}`,
    modelLine(b),
  ];
  if (b.changes !== undefined) lines.push(CHANGES_PREFIX + escapeDisplayText(describeChanges(b.changes)));
  lines.push("");
  if (b.state === "pending") lines.push(status === undefined ? PENDING_LINE : statusLine(status), "");
  if (b.state === "failed") lines.push(FAILED_PREFIX + escapeDisplayText(b.failure ?? "Perplexity did not answer."), "");
  if (b.state === "answered" || b.answer !== "") lines.push(...b.answer.split("\n"), "");
  const cited = b.sources.filter((s) => s.cited);
  const other = b.sources.filter((s) => !s.cited);
  if (cited.length > 0) lines.push(RESERVED_LINES[0]!, ...cited.map((s) => citationLine(s, options)));
  if (cited.length > 0 && other.length > 0) lines.push("");
  if (other.length > 0) lines.push(RESERVED_LINES[1]!, ...other.map((s) => citationLine(s, options)));
  // Each previous answer is its own nested callout: a blank quote line before and after keeps them apart
  // (and keeps the metadata out of the last one's paragraph). The answer section already ends with a blank.
  if (b.previous !== undefined) {
    if (b.sources.length > 0) lines.push("");
    for (const p of b.previous) lines.push(...previousLines(p), "");
  }
  lines.push(metaLine(b));
  return `${lines.map((l) => (l === "" ? ">" : "> " + l)).join("\n")}\n\n^${BLOCK_ID_PREFIX}${b.blockId}`;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

const HEADER_RE = /^ {0,3}> ?\[!perplexity\]/i;
const QUOTE_RE = /^ {0,3}>/;
const QUOTE_PREFIX_RE = /^ {0,3}> ?/;
const ID_LINE_RE = /^\^pplx-([A-Za-z0-9-]+)\s*$/;
/** A previous-answer header, once the block's own "> " is stripped. */
const PREVIOUS_HEADER_RE = new RegExp(`^> ?\\[!${PREVIOUS_CALLOUT_TYPE}\\]`, "i");
/** Something meant to be the metadata comment, readable or not. */
const META_START_RE = /^%% ?pplx\b/;
const CITATION_TAIL_RE =
  /^\[((?:[^\\[\]]|\\.)*)\]\(((?:[^\\()\s]|\\.)*)\)\.(?: Published: (\d{4}-\d{2}-\d{2}))?(?:(?: \|)? Updated: (\d{4}-\d{2}-\d{2}))?\s*$/;

interface Line {
  text: string;
  start: number;
  end: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ text: text.slice(start, m.index), start, end: m.index });
    start = m.index + m[0].length;
  }
  out.push({ text: text.slice(start), start, end: text.length });
  return out;
}

/** Offset of the last "[" not escaped by a backslash, or -1. */
function lastUnescapedBracket(s: string): number {
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === "[") last = i;
  }
  return last;
}

function parseCitation(line: string, cited: boolean, ids: string[], index: number, problems: string[]): SourceEntry | null {
  const body = line.slice(2);
  const at = lastUnescapedBracket(body);
  const m = at === -1 ? null : CITATION_TAIL_RE.exec(body.slice(at));
  if (!m) {
    problems.push(`unreadable citation line: ${line}`);
    return null;
  }
  const prefix = body.slice(0, at);
  let id = ids[index];
  if (id === undefined || !prefix.includes(id)) {
    const found = [...ids].sort((a, b) => b.length - a.length).find((x) => prefix.includes(x));
    if (found !== undefined) id = found;
    else problems.push(`citation line without a known source ID: ${line}`);
  }
  const entry: SourceEntry = { id: id ?? "", url: unescapeLinkUrl(m[2]!), title: unescapeLinkText(m[1]!), cited };
  if (m[3] !== undefined) entry.published = m[3];
  if (m[4] !== undefined) entry.updated = m[4];
  return entry;
}

interface Body {
  answer: string;
  sources: SourceEntry[];
  previous: PreviousAnswer[];
}

/**
 * The previous answers from their nested callouts (lines from `start` to the metadata line). Lenient on
 * purpose: whatever the user typed inside a previous callout is its text; only a count that differs from
 * the metadata is a problem (then nothing says which entry is which).
 */
function readPrevious(body: string[], start: number, meta: Meta, problems: string[]): PreviousAnswer[] {
  const last = body.length - 1;
  const texts: string[][] = [];
  for (let k = start; k < last; k++) {
    if (PREVIOUS_HEADER_RE.test(body[k]!)) texts.push([]);
    else texts[texts.length - 1]!.push(body[k]!);
  }
  const recorded = meta.p ?? [];
  if (texts.length !== recorded.length) {
    problems.push(`${texts.length} previous answer(s) in the block but ${recorded.length} in the metadata`);
  }
  return texts.slice(0, recorded.length).map((lines, k) => {
    // The blank line that closes each previous callout is not part of its text (an empty text line is ">").
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    const m = recorded[k]!;
    const answer = lines.map((l) => l.replace(/^> ?/, "")).join("\n");
    const out: PreviousAnswer = { askedAt: m.at, answer };
    if (m.by !== undefined) out.answeredBy = m.by;
    if (m.e === true || (m.h !== undefined && m.h !== hashText(answer))) out.edited = true;
    return out;
  });
}

function readBody(body: string[], meta: Meta, problems: string[]): Body {
  const last = body.length - 1; // the metadata line
  let i = body.findIndex((l, k) => k > 0 && l.startsWith("**Model:**"));
  if (i === -1) {
    problems.push("no **Model:** line");
    i = Math.min(2, last);
  } else i++;
  if (i < last && body[i]!.startsWith(CHANGES_PREFIX)) i++;
  if (body[i] === "" && i < last) i++;
  const isStatus = (line: string): boolean =>
    line === PENDING_LINE || line.startsWith(FAILED_PREFIX) || (meta.state === "pending" && STATUS_LINE_RE.test(line));
  if (meta.state !== "answered" && i < last && isStatus(body[i]!)) {
    i++;
    if (body[i] === "" && i < last) i++;
  }
  // The last N previous-answer headers, N from the metadata (see the module comment).
  let previousStart = last;
  for (let k = last - 1, wanted = meta.p?.length ?? 0; k >= i && wanted > 0; k--) {
    if (PREVIOUS_HEADER_RE.test(body[k]!)) {
      previousStart = k;
      wanted--;
    }
  }
  let sectionStart = previousStart;
  for (let k = i; k < previousStart; k++) {
    if (RESERVED_LINES.includes(body[k]!)) {
      sectionStart = k;
      break;
    }
  }
  const answerLines = body.slice(i, sectionStart);
  if (answerLines.length > 0) {
    if (answerLines[answerLines.length - 1] === "") answerLines.pop();
    else problems.push("no blank line after the answer");
  }
  const sources: SourceEntry[] = [];
  let cited: boolean | undefined;
  let index = 0;
  for (let k = sectionStart; k < previousStart; k++) {
    const l = body[k]!;
    if (l === RESERVED_LINES[0] || l === RESERVED_LINES[1]) {
      cited = l === RESERVED_LINES[0];
      index = 0;
    } else if (l.trim() === "") continue;
    else if (l.startsWith("- ") && cited !== undefined) {
      const entry = parseCitation(l, cited, cited ? meta.c : meta.o, index++, problems);
      if (entry) sources.push(entry);
    } else problems.push(`unexpected line among the sources: ${l}`);
  }
  const citedCount = sources.filter((s) => s.cited).length;
  if (citedCount !== meta.c.length || sources.length - citedCount !== meta.o.length) {
    problems.push("the citation lines do not match the sources recorded in the metadata");
  }
  const previous = readPrevious(body, previousStart, meta, problems);
  return { answer: answerLines.join("\n"), sources, previous };
}

/** A perplexity callout that was a block once but whose metadata cannot be read: reported, never rewritten. */
export interface UnreadableBlock {
  from: number;
  to: number;
  /** From the `^pplx-` line, when there is one. */
  blockId?: string;
  problem: string;
}

export interface BlockScan {
  blocks: ParsedBlock[];
  unreadable: UnreadableBlock[];
}

/** Every answer block in a note, in order, with the offsets of the whole block (callout and id line). */
export function parseBlocks(noteText: string): ParsedBlock[] {
  return scanBlocks(noteText).blocks;
}

/**
 * `parseBlocks`, plus the callouts that look like damaged blocks: a `%% pplx` line that is not valid metadata,
 * or a `^pplx-` line after a perplexity callout without metadata. Callouts with neither are the user's own.
 */
export function scanBlocks(noteText: string): BlockScan {
  const lines = splitLines(noteText);
  const out: ParsedBlock[] = [];
  const unreadable: UnreadableBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!HEADER_RE.test(lines[i]!.text)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && QUOTE_RE.test(lines[j]!.text)) j++;
    // The metadata is the last metadata-looking line of the callout: answer text comes before it.
    let metaAt = -1;
    let meta: Meta | null = null;
    for (let k = j - 1; k > i; k--) {
      meta = readMeta(lines[k]!.text.replace(QUOTE_PREFIX_RE, ""));
      if (meta) {
        metaAt = k;
        break;
      }
    }
    if (!meta) {
      let k = j;
      while (k < lines.length && lines[k]!.text.trim() === "") k++;
      const idLine = k < lines.length ? ID_LINE_RE.exec(lines[k]!.text) : null;
      const metaLike = lines.slice(i + 1, j).some((l) => META_START_RE.test(l.text.replace(QUOTE_PREFIX_RE, "")));
      if (metaLike || idLine) {
        const damaged: UnreadableBlock = {
          from: lines[i]!.start,
          to: idLine ? lines[k]!.end : lines[j - 1]!.end,
          problem: metaLike ? "the metadata comment is not readable" : "the metadata comment is missing",
        };
        if (idLine) damaged.blockId = idLine[1]!;
        unreadable.push(damaged);
        i = idLine ? k + 1 : j;
      } else i = j;
      continue;
    }
    const problems: string[] = [...(meta.issues ?? [])];
    if (meta.v !== BLOCK_FORMAT_VERSION) problems.push(`metadata version ${meta.v} is not ${BLOCK_FORMAT_VERSION}`);
    const body = lines.slice(i, metaAt + 1).map((l) => l.text.replace(QUOTE_PREFIX_RE, ""));
    const { answer, sources, previous } = readBody(body, meta, problems);
    let to = lines[metaAt]!.end;
    let next = metaAt + 1;
    if (metaAt < j - 1) {
      problems.push("text after the metadata inside the callout");
    } else {
      let k = j;
      while (k < lines.length && lines[k]!.text.trim() === "") k++;
      const idLine = k < lines.length ? ID_LINE_RE.exec(lines[k]!.text) : null;
      if (idLine) {
        if (idLine[1] !== meta.id) problems.push(`block id line ^pplx-${idLine[1]} does not match the metadata (${meta.id})`);
        to = lines[k]!.end;
        next = k + 1;
      } else problems.push("no ^pplx- block id line after the callout");
    }
    const block: AnswerBlock = {
      blockId: meta.id,
      state: meta.state,
      askedAt: meta.at,
      question: meta.q,
      request: meta.req,
      answer,
      sources,
    };
    if (meta.by !== undefined) block.answeredBy = meta.by;
    if (meta.cost !== undefined) block.cost = meta.cost;
    if (meta.rid !== undefined) block.responseId = meta.rid;
    if (meta.fail !== undefined) block.failure = meta.fail;
    if (meta.h !== undefined) block.answerHash = meta.h;
    if (meta.stale !== undefined) block.staleAfterDays = meta.stale;
    if (meta.ch !== undefined && (meta.ch.a.length > 0 || meta.ch.d.length > 0)) block.changes = { added: meta.ch.a, dropped: meta.ch.d };
    if (previous.length > 0) block.previous = previous;
    const edited = meta.h !== undefined && hashText(answer) !== meta.h;
    out.push({ block, from: lines[i]!.start, to, edited, problems });
    i = next;
  }
  return { blocks: out, unreadable };
}

/** The block whose metadata has this id (the first, if a block was duplicated). */
export function findBlock(noteText: string, blockId: string): ParsedBlock | undefined {
  return parseBlocks(noteText).find((p) => p.block.blockId === blockId);
}

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

// ---------------------------------------------------------------------------------------------------------
// From our client's Answer to a block

export interface BuildContext {
  blockId: string;
  askedAt: string;
  question: string;
  request: BlockRequestMeta;
  /** The ID of a source URL (the glue resolves collisions against the vault); null: no ID, no link. */
  idFor(url: string): string | null;
  linkFor(source: SourceEntry): string;
}

/**
 * Maps an answer to a block: one source per canonical URL (results without an http(s) URL or ID are dropped),
 * the answer sanitised and its markers rewritten to `linkFor` links, cited sources first in order of first
 * citation, then the others in search order. Two URLs given the same ID by `idFor` keep apart: the later
 * one gets the next longer ID of its own.
 */
export function buildAnswerBlock(answer: Answer, ctx: BuildContext): AnswerBlock {
  const byCanonical = new Map<string, SourceEntry>();
  const usedIds = new Map<string, string>(); // id → canonical URL
  const byMarker = new Map<number, SourceEntry>();
  for (const r of answer.searchResults) {
    const canonical = canonicalUrl(r.url);
    if (canonical === null) continue;
    let entry = byCanonical.get(canonical);
    if (entry === undefined) {
      let id = ctx.idFor(r.url);
      if (id === null) continue;
      if (usedIds.has(id) && usedIds.get(id) !== canonical) {
        const full = sourceIdOfCanonical(canonical, MAX_SOURCE_ID_LENGTH);
        let length = Math.max(id.length + 1, 7);
        while (usedIds.has(full.slice(0, length)) && length < MAX_SOURCE_ID_LENGTH) length++;
        id = full.slice(0, length);
      }
      usedIds.set(id, canonical);
      const title = (r.title ?? "").replace(/\s+/g, " ").trim();
      entry = { id, url: canonical, title: title === "" ? siteOf(canonical) : title, cited: false };
      const published = normalizeDay(r.date);
      const updated = normalizeDay(r.lastUpdated);
      if (published !== undefined) entry.published = published;
      if (updated !== undefined) entry.updated = updated;
      byCanonical.set(canonical, entry);
    } else {
      if (entry.published === undefined) {
        const published = normalizeDay(r.date);
        if (published !== undefined) entry.published = published;
      }
      if (entry.updated === undefined) {
        const updated = normalizeDay(r.lastUpdated);
        if (updated !== undefined) entry.updated = updated;
      }
    }
    if (!byMarker.has(r.id)) byMarker.set(r.id, entry);
  }
  const rewritten = rewriteCitations(sanitizeAnswer(answer.text), byMarker, (s) => ctx.linkFor(s));
  for (const s of rewritten.cited) s.cited = true;
  const all = [...byCanonical.values()];
  const sources = [...rewritten.cited, ...all.filter((s) => !s.cited)];
  // Links come from the glue: contain them too, so that the block is already in normal form.
  const text = containAnswer(rewritten.text.trim());
  const block: AnswerBlock = {
    blockId: ctx.blockId,
    state: "answered",
    askedAt: ctx.askedAt,
    question: ctx.question,
    request: ctx.request,
    answeredBy: answer.model,
    answer: text,
    sources: sources.map((s) => ({ ...s })),
    responseId: answer.responseId,
    answerHash: hashText(text),
  };
  if (answer.usage.totalCost !== undefined && Number.isFinite(answer.usage.totalCost)) block.cost = answer.usage.totalCost;
  return block;
}
