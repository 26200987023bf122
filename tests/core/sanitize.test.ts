// Web text through the allowlist (src/core/sanitize.ts), judged by rendering what is written (tests/support/
// obsidian-judge.ts: a CommonMark renderer plus the Obsidian and plugin syntax we model), never by matching our
// own output's strings: nothing that does something in Obsidian survives, and the text reads as the model wrote it.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { parseBlocks, formatBlock, type AnswerBlock } from "../../src/core/block";
import {
  escapeDisplayText, escapeLinkText, escapeLinkUrl, escapeWikilinkAlias, GrowingAnswer, MAX_ANSWER_LENGTH,
  safeLinkDestination, sanitizeAnswer, unescapeLinkText, unescapeLinkUrl,
} from "../../src/core/sanitize";
import { findings, renderedText } from "../support/obsidian-judge";

const s = (text: string) => sanitizeAnswer(text);
const dir = "tests/fixtures/hostile/answers/";
const corpus = JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as { file: string; item: number; what: string }[];

/** The answer written in a block, read back: what a note would hold. */
function inBlock(answer: string): AnswerBlock {
  const block: AnswerBlock = { blockId: "abc123", state: "answered", askedAt: "2026-12-06T10:00:00.000Z", question: "Q?", request: { noteContext: false }, answer, sources: [] };
  const text = `Note.\n\n${formatBlock(block, { fold: "+", citationDateFormat: "yyyy", linkFor: (x) => x.id })}\n\nMore of the note.`;
  const parsed = parseBlocks(text);
  expect(parsed).toHaveLength(1);
  expect(parsed[0]!.problems).toEqual([]);
  return parsed[0]!.block;
}

describe("the hostile answer corpus (tests/fixtures/hostile/answers)", () => {
  it("judges the raw payloads dangerous (the judge can find what it looks for)", () => {
    for (const e of corpus) expect(findings(readFileSync(dir + e.file, "utf8")).length, e.file).toBeGreaterThan(0);
  });
  for (const e of corpus) {
    it(`item ${e.item}: ${e.file} leaves nothing that does something, inside one intact block`, () => {
      const raw = readFileSync(dir + e.file, "utf8");
      const out = s(raw);
      expect(findings(out)).toEqual([]);
      expect(inBlock(out).answer).toBe(out);
    });
  }
  it("shows embeds, HTML and the link texts as the characters the model wrote", () => {
    const text = renderedText(s(readFileSync(`${dir}1-code-span-across-heading.md`, "utf8")));
    expect(text).toContain("![[Private note]]");
    expect(text).toContain('<img src="https://evil.example/t.png">');
    expect(text).toContain('<iframe src="https://evil.example/frame"></iframe>');
  });
  it("keeps a forged metadata line in code as code, and the real block reads only its own metadata", () => {
    const out = s(readFileSync(`${dir}3-forged-metadata-in-fence.md`, "utf8"));
    const block = inBlock(out);
    expect(block.blockId).toBe("abc123");
    expect(block.question).toBe("Q?");
    expect(out).toContain('%% pplx {"v":1,"id":"forged"');
  });
});

describe("sanitizeAnswer keeps what an answer needs", () => {
  const render = (md: string) => new MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md);
  it("renders ordinary answers exactly as before", () => {
    const md = [
      "Solar got **cheaper**, *fast*, ~~slowly~~ and `code` helps; see [the report](https://example.org/r?a=1&b=2).",
      "",
      "- one",
      "  1. nested",
      "- two",
      "",
      "| Vendor | Share |",
      "| :-- | --: |",
      "| A | 12 |",
      "",
      "> a quote",
      "",
      "```python",
      "print(x < 1 and y[1])",
      "```",
      "",
      "1. first",
      "2. second",
    ].join("\n");
    expect(render(s(md))).toBe(render(md));
  });
  it("writes headings as bold paragraphs: they stay out of the note's outline", () => {
    expect(s("## Market share")).toBe("**Market share**");
    expect(findings(s("# A\n\nSetext\n===\n"))).toEqual([]);
  });
  it("keeps http(s) links, makes images links to them, and keeps only the text of any other link", () => {
    expect(s("[a](https://a.example/x_(y)) and <https://b.example/>")).toBe("[a](https://a.example/x_\\(y\\)) and [https://b.example/](https://b.example/)");
    expect(s("![chart](https://evil.example/pixel.png)")).toBe("[chart](https://evil.example/pixel.png)");
    for (const bad of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "obsidian://open?vault=v", "notes/x.md", "#h", "mailto:a@b.c"]) {
      expect(findings(s(`[text](${bad})`)), bad).toEqual([]);
      expect(renderedText(s(`[text](${bad})`)).trim()).toBe("text");
    }
  });
  it("writes fences of inert languages as they are, and any other as text, keeping the code", () => {
    expect(s("```ts\nconst x = 1;\n```")).toBe("```ts\nconst x = 1;\n```");
    for (const lang of ["dataviewjs", "mermaid", "query", "base", "tasks", "meta-bind-button", "js-engine", "ad-note", "chart", "plantuml", "excalidraw"]) {
      expect(s(`\`\`\`${lang}\nbody\n\`\`\``), lang).toBe("```text\nbody\n```");
    }
    // Fences longer than what they hold, whatever it holds.
    expect(findings(s("````\n```\nnot the end\n````"))).toEqual([]);
  });
  it("keeps an answer's code that a plugin would evaluate only as text", () => {
    for (const code of ["`= this.file.name`", "`\u00a0= x`", "`\ufeff$= dv.el()`", "`INPUT[toggle:x]`", "`<% tp.file.title %>`"]) {
      const out = s(code);
      expect(findings(out), code).toEqual([]);
      expect(renderedText(out)).not.toContain("<%");
    }
  });
  it("links citation markers in text only (math is text now), with a space before a link glued to a word", () => {
    const cite = (id: number, type: string | undefined) => (type === undefined || type === "web" ? `[[s${id}]]` : null);
    expect(sanitizeAnswer("Typed.[1] Web [web:2] page [page:3] `code[1]` and $x[1]$.", { cite })).toBe(
      "Typed. [[s1]] Web [[s2]] page \\[page:3\\] `code[1]` and \\$x [[s1]]\\$.",
    );
    // In a table the link's "|" is escaped, so the row keeps its cells.
    expect(sanitizeAnswer("| a |\n|---|\n| b[1] |", { cite: () => "[[Sources/s1|s1]]" })).toBe("| a |\n| --- |\n| b [[Sources/s1\\|s1]] |");
  });
});

describe("sanitizeAnswer on anything", () => {
  const unit = fc.constantFrom(
    "a", " ", "\n", "\n\n", "`", "``", "```", "~~~", "$", "$$", "%%", "[", "]", "(", ")", "![", "[[", "]]", "<", ">", "*", "_", "#", "- ", "1. ",
    "> ", "    ", "|", "---", "===", "^", "=", "==", "::", "&amp;", "&#106;", "\\", "<%", "%>", "[!note]", "[^1]", ":", "javascript:", "http://x.y/",
    "<img src=x>", "<div>", "[x](", "](javascript:1)", "[1]", "[web:2]", "\t", "x",
  );
  const soup = fc.array(unit, { maxLength: 60 }).map((a) => a.join(""));
  it("leaves nothing that does something", () => {
    fc.assert(
      fc.property(soup, (text) => {
        expect(findings(s(text))).toEqual([]);
      }),
      { numRuns: 5000 },
    );
  });
  it("is stable: writing its output again gives the same", () => {
    // Without what only changes emphasis next to it (known corners, where emphasis then shows as its asterisks):
    // a character reference for a letter ("_x_&#106;" is emphasis, "_x_j" is not) and a link or image that is
    // dropped (its neighbour then changes from ")" to the link's words).
    const plain = fc.array(unit.filter((u) => u !== "&#106;" && u !== "](javascript:1)" && u !== "[x]("), { maxLength: 60 }).map((a) => a.join(""));
    fc.assert(
      fc.property(plain, (text) => {
        const once = s(text);
        expect(s(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });
  it("always fits in a block: the block reads back with its answer as written", () => {
    fc.assert(
      fc.property(soup, (text) => {
        const once = s(text);
        expect(inBlock(once).answer).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("bounds", () => {
  it("cuts an answer over 1 MB at a paragraph and says so", () => {
    const para = "A paragraph of the answer that goes on for a while. ".repeat(20);
    const text = Array.from({ length: Math.ceil((MAX_ANSWER_LENGTH * 1.5) / para.length) }, () => para).join("\n\n");
    const out = s(text);
    expect(out.length).toBeLessThanOrEqual(MAX_ANSWER_LENGTH + 200);
    expect(out).toMatch(/\n\n\*Answer cut at 1 MB: the rest of Perplexity's answer \([\d,]+ KB more\) was left out\.\*$/);
    // Whole paragraphs only.
    expect(out.split("\n\n").slice(0, -1).every((p) => p === para.trim())).toBe(true);
  });
});

describe("the growing answer of a stream", () => {
  it("gives what sanitizeAnswer gives for every prefix, writing each finished block once", () => {
    const pieces = fc.array(fc.constantFrom("Solar", " grew", ".", "\n", "\n\n", "- item", "| a |\n|---|\n| b |", "```js\nx\n```", "*em*", "[1]", "`c`", "> q"), { maxLength: 25 });
    fc.assert(
      fc.property(pieces, (parts) => {
        const growing = new GrowingAnswer();
        let text = "";
        for (const p of parts) {
          text += p;
          expect(growing.sanitize(text)).toBe(s(text));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("escaping display text and titles (one way everywhere)", () => {
  it("escapes Markdown and Obsidian syntax in one-line text, reversibly, with nothing invisible", () => {
    const title = "A [b](c) <d> `e` #f 50%% ![[x]] ^id ==h== a::b $x$ ~s~ *i* |t| &amp;";
    const e = escapeLinkText(`${title}\nnext`);
    expect(unescapeLinkText(e)).toBe(`${title} next`);
    expect(findings(e)).toEqual([]);
    expect(e).not.toMatch(/[\u200b-\u200d\u2060\ufeff]/);
    expect(escapeDisplayText("50%% done")).toBe(escapeLinkText("50%% done"));
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((t) => !/[\r\n]/.test(t)), (t) => {
        expect(unescapeLinkText(escapeLinkText(t))).toBe(t);
      }),
      { numRuns: 1000 },
    );
  });
  it("escapes URLs for link destinations, reversibly, and keeps only http(s)", () => {
    expect(escapeLinkUrl("https://a.example/x_(y)?q=<a>&b=`c` d")).toBe("https://a.example/x_\\(y\\)?q=\\<a\\>\\&b=\\`c\\`%20d");
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (u) => {
        expect(unescapeLinkUrl(escapeLinkUrl(u))).toBe(u);
      }),
    );
    expect(safeLinkDestination("javascript:alert(1)")).toBeNull();
    expect(safeLinkDestination(" https://ok.example")).not.toBeNull();
  });
  it("makes wikilink aliases safe", () => {
    expect(escapeWikilinkAlias("a|b]]c[[d\ne")).toBe("a¦b))c((d e");
  });
});
