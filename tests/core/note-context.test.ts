import { describe, expect, it } from "vitest";
import { headingPath, noteContextLine } from "../../src/core/note-context";

const note = [
  "---",
  "title: x",
  "# not a heading (frontmatter)",
  "---",
  "# Vendors",
  "",
  "Intro.",
  "",
  "```md",
  "# not a heading (code)",
  "```",
  "",
  "## Layer 1 ^blockid",
  "",
  "Who are the major Layer 1 vendors?",
  "",
  "## Layer 2",
  "",
  "Later text.",
].join("\n");

describe("noteContextLine", () => {
  it("names the title and the heading path above the offset", () => {
    const offset = note.indexOf("Who are");
    expect(noteContextLine("The AI Model Wars", note, offset)).toBe(
      'The question comes from a note titled "The AI Model Wars", under the heading "Vendors › Layer 1". Read it in that context.',
    );
  });
  it("ignores headings in frontmatter and fenced code, and headings below the offset", () => {
    expect(headingPath(note, note.indexOf("Intro."))).toEqual(["Vendors"]);
    expect(headingPath(note, note.indexOf("Later text."))).toEqual(["Vendors", "Layer 2"]);
    expect(headingPath(note, 0)).toEqual([]);
  });
  it("pops deeper headings, reads setext headings and strips Markdown from heading text", () => {
    const text = "Top\n===\n\n### [[Deep|Alias]] **bold** `x`\n\n## Second [link](https://x)\n\nHere";
    expect(headingPath(text, text.indexOf("Here"))).toEqual(["Top", "Second link"]);
    expect(headingPath(text, text.indexOf("## Second"))).toEqual(["Top", "Alias bold x"]);
  });
  it("handles CRLF notes", () => {
    const crlf = note.replace(/\n/g, "\r\n");
    expect(headingPath(crlf, crlf.indexOf("Who are"))).toEqual(["Vendors", "Layer 1"]);
  });
  it("works without headings or without a title", () => {
    expect(noteContextLine("Plain", "just text", 4)).toBe('The question comes from a note titled "Plain". Read it in that context.');
    expect(noteContextLine("", "# H\n\ntext", 8)).toBe('The question comes from a note, under the heading "H". Read it in that context.');
    expect(noteContextLine("", "text", 2)).toBe("");
  });
});
