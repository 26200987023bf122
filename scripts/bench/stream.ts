// Streaming transport benchmark: a 50 KB answer with 50 sources in 5,000 deltas, asked with
// `stream: true` over the Node http transport (desktop) and over requestUrl (buffered), against the
// emulator. Reports the whole ask and, for the Node transport, how soon the first text shows.
// Not wired into run.ts by this file; call `benchStream()` from there to include it.

import http from "node:http";
import https from "node:https";
import { createPerplexityClient } from "../../src/perplexity/client";
import { createNodeHttpsFetch } from "../../src/perplexity/transport-node-https";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { AskRequest } from "../../src/core/ask-request";
import { makeAnswer } from "../../tests/emulator/fixtures";
import { startEmulator } from "../../tests/emulator/server";
import { nodeRequestUrl } from "../../tests/support/node-request-url";
import { median, type BenchRow } from "./types";

const KEY = "pplx-bench";
const QUESTION: AskRequest = { question: "How did solar capacity change this decade?", choice: { preset: "fast" } };


export async function benchStream(runs = 9, warmup = 2): Promise<BenchRow[]> {
  const answer = makeAnswer({ textBytes: 50_000, sources: 50 });
  const emu = await startEmulator({ scenario: { apiKey: KEY, default: { answer, stream: { deltas: 5000 } } } });
  try {
    const clientOver = (transport: typeof fetch) =>
      createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch: transport, timeoutMs: 10_000, maxRetries: 0 });
    const node = clientOver(createNodeHttpsFetch({ http, https }));
    const buffered = clientOver(createRequestUrlFetch(nodeRequestUrl));

    const measure = async (client: typeof node): Promise<{ total: number; firstText: number }> => {
      const start = performance.now();
      let firstText = Number.NaN;
      await client.ask(QUESTION, {
        stream: true,
        onProgress: (p) => {
          if (p.type === "text" && Number.isNaN(firstText)) firstText = performance.now() - start;
        },
      });
      return { total: performance.now() - start, firstText };
    };
    const sample = async (client: typeof node): Promise<{ total: number; firstText: number }> => {
      for (let i = 0; i < warmup; i++) await measure(client);
      const results: { total: number; firstText: number }[] = [];
      for (let i = 0; i < runs; i++) results.push(await measure(client));
      return { total: median(results.map((r) => r.total)), firstText: median(results.map((r) => r.firstText)) };
    };

    const overNode = await sample(node);
    const overRequestUrl = await sample(buffered);
    return [
      { name: "stream 50 KB/5000 deltas, node http: whole ask", value: overNode.total, unit: "ms", stat: `median of ${runs}` },
      { name: "stream 50 KB/5000 deltas, node http: first text", value: overNode.firstText, unit: "ms", stat: `median of ${runs}` },
      { name: "stream 50 KB/5000 deltas, requestUrl: whole ask", value: overRequestUrl.total, unit: "ms", stat: `median of ${runs}` },
      { name: "stream 50 KB/5000 deltas, requestUrl: first text", value: overRequestUrl.firstText, unit: "ms", stat: `median of ${runs}`, note: "buffered: text shows only at the end" },
    ];
  } finally {
    await emu.close();
  }
}
