import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relinkCitations, rewriteCitations } from "../../src/core/citations";
import { tableSafeWikilinks } from "../../src/core/table-links";

const TABLE = "| Vendor | Share |\n| :--- | ---: |\n| A | big [[Sources/abc123|abc123]] |\n| B | small |";

describe("tableSafeWikilinks", () => {
  it("escapes the separator of links in table rows only", () => {
    const text = `Intro [[Sources/abc123|abc123]].\n\n${TABLE}\n\nAfter [[Sources/abc123|abc123]].`;
    const out = tableSafeWikilinks(text);
    expect(out).toContain("| A | big [[Sources/abc123\\|abc123]] |");
    expect(out.startsWith("Intro [[Sources/abc123|abc123]].")).toBe(true);
    expect(out.endsWith("After [[Sources/abc123|abc123]].")).toBe(true);
  });

  it("treats a table without outer pipes as a table, and a lone pipe line as text", () => {
    expect(tableSafeWikilinks("a | b\n--- | ---\n[[x|y]] | z")).toBe("a | b\n--- | ---\n[[x\\|y]] | z");
    expect(tableSafeWikilinks("a | [[x|y]]\nno delimiter")).toBe("a | [[x|y]]\nno delimiter");
  });

  it("is idempotent and changes nothing but link separators", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("| a | b |", "|---|---|", "[[p/q|r]]", "| [[p|q]] | x |", "", "text", "- | -"), { maxLength: 12 }), (parts) => {
        const text = parts.join("\n");
        const once = tableSafeWikilinks(text);
        expect(tableSafeWikilinks(once)).toBe(once);
        expect(once.replace(/\\\|/g, "|")).toBe(text.replace(/\\\|/g, "|"));
      }),
    );
  });

  it("is applied where links enter answers: rewriting markers and relinking", () => {
    const source = { url: "https://a.example/x", id: "abc123" };
    const link = () => "[[Sources/abc123|abc123]]";
    const rewritten = rewriteCitations("| k | v |\n|---|---|\n| a | b[1] |", new Map([[1, source]]), link).text;
    expect(rewritten).toBe("| k | v |\n|---|---|\n| a | b [[Sources/abc123\\|abc123]] |");
    const relinked = relinkCitations("| k | v |\n|---|---|\n| a | [abc123](https://a.example/x) |", [{ oldId: "abc123", source }], link);
    expect(relinked).toBe("| k | v |\n|---|---|\n| a | [[Sources/abc123\\|abc123]] |");
  });
});
