// With the DEFAULT settings, against the emulator modelling Perplexity's documented behaviour, the built
// plugin keeps its citations, the note's title still reaches Perplexity, long answers are not cut short,
// and nothing from the process environment shapes a request.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { makeAnswer } from "../emulator/fixtures";
import { API_KEY, NOTE, QUESTION, askRequests, askedOf, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function askSelection(harness: Harness) {
  await selectInNote(harness.runtime, NOTE, QUESTION);
  expect(harness.runtime.runCommand("ask-selection")).toBe(true);
  await harness.plugin.idle();
  const blocks = parseBlocks(harness.runtime.editor(NOTE).getValue());
  expect(blocks).toHaveLength(1);
  return blocks[0]!.block;
}

describe("default settings against the faithful emulator", () => {
  it("keep the answer's citations and send the note's title and headings in input, not as instructions", async () => {
    h = await startHarness();
    const block = await askSelection(h);
    expect(block.state).toBe("answered");
    // The emulator drops every marker when `instructions` replace a preset's prompt, as Perplexity does.
    expect(block.sources.filter((s) => s.cited).length).toBeGreaterThan(0);
    expect(block.answer).toMatch(/\[\[[0-9a-z]{6,}/);
    const [request, ...more] = askRequests(h.emulator);
    expect(more).toHaveLength(0);
    const body = request?.json as Record<string, unknown>;
    expect(body).not.toHaveProperty("instructions");
    // The question alone is searched (live: a string input is searched word for word); the context is read.
    expect(askedOf(request).question).toBe(QUESTION);
    expect(askedOf(request).framing).toContain('a note titled "The AI Model Wars", under the heading "The AI Model Wars › Vendors"');
  });

  it("keep citations with custom instructions too: they travel in input unless the user chose to replace the system prompt", async () => {
    h = await startHarness({ settings: { customInstructions: "Prefer primary sources." } });
    const block = await askSelection(h);
    expect(block.sources.some((s) => s.cited)).toBe(true);
    const body = askRequests(h.emulator)[0]?.json as Record<string, unknown>;
    expect(body).not.toHaveProperty("instructions");
    expect(askedOf(askRequests(h.emulator)[0]).framing).toContain("Prefer primary sources.");
  });

  it("send the custom instructions as the system prompt only when the user turned that on", async () => {
    h = await startHarness({ settings: { customInstructions: "Answer in two sentences.", replaceSystemPrompt: true } });
    await askSelection(h);
    const body = askRequests(h.emulator)[0]?.json as Record<string, unknown>;
    expect(body["instructions"]).toBe("Answer in two sentences.");
    expect(JSON.stringify(body["input"])).not.toContain("Answer in two sentences.");
  });

  it("leave the preset's own output limit alone, so a long deep answer is complete", async () => {
    const long = makeAnswer({ textBytes: 20_000, sources: 8 });
    h = await startHarness({ scenario: { default: { answer: long } }, settings: { preset: "high" } });
    const block = await askSelection(h);
    expect(block.state).toBe("answered");
    expect(askRequests(h.emulator)[0]?.json).not.toHaveProperty("max_output_tokens");
  });

  it("ask an explicit model for citations with the search tool, in one request, and get no narration", async () => {
    h = await startHarness({ settings: { preset: "model", model: "openai/gpt-6-luna" } });
    const block = await askSelection(h);
    expect(block.sources.filter((s) => s.cited).length).toBeGreaterThan(0);
    // tool_choice is refused live (opencode issue #32108): one request, not a refused one and a retry.
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(askRequests(h.emulator)[0]?.json).toMatchObject({ model: "openai/gpt-6-luna", tools: [{ type: "web_search" }] });
    expect(askRequests(h.emulator)[0]?.json).not.toHaveProperty("tool_choice");
    // Like the argus capture, an explicit model narrates unless its instructions forbid it.
    expect(block.answer).not.toMatch(/Let me compile/);
  });

  it("give an anthropic model the output limit it requires, also with the limit set to 0", async () => {
    h = await startHarness({ settings: { preset: "model", model: "anthropic/claude-sonnet-4-6", maxOutputTokens: 0 } });
    const block = await askSelection(h);
    expect(block.state).toBe("answered");
    expect(askRequests(h.emulator)).toHaveLength(1);
  });
});

describe("models from the API", () => {
  const service = (harness: Harness) => (harness.plugin as unknown as { service: { models(): Promise<string[]> } }).service;
  const gets = (harness: Harness) => harness.emulator.requests.filter((r) => r.path === "/v1/models");

  it("are listed from GET /v1/models with the key (live, it needs one), once, and only when a model field asks", async () => {
    h = await startHarness();
    expect(h.emulator.requests).toHaveLength(0);
    const [first, second] = await Promise.all([service(h).models(), service(h).models()]);
    expect(first).toHaveLength(52);
    expect(first).toEqual(expect.arrayContaining(["perplexity/sonar", "openai/gpt-6-luna", "anthropic/claude-sonnet-4-6"]));
    expect(second).toEqual(first);
    expect(await service(h).models()).toEqual(first);
    expect(gets(h)).toHaveLength(1);
    expect(gets(h)[0]?.method).toBe("GET");
    expect(gets(h)[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("a rejected key (live: 401 invalid_api_key) lists nothing, says why once, and is not kept: the next use asks again", async () => {
    h = await startHarness({ key: "pplx-wrong-key", scenario: { apiKey: API_KEY } });
    expect(await service(h).models()).toEqual([]);
    expect(h.runtime.notices).toEqual(["Perplexity's models could not be listed. Perplexity rejected the API key. Check the key in Settings → Perplexity Query."]);
    expect(await service(h).models()).toEqual([]);
    expect(gets(h)).toHaveLength(2);
    expect(h.runtime.notices).toHaveLength(1);
    // Once the key is right, the list appears: the failure was not kept as an empty list.
    h.emulator.setScenario({});
    expect(await service(h).models()).toHaveLength(52);
  });

  it("without a key asks nothing and says what to do", async () => {
    h = await startHarness({ key: null });
    expect(await service(h).models()).toEqual([]);
    expect(gets(h)).toHaveLength(0);
    expect(h.runtime.notices.join("\n")).toContain("No Perplexity API key is set. Add your key in Settings → Perplexity Query.");
  });
});

describe("the ask prompt's model field", () => {
  it("suggests the listed models matching what was typed, and a picked one becomes the choice", async () => {
    h = await startHarness({ settings: { preset: "model", model: "perplexity/sonar" } });
    const view = await h.runtime.openNote(NOTE);
    view.editor.setCursor({ line: 4, ch: 0 });
    expect(h.runtime.runCommand("ask")).toBe(true);
    const modal = h.runtime.openModals[0] as unknown as {
      modelSuggest: { getSuggestions(q: string): Promise<string[]>; selectSuggestion(m: string): void };
      options: { choice: unknown };
    };
    expect(modal.options.choice).toEqual({ model: "perplexity/sonar" });
    expect(await modal.modelSuggest.getSuggestions("LUNA")).toEqual(["openai/gpt-5.6-luna", "openai/gpt-6-luna"]);
    modal.modelSuggest.selectSuggestion("anthropic/claude-sonnet-4-6");
    expect(modal.options.choice).toEqual({ model: "anthropic/claude-sonnet-4-6" });
    expect(h.emulator.requests.filter((r) => r.path === "/v1/models")).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("a domain list mixing allowed and excluded domains: a clear message, no request, the note untouched", async () => {
    h = await startHarness({ settings: { domains: "iea.org, -reddit.com" } });
    const before = (await h.runtime.openNote(NOTE)).editor.getValue();
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.editor(NOTE).getValue()).toBe(before);
    expect(h.runtime.notices.join("\n")).toMatch(/domains to search \(iea\.org\) and domains to exclude \(-reddit\.com\).*one way at a time/);
  });

  it("a model name with a typo: Perplexity's 400 becomes a message about the model, the note untouched", async () => {
    h = await startHarness({ settings: { preset: "model", model: "openai/gpt-6-lunaa" } });
    const before = (await h.runtime.openNote(NOTE)).editor.getValue();
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(h.runtime.editor(NOTE).getValue()).toBe(before);
    expect(h.runtime.notices.join("\n")).toContain('Perplexity does not know the model "openai/gpt-6-lunaa"');
  });
});

describe("the built plugin and the process environment", () => {
  const VARS = {
    OPENAI_ORG_ID: "org-from-env",
    OPENAI_PROJECT_ID: "proj-from-env",
    OPENAI_LOG: "debug",
    OPENAI_CUSTOM_HEADERS: "x-leak: yes",
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    OPENAI_API_KEY: "sk-from-env",
  };

  it("sends no openai-organization, openai-project or custom header, and ignores OPENAI_BASE_URL", async () => {
    const saved = Object.fromEntries(Object.keys(VARS).map((k) => [k, process.env[k]]));
    Object.assign(process.env, VARS);
    try {
      h = await startHarness();
      const block = await askSelection(h);
      expect(block.state).toBe("answered");
      const [request] = askRequests(h.emulator);
      expect(request).toBeDefined();
      const names = Object.keys(request?.headers ?? {});
      expect(names).not.toContain("openai-organization");
      expect(names).not.toContain("openai-project");
      expect(names).not.toContain("x-leak");
      expect(JSON.stringify(request?.headers)).not.toContain("from-env");
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
