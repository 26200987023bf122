// Refreshing stale answers through the built main.js against the emulator.
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { askRequests, askedOf, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NOW = "2026-11-24T16:43:12.385Z";
const OLD = "2026-09-01T10:00:00.000Z";
const RECENT = "2026-11-20T10:00:00.000Z";

function block(id: string, askedAt: string, question: string, over: Partial<AnswerBlock> = {}): string {
  const answer = over.answer ?? `Old answer to ${question} [oldsrc](https://old.example/).`;
  const b: AnswerBlock = {
    blockId: id,
    state: "answered",
    askedAt,
    question,
    request: { preset: "low", recency: "month", allowDomains: ["iea.org"], noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    answer,
    sources: [{ id: "oldsrc", url: "https://old.example/", title: "Old", cited: true }],
    cost: 0.01,
    answerHash: hashText(answer),
    ...over,
  };
  return formatBlock(b, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[${s.id}](${s.url})` });
}

const NEW_ANSWER = { text: "Fresh answer.[1]", searchResults: [{ results: [{ id: 1, title: "New", url: "https://new.example/" }] }] };

function note(...parts: string[]): string {
  return `# Solar\n\n${parts.join("\n\n")}\n\nThe end, written by me.\n`;
}

async function runNoteRefresh(path: string) {
  await h!.runtime.openNote(path);
  expect(h!.runtime.runCommand("refresh-stale-in-note")).toBe(true);
  await h!.plugin.idle();
}

describe("refresh-stale-in-note", () => {
  it("re-asks only stale answers, as recorded, and replaces them in place keeping id and position", async () => {
    const text = note("Intro.", block("aaaaaa", OLD, "Stale question?"), "Between.", block("bbbbbb", RECENT, "Fresh question?"));
    h = await startHarness({ files: { "Solar.md": text }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Solar.md");

    const after = h.runtime.editor("Solar.md").getValue();
    const blocks = parseBlocks(after);
    expect(blocks.map((b) => b.block.blockId)).toEqual(["aaaaaa", "bbbbbb"]);
    const [refreshed, untouched] = blocks.map((b) => b.block);
    expect(refreshed?.askedAt).toBe(NOW);
    expect(refreshed?.answer).toMatch(/^Fresh answer\. /);
    expect(refreshed?.previous?.[0]).toMatchObject({ askedAt: OLD, answer: "Old answer to Stale question? [oldsrc](https://old.example/)." });
    expect(refreshed?.changes?.dropped).toEqual(["oldsrc"]);
    expect(untouched?.askedAt).toBe(RECENT);
    // Everything the user wrote around the blocks is still there, in order.
    expect(after.startsWith("# Solar\n\nIntro.\n\n> [!perplexity]")).toBe(true);
    expect(after).toContain("\n\nBetween.\n\n");
    expect(after.endsWith("\n\nThe end, written by me.\n")).toBe(true);
    // Asked exactly as recorded.
    const requests = askRequests(h.emulator);
    expect(requests).toHaveLength(1);
    const body = requests[0]?.json as Record<string, unknown>;
    expect(body).toMatchObject({ preset: "low" });
    expect(askedOf(requests[0]).question).toBe("Stale question?");
    expect(body.tools).toEqual([{ type: "web_search", filters: { search_domain_filter: ["iea.org"], search_recency_filter: "month" } }]);
    expect(body).not.toHaveProperty("instructions");
    expect(askedOf(requests[0]).framing).toContain("Solar");
    expect(h.runtime.notices.at(-1)).toMatch(/1 refreshed/);
  });

  it("honours a note's own staleness property", async () => {
    const text = `---\nperplexity-stale-after: 3d\n---\n${note(block("aaaaaa", RECENT, "Q?"))}`;
    h = await startHarness({ files: { "Prices.md": text }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Prices.md");
    expect(parseBlocks(h.runtime.editor("Prices.md").getValue())[0]?.block.askedAt).toBe(NOW);
  });

  it("says when a note's staleness property cannot be read, naming it, and uses the setting", async () => {
    const text = `---\nperplexity-stale-after: sometimes\n---\n${note(block("aaaaaa", RECENT, "Q?"))}`;
    h = await startHarness({ files: { "Prices.md": text }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Prices.md");
    expect(h.runtime.notices).toContain(
      'Prices.md: The note property perplexity-stale-after was not used: "sometimes" is not a number of days, a duration like 7d, 2w, 1m or 1y, or never; the setting\'s 30 days are used instead.',
    );
    expect(askRequests(h.emulator)).toHaveLength(0); // recent by the setting's 30 days
    expect(h.runtime.editor("Prices.md").getValue()).toBe(text);
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement };
    expect(modal.contentEl.querySelector(".mod-warning")?.textContent).toContain("perplexity-stale-after was not used");
  });

  it("skips and reports an answer the user edited, or keeps the edit folded when set to", async () => {
    const edited = block("aaaaaa", OLD, "Q?").replace("Old answer to Q?", "My corrected answer to Q?");
    h = await startHarness({ files: { "Solar.md": note(edited) }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Solar.md");
    expect(h.runtime.editor("Solar.md").getValue()).toBe(note(edited));
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.notices.at(-1)).toMatch(/you edited the answer/);
    await h.close();

    h = await startHarness({ files: { "Solar.md": note(edited) }, settings: { whenEdited: "keep" }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Solar.md");
    const [b] = parseBlocks(h.runtime.editor("Solar.md").getValue());
    expect(b?.block.answer).toMatch(/^Fresh answer/);
    expect(b?.block.previous?.[0]).toMatchObject({ edited: true, answer: "My corrected answer to Q? [oldsrc](https://old.example/)." });
  });

  it("reports damaged metadata and duplicated ids without touching them", async () => {
    const damaged = block("cccccc", OLD, "Damaged?").replace('"state":"answered"', '"state":"answ');
    const original = block("aaaaaa", OLD, "Q?");
    const text = note(original, damaged, original);
    h = await startHarness({ files: { "Solar.md": text }, scenario: { default: { answer: NEW_ANSWER } } });
    await runNoteRefresh("Solar.md");
    const after = h.runtime.editor("Solar.md").getValue();
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(after).toContain(damaged);
    expect(after.endsWith(`${original}\n\nThe end, written by me.\n`)).toBe(true); // the copy is left alone
    const notice = h.runtime.notices.at(-1) ?? "";
    expect(notice).toMatch(/1 refreshed/);
    expect(notice).toMatch(/metadata line was changed by hand \(undo that edit/);
    expect(notice).toMatch(/appears twice/);
  });

  it("leaves a block alone that the user deleted or changed while its answer was on the way", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", OLD, "Q1?"), block("bbbbbb", OLD, "Q2?")) }, scenario: { default: { delayMs: 300, answer: NEW_ANSWER } } });
    const view = await h.runtime.openNote("Solar.md");
    h.runtime.runCommand("refresh-stale-in-note");
    await new Promise((r) => setTimeout(r, 100));
    const text = view.editor.getValue();
    const [first, second] = parseBlocks(text);
    // Delete the first block; edit the second one's answer.
    const edited = text.slice(0, second!.from) + text.slice(second!.from, second!.to).replace("Old answer to Q2?", "Mine") + text.slice(second!.to);
    view.editor.setValue(edited.slice(0, first!.from) + edited.slice(first!.to));
    const expected = view.editor.getValue();
    await h.plugin.idle();
    expect(view.editor.getValue()).toBe(expected);
    expect(h.runtime.notices.at(-1)).toMatch(/0 refreshed[\s\S]*2 skipped/);
  });

  it("refreshes a closed note through the vault", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", OLD, "Q?")), "Other.md": "x" }, scenario: { default: { answer: NEW_ANSWER } } });
    await h.runtime.openNote("Solar.md");
    h.runtime.runCommand("refresh-stale-in-note");
    await h.runtime.closeNote("Solar.md");
    await h.plugin.idle();
    expect(parseBlocks(await h.runtime.read("Solar.md"))[0]?.block.askedAt).toBe(NOW);
  });
});

describe("refresh-at-cursor", () => {
  it("refreshes the block under the cursor whatever its age, and only that one", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", RECENT, "Q1?"), block("bbbbbb", RECENT, "Q2?")) }, scenario: { default: { answer: NEW_ANSWER } } });
    const view = await h.runtime.openNote("Solar.md");
    expect(h.runtime.isCommandAvailable("refresh-at-cursor")).toBe(false); // cursor on the title
    const at = view.editor.getValue().indexOf("Old answer to Q2?");
    view.editor.setCursor(view.editor.offsetToPos(at));
    expect(h.runtime.runCommand("refresh-at-cursor")).toBe(true);
    await h.plugin.idle();
    const blocks = parseBlocks(view.editor.getValue()).map((b) => b.block);
    expect(blocks.map((b) => b.askedAt)).toEqual([RECENT, NOW]);
  });
});

describe("refresh-stale-in-vault", () => {
  function vault() {
    return {
      "A.md": note(block("aaaaaa", OLD, "A1?"), block("aaaaab", OLD, "A2?", { cost: 0.02 })),
      "B.md": note(block("bbbbbb", OLD, "B1?", { cost: undefined })),
      "C.md": note(block("cccccc", RECENT, "C1?")),
      "Plain.md": "No answers here.\n",
    };
  }

  it("says how many answers in how many notes are stale and what it will cost, then refreshes them", async () => {
    h = await startHarness({ files: vault(), scenario: { default: { answer: NEW_ANSWER } } });
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals[0] as unknown as { contentEl: HTMLElement; run(): Promise<{ refreshed: unknown[] }> };
    const text = modal.contentEl.textContent ?? "";
    expect(text).toContain("3 stale answers in 2 notes.");
    expect(text).toMatch(/Estimated cost: about \$0\.0450/); // 0.01 + 0.02, and the unrecorded one at the average
    expect(askRequests(h.emulator)).toHaveLength(0); // nothing is asked before the user agrees
    const report = await modal.run();
    expect(report.refreshed).toHaveLength(3);
    expect(modal.contentEl.textContent).toContain("3 refreshed, 0 unchanged, 0 skipped, 0 failed.");
    for (const path of ["A.md", "B.md"]) for (const b of parseBlocks(await h.runtime.read(path))) expect(b.block.askedAt).toBe(NOW);
    expect(parseBlocks(await h.runtime.read("C.md"))[0]?.block.askedAt).toBe(RECENT);
    expect(await h.runtime.read("Plain.md")).toBe("No answers here.\n");
  });

  it("stops early with one clear message when Perplexity cannot be reached", async () => {
    h = await startHarness({ files: vault(), settings: { baseUrl: "http://127.0.0.1:9/v1", concurrency: 1 } });
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals[0] as unknown as { contentEl: HTMLElement; run(): Promise<{ failed: unknown[]; skipped: unknown[]; stopped?: string }> };
    const report = await modal.run();
    expect(report.stopped).toMatch(/Could not reach Perplexity/);
    expect(report.failed).toHaveLength(1);
    expect(report.skipped).toHaveLength(2);
    expect(await h.runtime.read("A.md")).toBe(vault()["A.md"]);
  });

  it("cancels: requests in flight are aborted and nothing is half-written", async () => {
    h = await startHarness({ files: vault(), settings: { concurrency: 1 }, scenario: { default: { delayMs: 400, answer: NEW_ANSWER } } });
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals[0] as unknown as { run(): Promise<{ refreshed: unknown[]; stopped?: string }> };
    const running = modal.run();
    await new Promise((r) => setTimeout(r, 100));
    expect(h.runtime.runCommand("cancel")).toBe(true);
    const report = await running;
    expect(report.stopped).toMatch(/cancelled/);
    expect(report.refreshed).toHaveLength(0);
    for (const path of ["A.md", "B.md"]) expect(await h.runtime.read(path)).toBe(vault()[path as "A.md"]);
  });

  it("slows down on a 429 instead of failing the block", async () => {
    h = await startHarness({
      files: { "A.md": note(block("aaaaaa", OLD, "A1?")) },
      scenario: { steps: [{ kind: "http", status: 429, headers: { "retry-after-ms": "20" }, repeat: 3 }], default: { answer: NEW_ANSWER } },
    });
    await runNoteRefresh("A.md");
    expect(parseBlocks(h.runtime.editor("A.md").getValue())[0]?.block.askedAt).toBe(NOW);
    expect(h.runtime.notices.at(-1)).toMatch(/1 refreshed/);
  });
});

describe("asking, then refreshing later", () => {
  it("refreshes an answer the plugin wrote once it is older than the setting", async () => {
    h = await startHarness({ files: { "Q.md": "Question?\n" }, scenario: { default: { answer: NEW_ANSWER } } });
    await selectInNote(h.runtime, "Q.md", "Question?");
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    await runNoteRefresh("Q.md");
    expect(h.runtime.notices.at(-1)).toMatch(/No stale answers/);
    h.plugin.clock = { now: () => new Date("2027-01-10T00:00:00.000Z") };
    await runNoteRefresh("Q.md");
    expect(parseBlocks(h.runtime.editor("Q.md").getValue())[0]?.block.askedAt).toBe("2027-01-10T00:00:00.000Z");
  });
});

describe("never paying twice or for nothing", () => {
  it("does not re-ask blocks a running refresh is already handling", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", OLD, "Q1?"), block("bbbbbb", OLD, "Q2?")) }, scenario: { default: { delayMs: 200, answer: NEW_ANSWER } } });
    await h.runtime.openNote("Solar.md");
    h.runtime.runCommand("refresh-stale-in-note");
    await new Promise((r) => setTimeout(r, 20));
    h.runtime.runCommand("refresh-stale-in-note");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(2);
    expect(h.runtime.notices.join("\n")).toMatch(/already being refreshed/);
    for (const b of parseBlocks(h.runtime.editor("Solar.md").getValue())) expect(b.block.askedAt).toBe(NOW);
  });

  it("does not ask for an answer the user edited after the refresh was planned", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", OLD, "Q1?"), block("bbbbbb", OLD, "Q2?")) }, settings: { concurrency: 1, requestsPerMinute: 60 }, scenario: { default: { answer: NEW_ANSWER } } });
    const view = await h.runtime.openNote("Solar.md");
    h.runtime.runCommand("refresh-stale-in-note");
    // The second block waits a second for its turn; edit it meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    view.editor.setValue(view.editor.getValue().replace("Old answer to Q2?", "My own answer to Q2?"));
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(view.editor.getValue()).toContain("My own answer to Q2?");
    expect(h.runtime.notices.at(-1)).toMatch(/1 refreshed, 1 skipped[\s\S]*you edited the answer/);
  });

  it("says a stale answer was skipped because it was edited, not that nothing is stale", async () => {
    h = await startHarness({ files: { "Solar.md": note(block("aaaaaa", OLD, "Q1?")) }, scenario: { default: { answer: NEW_ANSWER } } });
    const view = await h.runtime.openNote("Solar.md");
    view.editor.setValue(view.editor.getValue().replace("Old answer to Q1?", "My own answer to Q1?"));
    h.runtime.runCommand("refresh-stale-in-note");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(view.editor.getValue()).toContain("My own answer to Q1?");
    expect(h.runtime.notices.at(-1)).toBe(
      'Nothing refreshed in "Solar": 1 stale answer was skipped because you edited the answer; to refresh it anyway and keep your version folded, set Answers you edited to keep.',
    );
  });

  it("cancelling a refresh leaves an unrelated question alone", async () => {
    h = await startHarness({
      files: { "Solar.md": note(block("aaaaaa", OLD, "Q1?"), block("bbbbbb", OLD, "Q2?")), "Q.md": "Question?\n" },
      settings: { concurrency: 1 },
      scenario: { default: { delayMs: 300, answer: NEW_ANSWER } },
    });
    h.runtime.runCommand("refresh-stale-in-vault");
    await new Promise((r) => setTimeout(r, 50));
    const modal = h.runtime.openModals[0] as unknown as { run(): Promise<unknown>; contentEl: HTMLElement };
    const running = modal.run();
    await selectInNote(h.runtime, "Q.md", "Question?");
    h.runtime.runCommand("ask-selection");
    await new Promise((r) => setTimeout(r, 50));
    const cancelButton = [...modal.contentEl.querySelectorAll("button")].find((b) => b.textContent === "Cancel refresh")!;
    cancelButton.click();
    await running;
    await h.plugin.idle();
    expect(parseBlocks(h.runtime.editor("Q.md").getValue())[0]?.block.state).toBe("answered");
  });

  it("refuses to refresh a pasted copy of a block from the copy's cursor", async () => {
    const original = block("aaaaaa", OLD, "Q?");
    h = await startHarness({ files: { "Solar.md": note(original, original.replace("Old answer to Q?", "SECOND COPY")) }, scenario: { default: { answer: NEW_ANSWER } } });
    const view = await h.runtime.openNote("Solar.md");
    view.editor.setCursor(view.editor.offsetToPos(view.editor.getValue().indexOf("SECOND COPY")));
    h.runtime.runCommand("refresh-at-cursor");
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.notices.at(-1)).toMatch(/copy of another one/);
  });
});

describe("notes and the plugin going away mid-batch", () => {
  it("reports a note deleted mid-batch and follows a note renamed mid-batch", async () => {
    h = await startHarness({
      files: { "A.md": note(block("aaaaaa", OLD, "A?")), "B.md": note(block("bbbbbb", OLD, "B?")) },
      settings: { concurrency: 1, requestsPerMinute: 60 },
      scenario: { default: { delayMs: 100, answer: NEW_ANSWER } },
    });
    h.runtime.runCommand("refresh-stale-in-vault");
    await new Promise((r) => setTimeout(r, 50));
    const modal = h.runtime.openModals[0] as unknown as { run(): Promise<{ refreshed: unknown[]; skipped: { detail?: string }[] }> };
    const running = modal.run();
    await h.runtime.app.vault.rename(h.runtime.app.vault.getFileByPath("A.md")!, "A renamed.md");
    await h.runtime.app.vault.delete(h.runtime.app.vault.getFileByPath("B.md")!);
    const report = await running;
    expect(report.refreshed).toHaveLength(1);
    expect(report.skipped.map((s) => s.detail)).toEqual(["the note was deleted"]);
    expect(parseBlocks(await h.runtime.read("A renamed.md"))[0]?.block.askedAt).toBe(NOW);
  });

  it("aborts its requests and writes nothing half-way when the plugin is disabled mid-batch", async () => {
    const files = { "A.md": note(block("aaaaaa", OLD, "A?"), block("aaaaab", OLD, "A2?")) };
    h = await startHarness({ files, scenario: { default: { delayMs: 300, answer: NEW_ANSWER } } });
    await h.runtime.openNote("A.md");
    h.runtime.runCommand("refresh-stale-in-note");
    await new Promise((r) => setTimeout(r, 50));
    await h.runtime.unloadPlugin();
    await new Promise((r) => setTimeout(r, 500));
    expect(h.runtime.editor("A.md").getValue()).toBe(files["A.md"]);
  });
});
