import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  containAnswer, escapeDisplayText, escapeLinkText, escapeLinkUrl, escapeWikilinkAlias, isSafeDestination,
  sanitizeAnswer, unescapeLinkText, unescapeLinkUrl, ZWSP,
} from "../../src/core/sanitize";

const s = sanitizeAnswer;

describe("sanitizeAnswer: hostile answers", () => {
  it("escapes raw HTML outside code", () => {
    expect(s("<script>alert(1)</script>")).toBe("&lt;script>alert(1)&lt;/script>");
    expect(s('<iframe src="https://evil"></iframe>')).toBe('&lt;iframe src="https://evil">&lt;/iframe>');
    expect(s("<object data=x></object><embed src=x>")).toBe("&lt;object data=x>&lt;/object>&lt;embed src=x>");
    expect(s("<style>body{display:none}</style>")).toBe("&lt;style>body{display:none}&lt;/style>");
    expect(s("<img src=x onerror=alert(1)>")).toBe("&lt;img src=x onerror=alert(1)>");
    expect(s('<a href="javascript:alert(1)">x</a>')).toContain("&lt;a href=");
    expect(s("<!-- hide everything")).toBe("&lt;!-- hide everything");
  });
  it("keeps comparisons and safe autolinks", () => {
    expect(s("a < b and 3<4, <https://example.com/x>")).toBe("a < b and 3<4, <https://example.com/x>");
  });
  it("keeps HTML inside code visible and untouched", () => {
    const code = "Use `<div>` or:\n\n```html\n<script>ok()</script>\n```";
    expect(s(code)).toBe(code);
  });
  it("drops javascript:, data:, vbscript:, file: and obsidian:// links but keeps their text", () => {
    expect(s("[click](javascript:alert(1))")).toBe("click");
    expect(s("[x](JavaScript:alert(1))")).toBe("x");
    expect(s("[x](data:text/html;base64,AAAA)")).toBe("x");
    expect(s("[x](vbscript:msgbox)")).toBe("x");
    expect(s("[x](file:///etc/passwd)")).toBe("x");
    expect(s("[x](obsidian://open?vault=v&file=f)")).toBe("x");
    expect(s("[x](<javascript:alert(1)>)")).toBe("x");
    expect(s("[x](jav&#x61;script:alert(1))")).toBe("x");
    expect(s("[x](javascript&colon;alert(1))")).toBe("x");
    expect(s("[x](ms-msdt:/id)")).toBe("x");
    expect(s("[**bold** text](javascript:x)")).toBe("**bold** text");
  });
  it("drops dangerous autolinks", () => {
    expect(s("<javascript:alert(1)>")).toBe("&lt;javascript:alert(1)>");
    expect(s("<obsidian://open?x>")).toBe("&lt;obsidian://open?x>");
  });
  it("keeps http(s), mailto and relative links", () => {
    const ok = "[a](https://a.example/x_(y)) [b](mailto:a@b.c) [c](#h) [d](notes/x.md \"t\")";
    expect(s(ok)).toBe(ok);
  });
  it("turns remote images into links and embeds into text", () => {
    expect(s("![alt](https://evil.example/pixel.png)")).toBe("[alt](https://evil.example/pixel.png)");
    expect(s("![alt](data:image/png;base64,xx)")).toBe("alt");
    expect(s("![[Secret note]] and ![[img.png|caption]]")).toBe("Secret note and caption");
    expect(s("![ref][r]")).toBe("[ref][r]");
    expect(s("[![img](https://evil/x.png)](javascript:x)")).toBe("[img](https://evil/x.png)");
    expect(s("Great![1]")).toBe("Great![1]");
  });
  it("disables reference definitions (no reference image or link can be defined)", () => {
    expect(s("[r]: javascript:alert(1)\n[x][r]")).toBe("\\[r]: javascript" + ZWSP + ":alert(1)\n[x][r]");
    expect(s("[^1]: a footnote")).toBe("[^1]: a footnote");
  });
  it("defangs dangerous schemes left in plain text", () => {
    expect(s("javascript:alert(1)")).toBe("javascript" + ZWSP + ":alert(1)");
    expect(s("see https://ok.example")).toBe("see https://ok.example");
  });
  it("neutralises executable fences but keeps the code visible", () => {
    for (const lang of ["dataviewjs", "dataview", "js-engine", "javascript", "js", "tasks", "query", "run-python", "ad-note", "meta-bind-button", "datacorejsx", "base"]) {
      expect(s("```" + lang + "\ncode()\n```")).toBe("```text\ncode()\n```");
    }
    expect(s("~~~~ DataviewJS title\ncode\n~~~~")).toBe("~~~~text\ncode\n~~~~");
    expect(s("```{dataviewjs}\nx\n```")).toBe("```text\nx\n```");
    expect(s("- item\n  ```dataviewjs\n  x\n  ```")).toContain("  ```text");
    expect(s("> ```dataviewjs\n> x\n> ```")).toContain("> ```text");
    expect(s("```python\nprint(1)\n```")).toBe("```python\nprint(1)\n```");
  });
  it("breaks Templater tags everywhere, even in code", () => {
    expect(s("<% tp.system.clipboard() %> <%* await x %>")).toBe("&lt;% tp.system.clipboard() %> &lt;%* await x %>");
    expect(s("```\n<% tp.file.title %>\n```")).toBe("```\n<" + ZWSP + "% tp.file.title %>\n```");
    expect(s("`<%* x %>`")).toBe("`<" + ZWSP + "%* x %>`");
  });
  it("breaks Dataview and Meta Bind inline code", () => {
    expect(s("`= this.file.name` and `$= dv.el('b','x')` and `INPUT[toggle:x]`")).toBe(
      "`" + ZWSP + "= this.file.name` and `" + ZWSP + "$= dv.el('b','x')` and `" + ZWSP + "INPUT[toggle:x]`",
    );
    expect(s("`a = b`")).toBe("`a = b`");
  });
  it("cannot open %% comments", () => {
    expect(s("50%% done %% hidden")).toBe("50&#37;% done &#37;% hidden");
    expect(s("%%%")).not.toContain("%%");
  });
  it("cannot forge a block id or metadata", () => {
    const out = s('%% pplx {"v":1,"id":"evil"} %%\n\n^pplx-evil');
    expect(out).not.toContain("%%");
    expect(out.split("\n")[2]).toBe(ZWSP + "^pplx-evil");
    expect(s("text ^abc123")).toBe("text " + ZWSP + "^abc123");
  });
  it("cannot end the answer section or fake a block header", () => {
    expect(s("**Citations**\n**Other sources**")).toBe("**Citations**" + ZWSP + "\n**Other sources**" + ZWSP);
    expect(s("[!perplexity]+ Perplexity Query (x)")).toBe(ZWSP + "[!perplexity]+ Perplexity Query (x)");
  });
  it("closes a fence left open", () => {
    expect(s("```python\nprint(1)")).toBe("```python\nprint(1)\n```");
    expect(s("  ~~~~\nx")).toBe("  ~~~~\nx\n  ~~~~");
  });
  it("defangs text whose fence pairing is ambiguous", () => {
    // Is the second line code (top-level fence) or HTML (the fence belongs to a list item)? Both are safe.
    const out = s("- a\n  ```\n<img src=x onerror=alert(1)>\n```");
    expect(out).not.toMatch(/<img/);
  });
  it("keeps normal Markdown intact", () => {
    const md = [
      "## Heading",
      "",
      "**Bold**, *italic*, ~~strike~~, `code`, $x^2$.",
      "",
      "- one",
      "  1. nested",
      "",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "",
      "> quote",
      "",
      "```ts",
      "const x: Array<string> = [];",
      "```",
    ].join("\n");
    expect(s(md)).toBe(md);
  });
  it("normalises line endings", () => {
    expect(s("a\r\nb\rc")).toBe("a\nb\nc");
  });
  it("is idempotent, and its output is contained", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("<", ">", "`", "$", "%", "[", "]", "(", ")", "!", "^", "\n", " ", "a", "j", "~", ":", "*", "-", "p") , maxLength: 80 }), (t) => {
        const once = s(t);
        expect(containAnswer(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("containAnswer", () => {
  it("is idempotent on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 120 }), fc.string({ unit: fc.constantFrom("%", "^", "`", "~", "\n", " ", "x", "**Citations**", "[!perplexity]"), maxLength: 30 }), (a, b) => {
        const once = containAnswer(a + b);
        expect(containAnswer(once)).toBe(once);
        expect(once.includes("\r")).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
  it("leaves %% alone inside certain code", () => {
    expect(containAnswer("```\n%%\n```")).toBe("```\n%%\n```");
  });
});

describe("escaping search-result text", () => {
  it("escapes titles for link text, reversibly", () => {
    expect(escapeLinkText("A [b](c) <d> `e` #f 50%%\nnext")).toBe("A \\[b\\](c) \\<d> \\`e\\` \\#f 50\\%\\% next");
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((t) => !/[\r\n]/.test(t)), (t) => {
        const e = escapeLinkText(t);
        expect(unescapeLinkText(e)).toBe(t);
        expect(e).not.toContain("%%");
      }),
      { numRuns: 1000 },
    );
  });
  it("escapes URLs for link destinations, reversibly", () => {
    expect(escapeLinkUrl("https://a.example/x_(y)?q=<a>&b=`c` d")).toBe("https://a.example/x_\\(y\\)?q=\\<a\\>\\&b=\\`c\\`%20d");
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (u) => {
        expect(unescapeLinkUrl(escapeLinkUrl(u))).toBe(u);
      }),
    );
  });
  it("makes wikilink aliases safe", () => {
    expect(escapeWikilinkAlias("a|b]]c[[d\ne")).toBe("a¦b))c((d e");
  });
  it("escapes one-line display text", () => {
    expect(escapeDisplayText("a\nb [[x]] %% `c` <d> ^id")).toBe("a b \\[\\[x\\]\\] %" + ZWSP + "% \\`c\\` \\<d> " + ZWSP + "^id");
  });
  it("classifies link destinations", () => {
    for (const ok of ["https://x", "http://x", "mailto:a@b", "#h", "note.md", "a/b:c", ""]) expect(isSafeDestination(ok), ok).toBe(true);
    for (const bad of ["javascript:x", " javascript:x", "java\tscript:x", "&#106;avascript:x", "data:x", "file:x", "obsidian://x", "app:x", "a&b;:x"]) {
      expect(isSafeDestination(bad), bad).toBe(false);
    }
  });
});
