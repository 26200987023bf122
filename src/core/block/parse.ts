// Finding blocks in a note and reading them back, after whatever the user did around them.
import { hashText } from "../hash";
import { unescapeLinkUrl, unescapeText } from "../sanitize";
import { RESERVED_LINES } from "./contain";
import { STATUS_LINE_RE } from "./format";
import type { Token } from "markdown-it";
import { calloutOf, lineEnd, noteStructure, skimStructure, unquoted } from "../markdown";
import { answerRegions, isAnswerCallout, regionAt, regionMeta } from "./regions";
import type { AnswerRegion } from "./regions";
import type { Meta } from "./meta";
import {
  BLOCK_FORMAT_VERSION, CHANGES_PREFIX, CHECKS_PREFIX, FAILED_PREFIX, FOLLOW_UP_PREFIX, normalizeCheck, PENDING_LINE, PREVIOUS_CALLOUT_TYPE,
} from "./model";
import type { AnswerBlock, ParsedBlock, PreviousAnswer, SourceEntry } from "./model";
import type { SourceCheck } from "../source-check/verdict";

// The optional tail " ✓ 2026-12-01" is a source check's mark (display only: the metadata holds the check).
const CITATION_TAIL_RE =
  /^\[((?:[^\\[\]]|\\.)*)\]\(((?:[^\\()\s]|\\.)*)\)\.(?: Published: (\d{4}-\d{2}-\d{2}))?(?:(?: \|)? Updated: (\d{4}-\d{2}-\d{2}))?(?: [✓◐↪✗?] \d{4}-\d{2}-\d{2})?\s*$/;

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
  const entry: SourceEntry = { id: id ?? "", url: unescapeLinkUrl(m[2]!), title: unescapeText(m[1]!), cited };
  if (m[3] !== undefined) entry.published = m[3];
  if (m[4] !== undefined) entry.updated = m[4];
  return entry;
}

/** Gives each source its recorded check: the next unused entry with its ID, so duplicated IDs keep their order. */
function attachChecks(sources: SourceEntry[], meta: Meta): void {
  const pending = [...(meta.ck ?? [])];
  for (const s of sources) {
    const at = pending.findIndex((c) => c.id === s.id);
    if (at === -1) continue;
    const [c] = pending.splice(at, 1);
    const check = normalizeCheck({ verdict: c!.v as SourceCheck["verdict"], on: c!.on, ...(c!.f ? { found: c!.f } : {}), ...(c!.m ? { missing: c!.m } : {}), ...(c!.r !== undefined ? { reason: c!.r } : {}) });
    if (check !== undefined) s.check = check;
  }
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
function readPrevious(body: string[], start: number, meta: Meta, problems: string[], marks: BodyMarks): PreviousAnswer[] {
  const last = body.length - 1;
  const texts: string[][] = [];
  for (let k = start; k < last; k++) {
    if (marks.previous.has(k)) texts.push([]);
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
    const answer = lines.map(unquoted).join("\n");
    const out: PreviousAnswer = { askedAt: m.at, answer };
    if (m.by !== undefined) out.answeredBy = m.by;
    if (m.e === true || (m.h !== undefined && m.h !== hashText(answer))) out.edited = true;
    return out;
  });
}

/** Where the callout's own parts start, as lines of `body`: what its answer's code or quotes hold is the answer's. */
interface BodyMarks {
  /** Paragraphs that read as a sources heading. */
  headings: Set<number>;
  /** Nested callouts of previous answers. */
  previous: Set<number>;
}

function bodyMarks(body: readonly string[], tokens: readonly Readonly<Token>[], firstLine: number): BodyMarks {
  const marks: BodyMarks = { headings: new Set(), previous: new Set() };
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.level !== 1 || !t.map) continue;
    const line = t.map[0] - firstLine;
    if (t.type === "paragraph_open" && RESERVED_LINES.includes(tokens[k + 1]!.content.trim())) marks.headings.add(line);
    if (t.type === "blockquote_open" && calloutOf(body[line] ?? "")?.type === PREVIOUS_CALLOUT_TYPE) marks.previous.add(line);
  }
  return marks;
}

function readBody(body: string[], meta: Meta, problems: string[], marks: BodyMarks): Body {
  const last = body.length - 1; // the metadata line
  let i = body.findIndex((l, k) => k > 0 && l.startsWith("**Model:**"));
  if (i === -1) {
    problems.push("no **Model:** line");
    i = Math.min(2, last);
  } else i++;
  // A follow-up's "Follow-up to" line is display only, written from the metadata's parent.
  if (meta.parent !== undefined && i < last && body[i]!.startsWith(FOLLOW_UP_PREFIX)) i++;
  if (i < last && body[i]!.startsWith(CHANGES_PREFIX)) i++;
  if (i < last && body[i]!.startsWith(CHECKS_PREFIX)) i++;
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
    if (marks.previous.has(k)) {
      previousStart = k;
      wanted--;
    }
  }
  let sectionStart = previousStart;
  for (let k = i; k < previousStart; k++) {
    if (marks.headings.has(k)) {
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
    // As `bodyMarks` reads a heading: the paragraph's text, without the spaces around it.
    const heading = RESERVED_LINES.indexOf(l.trim());
    if (heading !== -1) {
      cited = heading === 0;
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
  attachChecks(sources, meta);
  const previous = readPrevious(body, previousStart, meta, problems, marks);
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
  const structure = noteStructure(noteText);
  const out: ParsedBlock[] = [];
  const unreadable: UnreadableBlock[] = [];
  for (const region of answerRegions(noteText, structure)) {
    const read = readRegion(noteText, structure.lineStarts, region);
    if (read.parsed) out.push(read.parsed);
    else if (read.unreadable) unreadable.push(read.unreadable);
  }
  return { blocks: out, unreadable };
}

/**
 * One answer callout read in full: the block, or the damaged block when a `%% pplx` comment cannot be read or an
 * id line follows a callout without one. Neither for a perplexity callout with neither (the user's own).
 */
export function readRegion(noteText: string, lineStarts: readonly number[], region: AnswerRegion): { parsed?: ParsedBlock; unreadable?: UnreadableBlock } {
  const i = region.startLine;
  const j = region.quoteEndLine;
  const lineText = (n: number) => noteText.slice(lineStarts[n], lineEnd(noteText, lineStarts, n));
  const found = regionMeta(noteText, lineStarts, region);
  const meta = found?.meta;
  const metaAt = found?.line ?? -1;
  if (!meta) {
    if (region.metaLines.length === 0 && !region.idLine) return {};
    const damaged: UnreadableBlock = {
      from: region.from,
      to: region.to,
      problem: region.metaLines.length > 0 ? "the metadata comment is not readable" : "the metadata comment is missing",
    };
    if (region.idLine) damaged.blockId = region.idLine.id;
    return { unreadable: damaged };
  }
  const problems: string[] = [...(meta.issues ?? [])];
  if (meta.v !== BLOCK_FORMAT_VERSION) problems.push(`metadata version ${meta.v} is not ${BLOCK_FORMAT_VERSION}`);
  const body: string[] = [];
  for (let k = i; k <= metaAt; k++) body.push(unquoted(lineText(k)));
  const { answer, sources, previous } = readBody(body, meta, problems, bodyMarks(body, region.tokens, i));
  let to = lineEnd(noteText, lineStarts, metaAt);
  if (metaAt < j - 1) {
    problems.push("text after the metadata inside the callout");
  } else if (region.idLine) {
    if (region.idLine.id !== meta.id) problems.push(`block id line ^pplx-${region.idLine.id} does not match the metadata (${meta.id})`);
    to = region.idLine.to;
  } else problems.push("no ^pplx- block id line after the callout");
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
  if (meta.parent !== undefined) block.parent = meta.parent;
  if (meta.parent !== undefined && meta.thread !== undefined) block.thread = meta.thread;
  if (meta.dev !== undefined) block.device = meta.dev;
  if (meta.est !== undefined) block.estimate = meta.est;
  const edited = meta.h !== undefined && hashText(answer) !== meta.h;
  return { parsed: { block, from: region.from, to, edited, problems } };
}

/**
 * The block whose metadata has this id (the first, if a block was duplicated): what `parseBlocks` finds. A block's
 * metadata line holds its id, so the note is read only as far as the first answer callout holding the id that is
 * that block, and only the answer callouts holding the id are read in full: in a long note of answers (a batch of
 * questions) that is one block, not all of them.
 */
export function findBlock(noteText: string, blockId: string): ParsedBlock | undefined {
  let at = noteText.indexOf(blockId); // the first place of the id not before the block looked at
  if (at === -1) return undefined;
  const structure = skimStructure(noteText);
  const { blocks, lineStarts } = structure;
  /** Whether `blocks[index]` exists, reading on (one block at a time) until it is read or the note ends. */
  const read = (index: number): boolean => {
    while (blocks.length <= index && !structure.complete) structure.readPast(blocks[blocks.length - 1]?.startLine ?? -1);
    return index < blocks.length;
  };
  for (let next = 0; read(next); next++) {
    const block = blocks[next]!;
    while (at !== -1 && at < block.from) at = noteText.indexOf(blockId, at + 1);
    if (at === -1) return undefined;
    if (!isAnswerCallout(block)) continue;
    // An answer's region ends, at the latest, with the first line of the block after it (its id line).
    read(next + 1);
    if (at + blockId.length > (blocks[next + 1]?.to ?? block.to)) continue;
    const region = block.tokens ? regionAt(noteText, structure, next) : regionAt(noteText, { lineStarts, blocks: structure.inFull(next) }, 0);
    if (region === undefined || at + blockId.length > region.to) continue;
    const found = readRegion(noteText, lineStarts, region).parsed;
    if (found?.block.blockId === blockId) return found;
  }
  return undefined;
}
