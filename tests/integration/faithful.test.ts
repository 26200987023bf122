// Issue 10: what the mocks used to hide, each through the built main.js in a runtime that behaves like the
// app (CodeMirror-backed editors, Canvas and popover editors, link settings, asynchronous metadata, unload,
// app versions, a desktop network that Node cannot get through). Its streams use the medium preset with
// background runs off (issue 21 runs deep presets in the background by default; see background.test.ts).
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatBlock, hashText, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { INCOMPLETE_PREFIX } from "../../src/core/partial";
import type { Scenario } from "../emulator/scenario";
import { CodeMirrorEditor } from "../obsidian-runtime/codemirror-editor";
import { ObsidianRuntime, waitFor } from "../obsidian-runtime/runtime";
import { NOTE, NOTE_TEXT, QUESTION, askRequests, selectInNote, settingRow, startHarness, typeInto } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SOURCES = [
  { id: 1, title: "Solar report", url: "https://solar.example.org/report" },
  { id: 2, title: "Grid data", url: "https://grid.example.com/data" },
];
const ANSWER = { text: "Solar capacity tripled.[1] Grids lag behind.[2]", searchResults: [{ results: SOURCES }] };

function blockOf(text: string) {
  const blocks = parseBlocks(text);
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

/** Selects the question in an editor that is not a markdown tab and runs the command in it. */
function askIn(editor: CodeMirrorEditor, harness: Harness): void {
  const at = editor.getValue().indexOf(QUESTION);
  editor.setSelection(editor.offsetToPos(at), editor.offsetToPos(at + QUESTION.length));
  expect(harness.runtime.runCommand("ask-selection")).toBe(true);
}

describe("editors that are not a markdown tab (finding 3)", () => {
  for (const kind of ["canvas", "popover"] as const) {
    it(`writes the answer into a ${kind} editor, where the placeholder is, not into the file on disk`, async () => {
      h = await startHarness({ scenario: { steps: [{ delayMs: 100, answer: ANSWER }] } });
      const editor = await h.runtime.openEmbedded(NOTE, kind);
      askIn(editor, h);
      expect(blockOf(editor.getValue()).block.state).toBe("pending");
      await h.plugin.idle();
      const { block } = blockOf(editor.getValue());
      expect(block.state).toBe("answered");
      expect(block.answer).toContain("Solar capacity tripled.");
      expect(h.runtime.notices).toEqual([]);
      // Saved as the app saves it: the note has the answer, no placeholder left behind.
      await h.runtime.closeEmbedded(NOTE);
      const saved = await h.runtime.read(NOTE);
      expect(blockOf(saved).block.state).toBe("answered");
      expect(saved).not.toContain("Waiting for Perplexity");
    });
  }

  it("streams into a Canvas card on the desktop app, then writes the file once the card is closed", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: { steps: [{ answer: ANSWER, stream: { deltas: 30, eventDelayMs: 15 } }] } });
    const editor = await h.runtime.openEmbedded(NOTE, "canvas");
    askIn(editor, h);
    await waitFor(() => (parseBlocks(editor.getValue())[0]?.block.answer ?? "") !== "", 5000, "streamed text in the card");
    await h.runtime.closeEmbedded(NOTE);
    await h.plugin.idle();
    const { block } = blockOf(await h.runtime.read(NOTE));
    expect(block.state).toBe("answered");
    expect(block.answer).toContain("Grids lag behind.");
  });
});

describe("refreshing in an editor that is not a markdown tab (finding 3)", () => {
  it("refreshes the answer under the cursor of a Canvas card in the card, keeping the card's unsaved edits", async () => {
    const old: AnswerBlock = {
      blockId: "cardab",
      state: "answered",
      askedAt: "2026-09-01T10:00:00.000Z",
      question: "Old question?",
      request: { preset: "fast", noteContext: false },
      answer: "Old answer.",
      sources: [],
      answerHash: hashText("Old answer."),
    };
    const text = `# Card\n\n${formatBlock(old, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => s.id })}\n`;
    h = await startHarness({ files: { "Card.md": text }, scenario: { steps: [{ delayMs: 100, answer: ANSWER }] } });
    const editor = await h.runtime.openEmbedded("Card.md", "canvas");
    editor.replaceRange("Typed in the card.\n", { line: 1, ch: 0 });
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf("Old answer.")));
    expect(h.runtime.runCommand("refresh-at-cursor")).toBe(true);
    await h.plugin.idle();
    const now = editor.getValue();
    expect(now).toContain("Typed in the card.");
    expect(blockOf(now).block.answer).toContain("Solar capacity tripled.");
    await h.runtime.closeEmbedded("Card.md");
    expect(await h.runtime.read("Card.md")).toContain("Solar capacity tripled.");
  });
});

describe("linking citations in an editor that is not a markdown tab (finding 3)", () => {
  it("repoints the links of a block in a popover editor, not in the file behind it", async () => {
    const answer = "Solar grew [abc123](https://solar.example.org/report).";
    const old: AnswerBlock = {
      blockId: "linkab",
      state: "answered",
      askedAt: "2026-09-01T10:00:00.000Z",
      question: "Solar?",
      request: { preset: "fast", noteContext: false },
      answer,
      sources: [{ id: "abc123", url: "https://solar.example.org/report", title: "Solar report", cited: true }],
      answerHash: hashText(answer),
    };
    const text = `# Pop\n\n${formatBlock(old, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[${s.id}](${s.url})` })}\n`;
    h = await startHarness({ files: { "Pop.md": text } });
    const editor = await h.runtime.openEmbedded("Pop.md", "popover");
    editor.replaceRange("Unsaved line.\n", { line: 1, ch: 0 });
    expect(h.runtime.runCommand("link-citations")).toBe(true);
    await h.plugin.idle();
    const now = editor.getValue();
    expect(now).toContain("Unsaved line.");
    expect(blockOf(now).block.answer).toMatch(/\[\[[a-z0-9]{6,}\]\]/);
    expect(h.runtime.notices.at(-1)).toBe("Linked 1 cited source in 1 answer, 1 source note made; 1 answer rewritten with the links.");
  });
});

describe("citation links in tables (finding 4)", () => {
  const TABLE_ANSWER = {
    text: "| Vendor | Capacity |\n| --- | --- |\n| Solar | tripled[1] |\n| Grid | lags[2] |\n\nBoth trends continue.[1]",
    searchResults: [{ results: SOURCES }],
  };

  for (const newLinkFormat of ["absolute", "relative"] as const) {
    it(`keeps the table whole with ${newLinkFormat} links, whose "|" would split a cell`, async () => {
      h = await startHarness({ scenario: { steps: [{ answer: TABLE_ANSWER }] }, runtime: { vaultConfig: { newLinkFormat } } });
      await selectInNote(h.runtime, NOTE, QUESTION);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      const { block } = blockOf(h.runtime.editor(NOTE).getValue());
      const rows = block.answer.split("\n").filter((l) => l.startsWith("| Solar") || l.startsWith("| Grid"));
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatch(/\[\[[^\]]*Sources\/[a-z0-9]{6,}\\\|[a-z0-9]{6,}\]\]/); // escaped separator inside the link
        // Three cell boundaries, as in the header row: no "|" of a link counts as one.
        expect(row.replace(/\\\|/g, "").split("|")).toHaveLength(4);
      }
      // Outside the table the link is written as usual.
      expect(block.answer.split("\n").at(-1)).toMatch(/\[\[[^\]]*Sources\/[a-z0-9]{6,}\|[a-z0-9]{6,}\]\]/);
    });
  }

  it("uses Markdown links when the vault does, and those need no escaping", async () => {
    h = await startHarness({ scenario: { steps: [{ answer: TABLE_ANSWER }] }, runtime: { vaultConfig: { useMarkdownLinks: true, newLinkFormat: "absolute" } } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const { block } = blockOf(h.runtime.editor(NOTE).getValue());
    expect(block.answer).toMatch(/\| Solar \| tripled \[[a-z0-9]{6,}\]\(Sources\/[a-z0-9]{6,}\.md\) \|/);
  });
});

describe("disabling the plugin stops its work (finding 6)", () => {
  it("after onunload nothing is written, no source note is made and no notice shown", async () => {
    const scenario: Scenario = { steps: [{ answer: ANSWER, stream: { deltas: 200, eventDelayMs: 15 } }] };
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await waitFor(() => (parseBlocks(h!.runtime.editor(NOTE).getValue())[0]?.block.answer ?? "") !== "", 5000, "streamed text");
    const plugin = h.plugin;
    plugin.unload();
    // Settled while onunload ran: what arrived, marked incomplete.
    const atUnload = h.runtime.editor(NOTE).getValue();
    const { block } = blockOf(atUnload);
    expect(block.state).toBe("answered");
    expect(block.answer).toContain(INCOMPLETE_PREFIX);
    const files = h.runtime.app.vault.getFiles().length;
    const notices = h.runtime.notices.length;
    await plugin.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.runtime.editor(NOTE).getValue()).toBe(atUnload);
    expect(h.runtime.app.vault.getFiles()).toHaveLength(files);
    expect(h.runtime.notices).toHaveLength(notices);
  });

  it("puts the note back at once when nothing had arrived", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 400, answer: ANSWER }] } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    expect(blockOf(h.runtime.editor(NOTE).getValue()).block.state).toBe("pending");
    const plugin = h.plugin;
    plugin.unload();
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    await plugin.idle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(h.runtime.notices).toEqual([]);
    expect(h.runtime.app.vault.getFileByPath("Sources")).toBeNull();
  });

  it("tracks Test connection, so Cancel and unloading stop it", async () => {
    h = await startHarness({ scenario: { steps: [{ delayMs: 2000, answer: { text: "OK" } }] } });
    const tab = h.runtime.openSettings();
    const result = tab.testConnection();
    await waitFor(() => askRequests(h!.emulator).length === 1, 3000, "the test request");
    expect(h.runtime.isCommandAvailable("cancel")).toBe(true);
    const started = Date.now();
    h.runtime.runCommand("cancel");
    expect(await result).toMatch(/cancel/i);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("desktop streaming that cannot connect (finding 7)", () => {
  for (const nodeNetwork of ["refused", "certificate"] as const) {
    it(`sends the same request through requestUrl when Node's connection is ${nodeNetwork === "refused" ? "refused" : "refused a certificate"}`, async () => {
      h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: { default: { answer: ANSWER } }, runtime: { nodeNetwork } });
      await selectInNote(h.runtime, NOTE, QUESTION);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      const { block } = blockOf(h.runtime.editor(NOTE).getValue());
      expect(block.state).toBe("answered");
      expect(block.answer).toContain("Solar capacity tripled.");
      // Exactly one request reached Perplexity: nothing was sent before the fallback.
      expect(askRequests(h.emulator)).toHaveLength(1);
      expect(h.runtime.notices).toEqual([]);
      // Later questions go straight through requestUrl.
      await selectInNote(h.runtime, NOTE, "Closing paragraph the user wrote.");
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      expect(askRequests(h.emulator)).toHaveLength(2);
      expect(parseBlocks(h.runtime.editor(NOTE).getValue()).every((p) => p.block.state === "answered")).toBe(true);
    });
  }

  it("does not resend a request that reached the server and then failed", async () => {
    h = await startHarness({ platform: "desktop", settings: { preset: "medium", backgroundRuns: "off" }, scenario: { steps: [{ kind: "disconnect", repeat: 4 }] } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    // A dropped connection is never retried (a paid run may be going on), and not sent again through requestUrl.
    expect(askRequests(h.emulator)).toHaveLength(1);
    expect(h.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
  });
});

describe("settings (finding 10)", () => {
  const NAMES = ["API key", "Test connection", "Preset or model", "Search context size", "Recency", "Domains", "Maximum answer length", "Custom instructions", "Send note context", "Insert the answer", "Answer block", "Citation date format", "Base URL", "Request timeout"];

  it("on 1.13 every setting is a definition the app's settings search indexes, the key a real secret field", async () => {
    h = await startHarness({ key: "pplx-secret-value-123" });
    const tab = h.runtime.openSettings();
    const names = JSON.stringify(tab.getSettingDefinitions());
    for (const name of NAMES) expect(names).toContain(`"name":"${name}"`);
    const text = tab.containerEl.textContent ?? "";
    for (const name of NAMES) expect(text).toContain(name);
    expect(h.runtime.secretComponents).toHaveLength(1);
    // The key never appears in the tab: no text control shows it.
    expect(tab.containerEl.innerHTML).not.toContain("pplx-secret-value-123");
    const inputs = [...tab.containerEl.querySelectorAll("input, textarea")] as HTMLInputElement[];
    expect(inputs.some((i) => i.value === "pplx-secret-value-123")).toBe(false);
  });

  it("on 1.11.4 the same settings render through display(), the key through SecretComponent", async () => {
    h = await startHarness({ runtime: { apiVersion: "1.11.4" } });
    const tab = h.runtime.openSettings();
    const text = tab.containerEl.textContent ?? "";
    for (const name of NAMES) expect(text).toContain(name);
    expect(h.runtime.secretComponents).toHaveLength(1);
    // The model name row shows only for "A specific model".
    expect(text).not.toContain("provider/model");
  });
});

describe("the runtime behaves like the app", () => {
  it("gives notes a CodeMirror 6 editor (editor.cm) whose undo is CodeMirror's", async () => {
    const runtime = new ObsidianRuntime({ files: { "A.md": "one" } });
    const view = await runtime.openNote("A.md");
    expect(view.editor).toBeInstanceOf(CodeMirrorEditor);
    const editor = view.editor as CodeMirrorEditor;
    editor.transaction({ changes: [{ from: { line: 0, ch: 0 }, text: "[" }, { from: { line: 0, ch: 3 }, text: "]" }] });
    expect(editor.getValue()).toBe("[one]");
    editor.undo();
    expect(editor.getValue()).toBe("one");
    expect(editor.cm.state.doc.toString()).toBe("one");
    await runtime.closeNote("A.md");
  });

  it("updates the metadata cache some time after a write, not during it", async () => {
    const runtime = new ObsidianRuntime({ files: { "A.md": "text" } });
    await runtime.startIndexing();
    const file = runtime.app.vault.getFileByPath("A.md")!;
    await runtime.app.vault.modify(file, "text\n\n^blockid");
    expect(runtime.app.metadataCache.getFileCache(file)?.blocks).toBeUndefined();
    await runtime.metadataSettled();
    expect(runtime.app.metadataCache.getFileCache(file)?.blocks?.blockid).toBeDefined();
  });

  it("indexes a block id where Obsidian does: at a line's end, not in code, math, raw HTML, properties or a comment", async () => {
    // Read by micromark (tests/support/independent-markdown.ts), not by the plugin's own structure layer.
    const note = [
      "---", "tag: ^inprops", "---", "A paragraph. ^para", "", "- item ^item", "", "```", "code ^infence", "```", "",
      "Inline `code ^incode`", "", "$$", "x ^inmath", "$$", "", "<div>", "html ^inhtml", "</div>", "",
      "%%", "hidden ^incomment", "%%", "", "a %% aside", "more ^inaside", "%% after ^after", "", "> quote", "", "^quote",
    ].join("\n");
    const runtime = new ObsidianRuntime({ files: { "A.md": note } });
    await runtime.startIndexing();
    await runtime.metadataSettled();
    const blocks = runtime.app.metadataCache.getFileCache(runtime.app.vault.getFileByPath("A.md")!)?.blocks ?? {};
    expect(Object.keys(blocks).sort()).toEqual(["after", "item", "para", "quote"]);
  });

  it("generates links by the vault's link settings", () => {
    const runtime = new ObsidianRuntime({ files: { "Sources/abc123.md": "", "Other/abc123.md": "", "Sources/def456.md": "", "Notes/N.md": "" } });
    const unique = runtime.app.vault.getFileByPath("Sources/def456.md")!;
    const clash = runtime.app.vault.getFileByPath("Sources/abc123.md")!;
    const link = (file: typeof unique, alias?: string) => runtime.app.fileManager.generateMarkdownLink(file, "Notes/N.md", undefined, alias);
    expect(link(unique)).toBe("[[def456]]");
    expect(link(clash)).toBe("[[Sources/abc123]]");
    runtime.linkConfig = { newLinkFormat: "relative" };
    expect(link(unique, "def456")).toBe("[[../Sources/def456|def456]]");
    runtime.linkConfig = { newLinkFormat: "absolute", useMarkdownLinks: true };
    expect(link(unique, "def456")).toBe("[def456](Sources/def456.md)");
  });

  it("refuses secret IDs the app refuses", () => {
    const runtime = new ObsidianRuntime();
    expect(() => runtime.app.secretStorage.setSecret("My Key", "x")).toThrow(/Invalid secret ID/);
    runtime.app.secretStorage.setSecret("perplexity-api-key-2", "x");
    expect(runtime.app.secretStorage.getSecret("perplexity-api-key-2")).toBe("x");
  });
});

describe("number settings have bounds (issue 22, item 10)", () => {
  it("on 1.13 a value past a bound is refused below the row and not saved; one within is", async () => {
    h = await startHarness();
    const tab = h.runtime.openSettings();
    const before = structuredClone(h.runtime.data) as Record<string, unknown>;
    const parallel = settingRow(tab.containerEl, "Parallel requests");
    expect(parallel.input.max).toBe("16");
    await typeInto(parallel.input, "500");
    expect(parallel.error()).toBe("Enter a whole number from 1 to 16.");
    expect(h.plugin.settings.concurrency).toBe(2);
    const timeout = settingRow(tab.containerEl, "Request timeout");
    await typeInto(timeout.input, "3000000");
    expect(timeout.error()).toBe("Enter a whole number from 1 to 3,600.");
    expect(h.plugin.settings.requestTimeoutSeconds).toBe(10);
    expect(h.runtime.data).toEqual(before);
    await typeInto(parallel.input, "4");
    expect(parallel.error()).toBeNull();
    expect(h.plugin.settings.concurrency).toBe(4);
  });

  it("on 1.11.4 the same bounds refuse the value in the row's description", async () => {
    h = await startHarness({ runtime: { apiVersion: "1.11.4" } });
    const tab = h.runtime.openSettings();
    const parallel = settingRow(tab.containerEl, "Parallel requests");
    await typeInto(parallel.input, "500");
    expect(parallel.desc.textContent).toBe("Enter a whole number from 1 to 16.");
    expect(h.plugin.settings.concurrency).toBe(2);
  });

  it("data.json past a bound loads clamped: a timeout the browser's timer cannot hold never reaches a request", async () => {
    h = await startHarness({ settings: { concurrency: 500, requestTimeoutSeconds: 3_000_000, followUpTurns: -4 } });
    expect(h.plugin.settings).toMatchObject({ concurrency: 16, requestTimeoutSeconds: 3600, followUpTurns: 0 });
  });

  it("on 1.13 the tab shows this month's spend when it opens after an answer was paid for", async () => {
    h = await startHarness({ scenario: { default: { answer: { cost: 0.25 } } } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    expect(h.runtime.runCommand("ask-selection")).toBe(true);
    await h.plugin.idle();
    const tab = h.runtime.openSettings();
    expect(settingRow(tab.containerEl, "Monthly spending cap").desc.textContent).toContain("Perplexity $0.25 this month");
  });
});

describe("the runtime starts, renames, opens views and saves as the app does (issue 22, item 13)", () => {
  it("the plugin loads before the layout is ready and before the vault is indexed; then the cache is resolved", async () => {
    const runtime = new ObsidianRuntime({ files: { "A.md": "text\n\n^blockid" } });
    const seen: string[] = [];
    const cache = runtime.app.metadataCache;
    cache.on("resolved", () => seen.push("resolved"));
    // What onload would see, checked from the runtime's side before it indexes.
    const file = runtime.app.vault.getFileByPath("A.md")!;
    expect(cache.getFileCache(file)).toBeNull();
    runtime.app.workspace.onLayoutReady(() => seen.push("layout ready"));
    expect(seen).toEqual([]);
    await runtime.startIndexing();
    expect(seen).toEqual(["layout ready", "resolved"]);
    expect(cache.getFileCache(file)?.blocks?.blockid).toBeDefined();
  });

  it("renaming a folder fires rename for the folder and for each file inside, with its old path", async () => {
    const runtime = new ObsidianRuntime({ files: { "Old/a.md": "", "Old/Sub/b.md": "" } });
    const events: [string, string][] = [];
    runtime.app.vault.on("rename", (...data: unknown[]) => events.push([(data[0] as { path: string }).path, data[1] as string]));
    await runtime.app.vault.rename(runtime.app.vault.getAbstractFileByPath("Old")!, "New");
    expect(events).toEqual(expect.arrayContaining([["New", "Old"], ["New/a.md", "Old/a.md"], ["New/Sub", "Old/Sub"], ["New/Sub/b.md", "Old/Sub/b.md"]]));
    expect(events[0]).toEqual(["New", "Old"]);
  });

  it("saveData goes through JSON, as data.json does", async () => {
    h = await startHarness();
    await h.plugin.saveData({ kept: 1, gone: undefined, when: new Date("2026-01-02T00:00:00Z"), nan: Number.NaN });
    expect(h.runtime.data).toEqual({ kept: 1, when: "2026-01-02T00:00:00.000Z", nan: null });
  });

  it("a view type's leaf is built by setViewState and closed by detach", async () => {
    h = await startHarness();
    const leaf = h.runtime.app.workspace.getRightLeaf(false)!;
    await leaf.setViewState({ type: "perplexity-answers" });
    const view = (leaf as unknown as { view: { getViewType(): string; onClose(): Promise<void> } }).view;
    expect(view.getViewType()).toBe("perplexity-answers");
    const onClose = vi.spyOn(view, "onClose");
    leaf.detach();
    expect(onClose).toHaveBeenCalled();
    expect(h.runtime.app.workspace.getLeavesOfType("perplexity-answers")).toHaveLength(0);
  });

  it("the 1.13 renderer runs validate on mount, falls back to defaultValue, and parses numbers as the app does", async () => {
    const { renderDefinitions } = await import("../obsidian-runtime/setting-definitions");
    const runtime = new ObsidianRuntime();
    const saved: Record<string, unknown> = {};
    const containerEl = document.createElement("div");
    const tab = { containerEl, getControlValue: (key: string) => ({ stored: 99 })[key], setControlValue: (key: string, value: unknown) => void (saved[key] = value) };
    const validate = (v: unknown) => (typeof v === "number" && v <= 10 ? undefined : "At most 10.");
    renderDefinitions(tab, [{ name: "Stored", control: { type: "number", key: "stored", max: 10, validate } }, { name: "Unset", control: { type: "number", key: "unset", defaultValue: 7, validate } }], runtime.obsidian);
    await new Promise((r) => setTimeout(r, 0));
    const stored = settingRow(containerEl, "Stored");
    expect(stored.error()).toBe("At most 10.");
    expect(stored.input.value).toBe("99");
    const unset = settingRow(containerEl, "Unset");
    expect(unset.input.value).toBe("7");
    await typeInto(unset.input, "");
    expect(saved).toEqual({ unset: 7 });
    expect(saved.stored).toBeUndefined();
  });

  it("a page parsed by the plugin's DOMParser loads nothing it links and prints nothing", async () => {
    h = await startHarness();
    const errors = vi.spyOn(console, "error");
    const doc = new DOMParser().parseFromString('<html><head><link rel="stylesheet" href="http://127.0.0.1:9/a.css"></head><body><iframe src="http://127.0.0.1:9/f"></iframe><p>Text</p><script>globalThis.ranScript = 1</script></body></html>', "text/html");
    await new Promise((r) => setTimeout(r, 50));
    expect(doc.body.querySelector("p")?.textContent).toBe("Text");
    expect((globalThis as Record<string, unknown>).ranScript).toBeUndefined();
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });
});
