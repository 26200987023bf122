// Block rules for what Obsidian reads differently from CommonMark and no markdown-it extension covers its way:
// properties (YAML front matter), `$$` math blocks and `%%` comments. Each rule only finds where the construct
// starts and ends; what is inside is kept as the token's content, never parsed as Markdown.
import type { StateBlock, StateInline, Token } from "markdown-it";

type BlockRule = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
type InlineRule = (state: StateInline, silent: boolean) => boolean;

function lineText(state: StateBlock, line: number): string {
  return state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]);
}

/**
 * Properties: Obsidian's own lexical rule (getFrontMatterInfo, 1.13): the note starts with `---` and a line
 * break; the properties end at the first later line that is exactly `---` (then a line break or the end of the
 * note). Trailing spaces, `----` or `...` do not count, and without a closing line there are no properties (the
 * `---` is a thematic break). What is between is YAML, valid or not: Obsidian opens a note with invalid YAML and
 * shows no properties. The rule reads the caller's own text (`env.source`), where a CR is still a CR.
 */
export const frontMatterBlock: BlockRule = (state, startLine, endLine, silent) => {
  if (startLine !== 0 || state.level !== 0 || state.parentType !== "root") return false;
  const env = state.env as { source?: unknown };
  const src = typeof env.source === "string" ? env.source : state.src;
  const breakAt = (at: number) => src[at] === "\n" || src.startsWith("\r\n", at);
  if (!src.startsWith("---") || !breakAt(3)) return false;
  const isCloser = (at: number) => src.startsWith("---", at) && (breakAt(at + 3) || at + 3 === src.length);
  let close = 1;
  while (close < endLine && !isCloser(state.bMarks[close]!)) close++;
  if (close >= endLine) return false;
  if (silent) return true;
  const token = state.push("front_matter", "", 0);
  token.block = true;
  token.hidden = true;
  token.map = [0, close + 1];
  token.content = state.getLines(1, close, 0, true);
  state.line = close + 1;
  return true;
};

/**
 * The last forward scan of a rule over a parser state: from line `from`, lines up to `to` were read, and `found`
 * (or -1) is what ended it. Any scan that starts in `[from, to)` in the same container (the same nesting level,
 * indentation and last line: a container's lines read the same for all its rules) reads the same lines to the same
 * end, so it is not done again: a paragraph asks at each of its lines whether math starts there, and each would
 * otherwise read on to the same blank line, which made a note of 20,000 `$$a` lines quadratic.
 */
interface Scan {
  level: number;
  blkIndent: number;
  endLine: number;
  from: number;
  to: number;
  found: number;
}

function rememberedScan(scans: WeakMap<StateBlock, Scan>, state: StateBlock, startLine: number, endLine: number, scan: () => { to: number; found: number }): number {
  const last = scans.get(state);
  if (last && last.level === state.level && last.blkIndent === state.blkIndent && last.endLine === endLine && startLine >= last.from && startLine < last.to) return last.found;
  const { to, found } = scan();
  scans.set(state, { level: state.level, blkIndent: state.blkIndent, endLine, from: startLine, to, found });
  return found;
}

const mathScans = new WeakMap<StateBlock, Scan>();

/**
 * A block of `$$` math: a line starting with `$$`, up to the line that ends with `$$` (the same line when it
 * opens and closes there), with no blank line between. Unclosed, it is not math (Obsidian shows the text).
 */
export const mathBlock: BlockRule = (state, startLine, endLine, silent) => {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const first = lineText(state, startLine);
  if (!first.startsWith("$$")) return false;
  const rest = first.slice(2).trimEnd();
  let close = -1;
  if (rest.length >= 2 && rest.endsWith("$$")) close = startLine;
  else {
    close = rememberedScan(mathScans, state, startLine, endLine, () => {
      let line = startLine + 1;
      for (; line < endLine; line++) {
        // A blank line, or a line less indented than the container (a list item's math cannot run past the item),
        // ends it unclosed: no real note we found has a blank line in its math, and a stray `$$` must not swallow
        // what follows.
        if (state.isEmpty(line) || state.sCount[line]! < state.blkIndent) return { to: line, found: -1 };
        if (lineText(state, line).trimEnd().endsWith("$$")) return { to: line, found: line };
      }
      return { to: line, found: -1 };
    });
  }
  if (close === -1) return false;
  if (silent) return true;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.markup = "$$";
  token.map = [startLine, close + 1];
  token.content = state.getLines(startLine, close + 1, state.blkIndent, true);
  state.line = close + 1;
  return true;
};

// `%%` comments. Obsidian's editor pairs `%%` marks across the whole note, outside code and math: a `%%` anywhere in
// a line opens a comment that hides everything up to the next `%%`, over line breaks, blank lines and block
// syntax, and one never closed hides the rest of the note (Obsidian's help: "Block comments can span multiple
// lines"; /work/team/obsidian-markdown-semantics.md § 1 has the sources). Text after a closing `%%` is ordinary
// text. Where the reading view differs (it may show a comment opened mid-line as text), the editor's reading is
// kept: it hides more, and what is hidden is never where an answer goes.
//
// The rules below keep the parser to that reading. A comment that opens where a line starts is a `comment_block`;
// one that opens in a paragraph goes on in that paragraph, which runs on to the comment's end (its text holds a
// `comment_inline`); one still open at the end of a heading or a quote goes on as a `comment_block` after it, in
// the same top-level block. A block whose comment is still open when its container (or the note) ends carries
// `meta.openComment`, which is what `leavesCommentOpen` reads.

/** For each line, the first line from it on that holds `%%` (lineMax: none), once per parser state. */
const commentLines = new WeakMap<StateBlock, Int32Array>();

function nextLineWithComment(state: StateBlock, from: number, endLine: number): number {
  let next = commentLines.get(state);
  if (next === undefined) {
    // Every `%%` of the source once, in order, with the line it is in; then each line's next such line.
    const lines = state.eMarks.length;
    next = new Int32Array(lines + 1).fill(lines);
    let line = 0;
    for (let at = state.src.indexOf("%%"); at !== -1; at = state.src.indexOf("%%", at + 2)) {
      while (line < lines && state.eMarks[line]! < at + 2) line++;
      if (line < lines) next[line] = line;
    }
    for (let l = lines - 1; l >= 0; l--) if (next[l] !== l) next[l] = next[l + 1]!;
    commentLines.set(state, next);
  }
  const line = from < next.length ? next[from]! : next.length;
  return line < endLine ? line : -1;
}

/**
 * Where in an inline text a `%%` comment opens that the text does not close (-1: none): the text is parsed, so
 * `%%` in code spans, inline math or raw HTML is no mark.
 */
function openCommentIn(state: StateBlock, text: string): number {
  if (!text.includes("%%")) return -1;
  const env = { openComment: -1 };
  state.md.inline.parse(text, state.md, env, []);
  return env.openComment;
}

/**
 * Where a comment open at column `from` of `line` ends: the line after the one holding its closing `%%`, or, while
 * the text after a close opens another (not closed in that line), after that one's closing line. `open`: still
 * open at `endLine`.
 */
function commentEnd(state: StateBlock, line: number, from: number, endLine: number): { end: number; open: boolean } {
  for (;;) {
    const text = lineText(state, line);
    const close = text.indexOf("%%", from);
    if (close !== -1 && openCommentIn(state, text.slice(close + 2)) === -1) return { end: line + 1, open: false };
    const next = nextLineWithComment(state, line + 1, endLine);
    if (next === -1) return { end: endLine, open: true };
    line = next;
    from = 0;
  }
}

/** A hidden token for lines `[from, to)` that a comment hides. */
function pushComment(state: StateBlock, from: number, to: number, open: boolean): Token {
  const token = state.push("comment_block", "", 0);
  token.block = true;
  token.hidden = true;
  token.markup = "%%";
  token.map = [from, to];
  token.content = state.getLines(from, to, state.blkIndent, true);
  if (open) token.meta = { openComment: true };
  return token;
}

/** Whether a line is a quote's (`>` marks before its content, which markdown-it's blockquote rule skips). */
function quoted(state: StateBlock, line: number): boolean {
  const content = state.bMarks[line]! + state.tShift[line]!;
  const start = state.src.lastIndexOf("\n", content - 1) + 1;
  return state.src.slice(start, content).includes(">");
}

/**
 * A `%%` comment that starts a line: up to the line holding the closing `%%` (blank lines included, as Obsidian
 * hides them all), or on while the text after a close opens another. Unclosed, it runs to the end of its container,
 * marked as open: the editor hides the rest of the note (a quote's comment goes on after the quote, see
 * `continuingComments`). One closed on its own line is inline (rule 1 of the team's Obsidian notes: a `%%…%%` pair
 * on one line is inline): a paragraph goes on over it, and with lines after it, it starts one. Alone, or as a
 * quote's last line, it is a block of its own: the answer block's metadata line, last in its callout after the
 * source list, is read so (a reading Obsidian agrees with for what it shows: the comment is hidden either way).
 * Where a quote ends is the same in a note and in the quote read alone; a list's or a paragraph's end is not.
 */
export const commentBlock: BlockRule = (state, startLine, endLine, silent) => {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  if (!lineText(state, startLine).startsWith("%%")) return false;
  const text = lineText(state, startLine);
  const close = text.indexOf("%%", 2);
  const oneLine = close !== -1 && openCommentIn(state, text.slice(close + 2)) === -1;
  if (silent) return !oneLine || (startLine + 1 === endLine && quoted(state, startLine));
  if (oneLine && paragraphEnd(state, startLine + 1, endLine) > startLine + 1) return false;
  const { end, open } = commentEnd(state, startLine, 2, endLine);
  pushComment(state, startLine, end, open);
  state.line = end;
  return true;
};

/** Whether a block's tokens leave a `%%` comment open at its end (the editor then hides what follows it). */
export function leavesCommentOpen(tokens: readonly Token[]): boolean {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.nesting === -1) continue;
    return (t.meta as { openComment?: boolean } | null)?.openComment === true;
  }
  return false;
}

/** The last token of `tokens[from…]` that is not a closing one: the block's last content. */
function lastContent(tokens: readonly Token[], from: number): Token | undefined {
  for (let i = tokens.length - 1; i >= from; i--) if (tokens[i]!.nesting !== -1) return tokens[i];
  return undefined;
}

/**
 * The line after a paragraph's text that goes on from line `from` (a blank line, or a line that starts another
 * block, ends it), as markdown-it's paragraph rule reads it: lines after a comment's close are the same paragraph.
 */
function paragraphEnd(state: StateBlock, from: number, endLine: number): number {
  const terminators = state.md.block.ruler.getRules("paragraph");
  const parentType = state.parentType;
  state.parentType = "paragraph";
  let line = from;
  for (; line < endLine && !state.isEmpty(line); line++) {
    if (state.sCount[line]! - state.blkIndent > 3 || state.sCount[line]! < 0) continue;
    if (terminators.some((rule) => rule(state, line, endLine, true))) break;
  }
  state.parentType = parentType;
  return line;
}

/** Without spaces, tabs and line breaks at either end (as markdown-it trims a paragraph's text, Unicode spaces kept). */
function asciiTrim(text: string): string {
  const trimmable = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  let start = 0;
  let end = text.length;
  while (start < end && trimmable(text.charCodeAt(start))) start++;
  while (end > start && trimmable(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/**
 * markdown-it's paragraph rule, with the paragraph going on while its text leaves a `%%` comment open: to the line
 * that closes it, and on from there as a paragraph does (unclosed, to the end of its container).
 */
export function pairingParagraph(paragraph: BlockRule): BlockRule {
  return (state, startLine, endLine, silent) => {
    const first = state.tokens.length;
    if (!paragraph(state, startLine, endLine, silent)) return false;
    const inline = state.tokens[first + 1];
    if (inline?.type !== "inline") return true;
    let opener = openCommentIn(state, inline.content);
    if (opener === -1) return true;
    let end = state.line;
    let open = true;
    while (open) {
      const close = nextLineWithComment(state, end, endLine);
      if (close === -1) {
        end = endLine;
        break;
      }
      end = paragraphEnd(state, close + 1, endLine);
      const text = lineText(state, close);
      const after = text.slice(text.indexOf("%%") + 2) + (end > close + 1 ? "\n" + state.getLines(close + 1, end, state.blkIndent, false) : "");
      opener = openCommentIn(state, after);
      open = opener !== -1;
    }
    // The paragraph's tokens, as the rule wrote them, now for lines [startLine, end).
    state.tokens[first]!.map = [startLine, end];
    inline.map = [startLine, end];
    inline.content = asciiTrim(state.getLines(startLine, end, state.blkIndent, false));
    if (open) inline.meta = { openComment: true };
    state.line = end;
    return true;
  };
}

/**
 * A block rule whose block may end inside a `%%` comment (a heading's text, a quote's last lines): the comment
 * goes on after it, to its closing line, in the same top-level block (a quote's lines are known before its
 * content is read, so its comment cannot run on inside it).
 */
export function continuingComments(rule: BlockRule): BlockRule {
  return (state, startLine, endLine, silent) => {
    const first = state.tokens.length;
    if (!rule(state, startLine, endLine, silent)) return false;
    if (silent) return true;
    const last = lastContent(state.tokens, first);
    if (last === undefined) return true;
    const open = leavesCommentOpen([last]) || (last.type === "inline" && openCommentIn(state, last.content) !== -1);
    if (!open) return true;
    if (state.line >= endLine) {
      last.meta = { openComment: true };
      return true;
    }
    const { end, open: still } = commentEnd(state, state.line, 0, endLine);
    pushComment(state, state.line, end, still);
    state.line = end;
    return true;
  };
}

/**
 * A `%%` comment in inline text: to the next `%%` (over line breaks: the text is a whole paragraph), or, never
 * closed, to the end of the text (recorded in `env.openComment` when the reader asks, see `openCommentIn`). Code
 * spans, math and raw HTML are read before it where they start first, so `%%` in them is no mark.
 */
export const commentInline: InlineRule = (state, silent) => {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x25 || src.charCodeAt(start + 1) !== 0x25) return false;
  const close = src.indexOf("%%", start + 2);
  const end = close !== -1 && close + 2 <= state.posMax ? close + 2 : state.posMax;
  if (!silent) {
    const token = state.push("comment_inline", "", 0);
    token.markup = "%%";
    token.content = src.slice(start, end);
    if (end === state.posMax && close + 2 !== end) {
      token.meta = { openComment: true };
      const env = state.env as { openComment?: number };
      if (env.openComment === -1) env.openComment = start;
    }
  }
  state.pos = end;
  return true;
};

/**
 * For each position of an inline text, the nearest `$` after it that can close inline math: not escaped, not after
 * whitespace, not before a digit, on the same line (-1: none). Built once per text, so every `$` is looked at once.
 */
function mathClosers(src: string): Int32Array {
  const next = new Int32Array(src.length + 1).fill(-1);
  const escaped = new Uint8Array(src.length);
  for (let i = 1; i < src.length; i++) if (src.charCodeAt(i - 1) === 0x5c && !escaped[i - 1]) escaped[i] = 1;
  let closer = -1;
  for (let i = src.length - 1; i >= 0; i--) {
    next[i] = closer;
    const c = src.charCodeAt(i);
    if (c === 0x0a) closer = -1;
    else if (c === 0x24 && !escaped[i] && i > 0 && !/\s/.test(src[i - 1]!) && !/[0-9]/.test(src[i + 1] ?? "")) closer = i;
  }
  return next;
}

const closersOf = new WeakMap<StateInline, Int32Array>();

/**
 * Inline math as Obsidian reads it: `$$…$$` (display math, which may run over the paragraph's lines), or `$…$`
 * with no space just inside either `$`, on one line, and no digit right after the closing `$` (so "$5 and $10" is
 * not math). A backslash escapes the next character. Linear in the text: closers are found once per text.
 */
export const mathInline: InlineRule = (state, silent) => {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x24) return false;
  const display = src.charCodeAt(start + 1) === 0x24;
  let end = -1;
  if (display) {
    const close = src.indexOf("$$", start + 2);
    if (close > start + 2 && close + 2 <= state.posMax) end = close + 2;
  } else {
    const first = src[start + 1];
    if (first === undefined || /\s/.test(first)) return false;
    let closers = closersOf.get(state);
    if (closers === undefined) {
      closers = mathClosers(src);
      closersOf.set(state, closers);
    }
    const close = closers[start + 1]!;
    if (close !== -1 && close < state.posMax) end = close + 1;
  }
  if (end === -1) return false;
  if (!silent) {
    const token = state.push("math_inline", "math", 0);
    token.markup = display ? "$$" : "$";
    token.content = src.slice(start, end);
  }
  state.pos = end;
  return true;
};

/** Where an inline rule produced literal text (code, raw HTML, math): recorded in `env.literals` when given. */
export function recordingLiterals(rule: InlineRule, types: readonly string[]): InlineRule {
  return (state, silent) => {
    const start = state.pos;
    const count = state.tokens.length;
    const matched = rule(state, silent);
    const sink = (state.env as { literals?: [number, number][] }).literals;
    if (matched && !silent && sink && state.tokens.length > count && types.includes(state.tokens[state.tokens.length - 1]!.type)) sink.push([start, state.pos]);
    return matched;
  };
}
