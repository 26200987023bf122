// The parser's top-level reading: the line tables it builds itself must be markdown-it's own, and reading stops
// where its comment says.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockState, markdownParser, parserSource, topLevelRuns } from "../../../src/core/markdown/parser";
import { noteStructure, skimStructure } from "../../../src/core/markdown/structure";
import type { Block } from "../../../src/core/markdown/structure";

const tables = (s: { bMarks: number[]; eMarks: number[]; tShift: number[]; sCount: number[]; bsCount: number[]; lineMax: number; src: string }) => ({
  src: s.src,
  bMarks: s.bMarks,
  eMarks: s.eMarks,
  tShift: s.tShift,
  sCount: s.sCount,
  bsCount: s.bsCount,
  lineMax: s.lineMax,
});

/** Text made of what the tables care about: spaces, tabs, line breaks and a few other characters. */
const texty = fc.array(fc.constantFrom(" ", "\t", "\n", "a", ">", "-", "\u00e9", "\ud83d\ude00"), { maxLength: 60 }).map((cs) => cs.join(""));

describe("blockState", () => {
  it("builds the line tables markdown-it's own state builds, for any text", () => {
    const md = markdownParser();
    const same = (src: string) => {
      expect(tables(blockState(src, {}, []))).toEqual(tables(new md.block.State(src, md, {}, [])));
    };
    for (const src of ["", " ", "\t", "\n", "a", "a\n", "a\n ", "a\n \t", "  \n\t\tb\n", " \t x\n\n\n", "x\n\ty \t\n   "]) same(src);
    fc.assert(fc.property(fc.oneof(texty, fc.string()), same), { numRuns: 2000 });
  });
});

describe("topLevelRuns", () => {
  const note = ["para", "", "", "> quote", "> more", "", "- a", "- b", "", "last"].join("\n");
  const ranges = (untilLine?: number) => topLevelRuns(note, untilLine).map((r) => [r.startLine, r.endLine]);
  it("reads the whole text, block by block, with each block's own tokens", () => {
    expect(ranges()).toEqual([[0, 1], [3, 5], [6, 8], [9, 10]]);
    const runs = topLevelRuns(note);
    expect(runs.map((r) => r.tokens[0]?.type)).toEqual(["paragraph_open", "blockquote_open", "bullet_list_open", "paragraph_open"]);
    expect(runs[1]!.tokens[runs[1]!.tokens.length - 1]!.type).toBe("blockquote_close");
  });
  it("with untilLine, stops after the block holding that line, or after the first block below a blank line", () => {
    expect(ranges(0)).toEqual([[0, 1]]);
    expect(ranges(4)).toEqual([[0, 1], [3, 5]]);
    expect(ranges(3)).toEqual([[0, 1], [3, 5]]);
    // Line 1 is blank: the parser is past it only once it has read the quote below it.
    expect(ranges(1)).toEqual([[0, 1], [3, 5]]);
    expect(ranges(2)).toEqual([[0, 1], [3, 5]]);
    expect(ranges(9)).toEqual(ranges());
  });
  it("reads a prefix of the whole text's blocks, whatever the line", () => {
    const line = fc.constantFrom("", "text", "> q", "- item", "  indented", "```", "~~~", "%%", "$$", "<!--", "-->", "---", "| a |", "|---|", "# h", "[^1]: f", "[r]: /u");
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.nat(30), (lines, until) => {
        const text = lines.join("\n");
        const whole = topLevelRuns(text).map((r) => [r.startLine, r.endLine]);
        const part = topLevelRuns(text, until).map((r) => [r.startLine, r.endLine]);
        expect(whole.slice(0, part.length)).toEqual(part);
        // Every block starting at or before `until` is read, and at most one more.
        const upTo = whole.filter((r) => r[0]! <= until).length;
        expect(part.length).toBeGreaterThanOrEqual(upTo);
        expect(part.length).toBeLessThanOrEqual(upTo + 1);
      }),
      { numRuns: 500 },
    );
  });
  it("reads CR LF and lone CR line ends as line ends, offsets unchanged", () => {
    expect(parserSource("a\r\nb\rc")).toBe("a \nb\nc");
    expect(topLevelRuns("a\r\n\r\nb\r\rc").map((r) => [r.startLine, r.endLine])).toEqual([[0, 1], [2, 3], [4, 5]]);
  });
});

describe("skimStructure", () => {
  // Lines that make quotes end early or late: lazy lines, fences and comments opened inside a quote, id lines.
  const line = fc.constantFrom(
    "",
    "text",
    "> q",
    "> [!perplexity]+ Q",
    "> [!note]",
    ">",
    "> ```",
    "> %% pplx {} %%",
    "> %%",
    "> - item",
    "> > nested",
    "^pplx-abc123",
    "lazy line",
    "```",
    "%%",
    "$$",
    "- item",
    "| a |",
    "|---|",
    "# h",
    "---",
    "<div>",
    "    code",
  );
  const key = (b: Block) => [b.kind, b.startLine, b.endLine, b.callout?.type ?? ""].join(" ");
  it("finds every block where reading in full finds it; a skimmed callout's lazy last line is its only difference", () => {
    let n = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        // A text not read before (read texts are remembered, and a skim would then be the full reading).
        const text = `${lines.join("\n")}\n${"\n".repeat(++n % 3)}<!-- ${n} -->`;
        const skim = skimStructure(text);
        skim.readPast(Infinity);
        expect(skim.complete).toBe(true);
        const skimmed = [...skim.blocks];
        const full = noteStructure(text).blocks;
        const fullAt = new Map(full.map((b, k) => [b.startLine, k]));
        const extra = new Set(full.map((b) => b.startLine));
        skimmed.forEach((b, index) => {
          const k = fullAt.get(b.startLine);
          expect(k, `a block starts at line ${b.startLine} in the full reading`).toBeDefined();
          extra.delete(b.startLine);
          const whole = full[k!]!;
          if ((b.kind === "callout" && b.tokens === undefined) || b.kind === "quote") {
            // Skimmed (a quote is skimmed too, a callout then has no tokens): the full reading may end it one line
            // earlier, that line being a block of its own.
            expect([b.kind, b.callout]).toEqual([whole.kind, whole.callout]);
            expect(b.endLine === whole.endLine || (b.endLine === whole.endLine + 1 && full[k! + 1]?.startLine === whole.endLine)).toBe(true);
          } else expect(key(b)).toBe(key(whole));
          // inFull: the block and the one after it, as the full reading has them.
          expect(skim.inFull(index).map(key)).toEqual(full.slice(k!, k! + 2).map(key));
        });
        // The full reading's other blocks are lazy last lines of skimmed callouts.
        for (const start of extra) {
          const owner = skimmed.find((b) => ((b.kind === "callout" && b.tokens === undefined) || b.kind === "quote") && b.endLine - 1 === start);
          expect(owner, `line ${start} is the lazy last line of a skimmed callout`).toBeDefined();
        }
      }),
      { numRuns: 1500 },
    );
  });
});
