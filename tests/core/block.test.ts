import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildAnswerBlock, findBlock, formatBlock, hashText, newBlockId, normalizeBlock, parseBlocks,
  scanBlocks, type AnswerBlock, type FormatOptions, type PreviousAnswer, type SourceEntry,
} from "../../src/core/block";
import { sanitizeAnswer } from "../../src/core/sanitize";
import { sourceId } from "../../src/core/source-id";
import type { Answer } from "../../src/core/answer";
import type { SourceCheck } from "../../src/core/source-check";

const wiki = (s: SourceEntry): string => `[[${s.id}]]`;
const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: wiki };

function example(): AnswerBlock {
  const answer = "Bittensor leads.[[u4vyfy]] Numerai has a $200 million cap [[npq6lz]].\n\n- one\n- two";
  return {
    blockId: "7f3a9c",
    state: "answered",
    askedAt: "2026-11-24T16:43:12.385Z",
    question: 'Who are the major "Layer 1" AI model creators?',
    request: { preset: "fast", noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    answer,
    sources: [
      { id: "u4vyfy", url: "https://example.com/ai-l1", title: "In-depth Analysis of Five Major AI Layer1 Projects", published: "2025-03-17", updated: "2025-09-14", cited: true },
      { id: "npq6lz", url: "https://coins.example/top-10", title: "Top 10 AI Crypto Coins (2025)", published: "2025-03-06", cited: true },
      { id: "46fzl3", url: "https://l1.example/list", title: "List of 39 Layer 1 Blockchains", cited: false },
    ],
    cost: 0.00119,
    responseId: "resp_8762b9bb",
    answerHash: hashText(answer),
  };
}

describe("formatBlock", () => {
  it("writes the documented format (approval)", () => {
    expect(formatBlock(example(), options)).toBe(
      [
        "> [!perplexity]+ Perplexity Query (2026-11-24T16:43:12.385Z)",
        '> **Question:** Who are the major "Layer 1" AI model creators?',
        "> **Model:** fast · openai/gpt-6-luna",
        ">",
        "> Bittensor leads.[[u4vyfy]] Numerai has a $200 million cap [[npq6lz]].",
        ">",
        "> - one",
        "> - two",
        ">",
        "> **Citations**",
        "> - [[u4vyfy]] 2025, Sep 14. [In-depth Analysis of Five Major AI Layer1 Projects](https://example.com/ai-l1). Published: 2025-03-17 | Updated: 2025-09-14",
        "> - [[npq6lz]] 2025, Mar 6. [Top 10 AI Crypto Coins (2025)](https://coins.example/top-10). Published: 2025-03-06",
        ">",
        "> **Other sources**",
        "> - [[46fzl3]] [List of 39 Layer 1 Blockchains](https://l1.example/list).",
        `> %% pplx {"v":1,"id":"7f3a9c","state":"answered","at":"2026-11-24T16:43:12.385Z","q":"Who are the major \\"Layer 1\\" AI model creators?","req":{"noteContext":true,"preset":"fast"},"by":"openai/gpt-6-luna","cost":0.00119,"rid":"resp_8762b9bb","h":"${hashText(example().answer)}","c":["u4vyfy","npq6lz"],"o":["46fzl3"]} %%`,
        "",
        "^pplx-7f3a9c",
      ].join("\n"),
    );
  });
  it("honours fold and the date format, falls back on a bad format, never prints Invalid Date", () => {
    const b = example();
    b.sources = [
      { id: "a", url: "https://a.example/", title: "A", updated: "2025-09-14", cited: true },
      { id: "b", url: "https://b.example/", title: "B", published: "not a date", updated: "2025-02-30", cited: true },
    ];
    const text = formatBlock(b, { ...options, fold: "", citationDateFormat: "dd/MM/yyyy" });
    expect(text.startsWith("> [!perplexity] Perplexity Query")).toBe(true);
    expect(text).toContain("> - [[a]] 14/09/2025. [A](https://a.example/). Updated: 2025-09-14");
    expect(text).toContain("> - [[b]] [B](https://b.example/).\n");
    expect(text).not.toContain("Invalid");
    expect(formatBlock(b, { ...options, citationDateFormat: "yyyy jj" })).toContain("[[a]] 2025, Sep 14. [A]");
  });
  it("uses the site when a title is missing", () => {
    const b = example();
    b.sources = [{ id: "a", url: "https://www.site.example/x", title: "  ", cited: false }];
    expect(formatBlock(b, options)).toContain("> - [[a]] [site.example](https://www.site.example/x).");
  });
  it("shows a pending block with a waiting line and a failed block with its message", () => {
    const pending: AnswerBlock = { ...example(), state: "pending", answer: "", sources: [], answeredBy: undefined, answerHash: undefined };
    const p = formatBlock(pending, options);
    expect(p).toContain("> **Model:** fast\n>\n> *Waiting for Perplexity…*\n>\n> %% pplx");
    // An incomplete run that did not say which model answered: nothing dangles after the preset.
    const unnamed = formatBlock({ ...example(), answeredBy: "" }, options);
    expect(unnamed).toContain("> **Model:** fast\n");
    expect(unnamed).not.toContain("fast · ");
    const failed: AnswerBlock = { ...pending, state: "failed", failure: "Perplexity rejected the API key.\nTry again" };
    expect(formatBlock(failed, options)).toContain("> **Failed:** Perplexity rejected the API key. Try again\n>\n> %% pplx");
  });
  it("says that a background run is researching, when and with what, and reads it back", () => {
    const at = "2026-11-24T14:02:00.000Z";
    const running: AnswerBlock = {
      ...example(), state: "pending", askedAt: at, request: { preset: "high", noteContext: true }, answer: "", sources: [],
      answeredBy: undefined, answerHash: undefined, cost: undefined, responseId: "resp_5e673b76-3ae9", device: "k2v9x0q4m1zd", estimate: 0.42,
    };
    const local = `${String(new Date(at).getHours()).padStart(2, "0")}:${String(new Date(at).getMinutes()).padStart(2, "0")}`;
    const text = formatBlock(running, options);
    expect(text).toContain(`> **Model:** high\n>\n> *Researching in the background… started ${local}, preset high*\n>\n> %% pplx`);
    expect(text).toContain('"rid":"resp_5e673b76-3ae9"');
    expect(text).toContain('"dev":"k2v9x0q4m1zd","est":0.42');
    expect(parseBlocks(text)[0]!.block).toEqual(running);
    // A model name holding a line separator or spaces only still gives one status line (read back as status, not answer).
    for (const model of ["a\u2028b", " ", "\u2029"]) {
      const odd = { ...running, request: { model, noteContext: true } };
      expect(parseBlocks(formatBlock(odd, options))[0]!.block).toEqual(odd);
    }
    // A pending block without a run id (an ask held open, stopped by a crash) keeps the plain waiting line.
    expect(formatBlock({ ...running, responseId: undefined }, options)).toContain("> *Waiting for Perplexity…*");
  });
  it("reads blocks written before background runs existed unchanged", () => {
    const old = formatBlock(example(), options);
    expect(old).not.toContain('"dev"');
    expect(old).not.toContain('"est"');
    const parsed = parseBlocks(old)[0]!;
    expect(parsed.problems).toEqual([]);
    expect(parsed.block.device).toBeUndefined();
    expect(parsed.block.estimate).toBeUndefined();
  });
  it("rejects an invalid block id", () => {
    expect(() => formatBlock({ ...example(), blockId: "a b\n" }, options)).toThrow(RangeError);
  });
});

describe("source checks in the block (issue 12)", () => {
  const checked = (): AnswerBlock => {
    const b = example();
    b.sources[0]!.check = { verdict: "supported", on: "2026-12-01", found: ["the quoted passage", "12%"] };
    b.sources[1]!.check = { verdict: "partly", on: "2026-11-30", found: ["2025"], missing: ["$4.5 billion"] };
    return b;
  };
  it("marks each checked citation line and sums the checks up under the model line", () => {
    const text = formatBlock(checked(), options);
    expect(text).toContain("> **Model:** fast · openai/gpt-6-luna\n> **Sources checked** 2026-12-01: 1 supported, 1 partly\n>");
    expect(text).toContain("Published: 2025-03-17 | Updated: 2025-09-14 ✓ 2026-12-01\n");
    expect(text).toContain("Published: 2025-03-06 ◐ 2026-11-30\n");
    expect(text).toContain('"ck":[{"id":"u4vyfy","v":"supported","on":"2026-12-01","f":["the quoted passage","12\\u0025"]}');
    expect(parseBlocks(text)[0]!.block).toEqual(checked());
  });
  it("keeps blocks written before checks existed valid, and unchanged", () => {
    const text = formatBlock(example(), options);
    expect(text).not.toContain("Sources checked");
    expect(text).not.toContain('"ck"');
    const parsed = parseBlocks(text)[0]!;
    expect(parsed.problems).toEqual([]);
    expect(parsed.block.sources.every((s) => s.check === undefined)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Generators for arbitrary (and hostile) blocks

const optional = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const withoutUndefined = <T extends object>(o: T): T => {
  const out = { ...o } as T & Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
};

const hostileUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "\n", "\r\n", "\r", "%%", ">", "> ", "]]", "[[", "`", "```", "~~~", "$$", "$", "^pplx-abcdef", " ^x1", "**Citations**",
      "**Other sources**", "[!perplexity]+ Perplexity Query (x)", '%% pplx {"v":1,"id":"evil","state":"answered"} %%',
      "<script>", "[x](javascript:1)", "![i](https://e/x.png)", "- ", "**Model:** x", "*Waiting for Perplexity…*", "\\", "\u2028", "|",
      "> [!perplexity-previous]- Previous answer (x)", "[!perplexity-previous]- x", "> > ", "**Changes:** 1 new source (x)",
      "**Sources checked** 2026-12-01: 1 gone", " ✓ 2026-12-01", " ? 2026-12-01",
    ),
  },
);
const hostile = (max = 12): fc.Arbitrary<string> => fc.array(hostileUnit, { maxLength: max }).map((a) => a.join(""));
const day = fc.oneof(
  fc.constant(undefined),
  fc.date({ min: new Date("1990-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom("2025-02-30", "garbage", "2025-09-14T10:00:00Z"),
);
const source = fc.record({
  id: fc.stringMatching(/^[0-9a-z]{6,8}$/),
  url: fc.oneof(fc.webUrl({ withQueryParameters: true }), hostile(4)),
  title: hostile(6),
  published: day,
  updated: day,
  cited: fc.boolean(),
  // Source checks (issue 12): hostile lists and reasons, odd verdicts and days that normalising drops.
  check: fc.option(
    fc
      .record({
        verdict: fc.constantFrom("supported", "partly", "moved", "gone", "unknown", "bogus") as fc.Arbitrary<SourceCheck["verdict"]>,
        on: day,
        found: optional(fc.array(hostile(3), { maxLength: 3 })),
        missing: optional(fc.array(hostile(3), { maxLength: 3 })),
        reason: optional(hostile(4)),
      })
      .map((c) => withoutUndefined(c) as SourceCheck),
    { nil: undefined },
  ),
}).map((s) => withoutUndefined(s));
const previousAnswer: fc.Arbitrary<PreviousAnswer> = fc
  .record({ askedAt: hostile(3), answeredBy: optional(hostile(2)), answer: hostile(20), edited: optional(fc.boolean()) })
  .map(withoutUndefined);
const block: fc.Arbitrary<AnswerBlock> = fc
  .record({
    blockId: fc.stringMatching(/^[0-9a-z]{6}$/),
    state: fc.constantFrom("pending" as const, "answered" as const, "failed" as const),
    askedAt: fc.oneof(fc.date({ noInvalidDate: true, min: new Date("2000-01-01"), max: new Date("2100-01-01") }).map((d) => d.toISOString()), hostile(3)),
    question: hostile(),
    request: fc.record(
      {
        preset: fc.constantFrom("fast", "low", "medium", "high", "xhigh"),
        model: hostile(2),
        recency: fc.constantFrom("hour", "day", "week"),
        allowDomains: fc.array(hostile(2), { maxLength: 3 }),
        denyDomains: fc.array(hostile(2), { maxLength: 3 }),
        contextSize: fc.constantFrom("low", "high"),
        maxOutputTokens: fc.integer({ min: 1, max: 100000 }),
        noteContext: fc.boolean(),
      },
      { requiredKeys: ["noteContext"] },
    ),
    answeredBy: optional(hostile(2)),
    answer: hostile(30),
    sources: fc.array(source, { maxLength: 5 }),
    cost: optional(fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1e6)),
    responseId: optional(hostile(2)),
    failure: optional(hostile(3)),
    answerHash: optional(fc.string({ maxLength: 12 })),
    staleAfterDays: optional(fc.oneof(fc.integer({ min: -3, max: 400 }), fc.constantFrom(0, 0.5, Number.NaN))),
    changes: optional(fc.record({ added: fc.array(hostile(2), { maxLength: 7 }), dropped: fc.array(hostile(2), { maxLength: 3 }) })),
    previous: optional(fc.array(previousAnswer, { maxLength: 3 })),
    // Threads: mostly valid ids, sometimes ones that cannot be written (normal form drops them).
    parent: optional(fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[0-9a-z]{6}$/) }, { weight: 1, arbitrary: hostile(2) })),
    thread: optional(fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[0-9a-z]{6}$/) }, { weight: 1, arbitrary: hostile(2) })),
    // Background runs: the polling device (ours are random base-36 ids; a hand edit may write anything) and
    // the estimate held against the caps (a negative or non-finite one is dropped).
    device: optional(fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[0-9a-z]{12}$/) }, { weight: 1, arbitrary: hostile(2) })),
    estimate: optional(fc.oneof(fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1e6), fc.constantFrom(-0.5, Number.NaN, Number.POSITIVE_INFINITY))),
  })
  .map((b) => withoutUndefined(b) as AnswerBlock);

describe("format then parse", () => {
  it("is the identity on normal blocks, for arbitrary hostile blocks", () => {
    fc.assert(
      fc.property(block, (b) => {
        const normal = normalizeBlock(b);
        expect(normalizeBlock(normal)).toEqual(normal);
        const parsed = parseBlocks(formatBlock(b, options));
        expect(parsed).toHaveLength(1);
        expect(parsed[0]!.block).toEqual(normal);
        expect(parsed[0]!.problems).toEqual([]);
        expect(parsed[0]!.edited).toBe(normal.answerHash !== undefined && normal.answerHash !== hashText(normal.answer));
      }),
      { numRuns: 1500 },
    );
  });
  it("is the exact identity for blocks whose fields are already normal (as buildAnswerBlock makes them)", () => {
    const b = example();
    expect(parseBlocks(formatBlock(b, options))[0]!.block).toEqual(b);
  });
  it("round-trips a question with newlines, %%, >, ]] and backticks exactly", () => {
    const b = { ...example(), question: "line one\n%% not a comment %%\n> quoted ]] [[x]] `code` ```\r\nend" };
    expect(parseBlocks(formatBlock(b, options))[0]!.block.question).toBe(b.question);
  });
});

const filler = fc
  .array(
    fc.oneof(
      // Not a line that opens raw HTML running to a closing marker (`<?`, `<!--`, `<script`): unclosed, CommonMark (and
      // Obsidian's reading view) reads everything after it as that HTML, answers included (tested on its own below).
      // (Nor a `%%`: one never closed, also mid-line, hides the rest of the note in Obsidian's editor.)
      fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s) && !s.toLowerCase().includes("[!perplexity") && !/^\s*</.test(s) && !s.includes("%%")),
      fc.constantFrom("", "> [!note] Another callout", "> [!note]\n> with a body\n> %% a comment %%", "## Heading", "```\ncode\n```", "> plain quote", "- list item", "^other-id"),
    ),
    { maxLength: 5 },
  )
  .map((lines) => lines.join("\n"));

describe("threads in the format", () => {
  const followUp = (): AnswerBlock => ({ ...example(), blockId: "b2b2b2", parent: "7f3a9c", thread: "7f3a9c" });
  it("writes a Follow-up to line linking the parent, and reads parent and thread back from the metadata", () => {
    const text = formatBlock(followUp(), options);
    expect(text.split("\n").slice(0, 4)).toEqual([
      "> [!perplexity]+ Perplexity Query (2026-11-24T16:43:12.385Z)",
      '> **Question:** Who are the major "Layer 1" AI model creators?',
      "> **Model:** fast · openai/gpt-6-luna",
      "> **Follow-up to:** [[#^pplx-7f3a9c]]",
    ]);
    expect(text).toContain('"parent":"7f3a9c","thread":"7f3a9c"');
    const parsed = parseBlocks(text)[0]!;
    expect(parsed.block).toEqual(followUp());
    expect(parsed.problems).toEqual([]);
    expect(formatBlock(followUp(), { ...options, blockLinkFor: (id) => `[earlier answer](#^pplx-${id})` })).toContain(
      "> **Follow-up to:** [earlier answer](#^pplx-7f3a9c)",
    );
  });
  it("an old block (no thread fields) is written exactly as before: no Follow-up line, no new metadata keys", () => {
    const text = formatBlock(example(), options);
    expect(text).not.toContain("Follow-up to");
    expect(text).not.toMatch(/"parent"|"thread"/);
    expect(parseBlocks(text)[0]!.block).not.toHaveProperty("parent");
  });
  it("the Follow-up line is display only: deleting or changing it changes nothing", () => {
    const text = formatBlock(followUp(), options);
    expect(parseBlocks(text.replace("> **Follow-up to:** [[#^pplx-7f3a9c]]\n", ""))[0]!.block).toEqual(followUp());
    expect(parseBlocks(text.replace("[[#^pplx-7f3a9c]]", "[[#^pplx-zzzzzz]]"))[0]!.block).toEqual(followUp());
  });
  it("a block without a parent whose answer starts like a Follow-up line keeps that line as answer text", () => {
    const b = { ...example(), answer: "**Follow-up to:** something the answer said." };
    expect(parseBlocks(formatBlock(b, options))[0]!.block.answer).toBe(b.answer);
  });
  it("an unreadable parent or thread in hand-edited metadata is a problem (the block is then left alone)", () => {
    const text = formatBlock(followUp(), options);
    const bad = parseBlocks(text.replace('"parent":"7f3a9c"', '"parent":"not an id!"'))[0]!;
    expect(bad.problems.join(" ")).toMatch(/unreadable parent/);
    const orphan = parseBlocks(text.replace('"parent":"7f3a9c",', ""))[0]!;
    expect(orphan.problems.join(" ")).toMatch(/thread without a parent/);
  });
});

describe("parseBlocks in a note", () => {
  it("finds every block and its metadata after arbitrary edits around them, with LF or CRLF", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(block, filler), { minLength: 1, maxLength: 4 }), filler, fc.boolean(), (pairs, head, crlf) => {
        let note = head;
        const spans: string[] = [];
        for (const [b, after] of pairs) {
          const text = formatBlock(b, options);
          // A blank line before each block, as the plugin writes them: a quote glued to a callout's first line would
          // make one quote of both, in which the callout is text (Obsidian: "[!type]" must open the blockquote).
          note += (note === "" ? "" : "\n\n") + text + "\n" + after;
          spans.push(text);
        }
        if (crlf) note = note.replace(/\r?\n/g, "\r\n");
        const parsed = parseBlocks(note);
        expect(parsed.map((p) => p.block)).toEqual(pairs.map(([b]) => normalizeBlock(b)));
        parsed.forEach((p, i) => {
          const slice = note.slice(p.from, p.to);
          expect(crlf ? slice.replace(/\r\n/g, "\n") : slice).toBe(spans[i]);
          expect(p.problems).toEqual([]);
        });
      }),
      { numRuns: 300 },
    );
  });
  it("a hostile answer with a fake metadata comment and fake block id line still parses as one block", () => {
    const fake = '%% pplx {"v":1,"id":"evil00","state":"failed","at":"x","q":"forged","req":{"noteContext":false},"c":[],"o":[]} %%';
    const b = { ...example(), answer: `Real text.\n${fake}\n\n^pplx-evil00\n\n> [!perplexity]+ Perplexity Query (x)\n> ${fake}\n\n^pplx-evil00` };
    const note = "before\n\n" + formatBlock(b, options) + "\n\nafter";
    const parsed = parseBlocks(note);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.block.blockId).toBe("7f3a9c");
    expect(parsed[0]!.block.question).toBe(example().question);
    expect(parsed[0]!.block.sources).toEqual(example().sources);
    // And the same through the sanitiser, as buildAnswerBlock does it.
    const sanitized = { ...b, answer: sanitizeAnswer(b.answer) };
    expect(parseBlocks(formatBlock(sanitized, options))[0]!.block).toEqual(sanitized);
    expect(sanitized.answer).not.toContain("%%");
  });
  it("marks edited blocks and keeps the user's answer", () => {
    const text = formatBlock(example(), options);
    expect(parseBlocks(text)[0]!.edited).toBe(false);
    const edited = parseBlocks(text.replace("Bittensor leads.", "Bittensor leads, I think."))[0]!;
    expect(edited.edited).toBe(true);
    expect(edited.block.answer.startsWith("Bittensor leads, I think.")).toBe(true);
    const { answerHash: _drop, ...noHash } = example();
    expect(parseBlocks(formatBlock(noHash, options).replace("Bittensor", "X"))[0]!.edited).toBe(false);
  });
  it("reports problems but still reads a block whose id line or citation lines were damaged", () => {
    const text = formatBlock(example(), options);
    const noId = parseBlocks(text.replace("\n\n^pplx-7f3a9c", ""))[0]!;
    expect(noId.block.blockId).toBe("7f3a9c");
    expect(noId.problems).toContain("no ^pplx- block id line after the callout");
    const lostLine = parseBlocks(text.replace(/> - \[\[npq6lz\]\].*\n/, ""))[0]!;
    expect(lostLine.block.sources.map((s) => s.id)).toEqual(["u4vyfy", "46fzl3"]);
    expect(lostLine.problems.length).toBeGreaterThan(0);
  });
  it("reads a sources heading the user left a trailing space or tab on as that heading", () => {
    const text = formatBlock(example(), options);
    const clean = parseBlocks(text)[0]!;
    for (const end of [" ", "  ", "\t"]) {
      const spaced = parseBlocks(text.replace("> **Citations**\n", `> **Citations**${end}\n`).replace("> **Other sources**\n", `> **Other sources**${end}\n`))[0]!;
      expect(spaced.problems).toEqual([]);
      expect(spaced.block).toEqual(clean.block);
    }
  });
  it("ignores callouts without metadata and findBlock finds by id", () => {
    const a = formatBlock(example(), options);
    const b = formatBlock({ ...example(), blockId: "bbbbbb" }, options);
    const note = `> [!perplexity] Hand-made callout\n> no metadata\n\n${a}\n\n${b}\n`;
    expect(parseBlocks(note).map((p) => p.block.blockId)).toEqual(["7f3a9c", "bbbbbb"]);
    const found = findBlock(note, "bbbbbb")!;
    expect(note.slice(found.from, found.to)).toBe(b);
    expect(findBlock(note, "nope")).toBeUndefined();
  });
  it("findBlock finds a block whose id the note mentions before it, outside any answer", () => {
    const b = formatBlock({ ...example(), blockId: "bbbbbb" }, options);
    const other = formatBlock(example(), options);
    for (const before of ["See bbbbbb below.", "> [!note] bbbbbb\n> quoted", "```\nbbbbbb\n```", `${other}\n\nAbout bbbbbb:`, "- bbbbbb\n- x"]) {
      const note = `${before}\n\n${b}\n\nAfter bbbbbb.\n`;
      const found = findBlock(note, "bbbbbb");
      expect(found, before).toEqual(parseBlocks(note).find((p) => p.block.blockId === "bbbbbb"));
      expect(note.slice(found!.from, found!.to)).toBe(b);
      expect(findBlock(`${before}\n\nno block here\n`, "bbbbbb")).toBeUndefined();
    }
  });
  it("findBlock finds what parsing finds after a callout that leaves a %% comment open (the rest of the note is hidden)", () => {
    const a = formatBlock(example(), options);
    const b = formatBlock({ ...example(), blockId: "bbbbbb" }, options);
    for (const opener of ["> %%", "> %% aside", "> `x` %% pplx %%%%", "> %% a %% b %%"]) {
      const note = `${a.replace("> **Question:**", `${opener}\n> **Question:**`)}\n\n${b}\n`;
      expect(findBlock(note, "bbbbbb"), opener).toEqual(parseBlocks(note).find((p) => p.block.blockId === "bbbbbb"));
    }
  });
  it("findBlock, reading only the callouts that contain the id, finds what parsing the whole note finds", () => {
    const pick = fc.stringMatching(/^[0-9a-z]{6}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(block, filler, fc.boolean()), { minLength: 1, maxLength: 5 }), pick, (parts, other) => {
        // Some blocks share an id (a pasted copy): the first one is found, as before.
        const blocks = parts.map(([b, , sameAsFirst], k) => (sameAsFirst && k > 0 ? { ...b, blockId: parts[0]![0].blockId } : b));
        const note = blocks.map((b, k) => `${parts[k]![1]}\n\n${formatBlock(b, options)}`).join("\n\n");
        for (const id of [...blocks.map((b) => b.blockId), other]) {
          expect(findBlock(note, id)).toEqual(parseBlocks(note).find((p) => p.block.blockId === id));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("newBlockId", () => {
  it("makes 6 base-36 characters and skips taken ids", () => {
    const values = [0, 0, 0, 0, 0, 0, 0.999, 0.5, 0.5, 0.5, 0.5, 0.5];
    let i = 0;
    const id = newBlockId(() => values[i++ % values.length]!, (x) => x === "000000");
    expect(id).toBe("ziiiii");
  });
  it("lengthens when every 6-character id is taken", () => {
    expect(newBlockId(Math.random, (x) => x.length === 6)).toMatch(/^[0-9a-z]{7}$/);
  });
});

describe("buildAnswerBlock", () => {
  const answer: Answer = {
    responseId: "resp_1",
    status: "completed",
    model: "openai/gpt-6-luna",
    searchQueries: ["q"],
    usage: { totalCost: 0.00119 },
    text: "TypeScript is typed.[7] See [1][web:3] and [9] and [2].\n\n<script>x</script> `arr[1]`",
    searchResults: [
      { id: 1, url: "https://en.wikipedia.org/wiki/TypeScript?utm_source=x", title: "TypeScript - Wikipedia", date: "2006-11-28", lastUpdated: "2026-09-25" },
      { id: 3, url: "https://EN.wikipedia.org/wiki/TypeScript#History", title: "Duplicate", date: null as unknown as undefined },
      { id: 7, url: "https://www.typescriptlang.org/", title: "TypeScript:\n JavaScript With Syntax For Types.", lastUpdated: "2026-09-22" },
      { id: 9, url: "ftp://files.example/x", title: "FTP" },
      { id: 4, url: "https://uncited.example/a", title: "" },
    ],
  };
  const ctx = {
    blockId: "abc123",
    askedAt: "2026-11-24T16:43:12.385Z",
    question: "What is TypeScript?",
    request: { preset: "fast", noteContext: true },
    idFor: (url: string) => sourceId(url),
    linkFor: wiki,
  };
  it("maps sources, rewrites markers, sanitises, orders cited sources first", () => {
    const b = buildAnswerBlock(answer, ctx);
    const wp = sourceId("https://en.wikipedia.org/wiki/TypeScript")!;
    const ts = sourceId("https://www.typescriptlang.org/")!;
    const un = sourceId("https://uncited.example/a")!;
    // Markers without a source stay text (escaped); the last line is raw HTML (a <script> line is an HTML block,
    // the code span in it included), written as the text it is (issue 19's allowlist).
    expect(b.answer).toBe(`TypeScript is typed. [[${ts}]] See [[${wp}]] [[${wp}]] and \\[9\\] and \\[2\\].\n\n\\<script>x\\</script> \\\`arr\\[1\\]\\\``);
    expect(b.sources).toEqual([
      { id: ts, url: "https://www.typescriptlang.org/", title: "TypeScript: JavaScript With Syntax For Types.", updated: "2026-09-22", cited: true },
      { id: wp, url: "https://en.wikipedia.org/wiki/TypeScript", title: "TypeScript - Wikipedia", published: "2006-11-28", updated: "2026-09-25", cited: true },
      { id: un, url: "https://uncited.example/a", title: "uncited.example", cited: false },
    ]);
    expect(b).toMatchObject({ state: "answered", answeredBy: "openai/gpt-6-luna", cost: 0.00119, responseId: "resp_1", answerHash: hashText(b.answer) });
    expect(parseBlocks(formatBlock(b, options))[0]!.block).toEqual(b);
  });
  it("keeps two URLs apart when idFor gives them the same id", () => {
    const b = buildAnswerBlock(answer, { ...ctx, idFor: () => "same00" });
    const ids = b.sources.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The first URL in search order keeps the id; the later ones get longer ids of their own.
    expect(b.sources.find((s) => s.url.includes("wikipedia"))!.id).toBe("same00");
    expect(ids.filter((id) => id !== "same00").every((id) => id.length >= 7)).toBe(true);
  });
  it("drops sources the glue gives no id", () => {
    const b = buildAnswerBlock(answer, { ...ctx, idFor: (u: string) => (u.includes("wikipedia") ? null : sourceId(u)) });
    expect(b.answer).toContain("See \\[1\\]\\[web:3\\]");
  });
});

describe("refresh parts: stale-after, changes, previous answers", () => {
  const refreshed = (): AnswerBlock => ({
    ...example(),
    staleAfterDays: 7,
    changes: { added: ["u4vyfy", "npq6lz"], dropped: ["xyz789"] },
    previous: [
      { askedAt: "2026-10-01T09:00:00.000Z", answeredBy: "openai/gpt-6-luna", answer: "My edited answer [[xyz789]].\n\n- kept", edited: true },
      { askedAt: "2026-09-01T09:00:00.000Z", answer: "Oldest." },
    ],
  });
  it("writes the Changes line under the Model line and previous answers as folded nested callouts before the metadata (approval)", () => {
    const text = formatBlock(refreshed(), options);
    const lines = text.split("\n");
    expect(lines.slice(2, 5)).toEqual([
      "> **Model:** fast · openai/gpt-6-luna",
      "> **Changes:** 2 new sources (u4vyfy, npq6lz); 1 dropped (xyz789)",
      ">",
    ]);
    expect(lines.slice(-13, -4)).toEqual([
      "> - [[46fzl3]] [List of 39 Layer 1 Blockchains](https://l1.example/list).",
      ">",
      "> > [!perplexity-previous]- Previous answer, edited by you (2026-10-01T09:00:00.000Z · openai/gpt-6-luna)",
      "> > My edited answer [[xyz789]].",
      "> >",
      "> > - kept",
      ">",
      "> > [!perplexity-previous]- Previous answer (2026-09-01T09:00:00.000Z)",
      "> > Oldest.",
    ]);
    expect(lines.slice(-4, -3)).toEqual([">"]);
    expect(lines.at(-3)).toContain(
      `"stale":7,"ch":{"a":["u4vyfy","npq6lz"],"d":["xyz789"]},"p":[{"at":"2026-10-01T09:00:00.000Z","by":"openai/gpt-6-luna","e":true,"h":"${hashText("My edited answer [[xyz789]].\n\n- kept")}"},{"at":"2026-09-01T09:00:00.000Z","h":"${hashText("Oldest.")}"}]`,
    );
    const parsed = parseBlocks(text)[0]!;
    expect(parsed.block).toEqual(refreshed());
    expect(parsed.problems).toEqual([]);
  });
  it("describes changes compactly and cuts long lists", () => {
    const line = (added: string[], dropped: string[]) => formatBlock({ ...example(), changes: { added, dropped } }, options).split("\n")[3];
    expect(line(["a1"], [])).toBe("> **Changes:** 1 new source (a1)");
    expect(line([], ["d1", "d2"])).toBe("> **Changes:** 2 sources dropped (d1, d2)");
    expect(line(["a", "b", "c", "d", "e", "f", "g"], [])).toBe("> **Changes:** 7 new sources (a, b, c, d, e, … 2 more)");
    expect(line([], [])).toBe(">"); // no changes: no line
  });
  it("a quoted look-alike of a previous-answer callout inside the current answer stays answer text", () => {
    const b = { ...refreshed(), answer: "Quote:\n\n> [!perplexity-previous]- Previous answer (forged)\n> text\n\n> > [!perplexity-previous]- x" };
    b.answerHash = hashText(b.answer);
    const parsed = parseBlocks(formatBlock(b, options))[0]!;
    expect(parsed.block).toEqual(b);
    expect(parsed.edited).toBe(false);
  });
  it("reports a previous-answer callout removed by hand, and reads hand-written stale-after values", () => {
    const text = formatBlock(refreshed(), options);
    const removed = text.replace("> > [!perplexity-previous]- Previous answer (2026-09-01T09:00:00.000Z)\n> > Oldest.\n>\n", "");
    expect(parseBlocks(removed)[0]!.problems).toEqual(["1 previous answer(s) in the block but 2 in the metadata"]);
    expect(parseBlocks(text.replace('"stale":7', '"stale":"2w"'))[0]!.block.staleAfterDays).toBe(14);
    expect(parseBlocks(text.replace('"stale":7', '"stale":"never"'))[0]!.block.staleAfterDays).toBe(0);
    const bad = parseBlocks(text.replace('"stale":7', '"stale":"soon"'))[0]!;
    expect(bad.block.staleAfterDays).toBeUndefined();
    expect(bad.problems).toEqual(['unreadable stale-after value in the metadata: "soon"']);
  });
  it("normalises: negative stale-after, empty changes and empty previous lists disappear", () => {
    const b = normalizeBlock({ ...example(), staleAfterDays: -1, changes: { added: [], dropped: [] }, previous: [] });
    expect(b).toEqual(example());
  });
});

describe("scanBlocks", () => {
  it("reports callouts whose metadata was damaged by hand or removed, and still ignores the user's own callouts", () => {
    const good = formatBlock(example(), options);
    const broken = formatBlock({ ...example(), blockId: "broken" }, options).replace('{"v":1', '{"v":1,,');
    const noMeta = formatBlock({ ...example(), blockId: "nometa" }, options).replace(/\n> %% pplx .*%%/, "");
    const note = `> [!perplexity] My own callout\n> text\n\n${broken}\n\n${good}\n\n${noMeta}\n`;
    const scan = scanBlocks(note);
    expect(scan.blocks.map((p) => p.block.blockId)).toEqual(["7f3a9c"]);
    expect(scan.unreadable.map((u) => [u.blockId, u.problem])).toEqual([
      ["broken", "the metadata comment is not readable"],
      ["nometa", "the metadata comment is missing"],
    ]);
    expect(note.slice(scan.unreadable[0]!.from, scan.unreadable[0]!.to)).toBe(broken);
    expect(note.slice(scan.unreadable[1]!.from, scan.unreadable[1]!.to)).toBe(noMeta);
    expect(parseBlocks(note)).toEqual(scan.blocks);
  });
});
