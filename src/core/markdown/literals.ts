// Where a text's literal parts are: code (fenced, indented, inline), math, raw HTML, comments and properties, as
// source offsets. Readers that rewrite links in text the user may have edited (relinking citations) leave these
// alone, and find the table rows where a link's "|" must be escaped.
import type { Token } from "markdown-it";
import { markdownParser, parserSource } from "./parser";
import { lineAt, lineEnd, lineStartsOf } from "./structure";

const LITERAL_BLOCKS = new Set(["fence", "code_block", "math_block", "html_block", "comment_block", "front_matter"]);

export interface TextLayout {
  /** Literal ranges `[from, to)`, in order of where their block starts. */
  literals: [number, number][];
  /** Line ranges `[startLine, endLine)` of tables, at any depth. */
  tables: [number, number][];
  lineStarts: number[];
}

/**
 * Offsets in the source of each line of an inline token's content. The content of a paragraph is its lines less
 * their block indentation and container markers, trimmed at both ends: each line is what ends its source line
 * (the last one before trailing spaces). Headings and table cells are found in their line.
 */
function contentLineOffsets(src: string, lineStarts: readonly number[], token: Token, parent: Token | undefined): number[] | null {
  const [first] = token.map!;
  const lines = token.content.split("\n");
  const offsets: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    const start = lineStarts[first + k]!;
    const end = lineEnd(src, lineStarts, first + k);
    const line = src.slice(start, end);
    const content = lines[k]!;
    let at: number;
    if (parent?.type === "heading_open" && parent.markup.startsWith("#")) at = line.indexOf(content);
    else if (k < lines.length - 1) at = line.length - content.length;
    else at = line.trimEnd().length - content.length;
    if (at < 0 || line.slice(at, at + content.length) !== content) return null;
    offsets.push(start + at);
  }
  return offsets;
}

/**
 * Where a table cell's content is in its row `[rowStart, rowEnd)`, searched from `from` (just past the previous
 * cell), as a map from offsets in the content to offsets in the source; null when it is not there. markdown-it gives
 * cells no line map, and reads `\|` in a cell as `|` (the content holds `|` where the row holds `\|`).
 */
function cellOffsets(src: string, content: string, from: number, rowEnd: number): ((pos: number) => number) | null {
  const written = content.replace(/\|/g, "\\|");
  const at = src.indexOf(written, from);
  if (at === -1 || at + written.length > rowEnd) return null;
  if (written.length === content.length) return (pos) => at + pos;
  const pipes = [...content.matchAll(/\|/g)].map((m) => m.index);
  return (pos) => {
    let before = 0;
    while (before < pipes.length && pipes[before]! < pos) before++;
    return at + pos + before;
  };
}

/** Literal ranges and tables of a text (see the module comment). */
export function textLayout(text: string): TextLayout {
  const md = markdownParser();
  const src = parserSource(text);
  const lineStarts = lineStartsOf(text);
  // `source`: the text as it is, for the rules that must tell a CR from a space (properties).
  const env: Record<string, unknown> = { source: text };
  const tokens: Token[] = [];
  md.block.parse(src, md, env, tokens);
  const layout: TextLayout = { literals: [], tables: [], lineStarts };
  // The row being read (source offsets of its line), and where its next cell's content is searched from.
  let row = { start: 0, end: 0 };
  let cellCursor = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "inline" && (tokens[i - 1]?.type === "th_open" || tokens[i - 1]?.type === "td_open")) {
      // A cell: found in its row after the previous cell, every cell in turn (with literals or not).
      const toSource = cellOffsets(src, t.content, cellCursor, row.end);
      if (toSource === null) {
        // Not found as written (should not happen): the whole row is taken as literal.
        layout.literals.push([row.start, row.end]);
        cellCursor = row.end;
        continue;
      }
      cellCursor = toSource(t.content.length);
      const sink = inlineLiterals(t.content, env);
      for (const [a, b] of sink) layout.literals.push([toSource(a), toSource(b)]);
      continue;
    }
    if (!t.map) continue;
    const [from, to] = t.map;
    if (t.type === "table_open") layout.tables.push([from, to]);
    if (t.type === "tr_open") {
      row = { start: lineStarts[from]!, end: lineEnd(text, lineStarts, from) };
      cellCursor = row.start;
    }
    if (LITERAL_BLOCKS.has(t.type)) {
      layout.literals.push([lineStarts[from]!, lineEnd(text, lineStarts, to - 1)]);
      continue;
    }
    if (t.type !== "inline") continue;
    const sink = inlineLiterals(t.content, env);
    if (sink.length === 0) continue;
    const offsets = contentLineOffsets(src, lineStarts, t, tokens[i - 1]);
    if (offsets === null) {
      // Content that cannot be placed in its lines (should not happen): all of its lines are taken as literal.
      layout.literals.push([lineStarts[from]!, lineEnd(text, lineStarts, to - 1)]);
      continue;
    }
    // A position in the content: its line there (found by bisection, so a paragraph of many lines costs no more
    // per literal than one line), then the same column in that line's source.
    const contentStarts = lineStartsOf(t.content);
    const toSource = (pos: number): number => {
      const line = lineAt(contentStarts, pos);
      return offsets[line]! + (pos - contentStarts[line]!);
    };
    for (const [a, b] of sink) layout.literals.push([toSource(a), toSource(b - 1) + 1]);
  }
  layout.literals.sort((x, y) => x[0] - y[0]);
  return layout;
}

/** The literal ranges of an inline text, as offsets in it (recorded by the parser's inline rules). */
function inlineLiterals(content: string, env: Record<string, unknown>): [number, number][] {
  const sink: [number, number][] = [];
  const md = markdownParser();
  md.inline.parse(content, md, { ...env, literals: sink }, []);
  return sink;
}

/** Whether `[from, to)` overlaps a literal range (the ranges are sorted). */
export function inLiteral(literals: readonly [number, number][], from: number, to: number): boolean {
  let lo = 0;
  let hi = literals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (literals[mid]![1] <= from) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < literals.length && literals[k]![0] < to; k++) if (literals[k]![1] > from) return true;
  return false;
}
