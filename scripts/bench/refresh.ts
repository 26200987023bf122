// Refresh benchmarks. (a) A batch of 200 stale blocks re-asked through the rate limiter against the real
// emulator limited to 50 requests a minute (tier 0), sharing a simulated clock with it: every HTTP request
// really happens (through the plugin's client), only the waiting is simulated, and HTTP takes no simulated
// time. Reported: simulated batch time over the minimum 199 × 1.2 s (target ≤ 1.10), and 429s that reached a
// task (target 0). (b) The pure part of finding stale blocks: parseBlocks + isStale over 1,000 notes / 3,000 blocks.
import { buildAnswerBlock, findBlock, formatBlock, parseBlocks, scanBlocks, type AnswerBlock, type FormatOptions, type SourceEntry } from "../../src/core/block";
import { noteContextLine } from "../../src/core/note-context";
import { createRateLimiter } from "../../src/core/rate-limiter";
import { applyRefresh, planRefresh, requestFromBlock } from "../../src/core/refresh";
import { sourceId } from "../../src/core/source-id";
import { isStale } from "../../src/core/staleness";
import { createPerplexityClient } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import type { AskRequest } from "../../src/core/ask-request";
import type { Answer } from "../../src/core/answer";
import { SimulatedClock } from "../../tests/core/simulated-clock";
import { startEmulator } from "../../tests/emulator/server";
import { medianMs, type BenchRow } from "./types";

const KEY = "pplx-bench";
const DAY = 86_400_000;
const PER_MINUTE = 50;
const BLOCKS = 200;
const MIN_MS = (BLOCKS - 1) * (60_000 / PER_MINUTE);
const linkFor = (s: SourceEntry): string => `[[${s.id}]]`;
const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor };

function answerFor(question: string, i: number): Answer {
  const searchResults = Array.from({ length: 8 }, (_, k) => ({
    id: k + 1,
    url: `https://site${(i * 7 + k) % 97}.example.org/report-${k}`,
    title: `Report ${k} on ${question}`,
    date: "2025-03-17",
    lastUpdated: "2025-09-14",
  }));
  const text = Array.from({ length: 6 }, (_, p) => `Paragraph ${p} about ${question}, with evidence.[${(p % 8) + 1}] It goes on to read like prose.[${((p + 3) % 8) + 1}]`).join("\n\n");
  return { responseId: `resp_${i}`, status: "completed", text, searchResults, searchQueries: [question], model: "openai/gpt-6-luna", usage: { totalCost: 0.002 } };
}

function blockFor(i: number, askedAt: string): AnswerBlock {
  const question = `Question number ${i}: what changed this year?`;
  const request = i % 3 === 0 ? { model: "anthropic/claude-sonnet-4-6", recency: "month", noteContext: true } : { preset: "fast", noteContext: i % 2 === 0 };
  return buildAnswerBlock(answerFor(question, i), { blockId: `b${String(i).padStart(5, "0")}`, askedAt, question, request, idFor: (u) => sourceId(u), linkFor });
}

/** `count` notes of `perNote` blocks each, with prose between them. */
function notes(count: number, perNote: number, askedAt: (i: number) => string): string[] {
  const filler = "Some notes of my own between the answers, with a [[link]] and a #tag.\n".repeat(4);
  return Array.from({ length: count }, (_, n) =>
    `# Note ${n}\n\n` + Array.from({ length: perNote }, (_, k) => formatBlock(blockFor(n * perNote + k, askedAt(n * perNote + k)), options)).join(`\n\n${filler}\n`) + "\n",
  );
}

async function benchBatch(): Promise<BenchRow[]> {
  const clock = new SimulatedClock(Date.parse("2026-11-24T12:00:00.000Z"));
  const start = clock.now();
  const vault = notes(20, 10, () => new Date(start - 60 * DAY).toISOString());
  const emu = await startEmulator({ clock, scenario: { apiKey: KEY, rateLimit: { perMinute: PER_MINUTE } } });
  let refused = 0;
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status === 429) refused++;
    return res;
  };
  try {
    const client = createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch: counting, timeoutMs: 30_000, maxRetries: 0 });
    const limiter = createRateLimiter({
      perMinute: PER_MINUTE,
      concurrency: 2,
      clock,
      rateLimited: (e) => (e instanceof PerplexityError && e.kind === "rate-limited" ? (e.retryAfterSeconds === undefined ? null : e.retryAfterSeconds * 1000) : undefined),
    });
    let written = 0;
    const realStart = performance.now();
    await Promise.all(
      vault.map(async (text, n) => {
        const plan = planRefresh(scanBlocks(text), (b) => isStale(b, clock.now(), undefined, 30));
        await Promise.all(
          plan.refresh.map(async (planned) => {
            const r = requestFromBlock(planned.block);
            const ask: AskRequest = { question: r.question, choice: r.choice };
            if (r.noteContext) ask.context = noteContextLine(`Note ${n}`, vault[n]!, planned.from);
            if (r.search) ask.search = r.search;
            if (r.maxOutputTokens !== undefined) ask.maxOutputTokens = r.maxOutputTokens;
            const answer = await limiter.run((signal) => clock.track(client.ask(ask, { signal })));
            // Write time: find the block again in the note as it is now, check it, merge, replace.
            const current = findBlock(vault[n]!, planned.block.blockId)!;
            const fresh = buildAnswerBlock(answer, {
              blockId: planned.block.blockId, askedAt: new Date(clock.now()).toISOString(), question: planned.block.question,
              request: planned.block.request, idFor: (u) => sourceId(u), linkFor,
            });
            const applied = applyRefresh(current, fresh, { keepPrevious: "last", plannedAskedAt: planned.block.askedAt });
            if (!applied.ok) throw new Error(`bench: ${planned.block.blockId} not applied: ${applied.detail}`);
            vault[n] = vault[n]!.slice(0, current.from) + formatBlock(applied.block, options) + vault[n]!.slice(current.to);
            written++;
          }),
        );
      }),
    );
    const realMs = performance.now() - realStart;
    const elapsed = clock.now() - start;
    if (written !== BLOCKS) throw new Error(`bench: ${written} of ${BLOCKS} blocks refreshed`);
    const stillStale = vault.flatMap((t) => parseBlocks(t)).filter((p) => isStale(p.block, clock.now(), undefined, 30)).length;
    return [
      {
        name: `refresh: ${BLOCKS} stale blocks at ${PER_MINUTE}/min, batch time / minimum`,
        value: elapsed / MIN_MS,
        unit: "×",
        target: 1.1,
        stat: "exact (simulated clock)",
        note: `${(elapsed / 1000).toFixed(1)} s simulated vs ${(MIN_MS / 1000).toFixed(1)} s minimum; ${emu.requests.length} real HTTP requests in ${(realMs / 1000).toFixed(2)} s; ${stillStale} still stale`,
      },
      {
        name: "refresh: 429s that reached a task",
        value: refused,
        unit: "",
        target: 0,
        stat: "exact",
        note: `(emulator limit ${PER_MINUTE}/min, sliding 60 s window)`,
      },
    ];
  } finally {
    await emu.close();
  }
}

async function benchFindStale(): Promise<BenchRow> {
  const now = Date.parse("2026-11-24T12:00:00.000Z");
  // Ages from 0 to 99 days: about 70% stale at the 30-day default.
  const vault = notes(1000, 3, (i) => new Date(now - (i % 100) * DAY).toISOString());
  let stale = 0;
  const find = (): void => {
    stale = 0;
    for (const text of vault) for (const p of parseBlocks(text)) if (isStale(p.block, now, undefined, 30)) stale++;
  };
  const ms = await medianMs(find, 7, 2);
  const mb = vault.reduce((n, t) => n + t.length, 0) / 1e6;
  return { name: "refresh: find stale blocks (parseBlocks + isStale), 1,000 notes / 3,000 blocks", value: ms, unit: "ms", stat: "median of 7", note: `${mb.toFixed(1)} MB of notes, ${stale} stale` };
}

export async function benchRefresh(): Promise<BenchRow[]> {
  return [...(await benchBatch()), await benchFindStale()];
}
