import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, buildAskRequest, defaultQuestionOptions, normalizeSettings, parseDomainList } from "../src/settings";

describe("normalizeSettings", () => {
  it("gives the defaults for missing or broken data.json", () => {
    expect(normalizeSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(normalizeSettings("garbage")).toEqual(DEFAULT_SETTINGS);
  });

  it("keeps valid values and replaces invalid ones field by field", () => {
    const settings = normalizeSettings({
      preset: "medium",
      recency: "decade",
      maxOutputTokens: -5,
      requestTimeoutSeconds: 1e9,
      noteContext: "yes",
      baseUrl: "   ",
    });
    expect(settings.preset).toBe("medium");
    expect(settings.recency).toBe("");
    expect(settings.maxOutputTokens).toBe(0);
    expect(settings.requestTimeoutSeconds).toBe(3600);
    expect(settings.noteContext).toBe(true);
    expect(settings.baseUrl).toBe(DEFAULT_SETTINGS.baseUrl);
  });

  it("never carries an API key: only the secret's name is a setting", () => {
    const settings = normalizeSettings({ apiKey: "pplx-secret", apiKeySecret: "my-key" });
    expect(JSON.stringify(settings)).not.toContain("pplx-secret");
    expect(settings.apiKeySecret).toBe("my-key");
  });
});

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
      instructions: "Context",
      search: { denyDomains: ["example.com"], recency: "week", contextSize: "high" },
      maxOutputTokens: 1000,
    });
  });

  it("uses the configured model when the preset setting says so, and leaves out empty parts", () => {
    const settings = normalizeSettings({ preset: "model", model: "perplexity/sonar", maxOutputTokens: 0 });
    expect(buildAskRequest("Q", defaultQuestionOptions(settings), settings, "")).toEqual({ question: "Q", choice: { model: "perplexity/sonar" } });
  });

  it("falls back to the fast preset when 'model' is chosen but no model is named", () => {
    expect(defaultQuestionOptions(normalizeSettings({ preset: "model", model: "" })).choice).toEqual({ preset: "fast" });
  });
});
