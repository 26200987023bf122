import { describe, expect, it } from "vitest";
import { relinkCitations, rewriteCitations } from "../../src/core/citations";

interface Src { id: string; url: string }
const sources = new Map<number, Src>([
  [1, { id: "aaaaaa", url: "https://a.example/" }],
  [3, { id: "cccccc", url: "https://c.example/" }],
  [7, { id: "gggggg", url: "https://g.example/" }],
  [9, { id: "ftpftp", url: "ftp://files.example/" }],
]);
const link = (s: Src): string => `[[${s.id}]]`;
const rw = (t: string) => rewriteCitations(t, sources, link);

describe("rewriteCitations", () => {
  it("links only untyped and web markers; conversation_history, page and file markers go, other types stay text", () => {
    // Perplexity's presets define these source types; [conversation_history:1] is not search result 1.
    const r = rw("Teal [conversation_history:1] as said before [page:3], from a file [file:7]. Found [web:3] and [1]; other [fetch_url:1], [Web:1], [7:1].");
    expect(r.text).toBe("Teal as said before, from a file. Found [[cccccc]] and [[aaaaaa]]; other \\[fetch\\_url:1\\], \\[Web:1\\], \\[7:1\\].");
    expect(r.cited.map((s) => s.id)).toEqual(["cccccc", "aaaaaa"]);
    // Only the marker goes where it starts a line, and never inside code.
    expect(rw("a\n[file:1] b `[page:1]`").text).toBe("a\nb `[page:1]`");
  });

  it("rewrites [n] and [web:n] markers and reports sources in order of first citation", () => {
    const r = rw("TypeScript is typed.[7] It compiles to JS [1][3] and [web:7][web:1].");
    expect(r.text).toBe("TypeScript is typed. [[gggggg]] It compiles to JS [[aaaaaa]] [[cccccc]] and [[gggggg]] [[aaaaaa]].");
    expect(r.cited.map((s) => s.id)).toEqual(["gggggg", "aaaaaa", "cccccc"]);
  });
  it("leaves markers without a source, and sources without an http(s) URL, as text", () => {
    const r = rw("Unknown [2], [web:4], ftp [9].");
    expect(r.text).toBe("Unknown \\[2\\], \\[web:4\\], ftp \\[9\\].");
    expect(r.cited).toEqual([]);
  });
  it("does not rewrite inside code spans or fenced code (``` and ~~~, any length)", () => {
    const text = [
      "Use `arr[1]` or ``x[1]`` here [1].",
      "```ts",
      "const a = b[1];",
      "```",
      "~~~~",
      "x[3]",
      "```",
      "still code [3]",
      "~~~~",
      "",
      "Prices $5 and $10 [3].",
    ].join("\n");
    const r = rw(text);
    expect(r.text).toBe(
      [
        "Use `arr[1]` or `x[1]` here [[aaaaaa]].",
        "",
        "```ts",
        "const a = b[1];",
        "```",
        "",
        "````",
        "x[3]",
        "```",
        "still code [3]",
        "````",
        "",
        "Prices \\$5 and \\$10 [[cccccc]].",
      ].join("\n"),
    );
    expect(r.cited.map((s) => s.id)).toEqual(["aaaaaa", "cccccc"]);
  });
  it("leaves escaped markers, link texts, wikilinks and a line of references alone", () => {
    expect(rw("\\[1] and [1](https://x.example) and [[1]] and\n[3]: https://y.example").text).toBe(
      "\\[1\\] and [1](https://x.example/) and \\[\\[1\\]\\] and\n\\[3\\]: https://y.example",
    );
    // A reference definition of its own is invisible Markdown: it is not written.
    expect(rw("Text.\n\n[3]: https://y.example").text).toBe("Text.");
  });
  it("uses whatever link the callback makes (Markdown links too)", () => {
    const r = rewriteCitations("A[1].", sources, (s) => `[${s.id}](${s.url})`);
    expect(r.text).toBe("A [aaaaaa](https://a.example/).");
  });
  it("handles a marker right after a code span", () => {
    expect(rw("`x`[1]").text).toBe("`x` [[aaaaaa]]");
  });
});

describe("readability of adjacent citations", () => {
  it("separates a link from the word before it and from the next link, without doubling spaces", () => {
    const sources = new Map([[1, { url: "https://a.example/" }], [2, { url: "https://b.example/" }]]);
    const link = (s: { url: string }) => `[[${s.url.slice(8, 9)}]]`;
    expect(rewriteCitations("x.[1][2] y [1] ([2])", sources, link).text).toBe("x. [[a]] [[b]] y [[a]] ([[b]])");
  });
});

describe("links in tables", () => {
  const source = { url: "https://a.example/x", id: "abc123" };
  const link = () => "[[Sources/abc123|abc123]]";
  it("escapes a new link's separator in a table row only, where links enter answers (rewriting and relinking)", () => {
    const rewritten = rewriteCitations("| k | v |\n|---|---|\n| a | b[1] |\n\nAfter[1].", new Map([[1, source]]), link).text;
    expect(rewritten).toBe("| k | v |\n| --- | --- |\n| a | b [[Sources/abc123\\|abc123]] |\n\nAfter [[Sources/abc123|abc123]].");
    const relinked = relinkCitations("| k | v |\n|---|---|\n| a | [abc123](https://a.example/x) |\n\n[[abc123]]", [{ oldId: "abc123", source }], link);
    expect(relinked).toBe("| k | v |\n|---|---|\n| a | [[Sources/abc123\\|abc123]] |\n\n[[Sources/abc123|abc123]]");
  });
  it("treats a table without outer pipes as a table, and a lone pipe line as text", () => {
    const relink = (t: string) => relinkCitations(t, [{ oldId: "abc123", source }], link);
    expect(relink("a | b\n--- | ---\n[[abc123]] | z")).toBe("a | b\n--- | ---\n[[Sources/abc123\\|abc123]] | z");
    expect(relink("a | [[abc123]]\nno delimiter")).toBe("a | [[Sources/abc123|abc123]]\nno delimiter");
  });
});

describe("relinkCitations", () => {
  const source = { id: "abc1234", url: "https://a.example/" };
  const relink = (text: string) => relinkCitations(text, [{ oldId: "abc123", source }], (s) => `[[Sources/${s.id}|${s.id}]]`);

  it("repoints every link form that reads as the old ID", () => {
    expect(relink("A [abc123](https://a.example/) B [[abc123]] C [[Sources/abc123]] D [[renamed|abc123]].")).toBe(
      "A [[Sources/abc1234|abc1234]] B [[Sources/abc1234|abc1234]] C [[Sources/abc1234|abc1234]] D [[Sources/abc1234|abc1234]].",
    );
  });

  it("leaves other links, longer IDs, code and math alone", () => {
    const text = "[[abc1235]] [abc123x](u) `[[abc123]]` $[abc123](u)$ [[other]]";
    expect(relink(text)).toBe(text);
  });
});
