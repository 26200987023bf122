// Which text of a selection is a question, read from the parsed structure: a list item's own text (or, by question
// mark, a paragraph's or heading's line), never code, math, comments, HTML, properties or quoted text inside it.
import { readFileSync } from "node:fs";
import type { Token } from "markdown-it";
import { describe, expect, it } from "vitest";
import { findQuestions, locateQuestion } from "../../src/core/batch-questions";
import { lineAt, noteStructure, topLevelRuns } from "../../src/core/markdown";
import type { QuestionLines } from "../../src/core/batch-questions";

const asked = (text: string, mode: QuestionLines) => findQuestions(text, 0, text.length, mode).questions.map((q) => q.question);
const both = (text: string) => ({ "list-items": asked(text, "list-items"), "question-mark": asked(text, "question-mark") });

// The reviewer's input (review Medium 1): a fence and a `$$` block inside a list item.
const REVIEW = "- What is X?\n  ```python\n  - print(x)?\n  ```\n  $$\n  a = b?\n  $$\n- Real?\n";

describe("questions are the note's own text, as the parser reads it", () => {
  it("never asks a line of a fence or a math block inside a list item (the review's input)", () => {
    expect(both(REVIEW)).toEqual({ "list-items": ["What is X?", "Real?"], "question-mark": ["What is X?", "Real?"] });
  });

  it("never asks what is inside a comment, raw HTML, indented code or the properties", () => {
    const text = [
      "---",
      "aliases: [Why not?]",
      "---",
      "- First?",
      "  %%",
      "  - hidden?",
      "  %%",
      "  <div>",
      "  html?",
      "  </div>",
      "",
      "        code?",
      "- Second?",
      "",
      "%% a comment",
      "Hidden too?",
      "%%",
      "",
      "<details>",
      "In HTML?",
      "</details>",
    ].join("\n");
    expect(both(text)).toEqual({ "list-items": ["First?", "Second?"], "question-mark": ["First?", "Second?"] });
  });

  it("never asks a line whose question mark is inside code, math or HTML that spans the paragraph's lines", () => {
    const text = ["Run ``the", "tool?", "`` first.", "", "The formula $$", "a = b?", "$$ holds.", "", "See <span title='x", "y?'>this</span>.", "", "Is this real?"].join("\n");
    expect(asked(text, "question-mark")).toEqual(["Is this real?"]);
  });

  it("asks every item of nested lists, each once, with markers and checkboxes dropped", () => {
    const text = "- Outer?\n  - Inner?\n    1. Deep?\n       * [ ] Task?\n- [x] Done?\n- [?] Custom status?\n- [ ]\n2) Numbered?\n";
    expect(both(text)).toEqual({
      "list-items": ["Outer?", "Inner?", "Deep?", "Task?", "Done?", "Custom status?", "Numbered?"],
      "question-mark": ["Outer?", "Inner?", "Deep?", "Task?", "Done?", "Custom status?", "Numbered?"],
    });
  });

  it("reads a list item's own text as one question, and the other lines of an item by their question marks", () => {
    const text = "- Solar prices\n  in 2026\n- What is it?\n  And why?\n\n  A later paragraph?\n";
    expect(both(text)).toEqual({
      "list-items": ["Solar prices in 2026", "What is it? And why?"],
      "question-mark": ["What is it?", "And why?", "A later paragraph?"],
    });
  });

  it("never asks quoted text: a quote or callout holding a list, or a quote inside a list item", () => {
    const text = ["> - Quoted?", "", "> [!note] A callout", "> - In a callout?", "> Also?", "", "- Own?", "  > - Quoted in an item?", "  > Quoted line?"].join("\n");
    expect(both(text)).toEqual({ "list-items": ["Own?"], "question-mark": ["Own?"] });
  });

  it("asks headings ending with a question mark (not in list-item mode)", () => {
    const text = "## Which one? ##\n\nWhy not\n---\n\nHow so?\n===\n";
    expect(both(text)).toEqual({ "list-items": [], "question-mark": ["Which one?", "How so?"] });
  });

  it("reads CRLF notes the same, and gives each question's line without its line break", () => {
    const crlf = REVIEW.replace(/\n/g, "\r\n");
    const found = findQuestions(crlf, 0, crlf.length, "question-mark").questions;
    expect(found).toEqual([
      { question: "What is X?", line: "- What is X?" },
      { question: "Real?", line: "- Real?" },
    ]);
    expect(asked(crlf, "list-items")).toEqual(["What is X?", "Real?"]);
    const at = locateQuestion(crlf, found[1]!)!;
    expect(crlf.slice(at.from, at.to)).toBe("- Real?");
  });

  it("counts only the lines of the selection (a list item whose text is partly selected counts)", () => {
    const text = "- One?\n- Two\n  continued\n- Three?\n";
    expect(findQuestions(text, text.indexOf("continued"), text.indexOf("- Three"), "list-items").questions.map((q) => q.question)).toEqual(["Two continued"]);
    expect(findQuestions(text, text.indexOf("Three"), text.length, "question-mark").questions.map((q) => q.question)).toEqual(["Three?"]);
  });
});

describe("finding a question's line again, by the structure", () => {
  it("passes over the same line in a list item's code", () => {
    const text = "- A?\n  ~~~\n  - B?\n  ~~~\n- C?\n  - B?\n";
    const q = { question: "B?", line: "  - B?" };
    const at = locateQuestion(text, q)!;
    expect(at.from).toBe(text.lastIndexOf("  - B?"));
    expect(text.slice(at.from, at.to)).toBe("  - B?");
    expect(locateQuestion("- A?\n  ~~~\n  - B?\n  ~~~\n", q)).toBeNull();
  });
});

describe("in real notes (tests/fixtures/notes)", () => {
  const dir = "tests/fixtures/notes/";
  const manifest = JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as { file: string }[];
  const LITERAL = new Set(["fence", "code_block", "math_block", "comment_block", "html_block", "front_matter"]);
  // Each token's type, where it starts, the content of inline text, and where leaf blocks end (a list's or an
  // item's end may differ by the blank lines after it, which a block alone does not have).
  const shape = (tokens: readonly Token[], shift: number) =>
    tokens.map((t) => `${t.type}|${t.map ? t.map[0] + shift : ""}-${t.map && !t.type.endsWith("_open") ? t.map[1] + shift : ""}|${t.type === "inline" ? t.content : ""}`);

  it("a list, paragraph or heading reads the same alone as in its note (questions are read from the block alone)", () => {
    let blocks = 0;
    for (const { file } of manifest) {
      const text = readFileSync(dir + file, "utf8");
      const { blocks: all } = noteStructure(text);
      const runs = topLevelRuns(text);
      expect(runs).toHaveLength(all.length);
      all.forEach((block, b) => {
        if (!["list", "paragraph", "heading"].includes(block.kind)) return;
        blocks++;
        const alone = topLevelRuns(text.slice(block.from, block.to)).flatMap((r) => r.tokens);
        expect(shape(alone, block.startLine), `${file}, line ${block.startLine + 1}`).toEqual(shape(runs[b]!.tokens, 0));
      });
    }
    expect(blocks).toBeGreaterThan(100);
  });

  it("asks no line of code, math, a comment, HTML, the properties or a quote, and finds every question's line again", () => {
    let found = 0;
    for (const { file } of manifest) {
      const text = readFileSync(dir + file, "utf8");
      const { lineStarts } = noteStructure(text);
      // The lines that are not the note's own text, from the whole note's tokens.
      const notOwn = new Set<number>();
      for (const run of topLevelRuns(text)) {
        let quoted = 0;
        for (const t of run.tokens) {
          if (t.type === "blockquote_open") quoted++;
          if (t.type === "blockquote_close") quoted--;
          if (t.map && (quoted > 0 || LITERAL.has(t.type))) for (let l = t.map[0]; l < t.map[1]; l++) notOwn.add(l);
        }
      }
      for (const mode of ["question-mark", "list-items"] as const) {
        for (const q of findQuestions(text, 0, text.length, mode).questions) {
          found++;
          const at = locateQuestion(text, q);
          expect(at, `${file}: ${q.line}`).not.toBeNull();
          expect(text.slice(at!.from, at!.to)).toBe(q.line);
          expect(notOwn.has(lineAt(lineStarts, at!.from)), `${file}: ${q.line}`).toBe(false);
        }
      }
    }
    expect(found).toBeGreaterThan(50);
  });
});
