import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { PerplexityError, retryAfterSecondsFrom, scrubSecrets, toPerplexityError } from "../../src/perplexity/errors";

const KEY = "pplx-SECRETsecret1234567890";

function statusError(status: number, body: unknown, headers: Record<string, string> = {}): APIError {
  // As the SDK does: the parsed JSON body (it keeps `body.error`), or the raw text when not JSON.
  const json = body && typeof body === "object" ? body : undefined;
  const text = typeof body === "string" ? body : undefined;
  return APIError.generate(status, json, text, new Headers(headers));
}

describe("toPerplexityError", () => {
  it("401 with an HTML page → key-rejected, no HTML in the message", () => {
    const err = toPerplexityError(statusError(401, `<html><body>401 Authorization Required ${KEY}</body></html>`), { apiKey: KEY });
    expect(err.kind).toBe("key-rejected");
    expect(err.status).toBe(401);
    expect(err.message).toBe("Perplexity rejected the API key. Check the key in Settings → Perplexity Query.");
  });

  it("403 chat_completions_not_available → retired-endpoint, never a bad key", () => {
    const err = toPerplexityError(
      statusError(403, { error: { message: "Sonar is now the Agent API.", type: "chat_completions_not_available", code: 403 } }),
    );
    expect(err.kind).toBe("retired-endpoint");
    expect(err.message).toContain("retired");
    expect(err.message).toContain("Agent API");
    expect(err.message.toLowerCase()).not.toContain("key");
  });

  it("403 forbidden → forbidden", () => {
    const err = toPerplexityError(statusError(403, { error: { message: "Forbidden", type: "forbidden", code: 403 } }));
    expect(err.kind).toBe("forbidden");
  });

  it("429 → rate-limited with retry-after in seconds, from seconds, ms or a date", () => {
    const err = toPerplexityError(statusError(429, { error: { message: "slow down", type: "request_rate_limit_exceeded" } }, { "retry-after": "7" }));
    expect(err.kind).toBe("rate-limited");
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.message).toBe("Perplexity is limiting how often you can ask. Wait 7 seconds and try again.");
    expect(retryAfterSecondsFrom(new Headers({ "retry-after-ms": "1500" }))).toBe(2);
    expect(retryAfterSecondsFrom(new Headers({ "retry-after": new Date(10_000).toUTCString() }), 0)).toBe(10);
    expect(toPerplexityError(statusError(429, undefined)).message).toContain("Wait a moment");
  });

  it("400 → invalid-request naming the parameter and quoting the server", () => {
    const err = toPerplexityError(
      statusError(400, { error: { message: 'invalid request body: json: unknown field "search_mode"', type: "invalid_request", code: 400, param: "search_mode" } }),
    );
    expect(err.kind).toBe("invalid-request");
    expect(err.param).toBe("search_mode");
    expect(err.message).toBe(
      'Perplexity rejected the request as invalid (parameter "search_mode"): invalid request body: json: unknown field "search_mode". Check the query options in Settings → Perplexity Query.',
    );
  });

  it("5xx → server-error", () => {
    for (const status of [500, 502, 503, 504]) {
      const err = toPerplexityError(statusError(status, { error: { message: "boom", type: "internal_error" } }));
      expect(err.kind).toBe("server-error");
      expect(err.message).toContain(`HTTP ${status}`);
    }
  });

  it("connection, timeout and abort errors", () => {
    expect(toPerplexityError(new APIConnectionError({ message: "Connection error." })).kind).toBe("network");
    const timeout = toPerplexityError(new APIConnectionTimeoutError(), { timeoutMs: 30_000 });
    expect(timeout.kind).toBe("timeout");
    expect(timeout.message).toContain("30 seconds");
    expect(toPerplexityError(new APIUserAbortError()).kind).toBe("aborted");
    expect(toPerplexityError(new DOMException("x", "AbortError")).kind).toBe("aborted");
    expect(toPerplexityError(new TypeError("fetch failed")).kind).toBe("network");
    expect(toPerplexityError(new SyntaxError("Unexpected token")).kind).toBe("bad-response");
    expect(toPerplexityError("weird").kind).toBe("bad-response");
  });

  it("keeps our own errors, adding a partial when given", () => {
    const own = new PerplexityError("run-failed", "x");
    expect(toPerplexityError(own)).toBe(own);
    const partial = { responseId: "r", status: "incomplete" as const, text: "t", searchResults: [], searchQueries: [], model: "", usage: {} };
    expect(toPerplexityError(own, { partial }).partial).toBe(partial);
  });

  it("never lets the key into a message, even when the server echoes it", () => {
    const err = toPerplexityError(
      statusError(400, { error: { message: `bad header Authorization: Bearer ${KEY} for key ${KEY}`, param: "x" } }),
      { apiKey: KEY },
    );
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain("SECRET");
    expect(scrubSecrets(`k=${"abcd-custom-key"}`, "abcd-custom-key")).toBe("k=[key]");
    expect(new PerplexityError("network", `oops ${KEY}`).message).not.toContain(KEY);
  });

  it("messages have no stack traces or HTML", () => {
    const err = toPerplexityError(statusError(502, "<!DOCTYPE html><html><h1>502 Bad Gateway</h1></html>"));
    expect(err.message).toBe("Perplexity had a server problem (HTTP 502). Try again in a few minutes.");
    expect(err.message).not.toMatch(/\n\s+at /);
  });
});
