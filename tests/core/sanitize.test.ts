// Web text through the allowlist (src/core/sanitize.ts), judged by rendering what is written (tests/support/
// obsidian-judge.ts: a CommonMark renderer plus the Obsidian and plugin syntax we model), never by matching our
// own output's strings: nothing that does something in Obsidian survives, and the text reads as the model wrote it.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { parseBlocks, formatBlock, type AnswerBlock } from "../../src/core/block";
import {
  escapeDisplayText, escapeLinkUrl, GrowingAnswer, INERT_FENCE_LANGUAGES, MAX_ANSWER_LENGTH,
  safeLinkDestination, sanitizeAnswer, unescapeLinkUrl, unescapeText,
} from "../../src/core/sanitize";
import { rewriteCitations } from "../../src/core/citations";
import { noteStructure } from "../../src/core/markdown";
import { cleanWebText } from "../../src/core/web-text";
import { findings, LIVE_FENCE_LANGUAGES, renderedText } from "../support/obsidian-judge";

const s = (text: string) => sanitizeAnswer(text);
const dir = "tests/fixtures/hostile/answers/";
const SOURCES = new Map([1, 2].map((n) => [n, { url: `https://e.example/${n}`, id: `s${n}` }]));
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
    it(`item ${e.item}: ${e.file} leaves nothing that does something, inside one intact block, with or without citation links`, () => {
      const raw = readFileSync(dir + e.file, "utf8");
      const out = s(raw);
      expect(findings(out)).toEqual([]);
      expect(inBlock(out).answer).toBe(out);
      // As an answer is written: web text cleaned, then markers linked (typed ones such as [page:1] removed).
      const cited = rewriteCitations(cleanWebText(raw), SOURCES, (x) => `[[${x.id}]]`).text;
      expect(findings(cited, ["s1", "s2"])).toEqual([]);
      expect(inBlock(cited).answer).toBe(cited);
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
    // A link reference definition of its own is invisible Markdown, not written, and it defines nothing: markers
    // before or after it stay citations, and a reference link is its words.
    expect(sanitizeAnswer("Solar grew [1].\n\n[1]: https://a.com/x", { cite })).toBe("Solar grew [[s1]].");
    expect(sanitizeAnswer("[1]:Solar\n\n[1] Solar", { cite })).toBe("[[s1]] Solar");
    expect(sanitizeAnswer("[words][r] and [r]\n\n[r]: https://a.com")).toBe("\\[words\\]\\[r\\] and \\[r\\]");
    // In a table the link's "|" is escaped, so the row keeps its cells.
    expect(sanitizeAnswer("| a |\n|---|\n| b[1] |", { cite: () => "[[Sources/s1|s1]]" })).toBe("| a |\n| --- |\n| b [[Sources/s1\\|s1]] |");
  });
});

describe("markup that only the written answer would hold (the review's inputs)", () => {
  const cite = (id: number, type: string | undefined) => (type === undefined || type === "web" ? `[[s${id}]]` : type === "page" || type === "conversation_history" || type === "file" ? "" : null);
  const c = (text: string) => sanitizeAnswer(cleanWebText(text), { cite });
  it("writes no heading from a list item whose heading holds nothing visible", () => {
    for (const text of ["- x\n  - y\n    - # **&#32;**", "- x\n  - y\n    - # *&#32;*", "- x\n  - y\n    - # ~~&#32;~~"]) {
      const out = c(text);
      expect(findings(out), text).toEqual([]);
      expect(new MarkdownIt("commonmark").parse(out, {}).some((t) => t.type === "heading_open"), `${text} -> ${out}`).toBe(false);
    }
  });
  it("keeps a link whole in a table cell whatever its URL holds", () => {
    const out = c("| a | b |\n|---|---|\n| [t](https://ex.com/x\\|#secret) | c |");
    expect(out).toBe("| a | b |\n| --- | --- |\n| [t](https://ex.com/x%7C#secret) | c |");
    expect(findings(out)).toEqual([]);
  });
  it("writes no fence, list, task or rule from markers left at a line start", () => {
    for (const text of [
      "[page:1]~~~~dataviewjs\ndv.paragraph(app.vault.getName())~~~~",
      "&#32;~~~~dataview\nLIST FROM \"\"~~~~",
      "Intro.\n&#32;~~~~dataviewjs\ndv.paragraph(1)~~~~",
      "*&#32;[x](https://a.com)*",
      "*&#32;foo*",
      "***&#32;***",
      "[file:2]* [ ] buy*",
      "x\n[page:1]*  > quote*",
      "x\n*&#32;&#32;&#32;&#32;&#32;code*",
    ]) {
      const out = c(text);
      expect(findings(out, ["s1"]), `${text} => ${out}`).toEqual([]);
      expect(noteStructure(out).blocks.map((b) => b.kind), `${text} => ${out}`).toEqual(noteStructure(out).blocks.map(() => "paragraph"));
    }
    // The words stay.
    expect(renderedText(c("*&#32;foo*"))).toContain("foo");
    expect(renderedText(c("[page:1]~~~~dataviewjs\ndv.paragraph(app.vault.getName())~~~~"))).toContain("dv.paragraph(app.vault.getName())");
  });
  it("forms no Dataview field or highlight where a removed marker or dropped link joins two characters", () => {
    for (const text of ["key:[conversation_history:1]: value", "key:*[](javascript:x)*: value", "a=[page:1]=b=[page:2]=", "a=*[](javascript:x)*=b=*[](javascript:x)*="]) {
      const out = c(text);
      expect(findings(out), `${text} => ${out}`).toEqual([]);
      expect(renderedText(out)).toContain(text.startsWith("key") ? "key:: value" : "a==b==");
    }
  });
  it("turns no image at the start of a list item into a task box", () => {
    for (const text of ["- ![x](https://a.com/i.png) buy milk", "- ![ ](https://a.com/i.png) todo", "1. ![x](https://a.com/i.png) done"]) {
      const out = c(text);
      expect(findings(out), `${text} => ${out}`).toEqual([]);
    }
  });
  it("decodes character references into what web-text cleaning keeps: no control, direction or hidden character, no line break", () => {
    for (const text of ["Secret plan&#13;---&#13;&#13;more", "x&#13;1. one&#13;> quoted&#13;- item", "line&#10;- item", "a&#x202E;gpj.exe", "tag&#xE0041;&#xE0042;smuggle", "zw&#x200B;sp", "&#x2028;x", "&#xFEFF;bom"]) {
      const out = c(text);
      expect(findings(out), `${text} => ${JSON.stringify(out)}`).toEqual([]);
      expect(noteStructure(out).blocks.map((b) => b.kind), text).toEqual(["paragraph"]);
    }
    expect(renderedText(c("a&#x202E;gpj.exe")).trim()).toBe("agpj.exe");
    expect(renderedText(c("Secret plan&#13;---&#13;&#13;more")).trim()).toBe("Secret plan ---  more");
  });
  it("keeps a table's cells when inline code holds an escaped pipe", () => {
    const out = c("| a | b | c |\n|---|---|---|\n| `x \\| y` | z | w |");
    const cells = new MarkdownIt("commonmark").enable(["table"]).parse(out, {}).filter((t) => t.type === "td_open").length;
    expect(cells, out).toBe(3);
    expect(renderedText(out)).toContain("x | y");
  });
  it("shows front matter in an answer with its --- lines, as text", () => {
    const out = c("---\ntitle: x\n---\nrest");
    expect(findings(out)).toEqual([]);
    expect(renderedText(out)).toMatch(/---\s*title: x\s*---/);
  });
  it("allows no fence language a plugin renders or runs (the judge's own list)", () => {
    for (const lang of LIVE_FENCE_LANGUAGES) expect(INERT_FENCE_LANGUAGES.has(lang), lang).toBe(false);
  });
});

describe("sanitizeAnswer on anything", () => {
  const unit = fc.constantFrom(
    "a", " ", "\n", "\n\n", "`", "``", "```", "~~~", "$", "$$", "%%", "[", "]", "(", ")", "![", "[[", "]]", "<", ">", "*", "_", "#", "- ", "1. ",
    "> ", "    ", "|", "---", "===", "^", "=", "==", "::", "&amp;", "&#106;", "\\", "<%", "%>", "[!note]", "[^1]", ":", "javascript:", "http://x.y/",
    "<img src=x>", "<div>", "[x](", "](javascript:1)", "[1]", "[web:2]", "\t", "x",
    "~~", "&#32;", "&#13;", "&#10;", "&#x202E;", "[page:1]", "[conversation_history:2]", "![x](https://a.b/i.png)", "[](javascript:x)",
  );
  const soup = fc.array(unit, { maxLength: 60 }).map((a) => a.join(""));
  it("leaves nothing that does something", () => {
    fc.assert(
      fc.property(soup, (text) => {
        expect(findings(s(text))).toEqual([]);
        // As an answer is written: cleaned, markers linked or removed.
        expect(findings(rewriteCitations(cleanWebText(text), SOURCES, (x) => `[[${x.id}]]`).text, ["s1", "s2"])).toEqual([]);
      }),
      { numRuns: 5000 },
    );
  });
  it("is stable: writing its output again gives the same", () => {
    // Character references and dropped links included: emphasis that would not read back as written is not written.
    fc.assert(
      fc.property(soup, (text) => {
        const once = s(text);
        expect(s(once)).toBe(once);
      }),
      { numRuns: 5000 },
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
    const pieces = fc.array(fc.constantFrom("Solar", " grew", ".", "\n", "\n\n", "- item", "| a |\n|---|\n| b |", "```js\nx\n```", "*em*", "[1]", "`c`", "> q", "[1]:", " https://a.com", "[r]", "* other", "1. one", "``\u200b`"), { maxLength: 25 });
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
    const e = escapeDisplayText(`${title}\nnext`);
    expect(unescapeText(e)).toBe(`${title} next`);
    expect(findings(e)).toEqual([]);
    expect(e).not.toMatch(/[\u200b-\u200d\u2060\ufeff]/);
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((t) => !/[\r\n]/.test(t)), (t) => {
        expect(unescapeText(escapeDisplayText(t))).toBe(t);
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
});
