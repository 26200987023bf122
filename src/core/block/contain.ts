// What any answer text must satisfy to sit inside a block, whoever wrote it (Perplexity, or the user editing an
// answer that a refresh then keeps): read as Markdown inside the callout, it must end where it ends. A construct
// still open at its end (a fence, a raw HTML block of the kinds that run until a closing tag, a `%%` comment) would
// run on through the sources and the metadata, so it is closed, as the text itself would be read in Obsidian up
// to that point. And no paragraph of the answer may read as a sources heading. Nothing else is changed: what the
// text may contain is the sanitiser's business (sanitize.ts), not this one's.
import { closerAtEnd, noteStructure } from "../markdown";

/** The paragraphs that start the sources section of a block. */
export const RESERVED_LINES: readonly string[] = ["**Citations**", "**Other sources**"];

/** The same headings in the other bold syntax: they read alike, and an answer's paragraph never ends its section. */
const RESERVED_SPELLED_APART: Record<string, string> = { "**Citations**": "__Citations__", "**Other sources**": "__Other sources__" };

/** CR LF and lone CR line ends as "\n". */
export function normalizeNewlines(s: string): string {
  return s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
}

/**
 * The structural guarantee for answer text written inside a block (see the module comment). Line ends become
 * "\n". Idempotent.
 */
export function containAnswer(text: string): string {
  const src = normalizeNewlines(text);
  const structure = noteStructure(src);
  const lines = src.split("\n");
  let changed = false;
  for (const block of structure.blocks) {
    if (block.kind !== "paragraph" || block.endLine - block.startLine !== 1) continue;
    const spelled = RESERVED_SPELLED_APART[lines[block.startLine]!.trim()];
    if (spelled !== undefined) {
      lines[block.startLine] = spelled;
      changed = true;
    }
  }
  const closer = closerAtEnd(src, structure);
  if (closer !== null) {
    lines.push(closer);
    changed = true;
  }
  return changed ? lines.join("\n") : src;
}
