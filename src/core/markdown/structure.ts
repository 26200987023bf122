// A note's block structure: its top-level blocks with their kinds and source ranges, as the parser reads them.
// Where an answer goes (insertion.ts) and which callouts are answers (block/regions.ts) are both decided from this.
import type { Token } from "markdown-it";
import { leavesCommentOpen } from "./obsidian-syntax";
import { TopLevelReader } from "./parser";
import type { TopLevelRun } from "./parser";

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

/**
 * A top-level block. Blocks (and their tokens) are shared by every caller that reads the same note (see
 * `noteStructure`): read-only, which the types say; nothing copies or freezes them at run time.
 */
export interface Block {
  readonly kind: BlockKind;
  /** Lines `[startLine, endLine)`, 0-based. */
  readonly startLine: number;
  readonly endLine: number;
  /** Offsets in the note: the block's first character and just past its last line (before its line end). */
  readonly from: number;
  readonly to: number;
  /** For `callout`: its type and fold. */
  readonly callout?: Readonly<Callout>;
  /**
   * For `callout`: its tokens (block level), for readers that look inside (the answer's metadata comment). For
   * `fence`: its one token (its marker and whether it was closed, see `closerAtEnd`).
   */
  readonly tokens?: readonly Readonly<Token>[];
  /** For `heading`: its level (1-6) and its text as written (inline Markdown, without the `#` marks or underline). */
  readonly heading?: { readonly level: number; readonly text: string };
  /** Set when a `%%` comment is still open at the block's end (the editor hides what follows). */
  readonly openComment?: true;
}

export interface NoteStructure {
  /** Offset of each line's first character. */
  readonly lineStarts: readonly number[];
  /** Top-level blocks in note order; lines between them are blank. */
  readonly blocks: readonly Block[];
}

/** The blocks of a note read as far as a caller needed: the first blocks of its `NoteStructure`, or all of them. */
export interface PartialStructure extends NoteStructure {
  /** Whether `blocks` are all the note's blocks. */
  readonly complete: boolean;
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
/** A blockquote's marker at the start of one of its lines: up to three spaces, `>`, and the space after it if any. */
const QUOTE_MARKER = /^ {0,3}> ?/;

/** `line` without the blockquote marker it starts with (unchanged when it starts with none). */
export function unquoted(line: string): string {
  return line.replace(QUOTE_MARKER, "");
}

/** Whether `line` starts with a blockquote marker. */
export function isQuoteLine(line: string): boolean {
  return QUOTE_MARKER.test(line);
}

/**
 * The callout a blockquote opens, from its first line (`quoteLine`, with its `>`): Obsidian reads `[!type]` there
 * whatever the rest of the quote makes of that line. Undefined for a plain quote.
 */
export function calloutOf(quoteLine: string): Callout | undefined {
  const m = CALLOUT_HEAD.exec(unquoted(quoteLine));
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

/** A note's structure as far as it has been read: the blocks in order, read on from where reading stopped. */
class StructureReading implements SkimmedStructure {
  readonly lineStarts: number[];
  readonly blocks: Block[] = [];
  private readonly reader: TopLevelReader;
  private done = false;

  constructor(
    private readonly text: string,
    readonly skimmed: boolean,
  ) {
    this.lineStarts = lineStartsOf(text);
    this.reader = new TopLevelReader(text, skimmed);
  }

  get complete(): boolean {
    return this.done;
  }

  /** Reads on until a block that starts after `line` has been read (or the note ends). */
  readPast(line: number): void {
    const { blocks } = this;
    while (!this.done && (blocks.length === 0 || blocks[blocks.length - 1]!.startLine <= line)) {
      const run = this.reader.next();
      if (run === undefined) this.done = true;
      else blocks.push(this.blockOf(run));
    }
  }

  inFull(index: number): Block[] {
    return this.reader.readAt(this.blocks[index]!.startLine, 2).map((run) => this.blockOf(run));
  }

  private blockOf(run: TopLevelRun): Block {
    const { text, lineStarts } = this;
    const { startLine, endLine, tokens } = run;
    const first = tokens[0];
    const from = lineStarts[startLine]!;
    const to = lineEnd(text, lineStarts, endLine - 1);
    const kind: BlockKind = first ? KIND_OF_TOKEN[first.type] ?? "paragraph" : "reference";
    // (A skimmed quote leaves no comment open: it is skimmed only then, see TopLevelReader.)
    const open: { openComment?: true } = leavesCommentOpen(tokens) ? { openComment: true } : {};
    if (kind === "fence") return { kind, startLine, endLine, from, to, tokens };
    if (kind === "heading") return { kind, startLine, endLine, from, to, ...open, heading: { level: Number(first!.tag.slice(1)), text: tokens[1]?.content ?? "" } };
    if (kind === "quote") {
      const callout = calloutOf(text.slice(from, lineEnd(text, lineStarts, startLine)));
      // Only a callout keeps its tokens (none when skimmed): no caller looks inside other blocks.
      if (callout) return run.skimmed ? { kind: "callout", startLine, endLine, from, to, callout } : { kind: "callout", startLine, endLine, from, to, ...open, callout, tokens };
    }
    return { kind, startLine, endLine, from, to, ...open };
  }
}

// The last few notes read: one command reads the same text several times (is the cursor in an answer? where does
// the answer go? which block is pending?), and a Map keyed by the text finds it again at the cost of a string hash.
// A note read only in part is read on from where it stopped.
const recent = new Map<string, StructureReading>();
const RECENT_LIMIT = 4;

function readingOf(text: string, skim: boolean): StructureReading {
  let reading = recent.get(text);
  if (reading === undefined || (reading.skimmed && !skim)) {
    if (reading === undefined && recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
    reading = new StructureReading(text, skim);
    recent.set(text, reading);
  }
  return reading;
}

/**
 * The top-level blocks of a note, read without remembering them: for a reader that reads each note once (the
 * answers view indexing a vault), which then neither pays for finding the text among the notes read last (a
 * string hash, a sixth of reading a short note) nor pushes out the notes a command is reading.
 */
export function readStructure(text: string): NoteStructure {
  const reading = new StructureReading(text, false);
  reading.readPast(Infinity);
  return reading;
}

/** The top-level blocks of a note (the last few notes read are remembered). */
export function noteStructure(text: string): NoteStructure {
  const reading = readingOf(text, false);
  reading.readPast(Infinity);
  return reading;
}

/**
 * A note read only as far as a caller needs, to find a few blocks fast (`findBlock`): a note read before is read on
 * where it stopped, in full when it was; otherwise skimmed (see `TopLevelReader`): each block starts where it starts
 * in `noteStructure(text)`, but a callout read without its content has no tokens, and when its last line is a lazy
 * line, `noteStructure` may read that line as a block of its own. `inFull` reads a callout's blocks as they are.
 */
export interface SkimmedStructure extends PartialStructure {
  /** Reads on until a block starting after line `line` is read (the block holding that line and the one after it are then known), or to the end. */
  readPast(line: number): void;
  /** `blocks[index]` and the block after it, as `noteStructure` reads them. */
  inFull(index: number): Block[];
}

export function skimStructure(text: string): SkimmedStructure {
  return readingOf(text, true);
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
  const fence = last.kind === "fence" ? last.tokens?.[0] : undefined;
  if (fence?.map) {
    // The parser's fence token: its marker, its lines (the closing one included when there is one) and its
    // content (each line with its line break; the note's last line may have none).
    const { content } = fence;
    let contentLines = content === "" || content.endsWith("\n") ? 0 : 1;
    for (let at = content.indexOf("\n"); at !== -1; at = content.indexOf("\n", at + 1)) contentLines++;
    const closed = fence.map[1] - fence.map[0] - 1 > contentLines;
    return closed ? null : /^ */.exec(first)![0] + fence.markup;
  }
  if (last.kind === "html") {
    const start = first.trimStart();
    const kind = HTML_UNTIL_MARKER.find((k) => k.start.test(start));
    if (kind === undefined) return null;
    return kind.end.test(single ? start.slice(1) : lastLine) ? null : kind.closer(start);
  }
  return last.openComment ? "%%" : null;
}
