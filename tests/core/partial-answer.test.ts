// The streaming display: markers held back until whole, status lines, the pending block while streaming.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBlock, parseBlocks } from "../../src/core/block";
import { citationLinker, rewriteCitations } from "../../src/core/citations";
import { GrowingAnswer } from "../../src/core/sanitize";
import { displayableLength, formatElapsed, PartialAnswer } from "../../src/core/partial-answer";

const SOURCES = new Map([1, 2, 12].map((n) => [n, { url: `https://s${n}.example/`, id: `id${n}` }]));
const render = (text: string) => rewriteCitations(text, SOURCES, (s) => `[[${s.id}]]`).text;
/** What the block shows of a raw prefix (before trimming). */
const shown = (raw: string) => render(raw.slice(0, displayableLength(raw)));

describe("displayableLength", () => {
  it("holds back a marker until it is whole and followed by something", () => {
    for (const tail of ["[", "[7", "[web", "[web:", "[web:1", "[web:12", "[7]", "[web:12]", "[w", "[we"]) {
      expect(displayableLength(`Text.${tail}`), tail).toBe(5);
    }
    for (const text of ["Text.[see below", "Text.[7](", "Text.[7] ", "Text.[web:12].", "Text.[1234567890", "No markers."]) {
      expect(displayableLength(text), text).toBe(text.length);
    }
  });

  it("never shows a marker half-rendered, and never changes a block once a later one started (property)", () => {
    const piece = fc.constantFrom("Solar", " grew", ".", "[1]", "[web:12]", "[web:2]", "[7]", "[web:99]", "[", "]", " [x]", "(", ":", "\n", "\n\n", "- ", "[1](u)");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const full = pieces.join("");
        const final = render(full);
        const growing = new GrowingAnswer();
        const { cite } = citationLinker(SOURCES, (s) => `[[${s.id}]]`);
        for (let n = 0; n <= full.length; n++) {
          const raw = full.slice(0, n);
          const display = shown(raw);
          // (An escaped "\[1" is text, not a marker on its way.)
          expect(display).not.toMatch(/(?<!\\)\[(w|we|web|web:\d*|\d+)$/);
          // The stream's display is the finished rendering of what arrived, and its finished blocks are final.
          expect(growing.sanitize(raw.slice(0, displayableLength(raw)), { cite })).toBe(display);
          expect(final.startsWith(growing.settled)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("renders markers split across deltas exactly once they are whole", () => {
    expect(shown("Solar.[")).toBe("Solar.");
    expect(shown("Solar.[1")).toBe("Solar.");
    expect(shown("Solar.[1]")).toBe("Solar.");
    expect(shown("Solar.[1] More")).toBe("Solar. [[id1]] More");
    expect(shown("Grid[web:")).toBe("Grid");
    expect(shown("Grid[web:12] and")).toBe("Grid [[id12]] and");
    expect(shown("Unknown [web:99] stays")).toBe("Unknown \\[web:99\\] stays");
  });
});

describe("PartialAnswer", () => {
  const ctx = {
    blockId: "abc123",
    askedAt: "2026-11-24T16:43:12.385Z",
    question: "Q?",
    request: { preset: "medium", noteContext: false },
    idFor: (url: string) => [...SOURCES.values()].find((s) => s.url === url)?.id ?? null,
    linkFor: (s: { id: string }) => `[[${s.id}]]`,
  };
  const options = { fold: "+" as const, citationDateFormat: "yyyy, MMM d", linkFor: ctx.linkFor };

  it("says what Perplexity is doing, from the progress events", () => {
    const p = new PartialAnswer();
    expect(p.status()).toBe("Waiting for Perplexity…");
    expect(p.apply({ type: "created", responseId: "resp_1" })).toBe(false);
    p.apply({ type: "searching", queries: ["solar 2020s", "grid queues"] });
    expect(p.status()).toBe("Searching: solar 2020s · grid queues…");
    p.apply({ type: "sources", results: [...SOURCES.entries()].map(([id, s]) => ({ id, url: s.url })) });
    expect(p.status()).toBe("Reading 3 sources…");
    p.apply({ type: "text", delta: "Solar.[1", text: "Solar.[1" });
    expect(p.status()).toBe("Writing the answer from 3 sources…");
  });

  it("makes a pending block that shows the status and the answer so far, and parses back as pending", () => {
    const p = new PartialAnswer();
    p.apply({ type: "created", responseId: "resp_1" });
    p.apply({ type: "sources", results: [...SOURCES.entries()].map(([id, s]) => ({ id, url: s.url })) });
    p.apply({ type: "text", delta: "", text: "Solar grew.[1] Grid *too*[web:1" });
    const text = formatBlock(p.block(ctx), options, p.status());
    expect(text).toContain("> *Writing the answer from 3 sources…*\n>\n> Solar grew. [[id1]] Grid *too*\n");
    const [parsed] = parseBlocks(text);
    expect(parsed?.block).toMatchObject({ state: "pending", answer: "Solar grew. [[id1]] Grid *too*", responseId: "resp_1", sources: [] });
    expect(parsed?.problems).toEqual([]);
  });

  it("escapes a status line so it cannot break out of its italics", () => {
    const p = new PartialAnswer();
    p.apply({ type: "searching", queries: ["a*b_c [x]"] });
    const text = formatBlock(p.block(ctx), options, p.status());
    expect(text).toContain("> *Searching: a\\*b\\_c \\[x\\]…*\n");
    expect(parseBlocks(text)[0]?.block.state).toBe("pending");
  });
});

describe("formatElapsed", () => {
  it("reads like a clock", () => {
    expect([0, 7_400, 65_000, 725_000, 3_723_000].map(formatElapsed)).toEqual(["0:00", "0:07", "1:05", "12:05", "1:02:03"]);
  });
});
