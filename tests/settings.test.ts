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

  it("never carries an API key: only the secret's name is a setting", () => {
    const settings = normalizeSettings({ apiKey: "pplx-secret", apiKeySecret: "my-key" });
    expect(JSON.stringify(settings)).not.toContain("pplx-secret");
    expect(settings.apiKeySecret).toBe("my-key");
  });
});
