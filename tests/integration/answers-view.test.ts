// The answers view through the built main.js: built from the vault, kept current from vault events, filters,
// open and refresh actions.
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { askRequests, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function block(id: string, askedAt: string, question: string): string {
  const answer = `Answer to ${question}`;
  const b: AnswerBlock = {
    blockId: id, state: "answered", askedAt, question, request: { preset: "fast", noteContext: false }, answeredBy: "openai/gpt-6-luna", answer,
    sources: [{ id: "src111", url: "https://a.example/", title: "A", cited: true }], cost: 0.004, answerHash: hashText(answer),
  };
  return formatBlock(b, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` });
}

interface View {
  contentEl: HTMLElement;
  onOpen(): Promise<void>;
  rows(): { blockId: string; path: string; question: string }[];
  redraw(): void;
  filter: { staleness?: string; folder?: string; text?: string };
}

async function openView(): Promise<View> {
  expect(h!.runtime.commandIds()).toContain("open-answers-view");
  const creators = (h!.plugin as unknown as { views__: Map<string, (leaf: unknown) => View> }).views__;
  // The runtime's leaves do not build views from a view state: build it as Obsidian would.
  const view = creators.get("perplexity-answers")!(h!.runtime.app.workspace.getRightLeaf(false));
  await view.onOpen();
  return view;
}

const FILES = {
  "Energy/Solar.md": `# Solar\n\n${block("aaaaaa", "2026-09-01T10:00:00.000Z", "Solar prices?")}\n`,
  "Energy/Wind.md": `# Wind\n\n${block("bbbbbb", "2026-11-20T10:00:00.000Z", "Wind capacity?")}\n`,
  "Plain.md": "Nothing here.\n",
};

describe("answers view", () => {
  it("lists every answer with note, age and stale mark, model, cost and sources", async () => {
    h = await startHarness({ files: FILES });
    const view = await openView();
    expect(view.rows().map((r) => r.blockId)).toEqual(["bbbbbb", "aaaaaa"]);
    const text = view.contentEl.textContent ?? "";
    expect(text).toContain("2 of 2 answers");
    expect(text).toContain("Energy/Solar · 3 mo (stale) · fast · openai/gpt-6-luna · $0.0040 · 1 cited of 1 sources");
    expect(text).toContain("Energy/Wind · 4 d · fast");
    view.filter.staleness = "stale";
    view.redraw();
    expect(view.rows().map((r) => r.blockId)).toEqual(["aaaaaa"]);
    expect(askRequests(h.emulator)).toHaveLength(0);
  });

  it("stays current from vault events: a new answer, a rename, a deletion", async () => {
    h = await startHarness({ files: FILES });
    const view = await openView();
    const vault = h.runtime.app.vault;
    await vault.modify(vault.getFileByPath("Plain.md")!, `Now with an answer.\n\n${block("cccccc", "2026-11-24T10:00:00.000Z", "Tides?")}\n`);
    await new Promise((r) => setTimeout(r, 20));
    expect(view.rows().map((r) => r.blockId)).toEqual(["cccccc", "bbbbbb", "aaaaaa"]);
    await vault.rename(vault.getFileByPath("Energy/Wind.md")!, "Archive/Wind.md");
    expect(view.rows().find((r) => r.blockId === "bbbbbb")?.path).toBe("Archive/Wind.md");
    await vault.delete(vault.getFileByPath("Energy/Solar.md")!);
    expect(view.rows().map((r) => r.blockId)).toEqual(["cccccc", "bbbbbb"]);
  });

  it("refreshes an answer from its row", async () => {
    h = await startHarness({ files: FILES, scenario: { default: { answer: { text: "Fresh." } } } });
    const view = await openView();
    expect(Array.from(view.contentEl.querySelectorAll("button")).filter((b) => b.textContent === "Refresh")).toHaveLength(2);
    // The runtime's buttons do not fire DOM clicks: call what the second row's button calls (Solar, the older one).
    (view as unknown as { refresh(row: unknown): void }).refresh(view.rows()[1]);
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(1);
    const solar = parseBlocks(await h.runtime.read("Energy/Solar.md"))[0]!.block;
    expect(solar.answer).toMatch(/^Fresh\./);
  });
});

describe("create-sources-dashboard", () => {
  it("writes a Bases file next to the source notes, opens it, and never overwrites one", async () => {
    h = await startHarness({ files: FILES, settings: { sourceFolder: "Refs" } });
    expect(h.runtime.runCommand("create-sources-dashboard")).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const text = await h.runtime.read("Refs/Sources dashboard.base");
    const base = h.runtime.obsidian.parseYaml(text) as { filters: { and: string[] }; views: { order: string[] }[] };
    expect(base.filters.and).toEqual(['file.inFolder("Refs")', 'file.hasProperty("source_id")']);
    expect(base.views[0]?.order).toContain("formula.cited_by");
    expect(h.runtime.notices.at(-1)).toMatch(/^Created Refs\/Sources dashboard\.base/);
    const vault = h.runtime.app.vault;
    await vault.modify(vault.getFileByPath("Refs/Sources dashboard.base")!, "# my edits\n");
    h.runtime.runCommand("create-sources-dashboard");
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.runtime.read("Refs/Sources dashboard.base")).toBe("# my edits\n");
    expect(h.runtime.notices.at(-1)).toMatch(/already exists, so it was left as it is/);
  });
});
