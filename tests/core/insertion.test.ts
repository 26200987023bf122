import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { endOfLine, linesAddedInside, planInsertion, settleInsertion } from "../../src/core/insertion";

const BLOCK = "> [!perplexity]+ pending\n> wait\n\n^pplx-abc123";

function apply(text: string, change: { from: number; to: number; text: string }): string {
  return text.slice(0, change.from) + change.text + text.slice(change.to);
}

/** Inserts, then settles with `answer` (null = failure), locating the block by its text. */
function roundTrip(text: string, from: number, to: number, answer: string | null): { inserted: string; settled: string } {
  const plan = planInsertion(text, from, to, BLOCK);
  const inserted = apply(text, plan.change);
  const at = inserted.indexOf(BLOCK);
  return { inserted, settled: apply(inserted, settleInsertion(inserted, { from: at, to: at + BLOCK.length }, plan, answer)) };
}

describe("planInsertion", () => {
  it("puts the block on its own lines with blank lines around it, wherever it goes", () => {
    expect(roundTrip("Question?\nNext line.\n", 9, 9, null).inserted).toBe(`Question?\n\n${BLOCK}\n\nNext line.\n`);
    expect(roundTrip("Question?", 9, 9, null).inserted).toBe(`Question?\n\n${BLOCK}\n`);
    expect(roundTrip("Question?\n\nNext.", 9, 9, null).inserted).toBe(`Question?\n\n${BLOCK}\n\nNext.`);
    // Replacing words in the middle of a line splits the line around the block.
    expect(roundTrip("I wonder What is it? said Bob.", 9, 20, null).inserted).toBe(`I wonder \n\n${BLOCK}\n\n said Bob.`);
    expect(roundTrip("Q?", 0, 2, null).inserted).toBe(`${BLOCK}\n`);
  });

  it("finds the end of the selection's line", () => {
    expect(endOfLine("ab\ncd", 1)).toBe(2);
    expect(endOfLine("ab\ncd", 4)).toBe(5);
  });
});

describe("settleInsertion", () => {
  it("puts the note back exactly when the ask fails, for any text and any selection", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", " ", "\n", "?", ">") }), fc.nat(), fc.nat(), (text, i, j) => {
        const from = Math.min(i, j) % (text.length + 1);
        const to = Math.max(from, Math.max(i, j) % (text.length + 1));
        expect(roundTrip(text, from, to, null).settled).toBe(text);
      }),
    );
  });

  it("replaces only the block with the answer, keeping the separation", () => {
    expect(roundTrip("Question?\nNext line.\n", 9, 9, "ANSWER").settled).toBe("Question?\n\nANSWER\n\nNext line.\n");
  });

  it("keeps lines the user typed inside the placeholder, after the answer or in place of the block", () => {
    const plan = planInsertion("Q?", 2, 2, BLOCK);
    const edited = apply("Q?", plan.change).replace("> wait\n", "> wait\n> MY IMPORTANT NOTE\n");
    const at = edited.indexOf("> [!perplexity]");
    const to = edited.indexOf("^pplx-abc123") + "^pplx-abc123".length;
    expect(apply(edited, settleInsertion(edited, { from: at, to }, plan, "ANSWER"))).toBe("Q?\n\nANSWER\n\nMY IMPORTANT NOTE\n");
    expect(apply(edited, settleInsertion(edited, { from: at, to }, plan, null))).toBe("Q?\n\nMY IMPORTANT NOTE\n");
    expect(linesAddedInside(BLOCK, BLOCK)).toEqual([]);
  });

  it("removes only the block when the user changed the text around it", () => {
    const plan = planInsertion("Q?\nNext", 2, 2, BLOCK);
    const inserted = apply("Q?\nNext", plan.change).replace("\n\nNext", "\nNext");
    const at = inserted.indexOf(BLOCK);
    expect(apply(inserted, settleInsertion(inserted, { from: at, to: at + BLOCK.length }, plan, null))).toBe("Q?\n\n\nNext");
  });
});
