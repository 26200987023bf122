// A line telling Perplexity where a question comes from: the note's title and the headings above it.
// "Layer 1" in a note about AI vendors is not about blockchains; the question alone does not say so.
// It travels in `input` beside the question, to be read but not searched (see questionFraming in ask-options.ts and
// src/perplexity/request.ts), never as `instructions`.
import { matchFence } from "./markdown-scan";

const ATX_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_RE = /^ {0,3}(=+|-+)[ \t]*$/;
const MAX_PART = 120;

/** Heading text as a reader sees it: links reduced to their text, emphasis and code marks and block ids dropped. */
function plainHeading(s: string): string {
  let t = s
    .replace(/!?\[\[([^\]|]*)\|([^\]]*)\]\]/g, "$2")
    .replace(/!?\[\[([^\]]*)\]\]/g, "$1")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s\^[A-Za-z0-9-]+$/, "")
    .replace(/[*_`=~]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (t.length > MAX_PART) t = t.slice(0, MAX_PART - 1) + "…";
  return t;
}

/** The headings above `offset`, outermost first (frontmatter and fenced code ignored). */
export function headingPath(noteText: string, offset: number): string[] {
  const text = noteText.slice(0, Math.max(0, offset)).replace(/\r\n?/g, "\n");
  const lines = text.split("\n");
  lines.pop(); // the line holding the offset itself: only headings above it count
  let i = 0;
  if (lines[0] !== undefined && /^---\s*$/.test(lines[0])) {
    const end = lines.findIndex((l, k) => k > 0 && /^(---|\.\.\.)\s*$/.test(l));
    if (end !== -1) i = end + 1;
  }
  const stack: { level: number; text: string }[] = [];
  const push = (level: number, raw: string): void => {
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    const t = plainHeading(raw);
    if (t !== "") stack.push({ level, text: t });
  };
  let fence: { char: string; length: number } | null = null;
  let prev = "";
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^ {0,3}$/.test(matchFence(line)?.prefix ?? "x") ? matchFence(line) : null;
    if (fence) {
      if (f && f.fence[0] === fence.char && f.fence.length >= fence.length && f.info.trim() === "") fence = null;
      prev = "";
      continue;
    }
    if (f) {
      fence = { char: f.fence[0]!, length: f.fence.length };
      prev = "";
      continue;
    }
    const atx = ATX_RE.exec(line);
    if (atx) {
      push(atx[1]!.length, atx[2] ?? "");
      prev = "";
      continue;
    }
    const setext = SETEXT_RE.exec(line);
    if (setext && prev.trim() !== "" && !/^\s*([-*+]|\d+[.)])\s/.test(prev) && !/^\s*>/.test(prev)) {
      push(setext[1]![0] === "=" ? 1 : 2, prev);
      prev = "";
      continue;
    }
    prev = line;
  }
  return stack.map((h) => h.text);
}

/**
 * E.g. `The question comes from a note titled "The AI Model Wars", under the heading "Vendors › Layer 1".
 * Read it in that context.` Empty when there is neither a title nor a heading.
 */
export function noteContextLine(noteTitle: string, noteText: string, offset: number): string {
  const title = plainHeading(noteTitle);
  const path = headingPath(noteText, offset);
  if (title === "" && path.length === 0) return "";
  const where = title === "" ? "a note" : `a note titled "${title}"`;
  const under = path.length === 0 ? "" : `, under the heading "${path.join(" › ")}"`;
  return `The question comes from ${where}${under}. Read it in that context.`;
}
