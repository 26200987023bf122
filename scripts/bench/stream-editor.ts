// Streaming into the editor (issue 6): a 50 KB answer in 5,000 deltas streamed into a 200 KB note by the
// built main.js on the desktop runtime, against the emulator. Measures the total time spent in editor
// calls during the ask (insertion, batched flushes, final write) and how soon after the first delta
// reached the plugin's socket the first answer text was in the editor. The runtime's editor is the
// mocks' (every call costs time in proportion to the note); a second pair of rows runs the CodeMirror 6
// port on a real EditorState to show that a flush costs time in proportion to the block, not the note.
import { EditorState } from "@codemirror/state";
import type { TransactionSpec } from "@codemirror/state";
import { formatBlock } from "../../src/core/block";
import { planInsertion } from "../../src/core/insertion";
import { PartialAnswer } from "../../src/core/partial-answer";
import { codeMirrorPort, locateBlock, minimalChange } from "../../src/obsidian/editing/editor-port";
import { makeAnswer } from "../../tests/emulator/fixtures";
import { startEmulator } from "../../tests/emulator/server";
import { ObsidianRuntime } from "../../tests/obsidian-runtime/runtime";
import { median, type BenchRow } from "./types";

const QUESTION = "How did solar capacity change this decade?";
const NOTE = "Bench.md";


/** A note of about `bytes` characters of ordinary Markdown, with the question in the middle. */
function bigNote(bytes: number): string {
  const paragraph = "Some earlier research notes about energy markets, with a [[link]] and *emphasis* here and there.\n\n";
  const half = paragraph.repeat(Math.ceil(bytes / 2 / paragraph.length));
  return `# Notes\n\n${half}${QUESTION}\n\n${half}`;
}

const EDITOR_METHODS = ["getValue", "getRange", "offsetToPos", "posToOffset", "transaction", "replaceRange", "getCursor", "setSelection", "getLine", "lineCount"] as const;

export async function benchStreamEditor(runs = 5): Promise<BenchRow[]> {
  const answer = makeAnswer({ textBytes: 50_000, sources: 50 });
  // The first delta is about 10 characters (50 KB in 5,000 pieces): look for its first few.
  const firstWords = (answer.text ?? "").slice(0, 6);
  const emulator = await startEmulator({ scenario: { default: { answer, stream: { deltas: 5000 } } } });
  const note = bigNote(200_000);
  // The mocks' editor: its writes go through editor.transaction, which this benchmark times (the runtime's
  // CodeMirror-backed editor takes the plugin's CodeMirror path, measured by the "CodeMirror 6 port" rows).
  const runtime = new ObsidianRuntime({ platform: "desktop", editor: "mock", files: { [NOTE]: note }, secrets: { "perplexity-api-key": "bench" }, pluginData: { baseUrl: emulator.baseUrl } });
  const plugin = (await runtime.loadPlugin()) as unknown as { idle(): Promise<void> };
  const editorMs: number[] = [];
  const firstText: number[] = [];
  const flushes: number[] = [];
  try {
    for (let run = 0; run < runs + 1; run++) {
      const view = await runtime.openNote(NOTE);
      view.editor.setValue(note);
      const at = note.indexOf(QUESTION);
      view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + QUESTION.length));
      // Time inside editor calls (outermost call only), and when the answer's first words were in the note.
      const editor = view.editor as unknown as Record<string, (...args: unknown[]) => unknown>;
      const originals = EDITOR_METHODS.map((name) => [name, editor[name]!] as const);
      let depth = 0;
      let spent = 0;
      let writes = 0;
      let textAt = 0;
      for (const [name, original] of originals) {
        editor[name] = (...args: unknown[]) => {
          const start = depth === 0 ? performance.now() : 0;
          depth++;
          try {
            return original.apply(view.editor, args);
          } finally {
            depth--;
            if (depth === 0) {
              const end = performance.now();
              spent += end - start;
              if (name === "transaction") {
                writes++;
                if (textAt === 0 && view.editor.getValue().includes(`> ${firstWords}`)) textAt = end;
              }
            }
          }
        };
      }
      runtime.timings.firstDeltaAt = 0;
      runtime.runCommand("ask-selection");
      await plugin.idle();
      for (const [name, original] of originals) editor[name] = original;
      if (runtime.notices.length) throw new Error(`ask failed: ${runtime.notices.join(" / ")}`);
      if (run === 0) continue; // warm-up
      // A figure from no writes would be meaningless (a negative "first text"): stop instead.
      if (!writes || !textAt || !runtime.timings.firstDeltaAt) throw new Error("bench: the streamed answer was not written through editor.transaction");
      editorMs.push(spent);
      firstText.push(textAt - runtime.timings.firstDeltaAt);
      flushes.push(writes);
    }
  } finally {
    await runtime.unloadPlugin();
    await emulator.close();
  }
  const cm = codeMirrorFlushes();
  return [
    { name: "stream 50 KB/5000 deltas into a 200 KB note: time in editor updates", value: median(editorMs), unit: "ms", target: 150, stat: `median of ${runs}`, note: `${median(flushes)} editor writes (mock editor)` },
    { name: "stream 50 KB/5000 deltas into a 200 KB note: first delta → text in editor", value: median(firstText), unit: "ms", target: 50, stat: `median of ${runs}` },
    { name: "CodeMirror 6 port: one flush of a 50 KB block, 200 KB note", value: cm.small, unit: "ms", stat: "median of the last 20 flushes", note: "locate + render-free diff + quiet dispatch" },
    { name: "CodeMirror 6 port: one flush of a 50 KB block, 2 MB note", value: cm.large, unit: "ms", stat: "median of the last 20 flushes", note: "same block, 10× the note: same cost" },
  ];
}

/** Median time of one flush (find the block, diff, quiet dispatch) with a real EditorState, for two note sizes. */
function codeMirrorFlushes(): { small: number; large: number } {
  const answer = makeAnswer({ textBytes: 50_000, sources: 50 });
  const measure = (noteBytes: number): number => {
    const note = bigNote(noteBytes);
    const view = { state: EditorState.create({ doc: note }), dispatch(spec: TransactionSpec) { view.state = view.state.update(spec).state; } };
    const port = codeMirrorPort(view);
    const pending = { blockId: "bench01", state: "pending" as const, askedAt: "2026-11-24T16:43:12.385Z", question: QUESTION, request: { preset: "fast", noteContext: false }, sources: [], answer: "" };
    const options = { fold: "+" as const, citationDateFormat: "yyyy, MMM d", linkFor: (s: { id: string }) => `[[${s.id}]]` };
    const at = note.indexOf(QUESTION) + QUESTION.length;
    const insertion = planInsertion(note, at, at, formatBlock(pending, options));
    port.quiet(insertion.change);
    let last = { from: insertion.change.from + insertion.lead.length, text: insertion.pendingText };
    const partial = new PartialAnswer();
    const results = (answer.searchResults ?? [])[0]!.results.map((r) => ({ id: Number(r.id), url: String(r.url) }));
    partial.apply({ type: "sources", results });
    const ctx = { ...pending, idFor: (url: string) => `s${url.length.toString(36)}${results.findIndex((r) => r.url === url)}`, linkFor: options.linkFor };
    const times: number[] = [];
    const full = answer.text ?? "";
    for (let n = 1000; n <= full.length; n += 1000) {
      partial.apply({ type: "text", delta: "", text: full.slice(0, n) });
      const text = formatBlock(partial.block(ctx), options, partial.status());
      const start = performance.now();
      const from = locateBlock(port, pending.blockId, last)!;
      port.quiet(minimalChange(last.text, text, from));
      times.push(performance.now() - start);
      last = { from, text };
    }
    return median(times.slice(-20));
  };
  measure(200_000); // warm-up
  return { small: measure(200_000), large: measure(2_000_000) };
}
