import { describe, expect, it } from "vitest";
import { findQuestions, locateQuestion, questionOf } from "../../src/core/batch-questions";
import { formatBlock, hashText } from "../../src/core/block";

function block(question: string): string {
  const answer = "An answer.";
  return formatBlock(
    { blockId: "abcdef", state: "answered", askedAt: "2026-11-01T00:00:00.000Z", question, request: { preset: "fast", noteContext: false }, answer, sources: [], answerHash: hashText(answer) },
    { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => s.id },
  );
}

describe("which lines are questions", () => {
  it("lines ending with ? (list markers and checkboxes dropped), or every list item", () => {
    expect(questionOf("- What is it?", "question-mark")).toBe("What is it?");
    expect(questionOf("  1. [ ] Why? ", "question-mark")).toBe("Why?");
    expect(questionOf("## Which one?", "question-mark")).toBe("Which one?");
    expect(questionOf("A statement.", "question-mark")).toBeNull();
    expect(questionOf("> Quoted?", "question-mark")).toBeNull();
    expect(questionOf("- Solar prices 2026", "list-items")).toBe("Solar prices 2026");
    expect(questionOf("Not a list item?", "list-items")).toBeNull();
  });

  it("finds the selection's questions, skipping answered ones, repeats and code", () => {
    const text = ["# Q", "- First?", block("First?"), "", "- Second?", "Plain.", "```", "In code?", "```", "- second?", "- Third?"].join("\n");
    const from = text.indexOf("- First?");
    const { questions, skipped } = findQuestions(text, from, text.length, "question-mark");
    expect(questions.map((q) => q.question)).toEqual(["Second?", "Third?"]);
    expect(skipped).toEqual([
      { question: "First?", reason: "answered" },
      { question: "second?", reason: "duplicate" },
    ]);
  });

  it("counts a question answered by an answer after its list, and never reads code, quotes or answers as questions", () => {
    const text = ["- One?", "- Two?", "", block("Two?"), "", "> Quoted?", "", "%%", "Hidden?", "%%", "", "~~~", "Code?", "~~~"].join("\n");
    const { questions, skipped } = findQuestions(text, 0, text.length, "question-mark");
    expect(questions.map((q) => q.question)).toEqual(["One?"]);
    expect(skipped).toEqual([{ question: "Two?", reason: "answered" }]);
  });

  it("only looks inside the selection (a line partly selected counts)", () => {
    const text = "A?\nB?\nC?\n";
    expect(findQuestions(text, text.indexOf("B") + 1, text.indexOf("C"), "question-mark").questions.map((q) => q.question)).toEqual(["B?"]);
  });
});

describe("finding a question's line again", () => {
  it("after answers were inserted after its list, and not once it is answered", () => {
    const q = { question: "Second?", line: "- Second?" };
    const text = `- First?\n- Second?\n\n${block("First?")}\n`;
    const at = locateQuestion(text, q)!;
    expect(text.slice(at.from, at.to)).toBe("- Second?");
    expect(locateQuestion(`${text}\n${block("Second?")}\n`, q)).toBeNull();
    expect(locateQuestion("- Second, changed?\n", q)).toBeNull();
    // The same line in code is not the question's line.
    expect(locateQuestion("```\n- Second?\n```\n", q)).toBeNull();
  });
});
