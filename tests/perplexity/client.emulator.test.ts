// The client against the Perplexity emulator (a real HTTP server), over both transports:
// Obsidian's requestUrl (reimplemented on node:http) and plain fetch.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPerplexityClient, CONNECTION_TEST_REQUEST } from "../../src/perplexity/client";
import type { PerplexityClientOptions } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import type { ErrorKind } from "../../src/perplexity/errors";
import { toWireRequest } from "../../src/perplexity/request";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { AskRequest } from "../../src/core/ask-request";
import type { Answer, StreamProgress } from "../../src/core/answer";
import { startEmulator } from "../emulator/server";
import type { Emulator, Scenario } from "../emulator/server";
import { nodeRequestUrl } from "../support/node-request-url";

const KEY = "pplx-test-0123456789abcdefSECRET";

const QUESTION: AskRequest = {
  question: "What is the official TypeScript website?",
  context: "Note: Languages > TypeScript",
  choice: { preset: "fast" },
  maxOutputTokens: 512,
  search: { allowDomains: ["typescriptlang.org", ".gov"], recency: "year" },
};

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(async () => {
  await emu.close();
});

/** Requests the emulator recorded since the test started. */
let firstRequest = 0;
let firstRun = 0;
beforeEach(() => {
  emu.setScenario({ apiKey: KEY });
  firstRequest = emu.requests.length;
  firstRun = emu.startedRuns().length;
});
const recorded = (): Emulator["requests"] => emu.requests.slice(firstRequest);
/** The runs the emulator started in this test, also those whose id never reached the client. */
const startedRuns = () => emu.startedRuns().slice(firstRun);

/** The paths requested in this test, once a cancel sent in the background has arrived (or 2 s passed). */
async function requestPaths(): Promise<string[]> {
  const deadline = Date.now() + 2000;
  while (!recorded().some((r) => r.path.endsWith("/cancel")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return recorded().map((r) => r.path);
}

function useScenario(scenario: Scenario): void {
  emu.setScenario({ apiKey: KEY, ...scenario });
}

async function freePortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** The error `promise` rejects with, checked for kind and for the key never leaking. */
async function failure(promise: Promise<unknown>, kind: ErrorKind): Promise<PerplexityError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${kind} error`).toBeInstanceOf(PerplexityError);
  const error = caught as PerplexityError;
  expect({ kind: error.kind, message: error.message }).toMatchObject({ kind });
  for (const text of [error.message, error.detail ?? "", JSON.stringify(error)]) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain("SECRET");
  }
  expect(error.message).not.toMatch(/<html|\n\s+at /i);
  return error;
}

const withoutId = (answer: Answer): Omit<Answer, "responseId"> => {
  const { responseId, ...rest } = answer;
  expect(responseId).toMatch(/^resp_/);
  return rest;
};

const transports = [
  { name: "requestUrl", fetch: createRequestUrlFetch(nodeRequestUrl) },
  { name: "fetch", fetch: globalThis.fetch.bind(globalThis) },
] as const;

describe.each(transports)("client over $name", ({ name, fetch }) => {
  const client = (overrides: Partial<PerplexityClientOptions> = {}) =>
    createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch, timeoutMs: 3000, maxRetries: 1, ...overrides });

  it("asks and records exactly the body and the Authorization header", async () => {
    const answer = await client().ask(QUESTION);
    expect(answer.status).toBe("completed");
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.searchResults.length).toBeGreaterThan(0);
    expect(answer.model).toBe("openai/gpt-6-luna");
    expect(answer.usage.totalCost).toBeGreaterThan(0);

    const [request, ...more] = recorded();
    expect(more).toHaveLength(0);
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v1/responses");
    expect(request?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(request?.json).toEqual(toWireRequest(QUESTION, { stream: false }));
    expect(request?.json).toEqual({
      preset: "fast",
      input: [
        { type: "message", role: "user", content: "Note: Languages > TypeScript" },
        { type: "message", role: "user", content: "What is the official TypeScript website?" },
      ],
      tools: [{ type: "web_search", filters: { search_domain_filter: ["typescriptlang.org", ".gov"], search_recency_filter: "year" } }],
      max_output_tokens: 512,
      stream: false,
    });
    expect(Object.keys(request?.headers ?? {}).filter((h) => h.startsWith("x-stainless-"))).toEqual([]);
    expect(request?.body).not.toContain(KEY);
  });

  it("a preset that reads pages (low): the fetched page is a source numbered as cited ([web:0]), streamed or not", async () => {
    const low: AskRequest = { question: "Why is the sky blue?", choice: { preset: "low" } };
    const buffered = await client().ask(low);
    const streamed = await client().ask(low, { stream: true });
    expect(withoutId(streamed)).toEqual(withoutId(buffered));
    expect(buffered.text).toContain("[web:0]");
    const page = buffered.searchResults.find((r) => r.id === 0);
    expect(page).toMatchObject({ source: "fetch_url", url: buffered.searchResults[0]?.url });
    expect(page?.snippet).toContain("The page read in full");
  });

  it("streamed and buffered asks give the same Answer; streaming reports progress", async () => {
    const buffered = await client().ask(QUESTION);
    const progress: StreamProgress[] = [];
    const streamed = await client().ask(QUESTION, { stream: true, onProgress: (p) => progress.push(p) });
    expect(withoutId(streamed)).toEqual(withoutId(buffered));
    expect(recorded()[1]?.json).toEqual(toWireRequest(QUESTION, { stream: true }));
    expect(progress[0]).toEqual({ type: "created", responseId: streamed.responseId });
    const kinds = new Set(progress.map((p) => p.type));
    expect([...kinds].sort()).toEqual(["created", "searching", "sources", "text"]);
  });

  it("a model request sends the web_search tool and asks for citations, in one request (no tool_choice to be refused)", async () => {
    const answer = await client().ask({ question: "q?", choice: { model: "perplexity/sonar" } });
    expect(recorded()).toHaveLength(1);
    expect(recorded()[0]?.json).toEqual({
      model: "perplexity/sonar",
      input: "q?",
      instructions: expect.stringMatching(/square brackets/),
      tools: [{ type: "web_search" }],
      stream: false,
    });
    expect(answer.searchResults.length).toBeGreaterThan(0);
    expect(answer.text).toMatch(/\[web:\d+\]/);
    expect(answer.text).not.toContain("Let me compile");
  });

  it.each<[string | null | undefined]>([[""], [null], [undefined], ["   "]])("missing key (%j) sends no request", async (key) => {
    const error = await failure(client({ getApiKey: () => key }).ask(QUESTION), "missing-key");
    expect(error.message).toBe("No Perplexity API key is set. Add your key in Settings → Perplexity Query.");
    expect(recorded()).toHaveLength(0);
  });

  it("reads the key at request time (async getter)", async () => {
    let current = "pplx-old";
    const c = client({ getApiKey: () => Promise.resolve(current) });
    await failure(c.ask(QUESTION), "key-rejected");
    current = KEY;
    await expect(c.ask(QUESTION)).resolves.toMatchObject({ status: "completed" });
    expect(recorded().map((r) => r.headers["authorization"])).toEqual(["Bearer pplx-old", `Bearer ${KEY}`]);
  });

  it("bad input fails before any request", async () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => `d${i}.com`);
    const error = await failure(client().ask({ ...QUESTION, search: { allowDomains: tooMany } }), "invalid-request");
    expect(error.param).toBe("search_domain_filter");
    expect(recorded()).toHaveLength(0);
  });

  it("401 with an HTML page → key-rejected, not retried", async () => {
    const error = await failure(client({ getApiKey: () => "pplx-wrong-key" }).ask(QUESTION), "key-rejected");
    expect(error.status).toBe(401);
    expect(error.message).toBe("Perplexity rejected the API key. Check the key in Settings → Perplexity Query.");
    expect(error.message).not.toContain("pplx-wrong-key");
    expect(recorded()).toHaveLength(1);
  });

  it("403 forbidden → forbidden, not retried", async () => {
    useScenario({ steps: [{ kind: "http", status: 403 }] });
    const error = await failure(client().ask(QUESTION), "forbidden");
    expect(error.message).toContain("HTTP 403");
    expect(recorded()).toHaveLength(1);
  });

  it("403 chat_completions_not_available → retired-endpoint", async () => {
    useScenario({
      steps: [
        {
          kind: "http",
          status: 403,
          json: { error: { message: "Sonar is now the Agent API. Use /v1/responses instead of /chat/completions.", type: "chat_completions_not_available", code: 403 } },
        },
      ],
    });
    const error = await failure(client().ask(QUESTION), "retired-endpoint");
    expect(error.message).toContain("retired");
    expect(error.message).not.toMatch(/rejected the API key/);
    expect(recorded()).toHaveLength(1);
  });

  it("429 with Retry-After is retried by the SDK, then succeeds", async () => {
    useScenario({ steps: [{ kind: "http", status: 429, headers: { "retry-after": "0.05" } }] });
    const started = Date.now();
    await expect(client().ask(QUESTION)).resolves.toMatchObject({ status: "completed" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(recorded()).toHaveLength(2);
    expect(recorded()[1]?.json).toEqual(recorded()[0]?.json);
  });

  it("429 that persists → rate-limited with the retry-after", async () => {
    useScenario({ steps: [{ kind: "http", status: 429, repeat: 5, headers: { "retry-after": "0.02" } }] });
    const error = await failure(client().ask(QUESTION), "rate-limited");
    expect(error.retryAfterSeconds).toBe(1);
    expect(error.message).toBe("Perplexity is limiting how often you can ask. Wait 1 second and try again.");
    expect(recorded()).toHaveLength(2);
  });

  it("429 with the live headers: waits until x-ratelimit-reset (epoch seconds against the response's date), shows the wait, asks once more", async () => {
    // Perplexity's clock an hour ahead of this computer's: only the response's own date counts.
    const serverNow = Math.floor(Date.now() / 1000) + 3600;
    const headers = { date: new Date(serverNow * 1000).toUTCString(), "x-ratelimit-limit": "50", "x-ratelimit-remaining": "0", "x-ratelimit-used": "50", "x-ratelimit-reset": String(serverNow + 2) };
    useScenario({ steps: [{ kind: "http", status: 429, headers }] });
    const progress: StreamProgress[] = [];
    const started = Date.now();
    await expect(client().ask(QUESTION, { onProgress: (p) => progress.push(p) })).resolves.toMatchObject({ status: "completed" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(progress.filter((p) => p.type === "waiting")).toEqual([
      { type: "waiting", seconds: 2 },
      { type: "waiting", seconds: 0 },
    ]);
    expect(recorded()).toHaveLength(2);
  });

  it("429 whose reset is minutes away: no waiting, a message saying how long", async () => {
    const serverNow = Math.floor(Date.now() / 1000);
    useScenario({ steps: [{ kind: "http", status: 429, repeat: 3, headers: { date: new Date(serverNow * 1000).toUTCString(), "x-ratelimit-reset": String(serverNow + 300) } }] });
    const started = Date.now();
    const error = await failure(client().ask(QUESTION), "rate-limited");
    expect(Date.now() - started).toBeLessThan(400);
    expect(error.retryAfterSeconds).toBe(300);
    expect(error.message).toBe("Perplexity is limiting how often you can ask. Wait 5 minutes and try again.");
    expect(recorded()).toHaveLength(1);
  });

  it("400 with a param → invalid-request naming it, not retried", async () => {
    useScenario({
      steps: [
        {
          kind: "http",
          status: 400,
          json: { error: { message: 'invalid request body: json: unknown field "search_mode"', type: "invalid_request", code: 400, param: "search_mode" } },
        },
      ],
    });
    const error = await failure(client().ask(QUESTION), "invalid-request");
    expect(error.param).toBe("search_mode");
    expect(error.message).toContain('(parameter "search_mode")');
    expect(recorded()).toHaveLength(1);
  });

  it("5xx is not retried (a retry could start a second paid run) → server-error", async () => {
    useScenario({ steps: [{ kind: "http", status: 502, html: "<html><body>Bad gateway</body></html>", headers: { "retry-after-ms": "10" } }] });
    await failure(client().ask(QUESTION), "server-error");
    useScenario({ steps: [{ kind: "http", status: 500, repeat: 3, headers: { "retry-after-ms": "10" } }] });
    const error = await failure(client().ask(QUESTION), "server-error");
    expect(error.message).toBe("Perplexity had a server problem (HTTP 500). Try again in a few minutes.");
    expect(recorded()).toHaveLength(2);
  });

  it("a timeout is not retried either: one question, one run", async () => {
    useScenario({ steps: [{ kind: "hang", repeat: 3 }] });
    await failure(client({ timeoutMs: 200 }).ask(QUESTION), "timeout");
    expect(recorded()).toHaveLength(1);
  });

  it("an unreachable server → network", async () => {
    const error = await failure(client({ baseUrl: await freePortUrl(), maxRetries: 0 }).ask(QUESTION), "network");
    expect(error.message).toContain("Could not reach Perplexity");
  });

  it("a server slower than timeoutMs → timeout", async () => {
    useScenario({ steps: [{ kind: "hang" }] });
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 150, maxRetries: 0 }).ask(QUESTION), "timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.message).toContain("did not answer within 1 second");
  });

  it.each([
    ["failed", "run-failed"],
    ["cancelled", "run-cancelled"],
    ["incomplete", "run-incomplete"],
  ] as const)("a %s run in HTTP 200 → %s, streamed or not", async (status, kind) => {
    const step = { status, error: { message: "Upstream model error.", type: "internal_error" } };
    useScenario({ steps: [step, step] });
    const buffered = await failure(client().ask(QUESTION), kind);
    const streamed = await failure(client().ask(QUESTION, { stream: true }), kind);
    expect(streamed.message).toBe(buffered.message);
    if (kind === "run-failed") expect(buffered.message).toContain("Upstream model error");
    if (buffered.partial) expect(streamed.partial?.text).toBe(buffered.partial.text);
  });

  it("malformed JSON → bad-response", async () => {
    useScenario({ steps: [{ kind: "malformed-json" }] });
    const error = await failure(client().ask(QUESTION), "bad-response");
    expect(error.message).toContain("could not read");
  });

  it("a malformed SSE line is skipped; the answer still arrives", async () => {
    useScenario({ steps: [{ stream: { inject: [{ after: 3, raw: "data: {broken\n\n" }, { after: 4, raw: ": ping\n\n" }] } }] });
    const answer = await client().ask(QUESTION, { stream: true });
    expect(answer.status).toBe("completed");
  });

  it("a bare error event → run-failed", async () => {
    useScenario({ steps: [{ stream: { errorEvent: { error: { message: "Transport hiccup", type: "internal_error" } } } }] });
    const error = await failure(client().ask(QUESTION, { stream: true }), "run-failed");
    expect(error.message).toContain("Transport hiccup");
  });

  it("a stream cut off mid-answer fails (network), not hangs", async () => {
    useScenario({ steps: [{ stream: { disconnectAfter: 12, eventDelayMs: 5 }, repeat: 3 }] });
    const error = await failure(client({ maxRetries: 0 }).ask(QUESTION, { stream: true }), "network");
    // requestUrl loses everything with the connection; live fetch keeps what arrived.
    if (name === "fetch") {
      expect(error.partial?.text.length).toBeGreaterThan(0);
      expect(error.message).toContain("broke before the answer was complete");
      // The run may still be going on at Perplexity: it is cancelled.
      expect(await requestPaths()).toEqual(["/v1/responses", expect.stringMatching(/^\/v1\/agent\/resp_[^/]+\/cancel$/)]);
    }
  });

  it("a stream without a terminal event times out instead of hanging", async () => {
    useScenario({ steps: [{ stream: { noTerminal: true } }] });
    const error = await failure(client({ timeoutMs: 300, maxRetries: 0 }).ask(QUESTION, { stream: true }), "timeout");
    // Over fetch the events arrived live, so what came is kept, and the stalled run is cancelled
    // at Perplexity so it stops costing money.
    if (name === "fetch") {
      expect(error.partial?.text.length).toBeGreaterThan(0);
      expect(await requestPaths()).toEqual(["/v1/responses", expect.stringMatching(/^\/v1\/agent\/resp_[^/]+\/cancel$/)]);
    }
  });

  it("a stream that sends only keep-alive comments ends at the idle timeout too, with what arrived kept", async () => {
    useScenario({ steps: [{ stream: { noTerminal: true, keepAliveMs: 40 } }] });
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 400, maxRetries: 0 }).ask(QUESTION, { stream: true }), "timeout");
    expect(Date.now() - started).toBeLessThan(3000);
    if (name === "fetch") {
      expect(error.message).toBe("Perplexity stopped sending the answer for 1 second. Try again, or raise the timeout in Settings → Perplexity Query.");
      expect(error.partial?.text.length).toBeGreaterThan(0);
      // The stalled run is stopped at Perplexity, as any run the client stops reading.
      expect(await requestPaths()).toEqual(["/v1/responses", expect.stringMatching(/^\/v1\/agent\/resp_[^/]+\/cancel$/)]);
    }
  });

  it("aborting via the signal stops at once → aborted", async () => {
    useScenario({ steps: [{ kind: "answer", delayMs: 5000 }] });
    const controller = new AbortController();
    const started = Date.now();
    const pending = client().ask(QUESTION, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending, "aborted");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.message).toBe("The request to Perplexity was cancelled.");
    const already = new AbortController();
    already.abort();
    await failure(client().ask(QUESTION, { signal: already.signal }), "aborted");
    expect(recorded()).toHaveLength(1);
  });

  it("cancelRun posts to /v1/agent/{id}/cancel and says the run had ended (400, also for an unknown id, as live); a bad id is never sent", async () => {
    const answer = await client().ask(QUESTION);
    await expect(client().cancelRun(answer.responseId)).resolves.toBe("ended");
    const cancel = recorded()[1];
    expect(cancel?.method).toBe("POST");
    expect(cancel?.path).toBe(`/v1/agent/${answer.responseId}/cancel`);
    expect(cancel?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    // Live (cfdude/mcp-perplexity-pro agent_cancel_unknown_400.json): an unknown well-formed id gets the same 400.
    await expect(client().cancelRun("resp_00000000-0000-4000-8000-000000000000")).resolves.toBe("ended");
    const sent = recorded().length;
    await failure(client().cancelRun("resp_1/../../models"), "invalid-request");
    expect(recorded()).toHaveLength(sent);
    await failure(client({ getApiKey: () => "pplx-bad" }).cancelRun("resp_00000000-0000-4000-8000-000000000000"), "key-rejected");
  });

  it("testConnection makes one tiny fast run and reports its cost", async () => {
    const report = await client().testConnection();
    expect(report.model).toBe("openai/gpt-6-luna");
    expect(report.totalCost).toBeGreaterThan(0);
    expect(recorded()[0]?.json).toEqual(toWireRequest(CONNECTION_TEST_REQUEST, { stream: false }));
    // Running out of its 16 tokens still proves the key works.
    useScenario({ steps: [{ status: "incomplete" }] });
    await expect(client().testConnection()).resolves.toMatchObject({ model: "openai/gpt-6-luna" });
    await failure(client({ getApiKey: () => "pplx-bad" }).testConnection(), "key-rejected");
  });
});

describe("client over fetch only (live stream)", () => {
  it("aborting mid-stream cancels the run server-side", async () => {
    useScenario({ steps: [{ stream: { eventDelayMs: 40 } }] });
    const controller = new AbortController();
    const c = createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch: globalThis.fetch.bind(globalThis), timeoutMs: 3000 });
    const pending = c.ask(QUESTION, {
      stream: true,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.type === "text") controller.abort();
      },
    });
    const error = await failure(pending, "aborted");
    expect(error.partial?.text.length).toBeGreaterThan(0);
    await expect.poll(() => recorded().some((r) => r.path.endsWith("/cancel")), { timeout: 2000 }).toBe(true);
  });
});

// Review (orphaned background run): a run Perplexity started is never left going unseen because its start was
// aborted, and when its id cannot be known the error says what may still be billed.
describe.each(transports)("starting a background run over $name", ({ fetch }) => {
  const DEEP: AskRequest = { question: "What changed in the EU AI Act in 2026?", choice: { preset: "high" } };
  const client = (overrides: Partial<PerplexityClientOptions> = {}) =>
    createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch, timeoutMs: 3000, maxRetries: 1, ...overrides });
  const cancels = () => recorded().filter((r) => r.method === "POST" && r.path.endsWith("/cancel"));

  /** Starts a run whose reply comes `replyMs` after it started, aborts once the emulator has started it, and returns the error. */
  async function abortedOnceStarted(replyMs: number, overrides: Partial<PerplexityClientOptions> = {}, routes?: Scenario["routes"]): Promise<PerplexityError> {
    useScenario({ steps: [{ backgroundReplyMs: replyMs, backgroundMs: 600_000 }], ...(routes ? { routes } : {}) });
    const controller = new AbortController();
    const start = client(overrides).startRun(DEEP, { signal: controller.signal });
    await expect.poll(() => startedRuns().length, { timeout: 3000, interval: 5 }).toBe(1);
    controller.abort();
    return failure(start, "aborted");
  }

  it("aborted after the POST arrived: waits for the reply and cancels the run it names; the error says so", async () => {
    const error = await abortedOnceStarted(300);
    expect(error.message).toMatch(/^The request to Perplexity was cancelled\. Perplexity had already started the run, so the plugin told it to stop/);
    const [run] = startedRuns();
    expect(cancels().map((r) => r.path)).toEqual([`/v1/agent/${run!.id}/cancel`]);
    expect(run).toMatchObject({ background: true, cancelled: true });
  });

  it("aborted, and then the reply never comes: says the run may go on and be billed, and why it cannot be stopped", async () => {
    const error = await abortedOnceStarted(5_000, { timeoutMs: 600 });
    expect(error.message).toMatch(/^The request to Perplexity was cancelled after the question was sent, and Perplexity's reply never arrived\. If Perplexity started the run, it goes on and may be billed/);
    expect(cancels()).toHaveLength(0);
    expect(startedRuns()).toMatchObject([{ background: true, cancelled: false }]);
  });

  it("aborted, the reply in, but the cancel does not get through: says the run may run to its end and be billed", async () => {
    const cancel = { status: 500, headers: { "content-type": "application/json" }, body: '{"error":{"message":"boom","type":"server_error"}}' };
    const error = await abortedOnceStarted(300, {}, { cancel });
    expect(error.message).toMatch(/^The request to Perplexity was cancelled, but Perplexity had already started the run and could not be told to stop \(Perplexity had a server problem \(HTTP 500\)\..*\)\. It may run to its end and be billed\.$/);
    expect(cancels()).toHaveLength(1);
  });

  it("aborted before the POST left: nothing is sent, nothing started", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(client().startRun(DEEP, { signal: controller.signal }), "aborted");
    expect(error.message).toBe("The request to Perplexity was cancelled.");
    expect(recorded()).toHaveLength(0);
  });

  it("aborted while a 429 is waited out (no run was started): stops at once, asks nothing more", async () => {
    useScenario({ steps: [{ kind: "http", status: 429, headers: { "retry-after": "2" } }, {}] });
    const controller = new AbortController();
    const start = client().startRun(DEEP, { signal: controller.signal });
    await expect.poll(() => recorded().length, { timeout: 3000, interval: 5 }).toBe(1);
    const at = Date.now();
    controller.abort();
    const error = await failure(start, "aborted");
    expect(Date.now() - at).toBeLessThan(1000);
    expect(error.message).toBe("The request to Perplexity was cancelled.");
    expect(recorded()).toHaveLength(1);
    expect(startedRuns()).toHaveLength(0);
  });

  it("a reply that does not come in time: the run goes on unnamed, and the timeout says it may be billed", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 5_000, backgroundMs: 600_000 }] });
    const error = await failure(client({ timeoutMs: 500 }).startRun(DEEP), "timeout");
    expect(error.message).toMatch(/^Perplexity did not reply within 1 second to the start of a background run\. If Perplexity started the run, it goes on and may be billed: without the run's id.*the plugin can neither stop it nor fetch its answer\./);
    // The emulator, like Perplexity, has the run going; nothing could cancel it.
    expect(startedRuns()).toMatchObject([{ background: true, cancelled: false }]);
    expect(cancels()).toHaveLength(0);
  });

  it("not aborted: the run's first snapshot, nothing cancelled", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 100, backgroundMs: 600_000 }] });
    const snapshot = await client().startRun(DEEP, { signal: new AbortController().signal });
    expect(snapshot).toMatchObject({ id: startedRuns()[0]!.id, status: "queued" });
    expect(cancels()).toHaveLength(0);
  });
});
