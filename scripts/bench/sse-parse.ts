// SSE parsing cost as a body grows: the same bytes decoded and parsed in 64 KB chunks (as a live desktop
// stream arrives) and in one piece (a buffered body). The parser must stay linear: chunked within 1.5x of whole, and a
// 10 MB stream under 500 ms. Bodies look like Perplexity's: many text deltas, then a final event
// carrying the whole response.

import { SseParser, parseSseText } from "../../src/perplexity/stream";
import { median, type BenchRow } from "./types";

const CHUNK = 64 * 1024;
const DELTA = 256;

/** An SSE body of about `bytes` bytes. */
export function sseBody(bytes: number): string {
  const textLength = Math.floor(bytes / 2.5);
  const words = "Solar capacity grew fastest in China, then in the EU and the US [1][3]. ";
  const text = words.repeat(Math.ceil(textLength / words.length)).slice(0, textLength);
  const parts: string[] = [];
  let sequence = 0;
  for (let at = 0; at < text.length; at += DELTA) {
    const delta = { content_index: 0, delta: text.slice(at, at + DELTA), item_id: "msg_1", output_index: 1, sequence_number: sequence++, type: "response.output_text.delta" };
    parts.push(`data: ${JSON.stringify(delta)}\n\n`);
  }
  const done = { response: { id: "resp_1", object: "response", status: "completed", output: [{ type: "message", content: [{ type: "output_text", text }] }] }, sequence_number: sequence, type: "response.completed" };
  parts.push(`data: ${JSON.stringify(done)}\n\n`);
  return parts.join("");
}

/** As a live body is read (sseEventsFromBody): 64 KB byte chunks, each decoded as it arrives, then parsed. */
function parseChunked(bytes: Uint8Array): number {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let events = 0;
  for (let at = 0; at < bytes.length; at += CHUNK) events += parser.push(decoder.decode(bytes.subarray(at, at + CHUNK), { stream: true })).length;
  return events + parser.push(decoder.decode()).length + parser.end().length;
}

/** As a buffered body is read: decoded in one piece, then parsed. */
function parseWhole(bytes: Uint8Array): number {
  return parseSseText(new TextDecoder().decode(bytes)).length;
}

/** Medians of `runs` alternating timings, each after a full GC (run with --expose-gc), so noise hits both alike. */
function interleaved(body: Uint8Array, runs: number): { whole: number; chunked: number } {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const time = (fn: () => unknown): number => {
    gc();
    const start = performance.now();
    fn();
    return performance.now() - start;
  };
  time(() => parseWhole(body));
  time(() => parseChunked(body));
  const whole: number[] = [];
  const chunked: number[] = [];
  for (let i = 0; i < runs; i++) {
    whole.push(time(() => parseWhole(body)));
    chunked.push(time(() => parseChunked(body)));
  }
  return { whole: median(whole), chunked: median(chunked) };
}

export async function benchSseParse(sizesMb = [1, 5, 10]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const mb of sizesMb) {
    const body = new TextEncoder().encode(sseBody(mb * 1024 * 1024));
    if (parseChunked(body) !== parseWhole(body)) throw new Error("chunked and whole parses disagree");
    const runs = mb >= 10 ? 7 : 11;
    const stat = `median of ${runs}, interleaved`;
    const { whole, chunked } = interleaved(body, runs);
    rows.push({ name: `SSE parse ${mb} MB, one piece`, value: whole, unit: "ms", stat });
    rows.push({ name: `SSE parse ${mb} MB, 64 KB chunks`, value: chunked, unit: "ms", stat, ...(mb === 10 ? { target: 500 } : {}) });
    rows.push({ name: `SSE parse ${mb} MB, chunked / one piece`, value: chunked / whole, unit: "x", stat, target: 1.5, baseline: `the one-piece parse of the same ${mb} MB in this run` });
  }
  return rows;
}
