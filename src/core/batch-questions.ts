// "Ask every question in the selection": which lines of a selection are questions, which of them need no
// asking (already answered just below, or the same question twice), and where a question's line is now (the
// note changes while a batch runs: answers are inserted, the user types).

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
  if (/^\s*>/.test(line)) return null; // quoted text and callouts (answer blocks among them)
  const marker = LIST_MARKER.exec(line);
  const text = (marker ? line.slice(marker[0].length) : line).trim();
  if (!text) return null;
  if (mode === "list-items") return marker ? text : null;
  return QUESTION_END.test(text) ? text.replace(/^#+\s+/, "") : null;
}

/** Offsets of each line's start in `text`. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The questions of the selection `[from, to)` of `text`, in order, without those already answered by the
 * answer block right below their line and without repeats (the first one is asked).
 */
export function findQuestions(text: string, from: number, to: number, mode: QuestionLines): { questions: BatchQuestion[]; skipped: SkippedQuestion[] } {
  const starts = lineStarts(text);
  const questions: BatchQuestion[] = [];
  const skipped: SkippedQuestion[] = [];
  const seen = new Set<string>();
  let inFence = false;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]! - 1 : text.length;
    const line = text.slice(start, end).replace(/\r$/, "");
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (end < from || start >= to || inFence) continue;
    const question = questionOf(line, mode);
    if (question === null) continue;
    const key = question.toLowerCase().replace(/\s+/g, " ");
    if (answeredBelow(text, starts, i)) skipped.push({ question, reason: "answered" });
    else if (seen.has(key)) skipped.push({ question, reason: "duplicate" });
    else questions.push({ question, line });
    seen.add(key);
  }
  return { questions, skipped };
}

const ANSWER_HEADER = /^> \[!perplexity\]/;

/** Whether the first non-blank line after line `i` starts an answer block (a cheap look, no parse). */
function answeredBelow(text: string, starts: readonly number[], i: number): boolean {
  for (let k = i + 1; k < starts.length; k++) {
    const line = text.slice(starts[k], k + 1 < starts.length ? starts[k + 1]! - 1 : text.length);
    if (line.trim() === "") continue;
    return ANSWER_HEADER.test(line);
  }
  return false;
}

/**
 * Where the line of `q` is in the note now: the first line equal to it that is not already answered below.
 * Null when the user deleted or changed it.
 */
export function locateQuestion(text: string, q: BatchQuestion): { from: number; to: number } | null {
  // Only lines equal to the question's are looked at closely: the note can be large.
  for (let at = text.indexOf(q.line); at !== -1; at = text.indexOf(q.line, at + 1)) {
    const end = at + q.line.length;
    const lineStart = at === 0 || text[at - 1] === "\n";
    const lineEnd = end === text.length || text[end] === "\n" || text[end] === "\r";
    if (!lineStart || !lineEnd) continue;
    let next = text.indexOf("\n", end);
    // The first non-blank line below: an answer block there means this question is answered.
    while (next !== -1) {
      const after = text.indexOf("\n", next + 1);
      const line = text.slice(next + 1, after === -1 ? text.length : after);
      if (line.trim() !== "") {
        if (!ANSWER_HEADER.test(line)) return { from: at, to: end };
        break;
      }
      next = after;
    }
    if (next === -1) return { from: at, to: end };
  }
  return null;
}
