// "Ask every question in the selection": which lines of a selection are questions, which of them need no
// asking (already answered after their list or paragraph, or the same question twice), and where a question's
// line is now (the note changes while a batch runs: answers are inserted, the user types). Which lines are the
// note's own text (not code, quotes or answers) is the structure layer's to say.
import { answerRegions, answersAfter, regionMeta } from "./block/regions";
import type { AnswerRegion } from "./block/regions";
import { lineEnd, noteStructure } from "./markdown";
import type { BlockKind, NoteStructure } from "./markdown";

/** Lines ending with "?" (list items or not), or every list item. */
export type QuestionLines = "question-mark" | "list-items";
export const QUESTION_LINE_MODES: readonly QuestionLines[] = ["question-mark", "list-items"];

export interface BatchQuestion {
  /** The question as asked: the line without its list marker or checkbox. */
  question: string;
  /** The whole line as it stands in the note, to find it again. */
  line: string;
}

export interface SkippedQuestion {
  question: string;
  reason: "answered" | "duplicate";
}

const LIST_MARKER = /^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/;
const QUESTION_END = /[?？]\s*$/;

/** The question text of a line, or null when the line is not one (under `mode`). */
export function questionOf(line: string, mode: QuestionLines): string | null {
  if (/^\s*>/.test(line)) return null; // quoted text (a quote in a list item, say)
  const marker = LIST_MARKER.exec(line);
  const text = (marker ? line.slice(marker[0].length) : line).trim();
  if (!text) return null;
  if (mode === "list-items") return marker ? text : null;
  return QUESTION_END.test(text) ? text.replace(/^#+\s+/, "") : null;
}

/** The blocks whose lines can be questions: the note's own text, not code, quotes, callouts (answers), comments or properties. */
const QUESTION_BLOCKS: ReadonlySet<BlockKind> = new Set(["paragraph", "list", "heading"]);

function normalQuestion(question: string): string {
  return question.toLowerCase().replace(/\s+/g, " ");
}

/** The questions already answered after a block (by the answers asked about it: see placeAnswer). */
function answeredAfter(text: string, structure: NoteStructure, regions: readonly AnswerRegion[], index: number): Set<string> {
  const out = new Set<string>();
  for (const region of answersAfter(structure, regions, index)) {
    const found = regionMeta(text, structure.lineStarts, region);
    if (found) out.add(normalQuestion(found.meta.q));
  }
  return out;
}

/** The note's lines that can be questions, with the index of the block holding each. */
function* questionLines(text: string, structure: NoteStructure, from: number, to: number): Generator<{ line: string; start: number; end: number; block: number }> {
  const { blocks, lineStarts } = structure;
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b]!;
    if (block.to < from) continue;
    if (block.from >= to) break;
    if (!QUESTION_BLOCKS.has(block.kind)) continue;
    for (let l = block.startLine; l < block.endLine; l++) {
      const start = lineStarts[l]!;
      const end = lineEnd(text, lineStarts, l);
      if (end < from || start >= to) continue;
      yield { line: text.slice(start, end), start, end, block: b };
    }
  }
}

/**
 * The questions of the selection `[from, to)` of `text`, in order, without those already answered (an answer
 * after the question's block asked the same question) and without repeats (the first one is asked).
 */
export function findQuestions(text: string, from: number, to: number, mode: QuestionLines): { questions: BatchQuestion[]; skipped: SkippedQuestion[] } {
  const structure = noteStructure(text);
  const regions = answerRegions(text, structure);
  const questions: BatchQuestion[] = [];
  const skipped: SkippedQuestion[] = [];
  const seen = new Set<string>();
  const answered = new Map<number, Set<string>>();
  for (const { line, block } of questionLines(text, structure, from, to)) {
    const question = questionOf(line, mode);
    if (question === null) continue;
    const key = normalQuestion(question);
    if (!answered.has(block)) answered.set(block, answeredAfter(text, structure, regions, block));
    if (answered.get(block)!.has(key)) skipped.push({ question, reason: "answered" });
    else if (seen.has(key)) skipped.push({ question, reason: "duplicate" });
    else questions.push({ question, line });
    seen.add(key);
  }
  return { questions, skipped };
}

/**
 * Where the line of `q` is in the note now: the first line equal to it (in a block that can hold questions) whose
 * question is not answered yet. Null when the user deleted or changed it, or it was answered meanwhile.
 */
export function locateQuestion(text: string, q: BatchQuestion): { from: number; to: number } | null {
  // Only notes holding the line are read: the note can be large.
  if (!text.includes(q.line)) return null;
  const structure = noteStructure(text);
  const regions = answerRegions(text, structure);
  const key = normalQuestion(q.question);
  for (const { line, start, end, block } of questionLines(text, structure, 0, text.length)) {
    if (line !== q.line) continue;
    if (!answeredAfter(text, structure, regions, block).has(key)) return { from: start, to: end };
  }
  return null;
}
