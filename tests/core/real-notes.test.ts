// Asking in real notes (tests/fixtures/notes: unmodified notes of public vaults, see its README): wherever the
// cursor or a selection ends, the answer lands where the note keeps its structure. For every line and every block
// boundary of every note, the placeholder is inserted as the ask command inserts it, and then the note is read
// again: every block of the note is still there, the same kind with the same text, in the same order; the
// properties parse to the same object; the placeholder is a top-level answer callout found by its id.
// The same is judged by an independent parser (micromark, tests/support/independent-markdown.ts), which knows
// nothing of the plugin's: every placement is between two of the note's top-level blocks as micromark reads them and
// outside every `%%` comment; and, after the insertion, micromark reads the placeholder as one callout and its id
// line, the note's own blocks and comments unchanged. micromark is some 30 times slower than the plugin's parser, so
// that second reading is done for every placement that closes an open construct and, in each note, for placements
// spread evenly over it, as many as fit in about JUDGED_CHARS characters parsed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseYaml } from "obsidian-test-mocks/obsidian";
import { findBlock, formatBlock, parseBlocks, type AnswerBlock, type FormatOptions } from "../../src/core/block";
import { placeAnswer, planInsertion } from "../../src/core/insertion";
import { lineEnd, noteStructure, type NoteStructure } from "../../src/core/markdown";
import { judge } from "../support/independent-markdown";

interface Entry {
  file: string;
  repo: string;
  commit: string;
  constructs: string[];
}

const dir = "tests/fixtures/notes/";
const manifest = JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as Entry[];
const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` };
const pending: AnswerBlock = {
  blockId: "q1w2e3",
  state: "pending",
  askedAt: "2026-12-06T10:00:00.000Z",
  question: "What does this mean?",
  request: { preset: "fast", noteContext: true },
  answer: "",
  sources: [],
};
const blockText = formatBlock(pending, options);
const ownComments = judge(blockText).comments;
/** Characters micromark reads again after insertions, in each note (see the top). */
const JUDGED_CHARS = 150_000;

/**
 * Whether `at` ends a line whose next starts a block in Obsidian that micromark reads as going on with a paragraph:
 * a `%%` block comment's opening line (no second `%%` on it) or `$$` display math. There (and after a comment over
 * lines) micromark cannot judge: the placement is then checked against the plugin's own reading only.
 */
function startsObsidianBlock(text: string, at: number): boolean {
  const next = /^\r?\n( {0,3}.*)/.exec(text.slice(at, at + 2000));
  return next !== null && /^ {0,3}(?:%%(?!.*%%)|\$\$)/.test(next[1]!);
}

/** Each top-level block as kind, callout type and text. */
function signature(text: string, s: NoteStructure): string[] {
  return s.blocks.map((b) => `${b.kind}|${b.callout?.type ?? ""}|${text.slice(b.from, b.to)}`);
}

function properties(text: string, s: NoteStructure): unknown {
  const first = s.blocks[0];
  if (first?.kind !== "properties") return "none";
  const yaml = text.slice(first.from, first.to).split(/\r?\n/).slice(1, -1).join("\n");
  try {
    return parseYaml(yaml) as unknown;
  } catch {
    return "invalid";
  }
}

/** The cursor ends and selections to try in a note: every line (cursor at its end, the line selected whole) and block boundary. */
function selections(text: string, s: NoteStructure): [number, number][] {
  const out: [number, number][] = [];
  for (let line = 0; line < s.lineStarts.length; line++) {
    const start = s.lineStarts[line]!;
    const end = lineEnd(text, s.lineStarts, line);
    out.push([end, end], [start, s.lineStarts[line + 1] ?? end]);
  }
  for (const b of s.blocks) out.push([b.from, b.from], [b.to, b.to], [b.from, b.to]);
  return out;
}

describe("asking in real notes (tests/fixtures/notes)", () => {
  it("has a corpus of real notes that covers the constructs that were damaged before", () => {
    const constructs = new Set(manifest.flatMap((e) => e.constructs));
    for (const c of ["frontmatter", "frontmatter_invalid_yaml", "table", "callout", "callout_nested", "comment_multiline", "math_block", "footnote", "crlf"]) {
      expect(constructs, c).toContain(c);
    }
    expect(manifest.length).toBeGreaterThanOrEqual(50);
  });

  for (const entry of manifest) {
    it(`keeps the structure of ${entry.file}`, () => {
      const text = readFileSync(dir + entry.file, "utf8");
      const before = noteStructure(text);
      const expected = signature(text, before);
      const props = properties(text, before);
      const judgedBefore = judge(text);
      const judged = judgedBefore.blocks.map((b) => `${b.type}|${b.text}`);
      const placements: { from: number; to: number; place: ReturnType<typeof placeAnswer> }[] = [];
      const tried = new Set<string>();
      for (const [from, to] of selections(text, before)) {
        const place = placeAnswer(text, from, to, false);
        const key = `${place.from}|${place.closer ?? ""}`;
        if (tried.has(key)) continue;
        tried.add(key);
        placements.push({ from, to, place });
      }
      const stride = Math.max(1, Math.ceil((placements.length * text.length) / JUDGED_CHARS));
      placements.forEach(({ from, to, place }, n) => {
        const insertion = planInsertion(text, place.from, place.to, blockText, place.closer);
        const after = text.slice(0, insertion.change.from) + insertion.change.text + text.slice(insertion.change.to);
        const blockFrom = insertion.change.from + insertion.lead.length;
        const blockTo = blockFrom + blockText.length;
        const s = noteStructure(after);
        const ours = s.blocks.filter((b) => b.from >= blockFrom && b.to <= blockTo);
        const where = `${entry.file}: selection ${from}-${to}, placed at ${place.from}`;
        // The placeholder: a top-level answer callout, then its id line; found again by its id.
        expect(ours.map((b) => `${b.kind}|${b.callout?.type ?? ""}`), where).toEqual(["callout|perplexity", "paragraph|"]);
        expect(findBlock(after, pending.blockId)?.from, where).toBe(blockFrom);
        expect(parseBlocks(after).filter((p) => p.block.blockId === pending.blockId), where).toHaveLength(1);
        // The rest of the note: the same blocks, with the same text (a construct left open is closed first).
        const rest = signature(after, { ...s, blocks: s.blocks.filter((b) => !ours.includes(b)) });
        const closed = place.closer === undefined ? expected : [...expected.slice(0, -1), `${expected[expected.length - 1]}\n${place.closer}`];
        expect(rest, where).toEqual(closed);
        expect(properties(after, s), where).toEqual(props);
        // A `^id` line of its own still follows the block it names (never the placeholder).
        s.blocks.forEach((b, k) => {
          if (k > 0 && !ours.includes(b) && /^\^[A-Za-z0-9-]+\s*$/.test(after.slice(b.from, b.to))) expect(ours, where).not.toContain(s.blocks[k - 1]);
        });
        // The independent judge, on the note as it was: the placement is between top-level blocks, outside every
        // comment (or, closing what the note leaves open, at the end of its last block).
        const at = place.from;
        // Right after a comment over lines (its closing `%%`, a blank line), micromark reads on in the blocks the comment
        // hides parts of.
        const afterComment = judgedBefore.comments.some(([a, b]) => b <= at && text.slice(b, at).trim() === "" && /\n/.test(text.slice(a, b)));
        const obsidianBreak = afterComment || startsObsidianBlock(text, at);
        if (place.closer === undefined) {
          const around = judgedBefore.blocks.filter((b) => b.from < at && at < b.to).map((b) => b.type);
          expect(around, `judge: ${where}`).toEqual(afterComment || (obsidianBreak && around[0] === "paragraph") ? around : []);
          expect(judgedBefore.comments.filter(([a, b]) => a < at && at < b), `judge: ${where}`).toEqual([]);
        } else expect(text.slice(at).trim(), `judge: ${where}`).toBe("");
        if (obsidianBreak || (place.closer === undefined && n % stride !== 0)) return;
        // The independent judge, on the note after the insertion: the placeholder is one top-level callout and its
        // id line, the rest is unchanged.
        const judgedAfter = judge(after);
        const placeholder = judgedAfter.blocks.filter((b) => b.to > blockFrom && b.from < blockTo);
        expect(placeholder.map((b) => `${b.type}|${b.callout ?? ""}`), `judge: ${where}`).toEqual(["blockquote|perplexity", "paragraph|"]);
        expect([placeholder[0]!.from, placeholder[1]!.to], `judge: ${where}`).toEqual([blockFrom, blockTo]);
        const judgedRest = judgedAfter.blocks.filter((b) => !placeholder.includes(b)).map((b) => `${b.type}|${b.text}`);
        // No comment of the note hides the placeholder (its own metadata comment is all there is in it).
        const inPlaceholder = judgedAfter.comments.filter(([a, b]) => b > blockFrom && a < blockTo);
        expect(inPlaceholder, `judge: ${where}`).toEqual(ownComments.map(([a, b]) => [blockFrom + a, blockFrom + b]));
        const commentsAfter = judgedAfter.comments.filter((c) => !inPlaceholder.includes(c)).map(([a, b]) => after.slice(a, b));
        const comments = judgedBefore.comments.map(([a, b]) => text.slice(a, b));
        if (place.closer === undefined) {
          expect(judgedRest, `judge: ${where}`).toEqual(judged);
          expect(commentsAfter, `judge: ${where}`).toEqual(comments);
          return;
        }
        // Closing what the note left open: the blocks before its last are unchanged, and the closing line ends the
        // construct as micromark reads it too (code, math or raw HTML; a comment is closed by its `%%`).
        expect(judgedRest.slice(0, judged.length - 1), `judge: ${where}`).toEqual(judged.slice(0, -1));
        const closerEnd = insertion.change.from + insertion.lead.indexOf(place.closer) + place.closer.length;
        if (place.closer === "%%") {
          const open = judgedBefore.comments[judgedBefore.comments.length - 1]!;
          expect(open[1], `judge: ${where}`).toBe(text.length);
          expect(commentsAfter, `judge: ${where}`).toEqual([...comments.slice(0, -1), after.slice(open[0], closerEnd)]);
        } else {
          const last = judgedBefore.blocks[judgedBefore.blocks.length - 1]!;
          const closing = judgedAfter.blocks.find((b) => b.from === last.from)!;
          expect([closing.type, closing.to], `judge: ${where}`).toEqual([last.type, closerEnd]);
          expect(commentsAfter, `judge: ${where}`).toEqual(comments);
        }
      });
      expect(placements.length).toBeGreaterThan(0);
    });
  }
});
