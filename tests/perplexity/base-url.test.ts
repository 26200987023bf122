// The base URL: Perplexity's bare origin means /v1, anything that is not http(s) is refused with a
// reason, and a base URL the emulator answers with 404 gets a message that points at the /v1 path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AskRequest } from "../../src/core/ask-request";
import { normalizeBaseUrl, parseBaseUrl } from "../../src/perplexity/base-url";
import { createPerplexityClient } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import { DEFAULT_SETTINGS, normalizeSettings } from "../../src/settings";
import { startEmulator, type Emulator } from "../emulator/server";
import { nodeRequestUrl } from "../support/node-request-url";

const KEY = "pplx-base-url-test-SECRET";
const QUESTION: AskRequest = { question: "What is a base URL?", choice: { preset: "fast" } };

describe("parseBaseUrl", () => {
  it.each([
    ["https://api.perplexity.ai", "https://api.perplexity.ai/v1"],
    ["https://api.perplexity.ai/", "https://api.perplexity.ai/v1"],
    ["  https://API.perplexity.ai//  ", "https://api.perplexity.ai/v1"],
    ["https://api.perplexity.ai/v1/", "https://api.perplexity.ai/v1"],
    ["http://127.0.0.1:8787/v1", "http://127.0.0.1:8787/v1"],
    ["https://proxy.example.com/perplexity/v1/", "https://proxy.example.com/perplexity/v1"],
    // Only Perplexity's own origin is known to mean /v1; another bare origin is kept as typed.
    ["http://127.0.0.1:8787", "http://127.0.0.1:8787"],
  ])("%s → %s", (input, expected) => {
    expect(parseBaseUrl(input)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ["", "is empty"],
    ["api.perplexity.ai", "is not a web address"],
    ["not a url", "is not a web address"],
    ["ftp://api.perplexity.ai/v1", "uses ftp, not http or https"],
    ["file:///tmp/v1", "uses file, not http or https"],
    ["https://api.perplexity.ai/v1?x=1", "query or fragment"],
    ["https://user:pplx-secret@api.perplexity.ai/v1", "user name or password"],
  ])("refuses %j: %s", (input, why) => {
    const result = parseBaseUrl(input);
    expect(result.ok).toBe(false);
    const message = result.ok ? "" : result.message;
    expect(message).toContain(why);
    expect(message).toContain("https://api.perplexity.ai/v1");
    expect(message).not.toContain("pplx-secret");
  });

  it("normalizeBaseUrl falls back for a refused value", () => {
    expect(normalizeBaseUrl("nonsense", "https://fallback/v1")).toBe("https://fallback/v1");
    expect(normalizeBaseUrl("https://api.perplexity.ai/", "https://fallback/v1")).toBe("https://api.perplexity.ai/v1");
  });

  it("settings read from data.json are normalised the same way", () => {
    expect(normalizeSettings({ baseUrl: "https://api.perplexity.ai/" }).baseUrl).toBe("https://api.perplexity.ai/v1");
    expect(normalizeSettings({ baseUrl: "javascript:alert(1)" }).baseUrl).toBe(DEFAULT_SETTINGS.baseUrl);
    expect(normalizeSettings({ baseUrl: "http://127.0.0.1:8787/v1/" }).baseUrl).toBe("http://127.0.0.1:8787/v1");
  });
});

describe("the client with a wrong base URL (against the emulator)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ scenario: { apiKey: KEY } });
  });
  afterAll(() => emu.close());

  const ask = async (baseUrl: string): Promise<PerplexityError> => {
    const client = createPerplexityClient({ baseUrl, getApiKey: () => KEY, fetch: createRequestUrlFetch(nodeRequestUrl), timeoutMs: 3000, maxRetries: 0 });
    const error: unknown = await client.ask(QUESTION).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PerplexityError);
    expect((error as Error).message).not.toContain(KEY);
    return error as PerplexityError;
  };

  it("a server origin without /v1 gets a 404 whose message suggests the /v1 path", async () => {
    const error = await ask(emu.origin);
    expect(error.status).toBe(404);
    expect(error.message).toContain("/v1");
    expect(error.message).toContain("https://api.perplexity.ai/v1");
  });

  it("a base URL that is not a web address says so instead of blaming the connection", async () => {
    const before = emu.requests.length;
    const error = await ask("127.0.0.1:8787");
    expect(error.message).toContain("is not a web address");
    expect(error.message).not.toContain("Could not reach");
    expect(emu.requests.length).toBe(before);
  });

  it("the emulator's base URL with a trailing slash works", async () => {
    const client = createPerplexityClient({ baseUrl: `${emu.baseUrl}/`, getApiKey: () => KEY, fetch: createRequestUrlFetch(nodeRequestUrl), timeoutMs: 3000, maxRetries: 0 });
    const answer = await client.ask(QUESTION);
    expect(answer.status).toBe("completed");
    expect(emu.requests.at(-1)?.path).toBe("/v1/responses");
  });
});
