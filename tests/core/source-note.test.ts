import { describe, expect, it } from "vitest";
import { findings, renderedText } from "../support/obsidian-judge";
import { applyCitation, MAX_SOURCE_NOTES_PER_ANSWER, parseTags, safeFolderPath, sourceNoteBody, sourceNotesCapMessage, sourcesForNotes, sourceTitle } from "../../src/core/source-note";

const source = { id: "u4vyfy", url: "https://www.example.com/a", title: "In-depth Analysis", published: "2025-03-17", updated: "2025-09-14" };

describe("applyCitation", () => {
  it("fills a new note's properties", () => {
    const fm: Record<string, unknown> = {};
    applyCitation(fm, { source, citedIn: "[[The AI Model Wars]]", citedOn: "2026-11-24", tags: ["source"] });
    expect(fm).toEqual({
      source_id: "u4vyfy",
      url: "https://www.example.com/a",
      title: "In-depth Analysis",
      site: "example.com",
      published: "2025-03-17",
      updated: "2025-09-14",
      first_cited: "2026-11-24",
      last_cited: "2026-11-24",
      cited_in: ["[[The AI Model Wars]]"],
      aliases: ["In-depth Analysis"],
      tags: ["source"],
    });
  });

  it("only moves our properties forward and keeps everything the user set", () => {
    const fm: Record<string, unknown> = {
      source_id: "u4vyfy",
      url: "https://www.example.com/a",
      title: "My own title",
      updated: "2025-10-01",
      first_cited: "2026-01-01",
      last_cited: "2026-01-01",
      cited_in: ["[[Older note|alias]]"],
      aliases: ["Mine"],
      tags: ["reading"],
      rating: 5,
    };
    applyCitation(fm, { source, citedIn: "[[Older note]]", citedOn: "2026-11-24", tags: ["source"] });
    expect(fm).toMatchObject({ title: "My own title", updated: "2025-10-01", first_cited: "2026-01-01", last_cited: "2026-11-24", aliases: ["Mine"], tags: ["reading"], rating: 5 });
    expect(fm.cited_in).toEqual(["[[Older note|alias]]"]);
    applyCitation(fm, { source: { ...source, updated: "2026-02-02" }, citedIn: "[[New note]]", citedOn: "2026-11-25", tags: [] });
    expect(fm.updated).toBe("2026-02-02");
    expect(fm.cited_in).toEqual(["[[Older note|alias]]", "[[New note]]"]);
  });
});

describe("dates that would stick for ever", () => {
  it("a date beyond next year in a note counts as missing and the next real one replaces it", () => {
    const fm: Record<string, unknown> = { published: "9999-12-31", updated: "9999-12-31", first_cited: "2026-01-01", last_cited: "9999-12-31", mine: "9999-12-31" };
    applyCitation(fm, { source, citedIn: "[[A]]", citedOn: "2026-11-24", tags: [] });
    expect(fm).toMatchObject({ published: "2025-03-17", updated: "2025-09-14", first_cited: "2026-01-01", last_cited: "2026-11-24", mine: "9999-12-31" });
  });
  it("a source's own date beyond next year is never written", () => {
    const fm: Record<string, unknown> = { updated: "2026-01-01" };
    applyCitation(fm, { source: { ...source, published: "9999-12-31", updated: "3000-01-01" }, citedIn: "[[A]]", citedOn: "2026-11-24", tags: [] });
    expect(fm.updated).toBe("2026-01-01");
    expect(fm.published).toBeUndefined();
  });
});

describe("source notes per answer", () => {
  it("at most 100, in citation order; the others are counted, uncited ones never", () => {
    const sources = Array.from({ length: 1500 }, (_, i) => ({ id: `s${i}`, cited: i % 3 !== 2 }));
    const { noted, left } = sourcesForNotes(sources);
    expect(MAX_SOURCE_NOTES_PER_ANSWER).toBe(100);
    expect(noted).toHaveLength(100);
    expect(noted.every((s) => s.cited)).toBe(true);
    expect(noted[0]!.id).toBe("s0");
    expect(left).toBe(1000 - 100);
    expect(sourcesForNotes(sources.slice(0, 10))).toEqual({ noted: sources.slice(0, 10).filter((s) => s.cited), left: 0 });
    expect(sourceNotesCapMessage(100, 900)).toBe(
      "This answer cites 1,000 sources. Source notes were made or updated for the first 100; the other 900 are listed in the answer with links to their web pages.",
    );
  });
});

describe("source note body", () => {
  it("has title, link, snippet as a quote and room for notes", () => {
    const body = sourceNoteBody({ ...source, snippet: "First line\nsecond line" });
    expect(body).toBe("# In-depth Analysis\n\n[In-depth Analysis](https://www.example.com/a)\n\n> First line\n> second line\n\n## Notes\n\n");
  });

  it("escapes hostile titles and snippets and falls back to the site when the title is missing", () => {
    const body = sourceNoteBody({ id: "x", url: "https://a.org/p(1)", title: "]] %% # [x](javascript:alert(1))\nnext", snippet: "snip %% hidden <script>x</script>\n![img](https://t.example/p.png)" });
    const [heading, , link, , quote1, quote2] = body.split("\n");
    expect(heading?.startsWith("# ")).toBe(true);
    expect(heading).not.toContain("%%");
    expect(heading).toContain("next");
    expect(link).toMatch(/^\[.*\]\(https:\/\/a\.org\/p\\\(1\\\)\)$/);
    expect(link).not.toMatch(/(^|[^\\])\]\(javascript:/);
    // Judged by rendering (issue 19): no comment, HTML or image in the snippet, and it reads as the page's text.
    expect(findings(`${quote1}\n${quote2}`)).toEqual([]);
    expect(renderedText(`${quote1}\n${quote2}`)).toContain("snip %% hidden <script>x</script>");
    // Nothing in the body can open a comment that would hide the user's notes below.
    expect(body.match(/%%/g)).toBeNull();
    expect(body.endsWith("## Notes\n\n")).toBe(true);
    expect(sourceTitle({ id: "x", url: "https://www.iea.org/report" })).toBe("iea.org");
    expect(sourceTitle({ id: "x", url: "https://a.org", title: "t".repeat(600) }).length).toBe(300);
  });
});

describe("web text in source notes", () => {
  it("titles and snippets lose control, direction and invisible characters", () => {
    const body = sourceNoteBody({ id: "x", url: "https://a.example/", title: "Bell\x07 \u202eflipped\u2028title\u200b", snippet: "line\x1b[31m one\u2029two\ufeff" });
    expect(body).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u200b\ufeff]/);
    expect(body).toContain("# Bell flipped title\n");
    expect(sourceTitle({ id: "x", url: "https://a.example/", title: "\u202e\u200b" })).toBe("a.example");
  });
});

describe("paths and tags", () => {
  it("keeps the source folder inside the vault", () => {
    expect(safeFolderPath("../../etc")).toBe("etc");
    expect(safeFolderPath("/Research//Sources/")).toBe("Research/Sources");
    expect(safeFolderPath("..\\..\\")).toBe("Sources");
    expect(safeFolderPath("")).toBe("Sources");
  });

  it("parses tags", () => {
    expect(parseTags("#source, research/web  x")).toEqual(["source", "research/web", "x"]);
  });
});
