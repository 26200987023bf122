// Profiles through the built main.js: folder profiles, note properties, provenance in the ask prompt, what is
// sent, what the block records, refreshes, and folders renamed or deleted.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { askRequests, askedOf, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const Q = "What changed in solar prices?";
const NEWS = { name: "News", preset: "low", recency: "week", domains: "reuters.com", folders: ["News"] };
const DE = { name: "German", preset: "medium", language: "de", guidance: "Answer for a policy audience.", after: "2025-01-01", before: "2025-12-31", folders: [] };

async function ask(path: string) {
  await selectInNote(h!.runtime, path, Q);
  expect(h!.runtime.runCommand("ask-selection")).toBe(true);
  await h!.plugin.idle();
}

const body = (i = 0) => askRequests(h!.emulator)[i]?.json as Record<string, unknown>;

describe("profiles", () => {
  it("asks a note in a profiled folder with the profile's options and records them in the block", async () => {
    h = await startHarness({ files: { "News/2026/Solar.md": `${Q}\n` }, settings: { profiles: [NEWS, DE] } });
    await ask("News/2026/Solar.md");
    // The question alone is searched; the note context (issue 9) is framing read beside it, never instructions.
    expect(body()).toMatchObject({ preset: "low" });
    expect(askedOf(askRequests(h.emulator)[0])).toEqual({ question: Q, framing: 'The question comes from a note titled "Solar". Read it in that context.', turns: [] });
    expect(body().tools).toEqual([{ type: "web_search", filters: { search_domain_filter: ["reuters.com"], search_recency_filter: "week" } }]);
    const block = parseBlocks(h.runtime.editor("News/2026/Solar.md").getValue())[0]!.block;
    expect(block.request).toMatchObject({ preset: "low", recency: "week", allowDomains: ["reuters.com"], profile: "News" });
  });

  it("a note's properties beat its folder: profile, language, guidance and date range are sent as the API expects", async () => {
    const note = `---\nperplexity-profile: German\nperplexity-language: fr\n---\n${Q}\n`;
    h = await startHarness({ files: { "News/Solar.md": note }, settings: { profiles: [NEWS, DE] } });
    await ask("News/Solar.md");
    expect(body()).toMatchObject({ preset: "medium", language_preference: "fr" });
    expect(askedOf(askRequests(h.emulator)[0])).toEqual({
      question: Q,
      framing: 'Answer for a policy audience.\n\nThe question comes from a note titled "Solar". Read it in that context.',
      turns: [],
    });
    expect(body().instructions === undefined || !String(body().instructions).includes("policy audience")).toBe(true);
    // German sets no domains: they come from the settings (empty), not from the folder's News profile.
    expect(body().tools).toEqual([{ type: "web_search", filters: { search_after_date_filter: "01/01/2025", search_before_date_filter: "12/31/2025" } }]);
    const block = parseBlocks(h.runtime.editor("News/Solar.md").getValue())[0]!.block;
    expect(block.request).toMatchObject({ preset: "medium", language: "fr", guidance: "Answer for a policy audience.", afterDate: "2025-01-01", beforeDate: "2025-12-31", profile: "German" });
  });

  it("a bad property value is named, never sent, and the folder's value is used", async () => {
    const note = `---\nperplexity-recency: fortnight\nperplexity-preset: sonar-pro\n---\n${Q}\n`;
    h = await startHarness({ files: { "News/Solar.md": note }, settings: { profiles: [NEWS] } });
    await ask("News/Solar.md");
    const notice = h.runtime.notices.find((n) => n.includes("perplexity-recency")) ?? "";
    expect(notice).toContain('The note property perplexity-recency was not used: "fortnight" is not one of hour, day, week, month, year.');
    expect(notice).toContain("The note property perplexity-preset was not used");
    expect(body()).toMatchObject({ preset: "low" });
    expect(JSON.stringify(body())).not.toMatch(/fortnight|sonar-pro/);
    expect((body().tools as { filters: Record<string, unknown> }[])[0]?.filters.search_recency_filter).toBe("week");
  });

  it("the ask prompt shows where each value came from, and what the user changed there", async () => {
    const note = `---\nperplexity-language: de\n---\n${Q}\n`;
    h = await startHarness({ files: { "News/Solar.md": note }, settings: { profiles: [NEWS] } });
    await h.runtime.openNote("News/Solar.md");
    expect(h.runtime.runCommand("ask")).toBe(true);
    const modal = h.runtime.openModals[0] as unknown as { contentEl: HTMLElement; from: Record<string, string>; submit(): void };
    const text = modal.contentEl.textContent ?? "";
    expect(text).toContain('From profile "News" (folder News).');
    expect(text).toContain("From note property perplexity-language.");
    expect(text).toContain("Profile: News.");
    expect(modal.from).toMatchObject({ choice: 'profile "News" (folder News)', time: 'profile "News" (folder News)', domains: 'profile "News" (folder News)', language: "note property perplexity-language" });
    // The runtime's dropdowns do not fire DOM change events: change the value as the dropdown's handler does.
    (modal as unknown as { options: { recency: string } }).options.recency = "month";
    modal.submit();
    expect(modal.from.time).toBe("ask prompt");
    expect(modal.from.choice).toBe('profile "News" (folder News)');
    await h.plugin.idle();
    expect((body().tools as { filters: Record<string, unknown> }[])[0]?.filters.search_recency_filter).toBe("month");
    expect(body().language_preference).toBe("de");
  });

  it("follows a renamed folder and drops a deleted one, saying so", async () => {
    h = await startHarness({ files: { "News/Solar.md": `${Q}\n` }, settings: { profiles: [NEWS] } });
    const vault = h.runtime.app.vault;
    await vault.rename(vault.getFolderByPath("News")!, "Press");
    expect(h.runtime.notices.at(-1)).toBe('Perplexity Query: profile "News" now applies to Press (was News).');
    expect((h.runtime.data as { profiles: { folders: string[] }[] }).profiles[0]?.folders).toEqual(["Press"]);
    await ask("Press/Solar.md");
    expect(body()).toMatchObject({ preset: "low" });
    await vault.delete(vault.getFolderByPath("Press")!, true);
    expect(h.runtime.notices.at(-1)).toBe('Perplexity Query: profile "News" is no longer attached to the deleted folder Press.');
    expect((h.runtime.data as { profiles: { folders: string[] }[] }).profiles[0]?.folders).toEqual([]);
  });

  it("a profile attached to a folder that no longer exists is ignored and flagged in settings", async () => {
    h = await startHarness({ files: { "Other/Solar.md": `${Q}\n` }, settings: { profiles: [{ ...NEWS, folders: ["Gone"] }] } });
    await ask("Other/Solar.md");
    expect(body()).toMatchObject({ preset: "fast" });
    const tab = (h.plugin as unknown as { settingTabs__: { display(): void; containerEl: HTMLElement }[] }).settingTabs__[0]!;
    tab.display();
    // Profiles open in their own window from the settings tab's "Edit…" row, the only one.
    const edit = [...tab.containerEl.querySelectorAll("button")].filter((b) => b.textContent === "Edit…");
    expect(edit).toHaveLength(1);
    edit[0]!.click();
    const window = h.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement };
    expect(window.contentEl.textContent).toContain("Not found in the vault (renamed or deleted while the plugin was off?): Gone.");
  });
});

describe("a profile on the vault root", () => {
  it("covers every note after the settings were saved and read again, and shows as / in settings", async () => {
    const root = { ...NEWS, name: "Everywhere", folders: ["/"] };
    h = await startHarness({ files: { "Deep/Down/Solar.md": `${Q}\n` }, settings: { profiles: [root] } });
    await ask("Deep/Down/Solar.md");
    // The ask saved data.json (its cost); a restart reads that file: the root must still be there.
    const { baseUrl: _oldServer, ...saved } = structuredClone(h.runtime.data) as Record<string, unknown>;
    await h.close();
    h = await startHarness({ files: { "Deep/Down/Solar.md": `${Q}\n` }, settings: saved });
    await ask("Deep/Down/Solar.md");
    expect(body()).toMatchObject({ preset: "low" });
    expect(parseBlocks(h.runtime.editor("Deep/Down/Solar.md").getValue())[0]!.block.request).toMatchObject({ profile: "Everywhere" });
    const tab = (h.plugin as unknown as { settingTabs__: { display(): void; containerEl: HTMLElement }[] }).settingTabs__[0]!;
    tab.display();
    [...tab.containerEl.querySelectorAll("button")].find((b) => b.textContent === "Edit…")!.click();
    const window = h.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement };
    expect([...window.contentEl.querySelectorAll("textarea")].map((t) => t.value)).toContain("/");
  });
});

describe("refresh and profiles", () => {
  it("asks as recorded after the profile changed, or with the current profile when the setting says so", async () => {
    h = await startHarness({ files: { "News/Solar.md": `${Q}\n` }, settings: { profiles: [NEWS] } });
    await ask("News/Solar.md");
    const settings = h.plugin.settings as { profiles: { preset: string }[]; refreshAppliesProfile: boolean };
    settings.profiles[0]!.preset = "high";
    expect(h.runtime.runCommand("refresh-stale-in-note")).toBe(true); // nothing stale yet
    await h.plugin.idle();
    const view = h.runtime.editor("News/Solar.md");
    view.setCursor(view.offsetToPos(view.getValue().indexOf("**Question:**")));
    h.runtime.runCommand("refresh-at-cursor");
    await h.plugin.idle();
    expect(body(1)).toMatchObject({ preset: "low" });
    settings.refreshAppliesProfile = true;
    h.runtime.runCommand("refresh-at-cursor");
    await h.plugin.idle();
    expect(body(2)).toMatchObject({ preset: "high" });
    expect(parseBlocks(view.getValue())[0]!.block.request).toMatchObject({ preset: "high", profile: "News" });
  });
});
