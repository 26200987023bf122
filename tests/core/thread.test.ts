import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks, type AnswerBlock, type FormatOptions } from "../../src/core/block";
import {
  blocksById, conversationOf, earlierTurns, estimateHistoryTokens, followUpLinks, followUpOffset, inThread, refreshDependencies, threadBlocks,
} from "../../src/core/thread";
import { blockAtOffset, indexNote } from "../../src/core/thread-scan";
import { scanBlocks } from "../../src/core/block";

const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` };

function turn(id: string, parent?: string, over: Partial<AnswerBlock> = {}): AnswerBlock {
  const answer = over.answer ?? `Answer ${id}.`;
  return {
    blockId: id,
    state: "answered",
    askedAt: "2026-11-24T16:43:12.385Z",
    question: `Question ${id}?`,
    request: { preset: "fast", noteContext: true },
    answer,
    sources: [],
    answerHash: hashText(answer),
    ...(parent === undefined ? {} : { parent, thread: over.thread ?? "aaaaaa" }),
    ...over,
  };
}

const note = (...parts: (AnswerBlock | string)[]) => parts.map((p) => (typeof p === "string" ? p : formatBlock(p, options))).join("\n\n");

describe("earlierTurns", () => {
  it("walks parent links back to the first answer, oldest first", () => {
    const blocks = parseBlocks(note(turn("aaaaaa"), "prose", turn("bbbbbb", "aaaaaa"), turn("cccccc", "bbbbbb")));
    const byId = blocksById(blocks);
    const lookup = (id: string) => byId.get(id)?.block;
    const r = earlierTurns(blocks[2]!.block, lookup);
    expect(r.turns.map((t) => t.blockId)).toEqual(["aaaaaa", "bbbbbb"]);
    expect(r.missing).toBeUndefined();
    expect(earlierTurns(blocks[2]!.block, lookup, 1).turns.map((t) => t.blockId)).toEqual(["bbbbbb"]);
    expect(earlierTurns(blocks[0]!.block, lookup).turns).toEqual([]);
  });
  it("says which ancestor it could not find, keeping the turns it found", () => {
    const blocks = parseBlocks(note(turn("bbbbbb", "aaaaaa"), turn("cccccc", "bbbbbb")));
    const byId = blocksById(blocks);
    const r = earlierTurns(blocks[1]!.block, (id) => byId.get(id)?.block);
    expect(r).toEqual({ turns: [blocks[0]!.block], missing: "aaaaaa" });
  });
  it("stops at a loop made by hand edits", () => {
    const blocks = parseBlocks(note(turn("aaaaaa", "bbbbbb"), turn("bbbbbb", "aaaaaa")));
    const byId = blocksById(blocks);
    const r = earlierTurns(blocks[1]!.block, (id) => byId.get(id)?.block);
    expect(r.loop).toBe(true);
    expect(r.turns.map((t) => t.blockId)).toEqual(["aaaaaa"]);
  });
  it("follows a 50-turn thread", () => {
    const blocks = [turn("t00000")];
    for (let i = 1; i < 50; i++) blocks.push(turn(`t${String(i).padStart(5, "0")}`, `t${String(i - 1).padStart(5, "0")}`, { thread: "t00000" }));
    const parsed = parseBlocks(note(...blocks));
    const byId = blocksById(parsed);
    const r = earlierTurns(parsed[49]!.block, (id) => byId.get(id)?.block);
    expect(r.turns).toHaveLength(49);
    expect(conversationOf(r.turns, 10).map((t) => t.question)).toEqual(blocks.slice(39, 49).map((b) => b.question));
  });
});

describe("conversationOf and estimateHistoryTokens", () => {
  it("keeps the last N turns that have a question and an answer, with the answer as the note shows it", () => {
    const turns = [turn("aaaaaa"), turn("bbbbbb", "aaaaaa", { answer: "" }), turn("cccccc", "bbbbbb", { answer: "Edited by me." })];
    expect(conversationOf(turns, 5)).toEqual([
      { question: "Question aaaaaa?", answer: "Answer aaaaaa." },
      { question: "Question cccccc?", answer: "Edited by me." },
    ]);
    expect(conversationOf(turns, 1)).toEqual([{ question: "Question cccccc?", answer: "Edited by me." }]);
    expect(conversationOf(turns, 0)).toEqual([]);
  });
  it("estimates about a token per 4 characters", () => {
    expect(estimateHistoryTokens([{ question: "x".repeat(40), answer: "y".repeat(361) }])).toBe(101);
    expect(estimateHistoryTokens([])).toBe(0);
  });
});

describe("threads in a note", () => {
  const root = turn("aaaaaa");
  const text = note("# Note", root, "prose", turn("bbbbbb", "aaaaaa"), turn("zzzzzz"), turn("cccccc", "aaaaaa"), "more prose", turn("dddddd", "cccccc"));
  const blocks = parseBlocks(text);
  const at = (id: string) => blocks.find((p) => p.block.blockId === id)!;
  it("finds every block of a thread, branches included, in note order, and not the unrelated block between", () => {
    expect(threadBlocks(blocks, at("cccccc")).map((p) => p.block.blockId)).toEqual(["aaaaaa", "bbbbbb", "cccccc", "dddddd"]);
    expect(threadBlocks(blocks, at("zzzzzz")).map((p) => p.block.blockId)).toEqual(["zzzzzz"]);
    expect(inThread(blocks, at("aaaaaa"))).toBe(true);
    expect(inThread(blocks, at("zzzzzz"))).toBe(false);
  });
  it("places a new follow-up after the thread's last block, so a second branch comes after the first", () => {
    expect(followUpOffset(blocks, at("aaaaaa"))).toBe(at("dddddd").to);
    expect(followUpOffset(blocks, at("zzzzzz"))).toBe(at("zzzzzz").to);
    expect(followUpLinks(at("cccccc").block)).toEqual({ parent: "cccccc", thread: "aaaaaa" });
    expect(followUpLinks(root)).toEqual({ parent: "aaaaaa", thread: "aaaaaa" });
  });
  it("a follow-up whose parent is in another note is grouped by its recorded thread", () => {
    const moved = parseBlocks(note(turn("bbbbbb", "aaaaaa"), turn("xxxxxx"), turn("cccccc", "bbbbbb")));
    expect(threadBlocks(moved, moved[2]!).map((p) => p.block.blockId)).toEqual(["bbbbbb", "cccccc"]);
  });
  it("still finds the thread after edits around and inside it (text typed between and inside the blocks)", () => {
    const edited = text.replace("prose", "prose\n\n> a quote\n\n- a list").replace("> Answer bbbbbb.", "> Answer bbbbbb, edited.");
    const again = parseBlocks(edited);
    expect(threadBlocks(again, again.find((p) => p.block.blockId === "dddddd")!).map((p) => p.block.blockId)).toEqual(["aaaaaa", "bbbbbb", "cccccc", "dddddd"]);
  });
});

describe("refreshDependencies", () => {
  type T = { id: string; parent?: string };
  const deps = (items: T[]) => {
    const d = refreshDependencies(items, (i) => i.id, (i) => i.parent);
    return Object.fromEntries(items.map((i) => [i.id, d.get(i)?.id]));
  };
  it("makes each follow-up wait for its nearest parent in the batch", () => {
    expect(deps([{ id: "a" }, { id: "b", parent: "a" }, { id: "c", parent: "b" }, { id: "d", parent: "x" }])).toEqual({ a: undefined, b: "a", c: "b", d: undefined });
  });
  it("breaks loops so the batch cannot deadlock", () => {
    expect(deps([{ id: "a", parent: "b" }, { id: "b", parent: "a" }, { id: "c", parent: "a" }])).toEqual({ a: undefined, b: undefined, c: "a" });
  });
});

describe("indexNote (a thread without parsing every block)", () => {
  const ids = ["aaaaaa", "bbbbbb", "cccccc", "dddddd"];
  const arbBlock = fc
    .record({
      id: fc.constantFrom(...ids),
      parent: fc.option(fc.constantFrom(...ids), { nil: undefined }),
      state: fc.constantFrom("answered" as const, "pending" as const),
      answer: fc.constantFrom("Plain answer.", "Two\n\nparagraphs [[x]].", "> quoted inside", "%% pplx {\"v\":1,\"id\":\"evil00\"} %%", ""),
    })
    .map(({ id, parent, state, answer }) => formatBlock(turn(id, parent, { state, answer, thread: "aaaaaa" }), options));
  const arbPiece = fc.oneof(
    { weight: 4, arbitrary: arbBlock },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "prose",
        "> a quote",
        '> %% pplx {"v":1,"id":"quoted","state":"answered","c":[],"o":[]} %%',
        "> [!perplexity] a callout of mine",
        "^pplx-aaaaaa",
        "",
        "> [!note]\n> body",
      ),
    },
  );
  it("finds the same blocks, links and offsets as a whole-note parse, after any edit around them (LF or CRLF)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbPiece, fc.constantFrom("\n", "\n\n", "\n> glued quote line\n", "\ntext after\n")), { maxLength: 8 }), fc.boolean(), (pieces, crlf) => {
        let text = pieces.map(([p, sep]) => p + sep).join("");
        if (crlf) text = text.replace(/\n/g, "\r\n");
        const full = parseBlocks(text);
        const index = indexNote(text);
        const links = (b: Pick<AnswerBlock, "blockId" | "parent" | "thread">) => ({ blockId: b.blockId, parent: b.parent, thread: b.thread });
        expect(index.refs.map((r) => ({ ...links(r.block), from: r.from, to: r.to }))).toEqual(full.map((p) => ({ ...links(p.block), from: p.from, to: p.to })));
        const byId = blocksById(full);
        for (const id of [...ids, "evil00", "quoted"]) expect(index.get(id)).toEqual(byId.get(id));
      }),
      { numRuns: 1000 },
    );
  });
  it("blockAtOffset finds what a whole-note scan finds at any offset, damaged blocks included", () => {
    const damaged = fc.constantFrom(
      formatBlock(turn("eeeeee"), options).replace('"v":1', '"v":1,oops'),
      formatBlock(turn("ffffff"), options).replace(/> %% pplx .*\n/, ""),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(arbPiece, damaged), fc.constantFrom("\n", "\n\n", "\ntext\n")), { maxLength: 6 }), fc.boolean(), fc.nat(), (pieces, crlf, seed) => {
        let text = pieces.map(([p, sep]) => p + sep).join("");
        if (crlf) text = text.replace(/\n/g, "\r\n");
        const scan = scanBlocks(text);
        for (let k = 0; k < 6; k++) {
          const offset = (seed * (k + 1) * 7919) % (text.length + 1);
          const parsed = scan.blocks.find((p) => p.from <= offset && offset <= p.to);
          const unreadable = parsed ? undefined : scan.unreadable.find((u) => u.from <= offset && offset <= u.to);
          expect(blockAtOffset(text, offset)).toEqual(parsed ? { parsed } : unreadable ? { unreadable } : {});
        }
      }),
      { numRuns: 1000 },
    );
  });
});
