// Issue 19, item 6 (bounds that are not about parsing), through the built main.js: an answer citing 1,500 results
// makes at most 100 source notes, lists the rest with links to their pages and says so; dates beyond next year
// (9999-12-31) are dropped from results and do not stick in a source note that already had one.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { sourceIdOfCanonical } from "../../src/core/source-id";
import { selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

const bounds = JSON.parse(readFileSync("tests/fixtures/hostile/bounds/bounds.json", "utf8")) as { citedResults: number; farFutureDates: string[]; realDate: string };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NOTE = "Many.md";
const QUESTION = "Which sources say anything at all?";
const url = (i: number) => `https://example.com/source-${i}`;

describe("bounds on what one answer can make", () => {
  it("makes at most 100 source notes, lists the other cited sources with links to their pages, and drops dates beyond next year", async () => {
    const n = bounds.citedResults;
    const far = bounds.farFutureDates;
    const results = Array.from({ length: n }, (_, k) => {
      const i = k + 1;
      return { id: i, title: `Source ${i}`, url: url(i), date: far[i % far.length], last_updated: i % 2 ? far[i % far.length] : bounds.realDate };
    });
    const text = results.map((r) => `Claim ${r.id} [${r.id}]`).join(" ");
    // A source note an older version wrote with the far-future date.
    const firstId = sourceIdOfCanonical(url(1));
    const oldNote = `---\nsource_id: ${firstId}\nurl: ${url(1)}\ntitle: Source 1\npublished: 9999-12-31\nupdated: 9999-12-31\nlast_cited: 9999-12-31\n---\n# Source 1\n\n## Notes\n\nMy own notes.\n`;
    h = await startHarness({
      files: { [NOTE]: `# Many\n\n${QUESTION}\n`, [`Sources/${firstId}.md`]: oldNote },
      scenario: { steps: [{ answer: { text, searchResults: [{ results }] } }] },
    });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();

    const note = h.runtime.editor(NOTE).getValue();
    const parsed = parseBlocks(note);
    expect(parsed).toHaveLength(1);
    const block = parsed[0]!.block;
    // Every cited source is listed...
    expect(block.sources.filter((s) => s.cited)).toHaveLength(n);
    // ...but only 100 have notes (the note that existed is one of them, updated).
    const vault = h.runtime.app.vault;
    const notes = vault.getMarkdownFiles().filter((f) => f.path.startsWith("Sources/"));
    expect(notes).toHaveLength(100);
    // The ones past the cap link to their web page.
    const last = block.sources.find((s) => s.url === url(n))!;
    expect(note).toContain(`[${last.id}](${url(n)})`);
    expect(vault.getAbstractFileByPath(`Sources/${last.id}.md`)).toBeNull();
    expect(h.runtime.notices.join("\n")).toContain(`This answer cites ${n.toLocaleString("en-US")} sources. Source notes were made or updated for the first 100`);

    // No date beyond next year anywhere: not in the block, not in a source note; the old note took the real date.
    for (const s of block.sources) {
      for (const d of [s.published, s.updated]) if (d !== undefined) expect(d <= "2027-12-31").toBe(true);
    }
    const written = [note, ...(await Promise.all(notes.map((f) => vault.read(f))))].join("\n");
    for (const d of far) expect(written).not.toContain(d.slice(0, 4) + "-");
    const old = await vault.read(vault.getFileByPath(`Sources/${firstId}.md`)!);
    expect(old).toContain("last_cited: 2026-11-24");
    expect(old).not.toContain("published:");
    expect(old).toContain("My own notes.");
    const second = await vault.read(vault.getFileByPath(`Sources/${block.sources.find((s) => s.url === url(2))!.id}.md`)!);
    expect(second).toContain(`updated: ${bounds.realDate}`);
  });
});
