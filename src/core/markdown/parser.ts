// The plugin's one Markdown parser: markdown-it (CommonMark, fast and linear on hostile input, see the README's
// benchmarks) with the extensions Obsidian supports: GFM tables and strikethrough, footnotes (markdown-it-footnote),
// and, in obsidian-syntax.ts, what no extension covers the way Obsidian reads it (properties, `$$` math blocks,
// `%%` comments). Built once, on first use, so loading the plugin costs nothing.
import MarkdownIt from "markdown-it";
import type { MarkdownIt as MarkdownItInstance, MarkdownItOptions } from "markdown-it";
import type { StateBlock, Token } from "markdown-it";
import footnote from "markdown-it-footnote";
import backticks from "markdown-it/lib/rules_inline/backticks.mjs";
import htmlInline from "markdown-it/lib/rules_inline/html_inline.mjs";
import blockquote from "markdown-it/lib/rules_block/blockquote.mjs";
import heading from "markdown-it/lib/rules_block/heading.mjs";
import lheading from "markdown-it/lib/rules_block/lheading.mjs";
import paragraph from "markdown-it/lib/rules_block/paragraph.mjs";
import { commentBlock, commentInline, continuingComments, frontMatterBlock, mathBlock, mathInline, pairingParagraph, recordingLiterals } from "./obsidian-syntax";

let parser: MarkdownItInstance | undefined;

/** The configured parser (created on first use). */
export function markdownParser(): MarkdownItInstance {
  if (parser === undefined) {
    // `html`: raw HTML blocks are structure (Obsidian renders them); `maxNesting` bounds the depth of quotes and
    // lists read (deeper content is skipped as part of its container), so 100,000 nested quotes cost no stack.
    // (`maxNesting` is markdown-it's own option, missing from its typings.)
    const md = new MarkdownIt("commonmark", { html: true, maxNesting: 50 } as MarkdownItOptions);
    md.enable(["table", "strikethrough"]);
    // Every link is a link to the parser; which ones are written as links is the sanitiser's allowlist to say.
    md.validateLink = () => true;
    // A destination is read as written (after its escapes and entities): the sanitiser's URL parser normalises it,
    // and markdown-it's own normalisers (mdurl, punycode) stay out of main.js (scripts/slim-markdown-it.mjs).
    md.normalizeLink = (url) => url;
    md.normalizeLinkText = (text) => text;
    md.use(footnote);
    md.block.ruler.before("table", "front_matter", frontMatterBlock, { alt: [] });
    md.block.ruler.before("fence", "math_block", mathBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
    md.block.ruler.before("fence", "comment_block", commentBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
    // `%%` comments pair across the note (obsidian-syntax.ts): a paragraph runs on to its comment's end, and a
    // heading's or quote's comment goes on after it (the rules' own `alt` lists kept).
    md.block.ruler.at("paragraph", pairingParagraph(paragraph));
    md.block.ruler.at("heading", continuingComments(heading), { alt: ["paragraph", "reference", "blockquote"] });
    md.block.ruler.at("lheading", continuingComments(lheading));
    md.block.ruler.at("blockquote", continuingComments(blockquote), { alt: ["paragraph", "reference", "blockquote", "list"] });
    md.inline.ruler.after("escape", "math_inline", mathInline);
    md.inline.ruler.after("backticks", "comment_inline", commentInline);
    // Where code, raw HTML, math and comments are, for readers that must leave them alone (literals.ts).
    md.inline.ruler.at("backticks", recordingLiterals(backticks, ["code_inline"]));
    md.inline.ruler.at("html_inline", recordingLiterals(htmlInline, ["html_inline"]));
    md.inline.ruler.at("math_inline", recordingLiterals(mathInline, ["math_inline"]));
    md.inline.ruler.at("comment_inline", recordingLiterals(commentInline, ["comment_inline"]));
    // Footnotes are read as blocks where they stand (never moved to the end), and `[^1]` or `^[…]` in text stays
    // text: an answer's footnote must not become (or replace) the user's.
    md.core.ruler.disable("footnote_tail");
    // Escaped characters stay tokens of their own (text_special), so that the sanitiser knows what the model escaped.
    md.core.ruler.disable("text_join");
    md.inline.ruler.disable(["footnote_inline", "footnote_ref"]);
    parser = md;
  }
  return parser;
}

/** One top-level block as the parser consumed it: lines `[startLine, endLine)` and its tokens. */
export interface TopLevelRun {
  startLine: number;
  /** The line after the block (trailing blank lines excluded). */
  endLine: number;
  /** Its tokens (none for link reference definitions, which only define labels). */
  tokens: Token[];
}

/**
 * markdown-it keeps a source's line offsets; it needs "\n" line ends, so CR LF becomes " \n" and a lone CR "\n":
 * the same length, so every offset still points into the caller's text.
 */
export function parserSource(text: string): string {
  let src = text.includes("\r") ? text.replace(/\r\n/g, " \n").replace(/\r/g, "\n") : text;
  if (src.includes("\0")) src = src.replace(/\0/g, "\ufffd");
  return src;
}

/**
 * The top-level blocks of `text`, in order, from markdown-it's block rules (no inline parsing). The loop is the
 * block tokenizer's own, run here at the top level so that each block's line range is known exactly (a footnote
 * definition or a reference definition carries no source map) and so that reading can stop early: with
 * `untilLine`, blocks after the one holding that line are not parsed.
 */
export function topLevelRuns(text: string, untilLine = Infinity): TopLevelRun[] {
  const md = markdownParser();
  const tokens: Token[] = [];
  // `source`: the caller's text as it is, for rules that must tell a CR from a space (properties).
  const state: StateBlock = new md.block.State(parserSource(text), md, { source: text }, tokens);
  const rules = md.block.ruler.getRules("");
  const runs: TopLevelRun[] = [];
  const endLine = state.lineMax;
  let line = 0;
  while (line < endLine && line <= untilLine) {
    line = state.skipEmptyLines(line);
    if (line >= endLine) break;
    state.line = line;
    const first = tokens.length;
    // The paragraph rule matches any line, so some rule always does.
    for (const rule of rules) if (rule(state, line, endLine, false)) break;
    if (state.line <= line) throw new Error(`Markdown parser made no progress at line ${line}`);
    let end = state.line;
    while (end > line + 1 && state.isEmpty(end - 1)) end--;
    runs.push({ startLine: line, endLine: end, tokens: tokens.slice(first) });
    line = state.line;
  }
  return runs;
}
