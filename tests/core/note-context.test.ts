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

describe("heading text as Obsidian shows it (read from the heading's inline tokens)", () => {
  const pathOf = (heading: string) => headingPath(`${heading}\n\nHere`, heading.length + 2);
  it("keeps code as written: its marks and what looks like Markdown inside it", () => {
    expect(pathOf("## Using `a_b * c` and `[[x]]`")).toEqual(["Using a_b * c and [[x]]"]);
    expect(pathOf("## The ``==`` operator")).toEqual(["The == operator"]);
  });
  it("reads links as their text, wikilinks as their alias or as Obsidian writes the target", () => {
    expect(pathOf("## See [the *docs*](https://x.com/a_(b)) and <https://y.com>")).toEqual(["See the docs and https://y.com"]);
    expect(pathOf("## [[Deep|Alias]] vs [[Note#Part]] vs [[#Local]] and ![[pic.png]]")).toEqual(["Alias vs Note > Part vs Local and pic.png"]);
    expect(pathOf("## Escaped \\[\\[not a link]]")).toEqual(["Escaped [[not a link]]"]);
  });
  it("drops emphasis, strikethrough and highlight marks, not the characters of the text", () => {
    expect(pathOf("## **Bold** _it_ ~~gone~~ ==marked== snake_case E = mc^2 a*b")).toEqual(["Bold it gone marked snake_case E = mc^2 a*b"]);
    expect(pathOf("## x == y == z")).toEqual(["x == y == z"]);
  });
  it("hides %% comments and HTML tags, as the editor does", () => {
    expect(pathOf("## Plan %%private, `code`%% today")).toEqual(["Plan today"]);
    // Never closed in the heading, a comment runs on to the next `%%` (the editor pairs them over the note).
    const open = "## Open %% to the end\n\n%%\n\nHere";
    expect(headingPath(open, open.indexOf("Here"))).toEqual(["Open"]);
    expect(pathOf("## <span style='color:red'>Red</span> things<!-- note -->")).toEqual(["Red things"]);
    expect(pathOf("## Code `%%` is not a comment %%but this is%%")).toEqual(["Code %% is not a comment"]);
  });
  it("shows math as its TeX, entities and escapes as their characters, and drops a trailing block id", () => {
    expect(pathOf("## Energy $E=mc^2$ costs $5 and $10")).toEqual(["Energy E=mc^2 costs $5 and $10"]);
    expect(pathOf("## Fish &amp; chips \\*not italic\\* ^block-1")).toEqual(["Fish & chips *not italic*"]);
    expect(pathOf("## Use `x ^ab`")).toEqual(["Use x ^ab"]);
  });
  it("reads the note's title as a file name, not as Markdown", () => {
    expect(noteContextLine("snake_case *notes* [[x]]", "text", 0)).toBe('The question comes from a note titled "snake_case *notes* [[x]]". Read it in that context.');
  });
});
