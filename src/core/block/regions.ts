// Where answer blocks are in a note, as the Markdown structure layer reads it: every top-level `perplexity` callout
// with the `^pplx-` line after it. A callout inside code, math, a comment, the properties, a list or another quote
// is not an answer (it is an example, or quoted text), and neither is a metadata line inside the answer's own code:
// only a `%% pplx` comment that is a direct part of the callout is its metadata.
import type { Token } from "markdown-it";
import { isQuoteLine, lineEnd, noteStructure, unquoted } from "../markdown/structure";
import type { Block, NoteStructure } from "../markdown/structure";
import { readMeta } from "./meta";
import type { Meta } from "./meta";
import { CALLOUT_TYPE } from "./model";

/** A `^pplx-` block id line (the block's own paragraph after the callout). */
export const ID_LINE_RE = /^\^pplx-([A-Za-z0-9-]+)\s*$/;
/** A comment meant to be a block's metadata, readable or not. */
const META_START_RE = /^%% ?pplx\b/;

export interface AnswerRegion {
  /** The callout's first line and the line after its last quote line (lazy lines after that are not its own). */
  startLine: number;
  quoteEndLine: number;
  /** Offset of the callout's first character; end of its last quote line. */
  from: number;
  quoteTo: number;
  /** Lines of the callout's own `%% pplx` comments, in order (the block's metadata is the last readable one). */
  metaLines: number[];
  /** The `^pplx-` line after the callout, if there is one. */
  idLine?: { line: number; id: string; to: number };
  /** End of the region: the id line's end, or the last quote line's. */
  to: number;
  /** The callout's block-level tokens (their `map` lines count from the note's first line). */
  tokens: readonly Readonly<Token>[];
}

/** Whether a top-level block is an answer callout (a `perplexity` callout), wherever its metadata is. */
export function isAnswerCallout(block: Block): boolean {
  return block.kind === "callout" && block.callout?.type === CALLOUT_TYPE;
}

/** Lines of the callout's direct `%% pplx` comments (not those inside its code, lists or nested quotes). */
function metaLinesOf(tokens: readonly Readonly<Token>[], text: string, lineStarts: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of tokens) {
    if (t.type !== "comment_block" || t.level !== 1 || !t.map) continue;
    const line = t.map[0];
    if (META_START_RE.test(unquoted(lineText(text, lineStarts, line)))) out.push(line);
  }
  return out;
}

function lineText(text: string, lineStarts: readonly number[], line: number): string {
  return text.slice(lineStarts[line], lineEnd(text, lineStarts, line));
}

/**
 * The answer region of `blocks[index]`, when that block is an answer callout. The block after it must have been
 * read (it may be the id line), unless `blocks[index]` is the note's last.
 */
export function regionAt(text: string, structure: NoteStructure, index: number): AnswerRegion | undefined {
  const { blocks, lineStarts } = structure;
  const block = blocks[index]!;
  if (!isAnswerCallout(block)) return undefined;
  let quoteEnd = block.endLine;
  while (quoteEnd > block.startLine + 1 && !isQuoteLine(lineText(text, lineStarts, quoteEnd - 1))) quoteEnd--;
  const tokens = block.tokens ?? [];
  const region: AnswerRegion = {
    startLine: block.startLine,
    quoteEndLine: quoteEnd,
    from: block.from,
    quoteTo: lineEnd(text, lineStarts, quoteEnd - 1),
    metaLines: metaLinesOf(tokens, text, lineStarts),
    to: 0,
    tokens,
  };
  // The id line: the first line after the quote, as a lazy line of it or as the next block's first line.
  const idAt = quoteEnd < block.endLine ? quoteEnd : blocks[index + 1]?.startLine;
  const m = idAt === undefined ? null : ID_LINE_RE.exec(lineText(text, lineStarts, idAt));
  if (idAt !== undefined && m) region.idLine = { line: idAt, id: m[1]!, to: lineEnd(text, lineStarts, idAt) };
  region.to = region.idLine?.to ?? region.quoteTo;
  return region;
}

/** The answer callouts of a note with their id lines, in note order. */
export function answerRegions(text: string, structure: NoteStructure = noteStructure(text)): AnswerRegion[] {
  const out: AnswerRegion[] = [];
  for (let b = 0; b < structure.blocks.length; b++) {
    const region = regionAt(text, structure, b);
    if (region) out.push(region);
  }
  return out;
}

/** A region's metadata: its last readable `%% pplx` comment (answer text comes before it), and that comment's line. */
export function regionMeta(text: string, lineStarts: readonly number[], region: AnswerRegion): { meta: Meta; line: number } | null {
  for (let k = region.metaLines.length - 1; k >= 0; k--) {
    const line = region.metaLines[k]!;
    const meta = readMeta(unquoted(lineText(text, lineStarts, line)));
    if (meta) return { meta, line };
  }
  return null;
}

/**
 * The answers right after the block `blocks[index]` (only blank lines between them and it): the answers asked
 * about that block, in the order they were asked. `regions` are the note's, in order.
 */
export function answersAfter(structure: NoteStructure, regions: readonly AnswerRegion[], index: number): AnswerRegion[] {
  const { blocks } = structure;
  const out: AnswerRegion[] = [];
  let next = index + 1;
  for (let r = regions.findIndex((x) => x.startLine >= blocks[index]!.endLine); r !== -1 && r < regions.length; r++) {
    const region = regions[r]!;
    if (blocks[next]?.startLine !== region.startLine) break;
    out.push(region);
    const last = region.idLine?.line ?? region.quoteEndLine - 1;
    while (next < blocks.length && blocks[next]!.startLine <= last) next++;
  }
  return out;
}
