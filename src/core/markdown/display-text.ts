// What a reader sees of a line of inline Markdown (a heading, say): its text, as the parser reads it, without
// the marks or a block id at its end. Code and math keep what is written inside them; links show their text; raw HTML tags and `%%`
// comments are hidden, as the editor hides them. The parser has no rules for Obsidian's wikilinks and `==`
// highlights: they are read in its plain text tokens only (never in code, math or escaped text).
import type { Token } from "markdown-it";
import { markdownParser } from "./parser";

/** A block id ending the text (`… ^id`): Obsidian does not show it. */
const TRAILING_BLOCK_ID = /(?:^|\s)\^[A-Za-z0-9-]+\s*$/;
/** A wikilink or embed in plain text: `[[target]]`, `[[target|alias]]`, `![[…]]`. */
const WIKILINK = /!?\[\[([^[\]|\n]*)(?:\|([^[\]\n]*))?\]\]/g;

/** A wikilink as Obsidian shows it: its alias, else its target with `#` parts as "Note > Heading". */
function wikilinkText(target: string, alias: string | undefined): string {
  if (alias !== undefined && alias.trim() !== "") return alias;
  return target
    .split("#")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(" > ");
}

interface Piece {
  text: string;
  /** Plain text (a text token's), where wikilinks and highlight marks are read. */
  plain: boolean;
}

/**
 * Drops `==` highlight marks that pair up: an opening one before a non-space, a closing one after a non-space
 * (so "x == y" keeps its signs). Read over the plain pieces in order, as a highlight may hold bold or code.
 */
function dropHighlightMarks(pieces: Piece[]): void {
  const marks: { piece: number; at: number }[] = [];
  const charAt = (p: number, i: number): string => pieces[p]!.text[i] ?? "x"; // another token: not a space
  for (let p = 0; p < pieces.length; p++) {
    if (!pieces[p]!.plain) continue;
    for (let i = pieces[p]!.text.indexOf("=="); i !== -1; i = pieces[p]!.text.indexOf("==", i + 2)) {
      const before = i === 0 ? "x" : charAt(p, i - 1);
      const after = charAt(p, i + 2);
      const opens = !/\s/.test(after) && after !== "=";
      const closes = !/\s/.test(before);
      const open = marks.length % 2 === 1;
      if (open ? closes : opens) marks.push({ piece: p, at: i });
    }
  }
  if (marks.length % 2 === 1) marks.pop();
  for (let m = marks.length - 1; m >= 0; m--) {
    const { piece, at } = marks[m]!;
    const t = pieces[piece]!.text;
    pieces[piece]!.text = t.slice(0, at) + t.slice(at + 2);
  }
}

/** The text a reader sees of inline Markdown `content`, spaces collapsed, without a block id at its end. */
export function inlineDisplayText(content: string): string {
  const md = markdownParser();
  const tokens: Token[] = [];
  md.inline.parse(content, md, {}, tokens);
  const pieces: Piece[] = [];
  for (const t of tokens) {
    // A `%%` comment is a comment_inline token of its own (code inside it included): it shows nothing.
    if (t.type === "text") pieces.push({ text: t.content.replace(WIKILINK, (_, target: string, alias?: string) => wikilinkText(target, alias)), plain: true });
    else if (t.type === "text_special" || t.type === "code_inline") pieces.push({ text: t.content, plain: false });
    else if (t.type === "math_inline") pieces.push({ text: t.content.slice(t.markup.length, t.content.length - t.markup.length), plain: false });
    else if (t.type === "image") pieces.push({ text: t.content, plain: false });
    else if (t.type === "softbreak" || t.type === "hardbreak") pieces.push({ text: " ", plain: false });
    // Marks (emphasis, links, strikethrough) and raw HTML tags show no text of their own.
  }
  const last = pieces[pieces.length - 1];
  if (last?.plain && tokens[tokens.length - 1]?.type === "text") last.text = last.text.replace(TRAILING_BLOCK_ID, "");
  dropHighlightMarks(pieces);
  return pieces
    .map((p) => p.text)
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}
