import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, normalizeSettings } from "../src/settings";

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

  it("leaves the output limit to the preset by default, also for data saved with the old 2,048 default", () => {
    expect(DEFAULT_SETTINGS.maxOutputTokens).toBe(0);
    expect(normalizeSettings({ maxOutputTokens: 2048 }).maxOutputTokens).toBe(0);
    // A limit chosen once the new settings exist is kept, 2,048 included.
    expect(normalizeSettings({ maxOutputTokens: 2048, replaceSystemPrompt: false }).maxOutputTokens).toBe(2048);
    expect(normalizeSettings({ maxOutputTokens: 4000 }).maxOutputTokens).toBe(4000);
  });

  it("keeps the system prompt the preset's unless the user turned replacing it on; reads the language as a code", () => {
    expect(DEFAULT_SETTINGS.replaceSystemPrompt).toBe(false);
    expect(normalizeSettings({ replaceSystemPrompt: "yes" }).replaceSystemPrompt).toBe(false);
    expect(normalizeSettings({ language: " DE " }).language).toBe("de");
    expect(normalizeSettings({ language: "German" }).language).toBe("");
  });

  it("never carries an API key: only the secret's name is a setting", () => {
    const settings = normalizeSettings({ apiKey: "pplx-secret", apiKeySecret: "my-key" });
    expect(JSON.stringify(settings)).not.toContain("pplx-secret");
    expect(settings.apiKeySecret).toBe("my-key");
  });
});
