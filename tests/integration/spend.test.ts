// The spending cap through the built main.js: every paid request passes it, costs are recorded in data.json,
// and a refused request is never sent.
import { afterEach, describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { NOTE, NOTE_TEXT, QUESTION, askRequests, selectInNote, settingRow, startHarness, typeInto } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface SpendData {
  spend?: { months?: Record<string, { usd: number; answers: number; unknown: number }>; recent?: Record<string, number[]> };
}
const data = () => h!.runtime.data as SpendData;
const november = () => data().spend?.months?.["2026-11"];

async function askQuestion() {
  await selectInNote(h!.runtime, NOTE, QUESTION);
  expect(h!.runtime.runCommand("ask-selection")).toBe(true);
  await h!.plugin.idle();
}

describe("spending cap", () => {
  it("records the reported cost of every answer in data.json, by month", async () => {
    h = await startHarness({ scenario: { default: { answer: { cost: 0.0125 } } } });
    await askQuestion();
    expect(november()).toEqual({ usd: 0.0125, answers: 1, unknown: 0 });
    expect(data().spend?.recent?.["preset fast"]).toEqual([0.0125]);
    // Settings are still saved beside it.
    expect((h.runtime.data as Record<string, unknown>).preset).toBe("fast");
  });

  it("a cap of 0 sends nothing, leaves the note as it was and says how to raise the cap", async () => {
    h = await startHarness({ settings: { monthlyCapUsd: 0 } });
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices.at(-1)).toMatch(/Not sent: your monthly Perplexity spending cap is \$0.*Spent this month: \$0\.00.*raise or clear the monthly cap in Settings → Perplexity Query → Spending/);
  });

  it("refuses the request that would pass the monthly cap, with spend and estimate", async () => {
    h = await startHarness({
      settings: { monthlyCapUsd: 1, spend: { v: 1, months: { "2026-11": { usd: 0.99, answers: 3, unknown: 0 } }, recent: { "preset fast": [0.02, 0.03] } } },
    });
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices.at(-1)).toContain("Spent this month: $0.99. This request: about $0.0250, the average of the last 2 answers with preset fast.");
  });

  it("counts a response without a cost as unknown, and the cap check says so", async () => {
    h = await startHarness({ settings: { monthlyCapUsd: 0.02 }, scenario: { default: { answer: { usage: { cost: { total_cost: null } } } } } });
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(parseBlocks(h.runtime.editor(NOTE).getValue())[0]?.block.cost).toBeUndefined();
    expect(november()).toEqual({ usd: 0, answers: 0, unknown: 1 });
    // Nothing recorded to estimate from and nothing known spent: the cap is not reached, the next is sent...
    h.emulator.setScenario({ default: { answer: { cost: 0.015 } } });
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(2);
    // ...and the third would pass it: refused, naming the unknown one.
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(2);
    expect(h.runtime.notices.at(-1)).toContain("1 request this month reported no cost and is not counted, so the real total may be higher");
  });

  it("test connection passes the cap too, and its cost is counted", async () => {
    h = await startHarness({ settings: { monthlyCapUsd: 0 } });
    const tab = (h.plugin as unknown as { settingTabs__: { testConnection(): Promise<string> }[] }).settingTabs__[0]!;
    expect(await tab.testConnection()).toMatch(/Not sent: your monthly Perplexity spending cap is \$0/);
    expect(askRequests(h.emulator)).toHaveLength(0);
    await h.close();
    h = await startHarness({ scenario: { default: { answer: { cost: 0.0003 } } } });
    const tab2 = (h.plugin as unknown as { settingTabs__: { testConnection(): Promise<string> }[] }).settingTabs__[0]!;
    expect(await tab2.testConnection()).toMatch(/Connected/);
    expect(november()).toEqual({ usd: 0.0003, answers: 1, unknown: 0 });
  });

  it("survives a data file edited by hand: keeps what it can read, says what it could not", async () => {
    h = await startHarness({
      settings: { monthlyCapUsd: "five dollars", spend: { v: 1, months: { "2026-11": { usd: "a lot" }, "2026-10": { usd: 2, answers: 9 } }, recent: "?" } },
    });
    const notice = h.runtime.notices.find((n) => n.includes("data.json"));
    expect(notice).toContain('the total for "2026-11" is unreadable and was left out');
    expect(notice).toContain('monthlyCapUsd is "five dollars", not an amount in USD, so it is treated as a cap of $0');
    // The unreadable cap refuses rather than spending without the ceiling the user meant to set.
    await askQuestion();
    expect(askRequests(h.emulator)).toHaveLength(0);
    expect((h.plugin as unknown as { spend: { ledger: unknown } }).spend.ledger).toEqual({ v: 1, months: { "2026-10": { usd: 2, answers: 9, unknown: 0 } }, recent: {} });
  });

  it("shows month-to-date spend in the status bar when the setting is on", async () => {
    h = await startHarness({ settings: { showSpendInStatusBar: true, monthlyCapUsd: 5 }, scenario: { default: { answer: { cost: 0.25 } } } });
    await askQuestion();
    const plugin = h.plugin as unknown as { spendStatus: { text: string } };
    expect(plugin.spendStatus.text).toBe("Perplexity $0.25 of $5.00 this month");
  });
});

describe("spending settings", () => {
  const CAP_ROWS = ["Monthly spending cap", "Spending cap per batch", "Show spending in the status bar", "Questions in a selection"];

  it("on 1.13 the caps are rows of their own, found by the settings search, not behind a window", async () => {
    h = await startHarness({ settings: { spend: { v: 1, months: { "2026-11": { usd: 0.5, answers: 2, unknown: 0 } }, recent: {} } } });
    const tab = h.runtime.openSettings();
    const definitions = JSON.stringify(tab.getSettingDefinitions());
    for (const name of CAP_ROWS) expect(definitions).toContain(`"name":"${name}"`);
    // The heading the cap messages point to (Settings → Perplexity Query → Spending).
    expect(definitions).toMatch(/"heading":"Spending","items":\[\{"name":"Monthly spending cap"/);
    expect(definitions).toContain("Perplexity $0.50 this month");
    const monthly = settingRow(tab.containerEl, "Monthly spending cap");
    await typeInto(monthly.input, "12.5");
    expect(h.plugin.settings).toMatchObject({ monthlyCapUsd: 12.5 });
    expect((h.runtime.data as { monthlyCapUsd?: unknown }).monthlyCapUsd).toBe(12.5);
  });

  it("on 1.11.4 the same rows: an amount is saved, empty clears the cap, anything else is refused and the cap kept", async () => {
    h = await startHarness({ runtime: { apiVersion: "1.11.4" }, settings: { batchCapUsd: 2 } });
    const tab = h.runtime.openSettings();
    for (const name of CAP_ROWS) expect(tab.containerEl.textContent).toContain(name);
    const batch = settingRow(tab.containerEl, "Spending cap per batch");
    expect(batch.input.value).toBe("2");
    await typeInto(batch.input, "five dollars");
    expect(batch.desc.textContent).toBe('"five dollars" is not an amount in USD; the cap stays as it was.');
    expect(batch.desc.classList.contains("mod-warning")).toBe(true);
    expect(h.plugin.settings).toMatchObject({ batchCapUsd: 2 });
    await typeInto(batch.input, "$0.75");
    expect(h.plugin.settings).toMatchObject({ batchCapUsd: 0.75 });
    expect(batch.desc.classList.contains("mod-warning")).toBe(false);
    await typeInto(batch.input, "");
    expect(h.plugin.settings).toMatchObject({ batchCapUsd: null });
  });
});

const OLD = "2026-09-01T10:00:00.000Z";
function block(id: string, question: string): string {
  const answer = `Old answer to ${question}`;
  const b: AnswerBlock = {
    blockId: id, state: "answered", askedAt: OLD, question, request: { preset: "fast", noteContext: false },
    answeredBy: "openai/gpt-6-luna", answer, sources: [], cost: 0.1, answerHash: hashText(answer),
  };
  return formatBlock(b, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[${s.id}](${s.url})` });
}

describe("spending cap in a refresh batch", () => {
  it("stops the batch before the request that would pass the batch cap, and says why", async () => {
    const text = ["# Solar", block("aaaaaa", "One?"), block("bbbbbb", "Two?"), block("cccccc", "Three?"), block("dddddd", "Four?")].join("\n\n") + "\n";
    h = await startHarness({
      files: { "Solar.md": text },
      settings: { batchCapUsd: 0.25, concurrency: 1, spend: { v: 1, months: {}, recent: { "preset fast": [0.1] } } },
      scenario: { default: { answer: { text: "New.", cost: 0.1 } } },
    });
    await h.runtime.openNote("Solar.md");
    expect(h.runtime.runCommand("refresh-stale-in-note")).toBe(true);
    await h.plugin.idle();
    expect(askRequests(h.emulator)).toHaveLength(2);
    const notice = h.runtime.notices.at(-1) ?? "";
    expect(notice).toMatch(/2 refreshed.*Stopped early: Not sent: the next request would pass the per-batch spending cap of \$0\.25\. This batch spent \$0\.20/s);
    expect(november()?.usd).toBeCloseTo(0.2, 10);
  });
});

describe("spending cap before a vault refresh", () => {
  it("says before anything is sent how many refreshes the monthly cap leaves room for, then stops there", async () => {
    const text = ["# Solar", block("aaaaaa", "One?"), block("bbbbbb", "Two?"), block("cccccc", "Three?")].join("\n\n") + "\n";
    h = await startHarness({
      files: { "Solar.md": text },
      settings: { concurrency: 1, monthlyCapUsd: 0.5, spend: { v: 1, months: { "2026-11": { usd: 0.25, answers: 2, unknown: 0 } }, recent: { "preset fast": [0.1] } } },
      scenario: { default: { answer: { text: "New.", cost: 0.1 } } },
    });
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals[0] as unknown as { contentEl: HTMLElement; run(): Promise<{ refreshed: unknown[]; stopped?: string }> };
    expect(modal.contentEl.textContent).toContain("Your monthly cap of $0.50 leaves $0.25: about 2 of these answers fit, and the batch stops before the one that would pass the cap.");
    expect(askRequests(h.emulator)).toHaveLength(0);
    const report = await modal.run();
    expect(report.refreshed).toHaveLength(2);
    expect(report.stopped).toMatch(/^Not sent: this request would pass your monthly Perplexity spending cap of \$0\.50/);
  });
  it("with the monthly cap already reached, offers nothing to confirm: the window says so and only closes", async () => {
    const text = ["# Solar", block("aaaaaa", "One?"), block("bbbbbb", "Two?")].join("\n\n") + "\n";
    h = await startHarness({ files: { "Solar.md": text }, settings: { monthlyCapUsd: 0.25, spend: { v: 1, months: { "2026-11": { usd: 0.25, answers: 2, unknown: 0 } }, recent: {} } } });
    h.runtime.runCommand("refresh-stale-in-vault");
    await h.plugin.idle();
    const modal = h.runtime.openModals[0] as unknown as { contentEl: HTMLElement };
    expect(modal.contentEl.textContent).toContain("Your monthly spending cap of $0.25 is reached (spent this month: $0.25), so nothing is sent. Raise or clear it in Settings → Perplexity Query → Spending.");
    expect([...modal.contentEl.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Close"]);
    expect(askRequests(h.emulator)).toHaveLength(0);
  });

  it("a cap of 0 offers no batch of questions either, and says it plainly", async () => {
    h = await startHarness({ files: { "Q.md": "- One?\n- Two?\n" }, settings: { monthlyCapUsd: 0 } });
    const view = await h.runtime.openNote("Q.md");
    view.editor.setSelection({ line: 0, ch: 0 }, { line: 1, ch: 6 });
    expect(h.runtime.runCommand("ask-questions-in-selection")).toBe(true);
    const modal = h.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement };
    expect(modal.contentEl.textContent).toContain("Your monthly spending cap is $0, so nothing is sent.");
    expect([...modal.contentEl.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Close"]);
    expect(askRequests(h.emulator)).toHaveLength(0);
  });
});
