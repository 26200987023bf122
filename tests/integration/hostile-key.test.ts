// Issue 19, item 8, through the built main.js: a server echoing the key (tests/fixtures/hostile/key) in every
// string it supplies, in every form an echo takes, reaches no notice, note, source note or log line, not even
// while an answer streams; an API request redirected to another origin is not followed there (desktop); a run
// id that is not [A-Za-z0-9_-]+ is never put into a URL.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseBlocks } from "../../src/core/block";
import type { Step } from "../emulator/scenario";
import { CodeMirrorEditor } from "../obsidian-runtime/codemirror-editor";
import type { Platform } from "../obsidian-runtime/runtime";
import { selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

const corpus = JSON.parse(readFileSync("tests/fixtures/hostile/key/echoes.json", "utf8")) as {
  key: string;
  echoes: Record<string, string | Record<string, string>>;
  runIds: string[];
};
const KEY = corpus.key;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const FORMS: Record<string, string> = {
  "{key}": KEY,
  "{key-no-prefix}": KEY.slice(4),
  "{key-b64}": b64(KEY),
  "{key-basic}": b64(`:${KEY}`),
  "{key-url}": encodeURIComponent(KEY).replace(/_/g, "%5F"),
  "{key-zwsp}": [...KEY].join("\u200b"),
  "{key-masked}": `${KEY.slice(0, 16)}…${KEY.slice(-4)}`,
};
const fill = (s: string) => Object.entries(FORMS).reduce((t, [k, v]) => t.split(k).join(v), s);
const echo = (name: string) => fill(corpus.echoes[name] as string);

/** The key in any form a reader (or a tool reading the vault) could recover: 12 of its characters in a row, or an encoding of it. */
function leaks(text: string): string[] {
  const found: string[] = [];
  const plain = text.replace(/[\u200b-\u200f\u2060\ufeff\u00ad]/g, "");
  for (let i = 0; i + 12 <= KEY.length; i++) if (plain.includes(KEY.slice(i, i + 12))) found.push(`"${KEY.slice(i, i + 12)}"`);
  for (const form of [b64(KEY).replace(/=+$/, ""), b64(`:${KEY}`).replace(/=+$/, ""), encodeURIComponent(KEY).replace(/_/g, "%5F")]) if (plain.includes(form)) found.push(form);
  return found;
}

let h: Harness | undefined;
let logged: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.restoreAllMocks();
});

function captureLogs(): void {
  logged = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${String((a as { cause?: unknown }).cause ?? "")}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
}

const QUESTIONS = ["First question?", "Second question?", "Third question?", "Fourth question?", "Fifth question?"];
const NOTE = "Keys.md";

async function askEach(platform: Platform, steps: Step[], onOpen?: (editor: CodeMirrorEditor) => void) {
  h = await startHarness({ platform, key: KEY, files: { [NOTE]: `# Keys\n\n${QUESTIONS.join("\n\n")}\n` }, scenario: { steps } });
  const view = await h.runtime.openNote(NOTE);
  if (view.editor instanceof CodeMirrorEditor) onOpen?.(view.editor);
  for (const q of QUESTIONS.slice(0, steps.length)) {
    await selectInNote(h.runtime, NOTE, q);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
  }
}

describe("the API key", () => {
  it.each(["mobile", "desktop"] as const)("is in no notice, note, source note or log, whatever the server echoes and however (%s)", async (platform) => {
    captureLogs();
    const badRequest = corpus.echoes["400 param and message"] as Record<string, string>;
    const steps: Step[] = [
      { kind: "http", status: 400, json: { error: { message: fill(badRequest.message!), type: "invalid_request", code: 400, param: fill(badRequest.param!) } } },
      { status: "failed", error: { message: echo("failed run message"), type: "internal_error" } },
      { status: "incomplete", incompleteReason: echo("incomplete reason"), answer: { text: "Partial text that arrived." } },
      {
        answer: {
          text: `${echo("answer text")} [1]`,
          model: echo("model name"),
          searchResults: [{ results: [{ id: 1, title: echo("title"), url: echo("url"), snippet: echo("snippet"), date: "2025-01-01" }] }],
        },
      },
      { answer: { text: `${echo("streamed text")} [1]`, searchResults: [{ results: [{ id: 1, title: "Plain", url: "https://example.com/plain" }] }] }, stream: { deltas: 60, eventDelayMs: 5 } },
    ];
    const states: string[] = [];
    await askEach(platform, steps, (editor) => editor.onWrite(() => states.push(editor.getValue())));

    const vault = h!.runtime.app.vault;
    const written: Record<string, string> = { note: h!.runtime.editor(NOTE).getValue() };
    for (const f of vault.getMarkdownFiles()) written[f.path] = await vault.read(f);
    h!.runtime.notices.forEach((n, i) => (written[`notice ${i}`] = n));
    logged.forEach((l, i) => (written[`log ${i}`] = l));
    states.forEach((s, i) => (written[`editor while streaming ${i}`] = s));
    for (const [where, content] of Object.entries(written)) expect({ where, leaks: leaks(content) }).toEqual({ where, leaks: [] });

    // Each failure still told the user what happened; the answers were written (scrubbed, not dropped).
    const notices = h!.runtime.notices.join("\n");
    expect(notices).toContain("Perplexity rejected the request as invalid");
    expect(notices).toContain("Perplexity could not finish the answer");
    expect(notices).toContain("Perplexity stopped before the answer was complete");
    const blocks = parseBlocks(written.note!);
    expect(blocks.map((b) => b.block.state)).toEqual(["answered", "answered", "answered"]);
    expect(blocks[1]!.block.answer).toContain("Your key is \\[key\\]");
    expect(blocks[1]!.block.answeredBy).toBe("[key]");
    if (platform === "desktop") expect(states.length).toBeGreaterThan(3);
  });

  it("is not carried to another origin by a redirect of an API request (desktop, streaming off)", async () => {
    const captured: { path: string; authorization?: string }[] = [];
    const elsewhere = http.createServer((req, res) => {
      captured.push({ path: req.url ?? "", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
    try {
      const location = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/v1/responses`;
      h = await startHarness({
        platform: "desktop",
        key: KEY,
        settings: { streaming: false },
        files: { [NOTE]: `# Keys\n\n${QUESTIONS[0]}\n` },
        scenario: { steps: [{ kind: "http", status: 307, headers: { location } }] },
      });
      await selectInNote(h.runtime, NOTE, QUESTIONS[0]!);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      expect(captured).toEqual([]);
      expect(h.runtime.notices.at(-1)).toContain("answered with a redirect (HTTP 307 to http://127.0.0.1:");
      expect(h.runtime.notices.at(-1)).toContain("never follows a redirect");
      // The note is as it was: nothing asked, nothing written.
      expect(h.runtime.editor(NOTE).getValue()).toBe(`# Keys\n\n${QUESTIONS[0]}\n`);
    } finally {
      await new Promise((r) => elsewhere.close(r));
    }
  });

  it("never puts a run id that is not [A-Za-z0-9_-]+ into a URL", async () => {
    // Each run is abandoned (the connection drops mid-stream), which makes the client cancel it by its id.
    const steps: Step[] = corpus.runIds.map((runId) => ({ runId, stream: { disconnectAfter: 4 } }));
    h = await startHarness({ platform: "desktop", key: KEY, files: { [NOTE]: `# Keys\n\n${corpus.runIds.map((_, i) => `Run ${i}?`).join("\n\n")}\n` }, scenario: { steps } });
    for (let i = 0; i < steps.length; i++) {
      await selectInNote(h.runtime, NOTE, `Run ${i}?`);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
    }
    await new Promise((r) => setTimeout(r, 100)); // cancels are sent without waiting for them
    const paths = h.emulator.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p.startsWith("POST /v1/responses"))).toHaveLength(steps.length);
    for (const p of paths) expect(p).toMatch(/^(POST \/v1\/(responses|agent)(\/[A-Za-z0-9_-]+\/cancel)?|GET \/v1\/models)$/);
    // Nothing addressed a run by a hostile id, and no block records one.
    expect(paths.filter((p) => p.includes("cancel"))).toEqual([]);
    for (const b of parseBlocks(h.runtime.editor(NOTE).getValue())) expect(b.block.responseId ?? "").toMatch(/^[A-Za-z0-9_-]*$/);
  });
});
