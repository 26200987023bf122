// The client against the emulator modelling what Perplexity documents (reference, corrections of
// 2026-12-01). Each test here failed on the client before those corrections were applied.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerplexityClient, forgetServerDialects } from "../../src/perplexity/client";
import type { PerplexityClientOptions } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import type { ErrorKind } from "../../src/perplexity/errors";
import type { AskRequest } from "../../src/core/ask-request";
import { startEmulator } from "../emulator/server";
import type { Emulator, Scenario } from "../emulator/server";

const KEY = "pplx-real-api-0123456789";
const PRESET_Q: AskRequest = { question: "Why is the sky blue?", choice: { preset: "fast" } };

let emu: Emulator;
beforeEach(async () => {
  forgetServerDialects();
  emu = await startEmulator({ scenario: { apiKey: KEY } });
});
afterEach(async () => {
  await emu.close();
});

const client = (overrides: Partial<PerplexityClientOptions> = {}) =>
  createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch: globalThis.fetch.bind(globalThis), timeoutMs: 5000, maxRetries: 0, ...overrides });
const use = (scenario: Scenario): void => emu.setScenario({ apiKey: KEY, ...scenario });
const asks = () => emu.requests.filter((r) => r.method === "POST" && /\/(responses|agent)$/.test(r.path));
const cited = (text: string) => [...text.matchAll(/\[(?:[a-z_]+:)?(\d+)\]/g)].map((m) => Number(m[1]));

async function failure(promise: Promise<unknown>, kind: ErrorKind): Promise<PerplexityError> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(PerplexityError);
  expect((caught as PerplexityError).kind).toBe(kind);
  expect((caught as PerplexityError).message).not.toContain(KEY);
  return caught as PerplexityError;
}

describe("an explicit model (bug 2)", () => {
  it.each([false, true])("gets citation rules and a forced search, so its answer cites the sources (stream: %s)", async (stream) => {
    const answer = await client().ask({ question: "Why is the sky blue?", choice: { model: "openai/gpt-6-luna" } }, { stream });
    expect(answer.searchResults.length).toBeGreaterThan(0);
    const ids = new Set(answer.searchResults.map((r) => r.id));
    expect(cited(answer.text).length).toBeGreaterThan(0);
    for (const id of cited(answer.text)) expect(ids.has(id)).toBe(true);
    expect(asks()).toHaveLength(1);
  });
});

describe("a streamed response.failed (bug 3)", () => {
  it("keeps Perplexity's message, which arrives as a top-level error", async () => {
    use({ steps: [{ status: "failed", error: { message: "Upstream model overloaded", type: "internal_error" } }] });
    const error = await failure(client().ask(PRESET_Q, { stream: true }), "run-failed");
    expect(error.message).toBe("Perplexity could not finish the answer: Upstream model overloaded. Try again.");
    expect(error.detail).toBe("internal_error");
  });

  it("without a message, still says what happened and what to do", async () => {
    use({ steps: [{ status: "failed", error: { message: "" } }] });
    const error = await failure(client().ask(PRESET_Q, { stream: true }), "run-failed");
    expect(error.message).toBe("Perplexity could not finish the answer. Try again.");
  });
});

describe("output limits (bug 4)", () => {
  it("an anthropic model gets the limit it requires when none is set", async () => {
    const answer = await client().ask({ question: "Q?", choice: { model: "anthropic/claude-sonnet-4-6" } });
    expect(answer.status).toBe("completed");
    expect(asks()).toHaveLength(1);
  });

  it("a limit that is reached gives an incomplete run with the partial answer", async () => {
    const error = await failure(client().ask({ ...PRESET_Q, maxOutputTokens: 20 }), "run-incomplete");
    expect(error.message).toMatch(/maximum output tokens/);
    expect(error.partial?.text.length).toBe(80);
  });
});

describe("domain filters (bug 5)", () => {
  it("sends .gov suffixes and page URLs as Perplexity accepts them", async () => {
    const answer = await client().ask({ ...PRESET_Q, search: { allowDomains: [".gov", "https://en.wikipedia.org/wiki/Rayleigh_scattering"] } });
    expect(answer.status).toBe("completed");
    expect(asks()[0]?.json).toMatchObject({
      tools: [{ type: "web_search", filters: { search_domain_filter: [".gov", "https://en.wikipedia.org/wiki/Rayleigh_scattering"] } }],
    });
  });

  it("refuses a mix of allowed and excluded domains before sending anything", async () => {
    const error = await failure(client().ask({ ...PRESET_Q, search: { allowDomains: ["nasa.gov"], denyDomains: ["reddit.com"] } }), "invalid-request");
    expect(error.message).toMatch(/one way at a time/);
    expect(asks()).toHaveLength(0);
  });
});

describe("preset renamed effort (bug 6)", () => {
  it("an effort-only server: one more request with effort, then effort straight away", async () => {
    use({ presetField: "effort" });
    const first = await client().ask(PRESET_Q);
    expect(first.status).toBe("completed");
    expect(asks().map((r) => Object.keys(r.json as object).find((k) => k === "preset" || k === "effort"))).toEqual(["preset", "effort"]);
    await client().ask(PRESET_Q, { stream: true });
    expect(asks()).toHaveLength(3);
    expect(asks()[2]?.json).toMatchObject({ effort: "fast" });
  });

  it("a preset-only server: one request", async () => {
    use({ presetField: "preset" });
    await client().ask(PRESET_Q);
    expect(asks()).toHaveLength(1);
    expect(asks()[0]?.json).toMatchObject({ preset: "fast" });
  });

  it("a server that rejects both names: two requests at most and a clear message, nothing billed", async () => {
    use({ presetField: "neither" });
    const error = await failure(client().ask(PRESET_Q), "invalid-request");
    expect(error.message).toMatch(/both of its names \(preset and effort\).*nothing was billed.*Choose a model/);
    expect(asks()).toHaveLength(2);
  });

  it("asks again only after that 400, never after another error", async () => {
    use({
      steps: [
        { kind: "http", status: 400, json: { error: { message: 'invalid request body: json: unknown field "verbosity"', type: "invalid_request", code: 400, param: "verbosity" } } },
        { kind: "http", status: 500 },
      ],
    });
    await failure(client().ask(PRESET_Q), "invalid-request");
    await failure(client().ask(PRESET_Q), "server-error");
    expect(asks()).toHaveLength(2);
  });
});

describe("the process environment (bug 7)", () => {
  it("never reaches a request: no openai-organization, openai-project or logging, the configured base URL only", async () => {
    const vars = { OPENAI_ORG_ID: "org-env", OPENAI_PROJECT_ID: "proj-env", OPENAI_LOG: "debug", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
      await client().ask(PRESET_Q);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const [request] = asks();
    expect(Object.keys(request?.headers ?? {}).sort()).toEqual(expect.not.arrayContaining(["openai-organization", "openai-project"]));
    expect(JSON.stringify(request?.headers)).not.toMatch(/org-env|proj-env/);
  });
});

describe("smaller ones (bug 8)", () => {
  it("402 says the account is out of credit, not that the query options are wrong", async () => {
    use({ steps: [{ kind: "http", status: 402, json: { error: { message: "Insufficient credits", type: "insufficient_quota", code: 402 } } }] });
    const error = await failure(client().ask(PRESET_Q), "out-of-credit");
    expect(error.message).toMatch(/out of credit/);
    expect(error.message).not.toMatch(/query options/);
  });

  it("a 429 without Retry-After waits as X-RateLimit-Reset-Requests says", async () => {
    use({ steps: [{ kind: "http", status: 429, headers: { "x-ratelimit-limit-requests": "50", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "12s" } }] });
    const error = await failure(client().ask(PRESET_Q), "rate-limited");
    expect(error.retryAfterSeconds).toBe(12);
    expect(error.message).toContain("Wait 12 seconds");
  });
});

describe("older iOS without AbortSignal.timeout and AbortSignal.any (issue 10, finding 5)", () => {
  const signal = AbortSignal as unknown as Record<string, unknown>;
  const saved = { timeout: signal["timeout"], any: signal["any"] };
  beforeEach(() => {
    signal["timeout"] = undefined;
    signal["any"] = undefined;
  });
  afterEach(() => {
    signal["timeout"] = saved.timeout;
    signal["any"] = saved.any;
  });

  it("waits out a 429 and asks again", async () => {
    use({ steps: [{ kind: "http", status: 429, headers: { "retry-after-ms": "10" } }] });
    const answer = await client({ maxRetries: 1 }).ask(PRESET_Q);
    expect(answer.status).toBe("completed");
    expect(asks()).toHaveLength(2);
  });

  it("streams with the idle timer on, and still notices a stalled stream", async () => {
    const answer = await client().ask(PRESET_Q, { stream: true });
    expect(answer.status).toBe("completed");
    use({ steps: [{ stream: { noTerminal: true } }] });
    const error = await failure(client({ timeoutMs: 300 }).ask(PRESET_Q, { stream: true }), "timeout");
    expect(error.message).toMatch(/stopped sending/);
  });
});
