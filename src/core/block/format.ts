// Writing a block as Markdown (the format is described in model.ts).
import { plural } from "../plural";
import { format as formatDate } from "date-fns";
import { escapeDisplayText, escapeLinkUrl } from "../sanitize";
import { RESERVED_LINES } from "./contain";
import { cleanWebLine } from "../web-text";
import { describeChecks, VERDICT_MARKS } from "../source-check/verdict";
import { metaLine } from "./meta";
import {
  BLOCK_ID_PREFIX, CALLOUT_TYPE, CHANGES_PREFIX, CHECKS_PREFIX, DEFAULT_CITATION_DATE_FORMAT, FAILED_PREFIX, FOLLOW_UP_PREFIX, isValidBlockId, normalizeBlock,
  oneLine,
  PENDING_LINE, PREVIOUS_CALLOUT_TYPE,
} from "./model";
import type { AnswerBlock, FormatOptions, PreviousAnswer, SourceChanges, SourceEntry } from "./model";

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
  const mark = s.check === undefined ? "" : ` ${VERDICT_MARKS[s.check.verdict]} ${s.check.on}`;
  return `- ${link}${lead === "" ? "" : " " + escapeDisplayText(lead) + "."} [${escapeDisplayText(s.title)}](${escapeLinkUrl(s.url)}).${dates}${mark}`;
}

// Long lists are cut: the line is a summary, the metadata keeps every ID.
const MAX_CHANGE_IDS = 5;

function idList(ids: string[]): string {
  const shown = ids.slice(0, MAX_CHANGE_IDS).join(", ");
  return ids.length > MAX_CHANGE_IDS ? `${shown}, … ${ids.length - MAX_CHANGE_IDS} more` : shown;
}

/** "2 new sources (a, b); 1 dropped (c)", "1 source dropped (c)": sentence-like and short. */
export function describeChanges(c: SourceChanges): string {
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
  const when = p.answeredBy ? `${p.askedAt} · ${p.answeredBy}` : p.askedAt;
  return [
    `> [!${PREVIOUS_CALLOUT_TYPE}]- ${label} (${escapeDisplayText(when)})`,
    ...p.answer.split("\n").map((l) => (l === "" ? ">" : "> " + l)),
  ];
}

/** Longest question the Question line shows in full; a longer one shows a marked excerpt. */
export const QUESTION_LINE_MAX_CHARS = 300;

/**
 * The Question line (display only). A long question (a pasted article) is shown as its beginning, cut at a
 * word, and marked as an excerpt: the block's metadata keeps the whole question, which a refresh asks again.
 */
export function questionLine(question: string): string {
  // As displayed: one line without control, direction or invisible characters (core/web-text.ts).
  const shown = cleanWebLine(question);
  const chars = [...shown];
  if (chars.length <= QUESTION_LINE_MAX_CHARS) return `**Question:** ${escapeDisplayText(shown)}`;
  let excerpt = chars.slice(0, QUESTION_LINE_MAX_CHARS).join("");
  const lastSpace = excerpt.lastIndexOf(" ");
  if (lastSpace > QUESTION_LINE_MAX_CHARS * 0.8) excerpt = excerpt.slice(0, lastSpace);
  return `**Question:** ${escapeDisplayText(excerpt)}… *(excerpt of ${chars.length} characters; the whole question is kept in the block's metadata)*`;
}

function modelLine(b: AnswerBlock): string {
  const asked = b.request.preset ?? b.request.model ?? "default";
  // An incomplete run may not say which model answered: then there is nothing after the dot to show.
  const by = b.answeredBy ? ` · ${escapeDisplayText(b.answeredBy)}` : "";
  return `**Model:** ${escapeDisplayText(asked)}${by}`;
}

/** "**Follow-up to:** [[#^pplx-abc123]]": display only (the metadata's `parent` is what counts). */
function followUpLine(parent: string, options: FormatOptions): string {
  const link = options.blockLinkFor?.(parent) ?? `[[#^${BLOCK_ID_PREFIX}${parent}]]`;
  return FOLLOW_UP_PREFIX + oneLine(link);
}

export function statusLine(status: string): string {
  return `*${escapeDisplayText(status)}*`;
}

/** Whether a block stands for a run going on at Perplexity in the background (see core/background.ts). */
export function isBackgroundPending(b: Pick<AnswerBlock, "state" | "responseId" | "device">): boolean {
  return b.state === "pending" && b.responseId !== undefined && b.responseId !== "" && b.device !== undefined;
}

/** How a background run's waiting line starts, whatever follows (its start time, preset, progress). */
export const BACKGROUND_STATUS_LEAD = "Researching in the background…";

/** "Researching in the background… started 14:02, preset high": a background run's waiting line (display only). */
export function backgroundStatus(b: Pick<AnswerBlock, "askedAt" | "request">, progress?: string): string {
  const at = new Date(b.askedAt);
  const started = Number.isNaN(at.getTime()) ? "" : ` started ${formatDate(at, "HH:mm")},`;
  // One line whatever the names hold (a line separator would end the status line and make it answer text).
  const name = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();
  const asked = name(b.request.preset) ? `preset ${name(b.request.preset)}` : name(b.request.model) ? `model ${name(b.request.model)}` : "default preset";
  return `${BACKGROUND_STATUS_LEAD}${started} ${asked}${progress ? ` · ${name(progress)}` : ""}`;
}

/** A pending block's status line as written (display only, like the Question line: never parsed back). */
export const STATUS_LINE_RE = /^\*.*\*$/;

/**
 * The block as Markdown, from the callout's first line to the `^pplx-` line, without a trailing newline.
 * `status` replaces the waiting line of a pending block (progress while an answer streams in); a background
 * run's block says so without it.
 */
export function formatBlock(block: AnswerBlock, options: FormatOptions, status?: string): string {
  if (!isValidBlockId(block.blockId)) throw new RangeError(`invalid block id: ${JSON.stringify(block.blockId)}`);
  const b = normalizeBlock(block);
  const lines: string[] = [
    `[!${CALLOUT_TYPE}]${options.fold} Perplexity Query (${escapeDisplayText(b.askedAt)})`,
    questionLine(b.question),
    modelLine(b),
  ];
  if (b.parent !== undefined) lines.push(followUpLine(b.parent, options));
  if (b.changes !== undefined) lines.push(CHANGES_PREFIX + escapeDisplayText(describeChanges(b.changes)));
  const checks = describeChecks(b.sources.flatMap((s) => (s.check === undefined ? [] : [s.check])));
  if (checks !== null) lines.push(CHECKS_PREFIX + checks.replace(/^Sources checked /, ""));
  lines.push("");
  if (b.state === "pending") {
    const waiting = status !== undefined ? statusLine(status) : isBackgroundPending(b) ? statusLine(backgroundStatus(b)) : PENDING_LINE;
    lines.push(waiting, "");
  }
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

