// `npm run bench`'s table and exit status: a missed target fails the run only with --strict.
import { describe, expect, it } from "vitest";
import { describeMachine, report } from "../../scripts/bench/report";
import type { BenchRow } from "../../scripts/bench/types";

const met: BenchRow = { name: "core: parse", value: 20, unit: "ms", target: 50, stat: "median of 15" };
const missed: BenchRow = { name: "core: format", value: 60, unit: "ms", target: 50, stat: "min of 3" };
const ratio: BenchRow = { name: "client: overhead / round trip", value: 0.2, unit: "×", stat: "median of 15 each", baseline: "a bare round trip measured in this run" };
const none: BenchRow = { name: "refresh: 429s", value: 0, unit: "", target: 0, stat: "exact" };

describe("bench report", () => {
  it("prints each figure with its target, ratio and how it was taken", () => {
    const { lines } = report([met, missed, ratio, none], false);
    expect(lines[0]).toMatch(/what\s+value\s+target\s+ratio\s+how\s+note/);
    expect(lines.find((l) => l.startsWith("core: parse"))).toMatch(/20\.0 ms\s+50 ms\s+0\.40\s+median of 15$/);
    expect(lines.find((l) => l.startsWith("core: format"))).toMatch(/60\.0 ms\s+50 ms\s+1\.20\s+min of 3\s+MISSED$/);
    expect(lines.find((l) => l.startsWith("client:"))).toContain("ratio to a bare round trip measured in this run");
    expect(lines.find((l) => l.startsWith("refresh: 429s"))).toMatch(/\bmet\s+exact$/);
  });

  it("exits 0 with a missed target unless --strict", () => {
    const relaxed = report([met, missed], false);
    expect(relaxed.exitCode).toBe(0);
    expect(relaxed.lines.at(-1)).toBe("1 target(s) missed on this machine (exit status 0: pass --strict to fail on a missed target).");
    expect(report([met, missed], true).exitCode).toBe(1);
    expect(report([met, none], true)).toMatchObject({ exitCode: 0 });
    expect(report([{ ...none, value: 1 }], true).exitCode).toBe(1);
  });

  it("names the machine: CPU, cores, memory, Node version", () => {
    expect(describeMachine()).toMatch(new RegExp(`, \\d+ cores, \\d+ GB, Node ${process.version.replace(/\./g, "\\.")}, ${process.platform} \\(`));
  });
});
