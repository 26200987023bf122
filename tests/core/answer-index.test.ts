import { describe, expect, it } from "vitest";
import { AnswerIndex, formatAge, rowsOf } from "../../src/core/answer-index";
import { formatBlock, hashText } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { noteStructure } from "../../src/core/markdown";

const NOW = Date.parse("2026-11-24T12:00:00.000Z");

function block(id: string, askedAt: string, question: string, over: Partial<AnswerBlock> = {}): string {
  const answer = "Answer.";
  return formatBlock(
    {
      blockId: id, state: "answered", askedAt, question, request: { preset: "fast", noteContext: true }, answeredBy: "openai/gpt-6-luna", answer,
      sources: [{ id: "s1aaaa", url: "https://a.example/", title: "A", cited: true }, { id: "s2aaaa", url: "https://b.example/", title: "B", cited: false }],
      cost: 0.003, answerHash: hashText(answer), ...over,
    },
    { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` },
  );
}

const A = `# A\n\n${block("aaaaaa", "2026-09-01T10:00:00.000Z", "Old solar question?")}\n\n${block("bbbbbb", "2026-11-20T10:00:00.000Z", "New wind question?", { request: { preset: "low", noteContext: true, profile: "News" } })}\n`;
const B = `# B\n\n${block("cccccc", "2026-11-01T10:00:00.000Z", "Tides?", { cost: undefined })}\n`;

describe("answer rows", () => {
  it("indexing a vault leaves the notes a command is reading remembered", () => {
    const open = `${A}\nThe note being edited.\n`;
    const read = noteStructure(open);
    for (let k = 0; k < 10; k++) rowsOf(`N${k}.md`, `${B}\n${k}\n`);
    expect(noteStructure(open)).toBe(read);
  });
  it("one row per block with what the view shows", () => {
    expect(rowsOf("A.md", A)[0]).toMatchObject({ path: "A.md", blockId: "aaaaaa", question: "Old solar question?", model: "fast · openai/gpt-6-luna", cost: 0.003, sources: 2, cited: 1, state: "answered" });
    expect(rowsOf("A.md", "no answers")).toEqual([]);
  });

  it("carries the block's source-check summary, and none for an unchecked block", () => {
    const checked = block("dddddd", "2026-11-20T10:00:00.000Z", "Checked?", {
      sources: [
        { id: "s1aaaa", url: "https://a.example/", title: "A", cited: true, check: { verdict: "supported", on: "2026-11-30" } },
        { id: "s2aaaa", url: "https://b.example/", title: "B", cited: false, check: { verdict: "gone", on: "2026-12-01" } },
      ],
    });
    expect(rowsOf("C.md", checked)[0]!.checks).toBe("Sources checked 2026-12-01: 1 supported, 1 gone");
    expect(rowsOf("A.md", A)[0]!.checks).toBeUndefined();
  });

  it("tells a background run's pending block, with its run id, device and estimate, from an answer", () => {
    const running = block("eeeeee", "2026-11-24T11:58:00.000Z", "Deep question?", {
      state: "pending", request: { preset: "high", noteContext: true }, answer: "", sources: [], answeredBy: undefined, cost: undefined,
      answerHash: undefined, responseId: "resp_d60f3e03-57e0-4048", device: "k2v9x0q4m1zd", estimate: 0.4,
    });
    expect(rowsOf("D.md", `# D\n\n${running}\n`)).toEqual([
      expect.objectContaining({ blockId: "eeeeee", state: "pending", model: "high", responseId: "resp_d60f3e03-57e0-4048", device: "k2v9x0q4m1zd", estimate: 0.4 }),
    ]);
    expect(rowsOf("A.md", A)[0]).not.toHaveProperty("device");
  });
});

describe("the index", () => {
  const make = () => {
    const index = new AnswerIndex();
    index.setNote("Notes/A.md", A);
    index.setNote("Other/B.md", B, "3d");
    return index;
  };

  it("filters by text, folder, staleness (note property included) and profile; newest first", () => {
    const index = make();
    expect(index.size).toBe(3);
    expect(index.query({}, NOW, 30).map((r) => r.blockId)).toEqual(["bbbbbb", "cccccc", "aaaaaa"]);
    expect(index.query({ text: "solar" }, NOW, 30).map((r) => r.blockId)).toEqual(["aaaaaa"]);
    expect(index.query({ text: "b.md" }, NOW, 30).map((r) => r.blockId)).toEqual(["cccccc"]);
    expect(index.query({ folder: "Notes" }, NOW, 30).map((r) => r.blockId)).toEqual(["bbbbbb", "aaaaaa"]);
    expect(index.query({ staleness: "stale" }, NOW, 30).map((r) => r.blockId)).toEqual(["cccccc", "aaaaaa"]);
    expect(index.query({ staleness: "fresh" }, NOW, 30).map((r) => r.blockId)).toEqual(["bbbbbb"]);
    expect(index.query({ profile: "News" }, NOW, 30).map((r) => r.blockId)).toEqual(["bbbbbb"]);
    expect(index.query({ profile: "" }, NOW, 30).map((r) => r.blockId)).toEqual(["cccccc", "aaaaaa"]);
    expect(index.profiles()).toEqual(["News"]);
  });

  it("updates one note at a time: changed, emptied, renamed, deleted", () => {
    const index = make();
    index.setNote("Other/B.md", `${B}\n${block("dddddd", "2026-11-23T10:00:00.000Z", "More?")}\n`);
    expect(index.size).toBe(4);
    index.setNote("Notes/A.md", "# A\n\nAll answers deleted.\n");
    expect(index.size).toBe(2);
    index.renameNote("Other/B.md", "Moved/B.md");
    expect(index.query({ folder: "Moved" }, NOW, 30)).toHaveLength(2);
    index.removeNote("Moved/B.md");
    expect(index.size).toBe(0);
  });

  it("says how old an answer is", () => {
    expect(formatAge("2026-11-24T09:00:00.000Z", NOW)).toBe("3 h");
    expect(formatAge("2026-11-01T12:00:00.000Z", NOW)).toBe("23 d");
    expect(formatAge("2026-01-01T12:00:00.000Z", NOW)).toBe("11 mo");
    expect(formatAge("garbage", NOW)).toBe("?");
  });
});
