// The emulator over real HTTP: plain fetch for the wire format, the openai SDK to show it speaks what the
// plugin's client expects. Each scenario feature has a test that would fail if the feature broke.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import type { ResponseCreateParamsNonStreaming, ResponseCreateParamsStreaming } from "openai/resources/responses/responses";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { capturedResponse, capturedStreamEvents, makeAnswer } from "./fixtures";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseScenario, type Scenario, type SearchResultsItem } from "./scenario";
import { startEmulator, type Emulator } from "./server";

type Obj = Record<string, unknown>;
type Json = Obj & { output?: Obj[]; usage?: Obj; error?: Obj };

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await emu.close();
});

const AUTH = { authorization: "Bearer test-key", "content-type": "application/json" };

function post(path: string, body: unknown, headers: Record<string, string> = AUTH): Promise<Response> {
  return fetch(`${emu.origin}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function postJson(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await post(path, body);
  return { status: res.status, json: (await res.json()) as Json };
}

function client(options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ apiKey: "test", baseURL: emu.baseUrl, maxRetries: 0, ...options });
}

// Perplexity-only fields (preset) are not in the SDK's types: the plugin casts the same way.
const asParams = (p: Obj) => p as unknown as ResponseCreateParamsNonStreaming;
const asStreamParams = (p: Obj) => ({ ...p, stream: true }) as unknown as ResponseCreateParamsStreaming;

/** Parses an SSE body into its `data:` payloads; also returns the raw text. */
function parseSse(raw: string): Obj[] {
  return raw
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => JSON.parse(block.slice("data: ".length)) as Obj);
}

/** Reads a body until it ends or breaks; reports which. */
async function readAll(res: Response): Promise<{ text: string; broken: boolean }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, broken: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, broken: true };
  }
}

/** Reads SSE events one by one until `until` matches; returns the events and the reader to continue. */
async function readUntil(res: Response, until: (event: Obj) => boolean) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: Obj[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("stream ended early");
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = JSON.parse(block.slice("data: ".length)) as Obj;
      events.push(event);
      if (until(event)) return { events, reader, decoder, rest: () => buffer };
    }
  }
}

const messageText = (json: Json): string => {
  const message = json.output?.find((item) => item.type === "message") as { content: { text: string }[] } | undefined;
  return message?.content[0]?.text ?? "";
};
const resultsOf = (json: Json) =>
  (json.output ?? []).filter((item) => item.type === "search_results").flatMap((item) => item.results as Obj[]);
const searchResultsOf = resultsOf;
const markerIds = (text: string) => [...text.matchAll(/\[(?:web:)?(\d+)\]/g)].map((m) => Number(m[1]));

describe("default answer (JSON)", () => {
  it("answers about the question with captured shapes, [n] markers for preset fast, and records the request", async () => {
    const body = JSON.stringify({ preset: "fast", input: "What is TypeScript?" });
    const res = await post("/v1/responses", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const json = (await res.json()) as Json;

    expect(json.id).toMatch(/^resp_[0-9a-f-]{36}$/);
    expect(json.object).toBe("response");
    expect(json.status).toBe("completed");
    expect(json.model).toBe("openai/gpt-6-luna");
    expect(Object.keys(json).sort()).toEqual(Object.keys(capturedResponse()).sort());
    const text = messageText(json);
    expect(text).toContain("What is TypeScript?");
    expect(text).toContain("[1][3]");
    expect(text).not.toContain("[web:");

    const results = resultsOf(json);
    expect(results).toHaveLength(5);
    const ids = new Set(results.map((r) => r.id));
    const cited = new Set(markerIds(text));
    expect([...cited].every((id) => ids.has(id))).toBe(true);
    expect(cited.size).toBeGreaterThanOrEqual(3);
    expect(cited.size).toBeLessThanOrEqual(4);
    expect(results.some((r) => !("date" in r))).toBe(true);
    expect(results.some((r) => r.last_updated === null || !("last_updated" in r))).toBe(true);
    const message = json.output?.find((item) => item.type === "message");
    expect(message?.id).toMatch(/^msg_/);
    const usage = json.usage as { cost: { total_cost: number; currency: string }; input_tokens: number };
    expect(usage.cost.currency).toBe("USD");
    expect(usage.cost.total_cost).toBeGreaterThan(0);

    const recorded = emu.requests.at(-1);
    expect(recorded?.method).toBe("POST");
    expect(recorded?.path).toBe("/v1/responses");
    expect(recorded?.body).toBe(body);
    expect(recorded?.json).toEqual({ preset: "fast", input: "What is TypeScript?" });
    expect(recorded?.headers.authorization).toBe("Bearer test-key");
    expect(recorded?.headers["content-type"]).toBe("application/json");
  });

  it("uses [web:n] markers for other presets and for model, and echoes the requested model", async () => {
    const medium = await postJson("/v1/agent", { preset: "medium", input: "Why is the sky blue?" });
    expect(messageText(medium.json)).toMatch(/\[web:1\]\[web:3\]/);
    const byModel = await postJson("/v1/responses", {
      model: "perplexity/sonar",
      input: [{ type: "message", role: "user", content: "Hi there" }],
      instructions: "Cite each claim with the result id in square brackets, like [1].",
      tools: [{ type: "web_search" }],
    });
    expect(byModel.status).toBe(200);
    expect(byModel.json.model).toBe("perplexity/sonar");
    expect(messageText(byModel.json)).toContain("[web:");
    expect(messageText(byModel.json)).toContain("Hi there");
  });

  it("like the real API: instructions with a preset replace its citation rules; a model searches only with the tool, cites only when asked, narrates unless told not to", async () => {
    const withInstructions = await postJson("/v1/responses", { preset: "fast", input: "Why is the sky blue?", instructions: "Read it in context." });
    expect(messageText(withInstructions.json)).not.toMatch(/\[\d+\]/);
    expect(searchResultsOf(withInstructions.json).length).toBeGreaterThan(0);
    const inInput = await postJson("/v1/responses", { preset: "fast", input: "Why is the sky blue?\n\nRead it in context." });
    expect(messageText(inInput.json)).toMatch(/\[1\]/);
    const modelUnasked = await postJson("/v1/responses", { model: "perplexity/sonar", input: "Q", tools: [{ type: "web_search" }] });
    expect(searchResultsOf(modelUnasked.json).length).toBeGreaterThan(0);
    expect(messageText(modelUnasked.json)).not.toMatch(/\[(web:)?\d+\]/);
    // Like the argus capture: an explicit model tells how it works, unless its instructions forbid it.
    expect(messageText(modelUnasked.json)).toMatch(/^I have enough to write a strong answer\. Let me compile the answer\.\n\n/);
    const quiet = await postJson("/v1/responses", { model: "perplexity/sonar", input: "Q", tools: [{ type: "web_search" }], instructions: "Do not narrate your work." });
    expect(messageText(quiet.json)).not.toContain("Let me");
    const withoutTool = await postJson("/v1/responses", { model: "perplexity/sonar", input: "Q", instructions: "Cite with [1]." });
    expect(searchResultsOf(withoutTool.json)).toEqual([]);
    expect(messageText(withoutTool.json)).not.toMatch(/\[(web:)?\d+\]/);
    // tool_choice is not a field Perplexity knows (opencode issue #32108).
    const forced = await postJson("/v1/responses", { model: "perplexity/sonar", input: "Q", tools: [{ type: "web_search" }], tool_choice: { type: "web_search" } });
    expect(forced).toEqual({ status: 400, json: { error: { message: 'invalid request body: json: unknown field "tool_choice"', type: "invalid_request", code: 400 } } });
  });

  it("like the live captures: a string input is searched word for word, a conversation's last question is rewritten into a query", async () => {
    const input = "Why is the sky blue?\n\nThe question comes from a note titled \"Optics\". Read it in that context.";
    const asString = await postJson("/v1/responses", { preset: "fast", input });
    expect((asString.json.output?.[0] as Obj).queries).toEqual([input]);
    const asMessages = await postJson("/v1/responses", {
      preset: "fast",
      input: [
        { type: "message", role: "user", content: 'The question comes from a note titled "Optics for Painters", under the heading "Light". Read it in that context.' },
        { type: "message", role: "user", content: "Why is the sky blue?" },
      ],
    });
    expect((asMessages.json.output?.[0] as Obj).queries).toEqual(["sky blue Optics Painters Light"]);
    expect(messageText(asMessages.json)).toContain('You asked: "Why is the sky blue?"');
  });

  it("like the live capture: presets low, medium and high read a page in full and cite it as [web:0]", async () => {
    for (const preset of ["low", "medium", "high"]) {
      const { json } = await postJson("/v1/responses", { preset, input: "Why is the sky blue?" });
      const fetched = (json.output ?? []).filter((item) => item.type === "fetch_url_results");
      expect(fetched, preset).toHaveLength(1);
      expect((fetched[0]?.contents as Obj[])[0]).toEqual({ snippet: expect.any(String), title: expect.any(String), url: expect.stringMatching(/^https:\/\//) });
      expect(messageText(json)).toContain("[web:0]");
    }
    const fast = await postJson("/v1/responses", { preset: "fast", input: "Why is the sky blue?" });
    expect((fast.json.output ?? []).some((item) => item.type === "fetch_url_results")).toBe(false);
  });

  it("like the real search: an allowlist finds pages only on those domains, a denylist none on the excluded ones", async () => {
    const web = (filter: string[]) => [{ type: "web_search", filters: { search_domain_filter: filter } }];
    const hosts = (json: Json) => searchResultsOf(json).map((r) => new URL(String(r.url)).hostname);
    const open = await postJson("/v1/responses", { preset: "medium", input: "Why is the sky blue?" });
    expect(hosts(open.json)).toContain("www.reddit.com");

    const allowed = await postJson("/v1/responses", { preset: "medium", input: "Why is the sky blue?", tools: web(["reuters.com", ".gov", "https://en.wikipedia.org/wiki/Sky"]) });
    expect(allowed.status).toBe(200);
    const allowedHosts = hosts(allowed.json);
    expect(allowedHosts).toHaveLength(hosts(open.json).length);
    for (const host of allowedHosts) expect(host === "en.wikipedia.org" || host.endsWith("reuters.com") || host.endsWith(".gov"), host).toBe(true);
    expect(new Set(allowedHosts).size).toBeGreaterThan(1);

    const denied = await postJson("/v1/responses", { preset: "medium", input: "Why is the sky blue?", tools: web(["-reddit.com", "-wikipedia.org"]) });
    const deniedHosts = hosts(denied.json);
    expect(deniedHosts.some((h) => h.endsWith("reddit.com") || h.endsWith("wikipedia.org"))).toBe(false);
    expect(deniedHosts).toHaveLength(hosts(open.json).length - 2);
    // The text cites only what was found: the Wikipedia page was [web:1].
    expect(messageText(denied.json)).not.toContain("[web:1]");
    expect(messageText(denied.json)).toContain("[web:3]");
  });

  it("stops at max_output_tokens with an incomplete run, and requires a limit for anthropic models", async () => {
    const cut = await postJson("/v1/responses", { preset: "low", input: "Why is the sky blue?", max_output_tokens: 16 });
    expect(cut.json.status).toBe("incomplete");
    expect(cut.json.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(messageText(cut.json).length).toBe(64);
    const whole = await postJson("/v1/responses", { preset: "low", input: "Why is the sky blue?" });
    expect(whole.json.status).toBe("completed");
    const anthropic = await postJson("/v1/responses", { model: "anthropic/claude-sonnet-4-6", input: "Q" });
    expect(anthropic.status).toBe(400);
    // Captured live (cfdude agent_anthropic_no_max_output_tokens_400).
    expect(anthropic.json).toEqual({ error: { message: "validation failed: max_output_tokens is required when using Anthropic models", type: "invalid_request", code: 400 } });
  });

  it("knows only the models it lists, and one name for the preset when the scenario says so", async () => {
    const unknown = await postJson("/v1/responses", { model: "openai/gpt-typo", input: "Q" });
    expect(unknown.status).toBe(400);
    expect((unknown.json.error as Obj).type).toBe("invalid_model");
    expect((await postJson("/v1/responses", { effort: "fast@2026-10-16.0", input: "Q" })).status).toBe(200);
    emu.setScenario({ presetField: "effort" });
    const old = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(old.status).toBe(400);
    expect(old.json).toEqual({ error: { message: 'invalid request body: json: unknown field "preset"', type: "invalid_request", code: 400 } });
    expect((await postJson("/v1/responses", { effort: "fast", input: "Q" })).status).toBe(200);
    emu.setScenario({ presetField: "preset" });
    expect(((await postJson("/v1/responses", { effort: "fast", input: "Q" })).json.error as Obj).message).toBe('invalid request body: json: unknown field "effort"');
    expect((await postJson("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(200);
  });

  it("takes a conversation as a list of message items, and its default answer depends on the earlier turns", async () => {
    const input = [
      { type: "message", role: "user", content: "Who leads solar?" },
      { type: "message", role: "assistant", content: "China leads." },
      { type: "message", role: "user", content: "Since when?" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Since 2010." }] },
      { type: "message", role: "user", content: "And in Europe?" },
    ];
    const followUp = await postJson("/v1/responses", { preset: "fast", input });
    expect(followUp.status).toBe(200);
    expect(messageText(followUp.json)).toMatch(/^Following up on "Since when\?" \(2 earlier questions, 2 earlier answers\)\.\n\nYou asked: "And in Europe\?"/);
    // The same question alone gets an answer without the lead: the difference is the history.
    const alone = await postJson("/v1/responses", { preset: "fast", input: "And in Europe?" });
    expect(messageText(alone.json)).not.toContain("Following up");
    const noContent = await postJson("/v1/responses", { preset: "fast", input: [{ type: "message", role: "user" }] });
    expect(noContent.status).toBe(400);
    expect(noContent.json).toMatchObject({ error: { type: "invalid_request", code: 400 } });
    expect(noContent.json.error).not.toHaveProperty("param");
  });

  it("keeps a stored run readable with GET /v1/agent/{id} and /v1/responses/{id}; unknown, unstored and malformed ids are refused as live", async () => {
    const { json } = await postJson("/v1/responses", { preset: "fast", input: "Q", store: true });
    for (const prefix of ["/v1/agent/", "/v1/responses/"]) {
      const res = await fetch(`${emu.origin}${prefix}${String(json.id)}`, { headers: AUTH });
      const read = (await res.json()) as Json;
      expect(read.id).toBe(json.id);
      expect(read.status).toBe("completed");
      expect(read.store).toBe(true);
      expect(messageText(read)).toBe(messageText(json));
    }
    // Live, a plain run is not stored ("store": false) and GET answers 404 (agent_get_store_false_404.json),
    // as for an unknown well-formed id; a malformed id is 400 "invalid response id" (agent_get_malformed_400.json).
    const plain = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(plain.json.store).toBe(false);
    for (const id of [String(plain.json.id), "resp_00000000-0000-4000-8000-000000000000"]) {
      const missing = await fetch(`${emu.origin}/v1/agent/${id}`, { headers: AUTH });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: { message: "resource not found", type: "not_found", code: 404 } });
    }
    const malformed = await fetch(`${emu.origin}/v1/agent/not-a-run`, { headers: AUTH });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { message: "invalid response id", type: "invalid_request", code: 400 } });
  });
});

describe("openai SDK", () => {
  it("reads a JSON answer with responses.create", async () => {
    const response = await client().responses.create(asParams({ preset: "fast", input: "What is Obsidian?" }));
    expect(response.status).toBe("completed");
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toContain("What is Obsidian?");
    const recorded = emu.requests.at(-1);
    expect(recorded?.headers.authorization).toBe("Bearer test");
    expect(recorded?.json).toEqual({ preset: "fast", input: "What is Obsidian?" });
  });

  it("streams events in the live order with one terminal response.completed", async () => {
    const stream = await client().responses.create(asStreamParams({ preset: "fast", input: "What is Obsidian?" }));
    const events: Obj[] = [];
    for await (const event of stream) events.push(event as unknown as Obj);
    const types = events.map((e) => e.type as string);
    const collapsed = types.filter((t, i) => t !== types[i - 1]);
    expect(collapsed).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning.search_queries",
      "response.reasoning.search_results",
      "response.output_item.done",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect((events[2]?.item as Obj).name).toBe("search_web");
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta as string);
    const done = events.find((e) => e.type === "response.output_text.done");
    expect(deltas.join("")).toBe(done?.text);
    expect(deltas.some((d) => d.endsWith("["))).toBe(true); // a marker split across deltas
    const completed = events.at(-1)?.response as Json;
    expect(completed.status).toBe("completed");
    expect(messageText(completed)).toBe(done?.text);
    expect((completed.usage?.cost as Obj).total_cost).toBeGreaterThan(0);
    const sequence = events.map((e) => e.sequence_number as number);
    expect(sequence.every((n, i) => i === 0 || n > (sequence[i - 1] ?? -1))).toBe(true);
  });

  it("follows the captured stream's event sequence and field shapes", async () => {
    const res = await post("/v1/agent", { preset: "fast", input: "Find the official TypeScript website", stream: true });
    const ours = parseSse((await readAll(res)).text);
    const captured = capturedStreamEvents();
    const shape = (events: Obj[]) =>
      events.map((e) => `${String(e.type)}:${Object.keys(e).sort().join(",")}`).filter((t, i, all) => t !== all[i - 1]);
    expect(shape(ours)).toEqual(shape(captured));
    const keysOf = (e: Obj | undefined) => Object.keys((e?.response as Obj | undefined) ?? {}).sort();
    expect(keysOf(ours.at(-1))).toEqual(keysOf(captured.at(-1)));
  });

  it("throws AuthenticationError on the 401", async () => {
    emu.setScenario({ apiKey: "right-key" });
    await expect(client().responses.create(asParams({ preset: "fast", input: "Q" }))).rejects.toMatchObject({ status: 401 });
  });

  it("retries 429 with retry-after-ms: 3 x 429 (repeat) then success", async () => {
    emu.setScenario({
      steps: [{ kind: "http", status: 429, repeat: 3, headers: { "retry-after-ms": "5", "x-ratelimit-remaining-requests": "0" } }],
    });
    const response = await client({ maxRetries: 3 }).responses.create(asParams({ preset: "fast", input: "Q" }));
    expect(response.status).toBe("completed");
    expect(emu.requests.filter((r) => r.path === "/v1/responses")).toHaveLength(4);
  });
});

describe("SSE wire format", () => {
  it("sends only data: lines, no event: line and no [DONE]", async () => {
    const res = await post("/v1/responses", { preset: "low", input: "Q", stream: true });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const { text } = await readAll(res);
    const blocks = text.split("\n\n").filter((b) => b !== "");
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.every((b) => b.startsWith("data: {") && !b.includes("\n"))).toBe(true);
    expect(text).not.toContain("[DONE]");
    expect(text).not.toMatch(/^event:/m);
    expect(parseSse(text).filter((e) => /^response\.(completed|failed|incomplete|cancelled)$/.test(String(e.type)))).toHaveLength(1);
  });
});

describe("auth and retired endpoint", () => {
  it("answers a missing or empty key with the live 401 invalid_api_key, or the proxy's HTML page when asked", async () => {
    for (const headers of [{ "content-type": "application/json" }, { ...AUTH, authorization: "Bearer " }]) {
      const res = await post("/v1/responses", { preset: "fast", input: "Q" }, headers);
      expect(res.status).toBe(401);
      // Captured live: cfdude models_unauthenticated.json.
      expect(await res.json()).toEqual({ error: { message: "Invalid API key provided. Ensure your API key is correct and active.", type: "invalid_api_key", code: 401 } });
    }
    emu.setScenario({ unauthorized: "html" });
    const res = await post("/v1/responses", { preset: "fast", input: "Q" }, { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/^<html>[\s\S]*401 Authorization Required/);
  });

  it("with scenario.apiKey accepts only that key", async () => {
    emu.setScenario({ apiKey: "secret" });
    expect((await post("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(401);
    const ok = await post("/v1/responses", { preset: "fast", input: "Q" }, { ...AUTH, authorization: "Bearer secret" });
    expect(ok.status).toBe(200);
  });

  it("lists models only with the key, as live: the captured list, and 401 invalid_api_key without", async () => {
    const res = await fetch(`${emu.baseUrl}/models`, { headers: AUTH });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { data: { id: string }[] };
    expect(json.data).toHaveLength(52);
    expect(json.data.map((m) => m.id)).toEqual(expect.arrayContaining(["openai/gpt-6-luna", "perplexity/sonar", "anthropic/claude-sonnet-4-6"]));
    expect(emu.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/models" });
    const anonymous = await fetch(`${emu.baseUrl}/models`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as Json).error).toMatchObject({ type: "invalid_api_key", code: 401 });
  });

  it("answers chat/completions with the retirement 403", async () => {
    const res = await post("/v1/chat/completions", { model: "sonar", messages: [] });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"error":{"message":"Sonar is now the Agent API.","type":"chat_completions_not_available","code":403}}');
  });
});

describe("validation", () => {
  it.each(["search_mode", "web_search_options", "max_tokens", "return_images"])("rejects the retired field %s", async (field) => {
    const res = await post("/v1/responses", { preset: "fast", input: "Q", [field]: true });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`{"error":{"message":"invalid request body: json: unknown field \\"${field}\\"","type":"invalid_request","code":400}}`);
  });

  it("accepts every documented field", async () => {
    const { status } = await postJson("/v1/responses", {
      preset: "high",
      input: [{ type: "message", role: "user", content: "Q" }],
      instructions: "Be brief.",
      tools: [
        {
          type: "web_search",
          search_context_size: "high",
          max_tokens_per_page: 1024,
          user_location: { country: "US", city: "Boston" },
          filters: {
            search_domain_filter: ["iea.org", ".gov", "https://en.wikipedia.org/wiki/Chess"],
            search_after_date_filter: "01/31/2025",
            search_before_date_filter: "12/31/2025",
            last_updated_after_filter: "1/1/2025",
          },
        },
      ],
      max_output_tokens: 2048,
      stream: false,
      background: false,
      reasoning: { effort: "high" },
      language_preference: "en",
    });
    expect(status).toBe(200);
  });

  it.each<[string, Obj, string, RegExp]>([
    ["neither preset nor model", { input: "Q" }, "invalid_request", /preset or model/],
    ["an unknown preset", { preset: "sonar-pro", input: "Q" }, "invalid_parameter", /preset "sonar-pro"/],
    ["a retired model name", { model: "sonar-pro", input: "Q" }, "invalid_model", /"sonar-pro"/],
    ["no input", { preset: "fast" }, "invalid_request", /input/],
    ["an unknown filter", { preset: "fast", input: "Q", tools: [{ type: "web_search", filters: { search_mode: "web" } }] }, "invalid_request", /unknown field "search_mode"/],
    [
      "recency with a date filter",
      { preset: "fast", input: "Q", tools: [{ type: "web_search", filters: { search_recency_filter: "week", search_after_date_filter: "01/01/2025" } }] },
      "invalid_parameter",
      /search_recency_filter/,
    ],
    [
      "21 domains",
      { preset: "fast", input: "Q", tools: [{ type: "web_search", filters: { search_domain_filter: Array.from({ length: 21 }, (_, i) => `d${i}.com`) } }] },
      "invalid_search_domain_filter",
      /at most 20/,
    ],
    ["a bad date", { preset: "fast", input: "Q", tools: [{ type: "web_search", filters: { search_after_date_filter: "2025-01-01" } }] }, "invalid_date_format", /MM\/DD\/YYYY/],
  ])("rejects %s with 400, message, type and code (no param, as live)", async (_name, body, type, message) => {
    const { status, json } = await postJson("/v1/responses", body);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type, code: 400, message: expect.stringMatching(message) });
    expect(json.error).not.toHaveProperty("param");
  });

  it("rejects a body that is not JSON, and rejected requests consume no step", async () => {
    emu.setScenario({ steps: [{ answer: { text: "first step" } }] });
    const res = await post("/v1/responses", "{not json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toMatchObject({ type: "invalid_request" });
    expect((await post("/v1/responses", { preset: "fast", input: "Q", bogus: 1 })).status).toBe(400);
    expect((await post("/v1/responses", { preset: "fast", input: "Q" }, { "content-type": "application/json" })).status).toBe(401);
    const { json } = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(messageText(json)).toBe("first step");
  });
});

describe("scenario steps", () => {
  it("sends a scripted status with headers and the standard error envelope", async () => {
    emu.setScenario({
      steps: [
        {
          kind: "http",
          status: 429,
          headers: { "Retry-After": "7", "retry-after-ms": "7000", "X-RateLimit-Limit-Requests": "50", "X-RateLimit-Remaining-Requests": "0" },
        },
      ],
    });
    const res = await post("/v1/responses", { preset: "fast", input: "Q" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("retry-after-ms")).toBe("7000");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(((await res.json()) as Json).error).toMatchObject({ type: "request_rate_limit_exceeded", code: 429 });
    // Steps used up: back to the default answer.
    expect((await post("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(200);
  });

  it("sends HTML, custom JSON and raw bodies", async () => {
    emu.setScenario({
      steps: [
        { kind: "http", status: 502, html: "<html><body>Bad gateway</body></html>" },
        { kind: "http", status: 500, json: { error: { message: "boom", type: "internal_error", code: "internal_error" } } },
        { kind: "http", status: 503, body: "upstream unavailable" },
      ],
    });
    const html = await post("/v1/responses", { preset: "fast", input: "Q" });
    expect([html.status, html.headers.get("content-type"), await html.text()]).toEqual([502, "text/html; charset=utf-8", "<html><body>Bad gateway</body></html>"]);
    const json = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(json).toEqual({ status: 500, json: { error: { message: "boom", type: "internal_error", code: "internal_error" } } });
    const raw = await post("/v1/responses", { preset: "fast", input: "Q" });
    expect([raw.status, await raw.text()]).toEqual([503, "upstream unavailable"]);
  });

  it("repeat applies one step to N requests, and setScenario resets the counter", async () => {
    const scenario: Scenario = { steps: [{ kind: "http", status: 500, repeat: 2 }, { answer: { text: "after" } }] };
    emu.setScenario(scenario);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post("/v1/responses", { preset: "fast", input: "Q" })).status);
    expect(statuses).toEqual([500, 500, 200]);
    emu.setScenario(scenario);
    expect((await post("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(500);
  });

  it("returns canned answers: text, odd search results, model and cost", async () => {
    const searchResults: SearchResultsItem[] = [
      { queries: ["a"], results: [{ id: 1, title: "One", url: "https://one.example/", date: null }, { id: 2, title: "FTP", url: "ftp://files.example/x" }] },
      { queries: ["b"], results: [{ id: 1, title: "One again", url: "https://other.example/", last_updated: null }] },
    ];
    emu.setScenario({ steps: [{ answer: { text: "Claim.[1][2] Again.[1]", searchResults, model: "anthropic/claude-x", cost: 0.0421 } }] });
    const { json } = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(messageText(json)).toBe("Claim.[1][2] Again.[1]");
    expect(json.model).toBe("anthropic/claude-x");
    expect((json.usage?.cost as Obj).total_cost).toBe(0.0421);
    const items = json.output?.filter((item) => item.type === "search_results");
    expect(items?.map((item) => item.results)).toEqual(searchResults.map((item) => item.results));
    expect(items?.map((item) => item.queries)).toEqual([["a"], ["b"]]);
  });

  it("streams several search_results items before the text", async () => {
    const searchResults: SearchResultsItem[] = [{ results: [{ id: 1, url: "https://a.example/" }] }, { results: [{ id: 2, url: "https://b.example/" }] }];
    emu.setScenario({ steps: [{ answer: { text: "x[1][2]", searchResults } }] });
    const stream = await client().responses.create(asStreamParams({ preset: "fast", input: "Q" }));
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.filter((t) => t === "response.reasoning.search_results")).toHaveLength(2);
    expect(types.lastIndexOf("response.reasoning.search_results")).toBeLessThan(types.indexOf("response.output_text.delta"));
  });

  it("waits delayMs before answering", async () => {
    emu.setScenario({ steps: [{ delayMs: 150 }] });
    const start = Date.now();
    expect((await post("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
  });

  it("slows a stream down and splits the text into the chosen number of deltas", async () => {
    emu.setScenario({ steps: [{ answer: { text: "Alpha beta gamma.[1]" }, stream: { eventDelayMs: 20, deltas: 3 } }] });
    const start = Date.now();
    const events = parseSse((await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }))).text);
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta);
    expect(deltas).toHaveLength(3);
    expect(deltas.join("")).toBe("Alpha beta gamma.[1]");
    expect(Date.now() - start).toBeGreaterThanOrEqual(20 * (events.length - 1) - 5);
  });

  it("destroys the socket mid-stream after N events", async () => {
    emu.setScenario({ steps: [{ stream: { disconnectAfter: 5 } }] });
    const { text, broken } = await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }));
    expect(broken).toBe(true);
    expect(parseSse(text)).toHaveLength(5);
    emu.setScenario({ steps: [{ stream: { disconnectAfter: 3 } }] });
    const sdk = client().responses.create(asStreamParams({ preset: "fast", input: "Q" }));
    await expect(
      (async () => {
        for await (const event of await sdk) void event;
      })(),
    ).rejects.toThrow();
  });

  it("drops the connection without answering (disconnect step)", async () => {
    emu.setScenario({ steps: [{ kind: "disconnect" }] });
    await expect(post("/v1/responses", { preset: "fast", input: "Q" })).rejects.toThrow();
  });

  it("sends malformed JSON with HTTP 200", async () => {
    emu.setScenario({ steps: [{ kind: "malformed-json" }, { kind: "malformed-json", body: "{oops" }] });
    const res = await post("/v1/responses", { preset: "fast", input: "Q" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    await expect(client().responses.create(asParams({ preset: "fast", input: "Q" }))).rejects.toThrow();
  });

  it("interleaves malformed SSE events where asked", async () => {
    emu.setScenario({ steps: [{ stream: { inject: [{ after: 2, raw: "data: {broken\n\n" }, { after: 0, raw: ": keep-alive\n\n" }] } }] });
    const { text } = await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }));
    const blocks = text.split("\n\n");
    expect(blocks[0]).toBe(": keep-alive");
    expect(blocks[3]).toBe("data: {broken");
    expect(blocks[4]).toMatch(/^data: \{/);
    expect(text).toMatch(/"type":"response.completed"/);
  });

  it("keeps a stream without terminal open until the client goes", async () => {
    emu.setScenario({ steps: [{ stream: { noTerminal: true } }] });
    const controller = new AbortController();
    const res = await fetch(`${emu.baseUrl}/responses`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ preset: "fast", input: "Q", stream: true }),
      signal: controller.signal,
    });
    const { events, reader } = await readUntil(res, (e) => e.type === "response.output_item.done" && (e.item as Obj).type === "message");
    const next = reader.read();
    const winner = await Promise.race([next.then(() => "data"), new Promise((r) => setTimeout(() => r("silence"), 200))]);
    expect(winner).toBe("silence");
    expect(events.some((e) => String(e.type).startsWith("response.completed"))).toBe(false);
    controller.abort();
    await expect(next).rejects.toThrow();
  });

  it("close() ends open streams so tests never hang", async () => {
    emu.setScenario({ steps: [{ stream: { noTerminal: true } }, { kind: "hang" }] });
    const streaming = post("/v1/responses", { preset: "fast", input: "Q", stream: true }).then(readAll);
    const hanging = post("/v1/responses", { preset: "fast", input: "Q" }).then(
      () => "answered",
      () => "dropped",
    );
    await new Promise((r) => setTimeout(r, 100));
    await emu.close();
    expect((await streaming).broken).toBe(true);
    expect(await hanging).toBe("dropped");
    emu = await startEmulator(); // afterEach closes this one
  });
});

describe("run status in HTTP 200", () => {
  it("reports failed, cancelled and incomplete runs as JSON", async () => {
    emu.setScenario({
      steps: [
        { status: "failed", error: { message: "Model overloaded", type: "internal_error", code: "overloaded" } },
        { status: "cancelled" },
        { status: "incomplete" },
      ],
    });
    const failed = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ status: "failed", error: { message: "Model overloaded", code: "overloaded" }, output: [] });
    const cancelled = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(cancelled.json).toMatchObject({ status: "cancelled", error: { type: "cancelled" } });
    const incomplete = await postJson("/v1/responses", { preset: "fast", input: "Q" });
    expect(incomplete.json).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, error: null });
    expect(messageText(incomplete.json)).not.toBe("");
  });

  it("ends streams with response.failed / response.incomplete / response.cancelled", async () => {
    emu.setScenario({ steps: [{ status: "failed" }, { status: "incomplete" }, { status: "cancelled" }] });
    const expected = [
      ["response.failed", "failed"],
      ["response.incomplete", "incomplete"],
      ["response.cancelled", "cancelled"],
    ];
    for (const [type, status] of expected) {
      const events = parseSse((await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }))).text);
      const last = events.at(-1);
      expect(last?.type).toBe(type);
      if (status === "failed") {
        // The official SDK's ResponseFailedEvent: a top-level error and no response.
        expect(last?.error).toMatchObject({ message: expect.any(String) as string });
        expect(last).not.toHaveProperty("response");
      } else {
        expect((last?.response as Obj).status).toBe(status);
      }
    }
  });

  it("lets the SDK see response.incomplete; response.failed and a bare error event make it throw", async () => {
    emu.setScenario({ steps: [{ status: "incomplete" }, { status: "failed" }, { stream: { errorEvent: { error: { message: "lost upstream" } } } }] });
    const stream = await client().responses.create(asStreamParams({ preset: "fast", input: "Q" }));
    let last = "";
    for await (const event of stream) last = event.type;
    expect(last).toBe("response.incomplete");
    for (const message of [/failed/, /lost upstream/]) {
      const next = await client().responses.create(asStreamParams({ preset: "fast", input: "Q" }));
      await expect(
        (async () => {
          for await (const event of next) void event;
        })(),
      ).rejects.toThrow(message);
    }
  });

  it("sends a bare error event as the only terminal", async () => {
    emu.setScenario({ steps: [{ stream: { errorEvent: true } }] });
    const events = parseSse((await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }))).text);
    expect(events.at(-1)?.type).toBe("error");
    expect(events.filter((e) => String(e.type).startsWith("response.completed"))).toHaveLength(0);
  });
});

describe("cancel and background runs", () => {
  it("cancels a run mid-stream: the stream ends with response.cancelled and GET shows it", async () => {
    emu.setScenario({ steps: [{ stream: { eventDelayMs: 15 } }] });
    const res = await post("/v1/agent", { preset: "fast", input: "Q", stream: true, store: true });
    const { events, reader, decoder, rest } = await readUntil(res, (e) => e.type === "response.output_text.delta");
    const id = (events[0]?.response as Obj).id as string;
    const cancel = await post(`/v1/agent/${id}/cancel`, "");
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ response_id: id, status: "cancelling" });
    let tail = rest();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tail += decoder.decode(value, { stream: true });
    }
    const after = parseSse(tail);
    const terminal = after.at(-1);
    expect(terminal?.type).toBe("response.cancelled");
    expect(after.some((e) => e.type === "response.completed")).toBe(false);
    expect(emu.requests.some((r) => r.method === "POST" && r.path === `/v1/agent/${id}/cancel`)).toBe(true);
    const read = (await (await fetch(`${emu.baseUrl}/agent/${id}`, { headers: AUTH })).json()) as Json;
    expect(read.status).toBe("cancelled");
    // Once the run has ended, a cancel is a 400 (official SDK), not a success.
    const again = await post(`/v1/agent/${id}/cancel`, "");
    expect(again.status).toBe(400);
    expect(((await again.json()) as Json).error).toMatchObject({ type: "invalid_request", code: 400 });
  });

  it("cancels through /v1/responses/{id}/cancel too; an unknown run gets the same 400 as an ended one, as live", async () => {
    const unknown = await post("/v1/responses/resp_00000000-0000-4000-8000-000000000000/cancel", "");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: { message: "the run is already terminal and cannot be cancelled", type: "invalid_request", code: 400 } });
    const { json } = await postJson("/v1/responses", { preset: "fast", input: "Q", background: true });
    expect(json.status).toBe("queued");
    const cancel = await post(`/v1/responses/${String(json.id)}/cancel`, "");
    expect(((await cancel.json()) as Json).status).toBe("cancelling");
    const read = (await (await fetch(`${emu.baseUrl}/responses/${String(json.id)}`, { headers: AUTH })).json()) as Json;
    expect(read.status).toBe("cancelled");
  });

  const poll = async (id: unknown) => (await (await fetch(`${emu.baseUrl}/agent/${String(id)}`, { headers: AUTH })).json()) as Json;

  it("starts a background run queued and stored, then GETs see it queued, in progress with its sources, completed", async () => {
    emu.setScenario({ steps: [{ backgroundPolls: 2 }] });
    const { json } = await postJson("/v1/agent", { preset: "high", input: "Deep question", background: true });
    // As captured live (agent_background_submit.json): queued, stored, no output, no usage, the preset as model.
    expect(json).toMatchObject({ status: "queued", output: [], background: true, store: true, usage: null, model: "high", completed_at: null, tools: [] });
    expect(await poll(json.id)).toMatchObject({ status: "queued", output: [] });
    const running = await poll(json.id);
    // In progress: the search results so far and no message yet (agent_background_in_progress.json).
    expect(running).toMatchObject({ status: "in_progress", usage: null });
    expect(running.output?.map((item) => item.type)).toEqual(["search_results"]);
    const done = await poll(json.id);
    expect(done).toMatchObject({ status: "completed", model: "openai/gpt-6-luna" });
    expect(messageText(done)).toContain("Deep question");
    expect((done.usage?.cost as Obj).total_cost).toBeGreaterThan(0);
    expect((await poll(json.id)).status).toBe("completed");
  });

  it("finishes a background run after `backgroundMs` on its clock, and forgets runs older than `runRetentionMs`", async () => {
    await emu.close();
    let now = 1_000_000;
    emu = await startEmulator({ clock: { now: () => now }, scenario: { runRetentionMs: 60_000, steps: [{ backgroundMs: 10_000 }] } });
    const { json } = await postJson("/v1/agent", { preset: "xhigh", input: "Slow question", background: true });
    expect((await poll(json.id)).status).toBe("queued");
    now += 5_000;
    expect((await poll(json.id)).status).toBe("in_progress");
    now += 5_000;
    expect((await poll(json.id)).status).toBe("completed");
    now += 60_001;
    const gone = await fetch(`${emu.baseUrl}/agent/${String(json.id)}`, { headers: AUTH });
    expect(gone.status).toBe(404);
  });

  it("cancels a background run in progress with the captured shape: cost never arrives", async () => {
    emu.setScenario({ steps: [{ backgroundPolls: 5 }] });
    const { json } = await postJson("/v1/agent", { preset: "medium", input: "Q", background: true });
    await poll(json.id);
    await poll(json.id);
    expect((await post(`/v1/agent/${String(json.id)}/cancel`, "")).status).toBe(200);
    const cancelled = await poll(json.id);
    // agent_background_cancelled.json: error and incomplete_details say "cancelled", usage is null, sources kept.
    expect(cancelled).toMatchObject({ status: "cancelled", error: { code: "cancelled", message: "cancelled", type: "cancelled" }, incomplete_details: { reason: "cancelled" }, usage: null, completed_at: null });
    expect(cancelled.output?.map((item) => item.type)).toEqual(["search_results"]);
    expect((await post(`/v1/agent/${String(json.id)}/cancel`, "")).status).toBe(400);
  });

  it("drops the connection of the first `backgroundDroppedPolls` GETs (a phone losing the network); the run goes on", async () => {
    emu.setScenario({ steps: [{ backgroundDroppedPolls: 1 }] });
    const { json } = await postJson("/v1/agent", { preset: "high", input: "Q", background: true });
    await expect(fetch(`${emu.baseUrl}/agent/${String(json.id)}`, { headers: AUTH })).rejects.toThrow();
    expect((await poll(json.id)).status).toBe("completed");
  });

  it("starts a background run before a slow reply (`backgroundReplyMs`); a client that leaves meanwhile leaves it going, unnamed", async () => {
    emu.setScenario({ steps: [{ backgroundReplyMs: 5_000 }] });
    const before = emu.startedRuns().length;
    const controller = new AbortController();
    const leaving = fetch(`${emu.baseUrl}/agent`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ preset: "high", input: "Q", background: true }), signal: controller.signal });
    await expect.poll(() => emu.startedRuns().length, { timeout: 2000 }).toBe(before + 1);
    controller.abort();
    await expect(leaving).rejects.toThrow();
    const [run] = emu.startedRuns().slice(before);
    expect(run).toMatchObject({ background: true, cancelled: false });
    expect((await poll(run!.id)).status).toBe("completed");
  });

  it("keeps background runs in `runsFile` for the next emulator process, as Perplexity keeps them while the app is closed", async () => {
    const file = `${tmpdir()}/emulator-runs-${process.pid}-${Date.now()}.json`;
    await emu.close();
    emu = await startEmulator({ runsFile: file, scenario: { steps: [{ backgroundPolls: 1 }] } });
    const { json } = await postJson("/v1/agent", { preset: "high", input: "Kept question", background: true });
    await emu.close();
    emu = await startEmulator({ runsFile: file });
    expect((await poll(json.id)).status).toBe("queued");
    const done = await poll(json.id);
    expect(messageText(done)).toContain("Kept question");
    rmSync(file, { force: true });
  });

  it("a background run started with store false cannot be read back (404), as live", async () => {
    const { json } = await postJson("/v1/agent", { preset: "high", input: "Q", background: true, store: false });
    expect(json).toMatchObject({ status: "queued", store: false });
    expect((await fetch(`${emu.baseUrl}/agent/${String(json.id)}`, { headers: AUTH })).status).toBe(404);
  });
});

describe("makeAnswer", () => {
  it.each([
    [10_000, 30],
    [50_000, 50],
  ])("makes a %i-byte answer with %i sources whose markers all resolve", (bytes, sources) => {
    const answer = makeAnswer({ textBytes: bytes, sources });
    const text = answer.text ?? "";
    expect(Buffer.byteLength(text)).toBe(bytes);
    const ids = new Set(answer.searchResults?.flatMap((item) => item.results.map((r) => r.id)));
    expect(ids.size).toBe(sources);
    const cited = markerIds(text);
    expect(cited.every((id) => ids.has(id))).toBe(true);
    expect(new Set(cited).size).toBeGreaterThan(sources / 2);
    expect(new Set(cited).size).toBeLessThan(sources); // some sources stay uncited
    expect(text).toMatch(/\]\[/); // runs like [1][3]
    expect(text.split("\n\n").length).toBeGreaterThan(1);
  });

  it("uses [web:n] when asked and honours paragraphs", () => {
    const answer = makeAnswer({ paragraphs: 2, sources: 4, marker: "web" });
    expect(answer.text).toMatch(/\[web:\d+\]/);
    expect(answer.text?.split("\n\n")).toHaveLength(2);
  });

  it("streams 50 KB in 5,000 deltas", async () => {
    const answer = makeAnswer({ textBytes: 50_000, sources: 50 });
    emu.setScenario({ steps: [{ answer, stream: { deltas: 5000 } }] });
    const events = parseSse((await readAll(await post("/v1/responses", { preset: "fast", input: "Q", stream: true }))).text);
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta as string);
    expect(deltas).toHaveLength(5000);
    expect(deltas.join("")).toBe(answer.text);
    expect(events.at(-1)?.type).toBe("response.completed");
  });
});

describe("scenario rateLimit (sliding 60 s window, injected clock)", () => {
  it("answers 429 without Retry-After, with X-RateLimit-* and the real envelope past perMinute, and accepts again once the window moves", async () => {
    let now = 1_000_000;
    const limited = await startEmulator({
      clock: { now: () => now },
      scenario: { rateLimit: { perMinute: 3 }, steps: [{ answer: { text: "one" } }, { answer: { text: "two" } }, { answer: { text: "three" } }, { answer: { text: "four" } }] },
    });
    try {
      const ask = () => fetch(`${limited.baseUrl}/responses`, { method: "POST", headers: AUTH, body: JSON.stringify({ preset: "fast", input: "Q" }) });
      const text = async (res: Response) => ((await res.json()) as { output: { content?: { text: string }[] }[] }).output.flatMap((o) => o.content ?? []).map((c) => c.text).join("");
      const first = await ask();
      expect([first.headers.get("x-ratelimit-remaining"), first.headers.get("x-ratelimit-used")]).toEqual(["2", "1"]);
      expect(await text(first)).toBe("one");
      now += 20_000;
      expect((await ask()).status).toBe(200);
      now += 20_000;
      expect((await ask()).status).toBe(200);
      now += 5_000; // 45 s after the first: three accepted within the window
      const res = await ask();
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBeNull();
      // The live names (cfdude agent_response_headers.json): the reset in epoch seconds, when a request is accepted again.
      expect(res.headers.get("x-ratelimit-limit")).toBe("3");
      expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(res.headers.get("x-ratelimit-used")).toBe("3");
      expect(res.headers.get("x-ratelimit-reset")).toBe(String((1_000_000 + 60_000) / 1000));
      expect(res.headers.get("date")).toBe(new Date(now).toUTCString());
      expect(res.headers.get("x-ratelimit-reset-requests")).toBeNull();
      expect(((await res.json()) as Json).error).toMatchObject({ type: "request_rate_limit_exceeded", code: 429 });
      now += 14_999;
      expect((await ask()).status).toBe(429); // a 429 does not count, but the window has not moved yet
      now += 1; // exactly 60 s after the first: it has left the window
      expect(await text(await ask())).toBe("four"); // 429s consumed no step
      expect(limited.requests).toHaveLength(6);
    } finally {
      await limited.close();
    }
  });

  it("limits only answer requests, and setScenario starts a new window", async () => {
    emu.setScenario({ rateLimit: { perMinute: 1 } });
    expect((await postJson("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(200);
    expect((await post("/v1/agent", { preset: "fast", input: "Q" })).status).toBe(429);
    expect((await fetch(`${emu.baseUrl}/models`, { headers: AUTH })).status).toBe(200);
    emu.setScenario({ rateLimit: { perMinute: 1 } });
    expect((await postJson("/v1/responses", { preset: "fast", input: "Q" })).status).toBe(200);
  });

  it("the openai SDK reads the 429 as a rate limit", async () => {
    emu.setScenario({ rateLimit: { perMinute: 1 } });
    await client().responses.create(asParams({ preset: "fast", input: "Q" }));
    await expect(client().responses.create(asParams({ preset: "fast", input: "Q" }))).rejects.toMatchObject({ status: 429 });
  });

  it("parseScenario rejects a rateLimit without a positive perMinute", () => {
    expect(() => parseScenario({ rateLimit: { perMinute: 0 } })).toThrow(/perMinute/);
    expect(() => parseScenario({ rateLimit: {} })).toThrow(/perMinute/);
    expect(parseScenario({ rateLimit: { perMinute: 50 } }).rateLimit).toEqual({ perMinute: 50 });
  });
});

describe("parseScenario", () => {
  it("accepts the example file and rejects unknown kinds or an http step without status", () => {
    const example = parseScenario(JSON.parse(readFileSync(new URL("./scenarios/example.json", import.meta.url), "utf8")) as unknown);
    expect(example.steps).toHaveLength(3);
    expect(() => parseScenario({ steps: [{ kind: "teapot" }] })).toThrow(/unknown kind/);
    expect(() => parseScenario({ steps: [{ kind: "http" }] })).toThrow(/status/);
    expect(() => parseScenario([])).toThrow(/object/);
  });
});

describe("CLI", () => {
  it("prints one ready line, logs requests without the key, and exits cleanly on SIGTERM", async () => {
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const scenario = fileURLToPath(new URL("./scenarios/example.json", import.meta.url));
    const child = spawn(tsx, [cli, "--port", "0", "--scenario", scenario], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^Perplexity emulator listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\n/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", () => reject(new Error(`exited early: ${stderr}`)));
    });
    const ask = (key: string) =>
      fetch(`${baseUrl}/responses`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ preset: "fast", input: "Q" }) });
    expect((await ask("sk-very-secret")).status).toBe(401); // the scenario's apiKey
    const limited = await ask("pplx-emulator");
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "1"]);
    await new Promise((r) => setTimeout(r, 100));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/POST \/v1\/responses -> 429/);
    expect(stderr).not.toContain("sk-very-secret");
    expect(stderr).not.toContain("pplx-emulator");
  });
});
