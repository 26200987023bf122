// The ask commands, driven through the built main.js against the emulator.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { API_KEY, NOTE, NOTE_TEXT, QUESTION, askRequests, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ANSWER = {
  text: "Bittensor leads the field.[1] Kite AI is newer[2][3]; see also `[1]` in code.",
  model: "openai/gpt-6-luna",
  cost: 0.0042,
  searchResults: [
    {
      results: [
        { id: 1, title: "In-depth Analysis of Five Major AI Layer1 Projects", url: "https://example.com/ai-l1?utm_source=x", date: "2025-03-17", last_updated: "2025-09-14", snippet: "Bittensor..." },
        { id: 2, title: "Top 10 AI Crypto Coins", url: "https://coins.example.org/top10", date: "2025-03-06", last_updated: "2025-09-16" },
        { id: 3, title: "Kite AI testnet", url: "https://kite.example.net/", date: null },
        { id: 4, title: "Uncited source", url: "https://uncited.example.com/page" },
      ],
    },
  ],
};

describe("commands", () => {
  it("registers both ask commands with stable ids, available only where they make sense", async () => {
    h = await startHarness();
    expect(h.runtime.commandIds()).toEqual(expect.arrayContaining(["ask-selection", "ask"]));
    expect(h.runtime.commandName("ask-selection")).toBe("Ask about selection");
    expect(h.runtime.isCommandAvailable("ask-selection")).toBe(false); // no note open
    const view = await h.runtime.openNote(NOTE);
    expect(h.runtime.isCommandAvailable("ask-selection")).toBe(false); // nothing selected
    expect(h.runtime.isCommandAvailable("ask")).toBe(true);
    view.editor.setSelection(view.editor.offsetToPos(0), view.editor.offsetToPos(5));
    expect(h.runtime.isCommandAvailable("ask-selection")).toBe(true);
  });

  it("does no network and no vault scan on load", async () => {
    h = await startHarness();
    expect(h.emulator.requests).toHaveLength(0);
    expect((h.plugin as unknown as { sources: { index: { size: number } } }).sources.index.size).toBe(0);
  });
});

describe("ask-selection", () => {
  it("shows a pending block at once, then writes the cited answer below the question", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 300, answer: ANSWER }] } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    expect(h.runtime.runCommand("ask-selection")).toBe(true);

    const pendingText = h.runtime.editor(NOTE).getValue();
    const pending = parseBlocks(pendingText);
    expect(pending).toHaveLength(1);
    expect(pending[0]?.block.state).toBe("pending");
    expect(pendingText.startsWith(NOTE_TEXT.slice(0, NOTE_TEXT.indexOf(QUESTION) + QUESTION.length))).toBe(true);

    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();
    const blocks = parseBlocks(text);
    expect(blocks).toHaveLength(1);
    const block = blocks[0]!.block;
    expect(block.state).toBe("answered");
    expect(block.question).toBe(QUESTION);
    expect(block.askedAt).toBe("2026-11-24T16:43:12.385Z");
    expect(block.answeredBy).toBe("openai/gpt-6-luna");
    expect(block.request.preset).toBe("fast");
    expect(block.cost).toBe(0.0042);
    // Cited sources first in order of first citation, then the uncited one; every one has an ID.
    expect(block.sources.map((s) => [s.url.replace(/\?.*$/, ""), s.cited])).toEqual([
      ["https://example.com/ai-l1", true],
      ["https://coins.example.org/top10", true],
      ["https://kite.example.net/", true],
      ["https://uncited.example.com/page", false],
    ]);
    for (const source of block.sources) expect(source.id).toMatch(/^[0-9a-z]{6,}$/);
    // Markers became IDs; the bracket inside a code span was left alone.
    expect(block.answer).not.toContain("field.[1]");
    expect(block.answer).not.toContain("newer[2][3]");
    expect(block.answer).toContain(block.sources[0]!.id);
    expect(block.answer).toContain("`[1]`");
    // The user's text is all still there, in order.
    expect(text.startsWith(NOTE_TEXT.slice(0, NOTE_TEXT.indexOf(QUESTION) + QUESTION.length))).toBe(true);
    expect(text.endsWith("Closing paragraph the user wrote.\n")).toBe(true);
    expect(text).toContain(`Perplexity Query (2026-11-24T16:43:12.385Z)`);
  });

  it("sends the question, the preset, and the note's title and heading path, with the key only in the header", async () => {
    h = await startHarness();
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const [request] = askRequests(h.emulator);
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = request?.json as Record<string, unknown>;
    // The question first (it seeds the search), then where it comes from; never as `instructions`,
    // which would replace the preset's prompt and its citation rules.
    expect(String(body.input).startsWith(`${QUESTION}\n\n`)).toBe(true);
    expect(body.preset).toBe("fast");
    expect(body).not.toHaveProperty("max_output_tokens");
    expect(body).not.toHaveProperty("instructions");
    expect(String(body.input)).toContain("The AI Model Wars");
    expect(String(body.input)).toContain("Vendors");
    expect(request?.body).not.toContain(API_KEY);
    expect(JSON.stringify(h.runtime.data)).not.toContain(API_KEY);
  });

  it("sends no note context when the setting is off", async () => {
    h = await startHarness({ settings: { noteContext: false } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect((askRequests(h.emulator)[0]?.json as Record<string, unknown>).instructions).toBeUndefined();
    expect((askRequests(h.emulator)[0]?.json as Record<string, unknown>).input).toBe(QUESTION);
  });

  it("lets the user keep typing above and below the pending block", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 300, answer: ANSWER }] } });
    const editor = await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    editor.replaceRange("Typed at the top.\n", { line: 0, ch: 0 });
    const end = editor.offsetToPos(editor.getValue().length);
    editor.replaceRange("Typed at the end.\n", end);
    await h.plugin.idle();
    const text = editor.getValue();
    expect(text.startsWith("Typed at the top.\n# The AI Model Wars")).toBe(true);
    expect(text.endsWith("Closing paragraph the user wrote.\nTyped at the end.\n")).toBe(true);
    expect(parseBlocks(text).map((b) => b.block.state)).toEqual(["answered"]);
  });

  it("writes the answer into the file when the note was closed meanwhile", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 300, answer: ANSWER }] } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.runtime.closeNote(NOTE);
    await h.plugin.idle();
    const text = await h.runtime.read(NOTE);
    expect(parseBlocks(text).map((b) => b.block.state)).toEqual(["answered"]);
    expect(text).toContain("Closing paragraph the user wrote.");
  });

  it("re-inserts nothing when the user deleted the pending block", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 300, answer: ANSWER }] } });
    const editor = await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    editor.setValue(NOTE_TEXT);
    await h.plugin.idle();
    expect(editor.getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices.at(-1)).toMatch(/placeholder was removed/);
  });

  it("lands two questions asked at once in the same note in the right places", async () => {
    const files = { [NOTE]: "First question?\n\nSecond question?\n" };
    h = await startHarness({
      files,
      scenario: {
        steps: [
          { delayMs: 400, answer: { text: "Answer one.[1]", searchResults: [{ results: [{ id: 1, title: "One", url: "https://one.example/" }] }] } },
          { delayMs: 50, answer: { text: "Answer two.[1]", searchResults: [{ results: [{ id: 1, title: "Two", url: "https://two.example/" }] }] } },
        ],
      },
    });
    await selectInNote(h.runtime, NOTE, "First question?");
    h.runtime.runCommand("ask-selection");
    await selectInNote(h.runtime, NOTE, "Second question?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();
    const blocks = parseBlocks(text);
    expect(blocks.map((b) => [b.block.question, b.block.answer.split(".")[0]])).toEqual([
      ["First question?", "Answer one"],
      ["Second question?", "Answer two"],
    ]);
    expect(text.indexOf("First question?")).toBeLessThan(blocks[0]!.from);
    expect(text.indexOf("Second question?")).toBeGreaterThan(blocks[0]!.to);
  });

  it("replaces the selection when set to, and restores it exactly if the request fails", async () => {
    h = await startHarness({ settings: { insertionMode: "replace" }, scenario: { steps: [{ kind: "http", status: 500 }], default: { kind: "http", status: 500 } } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    expect(h.runtime.editor(NOTE).getValue()).not.toContain(`\n${QUESTION}\n`);
    await h.plugin.idle();
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices.at(-1)).toMatch(/Perplexity/);
  });
});

describe("insertion next to the user's text", () => {
  const ANSWER_ONE = { text: "Answer.[1]", searchResults: [{ results: [{ id: 1, title: "T", url: "https://t.example/" }] }] };

  it("answers words selected in the middle of a line after their paragraph, even set to replace: replacing them would split it", async () => {
    h = await startHarness({ files: { [NOTE]: "I wonder What is TypeScript? said Bob.\n" }, settings: { insertionMode: "replace" }, scenario: { steps: [{ answer: ANSWER_ONE }] } });
    await selectInNote(h.runtime, NOTE, "What is TypeScript?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();
    expect(parseBlocks(text)[0]?.block.state).toBe("answered");
    expect(text.startsWith("I wonder What is TypeScript? said Bob.\n\n> [!perplexity]")).toBe(true);
    expect(h.runtime.notices).toEqual([]);
  });

  it("replaces a whole selected paragraph when set to", async () => {
    h = await startHarness({ files: { [NOTE]: "Intro.\n\nWhat is TypeScript?\n\nAfter.\n" }, settings: { insertionMode: "replace" }, scenario: { steps: [{ answer: ANSWER_ONE }] } });
    await selectInNote(h.runtime, NOTE, "What is TypeScript?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();
    expect(parseBlocks(text)[0]?.block.question).toBe("What is TypeScript?");
    expect(text).toMatch(/^Intro\.\n\n> \[!perplexity\][\s\S]*\n\^pplx-[0-9a-z]+\n\nAfter\.\n$/);
  });

  it("puts a mid-line replacement back exactly when the ask fails", async () => {
    const original = "I wonder What is TypeScript? said Bob.\nNext line right below.\n";
    h = await startHarness({ files: { [NOTE]: original }, settings: { insertionMode: "replace" }, scenario: { default: { kind: "http", status: 500 } } });
    await selectInNote(h.runtime, NOTE, "What is TypeScript?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(h.runtime.editor(NOTE).getValue()).toBe(original);
  });

  it("inserts after the paragraph of a line with text right under it, blank lines on both sides, and undoes that exactly on failure", async () => {
    const original = "What is TypeScript?\nNext line right below.\n\nNext paragraph.\n";
    h = await startHarness({ files: { [NOTE]: original }, scenario: { steps: [{ answer: ANSWER_ONE }], default: { kind: "http", status: 500 } } });
    await selectInNote(h.runtime, NOTE, "What is TypeScript?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(h.runtime.editor(NOTE).getValue()).toMatch(/^What is TypeScript\?\nNext line right below\.\n\n> \[!perplexity\][\s\S]*\n\^pplx-[0-9a-z]+\n\nNext paragraph\.\n$/);
    h.runtime.editor(NOTE).setValue(original);
    await selectInNote(h.runtime, NOTE, "What is TypeScript?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(h.runtime.editor(NOTE).getValue()).toBe(original);
  });

  it("keeps what the user typed inside the placeholder while waiting", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 300, answer: ANSWER_ONE }] } });
    const editor = await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    const waiting = "*Waiting for Perplexity…*";
    const at = editor.getValue().indexOf(waiting) + waiting.length;
    editor.replaceRange("\n> MY IMPORTANT NOTE", editor.offsetToPos(at));
    await h.plugin.idle();
    const text = editor.getValue();
    expect(parseBlocks(text)[0]?.block.state).toBe("answered");
    expect(text).toContain("\n\nMY IMPORTANT NOTE\n");
  });
});

describe("failures leave the note as it was and say what happened", () => {
  const cases: { name: string; options: Parameters<typeof startHarness>[0]; message: RegExp }[] = [
    { name: "missing key", options: { key: null }, message: /key/i },
    { name: "wrong key (401 HTML page)", options: { scenario: { apiKey: "another-key" } }, message: /rejected/i },
    { name: "retired endpoint", options: { scenario: { steps: [{ kind: "http", status: 403, json: { error: { message: "Sonar is now the Agent API.", type: "chat_completions_not_available", code: 403 } } }] } }, message: /retired/i },
    { name: "failed run in HTTP 200", options: { scenario: { steps: [{ status: "failed", error: { message: "upstream model failed" } }] } }, message: /fail/i },
    { name: "offline (nothing listens at the base URL)", options: { settings: { baseUrl: "http://127.0.0.1:9/v1" } }, message: /could not reach/i },
    { name: "timeout", options: { settings: { requestTimeoutSeconds: 1 }, scenario: { steps: [{ kind: "hang", repeat: 5 }] } }, message: /did not answer within 1 second/i },
    { name: "rate limited after retries", options: { scenario: { steps: [{ kind: "http", status: 429, headers: { "retry-after-ms": "10" }, repeat: 5 }] } }, message: /limiting/i },
    { name: "malformed JSON", options: { scenario: { steps: [{ kind: "malformed-json" }] } }, message: /could not read/i },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      h = await startHarness(c.options);
      await selectInNote(h.runtime, NOTE, QUESTION);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
      const notice = h.runtime.notices.at(-1) ?? "";
      expect(notice).toMatch(c.message);
      expect(notice).not.toContain(API_KEY);
      expect(notice).not.toMatch(/\bat .*\.js:\d+/); // no stack traces
      if (c.name === "missing key") expect(askRequests(h.emulator)).toHaveLength(0);
    });
  }
});

describe("answers that stop early", () => {
  it("keeps the part that arrived, marked incomplete, and says so", async () => {
    h = await startHarness({
      scenario: { steps: [{ status: "incomplete", answer: { text: "Half an answer.[1]", searchResults: [{ results: [{ id: 1, title: "T", url: "https://t.example/" }] }] } }] },
    });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const [parsed] = parseBlocks(h.runtime.editor(NOTE).getValue());
    expect(parsed?.block.state).toBe("answered");
    expect(parsed?.block.answer).toMatch(/^Half an answer\. \[\[[0-9a-z]{6}\]\]\n\n\*\*Incomplete answer:\*\* Perplexity stopped before the answer was complete\.$/);
    expect(h.runtime.notices.at(-1)).toMatch(/maximum output tokens[\s\S]*kept and marked incomplete/);
  });
});

describe("ask prompt and context menu", () => {
  it("prefills the prompt with the current line and inserts the answer at the cursor", async () => {
    h = await startHarness();
    const view = await h.runtime.openNote(NOTE);
    const line = view.editor.getValue().split("\n").indexOf(QUESTION);
    view.editor.setCursor({ line, ch: 3 });
    expect(h.runtime.runCommand("ask")).toBe(true);
    const modal = h.runtime.openModals[0] as unknown as { question: string; submit(): void };
    expect(modal.question).toBe(QUESTION);
    modal.question = "An edited question?";
    const chosen = (modal as unknown as { options: { choice: unknown; recency: string; domains: string } }).options;
    chosen.choice = { preset: "medium" };
    chosen.recency = "week";
    chosen.domains = "iea.org .gov";
    modal.submit();
    await h.plugin.idle();
    expect(h.runtime.openModals).toHaveLength(0);
    const blocks = parseBlocks(view.editor.getValue());
    expect(blocks.map((b) => b.block.question)).toEqual(["An edited question?"]);
    const body = askRequests(h.emulator)[0]?.json as Record<string, unknown>;
    expect(String(body.input).startsWith("An edited question?\n\n")).toBe(true);
    expect(body.preset).toBe("medium");
    expect(body.tools).toEqual([{ type: "web_search", filters: { search_domain_filter: ["iea.org", ".gov"], search_recency_filter: "week" } }]);
    expect(blocks[0]?.block.request).toMatchObject({ preset: "medium", recency: "week", allowDomains: ["iea.org", ".gov"] });
  });

  it("offers both actions in the editor's context menu when text is selected", async () => {
    h = await startHarness();
    const view = await h.runtime.openNote(NOTE);
    expect(h.runtime.editorMenu()).toEqual([]);
    await selectInNote(h.runtime, NOTE, QUESTION);
    const items = h.runtime.editorMenu();
    expect(items.map((i) => i.title)).toEqual(["Perplexity: ask about selection", "Perplexity: ask a question…"]);
    items[0]!.click();
    await h.plugin.idle();
    expect(parseBlocks(view.editor.getValue())).toHaveLength(1);
  });
});

describe("settings tab", () => {
  it("shows grouped settings and a connection test that names the problem", async () => {
    h = await startHarness({ scenario: { apiKey: "another-key" } });
    const tab = (h.plugin as unknown as { settingTabs__: { display(): void; containerEl: HTMLElement; testConnection(): Promise<string> }[] }).settingTabs__[0]!;
    tab.display();
    const text = tab.containerEl.textContent ?? "";
    for (const name of ["API key", "Preset or model", "Search context size", "Recency", "Domains", "Maximum answer length", "Custom instructions", "Send note context", "Insert the answer", "Answer block", "Citation date format", "Base URL", "Request timeout", "Test connection"]) {
      expect(text).toContain(name);
    }
    expect(await tab.testConnection()).toMatch(/rejected/i);
  });
});
