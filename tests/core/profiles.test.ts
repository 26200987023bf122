import { describe, expect, it } from "vitest";
import { buildAskRequest } from "../../src/core/ask-options";
import { emptyProfile, folderProfile, fromPrompt, indexProfiles, moveFolder, normalizeProfiles, resolveOptions } from "../../src/core/profiles";
import type { Profile } from "../../src/core/profiles";
import { DEFAULT_SETTINGS } from "../../src/settings";

const settings = { ...DEFAULT_SETTINGS, preset: "fast" as const, recency: "" as const, domains: "", searchContextSize: "" as const };

function profile(name: string, over: Partial<Profile>): Profile {
  return { ...emptyProfile(name), ...over };
}

const NEWS = profile("News", { preset: "low", recency: "week", domains: "reuters.com, apnews.com", folders: ["News"] });
const DEEP = profile("Deep", { preset: "high", after: "2025-01-01", before: "2025-12-31", contextSize: "high", language: "de", guidance: "Prefer primary sources.", folders: ["News/Analysis"] });
const index = indexProfiles([NEWS, DEEP]);

describe("resolving a question's options", () => {
  it("uses the settings outside any profiled folder, and says so", () => {
    const r = resolveOptions(settings, index, "Journal/today.md", undefined);
    expect(r.options).toMatchObject({ choice: { preset: "fast" }, recency: "", domains: "" });
    expect(r.from).toMatchObject({ choice: "settings", time: "settings", domains: "settings", language: "not set" });
    expect(r.profile).toBeUndefined();
    expect(r.problems).toEqual([]);
  });

  it("takes the nearest folder's profile: a subfolder's wins over its parent's", () => {
    expect(resolveOptions(settings, index, "News/2026/today.md", undefined)).toMatchObject({
      options: { choice: { preset: "low" }, recency: "week", domains: "reuters.com, apnews.com" },
      from: { choice: 'profile "News" (folder News)', time: 'profile "News" (folder News)' },
      profile: "News",
    });
    const deep = resolveOptions(settings, index, "News/Analysis/x.md", undefined);
    expect(deep.options).toMatchObject({ choice: { preset: "high" }, recency: "", afterDate: "2025-01-01", beforeDate: "2025-12-31", contextSize: "high", language: "de", guidance: "Prefer primary sources." });
    // Domains are not set by Deep: the settings' value, not News's (profiles do not stack).
    expect(deep.from.domains).toBe("settings");
  });

  it("lets the note pick a profile and override single options; note beats folder", () => {
    const r = resolveOptions(settings, index, "News/x.md", { "perplexity-profile": "Deep", "perplexity-recency": "day", "perplexity-language": "fr" });
    expect(r.options).toMatchObject({ choice: { preset: "high" }, recency: "day", language: "fr" });
    expect(r.options.afterDate).toBeUndefined(); // recency from the note replaces the profile's date range
    expect(r.from).toMatchObject({ choice: 'profile "Deep" (note property perplexity-profile)', time: "note property perplexity-recency", language: "note property perplexity-language" });
    expect(r.profile).toBe("Deep");
    const model = resolveOptions(settings, index, "x.md", { "perplexity-preset": "openai/gpt-6-luna", "perplexity-domains": ["-reddit.com", "-pinterest.com"] });
    expect(model.options).toMatchObject({ choice: { model: "openai/gpt-6-luna" }, domains: "-reddit.com\n-pinterest.com" });
    // Perplexity filters one way at a time (reference, correction 4): a mixed list is refused here, naming the property.
    const mixed = resolveOptions(settings, index, "x.md", { "perplexity-domains": ["-reddit.com", "iea.org"] });
    expect(mixed.from.domains).toBe("settings");
    expect(mixed.problems).toEqual([
      "The note property perplexity-domains was not used: the domain list mixes domains to search (iea.org) and domains to exclude (-reddit.com); Perplexity filters one way at a time: list only domains to search, or only domains to exclude (each with a leading -).",
    ]);
  });

  it("never uses a bad property value: names the property, keeps the lower level's value", () => {
    const r = resolveOptions(settings, index, "News/x.md", {
      "perplexity-recency": "fortnight",
      "perplexity-preset": "sonar-pro",
      "perplexity-profile": "Nope",
      "perplexity-domains": "not a domain!",
      "perplexity-language": 42,
    });
    expect(r.options).toMatchObject({ choice: { preset: "low" }, recency: "week", domains: "reuters.com, apnews.com" });
    expect(r.problems).toEqual([
      'The note property perplexity-profile was not used: there is no profile named "Nope" (profiles: "News", "Deep").',
      'The note property perplexity-preset was not used: "sonar-pro" is neither a preset (fast, low, medium, high, xhigh) nor a model name like openai/gpt-6-luna.',
      'The note property perplexity-domains was not used: "not" is not a domain, a suffix like .gov or a URL.',
      'The note property perplexity-recency was not used: "fortnight" is not one of hour, day, week, month, year.',
      'The note property perplexity-language was not used: "42" is not a two-letter language code (like de or en).',
    ]);
    // What is sent carries none of the bad values.
    const request = buildAskRequest("Q?", r.options, settings, "");
    expect(request).toMatchObject({ choice: { preset: "low" }, search: { recency: "week", allowDomains: ["reuters.com", "apnews.com"] } });
  });

  it("reports a profile's own bad fields and leaves them out", () => {
    const bad = indexProfiles([profile("Bad", { preset: "turbo", after: "2025-13-01", folders: ["X"] })]);
    const r = resolveOptions(settings, bad, "X/y.md", undefined);
    expect(r.options.choice).toEqual({ preset: "fast" });
    expect(r.options.afterDate).toBeUndefined();
    expect(r.problems[0]).toMatch(/^profile "Bad": preset or model "turbo" is neither a preset/);
    expect(r.problems[1]).toBe('profile "Bad": dates must be yyyy-MM-dd, got "2025-13-01"; no date range used');
  });

  it("marks what the ask prompt changed", () => {
    const r = resolveOptions(settings, index, "News/x.md", undefined);
    const after = fromPrompt(r, { ...r.options, recency: "month" });
    expect(after.from.time).toBe("ask prompt");
    expect(after.from.choice).toBe('profile "News" (folder News)');
  });

  it("builds the request with language, guidance and the date range", () => {
    const r = resolveOptions(settings, index, "News/Analysis/x.md", undefined);
    expect(buildAskRequest("Q?", r.options, settings, "")).toEqual({
      question: "Q?",
      choice: { preset: "high" },
      search: { afterDate: "2025-01-01", beforeDate: "2025-12-31", contextSize: "high" },
      language: "de",
      guidance: "Prefer primary sources.",
    });
  });
});

describe("folders", () => {
  it("finds the vault root's profile last", () => {
    const root = indexProfiles([profile("Root", { folders: [""] }), NEWS]);
    expect(folderProfile(root, "a/b/c.md")?.profile.name).toBe("Root");
    expect(folderProfile(root, "News/c.md")?.folder).toBe("News");
  });

  it("follows a renamed folder and its subfolders, drops a deleted one, and says so", () => {
    const profiles = [profile("A", { folders: ["Research", "Research/Sub", "Researchers"] })];
    expect(moveFolder(profiles, "Research", "Work/Research")).toEqual([
      'profile "A" now applies to Work/Research (was Research)',
      'profile "A" now applies to Work/Research/Sub (was Research/Sub)',
    ]);
    expect(profiles[0]!.folders).toEqual(["Work/Research", "Work/Research/Sub", "Researchers"]);
    expect(moveFolder(profiles, "Work/Research", null)).toHaveLength(2);
    expect(profiles[0]!.folders).toEqual(["Researchers"]);
  });
});

describe("profiles in data.json", () => {
  it("survive hand edits: garbage dropped, names unique, folders cleaned", () => {
    const p = normalizeProfiles([null, 3, { name: "A", preset: 5, folders: ["/News/", 7, "  ", "News"] }, { name: "A" }, { folders: "x" }]);
    expect(p.map((x) => x.name)).toEqual(["A", "A (2)", "Profile 3"]);
    expect(p[0]).toMatchObject({ preset: "", folders: ["News"] });
    expect(normalizeProfiles("nope")).toEqual([]);
  });
  it("keep a profile on the vault root through a save and a load (the root is saved as \"\")", () => {
    const loaded = normalizeProfiles([{ name: "Everywhere", folders: ["/"] }]);
    expect(loaded[0]!.folders).toEqual([""]);
    const reloaded = normalizeProfiles(JSON.parse(JSON.stringify(loaded)));
    expect(reloaded[0]!.folders).toEqual([""]);
    expect(folderProfile(indexProfiles(reloaded), "Deep/Down/Note.md")?.profile.name).toBe("Everywhere");
  });
});
