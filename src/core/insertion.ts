// Where a pending answer block goes, and how to settle it later without losing a character:
// the block always stands on its own lines with a blank line before and after (a callout glued
// to a paragraph would swallow it), and everything added around it is recorded so a failure
// can put the note back exactly as it was.

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
export function planInsertion(noteText: string, from: number, to: number, pendingText: string): PendingInsertion {
  const before = noteText.slice(0, from);
  const after = noteText.slice(to);
  const lead = from === 0 || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
  const trail = after === "" ? "\n" : after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
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

/** The offset just past the end of a line containing `from`, for inserting below a selection. */
export function endOfLine(noteText: string, offset: number): number {
  const lineEnd = noteText.indexOf("\n", offset);
  return lineEnd === -1 ? noteText.length : lineEnd;
}

/** Lines the user typed inside the pending block while it waited (its own lines excluded). */
export function linesAddedInside(foundText: string, pendingText: string): string[] {
  if (foundText === pendingText) return [];
  const ours = new Set(pendingText.split("\n"));
  return foundText
    .split(/\r?\n/)
    .filter((line) => !ours.has(line))
    .map((line) => line.replace(/^>\s?/, ""))
    .filter((line) => line.trim() !== "");
}

/**
 * Settles a pending block found at `found` in the current text: with the answer block, or
 * (answer null) by putting back what the insertion replaced and removing what it added.
 * Lines the user typed inside the placeholder are kept, after the answer.
 */
export function settleInsertion(noteText: string, found: { from: number; to: number }, insertion: PendingInsertion, answer: string | null): TextChange {
  const typed = linesAddedInside(noteText.slice(found.from, found.to), insertion.pendingText).join("\n");
  if (answer !== null) {
    return { from: found.from, to: found.to, text: typed ? `${answer}\n\n${typed}` : answer };
  }
  const leadStart = found.from - insertion.lead.length;
  const trailEnd = found.to + insertion.trail.length;
  const leadIntact =
    noteText.slice(leadStart, found.from) === insertion.lead && noteText.slice(Math.max(0, leadStart - 1), leadStart) === insertion.charBefore;
  const trailIntact =
    noteText.slice(found.to, trailEnd) === insertion.trail && noteText.slice(trailEnd, trailEnd + 1) === insertion.charAfter;
  if (typed) return { from: found.from, to: found.to, text: insertion.original ? `${insertion.original}\n\n${typed}` : typed };
  if (leadIntact && trailIntact) {
    return { from: leadStart, to: trailEnd, text: insertion.original };
  }
  return { from: found.from, to: found.to, text: insertion.original };
}
