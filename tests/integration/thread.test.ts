// Threads through the built main.js against the emulator: asking follow-ups, refreshing threads, bad input.
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { askRequests, askedOf, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const OLD = "2026-09-01T10:00:00.000Z";
const RECENT = "2026-11-20T10:00:00.000Z";
type Obj = Record<string, unknown>;
type Modal = { question: string; options: { choice: unknown; recency: string; domains: string }; contentEl: HTMLElement; submit(): void };

function block(id: string, question: string, over: Partial<AnswerBlock> = {}): string {
  const answer = over.answer ?? `Answer to ${question}`;
  const b: AnswerBlock = {
    blockId: id,
    state: "answered",
    askedAt: RECENT,
    question,
    request: { preset: "low", recency: "month", allowDomains: ["iea.org"], noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    answer,
    sources: [],
    cost: 0.01,
    answerHash: hashText(answer),
    ...over,
  };
  return formatBlock(b, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[${s.id}](${s.url})` });
}

const note = (...parts: string[]) => `# Solar\n\n${parts.join("\n\n")}\n\nThe end, written by me.\n`;

/** Opens the note with the cursor inside the block `id`. */
async function cursorIn(path: string, id: string) {
  const view = await h!.runtime.openNote(path);
  const text = view.editor.getValue();
  const at = text.indexOf(`"id":"${id}"`);
  if (at < 0) throw new Error(`no block ${id}`);
  view.editor.setCursor(view.editor.offsetToPos(at));
  return view.editor;
}

/** Runs ask-follow-up at the cursor and returns the prompt it opened. */
async function openPrompt(): Promise<Modal> {
  expect(h!.runtime.runCommand("ask-follow-up")).toBe(true);
  await h!.plugin.idle();
  expect(h!.runtime.openModals).toHaveLength(1);
  return h!.runtime.openModals[0] as unknown as Modal;
}

async function askFollowUp(question: string): Promise<Modal> {
  const modal = await openPrompt();
  modal.question = question;
  modal.submit();
  await h!.plugin.idle();
  return modal;
}

/** The conversation sent with request i, without the note context (issue 9) read before it: its turns, then the question. */
const inputOf = (i: number) => {
  const asked = askedOf(askRequests(h!.emulator)[i]);
  return [...asked.turns, { type: "message", role: "user", content: asked.question }];
};
/** The question of request i, what Perplexity searches for. */
const questionOf = (r: { json: unknown }) => askedOf(r).question;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error("timed out");
}

describe("ask-follow-up", () => {
  it("sends the earlier turn as the note shows it (edits count), carries the thread's options over, and writes the answer right after the thread", async () => {
    const text = note(block("aaaaaa", "Who leads solar?"), "My own paragraph.", block("zzzzzz", "Unrelated?"));
    h = await startHarness({ files: { "Solar.md": text } });
    const editor = await cursorIn("Solar.md", "aaaaaa");
    editor.setValue(editor.getValue().replace("> Answer to Who leads solar?", "> Answer to Who leads solar? China, says my edit."));
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf('"id":"aaaaaa"')));
    const modal = await openPrompt();
    expect(modal.options).toEqual({ choice: { preset: "low" }, recency: "month", domains: "iea.org", contextSize: "" });
    expect(modal.contentEl.textContent).toMatch(/Follows "Who leads solar\?"\. The earlier turn adds about \d+ input tokens \(estimated from their length, about 4 characters a token\)\./);
    modal.question = "And in Europe?";
    modal.submit();
    await h.plugin.idle();

    const body = askRequests(h.emulator)[0]?.json as Obj;
    // The note context first (read), then the earlier turn, then the new question alone (searched).
    expect(body.input).toEqual([
      { type: "message", role: "user", content: 'The question comes from a note titled "Solar", under the heading "Solar". Read it in that context.' },
      { type: "message", role: "user", content: "Who leads solar?" },
      { type: "message", role: "assistant", content: "Answer to Who leads solar? China, says my edit." },
      { type: "message", role: "user", content: "And in Europe?" },
    ]);
    expect(body).toMatchObject({ preset: "low" });
    expect(body.tools).toEqual([{ type: "web_search", filters: { search_domain_filter: ["iea.org"], search_recency_filter: "month" } }]);
    // The note context travels with the new question in input; the preset keeps its own prompt.
    expect(body.instructions).toBeUndefined();
    expect(body).not.toHaveProperty("previous_response_id");

    const after = editor.getValue();
    const blocks = parseBlocks(after);
    expect(blocks.map((b) => b.block.blockId.length === 6 && b.block.question)).toEqual(["Who leads solar?", "And in Europe?", "Unrelated?"]);
    const followUp = blocks[1]!.block;
    expect(followUp).toMatchObject({ state: "answered", parent: "aaaaaa", thread: "aaaaaa", request: { preset: "low", recency: "month", allowDomains: ["iea.org"] } });
    // The emulator's answer names the question it follows: the history arrived.
    expect(followUp.answer).toMatch(/^Following up on "Who leads solar\?" \(1 earlier question, 1 earlier answer\)/);
    expect(after).toContain("> **Follow-up to:** [[#^pplx-aaaaaa]]");
    // Right after the thread's last block: before the user's paragraph, which is untouched.
    expect(after.indexOf("And in Europe?")).toBeLessThan(after.indexOf("My own paragraph."));
    expect(after.endsWith("\n\nThe end, written by me.\n")).toBe(true);
  });

  it("the prompt can change the options for the new turn", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", "Who leads solar?")) } });
    await cursorIn("Solar.md", "aaaaaa");
    const modal = await openPrompt();
    modal.question = "And wind?";
    modal.options.choice = { preset: "medium" };
    modal.options.recency = "";
    modal.submit();
    await h.plugin.idle();
    const body = askRequests(h.emulator)[0]?.json as Obj;
    expect(body.preset).toBe("medium");
    expect(body.tools).toEqual([{ type: "web_search", filters: { search_domain_filter: ["iea.org"] } }]);
  });

  it("two follow-ups of one answer (a branch) are both kept, in the order asked; a follow-up of a follow-up gets both turns", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", "Who leads solar?"), "After the thread.") } });
    const editor = await cursorIn("Solar.md", "aaaaaa");
    await askFollowUp("First branch?");
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf('"id":"aaaaaa"')));
    await askFollowUp("Second branch?");
    let blocks = parseBlocks(editor.getValue());
    expect(blocks.map((b) => [b.block.question, b.block.parent])).toEqual([
      ["Who leads solar?", undefined],
      ["First branch?", "aaaaaa"],
      ["Second branch?", "aaaaaa"],
    ]);
    // Each branch was asked with the first answer only, not with the other branch.
    expect(inputOf(1).map((m) => m.content)).toEqual(["Who leads solar?", "Answer to Who leads solar?", "Second branch?"]);
    const first = blocks[1]!.block.blockId;
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf(`"id":"${first}"`)));
    await askFollowUp("Deeper?");
    blocks = parseBlocks(editor.getValue());
    expect(blocks.map((b) => b.block.question)).toEqual(["Who leads solar?", "First branch?", "Second branch?", "Deeper?"]);
    expect(blocks[3]!.block).toMatchObject({ parent: first, thread: "aaaaaa" });
    expect(inputOf(2).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(inputOf(2)[2]!.content).toBe("First branch?");
    expect(editor.getValue()).toContain("Deeper?");
    expect(editor.getValue().indexOf("After the thread.")).toBeGreaterThan(editor.getValue().indexOf('"q":"Deeper?"'));
  });

  it("refuses a pending, a failed and a damaged block clearly, asks nothing, and offers no context-menu entry there", async () => {
    const pending = block("pppppp", "Pending?", { state: "pending", answer: "", answerHash: undefined });
    const failed = block("ffffff", "Failed?", { state: "failed", failure: "Perplexity did not answer.", answer: "", answerHash: undefined });
    const damaged = block("dddddd", "Damaged?").replace('"state":"answered"', '"state":"answered",broken');
    h = await startHarness({ files: { "Solar.md": note(pending, failed, damaged, block("aaaaaa", "Fine?")) } });
    const view = await h.runtime.openNote("Solar.md");
    const text = view.editor.getValue();
    const cases: [string, RegExp][] = [
      ['"id":"pppppp"', /still waiting for Perplexity/],
      ['"id":"ffffff"', /failed, so there is no answer to follow up/],
      ['"id":"dddddd"', /cannot be followed up: its hidden metadata line was changed by hand/],
    ];
    for (const [marker, message] of cases) {
      view.editor.setCursor(view.editor.offsetToPos(text.indexOf(marker)));
      expect(h.runtime.editorMenu().map((i) => i.title)).not.toContain("Ask a follow-up");
      expect(h.runtime.runCommand("ask-follow-up")).toBe(true);
      await h.plugin.idle();
      expect(h.runtime.notices.at(-1)).toMatch(message);
      expect(h.runtime.openModals).toHaveLength(0);
    }
    view.editor.setCursor(view.editor.offsetToPos(text.indexOf('"id":"aaaaaa"')));
    expect(h.runtime.editorMenu().map((i) => i.title)).toContain("Ask a follow-up");
    view.editor.setCursor(view.editor.offsetToPos(text.indexOf("The end")));
    expect(h.runtime.isCommandAvailable("ask-follow-up")).toBe(false);
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(view.editor.getValue()).toBe(text);
  });

  it("the parent deleted while the follow-up is on its way: still written, below where the parent was, and says so", async () => {
    const text = note("Above.", block("aaaaaa", "Who leads solar?"), "Below.");
    h = await startHarness({ files: { "Solar.md": text }, scenario: { steps: [{ delayMs: 300 }] } });
    const editor = await cursorIn("Solar.md", "aaaaaa");
    const modal = await openPrompt();
    modal.question = "And in Europe?";
    modal.submit();
    await until(() => editor.getValue().includes("Waiting for Perplexity"));
    const parent = parseBlocks(editor.getValue())[0]!;
    editor.replaceRange("", editor.offsetToPos(parent.from), editor.offsetToPos(parent.to));
    await h.plugin.idle();
    const after = editor.getValue();
    const blocks = parseBlocks(after);
    expect(blocks.map((b) => [b.block.question, b.block.state, b.block.parent])).toEqual([["And in Europe?", "answered", "aaaaaa"]]);
    expect(after.indexOf("Above.")).toBeLessThan(after.indexOf("And in Europe?"));
    expect(after.indexOf("And in Europe?")).toBeLessThan(after.indexOf("Below."));
    expect(h.runtime.notices.at(-1)).toMatch(/continues was deleted while the follow-up was being answered\. The follow-up was written below where it was/);
  });

  it("the parent edited while the follow-up is on its way: written below it, and says which version it answers", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", "Who leads solar?")) }, scenario: { steps: [{ delayMs: 300 }] } });
    const editor = await cursorIn("Solar.md", "aaaaaa");
    const modal = await openPrompt();
    modal.question = "And in Europe?";
    modal.submit();
    await until(() => editor.getValue().includes("Waiting for Perplexity"));
    editor.setValue(editor.getValue().replace("> Answer to Who leads solar?", "> Answer to Who leads solar? Edited meanwhile."));
    await h.plugin.idle();
    const blocks = parseBlocks(editor.getValue());
    expect(blocks.map((b) => b.block.question)).toEqual(["Who leads solar?", "And in Europe?"]);
    expect(blocks[0]!.block.answer).toContain("Edited meanwhile.");
    expect(h.runtime.notices.at(-1)).toMatch(/was edited while the follow-up was being answered\. The follow-up was written below it, and answers the version that was sent/);
  });

  it("a 50-turn thread: the follow-up goes after the 50th turn and carries only the last N turns (setting)", async () => {
    const turns = Array.from({ length: 50 }, (_, i) =>
      block(`t${String(i).padStart(5, "0")}`, `Question ${i}?`, i === 0 ? {} : { parent: `t${String(i - 1).padStart(5, "0")}`, thread: "t00000" }),
    );
    h = await startHarness({ files: { "Long.md": note(...turns) }, settings: { followUpTurns: 4 } });
    const editor = await cursorIn("Long.md", "t00049");
    const modal = await openPrompt();
    expect(modal.contentEl.textContent).toMatch(/The 4 earlier turns add about \d+ input tokens/);
    modal.question = "Question 50?";
    modal.submit();
    await h.plugin.idle();
    expect(inputOf(0).map((m) => m.content)).toEqual([
      "Question 46?", "Answer to Question 46?", "Question 47?", "Answer to Question 47?", "Question 48?", "Answer to Question 48?",
      "Question 49?", "Answer to Question 49?", "Question 50?",
    ]);
    const blocks = parseBlocks(editor.getValue());
    expect(blocks).toHaveLength(51);
    expect(blocks[50]!.block).toMatchObject({ question: "Question 50?", parent: "t00049", thread: "t00000" });
  });

  it("a follow-up moved to another note finds its parent there by id, and says when it cannot", async () => {
    const files = {
      "First.md": note(block("aaaaaa", "Who leads solar?")),
      "Moved.md": note(block("bbbbbb", "And in Europe?", { parent: "aaaaaa", thread: "aaaaaa" })),
    };
    h = await startHarness({ files });
    await cursorIn("Moved.md", "bbbbbb");
    await askFollowUp("And Spain?");
    expect(inputOf(0).map((m) => m.content)).toEqual(["Who leads solar?", "Answer to Who leads solar?", "And in Europe?", "Answer to And in Europe?", "And Spain?"]);

    await h.runtime.app.vault.delete(h.runtime.app.vault.getFileByPath("First.md")!);
    await cursorIn("Moved.md", "bbbbbb");
    const modal = await openPrompt();
    expect(modal.contentEl.textContent).toMatch(/An earlier turn \(\^pplx-aaaaaa\) is in no note, so it is not sent\./);
    modal.question = "And Portugal?";
    modal.submit();
    await h.plugin.idle();
    expect(inputOf(1).map((m) => m.content)).toEqual(["And in Europe?", "Answer to And in Europe?", "And Portugal?"]);
    expect(h.runtime.notices.join("\n")).toMatch(/\(\^pplx-aaaaaa\) is in no note any more, so the follow-up is asked with the 1 turns that were found/);
  });
});

describe("refreshing threads", () => {
  it("refresh-at-cursor on a follow-up re-asks it with its parent's current answer", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", "Who leads solar?", { answer: "China, as I now know." }), block("bbbbbb", "And in Europe?", { parent: "aaaaaa", thread: "aaaaaa" })) } });
    await cursorIn("Solar.md", "bbbbbb");
    expect(h.runtime.runCommand("refresh-at-cursor")).toBe(true);
    await h.plugin.idle();
    expect(inputOf(0)).toEqual([
      { type: "message", role: "user", content: "Who leads solar?" },
      { type: "message", role: "assistant", content: "China, as I now know." },
      { type: "message", role: "user", content: "And in Europe?" },
    ]);
    const refreshed = parseBlocks(h.runtime.editor("Solar.md").getValue())[1]!.block;
    expect(refreshed).toMatchObject({ blockId: "bbbbbb", parent: "aaaaaa", thread: "aaaaaa", askedAt: "2026-11-24T16:43:12.385Z" });
    expect(refreshed.answer).toMatch(/^Following up on "Who leads solar\?"/);
  });

  it("refresh-thread re-asks every turn in order, each follow-up only after its parent has its new answer", async () => {
    const text = note(
      block("aaaaaa", "Who leads solar?"),
      block("bbbbbb", "And in Europe?", { parent: "aaaaaa", thread: "aaaaaa" }),
      block("zzzzzz", "Unrelated?"),
      block("cccccc", "And Spain?", { parent: "bbbbbb", thread: "aaaaaa" }),
    );
    // The first answer is slow: with 2 parallel requests, a batch that did not wait would ask the follow-up first.
    h = await startHarness({ files: { "Solar.md": text }, scenario: { steps: [{ delayMs: 300 }] }, settings: { concurrency: 4 } });
    await cursorIn("Solar.md", "cccccc");
    expect(h.runtime.isCommandAvailable("refresh-thread")).toBe(true);
    expect(h.runtime.runCommand("refresh-thread")).toBe(true);
    await h.plugin.idle();
    expect(askRequests(h.emulator).map(questionOf)).toEqual([
      "Who leads solar?",
      "And in Europe?",
      "And Spain?",
    ]);
    // The follow-ups were sent the NEW answers (the emulator's, which echo the question), not the old ones.
    expect(inputOf(1)[1]!.content).toMatch(/^You asked: "Who leads solar\?/);
    expect(inputOf(2)[3]!.content).toMatch(/^Following up on "Who leads solar\?"/);
    const blocks = parseBlocks(h.runtime.editor("Solar.md").getValue());
    expect(blocks.map((b) => [b.block.blockId, b.block.askedAt === RECENT])).toEqual([
      ["aaaaaa", false],
      ["bbbbbb", false],
      ["zzzzzz", true],
      ["cccccc", false],
    ]);
    expect(h.runtime.notices.at(-1)).toMatch(/3 refreshed/);
  });

  it("refresh-thread is not offered outside a thread", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("zzzzzz", "Alone?")) } });
    await cursorIn("Solar.md", "zzzzzz");
    expect(h.runtime.isCommandAvailable("refresh-thread")).toBe(false);
  });

  it("refresh-stale-in-note refreshes a stale thread's turns in order and never asks a follow-up before its parent", async () => {
    const text = note(
      block("cccccc", "And Spain?", { parent: "bbbbbb", thread: "aaaaaa", askedAt: OLD }),
      block("aaaaaa", "Who leads solar?", { askedAt: OLD }),
      block("bbbbbb", "And in Europe?", { parent: "aaaaaa", thread: "aaaaaa", askedAt: OLD }),
    );
    h = await startHarness({ files: { "Solar.md": text }, scenario: { steps: [{ delayMs: 200 }, { delayMs: 100 }] }, settings: { concurrency: 3 } });
    await h.runtime.openNote("Solar.md");
    expect(h.runtime.runCommand("refresh-stale-in-note")).toBe(true);
    await h.plugin.idle();
    const lastQuestions = askRequests(h.emulator).map(questionOf);
    expect(lastQuestions).toEqual(["Who leads solar?", "And in Europe?", "And Spain?"]);
    expect(inputOf(2)[3]!.content).toMatch(/^Following up on "Who leads solar\?"/);
  });

  it("a follow-up whose parent is in no note any more is not refreshed, and the report says why", async () => {
    h = await startHarness({ files: { "Moved.md": note(block("bbbbbb", "And in Europe?", { parent: "aaaaaa", thread: "aaaaaa" })) } });
    await cursorIn("Moved.md", "bbbbbb");
    h.runtime.runCommand("refresh-at-cursor");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.notices.at(-1)).toMatch(/the answer it follows \(\^pplx-aaaaaa\) is in no note any more/);
  });
});
