// Source notes through the built main.js: one note per URL, shared across answers.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const shared = { id: 1, title: "Shared source", url: "https://shared.example.com/report?utm_source=feed", date: "2025-01-01", last_updated: "2025-09-17", snippet: "A quoted snippet." };
const answerA = { text: "Alpha.[1] Beta.[2]", searchResults: [{ results: [shared, { id: 2, title: "Only in A", url: "https://a.example.com/" }] }] };
const answerB = { text: "Gamma.[1]", searchResults: [{ results: [{ ...shared, url: "https://shared.example.com/report", last_updated: "2025-10-01" }] }] };

const files = {
  "Note A.md": "Question A?\n",
  "Note B.md": "Question B?\n",
};

function sourceNotes(h: Harness) {
  return h.runtime.app.vault.getMarkdownFiles().filter((f) => f.path.startsWith("Sources/"));
}

describe("source notes", () => {
  it("creates one note per URL and shares it across answers and notes", async () => {
    h = await startHarness({ files, scenario: { steps: [{ answer: answerA }, { answer: answerA }, { answer: answerB }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(2);

    // The same question again: no new notes.
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(2);

    // A different note citing the same URL (without tracking parameters): same note, both in cited_in.
    await selectInNote(h.runtime, "Note B.md", "Question B?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(2);

    const blockB = parseBlocks(h.runtime.editor("Note B.md").getValue())[0]!.block;
    const sharedId = blockB.sources[0]!.id;
    const note = h.runtime.app.vault.getFileByPath(`Sources/${sharedId}.md`)!;
    expect(note).toBeTruthy();
    const text = await h.runtime.app.vault.read(note);
    expect(text).toContain("cited_in:");
    expect(text).toContain("[[Note A]]");
    expect(text).toContain("[[Note B]]");
    expect(text).toContain("updated: 2025-10-01");
    expect(text).toContain("> A quoted snippet.");
    // The answer links to the source note and still reads as the ID.
    expect(blockB.answer).toContain(`[[${sharedId}`);
    // Backlinks: the answer's note links to the source note.
    await h.runtime.saveAll();
    await h.runtime.metadataSettled();
    expect(h.runtime.app.metadataCache.resolvedLinks["Note B.md"]?.[note.path]).toBeGreaterThan(0);
  });

  it("keeps the user's edits to a source note and finds a renamed note by its url", async () => {
    h = await startHarness({ files, scenario: { steps: [{ answer: answerA }, { answer: answerB }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const id = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    const note = h.runtime.app.vault.getFileByPath(`Sources/${id}.md`)!;
    await h.runtime.app.vault.process(note, (t) => t.replace("## Notes\n", "## Notes\n\nMy own thoughts.\n").replace("tags:", "rating: 5\ntags:"));
    await h.runtime.app.vault.rename(note, "Sources/Renamed by me.md");

    await selectInNote(h.runtime, "Note B.md", "Question B?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(h.runtime.app.vault.getFileByPath(`Sources/${id}.md`)).toBeNull();
    const text = await h.runtime.read("Sources/Renamed by me.md");
    expect(text).toContain("My own thoughts.");
    expect(text).toContain("rating: 5");
    expect(text).toContain("[[Note B]]");
    expect(parseBlocks(h.runtime.editor("Note B.md").getValue())[0]!.block.answer).toContain("Renamed by me");
  });

  it("never touches a file with the ID's name that is not a source note: the ID grows instead", async () => {
    h = await startHarness({ files, scenario: { steps: [{ answer: answerA }, { answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const id = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    // Simulate a fresh vault where a user's own note already has that name.
    await h.close();
    h = await startHarness({ files: { ...files, [`Sources/${id}.md`]: "My unrelated note\n" }, scenario: { steps: [{ answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(await h.runtime.read(`Sources/${id}.md`)).toBe("My unrelated note\n");
    const newId = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    expect(newId).toHaveLength(7);
    expect(newId).not.toBe(id);
    expect(h.runtime.app.vault.getFileByPath(`Sources/${newId}.md`)).not.toBeNull();
  });

  it("finds a copy of a source note after the original is deleted (a move done outside Obsidian)", async () => {
    h = await startHarness({ files, scenario: { steps: [{ answer: answerA }, { answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const id = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    const original = h.runtime.app.vault.getFileByPath(`Sources/${id}.md`)!;
    const copyText = (await h.runtime.app.vault.read(original)).replace("## Notes\n", "## Notes\n\nKept in the archive.\n");
    await h.runtime.app.vault.createFolder("Archive");
    await h.runtime.app.vault.create("Archive/copy.md", copyText);
    await h.runtime.app.vault.delete(original);

    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(h.runtime.app.vault.getFileByPath(`Sources/${id}.md`)).toBeNull();
    expect(await h.runtime.read("Archive/copy.md")).toContain("Kept in the archive.");
    // The newest answer comes after the first one: answers about a paragraph keep the order they were asked in.
    const blocks = parseBlocks(h.runtime.editor("Note A.md").getValue());
    expect(blocks).toHaveLength(2);
    expect(blocks[1]!.block.answer).toContain("[[copy|");
  });

  it("keeps a lengthened ID for its URL after the collision is gone", async () => {
    h = await startHarness({ files, scenario: { steps: [{ answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const id = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    await h.close();
    h = await startHarness({ files: { ...files, [`Sources/${id}.md`]: "Someone else's note\n" }, scenario: { steps: [{ answer: answerA }, { answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const longer = parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.sources[0]!.id;
    expect(longer).toHaveLength(7);
    await h.runtime.app.vault.delete(h.runtime.app.vault.getFileByPath(`Sources/${id}.md`)!);
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const blocks = parseBlocks(h.runtime.editor("Note A.md").getValue());
    expect(blocks.map((b) => b.block.sources[0]!.id)).toEqual([longer, longer]);
    expect(blocks[0]!.block.answer).toContain(`[[${longer}]]`);
  });

  it("creates no notes when the setting is off and links to the URL instead", async () => {
    h = await startHarness({ files, settings: { createSourceNotes: false }, scenario: { steps: [{ answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(0);
    expect(parseBlocks(h.runtime.editor("Note A.md").getValue())[0]!.block.answer).toContain("](https://shared.example.com/report");
  });

  it("keeps a hostile source folder setting inside the vault", async () => {
    h = await startHarness({ files, settings: { sourceFolder: "/../../outside/" }, scenario: { steps: [{ answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const paths = h.runtime.app.vault.getMarkdownFiles().map((f) => f.path);
    expect(paths.filter((p) => p.startsWith("outside/"))).toHaveLength(2);
    expect(paths.some((p) => p.includes(".."))).toBe(false);
  });
});

describe("link-citations", () => {
  it("creates the source notes of answers written while source notes were off and repoints their links", async () => {
    h = await startHarness({ files, settings: { createSourceNotes: false }, scenario: { steps: [{ answer: answerA }] } });
    await selectInNote(h.runtime, "Note A.md", "Question A?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(0);
    const editor = h.runtime.editor("Note A.md");
    editor.replaceRange("A line the user added.\n", { line: 0, ch: 0 });
    const before = parseBlocks(editor.getValue())[0]!;
    expect(before.block.answer).toContain("](https://shared.example.com/report)");

    (h.plugin.settings as { createSourceNotes: boolean }).createSourceNotes = true;
    expect(h.runtime.runCommand("link-citations")).toBe(true);
    await h.plugin.idle();

    const text = editor.getValue();
    expect(text.startsWith("A line the user added.\nQuestion A?\n\n> [!perplexity]")).toBe(true);
    const after = parseBlocks(text)[0]!;
    expect(after.block.blockId).toBe(before.block.blockId);
    expect(after.edited).toBe(false);
    const cited = after.block.sources.filter((s) => s.cited);
    expect(sourceNotes(h).map((f) => f.basename).sort()).toEqual(cited.map((s) => s.id).sort());
    for (const s of cited) expect(after.block.answer).toContain(`[[${s.id}]]`);
    expect(after.block.answer).not.toContain("](https://");
    expect(h.runtime.notices.at(-1)).toBe("Linked 2 cited sources in 1 answer, 2 source notes made; 1 answer rewritten with the links.");

    // Running it again changes nothing.
    h.runtime.runCommand("link-citations");
    await h.plugin.idle();
    expect(editor.getValue()).toBe(text);
    expect(h.runtime.notices.at(-1)).toBe("Linked 2 cited sources in 1 answer; no answer needed new links.");

    // A source note deleted by hand is made again, and the notice says so.
    await h.runtime.app.vault.delete(sourceNotes(h)[0]!);
    h.runtime.runCommand("link-citations");
    await h.plugin.idle();
    expect(sourceNotes(h)).toHaveLength(2);
    expect(h.runtime.notices.at(-1)).toBe("Linked 2 cited sources in 1 answer, 1 source note made; no answer needed new links.");
  });
});
