import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PerplexityError } from "../../src/perplexity/errors";
import { answerFromResponse } from "../../src/perplexity/response";
import { SseParser, consumeStream, parseSseText, sseEventsFromBody } from "../../src/perplexity/stream";
import type { SseStats } from "../../src/perplexity/stream";
import type { StreamProgress } from "../../src/core/answer";
import { capturedStreamEvents } from "../emulator/fixtures";

async function* iterate(events: unknown[]): AsyncGenerator<unknown> {
  for (const event of events) {
    await Promise.resolve();
    yield event;
  }
}

async function rejection(promise: Promise<unknown>): Promise<PerplexityError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(PerplexityError);
    return err as PerplexityError;
  }
  throw new Error("expected a rejection");
}

const TERMINALS = new Set(["response.completed", "response.failed", "response.incomplete", "response.cancelled", "error"]);
const withoutTerminal = (events: Record<string, unknown>[]): Record<string, unknown>[] =>
  events.filter((e) => !TERMINALS.has(String(e["type"])));

describe("consumeStream on the captured live event order", () => {
  it("reports created, searching, sources and text, then answers like the final response", async () => {
    const events = capturedStreamEvents();
    const progress: StreamProgress[] = [];
    const answer = await consumeStream(iterate(events), (p) => progress.push(p));

    const final = events.at(-1) as { response: unknown };
    expect(answer).toEqual(answerFromResponse(final.response));
    expect(answer.model).toBe("openai/gpt-6-luna");
    expect(answer.usage.totalCost).toBe(0.00105);

    expect(progress[0]).toEqual({ type: "created", responseId: "resp_5619693e-4309-4fec-b395-5e21e59aba39" });
    const kinds = progress.map((p) => p.type);
    expect(kinds.indexOf("searching")).toBeLessThan(kinds.indexOf("sources"));
    expect(kinds.indexOf("sources")).toBeLessThan(kinds.indexOf("text"));
    expect(kinds.filter((k) => k === "created")).toHaveLength(1);
    const sources = progress.find((p) => p.type === "sources");
    expect(sources?.type === "sources" && sources.results).toHaveLength(10);
    // The marker ".[", "7", "]" arrives split across deltas; the running text joins it.
    const texts = progress.filter((p): p is Extract<StreamProgress, { type: "text" }> => p.type === "text");
    expect(texts.at(-1)?.text.endsWith("types.[7]")).toBe(true);
    expect(texts.map((t) => t.delta).join("")).toBe(answer.text);
  });

  it("falls back to what arrived when the completed event has no output", async () => {
    const events = capturedStreamEvents().map((e) =>
      e["type"] === "response.completed"
        ? { ...e, response: { ...(e["response"] as object), output: [], model: "openai/gpt-6-luna" } }
        : e,
    );
    const answer = await consumeStream(iterate(events));
    expect(answer.text).toMatch(/adds syntax for types\.\[7\]$/);
    expect(answer.searchResults).toHaveLength(10);
    expect(answer.usage.totalTokens).toBe(3044);
  });

  it("ignores unknown event types and junk, tolerates sequence gaps", async () => {
    const events = capturedStreamEvents();
    const noisy = [
      { type: "response.reasoning.started", sequence_number: 99 },
      "junk",
      null,
      { no: "type" },
      ...events.slice(0, 5),
      { type: "response.skill.loaded", skill: "x" },
      ...events.slice(5),
    ];
    const answer = await consumeStream(iterate(noisy));
    expect(answer.text).toContain("[7]");
  });

  it("stops at the terminal event and ignores anything after it", async () => {
    const events = capturedStreamEvents();
    const answer = await consumeStream(iterate([...events, { type: "response.failed", response: { status: "failed" } }]));
    expect(answer.status).toBe("completed");
  });

  it.each([
    ["response.failed", "run-failed"],
    ["response.cancelled", "run-cancelled"],
    ["response.incomplete", "run-incomplete"],
  ] as const)("%s → %s with the partial answer", async (type, kind) => {
    const events = withoutTerminal(capturedStreamEvents());
    const terminal = {
      type,
      response: {
        id: "resp_5619693e-4309-4fec-b395-5e21e59aba39",
        status: type.slice("response.".length),
        model: "openai/gpt-6-luna",
        output: [],
        error: type === "response.failed" ? { message: "The model timed out.", type: "internal_error" } : null,
        incomplete_details: type === "response.incomplete" ? { reason: "max_output_tokens" } : null,
      },
    };
    const error = await rejection(consumeStream(iterate([...events, terminal])));
    expect(error.kind).toBe(kind);
    expect(error.partial?.text).toMatch(/adds syntax for types\.\[7\]$/);
    expect(error.partial?.searchResults).toHaveLength(10);
    expect(error.partial?.status).toBe("incomplete");
    if (kind === "run-failed") expect(error.message).toContain("The model timed out");
  });

  it("a bare error event → run-failed with the partial", async () => {
    const events = withoutTerminal(capturedStreamEvents()).slice(0, 20);
    const error = await rejection(consumeStream(iterate([...events, { type: "error", message: "Stream broke", code: "internal_error" }])));
    expect(error.kind).toBe("run-failed");
    expect(error.message).toContain("Stream broke");
    expect(error.partial?.text.length).toBeGreaterThan(0);
  });

  it("ending without a terminal event → run-incomplete with the partial", async () => {
    const events = withoutTerminal(capturedStreamEvents());
    const error = await rejection(consumeStream(iterate(events)));
    expect(error.kind).toBe("run-incomplete");
    expect(error.message).toBe("The connection to Perplexity ended before the answer was complete. Try again.");
    expect(error.partial?.text).toMatch(/\[7\]$/);
    // Before any text: no partial.
    const early = await rejection(consumeStream(iterate(events.slice(0, 3))));
    expect(early.partial).toBeUndefined();
  });

  it("an iterator failing mid-stream is classified, keeping the partial", async () => {
    const events = withoutTerminal(capturedStreamEvents()).slice(0, 15);
    async function* breaking(): AsyncGenerator<unknown> {
      yield* iterate(events);
      throw new TypeError("terminated");
    }
    const error = await rejection(consumeStream(breaking()));
    expect(error.kind).toBe("network");
    expect(error.partial?.text).toBeTruthy();
  });

  it("a throwing progress callback does not break the run", async () => {
    const answer = await consumeStream(iterate(capturedStreamEvents()), () => {
      throw new Error("UI bug");
    });
    expect(answer.status).toBe("completed");
  });
});

const toSse = (events: unknown[]): string => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("");

describe("parseSseText", () => {
  it("reads the captured events back, with event: lines, comments, [DONE] and CRLF", () => {
    const events = capturedStreamEvents();
    expect(parseSseText(toSse(events))).toEqual(events);
    const decorated = events.map((e) => `event: ${String(e["type"])}\r\n: comment\r\ndata: ${JSON.stringify(e)}\r\n\r\n`).join("") + "data: [DONE]\r\n\r\n";
    expect(parseSseText(decorated)).toEqual(events);
  });

  it("skips and counts malformed data lines, also when blank lines are missing", () => {
    const stats: SseStats = { malformed: 0, events: 0 };
    const body = 'data: {"type":"a"}\n\ndata: {broken\n\ndata: {"type":"b"}\ndata: nope\ndata: {"type":"c"}\n\ndata: {"type":"d"}';
    expect(parseSseText(body, stats)).toEqual([{ type: "a" }, { type: "b" }, { type: "c" }, { type: "d" }]);
    expect(stats).toEqual({ malformed: 2, events: 4 });
  });

  it("joins a multi-line data payload as SSE says", () => {
    expect(parseSseText('data: {"type":\ndata: "x"}\n\n')).toEqual([{ type: "x" }]);
  });

  it("gives the same events however the body is cut into chunks (property)", () => {
    const events = capturedStreamEvents().slice(0, 12);
    const body = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join("");
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 30 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), body.length];
        const parser = new SseParser();
        const out: unknown[] = [];
        for (let i = 1; i < points.length; i++) out.push(...parser.push(body.slice(points[i - 1], points[i])));
        out.push(...parser.end());
        expect(out).toEqual(events);
      }),
      { numRuns: 200 },
    );
  });

  it("reads a live body split mid-character", async () => {
    const events = [{ type: "response.output_text.delta", delta: "é漢字🙂" }];
    const bytes = new TextEncoder().encode(toSse(events));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const out: unknown[] = [];
    for await (const event of sseEventsFromBody(body)) out.push(event);
    expect(out).toEqual(events);
  });
});
