// A note's block structure: its top-level blocks with their kinds and source ranges, as the parser reads them.
// Where an answer goes and which callouts are answers are both decided from this (see placement.ts, callouts.ts).
import type { Token } from "markdown-it";
import { leavesCommentOpen } from "./obsidian-syntax";
import { topLevelRuns } from "./parser";

export type BlockKind =
  | "properties"
  | "paragraph"
  | "heading"
  | "list"
  | "table"
  | "fence"
  | "code"
  | "math"
  | "quote"
  | "callout"
  | "comment"
  | "footnote"
  | "html"
  | "rule"
  | "reference";

export interface Callout {
  /** The callout type as written, lower-cased (`perplexity`, `note`, …). */
  type: string;
  /** `+` (foldable, open), `-` (folded) or "" (not foldable). */
  fold: string;
}

export interface Block {
  kind: BlockKind;
  /** Lines `[startLine, endLine)`, 0-based. */
  startLine: number;
  endLine: number;
  /** Offsets in the note: the block's first character and just past its last line (before its line end). */
  from: number;
  to: number;
  /** For `callout`: its type and fold. */
  callout?: Callout;
  /** For `callout`: its tokens (block level), for readers that look inside (the answer's metadata comment). */
  tokens?: Token[];
  /** For `heading`: its level (1-6) and its text as written (inline Markdown, without the `#` marks or underline). */
  heading?: { level: number; text: string };
  /** Set when a `%%` comment is still open at the block's end (the editor hides what follows). */
  openComment?: true;
}

export interface NoteStructure {
  /** Offset of each line's first character. */
  lineStarts: number[];
  /** Top-level blocks in note order; lines between them are blank. */
  blocks: Block[];
}

const KIND_OF_TOKEN: Record<string, BlockKind> = {
  front_matter: "properties",
  paragraph_open: "paragraph",
  heading_open: "heading",
  bullet_list_open: "list",
  ordered_list_open: "list",
  table_open: "table",
  fence: "fence",
  code_block: "code",
  math_block: "math",
  blockquote_open: "quote",
  comment_block: "comment",
  footnote_reference_open: "footnote",
  html_block: "html",
  hr: "rule",
  reference_definition: "reference",
};

/** `[!type]` with an optional fold sign, at the start of a blockquote's first line. */
const CALLOUT_HEAD = /^\[!([^\]\s]+)\]([+-]?)/;
const QUOTE_MARKER = /^ {0,3}> ?/;

/**
 * The callout a blockquote opens, from its first line (`quoteLine`, with its `>`): Obsidian reads `[!type]` there
 * whatever the rest of the quote makes of that line. Undefined for a plain quote.
 */
export function calloutOf(quoteLine: string): Callout | undefined {
  const m = CALLOUT_HEAD.exec(quoteLine.replace(QUOTE_MARKER, ""));
  return m ? { type: m[1]!.toLowerCase(), fold: m[2]! } : undefined;
}

/** Offsets of the start of every line ("\n", "\r\n" and lone "\r" end lines, as the parser reads them). */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  if (!text.includes("\r")) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Where line `line` ends: before its line break (or at the end of the text). */
export function lineEnd(text: string, lineStarts: readonly number[], line: number): number {
  const next = lineStarts[line + 1];
  if (next === undefined) return text.length;
  return text.charCodeAt(next - 2) === 13 && text.charCodeAt(next - 1) === 10 ? next - 2 : next - 1;
}

// The last few notes read: one command reads the same text several times (is the cursor in an answer? where does
// the answer go? which block is pending?), and a Map keyed by the text finds it again at the cost of a string hash.
const recent = new Map<string, NoteStructure>();
const RECENT_LIMIT = 4;

/**
 * The top-level blocks of a note. With `untilLine`, only as far as the block that holds that line (the blocks
 * before a line never depend on what follows it, so the result is a prefix of the whole note's).
 */
export function noteStructure(text: string, untilLine?: number): NoteStructure {
  const known = recent.get(text);
  if (known !== undefined) return known;
  const lineStarts = lineStartsOf(text);
  const blocks: Block[] = [];
  for (const run of topLevelRuns(text, untilLine)) {
    const first = run.tokens[0];
    let kind: BlockKind = first ? KIND_OF_TOKEN[first.type] ?? "paragraph" : "reference";
    const block: Block = {
      kind,
      startLine: run.startLine,
      endLine: run.endLine,
      from: lineStarts[run.startLine]!,
      to: lineEnd(text, lineStarts, run.endLine - 1),
    };
    if (leavesCommentOpen(run.tokens)) block.openComment = true;
    if (kind === "heading") block.heading = { level: Number(first!.tag.slice(1)), text: run.tokens[1]?.content ?? "" };
    if (kind === "quote") {
      const callout = calloutOf(text.slice(block.from, lineEnd(text, lineStarts, run.startLine)));
      if (callout) {
        kind = "callout";
        block.kind = kind;
        block.callout = callout;
        block.tokens = run.tokens;
      }
    }
    blocks.push(block);
  }
  const structure = { lineStarts, blocks };
  if (untilLine === undefined) {
    if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
    recent.set(text, structure);
  }
  return structure;
}

/** The line holding `offset` (a line break belongs to the line it ends). */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The top-level block holding line `line`, or undefined when the line is blank between blocks. */
export function blockAtLine(structure: NoteStructure, line: number): Block | undefined {
  const { blocks } = structure;
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const b = blocks[mid]!;
    if (line < b.startLine) hi = mid - 1;
    else if (line >= b.endLine) lo = mid + 1;
    else return b;
  }
  return undefined;
}

/** Raw HTML blocks that run until a marker, not a blank line (CommonMark's HTML block kinds 1 to 5), with their ends. */
const HTML_UNTIL_MARKER: { start: RegExp; end: RegExp; closer: (first: string) => string }[] = [
  { start: /^<(script|pre|style|textarea)(?=[\s>]|$)/i, end: /<\/(script|pre|style|textarea)>/i, closer: (first) => `</${/^<([a-z]+)/i.exec(first)![1]!.toLowerCase()}>` },
  { start: /^<!--/, end: /-->/, closer: () => "-->" },
  { start: /^<\?/, end: /\?>/, closer: () => "?>" },
  { start: /^<![A-Za-z]/, end: />/, closer: () => ">" },
  { start: /^<!\[CDATA\[/, end: /\]\]>/, closer: () => "]]>" },
];

/**
 * The line that closes the construct a note leaves open at its end (a fence, raw HTML that runs until a closing
 * marker, a `%%` comment), or null when its last block is closed. Whatever is written after an open construct
 * would be inside it: code, HTML or hidden.
 */
export function closerAtEnd(text: string, structure: NoteStructure): string | null {
  const last = structure.blocks[structure.blocks.length - 1];
  if (last === undefined) return null;
  const line = (n: number) => text.slice(structure.lineStarts[n], lineEnd(text, structure.lineStarts, n));
  const first = line(last.startLine);
  const lastLine = line(last.endLine - 1);
  const single = last.endLine - last.startLine === 1;
  if (last.kind === "fence") {
    const marker = /^ *(`{3,}|~{3,})/.exec(first)![1]!;
    const closing = new RegExp(`^ {0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}[ \\t]*$`);
    return !single && closing.test(lastLine) ? null : /^ */.exec(first)![0] + marker;
  }
  if (last.kind === "html") {
    const start = first.trimStart();
    const kind = HTML_UNTIL_MARKER.find((k) => k.start.test(start));
    if (kind === undefined) return null;
    return kind.end.test(single ? start.slice(1) : lastLine) ? null : kind.closer(start);
  }
  return last.openComment ? "%%" : null;
}
