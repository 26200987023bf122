// The emulator's default answer for questions in other scripts (issue 22, item 13): each question gets pages
// of its own, as on the web, instead of every non-Latin question sharing the same five URLs (and so the same
// source notes).
import { describe, expect, it } from "vitest";
import { defaultAnswer } from "./fixtures";

const urls = (question: string): string[] => (defaultAnswer(question, "n").searchResults ?? []).flatMap((g) => g.results.map((r) => String(r.url)));

describe("defaultAnswer", () => {
  it("gives different non-Latin questions different pages, and the same question the same ones", () => {
    const japanese = urls("日本の首相は誰ですか？");
    const russian = urls("Кто президент Франции?");
    const greek = urls("Ποιος είναι ο πρόεδρος;");
    for (const [a, b] of [[japanese, russian], [russian, greek], [japanese, greek]] as const) {
      for (const url of a) expect(b).not.toContain(url);
    }
    expect(urls("日本の首相は誰ですか？")).toEqual(japanese);
    for (const url of [...japanese, ...russian]) expect(() => new URL(url)).not.toThrow();
    expect(japanese.some((u) => u.includes(encodeURIComponent("日本の首相は誰ですか")))).toBe(true);
  });

  it("keeps the pages of Latin questions as they were", () => {
    expect(urls("What is TypeScript?")).toContain("https://www.britannica.com/topic/typescript");
  });
});
