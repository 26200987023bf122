// The emulator and the client held to the official SDK's types (contract.ts): every response and stream
// event the emulator produces is a valid ResponsesResponseOutput / ResponseStreamEventOutput, and every
// request the client builds is a valid ResponsesRequestInput.
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPerplexityClient, forgetServerDialects } from "../../src/perplexity/client";
import { toWireRequest } from "../../src/perplexity/request";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../../src/core/ask-request";
import type { AskRequest } from "../../src/core/ask-request";
import { captureEvents, captureJson, captureRequest, captures } from "./captures";
import { checkRequest, checkResponse, checkStreamEvent, DEVIATIONS, problemsOf } from "./contract";
import { capturedResponse, makeAnswer } from "./fixtures";
import { startEmulator } from "./server";
import type { Emulator, Scenario } from "./server";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.setScenario({});
  forgetServerDialects();
});

const AUTH = { authorization: "Bearer test-key", "content-type": "application/json" };

async function post(body: Record<string, unknown>): Promise<{ json?: unknown; events?: unknown[] }> {
  const res = await fetch(`${emu.baseUrl}/responses`, { method: "POST", headers: AUTH, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const text = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("event-stream")) return { json: JSON.parse(text) as unknown };
  return { events: text.split("\n\n").filter((chunk) => chunk.startsWith("data: ")).map((chunk) => JSON.parse(chunk.slice(6)) as unknown) };
}

function conforms(value: { json?: unknown; events?: unknown[] }): void {
  if (value.json !== undefined) expect(problemsOf(checkResponse, value.json)).toEqual([]);
  for (const event of value.events ?? []) expect(problemsOf(checkStreamEvent, event), JSON.stringify(event).slice(0, 200)).toEqual([]);
}

describe("the checker", () => {
  const answers = captures().filter((c) => c.kind === "answer");
  it.each(answers.map((c) => [c.id, c] as const))("accepts the live answer %s", (_id, entry) => {
    expect(problemsOf(checkResponse, captureJson(entry))).toEqual([]);
  });

  it("accepts every event of the live stream", () => {
    const streams = captures().filter((c) => c.kind === "stream");
    expect(streams.length).toBeGreaterThan(0);
    for (const entry of streams) for (const event of captureEvents(entry)) expect(problemsOf(checkStreamEvent, JSON.parse(event) as unknown), event.slice(0, 120)).toEqual([]);
  });

  it("accepts every captured request that Perplexity accepted, and names what it refused", () => {
    const requests = captures().flatMap((c) => {
      const request = captureRequest(c);
      return request && c.route === "POST /v1/agent" ? [{ id: c.id, request, accepted: c.kind !== "error" }] : [];
    });
    expect(requests.length).toBeGreaterThan(8);
    for (const { id, request, accepted } of requests.filter((r) => r.accepted)) expect(problemsOf(checkRequest, request), id).toEqual([]);
    // Of the refused ones, the SDK's types already rule out the unknown recency; the others fail on values they leave open.
    const recency = requests.find((r) => r.id === "cfdude/agent_bad_recency_400");
    expect(problemsOf(checkRequest, recency?.request)).toEqual(['$.tools[0].filters.search_recency_filter: "decade" is not one of hour, day, week, month, year']);
  });

  it("needs each deviation: without it a capture would be rejected", () => {
    const turnB = captureJson(captures().find((c) => c.id === "cfdude/agent_chat_turn_b")!) as { output: Record<string, unknown>[] };
    expect(turnB.output[0]?.queries).toBeNull();
    const incomplete = captureJson(captures().find((c) => c.id === "cfdude/agent_incomplete_truncated")!) as { status: string };
    expect(incomplete.status).toBe(DEVIATIONS.incompleteStatus);
    const argus = captureJson(captures().find((c) => c.id === "argus/equity_steps2")!) as { output: { type: string }[] };
    expect(argus.output.map((o) => o.type)).toContain(DEVIATIONS.extraOutputItems[0]);
    const denyAfter = captureRequest(captures().find((c) => c.id === "cfdude/agent_fast_deny_after")!) as { tools: Record<string, unknown>[] };
    expect(Object.keys(denyAfter.tools[0]!)).toContain(DEVIATIONS.extraWebSearchToolFields[0]);
  });

  it("rejects what the SDK's types rule out", () => {
    const good = capturedResponse();
    expect(problemsOf(checkResponse, { ...good, status: "done" })).toEqual([expect.stringContaining("$.status")]);
    expect(problemsOf(checkResponse, { ...good, created_at: undefined })).toEqual(["$.created_at: required"]);
    expect(problemsOf(checkStreamEvent, { type: "response.failed", sequence_number: 3, response: good })).toEqual(["$.error: required"]);
    expect(problemsOf(checkStreamEvent, { type: "response.output_text.delta", delta: "x", item_id: "m", output_index: 0, content_index: 0 })).toEqual([
      "$.sequence_number: required",
    ]);
    expect(problemsOf(checkRequest, { preset: "fast", input: "q", search_mode: "web" })).toEqual(["$.search_mode: not a ResponsesRequestInput field"]);
    expect(problemsOf(checkRequest, { preset: "fast" })).toEqual(["$.input: required"]);
    expect(problemsOf(checkRequest, { model: "m", input: "q", tools: [{ type: "web_search", filters: { search_recency_filter: "decade" } }] })).toHaveLength(1);
  });
});

describe("every emulator response and stream event is valid", () => {
  const bodies: [string, Record<string, unknown>, Scenario?][] = [
    ["a preset", { preset: "fast", input: "Why is the sky blue?" }],
    ["another preset, by its new name", { effort: "high", input: "Why is the sky blue?" }],
    ["a model with the search tool", { model: "openai/gpt-6-luna", input: "Q", tools: [{ type: "web_search" }], instructions: "Cite with [1]." }],
    ["a preset that reads a page", { preset: "low", input: "Why is the sky blue?" }],
    ["a conversation", { preset: "fast", input: [{ type: "message", role: "user", content: 'From a note titled "Optics".' }, { type: "message", role: "user", content: "Why is the sky blue?" }] }],
    ["a model that does not search", { model: "perplexity/sonar", input: "Q" }],
    ["a truncated run", { preset: "low", input: "Why is the sky blue?", max_output_tokens: 10 }],
    ["a failed run", { preset: "fast", input: "Q" }, { steps: [{ status: "failed" }] }],
    ["a cancelled run", { preset: "fast", input: "Q" }, { steps: [{ status: "cancelled" }] }],
    ["an incomplete run", { preset: "fast", input: "Q" }, { steps: [{ status: "incomplete" }] }],
    ["a long answer", { preset: "fast", input: "Q" }, { steps: [{ answer: makeAnswer({ textBytes: 20_000, sources: 30 }) }] }],
  ];

  it.each(bodies)("%s, as JSON and as a stream", async (_name, body, scenario) => {
    for (const stream of [false, true]) {
      emu.setScenario(scenario ?? {});
      conforms(await post({ ...body, stream }));
    }
  });

  it("a background run queued, in progress, completed and cancelled, and a stream cancelled midway", async () => {
    const read = async (id: unknown) => ({ json: await (await fetch(`${emu.baseUrl}/agent/${String(id)}`, { headers: AUTH })).json() });
    emu.setScenario({ steps: [{ backgroundPolls: 2 }, { backgroundPolls: 3 }] });
    const started = await post({ preset: "high", input: "Q", background: true });
    conforms(started);
    const runId = (started.json as { id: string }).id;
    for (const status of ["queued", "in_progress", "completed"]) {
      const snapshot = await read(runId);
      expect(snapshot.json).toMatchObject({ status });
      conforms(snapshot);
    }
    const other = (await post({ preset: "medium", input: "Q", background: true })).json as { id: string };
    await read(other.id);
    await read(other.id);
    await fetch(`${emu.baseUrl}/agent/${other.id}/cancel`, { method: "POST", headers: AUTH });
    const cancelled = await read(other.id);
    expect(cancelled.json).toMatchObject({ status: "cancelled" });
    conforms(cancelled);
    emu.setScenario({ steps: [{ stream: { eventDelayMs: 10 } }] });
    const res = await fetch(`${emu.baseUrl}/agent`, { method: "POST", headers: AUTH, body: JSON.stringify({ preset: "fast", input: "Q", stream: true, store: true }) });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = (JSON.parse(first.split("\n")[0]!.slice(6)) as { response: { id: string } }).response.id;
    await fetch(`${emu.baseUrl}/agent/${id}/cancel`, { method: "POST", headers: AUTH });
    let text = first;
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    const events = text.split("\n\n").filter((c) => c.startsWith("data: ")).map((c) => JSON.parse(c.slice(6)) as { type: string });
    expect(events.at(-1)?.type).toBe("response.cancelled");
    conforms({ events });
    conforms({ json: await (await fetch(`${emu.baseUrl}/agent/${id}`, { headers: AUTH })).json() });
  });
});

describe("every request the client builds is valid", () => {
  const requests: [string, AskRequest][] = [
    ["a preset with note context", { question: "Who leads?", choice: { preset: "fast" }, context: 'From a note titled "Solar".' }],
    ["a model with the user's own prompt", { question: "Q", choice: { model: "openai/gpt-6-luna" }, systemPrompt: "Be brief.", language: "de" }],
    ["an anthropic model without a limit", { question: "Q", choice: { model: "anthropic/claude-sonnet-4-6" } }],
    ["every search option", { question: "Q", choice: { preset: "medium" }, search: { allowDomains: [".gov", "https://en.wikipedia.org/wiki/Chess"], recency: "week", contextSize: "low" }, maxOutputTokens: 500 }],
  ];

  it.each(requests)("%s, buffered and streamed, with preset or effort", async (_name, request) => {
    const client = createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => "test-key", fetch: globalThis.fetch.bind(globalThis), timeoutMs: 5000 });
    const before = emu.requests.length;
    for (const presetField of [undefined, "effort"] as const) {
      emu.setScenario(presetField ? { presetField } : {});
      await client.ask(request);
      await client.ask(request, { stream: true });
    }
    const sent = emu.requests.slice(before).filter((r) => r.method === "POST");
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const r of sent) expect(problemsOf(checkRequest, r.json)).toEqual([]);
  });

  it("for any combination of options", () => {
    const ask = fc.record(
      {
        question: fc.string({ minLength: 1 }).filter((q) => q.trim() !== ""),
        choice: fc.oneof(fc.constantFrom(...PRESETS).map((preset) => ({ preset })), fc.constantFrom("openai/gpt-6-luna", "anthropic/claude-sonnet-4-6").map((model) => ({ model }))),
        context: fc.string({ maxLength: 300 }),
        systemPrompt: fc.string({ maxLength: 300 }),
        language: fc.constantFrom("", "en", "fr"),
        maxOutputTokens: fc.integer({ min: 1, max: 100_000 }),
        search: fc.record(
          { allowDomains: fc.array(fc.domain(), { maxLength: 20 }), recency: fc.constantFrom(...RECENCY_FILTERS), contextSize: fc.constantFrom(...SEARCH_CONTEXT_SIZES) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ["question", "choice"] },
    );
    fc.assert(
      fc.property(ask, fc.boolean(), fc.constantFrom("preset" as const, "effort" as const), (req, stream, presetField) => {
        expect(problemsOf(checkRequest, toWireRequest(req, { stream, presetField }))).toEqual([]);
      }),
    );
  });
});
