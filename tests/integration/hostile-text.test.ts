// Issue 19, item 5: control, direction and invisible characters from the web (tests/fixtures/hostile/text), sent
// through the emulator as answer text, titles, snippets and the model name, and carried by the question, reach
// neither the note, nor its source notes, nor a notice: the written files are read code point by code point
// against Unicode's own properties (tests/support/hidden-characters.ts), on mobile and on the desktop app.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { hiddenCharacters } from "../support/hidden-characters";
import { selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";
import type { Platform } from "../obsidian-runtime/runtime";

interface Payload {
  name: string;
  source: string;
  text: string;
}
const corpus = JSON.parse(readFileSync("tests/fixtures/hostile/text/web-text.json", "utf8")) as { question: string; payloads: Payload[] };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NOTE = "Hostile.md";
const answer = corpus.payloads.map((p, i) => `${p.text} [${i + 1}]`).join("\n\n");
const results = corpus.payloads.map((p, i) => ({ id: i + 1, title: `${p.name}: ${p.text}`, url: `https://example.com/page-${i + 1}`, snippet: p.text, date: "2025-01-02", last_updated: "2025-03-04" }));
const model = `openai/gpt\u202e-6\x07\u200b-${corpus.payloads[8]!.text}`;

async function ask(platform: Platform) {
  h = await startHarness({
    platform,
    files: { [NOTE]: `# Hostile\n\n${corpus.question}\n\nThe user's closing line.\n` },
    scenario: { steps: [{ answer: { text: answer, searchResults: [{ results }], model } }] },
  });
  await selectInNote(h.runtime, NOTE, corpus.question);
  h.runtime.runCommand("ask-selection");
  await h.plugin.idle();
  return h.runtime.editor(NOTE).getValue();
}

describe("web text from a hostile page or server", () => {
  it.each(["mobile", "desktop"] as const)("leaves no control, direction or invisible character in the note, its source notes or a notice (%s)", async (platform) => {
    const text = await ask(platform);
    const blocks = parseBlocks(text);
    expect(blocks).toHaveLength(1);
    const parsed = blocks[0]!;
    expect(parsed.problems).toEqual([]);
    // The question is kept exactly (a refresh asks it again), the user's own text untouched around the block.
    expect(parsed.block.question).toBe(corpus.question);
    expect(text.startsWith(`# Hostile\n\n${corpus.question}\n`)).toBe(true);
    expect(text.endsWith("\n\nThe user's closing line.\n")).toBe(true);

    // Everything the plugin wrote: the block, every source note, every notice.
    const written: Record<string, string> = { block: text.slice(parsed.from, parsed.to) };
    const vault = h!.runtime.app.vault;
    const sourceNotes = vault.getMarkdownFiles().filter((f) => f.path.startsWith("Sources/"));
    // Every payload is a source; the first two start with four spaces (code, in Markdown: their markers are not
    // citations), so the others are cited and have source notes.
    expect(parsed.block.sources).toHaveLength(corpus.payloads.length);
    expect(parsed.block.sources.filter((s) => s.cited)).toHaveLength(corpus.payloads.length - 2);
    expect(sourceNotes).toHaveLength(corpus.payloads.length - 2);
    for (const f of sourceNotes) written[f.path] = await vault.read(f);
    h!.runtime.notices.forEach((n, i) => (written[`notice ${i}`] = n));
    for (const [where, content] of Object.entries(written)) expect({ where, hidden: hiddenCharacters(content) }).toEqual({ where, hidden: [] });

    // What the reader sees is still there: the visible words of each payload, each title, the model.
    for (const visible of ["begin admins only", "A harmless sentence.", "Plain words continue.", "cleared", "click here", "red", "one line second line second paragraph", "javascript and javascript", "base"]) {
      expect(parsed.block.answer).toContain(visible);
    }
    expect(parsed.block.answer).not.toMatch(/Ignore previous|exfiltrate|sendsecrets|pwned title|evil\.example/);
    for (const source of parsed.block.sources) expect(hiddenCharacters(source.title)).toEqual([]);
    expect(parsed.block.sources.find((s) => s.url === "https://example.com/page-1")!.title).toContain("Trojan Source: commenting-out (Go):");
    expect(parsed.block.answeredBy).toContain("openai/gpt-6");
  });
});
