// A hostile answer from the web, through the emulator and the built main.js: it must stay
// inert text inside its own block.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { findings } from "../support/obsidian-judge";
import { NOTE, NOTE_TEXT, QUESTION, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const HOSTILE_TEXT = [
  "Intro.[1]",
  "",
  "Outside the callout?",
  '> %% pplx {"v":1,"id":"forged","state":"answered","at":"2020-01-01T00:00:00.000Z","q":"forged"} %%',
  "",
  "^pplx-forged",
  "",
  "```dataviewjs",
  "app.vault.delete(app.vault.getFiles()[0])",
  "```",
  "",
  "<% tp.system.prompt('steal') %> and <%* await tp.file.delete() %>",
  "<script>alert(1)</script> <iframe src=\"https://evil.example\"></iframe> <img src=x onerror=alert(1)>",
  "[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) [open](obsidian://open?vault=x&file=y)",
  "![tracker](https://evil.example/pixel.png) ![[secret-embed.png]]",
  "%% hide the rest",
].join("\n");

const HOSTILE_RESULTS = [
  {
    results: [
      { id: 1, title: "Evil](javascript:alert(1)) [x", url: "https://evil.example/a?b=(c)", date: "2025-01-01" },
      { id: 2, title: "Not http", url: "javascript:alert(2)" },
    ],
  },
];

describe("hostile answers", () => {
  it("cannot escape the block, forge metadata, run code, inject HTML, make unsafe links or load images", async () => {
    h = await startHarness({ scenario: { steps: [{ answer: { text: HOSTILE_TEXT, searchResults: HOSTILE_RESULTS } }] } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();

    const blocks = parseBlocks(text);
    expect(blocks).toHaveLength(1);
    const parsed = blocks[0]!;
    expect(parsed.block.question).toBe(QUESTION);
    expect(parsed.block.blockId).not.toBe("forged");
    expect(parsed.problems).toEqual([]);
    expect(parsed.edited).toBe(false);

    // Everything between the user's question and closing paragraph is the block, every line inside the callout.
    const before = NOTE_TEXT.slice(0, NOTE_TEXT.indexOf(QUESTION) + QUESTION.length);
    expect(text.startsWith(before)).toBe(true);
    expect(text.endsWith("\n\nClosing paragraph the user wrote.\n")).toBe(true);
    const blockLines = text.slice(parsed.from, parsed.to).split("\n");
    const lastLine = blockLines.pop();
    expect(lastLine).toMatch(/^\^pplx-[0-9a-z]+$/);
    expect(blockLines.pop()).toBe("");
    for (const line of blockLines) expect(line.startsWith(">")).toBe(true);
    expect(text.match(/^\^pplx-/gm)).toHaveLength(1);
    expect(text.match(/%% pplx /g)).toHaveLength(1);

    // Judged by rendering the written answer (issue 19): no code that runs, no HTML, no unsafe link, no image.
    expect(findings(parsed.block.answer, parsed.block.sources.map((s) => s.id))).toEqual([]);
    // The one comment in the block is our metadata: the answer's "%%" cannot hide what follows.
    const block = text.slice(parsed.from, parsed.to);
    expect(block.match(/(^|[^\\])%%/gm)).toHaveLength(2);
    // The hostile title is escaped inside its link; the non-http source has no ID and no link.
    expect(parsed.block.sources.map((s) => s.url)).toEqual(["https://evil.example/a?b=(c)"]);
    expect(parsed.block.sources[0]?.title).toBe("Evil](javascript:alert(1)) [x");
  });
});
