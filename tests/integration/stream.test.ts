// Streaming answers into the note on the desktop app, through the built main.js against the emulator's
// scripted streams: text arriving in batched flushes, progress, cancel, undo, bad input, mobile. The deep presets
// used here (for their [web:n] markers) would run in the background by default (issue 21, tests in
// background.test.ts): these tests hold the connection open, so background runs are off.
import { history, undo } from "@codemirror/commands";
import { EditorState } from "@codemirror/state";
import type { TransactionSpec } from "@codemirror/state";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatBlock, parseBlocks, PENDING_LINE } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { planInsertion } from "../../src/core/insertion";
import { INCOMPLETE_PREFIX } from "../../src/core/partial";
import { PartialAnswer } from "../../src/core/partial-answer";
import { trackElapsed } from "../../src/obsidian/ask/elapsed-status";
import { DEEP_RESEARCH_IDLE_FLOOR_MS, timeoutMsFor } from "../../src/core/stream-timeouts";
import { applyFinal, codeMirrorPort, locateBlock, minimalChange, settleStreamedBlock } from "../../src/obsidian/editing/editor-port";
import type { Scenario } from "../emulator/scenario";
import { CodeMirrorEditor } from "../obsidian-runtime/codemirror-editor";
import { waitFor } from "../obsidian-runtime/runtime";
import { NOTE, NOTE_TEXT, QUESTION, askRequests, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SOURCES = [
  { id: 1, title: "Solar report", url: "https://solar.example.org/report" },
  { id: 2, title: "Grid data", url: "https://grid.example.com/data" },
  { id: 12, title: "IEA outlook", url: "https://iea.example.net/outlook" },
];
const TEXT =
  "Solar capacity tripled this decade.[web:1] Most of it came from utility-scale plants[web:2][web:12], " +
  "while rooftop systems grew more slowly.[web:12] Storage followed with a lag of about two years.[web:2]\n\n" +
  "Prices fell by half over the same period[web:1], and grid connection queues became the main bottleneck." +
  "[web:12] Unknown ids stay text: [web:99].";
const ANSWER = { text: TEXT, searchResults: [{ queries: ["solar capacity 2020s", "grid queues"], results: SOURCES }] };

/** A stream slow enough to watch: `deltas` text pieces split anywhere, `delayMs` between events. */
function slow(deltas: number, delayMs: number, extra: Record<string, unknown> = {}): Scenario {
  return { steps: [{ answer: ANSWER, stream: { deltas, eventDelayMs: delayMs, ...extra } }] };
}

/** Every editor write of the open note, with its time and the text after it (CodeMirror dispatches included). */
function recordWrites(harness: Harness): { at: number; text: string }[] {
  const editor = harness.runtime.editor(NOTE);
  const writes: { at: number; text: string }[] = [];
  if (editor instanceof CodeMirrorEditor) {
    editor.onWrite(() => writes.push({ at: performance.now(), text: editor.getValue() }));
    return writes;
  }
  const transaction = editor.transaction.bind(editor);
  editor.transaction = (tx, origin) => {
    transaction(tx, origin);
    writes.push({ at: performance.now(), text: editor.getValue() });
  };
  return writes;
}

function blockOf(text: string) {
  const blocks = parseBlocks(text);
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

async function ask(harness: Harness): Promise<void> {
  await selectInNote(harness.runtime, NOTE, QUESTION);
  expect(harness.runtime.runCommand("ask-selection")).toBe(true);
}

/** Answers written while streaming: the pending blocks' answers, in order. */
function streamedAnswers(writes: { text: string }[]): string[] {
  return writes.map((w) => parseBlocks(w.text)[0]?.block).filter((b) => b?.state === "pending" && b.answer !== "").map((b) => b!.answer);
}

const cancelRequests = (harness: Harness) => harness.emulator.requests.filter((r) => r.method === "POST" && /^\/v1\/(agent|responses)\/resp_[^/]+\/cancel$/.test(r.path));

async function untilTextShows(harness: Harness, chars = 1): Promise<void> {
  await waitFor(() => (parseBlocks(harness.runtime.editor(NOTE).getValue())[0]?.block.answer ?? "").length >= chars, 5000, "streamed text in the editor");
}

describe("streaming on the desktop app", () => {
  it("shows progress, then the answer in several batched flushes, markers rendered only when whole", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(70, 12) });
    await h.runtime.openNote(NOTE);
    const writes = recordWrites(h);
    await ask(h);
    await h.plugin.idle();

    expect((askRequests(h.emulator)[0]?.json as { stream?: boolean }).stream).toBe(true);
    expect(writes[0]!.text).toContain(PENDING_LINE);
    const firstText = writes.findIndex((w) => (parseBlocks(w.text)[0]?.block.answer ?? "") !== "");
    // Progress before any text (what Perplexity searches for), then while the text arrives.
    expect(writes.slice(0, firstText).some((w) => w.text.includes("> *Searching: solar capacity 2020s · grid queues…*"))).toBe(true);
    // Writes of the pending block: the final edit (with CodeMirror's history, a quiet restore of the note and
    // one recorded insertion of the answer) is not among them.
    const pendingWrites = writes.filter((w) => parseBlocks(w.text)[0]?.block.state === "pending");
    expect(pendingWrites.slice(firstText).every((w) => w.text.includes("> *Writing the answer from 3 sources…*"))).toBe(true);
    const answers = streamedAnswers(writes);
    expect(answers.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < answers.length; i++) expect(answers[i]!.length).toBeGreaterThanOrEqual(answers[i - 1]!.length);
    for (const answer of answers) {
      expect(answer).not.toMatch(/\[web:(1|2|12)\]/); // known markers are links as soon as they are whole
      expect(answer).not.toMatch(/\[(w|we|web|web:\d*)$/); // and never half there
    }
    expect(answers.at(-1)!.length).toBeGreaterThan(TEXT.length / 2);
    // Batched: at most one flush per 100 ms, the answer's first text excepted. Counted over the whole stream
    // rather than gap by gap: a write lands some milliseconds after its flush started (rendering, CodeMirror's
    // update), so single gaps jitter under load while the count cannot exceed the budget. Unbatched, every
    // one of the 70 events would be a write.
    const streamed = pendingWrites.slice(1);
    const span = streamed.at(-1)!.at - streamed[0]!.at;
    expect(streamed.length).toBeLessThanOrEqual(Math.floor(span / 100) + 2);
    expect(streamed.length).toBeLessThan(35);
    // The final write replaced everything: no status line, no raw known marker; the unknown id stays text.
    const final = blockOf(writes.at(-1)!.text);
    expect(final.block.state).toBe("answered");
    expect(writes.at(-1)!.text).not.toMatch(/> \*(Reading|Writing|Searching|Waiting)/);
    expect(final.block.answer).not.toMatch(/\[web:(1|2|12)\]/);
    expect(final.block.answer).toContain("\\[web:99\\]");
    expect(final.block.sources.filter((s) => s.cited)).toHaveLength(3);
    expect(h.runtime.notices).toEqual([]);
  });

  it("keeps flushing while the user types above and below the block, and keeps what they typed", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(60, 15) });
    const editor = (await h.runtime.openNote(NOTE)).editor;
    const writes = recordWrites(h);
    await ask(h);
    await untilTextShows(h);
    for (let i = 0; i < 3; i++) {
      editor.replaceRange(`Typed above ${i}.\n`, { line: 0, ch: 0 });
      editor.replaceRange(`Typed below ${i}.\n`, editor.offsetToPos(editor.getValue().length));
      await new Promise((resolve) => setTimeout(resolve, 130));
    }
    const before = streamedAnswers(writes).length;
    await h.plugin.idle();
    expect(streamedAnswers(writes).length).toBeGreaterThan(before); // still streaming after the typing
    const text = editor.getValue();
    expect(text.startsWith("Typed above 2.\nTyped above 1.\nTyped above 0.\n# The AI Model Wars")).toBe(true);
    expect(text.endsWith("Closing paragraph the user wrote.\nTyped below 0.\nTyped below 1.\nTyped below 2.\n")).toBe(true);
    expect(blockOf(text).block.state).toBe("answered");
    expect(blockOf(text).block.answer).toContain("\\[web:99\\]");
  });

  it("writes the rest with vault.process when the note is closed mid-stream", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(60, 12) });
    await ask(h);
    await untilTextShows(h);
    await h.runtime.closeNote(NOTE);
    const saved = await h.runtime.read(NOTE);
    expect(blockOf(saved).block.state).toBe("pending");
    await h.plugin.idle();
    const text = await h.runtime.read(NOTE);
    expect(blockOf(text).block.state).toBe("answered");
    expect(blockOf(text).block.answer).toContain("\\[web:99\\]");
    expect(text).toContain("Closing paragraph the user wrote.");
  });

  it("survives deep-research idle gaps longer than the request timeout", async () => {
    // Every event 1.1 s apart while the request timeout is 1 s: only the deep-research idle floor lets it through.
    h = await startHarness({
      platform: "desktop",
      settings: { preset: "high", backgroundRuns: "off", requestTimeoutSeconds: 1 },
      scenario: { steps: [{ answer: { text: "Deep answer.", searchResults: [] }, stream: { deltas: 1, eventDelayMs: 1100 } }] },
    });
    await ask(h);
    await h.plugin.idle();
    expect(blockOf(h.runtime.editor(NOTE).getValue()).block).toMatchObject({ state: "answered", answer: "Deep answer." });
    expect(h.runtime.notices).toEqual([]);
    expect(timeoutMsFor({ question: "q", choice: { preset: "xhigh" } }, 1, true)).toBe(DEEP_RESEARCH_IDLE_FLOOR_MS);
    expect(timeoutMsFor({ question: "q", choice: { preset: "fast" } }, 1, true)).toBe(1000);
  });
});

describe("cancel", () => {
  it("aborts the stream, cancels the run at Perplexity and keeps the text marked as cancelled", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(200, 20) });
    await ask(h);
    await untilTextShows(h, 20);
    expect(h.runtime.runCommand("cancel")).toBe(true);
    await h.plugin.idle();
    await waitFor(() => cancelRequests(h!).length === 1, 3000, "the cancel call");
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.state).toBe("answered");
    expect(block.answer).toMatch(/^Solar capacity/);
    expect(block.answer).toMatch(/\*\*Incomplete answer:\*\* you cancelled the request\.$/);
    expect(block.answer.length).toBeLessThan(TEXT.length);
    expect(h.runtime.notices.join("\n")).toMatch(/kept and marked as cancelled/);
  });

  it("stops the run when the user deletes the placeholder mid-stream, and writes nothing", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(200, 20) });
    await ask(h);
    await untilTextShows(h, 20);
    const editor = h.runtime.editor(NOTE);
    const text = editor.getValue();
    const [block] = parseBlocks(text);
    editor.setValue(text.slice(0, block!.from) + text.slice(block!.to));
    const withoutBlock = editor.getValue();
    await h.plugin.idle();
    await waitFor(() => cancelRequests(h!).length === 1, 3000, "the cancel call");
    expect(editor.getValue()).toBe(withoutBlock);
    expect(h.runtime.notices.join("\n")).toMatch(/placeholder was removed/);
  });

  it("removes the partial answer when the setting says so, leaving the note as it was", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off", keepPartialOnCancel: false }, scenario: slow(200, 20) });
    await ask(h);
    await untilTextShows(h);
    h.runtime.runCommand("cancel");
    await h.plugin.idle();
    await waitFor(() => cancelRequests(h!).length === 1, 3000, "the cancel call");
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
  });

  it("stops the stream and marks the block when the plugin is unloaded mid-stream", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(200, 20) });
    await ask(h);
    await untilTextShows(h);
    const plugin = h.plugin;
    await h.runtime.unloadPlugin();
    await plugin.idle();
    await waitFor(() => cancelRequests(h!).length === 1, 3000, "the cancel call");
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.state).toBe("answered");
    expect(block.answer).toContain(INCOMPLETE_PREFIX);
  });
});

describe("bad streams", () => {
  it("keeps what arrived of a stream cut mid-answer, marked incomplete, and says so", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(40, 0, { disconnectAfter: 25 }) });
    await ask(h);
    await h.plugin.idle();
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.answer).toMatch(/^Solar capacity[\s\S]*\n\n\*\*Incomplete answer:\*\* the connection broke before the answer was complete\.$/);
    expect(h.runtime.notices.at(-1)).toMatch(/broke before the answer was complete[\s\S]*kept and marked incomplete/);
  });

  it("times out a stream that never ends (idle timeout) and keeps its text", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off", requestTimeoutSeconds: 1 }, scenario: slow(20, 0, { noTerminal: true }) });
    await ask(h);
    await h.plugin.idle();
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.answer).toMatch(/^Solar capacity[\s\S]*\*\*Incomplete answer:\*\* Perplexity stopped sending the answer\.$/);
    expect(h.runtime.notices.at(-1)).toMatch(/stopped sending the answer for 1 second/);
  });

  it("skips malformed events when the rest is usable", async () => {
    const inject = [
      { after: 8, raw: "data: {broken\n\n" },
      { after: 12, raw: "data: not json either\n\n" },
    ];
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(20, 0, { inject }) });
    await ask(h);
    await h.plugin.idle();
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.state).toBe("answered");
    expect(block.answer).not.toContain(INCOMPLETE_PREFIX);
    expect(block.answer).toContain("\\[web:99\\]");
    expect(h.runtime.notices).toEqual([]);
  });

  it("reports a stream of nothing but malformed events, leaving the note as it was", async () => {
    h = await startHarness({
      platform: "desktop",
      scenario: { steps: [{ kind: "http", status: 200, headers: { "content-type": "text/event-stream" }, body: "data: {broken\n\ndata: nope\n\n" }] },
    });
    await ask(h);
    await h.plugin.idle();
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices.at(-1)).toMatch(/ended before the answer was complete/);
  });

  it("keeps the text of a run that fails mid-stream (response.failed), marked", async () => {
    h = await startHarness({
      platform: "desktop",
      settings: { preset: "medium", backgroundRuns: "off" },
      scenario: { steps: [{ status: "failed", error: { message: "upstream model failed" }, answer: ANSWER, stream: { deltas: 20 } }] },
    });
    await ask(h);
    await h.plugin.idle();
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.answer).toMatch(/^Solar capacity[\s\S]*\*\*Incomplete answer:\*\* the run failed before the answer was complete\.$/);
    expect(h.runtime.notices.at(-1)).toMatch(/could not finish the answer: upstream model failed[\s\S]*kept and marked incomplete/);
  });
});

describe("mobile", () => {
  it("asks buffered through requestUrl and writes the block once, whole", async () => {
    h = await startHarness({ platform: "mobile", settings: { preset: "medium", backgroundRuns: "off" }, scenario: slow(40, 5) });
    await h.runtime.openNote(NOTE);
    const writes = recordWrites(h);
    await ask(h);
    await h.plugin.idle();
    expect((askRequests(h.emulator)[0]?.json as { stream?: boolean }).stream).not.toBe(true);
    expect(streamedAnswers(writes)).toEqual([]);
    // The placeholder, then the answer in one final edit (with CodeMirror's history: a quiet restore of the
    // note, then the answer as one undo step); nothing in between.
    expect(writes.length).toBeLessThanOrEqual(3);
    expect(writes.slice(0, -1).every((w) => !w.text.includes("Solar capacity"))).toBe(true);
    expect(blockOf(writes.at(-1)!.text).block.answer).toContain("\\[web:99\\]");
  });
});

describe("the status bar", () => {
  it("shows the elapsed time while requests run, and nothing after", () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const el = createDiv();
      const stopFirst = trackElapsed(el, () => now);
      expect(el.textContent).toBe("Perplexity 0:00");
      now = 65_000;
      vi.advanceTimersByTime(1000);
      expect(el.textContent).toBe("Perplexity 1:05");
      const stopSecond = trackElapsed(el, () => now);
      expect(el.textContent).toBe("Perplexity 1:05 (2 requests)");
      stopFirst();
      expect(el.textContent).toBe("Perplexity 0:00");
      stopSecond();
      expect(el.textContent).toBe("");
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Undo with CodeMirror 6, Obsidian's editor: a real EditorState with @codemirror/commands' history().

interface UndoView {
  state: EditorState;
  dispatch(spec: TransactionSpec): void;
  undo(): boolean;
}

function historyView(doc: string): UndoView {
  const view: UndoView = {
    state: EditorState.create({ doc, extensions: [history()] }),
    dispatch(spec) {
      view.state = view.state.update(spec).state;
    },
    undo() {
      return undo({ state: view.state, dispatch: (tr) => (view.state = tr.state) });
    },
  };
  return view;
}

describe("undo with CodeMirror 6", () => {
  const pending: AnswerBlock = {
    blockId: "abc123",
    state: "pending",
    askedAt: "2026-11-24T16:43:12.385Z",
    question: QUESTION,
    request: { preset: "medium", noteContext: false },
    sources: [],
    answer: "",
  };
  const options = { fold: "+" as const, citationDateFormat: "yyyy, MMM d", linkFor: (s: { id: string }) => `[[${s.id}]]` };

  /** Streams TEXT into a CodeMirror document the way the ask flow does, then writes the final block. */
  function streamInto(view: UndoView, typeWhileStreaming: boolean): string {
    const port = codeMirrorPort(view);
    const note = view.state.doc.toString();
    const at = note.indexOf(QUESTION) + QUESTION.length;
    const insertion = planInsertion(note, at, at, formatBlock(pending, options));
    port.quiet(insertion.change);
    let last = { from: insertion.change.from + insertion.lead.length, text: insertion.pendingText };
    const partial = new PartialAnswer();
    partial.apply({ type: "sources", results: SOURCES });
    const ids = new Map(SOURCES.map((s) => [s.url, `id${s.id}`]));
    for (let n = 10; n <= TEXT.length; n += 23) {
      partial.apply({ type: "text", delta: "", text: TEXT.slice(0, n) });
      if (typeWhileStreaming) view.dispatch({ changes: { from: 0, insert: "x" }, userEvent: "input.type" });
      const from = locateBlock(port, pending.blockId, last);
      expect(from).not.toBeNull();
      const ctx = { ...pending, idFor: (url: string) => ids.get(url) ?? null, linkFor: options.linkFor };
      const text = formatBlock(partial.block(ctx), options, partial.status());
      port.quiet(minimalChange(last.text, text, from!));
      last = { from: from!, text };
    }
    const final = formatBlock({ ...pending, state: "answered", answer: "The whole answer." }, options);
    const current = view.state.doc.toString();
    applyFinal(port, current, settleStreamedBlock(current, insertion, last.text, pending.blockId, final)!);
    return final;
  }

  it("takes the whole streamed insertion back with one undo", () => {
    const view = historyView(NOTE_TEXT);
    const final = streamInto(view, false);
    expect(view.state.doc.toString()).toContain(final);
    expect(view.undo()).toBe(true);
    expect(view.state.doc.toString()).toBe(NOTE_TEXT);
    expect(view.undo()).toBe(false); // nothing streamed ever reached the history
  });

  it("keeps typing right after the answer landed out of the answer's undo step", () => {
    const view = historyView(NOTE_TEXT);
    streamInto(view, false);
    const afterAnswer = view.state.doc.toString();
    // Right where the answer ends, within CodeMirror's grouping delay: the case that could merge.
    const end = afterAnswer.indexOf("^pplx-abc123") + "^pplx-abc123".length;
    view.dispatch({ changes: { from: end, insert: " typed" }, userEvent: "input.type" });
    expect(view.undo()).toBe(true);
    expect(view.state.doc.toString()).toBe(afterAnswer);
    expect(view.undo()).toBe(true);
    expect(view.state.doc.toString()).toBe(NOTE_TEXT);
  });

  it("leaves the user's own typing during the stream in the history", () => {
    const view = historyView(NOTE_TEXT);
    streamInto(view, true);
    const typed = view.state.doc.toString().indexOf("#");
    expect(typed).toBeGreaterThan(0);
    view.undo();
    expect(view.state.doc.toString()).toBe("x".repeat(typed) + NOTE_TEXT);
    while (view.undo());
    expect(view.state.doc.toString()).toBe(NOTE_TEXT);
  });
});
