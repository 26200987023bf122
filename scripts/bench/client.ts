// Client benchmarks: (a) turning a buffered 50 KB SSE answer with 50 sources into an Answer;
// (b) the client's own cost once the last byte has arrived, as a ratio to the bare HTTP round trip;
// (c) that cost in milliseconds where the targets are set: a JSON answer (requestUrl) and a live stream (Node's http).
import http from "node:http";
import https from "node:https";

import { createPerplexityClient } from "../../src/perplexity/client";
import { consumeStream, parseSseText } from "../../src/perplexity/stream";
import { createNodeHttpsFetch } from "../../src/perplexity/transport-node-https";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { AskRequest } from "../../src/core/ask-request";
import { makeAnswer } from "../../tests/emulator/fixtures";
import { startEmulator } from "../../tests/emulator/server";
import { nodeRequestUrl } from "../../tests/support/node-request-url";
import { medianMs } from "./types";
import type { BenchRow } from "./types";

const KEY = "pplx-bench";
const QUESTION: AskRequest = { question: "How did solar capacity change this decade?", choice: { preset: "fast" } };

async function* iterate(events: unknown[]): AsyncGenerator<unknown> {
  for (const event of events) yield event;
}

/** A fetch that reads the whole body before handing it on, noting when its last byte arrived. */
function timedFetch(base: typeof fetch, onLastByte: (at: number) => void): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const bytes = await response.arrayBuffer();
    onLastByte(performance.now());
    return new Response(bytes, { status: response.status, headers: response.headers });
  };
}

/** A fetch whose body passes through unchanged, noting when its last chunk arrived (a live stream stays live). */
function lastChunkFetch(base: typeof fetch, onChunk: (at: number) => void): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) return controller.close();
        onChunk(performance.now());
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** Median of `runs` figures returned by `measure`, after `warmup` unused runs. */
async function medianOf(measure: () => Promise<number>, runs = 15, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await measure();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure());
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

export async function benchClient(): Promise<BenchRow[]> {
  const answer = makeAnswer({ textBytes: 50_000, sources: 50 });
  const emu = await startEmulator({ scenario: { apiKey: KEY, default: { answer } } });
  try {
    const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
    const bodyFor = (stream: boolean): string => JSON.stringify({ preset: "fast", input: QUESTION.question, stream });
    const sse = await (await fetch(`${emu.baseUrl}/responses`, { method: "POST", headers, body: bodyFor(true) })).text();

    // (a) Parse and consume the buffered SSE body.
    const parseMs = await medianMs(async () => {
      const parsed = await consumeStream(iterate(parseSseText(sse)));
      if (parsed.searchResults.length !== 50) throw new Error("bench: expected 50 sources");
    }, 30, 5);

    // (b) Overhead after the last byte, for both body kinds, over the requestUrl transport.
    const rows: BenchRow[] = [
      {
        name: "client: 50 KB SSE answer, 50 sources → Answer",
        value: parseMs,
        unit: "ms",
        target: 10,
        stat: "median of 30",
        note: `${Math.round(sse.length / 1024)} KB of SSE, ${parseSseText(sse).length} events`,
      },
    ];
    const requestUrlFetch = createRequestUrlFetch(nodeRequestUrl);
    for (const stream of [false, true]) {
      const roundTripMs = await medianMs(async () => {
        const response = await requestUrlFetch(`${emu.baseUrl}/responses`, { method: "POST", headers, body: bodyFor(stream) });
        await response.arrayBuffer();
      });
      let lastByte = 0;
      const client = createPerplexityClient({
        baseUrl: emu.baseUrl,
        getApiKey: () => KEY,
        fetch: timedFetch(requestUrlFetch, (at) => (lastByte = at)),
        timeoutMs: 30_000,
        maxRetries: 0,
      });
      const overheadMs = await medianOf(async () => {
        await client.ask(QUESTION, { stream });
        return performance.now() - lastByte;
      });
      rows.push({
        name: `client: overhead after last byte (${stream ? "SSE" : "JSON"}) / round trip`,
        value: overheadMs / roundTripMs,
        unit: "×",
        stat: "median of 15 each",
        baseline: "a bare requestUrl round trip of the same answer, measured in this run",
        note: `${overheadMs.toFixed(2)} ms after the last byte vs ${roundTripMs.toFixed(2)} ms bare round trip (requestUrl, 50 KB answer)`,
      });
      // The JSON target is for the buffered answer: all of it is read after its last byte.
      if (!stream) rows.push({ name: "client: after the last byte, JSON answer (requestUrl)", value: overheadMs, unit: "ms", target: 1, stat: "median of 15", note: "50 KB answer, 50 sources" });
    }
    // A live stream is read as it arrives: what is left after its last byte is the terminal event and the Answer.
    let lastChunk = 0;
    const streamed = createPerplexityClient({
      baseUrl: emu.baseUrl,
      getApiKey: () => KEY,
      fetch: lastChunkFetch(createNodeHttpsFetch({ http, https }), (at) => (lastChunk = at)),
      timeoutMs: 30_000,
      maxRetries: 0,
    });
    const streamedMs = await medianOf(async () => {
      await streamed.ask(QUESTION, { stream: true });
      return performance.now() - lastChunk;
    });
    rows.push({ name: "client: after the last byte, live SSE (node http)", value: streamedMs, unit: "ms", target: 2, stat: "median of 15", note: "50 KB answer, 50 sources, streamed" });
    return rows;
  } finally {
    await emu.close();
  }
}
