// "Ask every question in the selection": which text of a selection is a question, which questions need no asking
// (already answered after their list or paragraph, or the same question twice), and where a question's line is now
// (the note changes while a batch runs: answers are inserted, the user types). All of it is read from the parsed
// structure: a question is the note's own text (a list item's text, a paragraph's or a heading's line), never code,
// math, a comment, raw HTML, the properties, quoted text or an answer, wherever those stand.
import type { Token } from "markdown-it";
import { answerRegions, answersAfter, regionMeta } from "./block/regions";
import type { AnswerRegion } from "./block/regions";
import { blockAtLine, lineAt, lineEnd, markdownParser, noteStructure, topLevelRuns } from "./markdown";
import type { BlockKind, NoteStructure } from "./markdown";

/** Lines ending with "?" (list items or not), or every list item. */
export type QuestionLines = "question-mark" | "list-items";
export const QUESTION_LINE_MODES: readonly QuestionLines[] = ["question-mark", "list-items"];

export interface BatchQuestion {
  /** The question as asked: the text without its list marker or checkbox. */
  question: string;
  /** The whole (first) line of the question as it stands in the note, to find it again. */
  line: string;
}

export interface SkippedQuestion {
  question: string;
  reason: "answered" | "duplicate";
}

/** The top-level blocks that can hold questions (quotes and callouts are quoted text or answers). */
const QUESTION_BLOCKS: ReadonlySet<BlockKind> = new Set(["paragraph", "list", "heading"]);
/** Containers whose text is not the note's own: quotes and callouts, footnote definitions. */
const NOT_OWN_OPEN = new Set(["blockquote_open", "footnote_reference_open"]);
const NOT_OWN_CLOSE = new Set(["blockquote_close", "footnote_reference_close"]);

const QUESTION_END = /[?？]\s*$/;
/** A task's checkbox at the start of its item's text (Obsidian reads any one character between the brackets). */
const CHECKBOX = /^\[[^\]]\](?:[ \t]+|$)/u;

/** A paragraph or heading of the note's own text, at any depth of a list. */
interface OwnText {
  /** Whether it is a list item's own text (the item's first paragraph or heading, on the marker's line). */
  item: boolean;
  /** Its lines: the line number (in its top-level block) and the line's text in the paragraph (container marks and indent removed). */
  lines: { line: number; text: string }[];
  /** The paragraph's inline content, to ask where code, math and HTML are in it. */
  content: string;
}

// The own texts of the last few blocks read: while a batch runs, each question's list is read again to find its
// line, and answers go after the list, so the list itself is usually unchanged.
const recent = new Map<string, OwnText[]>();
const RECENT_LIMIT = 4;

/**
 * The own texts of a top-level block (`source`, its lines): its paragraphs and headings, not those in quotes or
 * footnotes; fences, code, math, comments and HTML are tokens of their own and never among them. The block is
 * parsed alone, with its tokens (a top-level block reads the same alone as in its note).
 */
function ownTextsOf(source: string): OwnText[] {
  const known = recent.get(source);
  if (known !== undefined) return known;
  const out: OwnText[] = [];
  for (const run of topLevelRuns(source)) {
    const tokens = run.tokens;
    let notOwn = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (NOT_OWN_OPEN.has(t.type)) notOwn++;
      else if (NOT_OWN_CLOSE.has(t.type)) notOwn--;
      else if (notOwn === 0 && (t.type === "paragraph_open" || t.type === "heading_open") && t.map) {
        const inline = tokens[i + 1];
        if (inline?.type !== "inline") continue;
        const first = t.map[0];
        const parent = tokens[i - 1];
        const item = parent?.type === "list_item_open" && parent.map?.[0] === first;
        // One line of content per source line (a setext heading's underline is not among them).
        const lines = inline.content.split("\n").map((s, k) => ({ line: first + k, text: s.trim() }));
        out.push({ item, lines, content: inline.content });
      }
    }
  }
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(source, out);
  return out;
}

/** The own texts of top-level block `b`, with their lines counted from the note's first line. */
function ownTexts(text: string, structure: NoteStructure, b: number): OwnText[] {
  const block = structure.blocks[b]!;
  return ownTextsOf(text.slice(block.from, block.to)).map((own) => ({ ...own, lines: own.lines.map((l) => ({ line: block.startLine + l.line, text: l.text })) }));
}

/** Where code, math and raw HTML are in an inline content (the parser records them), as ranges of it in order. */
function literalRanges(content: string): [number, number][] {
  // Each of them starts with one of these characters: without any, there is nothing to parse.
  if (!/[`$<]/.test(content)) return [];
  const literals: [number, number][] = [];
  const md = markdownParser();
  const tokens: Token[] = [];
  md.inline.parse(content, md, { literals }, tokens);
  return literals.sort((x, y) => x[0] - y[0]);
}

/** The questions of an own text under `mode`, each with the line it starts on (an index into `own.lines`). */
function questionsOf(own: OwnText, mode: QuestionLines): { question: string; at: number }[] {
  const withoutBox = (k: number, s: string) => (own.item && k === 0 ? s.replace(CHECKBOX, "") : s).trim();
  if (mode === "list-items") {
    if (!own.item) return [];
    const question = own.lines.map((l, k) => withoutBox(k, l.text)).filter((s) => s !== "").join(" ");
    return question === "" ? [] : [{ question, at: 0 }];
  }
  const out: { question: string; at: number }[] = [];
  let literals: [number, number][] | undefined;
  let next = 0; // the first literal that does not end before the current line
  let offset = 0; // where line k starts in the content
  const contentLines = own.content.split("\n");
  for (let k = 0; k < own.lines.length; k++) {
    const raw = contentLines[k]!;
    const question = withoutBox(k, own.lines[k]!.text);
    if (question !== "" && QUESTION_END.test(question)) {
      // The question mark must be the text's own, not the end of code, math or HTML running over the lines.
      const mark = offset + raw.trimEnd().length - 1;
      literals ??= literalRanges(own.content);
      while (next < literals.length && literals[next]![1] <= mark) next++;
      if (!(next < literals.length && literals[next]![0] <= mark)) out.push({ question, at: k });
    }
    offset += raw.length + 1;
  }
  return out;
}

/** The question text of a line, or null when the line is not one (under `mode`). */
export function questionOf(line: string, mode: QuestionLines): string | null {
  return findQuestions(line, 0, line.length, mode).questions[0]?.question ?? null;
}

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

function lineText(text: string, lineStarts: readonly number[], line: number): string {
  return text.slice(lineStarts[line], lineEnd(text, lineStarts, line));
}

/**
 * The questions of the selection `[from, to)` of `text`, in order, without those already answered (an answer
 * after the question's block asked the same question) and without repeats (the first one is asked). A question
 * is in the selection when one of its lines is, partly or wholly.
 */
export function findQuestions(text: string, from: number, to: number, mode: QuestionLines): { questions: BatchQuestion[]; skipped: SkippedQuestion[] } {
  const structure = noteStructure(text);
  const { blocks, lineStarts } = structure;
  const regions = answerRegions(text, structure);
  const questions: BatchQuestion[] = [];
  const skipped: SkippedQuestion[] = [];
  const seen = new Set<string>();
  const selected = (line: number) => lineEnd(text, lineStarts, line) >= from && lineStarts[line]! < to;
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b]!;
    if (block.to < from) continue;
    if (block.from >= to) break;
    if (!QUESTION_BLOCKS.has(block.kind)) continue;
    let answered: Set<string> | undefined;
    for (const own of ownTexts(text, structure, b)) {
      for (const { question, at } of questionsOf(own, mode)) {
        // A list item's question counts by any of its lines; a question mark's by its own line.
        const lines = mode === "list-items" ? own.lines : [own.lines[at]!];
        if (!lines.some((l) => selected(l.line))) continue;
        const key = normalQuestion(question);
        answered ??= answeredAfter(text, structure, regions, b);
        if (answered.has(key)) skipped.push({ question, reason: "answered" });
        else if (seen.has(key)) skipped.push({ question, reason: "duplicate" });
        else questions.push({ question, line: lineText(text, lineStarts, own.lines[at]!.line) });
        seen.add(key);
      }
    }
  }
  return { questions, skipped };
}

/**
 * Where the line of `q` is in the note now: the first line equal to it that is a line of the note's own text
 * (see findQuestions) and whose question is not answered yet. Null when the user deleted or changed it, or it was
 * answered meanwhile.
 */
export function locateQuestion(text: string, q: BatchQuestion): { from: number; to: number } | null {
  // Only notes holding the line are read, and only their blocks that hold it: the note can be large.
  if (!text.includes(q.line)) return null;
  const structure = noteStructure(text);
  const { lineStarts } = structure;
  const regions = answerRegions(text, structure);
  const key = normalQuestion(q.question);
  const looked = new Set<number>();
  for (let at = text.indexOf(q.line); at !== -1; at = text.indexOf(q.line, at + 1)) {
    const line = lineAt(lineStarts, at);
    if (lineStarts[line] !== at || lineText(text, lineStarts, line) !== q.line) continue;
    const block = blockAtLine(structure, line);
    if (block === undefined || !QUESTION_BLOCKS.has(block.kind)) continue;
    const b = structure.blocks.indexOf(block);
    if (looked.has(b)) continue;
    looked.add(b);
    if (answeredAfter(text, structure, regions, b).has(key)) continue;
    for (const own of ownTexts(text, structure, b)) {
      const found = own.lines.find((l) => lineText(text, lineStarts, l.line) === q.line);
      if (found) return { from: lineStarts[found.line]!, to: lineEnd(text, lineStarts, found.line) };
    }
  }
  return null;
}
