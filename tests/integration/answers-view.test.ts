// The answers view through the built main.js: built from the vault, kept current from vault events, filters,
// open and refresh actions.
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { NOTE, QUESTION, askRequests, selectInNote, startHarness } from "./harness";
import { waitFor } from "../obsidian-runtime/runtime";
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

/** The view in its leaf, as the command opens it (setViewState builds it, as in the app). */
async function openView(): Promise<View> {
  expect(h!.runtime.runCommand("open-answers-view")).toBe(true);
  await waitFor(() => answersLeaves().some((leaf) => leaf.view !== null), 2000, "the answers view");
  await new Promise((r) => setTimeout(r, 0));
  return answersLeaves()[0]!.view!;
}

function answersLeaves(): { view: View | null; detach(): void; isDeferred: boolean }[] {
  return h!.runtime.app.workspace.getLeavesOfType("perplexity-answers") as unknown as { view: View | null; detach(): void; isDeferred: boolean }[];
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

describe("answers view and Obsidian's metadata (issue 22, items 11-13)", () => {
  it("reads a note's frontmatter once Obsidian has parsed it: perplexity-stale-after: never makes an old answer fresh", async () => {
    h = await startHarness({ files: FILES });
    const view = await openView();
    const solar = () => view.rows().find((r) => r.blockId === "aaaaaa")!;
    const staleNow = () => (view as unknown as { indexer: { index: { isStale(row: unknown, now: number, days: number): boolean } } }).indexer.index.isStale(solar(), Date.parse("2026-11-24T16:43:12.385Z"), 30);
    expect(staleNow()).toBe(true);
    const vault = h.runtime.app.vault;
    const file = vault.getFileByPath("Energy/Solar.md")!;
    // The vault's "modify" comes before Obsidian re-parses the note: its frontmatter is read from the new parse.
    await vault.modify(file, `---\nperplexity-stale-after: never\n---\n${await vault.read(file)}`);
    await h.runtime.metadataSettled();
    await new Promise((r) => setTimeout(r, 10));
    expect(staleNow()).toBe(false);
    view.filter.staleness = "stale";
    expect(view.rows().map((r) => r.blockId)).toEqual([]);
  });

  it("a view shown at start-up is built before the vault is indexed, and fills in as Obsidian indexes it", async () => {
    h = await startHarness({ files: FILES, runtime: { layout: [{ type: "perplexity-answers", shown: true }] } });
    await new Promise((r) => setTimeout(r, 300));
    const leaf = answersLeaves()[0]!;
    expect(leaf.view!.rows().map((r) => r.blockId)).toEqual(["bbbbbb", "aaaaaa"]);
    expect(leaf.view!.contentEl.textContent).toContain("2 of 2 answers");
  });

  it("a view restored in a background tab stays deferred until it is shown", async () => {
    h = await startHarness({ files: FILES, runtime: { layout: [{ type: "perplexity-answers", shown: false }] } });
    const leaf = answersLeaves()[0]!;
    expect(leaf.isDeferred).toBe(true);
    expect(leaf.view).toBeNull();
    await h.runtime.app.workspace.revealLeaf(leaf as never);
    expect(leaf.view!.rows().map((r) => r.blockId)).toEqual(["bbbbbb", "aaaaaa"]);
  });

  it("keeps no reference to a closed view: closing it lets it be collected", async () => {
    h = await startHarness({ files: FILES });
    const gc = collector();
    let view: View | null = await openView();
    const ref = new WeakRef(view);
    answersLeaves()[0]!.detach();
    view = null;
    // deref() keeps its target alive to the end of the current job, so collect in a job of its own each time.
    let collected = false;
    for (let i = 0; i < 10 && !collected; i++) {
      await new Promise((r) => setTimeout(r, 30));
      gc();
      await new Promise((r) => setTimeout(r, 0));
      collected = ref.deref() === undefined;
    }
    expect(collected).toBe(true);
    expect(answersLeaves()).toHaveLength(0);
  });
});

/** V8's collector, reached without --expose-gc on the command line. */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

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

  // Issue 22, item 9: the source notes' folder, as the source linker makes it safe, not the setting as typed.
  it.each([
    ["./Sources", "Sources"],
    [" Sources", "Sources"],
    ["Sources/../Refs", "Sources/Refs"],
  ])("with the source folder set to %j, writes the dashboard into %s, where the source notes go", async (setting, folder) => {
    h = await startHarness({ settings: { sourceFolder: setting }, scenario: { default: { answer: { text: "Tides turn.[1]", searchResults: [{ results: [{ id: 1, title: "Tides", url: "https://tides.example.org/a" }] }] } } } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const notes = h.runtime.app.vault.getMarkdownFiles().filter((f) => f.path !== NOTE);
    expect(notes.map((f) => f.parent?.path)).toEqual([folder]);
    h.runtime.runCommand("create-sources-dashboard");
    await new Promise((r) => setTimeout(r, 50));
    const base = h.runtime.obsidian.parseYaml(await h.runtime.read(`${folder}/Sources dashboard.base`)) as { filters: { and: string[] } };
    expect(base.filters.and[0]).toBe(`file.inFolder("${folder}")`);
    expect(h.runtime.app.vault.getFiles().map((f) => f.path).filter((p) => p.endsWith(".base"))).toEqual([`${folder}/Sources dashboard.base`]);
  });
});
