// The batch window on its own (the three batches use it; their integration tests cover the texts): nothing
// starts before the confirm button, the cancel button aborts the batch, and a batch that throws leaves a
// window that says so, is no longer running, and no longer counts as a running batch. The windows are drawn with
// onOpen(): the mocks' open() closes them again at once (the runtime's own Modal, used by main.js, does not).
import * as mocks from "obsidian-test-mocks/obsidian";
// The runtime's thin extensions of the mocks: clicking a button runs its onClick, as in the app.
import "../../obsidian-runtime/runtime";
import { describe, expect, it } from "vitest";
import { BatchWindow, drawList, drawWarning } from "../../../src/obsidian/batch/batch-window";
import type { BatchWindowSpec } from "../../../src/obsidian/batch/batch-window";

function spec(run: BatchWindowSpec<string>["run"], confirm: string | null = "Do 3 things"): BatchWindowSpec<string> {
  return {
    title: "Do things",
    drawPlan: (el) => {
      el.createEl("p", { text: "3 things will be done." });
      return confirm;
    },
    startLine: "Doing 0 of 3…",
    cancelButton: "Cancel the rest",
    run,
    describe: (report) => `Done: ${report}`,
    summaryTitle: "Things done",
    drawSummary: (el, report) => el.createEl("p", { text: `Summary: ${report}` }),
  };
}

const buttons = (w: BatchWindow<string>) => [...w.contentEl.querySelectorAll("button")].map((b) => b.textContent);
const button = (w: BatchWindow<string>, text: string) => [...w.contentEl.querySelectorAll("button")].find((b) => b.textContent === text)!;
const app = () => mocks.App.createConfigured__({}) as unknown as ConstructorParameters<typeof BatchWindow<string>>[0];

describe("batch window", () => {
  it("waits for the confirm button, shows progress with a cancel button that aborts, then the summary", async () => {
    let started = 0;
    let signal: AbortSignal | undefined;
    let finish: (report: string) => void = () => undefined;
    const batches = new Set<AbortController>();
    const w = new BatchWindow(
      app(),
      spec((progress, s) => {
        started++;
        signal = s;
        progress("Doing 1 of 3…");
        return new Promise((resolve) => (finish = resolve));
      }),
      batches,
    );
    w.onOpen();
    expect(w.contentEl.textContent).toContain("3 things will be done.");
    expect(buttons(w)).toEqual(["Cancel", "Do 3 things"]);
    expect(started).toBe(0);
    button(w, "Do 3 things").click();
    await Promise.resolve();
    expect(started).toBe(1);
    expect(w.isRunning).toBe(true);
    expect(batches.size).toBe(1);
    expect(w.contentEl.textContent).toContain("Doing 1 of 3…");
    button(w, "Cancel the rest").click();
    expect(signal?.aborted).toBe(true);
    finish("2 of 3");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(w.isRunning).toBe(false);
    expect(batches.size).toBe(0);
    expect(w.contentEl.textContent).toContain("Summary: 2 of 3");
    expect(buttons(w)).toEqual(["Close"]);
  });

  it("with nothing to do offers only Close", () => {
    const w = new BatchWindow(app(), spec(() => Promise.resolve("x"), null), new Set());
    w.onOpen();
    expect(buttons(w)).toEqual(["Close"]);
  });

  it("a batch that throws: the window says what happened and ends, and the batch is no longer running", async () => {
    const batches = new Set<AbortController>();
    const w = new BatchWindow(app(), spec(() => Promise.reject(new Error("The vault could not be read."))), batches);
    w.onOpen();
    await expect(w.run()).rejects.toThrow("The vault could not be read.");
    expect(w.isRunning).toBe(false);
    expect(batches.size).toBe(0);
    expect(w.contentEl.textContent).toContain("The vault could not be read.");
    expect(buttons(w)).toEqual(["Close"]);
  });

  it("knows why it offers nothing to confirm: the refusing warning, not any other", () => {
    const refusing = spec(() => Promise.resolve("x"), null);
    refusing.drawPlan = (el) => {
      drawWarning(el, "A note property was not used.");
      drawWarning(el, "Your monthly spending cap is $0, so nothing is sent.", true);
      return null;
    };
    const w = new BatchWindow(app(), refusing, new Set());
    w.onOpen();
    expect(w.refusal).toBe("Your monthly spending cap is $0, so nothing is sent.");
    const plain = spec(() => Promise.resolve("x"), null);
    plain.drawPlan = (el) => {
      drawWarning(el, "A note property was not used.");
      return null;
    };
    const other = new BatchWindow(app(), plain, new Set());
    other.onOpen();
    expect(other.refusal).toBeUndefined();
  });

  it("says a failed batch in a notice too, for when its window was closed", async () => {
    // The mocks' Notice calls constructor__ with its message: recorded here for this test only.
    const notices: string[] = [];
    const prototype = mocks.Notice.prototype as unknown as { constructor__(message: unknown): void };
    const original = prototype.constructor__;
    prototype.constructor__ = (message: unknown) => void notices.push(String(message));
    try {
      const w = new BatchWindow(app(), spec(() => Promise.reject(new Error("The vault could not be read."))), new Set());
      w.onOpen();
      await expect(w.run()).rejects.toThrow();
      w.close();
      expect(notices).toEqual(["Do things: stopped. The vault could not be read."]);
    } finally {
      prototype.constructor__ = original;
    }
  });

  it("lists at most 50 items and counts the rest", () => {
    const el = document.createElement("div");
    drawList(el, "Skipped", Array.from({ length: 53 }, (_, i) => `item ${i}`));
    expect(el.querySelectorAll("li")).toHaveLength(50);
    expect(el.textContent).toContain("…and 3 more.");
    const empty = document.createElement("div");
    drawList(empty, "Skipped", []);
    expect(empty.childElementCount).toBe(0);
  });
});
