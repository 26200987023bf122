import { describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks, scanBlocks, type AnswerBlock, type FormatOptions, type SourceEntry } from "../../src/core/block";
import {
  applyRefresh, checkRefreshable, estimateCost, findDuplicateIds, mergeRefreshed, planRefresh, requestFromBlock, sourceChanges,
} from "../../src/core/refresh";
import { isStale } from "../../src/core/staleness";

const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s: SourceEntry) => `[[${s.id}]]` };
const NOW = Date.parse("2026-11-24T12:00:00.000Z");

function src(id: string, cited: boolean): SourceEntry {
  return { id, url: `https://${id}.example/`, title: id.toUpperCase(), cited };
}

function block(over: Partial<AnswerBlock> = {}): AnswerBlock {
  const answer = over.answer ?? "Old answer [[aaaaaa]] [[bbbbbb]].";
  return {
    blockId: "7f3a9c",
    state: "answered",
    askedAt: "2026-09-01T10:00:00.000Z",
    question: "What changed in solar?",
    request: { preset: "fast", recency: "month", allowDomains: ["iea.org"], denyDomains: ["spam.example"], contextSize: "high", maxOutputTokens: 2048, noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    sources: [src("aaaaaa", true), src("bbbbbb", true), src("cccccc", false)],
    cost: 0.002,
    responseId: "resp_old",
    answerHash: hashText(answer),
    ...over,
    answer,
  };
}

function fresh(over: Partial<AnswerBlock> = {}): AnswerBlock {
  const answer = "New answer [[bbbbbb]] [[dddddd]].";
  return {
    blockId: "7f3a9c",
    state: "answered",
    askedAt: "2026-11-24T12:00:00.000Z",
    question: "What changed in solar?",
    request: { preset: "fast", noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    answer,
    sources: [src("bbbbbb", true), src("dddddd", true), src("aaaaaa", false)],
    cost: 0.003,
    responseId: "resp_new",
    answerHash: hashText(answer),
    ...over,
  };
}

const parse1 = (b: AnswerBlock) => parseBlocks(formatBlock(b, options))[0]!;

describe("checkRefreshable", () => {
  it("accepts a normal answered block", () => {
    expect(checkRefreshable(parse1(block()))).toEqual({ ok: true });
  });
  it("skips pending blocks, and failed ones unless asked to retry them", () => {
    const pending = parse1(block({ state: "pending", answer: "", sources: [], answerHash: undefined }));
    expect(checkRefreshable(pending)).toMatchObject({ ok: false, reason: "pending" });
    const failed = parse1(block({ state: "failed", failure: "x", answer: "", sources: [], answerHash: undefined }));
    expect(checkRefreshable(failed)).toMatchObject({ ok: false, reason: "failed" });
    expect(checkRefreshable(failed, { includeFailed: true })).toEqual({ ok: true });
  });
  it("skips an edited answer by default and accepts it when the edited version is to be kept", () => {
    const edited = parseBlocks(formatBlock(block(), options).replace("Old answer", "My own answer"))[0]!;
    expect(edited.edited).toBe(true);
    expect(checkRefreshable(edited)).toMatchObject({ ok: false, reason: "edited" });
    expect(checkRefreshable(edited, { onEdited: "keep" })).toEqual({ ok: true });
  });
  it("reports damage: parse problems, an unreadable date, a request that cannot be sent again", () => {
    const text = formatBlock(block(), options);
    const noId = parseBlocks(text.replace("\n\n^pplx-7f3a9c", ""))[0]!;
    expect(checkRefreshable(noId)).toMatchObject({ ok: false, reason: "damaged", detail: expect.stringContaining("no ^pplx- block id line") as unknown });
    expect(checkRefreshable(parse1(block({ askedAt: "last Tuesday" })))).toMatchObject({ reason: "damaged", detail: expect.stringContaining("date") as unknown });
    expect(checkRefreshable(parse1(block({ request: { preset: "turbo", noteContext: false } })))).toMatchObject({ reason: "damaged" });
    expect(checkRefreshable(parse1(block({ request: { noteContext: false } })))).toMatchObject({ reason: "damaged", detail: "no preset or model recorded" });
    expect(checkRefreshable(parse1(block({ question: " " })))).toMatchObject({ reason: "damaged" });
    // Damage wins over "edited": a damaged block is never rewritten, whatever the policy.
    const both = parseBlocks(text.replace("Old answer", "Mine").replace("\n\n^pplx-7f3a9c", ""))[0]!;
    expect(checkRefreshable(both, { onEdited: "keep" })).toMatchObject({ reason: "damaged" });
  });
  it("edits inside a previous answer are no problem (only the main answer's hash counts)", () => {
    const b = block({ previous: [{ askedAt: "2026-08-01T00:00:00.000Z", answer: "Older answer." }] });
    const p = parseBlocks(formatBlock(b, options).replace("> > Older answer.", "> > Older answer, with my note."))[0]!;
    expect(p.problems).toEqual([]);
    expect(p.edited).toBe(false);
    expect(p.block.previous).toEqual([{ askedAt: "2026-08-01T00:00:00.000Z", answer: "Older answer, with my note.", edited: true }]);
    expect(checkRefreshable(p)).toEqual({ ok: true });
  });
});

describe("findDuplicateIds", () => {
  it("lists ids found more than once, with their blocks in note order; the copies are skipped, the first is not", () => {
    const a = formatBlock(block(), options);
    const b = formatBlock(block({ blockId: "bbbbbb" }), options);
    const parsed = parseBlocks(`${a}\n\ntext\n\n${b}\n\n${a}\n\n${a}`);
    const dups = findDuplicateIds(parsed);
    expect([...dups.keys()]).toEqual(["7f3a9c"]);
    expect(dups.get("7f3a9c")!.map((p) => p.from)).toEqual([parsed[0]!.from, parsed[2]!.from, parsed[3]!.from]);
    expect(checkRefreshable(parsed[0]!, { duplicates: dups })).toEqual({ ok: true });
    expect(checkRefreshable(parsed[2]!, { duplicates: dups })).toMatchObject({ ok: false, reason: "duplicate-id", detail: expect.stringContaining("3 times") as unknown });
    expect(checkRefreshable(parsed[1]!, { duplicates: dups })).toEqual({ ok: true });
  });
});

describe("requestFromBlock", () => {
  it("re-asks exactly as recorded", () => {
    expect(requestFromBlock(block())).toEqual({
      question: "What changed in solar?",
      choice: { preset: "fast" },
      search: { allowDomains: ["iea.org"], denyDomains: ["spam.example"], recency: "month", contextSize: "high" },
      maxOutputTokens: 2048,
      noteContext: true,
    });
  });
  it("uses the model when no preset was recorded, and sends no empty search options", () => {
    expect(requestFromBlock(block({ request: { model: "anthropic/claude-sonnet-4-6", noteContext: false, allowDomains: [] } }))).toEqual({
      question: "What changed in solar?",
      choice: { model: "anthropic/claude-sonnet-4-6" },
      noteContext: false,
    });
  });
  it("throws on a request it cannot send as recorded", () => {
    expect(() => requestFromBlock(block({ request: { preset: "fast", recency: "decade", noteContext: true } }))).toThrow(RangeError);
  });
});

describe("mergeRefreshed", () => {
  it("a refreshed follow-up keeps its thread links (from the old block, never from the fresh answer)", () => {
    const old = block({ parent: "aaaaaa", thread: "rooooo" });
    const merged = mergeRefreshed(old, fresh({ parent: "zzzzzz" }), { keepPrevious: "last" });
    expect(merged.parent).toBe("aaaaaa");
    expect(merged.thread).toBe("rooooo");
    expect(mergeRefreshed(block(), fresh({ parent: "zzzzzz" }), { keepPrevious: "last" })).not.toHaveProperty("parent");
  });
  it("does not keep a word-for-word identical answer as a previous one; the history stays as it was", () => {
    const history = [{ askedAt: "2026-08-01T10:00:00.000Z", answer: "Older." }];
    const old = block({ previous: history });
    const same = fresh({ answer: old.answer, answerHash: old.answerHash, sources: old.sources });
    for (const keepPrevious of ["none", "last", "all"] as const) {
      const merged = mergeRefreshed(old, same, { keepPrevious });
      expect(merged.previous).toEqual(history);
      expect(merged.askedAt).toBe(same.askedAt);
      expect(merged.changes).toBeUndefined();
    }
  });

  it("keeps id, question, request and stale-after; takes the rest from the new answer; the old answer becomes the newest previous", () => {
    const old = block({ staleAfterDays: 7 });
    const merged = mergeRefreshed(old, fresh({ blockId: "zzzzzz", request: { model: "x/y", noteContext: false } }), { keepPrevious: "last" });
    expect(merged).toEqual({
      ...fresh(),
      blockId: "7f3a9c",
      question: old.question,
      request: old.request,
      staleAfterDays: 7,
      changes: { added: ["dddddd"], dropped: ["aaaaaa"] },
      previous: [{ askedAt: old.askedAt, answeredBy: "openai/gpt-6-luna", answer: old.answer }],
    });
    // And it writes and reads back as it is.
    expect(parse1(merged).block).toEqual(merged);
    expect(parse1(merged).problems).toEqual([]);
  });
  it("keepPrevious: none keeps nothing, last the one replaced, all every one; edited ones are always kept", () => {
    const older = [
      { askedAt: "2026-08-01T00:00:00.000Z", answer: "A", edited: true },
      { askedAt: "2026-07-01T00:00:00.000Z", answer: "B" },
    ];
    const old = block({ previous: older });
    const at = (k: "none" | "last" | "all", editedAnswer?: string) =>
      (mergeRefreshed(old, fresh(), editedAnswer === undefined ? { keepPrevious: k } : { keepPrevious: k, editedAnswer }).previous ?? []).map((p) => p.answer);
    expect(at("none")).toEqual(["A"]);
    expect(at("last")).toEqual([old.answer, "A"]);
    expect(at("all")).toEqual([old.answer, "A", "B"]);
    expect(at("none", "My edit")).toEqual(["My edit", "A"]);
    const kept = mergeRefreshed(old, fresh(), { keepPrevious: "none", editedAnswer: "My edit" }).previous![0]!;
    expect(kept).toEqual({ askedAt: old.askedAt, answeredBy: old.answeredBy, answer: "My edit", edited: true });
    expect(mergeRefreshed(block({ previous: [older[1]!] }), fresh(), { keepPrevious: "none" }).previous).toBeUndefined();
  });
  it("has no changes line when the cited sources did not change, or when there was no answer before", () => {
    const same = fresh({ sources: [src("aaaaaa", true), src("bbbbbb", true), src("eeeeee", false)] });
    expect(mergeRefreshed(block(), same, { keepPrevious: "last" }).changes).toBeUndefined();
    const failed = block({ state: "failed", failure: "x", answer: "", sources: [] });
    const fromFailed = mergeRefreshed(failed, fresh(), { keepPrevious: "all" });
    expect(fromFailed.changes).toBeUndefined();
    expect(fromFailed.previous).toBeUndefined();
    expect(sourceChanges(block(), fresh())).toEqual({ added: ["dddddd"], dropped: ["aaaaaa"] });
  });
  it("refuses to replace a block with a non-answer", () => {
    expect(() => mergeRefreshed(block(), fresh({ state: "failed" }), { keepPrevious: "last" })).toThrow(RangeError);
  });
});

describe("applyRefresh (at write time, on the block as it is now)", () => {
  it("keeps the user's current edit when the policy is keep, and skips when the block changed meanwhile", () => {
    const text = formatBlock(block(), options).replace("Old answer", "Edited while waiting");
    const current = parseBlocks(text)[0]!;
    const kept = applyRefresh(current, fresh(), { onEdited: "keep", keepPrevious: "none", plannedAskedAt: block().askedAt });
    expect(kept.ok && kept.block.previous).toEqual([
      { askedAt: block().askedAt, answeredBy: "openai/gpt-6-luna", answer: "Edited while waiting [[aaaaaa]] [[bbbbbb]].", edited: true },
    ]);
    expect(applyRefresh(current, fresh(), { keepPrevious: "last" })).toMatchObject({ ok: false, reason: "edited" });
    expect(applyRefresh(current, fresh(), { onEdited: "keep", keepPrevious: "last", plannedAskedAt: "2026-01-01T00:00:00.000Z" })).toMatchObject({ ok: false, reason: "changed" });
  });
});

describe("planRefresh", () => {
  it("picks the stale blocks of a note and reports every skipped one once, in note order", () => {
    const stale = formatBlock(block(), options);
    const recent = formatBlock(block({ blockId: "recent", askedAt: "2026-11-20T00:00:00.000Z" }), options);
    const edited = formatBlock(block({ blockId: "edited" }), options).replace("Old answer", "Mine");
    const pending = formatBlock(block({ blockId: "pendin", state: "pending", answer: "", sources: [], answerHash: undefined }), options);
    const broken = formatBlock(block({ blockId: "broken" }), options).replace('"state":"answered"', '"state":"answered",,');
    const note = [stale, "x", recent, edited, pending, broken, stale].join("\n\n");
    const plan = planRefresh(scanBlocks(note), (b) => isStale(b, NOW, undefined, 30));
    expect(plan.refresh.map((p) => p.block.blockId)).toEqual(["7f3a9c"]);
    expect(plan.skipped.map((s) => [s.blockId, s.reason])).toEqual([
      ["edited", "edited"],
      ["pendin", "pending"],
      ["broken", "damaged"],
      ["7f3a9c", "duplicate-id"],
    ]);
    expect(plan.skipped[2]!.detail).toBe("the metadata comment is not readable");
    expect(note.slice(plan.skipped[2]!.from, plan.skipped[2]!.to).endsWith("^pplx-broken")).toBe(true);
  });
});

describe("estimateCost", () => {
  it("adds the recorded costs and counts the blocks without one", () => {
    const r = estimateCost([block({ cost: 0.002 }), block({ cost: 0.0035 }), block({ cost: undefined }), block({ cost: Number.NaN })]);
    expect(r.total).toBeCloseTo(0.0055, 10);
    expect([r.known, r.unknown]).toEqual([2, 2]);
    expect(estimateCost([])).toEqual({ total: 0, known: 0, unknown: 0 });
  });
});
