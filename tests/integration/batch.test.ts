// "Ask every question in the selection" through the built main.js against the emulator.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { askRequests, askedOf, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface BatchModal {
  contentEl: HTMLElement;
  run(): Promise<{ answered: unknown[]; failed: { question: string; detail?: string }[]; skipped: { question: string; detail?: string }[]; stopped?: string }>;
}

async function selectAll(path: string) {
  const view = await h!.runtime.openNote(path);
  const text = view.editor.getValue();
  view.editor.setSelection(view.editor.offsetToPos(0), view.editor.offsetToPos(text.length));
  return view.editor;
}

function openBatch(): BatchModal {
  expect(h!.runtime.runCommand("ask-questions-in-selection")).toBe(true);
  return h!.runtime.openModals.at(-1) as unknown as BatchModal;
}

const NOTE = `# Solar

Some intro the user wrote.

- What is the price of solar panels?
- A plain list item.
- Who makes the most panels?
- what is the price of solar panels?

## Later

How efficient are panels now?
`;

describe("ask-questions-in-selection", () => {
  it("counts the questions and estimates the cost before sending anything, then answers each after the list or paragraph it came from", async () => {
    h = await startHarness({
      files: { "Solar.md": NOTE },
      settings: { spend: { v: 1, months: {}, recent: { "preset fast": [0.01, 0.02] } } },
      scenario: { default: { answer: { cost: 0.015 } } },
    });
    await selectAll("Solar.md");
    const modal = openBatch();
    const text = modal.contentEl.textContent ?? "";
    expect(text).toContain('3 questions will be asked in "Solar"');
    expect(text).toContain("Estimated cost: about $0.0450 ($0.0150 each), the average of the last 2 answers with preset fast.");
    expect(text).toContain("1 question is skipped");
    expect(askRequests(h.emulator)).toHaveLength(0);

    const report = await modal.run();
    expect(report.answered).toHaveLength(3);
    expect(report.skipped.map((s) => s.question)).toEqual(["what is the price of solar panels?"]);
    // Each question alone is searched; the note context (issue 9) is read beside it.
    expect(askRequests(h.emulator).map((r) => askedOf(r).question).sort()).toEqual(
      ["How efficient are panels now?", "What is the price of solar panels?", "Who makes the most panels?"].sort(),
    );
    const after = h.runtime.editor("Solar.md").getValue();
    const blocks = parseBlocks(after);
    expect(blocks.map((b) => b.block.question)).toEqual(["What is the price of solar panels?", "Who makes the most panels?", "How efficient are panels now?"]);
    // The list's answers after the whole list (never splitting it), in the order of its questions; the paragraph's
    // after the paragraph (issue 18). The user's text all still there, in order.
    const list = NOTE.slice(NOTE.indexOf("- What"), NOTE.indexOf("\n\n## Later"));
    expect(after).toContain(list);
    expect(after.slice(0, blocks[0]!.from).trimEnd().endsWith(list)).toBe(true);
    expect(after.slice(blocks[0]!.to, blocks[1]!.from)).toBe("\n\n");
    expect(after.slice(0, blocks[2]!.from).trimEnd().endsWith("How efficient are panels now?")).toBe(true);
    expect(after.replace(/\n\n> \[!perplexity\][\s\S]*?\^pplx-[a-z0-9]+(?=\n)/g, "").trimEnd()).toBe(NOTE.trimEnd());
    expect(modal.contentEl.textContent).toContain("Perplexity questions: 3 answered, 1 skipped.");

    // Nothing is asked twice: the same selection again finds nothing new.
    await selectAll("Solar.md");
    const again = openBatch();
    expect(again.contentEl.textContent).toContain("Every question in the selection already has its answer after its list or paragraph: nothing to ask.");
  });

  it("asks every list item when the setting says so", async () => {
    h = await startHarness({ files: { "Solar.md": NOTE }, settings: { batchQuestionLines: "list-items" } });
    await selectAll("Solar.md");
    expect(openBatch().contentEl.textContent).toContain("3 questions will be asked"); // 4 items, one repeated
  });

  it("one failure does not stop the others, and the summary names it", async () => {
    h = await startHarness({
      files: { "Solar.md": NOTE },
      settings: { concurrency: 1 },
      scenario: { steps: [{ answer: {} }, { kind: "http", status: 500 }], default: { answer: {} } },
    });
    await selectAll("Solar.md");
    const report = await openBatch().run();
    expect(report.answered).toHaveLength(2);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.detail).toMatch(/Perplexity/);
    expect(report.stopped).toBeUndefined();
    const after = h.runtime.editor("Solar.md").getValue();
    expect(parseBlocks(after)).toHaveLength(2);
    expect(after).toContain(report.failed[0]!.question); // its line is intact
  });

  it("stops at once when every request would fail (no key), writing nothing", async () => {
    h = await startHarness({ files: { "Solar.md": NOTE }, key: null, settings: { concurrency: 1 } });
    await selectAll("Solar.md");
    const report = await openBatch().run();
    expect(report.stopped).toMatch(/No Perplexity API key/);
    expect(report.answered).toHaveLength(0);
    expect(h.runtime.editor("Solar.md").getValue()).toBe(NOTE);
  });

  it("stops before the question that would pass the monthly cap, and says so before anything is sent", async () => {
    h = await startHarness({
      files: { "Solar.md": NOTE },
      settings: { concurrency: 1, monthlyCapUsd: 0.045, spend: { v: 1, months: { "2026-11": { usd: 0.02, answers: 1, unknown: 0 } }, recent: { "preset fast": [0.01] } } },
      scenario: { default: { answer: { cost: 0.01 } } },
    });
    await selectAll("Solar.md");
    const modal = openBatch();
    expect(modal.contentEl.textContent).toContain("Your monthly cap of $0.0450 leaves $0.0250: about 2 of these questions fit");
    expect(askRequests(h.emulator)).toHaveLength(0);
    const report = await modal.run();
    // $0.02 + 2 × $0.01 = $0.04; a third would make $0.05, past the cap: not sent.
    expect(askRequests(h.emulator)).toHaveLength(2);
    expect(report.stopped).toMatch(/^Not sent: this request would pass your monthly Perplexity spending cap of \$0\.0450\. Spent this month: \$0\.04/);
    expect(parseBlocks(h.runtime.editor("Solar.md").getValue())).toHaveLength(2);
  });

  it("cancel stops the rest; what was answered stays, nothing is half-written", async () => {
    h = await startHarness({ files: { "Solar.md": NOTE }, settings: { concurrency: 1 }, scenario: { default: { delayMs: 200, answer: {} } } });
    await selectAll("Solar.md");
    const modal = openBatch();
    const running = modal.run();
    await new Promise((r) => setTimeout(r, 300));
    expect(h.runtime.runCommand("cancel")).toBe(true);
    const report = await running;
    expect(report.stopped).toBe("You cancelled the batch.");
    expect(report.answered.length).toBeLessThan(3);
    const after = h.runtime.editor("Solar.md").getValue();
    for (const b of parseBlocks(after)) expect(b.block.state).toBe("answered");
  });

  it("a selection of 500 questions: estimate and confirm first, then all asked under the limiter, each once", async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `- Question number ${i + 1}?`);
    const note = `# Many\n\n${lines.join("\n")}\n`;
    h = await startHarness({ files: { "Many.md": note }, settings: { concurrency: 4, createSourceNotes: false, spend: { v: 1, months: {}, recent: { "preset fast": [0.002] } } } });
    await selectAll("Many.md");
    const modal = openBatch();
    expect(modal.contentEl.textContent).toContain("500 questions will be asked");
    expect(modal.contentEl.textContent).toContain("Estimated cost: about $1.00 ($0.0020 each)");
    expect(modal.contentEl.textContent).toContain("…and 480 more.");
    expect(askRequests(h.emulator)).toHaveLength(0);
    const report = await modal.run();
    expect(report.answered).toHaveLength(500);
    const inputs = askRequests(h.emulator).map((r) => askedOf(r).question);
    expect(new Set(inputs).size).toBe(500);
    expect(inputs).toHaveLength(500);
    const blocks = parseBlocks(h.runtime.editor("Many.md").getValue());
    expect(blocks).toHaveLength(500);
    expect(blocks.map((b) => b.block.question)).toEqual(lines.map((l) => l.slice(2)));
  }, 120_000);
});
