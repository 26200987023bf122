// Where a text's literal parts are: code (fenced, indented, inline), math, raw HTML, comments and properties, as
// source offsets. Readers that rewrite links in text the user may have edited (relinking citations) leave these
// alone, and find the table rows where a link's "|" must be escaped.
import type { Token } from "markdown-it";
import { markdownParser, parserSource } from "./parser";
import { lineEnd, lineStartsOf } from "./structure";

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

/** Literal ranges and tables of a text (see the module comment). */
export function textLayout(text: string): TextLayout {
  const md = markdownParser();
  const src = parserSource(text);
  const lineStarts = lineStartsOf(text);
  const env: Record<string, unknown> = {};
  const tokens: Token[] = [];
  md.block.parse(src, md, env, tokens);
  const layout: TextLayout = { literals: [], tables: [], lineStarts };
  let cellCursor = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.map) continue;
    const [from, to] = t.map;
    if (t.type === "table_open") layout.tables.push([from, to]);
    if (t.type === "tr_open") cellCursor = lineStarts[from]!;
    if (LITERAL_BLOCKS.has(t.type)) {
      layout.literals.push([lineStarts[from]!, lineEnd(text, lineStarts, to - 1)]);
      continue;
    }
    if (t.type !== "inline") continue;
    const sink: [number, number][] = [];
    md.inline.parse(t.content, md, { ...env, literals: sink }, []);
    if (sink.length === 0) continue;
    const parent = tokens[i - 1];
    if (parent?.type === "th_open" || parent?.type === "td_open") {
      // A cell: its content in the row, after the previous cell.
      const at = src.indexOf(t.content, cellCursor);
      if (at === -1) continue;
      cellCursor = at + t.content.length;
      for (const [a, b] of sink) layout.literals.push([at + a, at + b]);
      continue;
    }
    const offsets = contentLineOffsets(src, lineStarts, t, parent);
    if (offsets === null) {
      // Content that cannot be placed in its lines (should not happen): all of its lines are taken as literal.
      layout.literals.push([lineStarts[from]!, lineEnd(text, lineStarts, to - 1)]);
      continue;
    }
    const lineOfContent = (pos: number): number => {
      let line = 0;
      for (let p = t.content.indexOf("\n"); p !== -1 && p < pos; p = t.content.indexOf("\n", p + 1)) line++;
      return line;
    };
    const toSource = (pos: number): number => {
      const line = lineOfContent(pos);
      const lineStart = line === 0 ? 0 : t.content.lastIndexOf("\n", pos - 1) + 1;
      return offsets[line]! + (pos - lineStart);
    };
    for (const [a, b] of sink) layout.literals.push([toSource(a), toSource(b - 1) + 1]);
  }
  layout.literals.sort((x, y) => x[0] - y[0]);
  return layout;
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
