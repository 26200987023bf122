// Asking in real notes (tests/fixtures/notes: unmodified notes of public vaults, see its README): wherever the
// cursor or a selection ends, the answer lands where the note keeps its structure. For every line and every block
// boundary of every note, the placeholder is inserted as the ask command inserts it, and then the note is read
// again: every block of the note is still there, the same kind with the same text, in the same order; the
// properties parse to the same object; the placeholder is a top-level answer callout found by its id.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseYaml } from "obsidian-test-mocks/obsidian";
import { findBlock, formatBlock, parseBlocks, type AnswerBlock, type FormatOptions } from "../../src/core/block";
import { placeAnswer, planInsertion } from "../../src/core/insertion";
import { lineEnd, noteStructure, type NoteStructure } from "../../src/core/markdown";

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
      const tried = new Set<string>();
      for (const [from, to] of selections(text, before)) {
        const place = placeAnswer(text, from, to, false);
        const key = `${place.from}|${place.closer ?? ""}`;
        if (tried.has(key)) continue;
        tried.add(key);
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
      }
      expect(tried.size).toBeGreaterThan(0);
    });
  }
});
