// A line telling Perplexity where a question comes from: the note's title and the headings above it.
// "Layer 1" in a note about AI vendors is not about blockchains; the question alone does not say so.
// It travels in `input` beside the question, to be read but not searched (see questionFraming in ask-options.ts and
// src/perplexity/request.ts), never as `instructions`.
import { inlineDisplayText, lineAt, noteStructure } from "./markdown";

const MAX_PART = 120;

function shortened(t: string): string {
  return t.length > MAX_PART ? t.slice(0, MAX_PART - 1) + "…" : t;
}

/** Heading text as a reader sees it (see inlineDisplayText). */
function plainHeading(inline: string): string {
  return shortened(inlineDisplayText(inline));
}

/** The headings above `offset`, outermost first: the note's own headings (not those in properties, code or quotes). */
export function headingPath(noteText: string, offset: number): string[] {
  const structure = noteStructure(noteText);
  const line = lineAt(structure.lineStarts, Math.max(0, offset));
  const stack: { level: number; text: string }[] = [];
  for (const block of structure.blocks) {
    // Only headings above the offset's line count (a heading on that line is where the question is).
    if (block.endLine > line) break;
    if (block.heading === undefined) continue;
    const { level } = block.heading;
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    const t = plainHeading(block.heading.text);
    if (t !== "") stack.push({ level, text: t });
  }
  return stack.map((h) => h.text);
}

/**
 * E.g. `The question comes from a note titled "The AI Model Wars", under the heading "Vendors › Layer 1".
 * Read it in that context.` Empty when there is neither a title nor a heading.
 */
export function noteContextLine(noteTitle: string, noteText: string, offset: number): string {
  // A note's title is its file name, not Markdown: it is shown as it is.
  const title = shortened(noteTitle.replace(/\s+/g, " ").trim());
  const path = headingPath(noteText, offset);
  if (title === "" && path.length === 0) return "";
  const where = title === "" ? "a note" : `a note titled "${title}"`;
  const under = path.length === 0 ? "" : `, under the heading "${path.join(" › ")}"`;
  return `The question comes from ${where}${under}. Read it in that context.`;
}
