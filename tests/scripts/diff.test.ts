import { describe, expect, it } from "vitest";
import { lineDiff } from "../../scripts/demo/diff";

describe("lineDiff (the tour's what-changed output)", () => {
  it("marks removed and added lines, with one line of context and … for the rest", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g"].join("\n");
    const after = ["a", "b", "c", "D", "e", "f", "g", "h"].join("\n");
    expect(lineDiff(before, after)).toEqual(["  …", "  c", "- d", "+ D", "  e", "  …", "  g", "+ h"]);
  });

  it("shows only … for equal texts and every line for disjoint ones", () => {
    expect(lineDiff("x\ny", "x\ny")).toEqual(["  …"]);
    expect(lineDiff("x", "y")).toEqual(["- x", "+ y"]);
  });
});
