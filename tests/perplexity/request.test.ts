import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PerplexityError } from "../../src/perplexity/errors";
import { MAX_DOMAIN_FILTERS, normalizeDomain, toWireRequest } from "../../src/perplexity/request";
import type { AskRequest } from "../../src/core/ask-request";

function invalidParam(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PerplexityError);
    const error = err as PerplexityError;
    expect(error.kind).toBe("invalid-request");
    expect(error.message).toContain(`"${error.param}"`);
    return error.param;
  }
  throw new Error("expected an invalid-request error");
}

describe("toWireRequest", () => {
  it("sends a preset alone, without tools, when there is nothing to configure", () => {
    const body = toWireRequest({ question: "  What is TypeScript? ", choice: { preset: "fast" } }, { stream: false });
    expect(body).toEqual({ preset: "fast", input: "What is TypeScript?", stream: false });
  });

  it("always sends the web_search tool with a model, since search runs only then", () => {
    const body = toWireRequest({ question: "q", choice: { model: "perplexity/sonar" } }, { stream: true });
    expect(body).toEqual({ model: "perplexity/sonar", input: "q", tools: [{ type: "web_search" }], stream: true });
  });

  it("maps every option to its Agent API field", () => {
    const req: AskRequest = {
      question: "Who leads in solar?",
      instructions: "Note: Energy > Solar",
      choice: { preset: "low" },
      maxOutputTokens: 2048,
      search: {
        allowDomains: ["IEA.org", "https://www.irena.org/publications?x=1", "iea.org"],
        denyDomains: [" reddit.com ", "-quora.com", ""],
        recency: "month",
        contextSize: "high",
      },
    };
    expect(toWireRequest(req, { stream: true })).toEqual({
      preset: "low",
      input: "Who leads in solar?",
      instructions: "Note: Energy > Solar",
      tools: [
        {
          type: "web_search",
          search_context_size: "high",
          filters: {
            search_domain_filter: ["iea.org", "www.irena.org", "-reddit.com", "-quora.com"],
            search_recency_filter: "month",
          },
        },
      ],
      max_output_tokens: 2048,
      stream: true,
    });
  });

  it("sends the tool with a preset when only the recency is set", () => {
    const body = toWireRequest({ question: "q", choice: { preset: "medium" }, search: { recency: "day" } }, { stream: false });
    expect(body["tools"]).toEqual([{ type: "web_search", filters: { search_recency_filter: "day" } }]);
  });

  it("never sends fields outside the Agent API's list", () => {
    const allowed = new Set(["preset", "model", "input", "instructions", "tools", "max_output_tokens", "stream"]);
    const body = toWireRequest(
      { question: "q", choice: { model: "m" }, instructions: " ", search: { allowDomains: [] } },
      { stream: false },
    );
    for (const key of Object.keys(body)) expect(allowed.has(key)).toBe(true);
    expect(body).not.toHaveProperty("instructions");
  });

  it("rejects bad input before any network, naming the parameter", () => {
    expect(invalidParam(() => toWireRequest({ question: "   ", choice: { preset: "fast" } }, { stream: false }))).toBe("input");
    expect(
      invalidParam(() => toWireRequest({ question: "q", choice: { preset: "sonar-pro" as never } }, { stream: false })),
    ).toBe("preset");
    expect(invalidParam(() => toWireRequest({ question: "q", choice: { model: " " } }, { stream: false }))).toBe("model");
    expect(
      invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast", model: "m" } as never }, { stream: false })),
    ).toBe("preset");
    expect(
      invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast" }, maxOutputTokens: 0 }, { stream: false })),
    ).toBe("max_output_tokens");
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { recency: "decade" as never } }, { stream: false }),
      ),
    ).toBe("search_recency_filter");
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { contextSize: "huge" as never } }, { stream: false }),
      ),
    ).toBe("search_context_size");
  });

  it("allows 20 domains and rejects 21, counting allow and deny together", () => {
    const domains = Array.from({ length: 21 }, (_, i) => `site${i}.example`);
    const ok = toWireRequest(
      { question: "q", choice: { preset: "fast" }, search: { allowDomains: domains.slice(0, 10), denyDomains: domains.slice(10, 20) } },
      { stream: false },
    );
    expect(((ok["tools"] as { filters: { search_domain_filter: string[] } }[])[0]?.filters.search_domain_filter ?? []).length).toBe(
      MAX_DOMAIN_FILTERS,
    );
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: domains } }, { stream: false }),
      ),
    ).toBe("search_domain_filter");
  });

  it("rejects a domain both allowed and excluded, and entries that are not domains", () => {
    const conflict = { allowDomains: ["a.com"], denyDomains: ["A.com/x"] };
    expect(invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast" }, search: conflict }, { stream: false }))).toBe(
      "search_domain_filter",
    );
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: ["not a domain"] } }, { stream: false }),
      ),
    ).toBe("search_domain_filter");
  });

  it("normalizes any typed domain to a bare lowercase host", () => {
    expect(normalizeDomain("HTTPS://User@Example.COM:8443/path?q#f")).toBe("example.com");
    expect(normalizeDomain("example.org.")).toBe("example.org");
    expect(normalizeDomain("  ")).toBeNull();
    fc.assert(
      fc.property(fc.domain(), fc.constantFrom("", "http://", "https://"), fc.constantFrom("", "/", "/a/b?c=1"), (host, scheme, path) => {
        const normalized = normalizeDomain(`${scheme}${host.toUpperCase()}${path}`);
        expect(normalized).toBe(host.toLowerCase());
      }),
    );
  });
});

describe("toWireRequest: a follow-up's history", () => {
  const base: AskRequest = { question: "And in Europe?", choice: { preset: "fast" } };
  it("sends the earlier turns as message items, then the question as the last user message", () => {
    const body = toWireRequest({ ...base, history: [{ question: "Who leads solar?", answer: "China leads. [[abc123]]" }, { question: "Since when?", answer: "Since 2010." }] }, { stream: false });
    expect(body.input).toEqual([
      { type: "message", role: "user", content: "Who leads solar?" },
      { type: "message", role: "assistant", content: "China leads. [[abc123]]" },
      { type: "message", role: "user", content: "Since when?" },
      { type: "message", role: "assistant", content: "Since 2010." },
      { type: "message", role: "user", content: "And in Europe?" },
    ]);
    expect(body).not.toHaveProperty("previous_response_id");
  });
  it("a request without history (or with an empty one) still sends the question as a string", () => {
    expect(toWireRequest(base, { stream: false }).input).toBe("And in Europe?");
    expect(toWireRequest({ ...base, history: [] }, { stream: false }).input).toBe("And in Europe?");
  });
});
