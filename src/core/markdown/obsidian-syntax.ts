// Block rules for what Obsidian reads differently from CommonMark and no markdown-it extension covers its way:
// properties (YAML front matter), `$$` math blocks and `%%` comments. Each rule only finds where the construct
// starts and ends; what is inside is kept as the token's content, never parsed as Markdown.
import type { StateBlock } from "markdown-it";

type BlockRule = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;

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
    for (let line = startLine + 1; line < endLine; line++) {
      // A blank line, or a line less indented than the container (a list item's math cannot run past the item),
      // ends it unclosed: no real note we found has a blank line in its math, and a stray `$$` must not swallow
      // what follows.
      if (state.isEmpty(line) || state.sCount[line]! < state.blkIndent) break;
      if (lineText(state, line).trimEnd().endsWith("$$")) {
        close = line;
        break;
      }
    }
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

/**
 * A `%%` comment that starts a line: up to the line holding the closing `%%` (blank lines included, as Obsidian
 * hides them all). Unclosed, it runs to the end of its container, as in Obsidian.
 */
export const commentBlock: BlockRule = (state, startLine, endLine, silent) => {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const first = lineText(state, startLine);
  if (!first.startsWith("%%")) return false;
  if (silent) return true;
  let close = -1;
  if (first.indexOf("%%", 2) !== -1) close = startLine;
  else {
    for (let line = startLine + 1; line < endLine; line++) {
      if (!state.isEmpty(line) && state.sCount[line]! < state.blkIndent) {
        close = line - 1;
        break;
      }
      if (lineText(state, line).includes("%%")) {
        close = line;
        break;
      }
    }
  }
  if (close === -1) close = endLine - 1;
  const token = state.push("comment_block", "", 0);
  token.block = true;
  token.hidden = true;
  token.markup = "%%";
  token.map = [startLine, close + 1];
  token.content = state.getLines(startLine, close + 1, state.blkIndent, true);
  state.line = close + 1;
  return true;
};
