import { describe, expect, it } from "vitest";
import { parseYaml as parse } from "obsidian-test-mocks/obsidian";
import { sourcesDashboardBase } from "../../src/core/sources-dashboard";

describe("sources dashboard", () => {
  it("is valid YAML in the Bases schema, scoped to the source folder", () => {
    const base = parse(sourcesDashboardBase("Research/Sources")) as Record<string, unknown>;
    expect(base.filters).toEqual({ and: ['file.inFolder("Research/Sources")', 'file.hasProperty("source_id")'] });
    expect(base.formulas).toEqual({ cited_by: "if(cited_in, cited_in.length, 0)" });
    expect(base.views).toEqual([
      { type: "table", name: "Sources", order: ["file.name", "title", "site", "formula.cited_by", "last_cited", "updated", "check_status"] },
    ]);
    expect(Object.keys(base.properties as object)).toEqual(["title", "site", "formula.cited_by", "last_cited", "updated", "check_status"]);
  });

  it("keeps a folder name with quotes, colons and apostrophes a string literal", () => {
    const base = parse(sourcesDashboardBase(`My "odd": folder's/`)) as { filters: { and: string[] } };
    expect(base.filters.and[0]).toBe('file.inFolder("My \\"odd\\": folder\'s")');
  });

  it("has no folder filter when sources live at the vault root", () => {
    expect((parse(sourcesDashboardBase("")) as { filters: { and: string[] } }).filters.and).toEqual(['file.hasProperty("source_id")']);
  });
});
