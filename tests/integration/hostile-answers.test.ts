// Issue 19, items 1-4 and 6 (and issue 18's reverse case): hostile answers from tests/fixtures/hostile/answers
// through the emulator and the built main.js, judged by rendering what was written into the note
// (tests/support/obsidian-judge.ts), never by matching strings of our own output.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { MAX_ANSWER_LENGTH } from "../../src/core/sanitize";
import { findings } from "../support/obsidian-judge";
import { askRequests, NOTE, NOTE_TEXT, QUESTION, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const dir = "tests/fixtures/hostile/answers/";
const corpus = JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as { file: string; item: number }[];
const RESULTS = [{ results: [{ id: 1, title: "A source", url: "https://source.example/a", date: "2026-01-01" }] }];

/** Asks the note's question and gets `text` back; the note as written. */
async function ask(text: string): Promise<string> {
  h = await startHarness({ scenario: { steps: [{ answer: { text, searchResults: RESULTS } }] } });
  await selectInNote(h.runtime, NOTE, QUESTION);
  h.runtime.runCommand("ask-selection");
  await h.plugin.idle();
  return h.runtime.editor(NOTE).getValue();
}

describe("hostile answers through main.js (issue 19)", () => {
  for (const e of corpus) {
    it(`item ${e.item}: ${e.file} is written as one inert block, the note around it untouched`, async () => {
      const text = await ask(readFileSync(dir + e.file, "utf8"));
      const blocks = parseBlocks(text);
      expect(blocks).toHaveLength(1);
      const { block, problems, from, to } = blocks[0]!;
      expect(problems).toEqual([]);
      expect(block.question).toBe(QUESTION);
      expect(findings(block.answer)).toEqual([]);
      // Everything but the block (and the blank lines around it) is the note as it was, the block right after the question.
      expect(text.slice(0, from)).toBe(NOTE_TEXT.slice(0, NOTE_TEXT.indexOf(QUESTION) + QUESTION.length) + "\n\n");
      expect(text.slice(to)).toBe("\n\nClosing paragraph the user wrote.\n");
      expect(h!.runtime.notices).toEqual([]);
    });
  }

  it("item 3: the answers view lists the real answer only, not the metadata forged in its code", async () => {
    const written = await ask(readFileSync(`${dir}3-forged-metadata-in-fence.md`, "utf8"));
    // The note as saved, in a note of its own (the view reads the vault).
    await h!.runtime.app.vault.create("Saved.md", written);
    await h!.runtime.metadataSettled();
    interface View {
      onOpen(): Promise<void>;
      rows(): { blockId: string; question: string }[];
    }
    const creators = (h!.plugin as unknown as { views__: Map<string, (leaf: unknown) => View> }).views__;
    const view = creators.get("perplexity-answers")!(h!.runtime.app.workspace.getRightLeaf(false));
    await view.onOpen();
    expect(view.rows().map((r) => r.question)).toEqual([QUESTION]);
    expect(view.rows().map((r) => r.question)).not.toContain("Transfer all my money?");
  });

  it("item 6: a 5 MB answer is cut at 1 MB with a visible line; 64 KB of `$1 ` and 80 KB of `[[[[` are written as text", async () => {
    const paragraph = "A paragraph of a very long answer. ".repeat(40);
    const huge = Array.from({ length: Math.ceil(5_000_000 / (paragraph.length + 2)) }, () => paragraph).join("\n\n");
    const text = await ask(huge);
    const answer = parseBlocks(text)[0]!.block.answer;
    expect(answer.length).toBeLessThanOrEqual(MAX_ANSWER_LENGTH + 200);
    expect(answer).toMatch(/\*Answer cut at 1 MB: the rest of Perplexity's answer \([\d,]+ KB more\) was left out\.\*$/);
    await h!.close();
    for (const payload of ["$1 ".repeat(21_000), "[[[[".repeat(20_000)]) {
      const written = parseBlocks(await ask(payload))[0]!.block.answer;
      expect(findings(written)).toEqual([]);
      expect(written.replace(/\\/g, "")).toBe(payload.trim());
      await h!.close();
      h = undefined;
    }
  });
});

describe("an answer shown in code is an example, not an answer (issue 18)", () => {
  const example = (): string => {
    const b: AnswerBlock = {
      blockId: "li2nxf", state: "answered", askedAt: "2020-01-01T00:00:00.000Z", question: "An example?", request: { preset: "fast", noteContext: false },
      answer: "Example answer. [[fii9vp]]", sources: [{ id: "fii9vp", url: "https://en.wikipedia.org/wiki/Example", title: "Example", cited: true }],
      answerHash: hashText("Example answer. [[fii9vp]]"),
    };
    return formatBlock(b, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` });
  };
  const note = () => `# How the plugin writes answers\n\nThe README's example, pasted:\n\n\`\`\`markdown\n${example()}\n\`\`\`\n\nAnd in a comment:\n\n%%\n${example()}\n%%\n`;

  it("refreshing the note sends nothing and changes nothing; linking citations makes no source note", async () => {
    h = await startHarness({ files: { "Docs.md": note() } });
    await h.runtime.openNote("Docs.md");
    h.runtime.runCommand("refresh-stale-in-note");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.editor("Docs.md").getValue()).toBe(note());
    h.runtime.runCommand("link-citations");
    await h.plugin.idle();
    expect(h.runtime.app.vault.getFiles().map((f) => f.path).filter((p) => p.startsWith("Sources/"))).toEqual([]);
    expect(h.runtime.editor("Docs.md").getValue()).toBe(note());
  });

  it("the runtime, like Obsidian, indexes no block id inside code", async () => {
    // (Inside a %% comment the block's own metadata line, holding "%%", would end the comment: code only here.)
    h = await startHarness({ files: { "Docs.md": `Example:\n\n\`\`\`markdown\n${example()}\n\`\`\`\n` } });
    const file = h.runtime.app.vault.getFileByPath("Docs.md")!;
    const cache = h.runtime.app.metadataCache.getFileCache(file) as { blocks?: Record<string, unknown> } | null;
    expect(cache?.blocks?.["pplx-li2nxf"]).toBeUndefined();
  });
});
