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
  /** Its tokens (none for link reference definitions, which only define labels); this run's own array. */
  tokens: Token[];
  /**
   * A blockquote read without its content (a skimming `TopLevelReader`): its tokens are only its opening and
   * closing, and when its last line is a lazy continuation line, that line may instead be a block of its own.
   */
  skimmed?: boolean;
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
 * markdown-it's block state for `src`, with the line tables its constructor would compute (where each line starts
 * and ends, its indent), found here with native line searches instead of a loop over every character: in a long
 * note that loop was most of the time of reading it. A test checks the tables against the constructor's own, its
 * quirk included (a last line of only spaces or tabs, without a line break, is no line).
 */
export function blockState(src: string, env: object, tokens: Token[]): StateBlock {
  const md = markdownParser();
  const state: StateBlock = new md.block.State("", md, env, tokens);
  const bMarks: number[] = [];
  const eMarks: number[] = [];
  const tShift: number[] = [];
  const sCount: number[] = [];
  const bsCount: number[] = [];
  const len = src.length;
  for (let start = 0; start < len; ) {
    let pos = start;
    let offset = 0;
    for (; pos < len; pos++) {
      const c = src.charCodeAt(pos);
      if (c === 0x20) offset++;
      else if (c === 0x09) offset += 4 - (offset % 4);
      else break;
    }
    if (pos === len) break;
    let end = src.indexOf("\n", pos);
    if (end === -1) end = len;
    bMarks.push(start);
    eMarks.push(end);
    tShift.push(pos - start);
    sCount.push(offset);
    bsCount.push(0);
    start = end + 1;
  }
  // markdown-it's fake entry after the last line, which spares its rules a bounds check.
  bMarks.push(len);
  eMarks.push(len);
  tShift.push(0);
  sCount.push(0);
  bsCount.push(0);
  state.src = src;
  state.bMarks = bMarks;
  state.eMarks = eMarks;
  state.tShift = tShift;
  state.sCount = sCount;
  state.bsCount = bsCount;
  state.lineMax = bMarks.length - 1;
  return state;
}

/**
 * A line with `%%` only as one `%% … %%` comment alone on it (the answer's metadata line), with nothing between its
 * marks that starts code, math, HTML, an escape or another mark.
 */
const COMMENT_ALONE = /^[> \t]*%%[^%`$<\\]*%%[ \t]*$/;

/**
 * Whether a line of a quote can leave no `%%` comment open, whatever the quote's lines before it hold: it has no
 * `%%`, or it is a comment alone that closes itself. Only a guard for skimming: when it says no, the quote's
 * content is read, and the parser decides.
 */
function closesItsComments(line: string): boolean {
  return !line.includes("%%") || COMMENT_ALONE.test(line);
}

/** A blockquote's lazy continuation lines carry this indent while its content is read (markdown-it's blockquote rule). */
const LAZY = -1;

/**
 * markdown-it reading top-level blockquotes without their content where that cannot change where they end (see
 * `TopLevelReader`). `tail` says what the last top-level blockquote read was: -2 read in full (or none), -1
 * skimmed, or skimmed with a lazy last line, that line.
 */
interface SkimmingParser extends MarkdownItInstance {
  tail: number;
}

function skimmingParser(md: MarkdownItInstance): SkimmingParser {
  const block = Object.create(md.block) as MarkdownItInstance["block"];
  const skimming = Object.create(md, { block: { value: block } }) as SkimmingParser;
  skimming.tail = -2;
  block.tokenize = (state, startLine, endLine) => {
    if (state.parentType === "blockquote" && state.level === 1) {
      // Where a blockquote's content ends is where the blockquote ends: at `endLine` (blank lines after it aside)
      // unless a lazy line is not taken up by the content before it. Without lazy lines, or with only the last
      // one (settled by the reader), the content need not be read, unless it may leave a `%%` comment open: the
      // comment would go on after the quote, in its block (obsidian-syntax.ts, continuingComments).
      let lazy = -1;
      let closed = true;
      for (let line = startLine; line < endLine && closed && (lazy === -1 || lazy === endLine - 1); line++) {
        if (state.sCount[line] === LAZY) lazy = line;
        closed = closesItsComments(state.src.slice(state.bMarks[line], state.eMarks[line]));
      }
      if (closed && (lazy === -1 || lazy === endLine - 1)) {
        skimming.tail = lazy;
        state.line = endLine;
        return;
      }
    }
    md.block.tokenize(state, startLine, endLine);
  };
  return skimming;
}

/**
 * Reads the top-level blocks of a text one at a time, in order, with markdown-it's block rules (no inline
 * parsing). The loop is the block tokenizer's own, run here at the top level so that each block's line range is
 * known exactly (a footnote definition or a reference definition carries no source map) and so that reading can
 * stop early: a block never depends on the blocks after it.
 *
 * Skimming, a blockquote's content is read only when it could change where the blockquote ends, which is the
 * blockquote's own business (markdown-it takes its lines up to a blank line or a line that starts another block,
 * lazy lines included) except for a lazy line its content does not take up: then the blockquote ends before
 * that line. With no lazy line, nothing can end it early. With one, as its last line (a `^block-id` under a
 * callout), the content would decide whether that line is the blockquote's or a block of its own; when that
 * block would be that line alone, the blocks after it are the same either way, and the blockquote is `skimmed`.
 * Otherwise its content is read. So every block a skimming reader reads starts where the full reading's does.
 */
export class TopLevelReader {
  private readonly state: StateBlock;
  private readonly rules = markdownParser().block.ruler.getRules("");
  private readonly skimming: SkimmingParser | null;
  /** Where the next block is looked for (the line after the last block read, or blank lines before the next). */
  private line = 0;

  constructor(text: string, skim = false) {
    // `source`: the caller's text as it is, for rules that must tell a CR from a space (properties).
    this.state = blockState(parserSource(text), { source: text }, []);
    this.skimming = skim ? skimmingParser(this.state.md) : null;
  }

  /** The line the reader has reached: every line before it belongs to a block already read or is blank. */
  get position(): number {
    return this.line;
  }

  /** The next top-level block, or undefined at the end of the text. */
  next(): TopLevelRun | undefined {
    const state = this.state;
    const line = state.skipEmptyLines(this.line);
    if (line >= state.lineMax) {
      this.line = line;
      return undefined;
    }
    const run = this.skimming === null ? this.read(line) : this.skim(line, this.skimming);
    this.line = state.line;
    return run;
  }

  /** `count` blocks from `line` (where a block starts), read in full (not skimmed); the reader stays where it was. */
  readAt(line: number, count: number): TopLevelRun[] {
    const { state } = this;
    const runs: TopLevelRun[] = [];
    for (let at = line; runs.length < count && (at = state.skipEmptyLines(at)) < state.lineMax; at = state.line) runs.push(this.read(at));
    return runs;
  }

  private skim(line: number, skimming: SkimmingParser): TopLevelRun {
    const state = this.state;
    const md = state.md;
    skimming.tail = -2;
    state.md = skimming;
    const run = this.read(line);
    state.md = md;
    const tail = skimming.tail;
    if (tail === -2) return run;
    if (tail >= 0) {
      // The lazy last line as a block of its own: when it ends there, reading goes on where it would anyway.
      const after = state.line;
      this.read(tail);
      if (state.skipEmptyLines(state.line) !== state.skipEmptyLines(after)) return this.read(line);
      state.line = after;
    }
    run.skimmed = true;
    return run;
  }

  /** The block that starts at `line`, by the rules of `state.md`. */
  private read(line: number): TopLevelRun {
    const state = this.state;
    state.line = line;
    // Each block gets an array of its own: callers keep the tokens of the blocks they need and drop the rest.
    const tokens: Token[] = [];
    state.tokens = tokens;
    // The paragraph rule matches any line, so some rule always does.
    for (const rule of this.rules) if (rule(state, line, state.lineMax, false)) break;
    if (state.line <= line) throw new Error(`Markdown parser made no progress at line ${line}`);
    let end = state.line;
    while (end > line + 1 && state.isEmpty(end - 1)) end--;
    return { startLine: line, endLine: end, tokens };
  }
}

/**
 * The top-level blocks of `text`, in order (see `TopLevelReader`). With `untilLine`, reading stops once the
 * parser has passed that line: after the block that holds it or, when that line is blank, possibly after the
 * first block below it (which starts past `untilLine`).
 */
export function topLevelRuns(text: string, untilLine = Infinity): TopLevelRun[] {
  const reader = new TopLevelReader(text);
  const runs: TopLevelRun[] = [];
  for (let run: TopLevelRun | undefined; reader.position <= untilLine && (run = reader.next()) !== undefined; ) runs.push(run);
  return runs;
}
