// Where a pending answer block goes, and how to settle it later without losing a character:
// the block always stands on its own lines with a blank line before and after (a callout glued
// to a paragraph would swallow it), and everything added around it is recorded so a failure
// can put the note back exactly as it was.
import { answerRegions, answersAfter } from "./block/regions";
import { blockAtLine, closerAtEnd, lineAt, noteStructure, unquoted } from "./markdown";

export interface TextChange {
  from: number;
  to: number;
  text: string;
}

export interface PendingInsertion {
  change: TextChange;
  /** What was added before and after the block to separate it from its neighbours. */
  lead: string;
  trail: string;
  /** The text the insertion replaced ("" when inserting below). */
  original: string;
  /** The pending block exactly as inserted. */
  pendingText: string;
  /** The character before and after the insertion, to tell whether the user edited the separators. */
  charBefore: string;
  charAfter: string;
}

/** Plans replacing `from..to` (empty to insert) with the pending block. */
export function planInsertion(noteText: string, from: number, to: number, pendingText: string, closer?: string): PendingInsertion {
  const before = noteText.slice(0, from);
  const after = noteText.slice(to);
  // Separators end lines the way the note does (a note written on Windows keeps CR LF).
  const eol = noteText.includes("\r\n") ? "\r\n" : "\n";
  const endsLine = before.endsWith("\n");
  // After a construct the note leaves open (see `placeAnswer`), its closing line comes first.
  const lead =
    closer !== undefined
      ? `${endsLine ? "" : eol}${closer}${eol}${eol}`
      : from === 0 || /\n\r?\n$/.test(before) ? "" : endsLine ? eol : eol + eol;
  const trail = after === "" ? eol : /^\r?\n\r?\n/.test(after) ? "" : /^\r?\n/.test(after) ? eol : eol + eol;
  return {
    change: { from, to, text: lead + pendingText + trail },
    lead,
    trail,
    original: noteText.slice(from, to),
    pendingText,
    charBefore: before.slice(-1),
    charAfter: after.slice(0, 1),
  };
}

/** A block id on a line of its own (Obsidian: Latin letters, digits and dashes). */
const BLOCK_ID_LINE = /^\^[A-Za-z0-9-]+[ \t]*$/;

/** Where an answer goes: the range it replaces (empty to insert), and the line that must close the note's last block first. */
export interface Placement {
  from: number;
  to: number;
  /** Set when the note ends inside an open construct (a fence without its closing line, say): what closes it. */
  closer?: string;
}

/**
 * Where the answer for the selection `[from, to)` goes.
 *
 * Below (the default), the block goes after the outermost top-level block holding the end of the selection: after
 * the whole table, list, fence, math block, callout, comment or footnote, after the properties when the selection
 * is in them, so that the note keeps its structure. After that block come the answers already asked about it, in
 * the order they were asked, so a new one goes after them; a selection inside an answer goes right after that
 * answer. With `replace`, the selected blocks are replaced when the selection covers whole top-level blocks (none
 * of them an answer); anything less (words in a paragraph, a table cell) is answered below, as replacing it would
 * split the block. A note that ends inside an open construct (a fence never closed) has no "after" it: the
 * placement then closes it first, which changes nothing in how the note's own text reads.
 */
export function placeAnswer(noteText: string, from: number, to: number, replace: boolean): Placement {
  const structure = noteStructure(noteText);
  const { lineStarts, blocks } = structure;
  // A selection of whole lines ends at the start of the next line: it ends on the line before.
  const endsAtLineStart = to > from && to > 0 && (noteText[to - 1] === "\n" || noteText[to - 1] === "\r");
  const lastLine = lineAt(lineStarts, endsAtLineStart ? to - 1 : to);
  const regions = answerRegions(noteText, structure);
  const regionAt = (line: number) => regions.find((r) => r.startLine <= line && line <= (r.idLine?.line ?? r.quoteEndLine - 1));
  const closer = closerAtEnd(noteText, structure);
  const lastBlock = blocks[blocks.length - 1];
  const place = (at: number): Placement =>
    closer !== null && lastBlock !== undefined && at >= lastBlock.to ? { from: lastBlock.to, to: lastBlock.to, closer } : { from: at, to: at };
  if (replace && from < to) {
    const first = blockAtLine(structure, lineAt(lineStarts, from));
    const last = blockAtLine(structure, lastLine);
    const open = closer !== null && last === lastBlock;
    if (first && last && !open && noteText.slice(first.from, from).trim() === "" && noteText.slice(to, Math.max(to, last.to)).trim() === "") {
      const touched = blocks.filter((b) => b.startLine >= first.startLine && b.startLine <= last.startLine);
      if (!touched.some((b) => regionAt(b.startLine) !== undefined)) return { from: first.from, to: last.to };
    }
  }
  const inAnswer = regionAt(lastLine);
  if (inAnswer) return place(inAnswer.to);
  const block = blockAtLine(structure, lastLine);
  // A blank line between blocks: the block goes there.
  if (block === undefined) return place(lineStarts[lastLine]!);
  // A `^id` line of its own after a block names that block (Obsidian's help: "Link to a block in a note"): the
  // answer goes after it, never between them.
  let index = blocks.indexOf(block);
  const named = blocks[index + 1];
  if (named?.kind === "paragraph" && named.endLine - named.startLine === 1 && BLOCK_ID_LINE.test(noteText.slice(named.from, named.to))) index++;
  const asked = answersAfter(structure, regions, index);
  return place(asked.length > 0 ? asked[asked.length - 1]!.to : blocks[index]!.to);
}

/** Lines the user typed inside the pending block while it waited (its own lines excluded). */
export function linesAddedInside(foundText: string, pendingText: string): string[] {
  if (foundText === pendingText) return [];
  const ours = new Set(pendingText.split("\n"));
  return foundText
    .split(/\r?\n/)
    .filter((line) => !ours.has(line))
    .map(unquoted)
    .filter((line) => line.trim() !== "");
}

/** `text` (a block written over a placeholder) with the lines the user typed inside the placeholder kept after it. */
export function withTypedAfter(text: string, typed: readonly string[]): string {
  return typed.length > 0 ? `${text}\n\n${typed.join("\n")}` : text;
}

/**
 * Settles a pending block found at `found` in the current text: with the answer block, or
 * (answer null) by putting back what the insertion replaced and removing what it added.
 * Lines the user typed inside the placeholder are kept, after the answer.
 */
export function settleInsertion(noteText: string, found: { from: number; to: number }, insertion: PendingInsertion, answer: string | null): TextChange {
  const typed = linesAddedInside(noteText.slice(found.from, found.to), insertion.pendingText);
  if (answer !== null) return { from: found.from, to: found.to, text: withTypedAfter(answer, typed) };
  const leadStart = found.from - insertion.lead.length;
  const trailEnd = found.to + insertion.trail.length;
  const leadIntact =
    noteText.slice(leadStart, found.from) === insertion.lead && noteText.slice(Math.max(0, leadStart - 1), leadStart) === insertion.charBefore;
  const trailIntact =
    noteText.slice(found.to, trailEnd) === insertion.trail && noteText.slice(trailEnd, trailEnd + 1) === insertion.charAfter;
  if (typed.length > 0) return { from: found.from, to: found.to, text: insertion.original ? withTypedAfter(insertion.original, typed) : typed.join("\n") };
  if (leadIntact && trailIntact) {
    return { from: leadStart, to: trailEnd, text: insertion.original };
  }
  return { from: found.from, to: found.to, text: insertion.original };
}
