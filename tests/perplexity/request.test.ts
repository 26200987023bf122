import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PerplexityError } from "../../src/perplexity/errors";
import { thrown } from "../support/thrown";
import { MAX_DOMAIN_FILTERS } from "../../src/core/domains";
import { REQUIRED_LIMIT_DEFAULT, modelInstructions, toWireRequest } from "../../src/perplexity/request";
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

  it("with a model: sends the search tool, never tool_choice, and its own instructions: search, cite, today's date, no narration", () => {
    const today = new Date(2026, 11, 1, 9, 30);
    const body = toWireRequest({ question: "q", choice: { model: "perplexity/sonar" } }, { stream: true, today });
    // tool_choice is an unknown field live (opencode issue #32108): every such request would be refused first.
    expect(body).toEqual({
      model: "perplexity/sonar",
      input: "q",
      instructions: modelInstructions(today),
      tools: [{ type: "web_search" }],
      stream: true,
    });
    expect(modelInstructions(today)).toContain("2026-12-01");
    expect(modelInstructions(today)).toMatch(/Search the web/);
    expect(modelInstructions(today)).toMatch(/\[1\]/);
    // An explicit model narrates without a preset's prompt ("Let me compile the answer.", argus capture).
    expect(modelInstructions(today)).toMatch(/Do not narrate/);
    // The user's own system prompt comes after the plugin's rules, never instead of them.
    const own = toWireRequest({ question: "q", choice: { model: "openai/gpt-6-luna" }, systemPrompt: "Answer in French." }, { stream: false, today });
    expect(own["instructions"]).toBe(`${modelInstructions(today)}\n\nAnswer in French.`);
  });

  it("with framing: the question alone is the last user message (searched), the framing a message before it (read); never instructions", () => {
    const body = toWireRequest({ question: "Who leads?", context: 'From a note titled "Solar".', guidance: "Prefer agencies.", choice: { preset: "fast" } }, { stream: false });
    expect(body).toEqual({
      preset: "fast",
      input: [
        { type: "message", role: "user", content: 'Prefer agencies.\n\nFrom a note titled "Solar".' },
        { type: "message", role: "user", content: "Who leads?" },
      ],
      stream: false,
    });
    expect(body).not.toHaveProperty("instructions");
    // A follow-up: the framing, the earlier turns, then the question.
    const followUp = toWireRequest({ question: "Since when?", context: "Note: Solar", history: [{ question: "Who leads?", answer: "China." }], choice: { preset: "fast" } }, { stream: false });
    expect(followUp["input"]).toEqual([
      { type: "message", role: "user", content: "Note: Solar" },
      { type: "message", role: "user", content: "Who leads?" },
      { type: "message", role: "assistant", content: "China." },
      { type: "message", role: "user", content: "Since when?" },
    ]);
  });

  it("sends a system prompt with a preset only when the request carries one (the user's explicit choice)", () => {
    const body = toWireRequest({ question: "q", systemPrompt: "Be brief.", choice: { preset: "low" } }, { stream: false });
    expect(body["instructions"]).toBe("Be brief.");
  });

  it("leaves a preset's own output limit alone, and gives anthropic models the limit they require", () => {
    expect(toWireRequest({ question: "q", choice: { preset: "high" } }, { stream: false })).not.toHaveProperty("max_output_tokens");
    const anthropic = { model: "anthropic/claude-sonnet-4-6" };
    expect(toWireRequest({ question: "q", choice: anthropic }, { stream: false })["max_output_tokens"]).toBe(REQUIRED_LIMIT_DEFAULT);
    expect(toWireRequest({ question: "q", choice: anthropic, maxOutputTokens: 900 }, { stream: false })["max_output_tokens"]).toBe(900);
    expect(toWireRequest({ question: "q", choice: { model: "openai/gpt-6-luna" } }, { stream: false })).not.toHaveProperty("max_output_tokens");
  });

  it("sends the preset as effort when asked to, and the language as language_preference", () => {
    const body = toWireRequest({ question: "q", choice: { preset: "medium" }, language: "DE" }, { stream: false, presetField: "effort" });
    expect(body).toEqual({ effort: "medium", input: "q", language_preference: "de", stream: false });
    expect(invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast" }, language: "german" }, { stream: false }))).toBe(
      "language_preference",
    );
  });

  it("refuses custom instructions too long to send with every question, with a message saying so", () => {
    const long = "x".repeat(10_000);
    for (const req of [{ context: long }, { systemPrompt: long }]) {
      const error = thrown(() => toWireRequest({ question: "q", choice: { preset: "fast" }, ...req }, { stream: false }));
      expect(error.message).toContain("10,000 characters");
      expect(error.message).toContain("Shorten them");
    }
  });

  it("maps every option to its Agent API field", () => {
    const req: AskRequest = {
      question: "Who leads in solar?",
      context: "Note: Energy > Solar",
      choice: { preset: "low" },
      maxOutputTokens: 2048,
      search: {
        allowDomains: ["IEA.org", "https://www.irena.org/publications?x=1", "iea.org", ".GOV", "https://www.nrel.gov/"],
        recency: "month",
        contextSize: "high",
      },
    };
    expect(toWireRequest(req, { stream: true })).toEqual({
      preset: "low",
      input: [
        { type: "message", role: "user", content: "Note: Energy > Solar" },
        { type: "message", role: "user", content: "Who leads in solar?" },
      ],
      tools: [
        {
          type: "web_search",
          search_context_size: "high",
          filters: {
            search_domain_filter: ["iea.org", "https://www.irena.org/publications?x=1", ".gov", "www.nrel.gov"],
            search_recency_filter: "month",
          },
        },
      ],
      max_output_tokens: 2048,
      stream: true,
    });
    const denied = toWireRequest({ question: "q", choice: { preset: "fast" }, search: { denyDomains: [" reddit.com ", "-quora.com", ""] } }, { stream: false });
    expect(denied["tools"]).toEqual([{ type: "web_search", filters: { search_domain_filter: ["-reddit.com", "-quora.com"] } }]);
  });

  it("sends the tool with a preset when only the recency is set", () => {
    const body = toWireRequest({ question: "q", choice: { preset: "medium" }, search: { recency: "day" } }, { stream: false });
    expect(body["tools"]).toEqual([{ type: "web_search", filters: { search_recency_filter: "day" } }]);
  });

  it("never sends fields outside the Agent API's list", () => {
    const allowed = new Set(["preset", "input", "stream"]);
    const body = toWireRequest({ question: "q", choice: { preset: "fast" }, context: " ", systemPrompt: " ", search: { allowDomains: [] } }, { stream: false });
    for (const key of Object.keys(body)) expect(allowed.has(key)).toBe(true);
    expect(body["input"]).toBe("q");
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

  it("allows 20 domains and rejects 21", () => {
    const domains = Array.from({ length: 21 }, (_, i) => `site${i}.example`);
    const ok = toWireRequest({ question: "q", choice: { preset: "fast" }, search: { denyDomains: domains.slice(0, 20) } }, { stream: false });
    expect(((ok["tools"] as { filters: { search_domain_filter: string[] } }[])[0]?.filters.search_domain_filter ?? []).length).toBe(
      MAX_DOMAIN_FILTERS,
    );
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: domains } }, { stream: false }),
      ),
    ).toBe("search_domain_filter");
  });

  it("refuses a mix of allowed and excluded domains with a message naming both, and entries that are not domains", () => {
    for (const mixed of [{ allowDomains: ["a.com"], denyDomains: ["A.com/x"] }, { allowDomains: ["iea.org", "-reddit.com"] }]) {
      const error = thrown(() => toWireRequest({ question: "q", choice: { preset: "fast" }, search: mixed }, { stream: false }));
      expect(error.param).toBe("search_domain_filter");
      expect(error.message).toMatch(/one way at a time/);
      expect(error.message).toMatch(/\(-(reddit|a)\.com\)/);
    }
    const tooLong = `${"a".repeat(250)}.com`;
    expect(invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: [tooLong] } }, { stream: false }))).toBe(
      "search_domain_filter",
    );
    expect(
      invalidParam(() => toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: ["ftp://x.org/a"] } }, { stream: false })),
    ).toBe("search_domain_filter");
    expect(
      invalidParam(() =>
        toWireRequest({ question: "q", choice: { preset: "fast" }, search: { allowDomains: ["not a domain"] } }, { stream: false }),
      ),
    ).toBe("search_domain_filter");
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
