import { describe, expect, it } from "vitest";
import { buildAskRequest, defaultQuestionOptions, parseDomainList, questionFraming } from "../../src/core/ask-options";
import { normalizeSettings } from "../../src/settings";

describe("parseDomainList", () => {
  it("splits allow and deny lists on commas, spaces and newlines", () => {
    expect(parseDomainList("iea.org, -reddit.com\nnature.com  -")).toEqual({
      allowDomains: ["iea.org", "nature.com"],
      denyDomains: ["reddit.com"],
    });
    expect(parseDomainList("  ")).toEqual({});
  });
});

describe("buildAskRequest", () => {
  it("maps settings and per-question options to a request", () => {
    const settings = normalizeSettings({ searchContextSize: "high", maxOutputTokens: 1000 });
    const options = { ...defaultQuestionOptions(settings), recency: "week" as const, domains: "-example.com" };
    expect(buildAskRequest("Why?", options, settings, "Context")).toEqual({
      question: "Why?",
      choice: { preset: "fast" },
      context: "Context",
      search: { denyDomains: ["example.com"], recency: "week", contextSize: "high" },
      maxOutputTokens: 1000,
    });
  });

  it("uses the configured model when the preset setting says so, and leaves out empty parts", () => {
    const settings = normalizeSettings({ preset: "model", model: "perplexity/sonar", maxOutputTokens: 0 });
    expect(buildAskRequest("Q", defaultQuestionOptions(settings), settings, "")).toEqual({ question: "Q", choice: { model: "perplexity/sonar" } });
  });

  it("puts note context and custom instructions in the question's context, never in the system prompt, by default", () => {
    const settings = normalizeSettings({ customInstructions: "  Prefer primary sources. ", language: "en" });
    const request = buildAskRequest("Q", defaultQuestionOptions(settings), settings, 'The question comes from a note titled "Solar".');
    expect(request).toEqual({
      question: "Q",
      choice: { preset: "fast" },
      context: 'The question comes from a note titled "Solar".\n\nPrefer primary sources.',
      language: "en",
    });
    expect(request).not.toHaveProperty("systemPrompt");
    expect(settings.maxOutputTokens).toBe(0);
  });

  it("sends the custom instructions as the system prompt only when the user chose to replace it", () => {
    const settings = normalizeSettings({ customInstructions: "Be brief.", replaceSystemPrompt: true });
    expect(questionFraming(settings, "From a note.")).toEqual({ context: "From a note.", systemPrompt: "Be brief." });
    expect(questionFraming({ ...settings, customInstructions: " " }, "")).toEqual({});
  });

  it("falls back to the fast preset when 'model' is chosen but no model is named", () => {
    expect(defaultQuestionOptions(normalizeSettings({ preset: "model", model: "" })).choice).toEqual({ preset: "fast" });
  });
});
