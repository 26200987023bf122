import { describe, expect, it } from "vitest";
import { thrown } from "../support/thrown";
import { FETCHED_SOURCE, answerFromResponse, mergeSearchResults, readResultList } from "../../src/perplexity/response";
import { capturedResponse } from "../emulator/fixtures";

describe("answerFromResponse on the captured live response", () => {
  it("maps text, results, queries, model and usage", () => {
    const answer = answerFromResponse(capturedResponse());
    expect(answer.responseId).toBe("resp_8762b9bb-2d06-44a4-b68c-412dc85b24db");
    expect(answer.status).toBe("completed");
    expect(answer.model).toBe("openai/gpt-6-luna");
    expect(answer.text).toMatch(/^The official TypeScript website is \*\*typescriptlang\.org\*\*;.*\[7\]$/);
    expect(answer.searchQueries).toEqual([
      "Find the official TypeScript website and describe TypeScript in one sentence with a citation.",
    ]);
    expect(answer.searchResults.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(answer.searchResults[0]).toMatchObject({
      id: 1,
      title: "TypeScript - Wikipedia",
      url: "https://en.wikipedia.org/wiki/TypeScript",
      date: "2006-11-28",
      lastUpdated: "2026-09-25",
      source: "web",
    });
    // Result 7 has no `date`: absent, not null or "".
    expect(answer.searchResults[6]).not.toHaveProperty("date");
    expect(answer.searchResults[6]?.url).toBe("https://www.typescriptlang.org/");
    expect(answer.usage).toEqual({ inputTokens: 3007, outputTokens: 36, totalTokens: 3043, totalCost: 0.00119 });
  });
});

const result = (id: number | null | undefined, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...(id === undefined ? {} : { id }),
  url,
  title: `T ${url}`,
  ...extra,
});

function response(output: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: "resp_1", object: "response", status: "completed", model: "m", output, usage: null, ...extra };
}

const message = (text: string): Record<string, unknown> => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", annotations: [], text }],
});

describe("search results", () => {
  it("merges several items unique by id, first wins, and keeps null dates absent", () => {
    const answer = answerFromResponse(
      response([
        { type: "search_results", queries: ["a"], results: [result(1, "https://a"), result(7, "https://b", { date: null, last_updated: null })] },
        { type: "search_results", queries: ["b", "a"], results: [result(7, "https://b", { title: "later" }), result(9, "https://c")] },
        message("x[7]"),
      ]),
    );
    expect(answer.searchResults.map((r) => [r.id, r.url])).toEqual([
      [1, "https://a"],
      [7, "https://b"],
      [9, "https://c"],
    ]);
    expect(answer.searchResults[1]).toEqual({ id: 7, url: "https://b", title: "T https://b" });
    expect(answer.searchQueries).toEqual(["a", "b"]);
  });

  it("numbers by position when an id is missing", () => {
    const merged = mergeSearchResults([readResultList([result(3, "https://a"), result(null, "https://b")]), readResultList([result(4, "https://c")])]);
    expect(merged.map((r) => [r.id, r.url])).toEqual([
      [1, "https://a"],
      [2, "https://b"],
      [3, "https://c"],
    ]);
  });

  it("numbers by position when one id names two URLs, counting entries without a URL", () => {
    const merged = mergeSearchResults([
      readResultList([result(1, "https://a"), { id: 2, title: "no url" }]),
      readResultList([result(1, "https://other")]),
    ]);
    expect(merged.map((r) => [r.id, r.url])).toEqual([
      [1, "https://a"],
      [3, "https://other"],
    ]);
  });
});

describe("pages read in full (fetch_url_results)", () => {
  const fetched = (...contents: Record<string, unknown>[]) => ({ type: "fetch_url_results", contents });
  const page = (url: string, title = `Page ${url}`) => ({ snippet: `Text of ${url}`, title, url });

  it("are sources numbered from 0 in order, as the live capture cites the first one [web:0]", () => {
    const answer = answerFromResponse(response([fetched(page("https://p0"), page("https://p1")), fetched(page("https://p2")), message("Read.[web:0]")]));
    expect(answer.searchResults).toEqual([
      { id: 0, url: "https://p0", title: "Page https://p0", snippet: "Text of https://p0", source: FETCHED_SOURCE },
      { id: 1, url: "https://p1", title: "Page https://p1", snippet: "Text of https://p1", source: FETCHED_SOURCE },
      { id: 2, url: "https://p2", title: "Page https://p2", snippet: "Text of https://p2", source: FETCHED_SOURCE },
    ]);
  });

  it("come after the search results; a number a search result has stays the search result's, the page then named by no marker", () => {
    const answer = answerFromResponse(response([fetched(page("https://p0"), page("https://p1")), { type: "search_results", results: [result(1, "https://s1")] }, message("x")]));
    expect(answer.searchResults.map((r) => [r.id, r.url])).toEqual([
      [1, "https://s1"],
      [0, "https://p0"],
      [-2, "https://p1"],
    ]);
  });

  it("a page that is also a search result keeps both numbers: the block makes one source of them", () => {
    const answer = answerFromResponse(response([{ type: "search_results", results: [result(1, "https://same")] }, fetched(page("https://same")), message("x[web:0] y[1]")]));
    expect(answer.searchResults.map((r) => [r.id, r.url])).toEqual([
      [1, "https://same"],
      [0, "https://same"],
    ]);
  });
});

describe("status branches (HTTP 200 failures)", () => {
  it("failed → run-failed with the server's message and the partial answer", () => {
    const error = thrown(() =>
      answerFromResponse(response([message("Half an ans")], { status: "failed", error: { message: "Upstream model crashed.", type: "internal_error" } })),
    );
    expect(error.kind).toBe("run-failed");
    expect(error.message).toBe("Perplexity could not finish the answer: Upstream model crashed. Try again.");
    expect(error.partial).toMatchObject({ status: "incomplete", text: "Half an ans", responseId: "resp_1" });
  });

  it("cancelled → run-cancelled, without partial when there was no text", () => {
    const error = thrown(() => answerFromResponse(response([], { status: "cancelled", error: { message: "cancelled" } })));
    expect(error.kind).toBe("run-cancelled");
    expect(error.partial).toBeUndefined();
  });

  it("incomplete → run-incomplete naming the reason", () => {
    const error = thrown(() =>
      answerFromResponse(response([message("Cut")], { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } })),
    );
    expect(error.kind).toBe("run-incomplete");
    expect(error.message).toContain("maximum output tokens");
    expect(error.partial?.text).toBe("Cut");
  });

  it("unknown shapes → bad-response", () => {
    for (const body of [null, "text", [], {}, { status: 3 }, { status: "completed", output: {} }, { status: "in_progress", output: [] }]) {
      expect(thrown(() => answerFromResponse(body)).kind).toBe("bad-response");
    }
  });

  it("ignores unknown output items and fields", () => {
    const answer = answerFromResponse(response([{ type: "function_call", name: "search_web" }, 42, message("ok")], { extra: 1 }));
    expect(answer.text).toBe("ok");
    expect(answer.searchResults).toEqual([]);
  });
});
