// A long question (a pasted article) is shown on the Question line as a bounded, marked excerpt; the
// metadata keeps it whole, so parsing the block gives back the exact question a refresh will ask.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBlock, hashText, parseBlocks, type AnswerBlock, type FormatOptions } from "../../src/core/block";
import { QUESTION_LINE_MAX_CHARS, questionLine } from "../../src/core/block/format";

const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` };

function block(question: string): AnswerBlock {
  const answer = "An answer.";
  return { blockId: "q1long", state: "answered", askedAt: "2026-11-24T16:43:12.385Z", question, request: { preset: "fast", noteContext: true }, answer, sources: [], answerHash: hashText(answer) };
}

const questionLineOf = (text: string): string => text.split("\n").find((l) => l.startsWith("> **Question:**")) ?? "";

describe("the Question line of a long question", () => {
  const words = Array.from({ length: 4000 }, (_, i) => `word${i}`).join(" ");
  const long = `Summarise this article: ${words}`; // about 35,000 characters

  it("shows a bounded excerpt, cut at a word and marked, while the metadata keeps the whole question", () => {
    const text = formatBlock(block(long), options);
    const line = questionLineOf(text);
    expect(line.length).toBeLessThan(QUESTION_LINE_MAX_CHARS + 150);
    expect(line).toContain("> **Question:** Summarise this article: word0 word1");
    expect(line).toMatch(/word\d+… \*\(excerpt of \d+ characters; the whole question is kept in the block's metadata\)\*$/);
    expect(line).toContain(`excerpt of ${long.length} characters`);
    // The question appears in full once (in the metadata), not twice.
    expect(text.split(long).length - 1).toBe(1);
    const parsed = parseBlocks(text);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.block.question).toBe(long);
  });

  it("a question up to the limit is shown whole, as before", () => {
    const q = "x".repeat(QUESTION_LINE_MAX_CHARS);
    expect(questionLine(q)).toBe(`**Question:** ${q}`);
    expect(questionLine('Who are the major "Layer 1" AI model creators?')).toBe('**Question:** Who are the major "Layer 1" AI model creators?');
  });

  it("never splits a character made of two UTF-16 units, and escapes Markdown in the excerpt", () => {
    const line = questionLine(`${"😀".repeat(QUESTION_LINE_MAX_CHARS + 10)}`);
    expect(line).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(questionLine(`[[link]] ${"a ".repeat(QUESTION_LINE_MAX_CHARS)}`)).toContain("\\[\\[link\\]\\]");
  });

  it("format then parse gives back any question exactly (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 2000 }), (q) => {
        fc.pre(q.trim().length > 0);
        const parsed = parseBlocks(formatBlock(block(q), options));
        expect(parsed[0]?.block.question).toBe(q);
        expect(questionLineOf(formatBlock(block(q), options)).length).toBeLessThan(2 * QUESTION_LINE_MAX_CHARS + 200);
      }),
      { numRuns: 200 },
    );
  });
});

describe("a question with control, direction and invisible characters", () => {
  const hostile = "Is \u202eevil\u202c safe?\u200b\x07 \u{e0049}\u{e0067}\u{e006e} 👨‍👩‍👧 naïve \u2028 next";

  it("is displayed without them, kept exactly in the metadata, and written nowhere raw", () => {
    const text = formatBlock(block(hostile), options);
    expect(questionLineOf(text)).toBe("> **Question:** Is evil safe? 👨‍👩‍👧 naïve next");
    expect(parseBlocks(text)[0]!.block.question).toBe(hostile);
    expect(text).not.toMatch(/[\x07\u200b\u2028\u202c\u202e]|\u{e0049}/u);
  });
});
