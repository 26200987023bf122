// Benchmark of threads: finding a 50-turn thread in a 2 MB note and building its follow-up request.
import { buildAnswerBlock, formatBlock, parseBlocks, type AnswerBlock, type FormatOptions, type SourceEntry } from "../../src/core/block";
import { sourceId } from "../../src/core/source-id";
import { conversationOf, DEFAULT_FOLLOW_UP_TURNS, earlierTurns, followUpOffset } from "../../src/core/thread";
import { indexNote } from "../../src/core/thread-scan";
import { toWireRequest } from "../../src/perplexity/request";
import type { Answer, SearchResult } from "../../src/core/answer";
import { medianMs, type BenchRow } from "./types";

const linkFor = (s: SourceEntry): string => `[[${s.id}]]`;
const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor };

function results(n: number, turn: number): SearchResult[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, url: `https://site${i}.example.org/turn-${turn}/report-${i}`, title: `Report ${i} on turn ${turn}`, date: "2025-03-17", lastUpdated: "2025-09-14" }));
}

function answerOf(turn: number, bytes: number): Answer {
  const parts: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const p = `Paragraph ${i} of turn ${turn} explains the market with evidence and figures, citing a source.[${(i % 10) + 1}] It goes on like prose.`;
    parts.push(p);
    size += p.length + 2;
  }
  return { responseId: "resp_bench", status: "completed", text: parts.join("\n\n"), searchResults: results(10, turn), searchQueries: ["q"], model: "openai/gpt-6-luna", usage: { totalCost: 0.002 } };
}

/** A 2 MB note: 50 turns of one thread spread among 150 unrelated answers and prose. */
export function noteForBench(): { note: string; lastId: string } {
  const parts: string[] = [];
  const filler = "Notes of my own between the answers, with a [[link]] and a #tag.\n".repeat(10);
  let parent: string | undefined;
  let size = 0;
  for (let i = 0; size < 2_000_000; i++) {
    const inThread = i % 3 === 0 && i / 3 < 50;
    const id = inThread ? `t${String(i / 3).padStart(5, "0")}` : `x${String(i).padStart(5, "0")}`;
    const ctx = { blockId: id, askedAt: "2026-11-24T16:43:12.385Z", question: `Question ${i}?`, request: { preset: "fast", noteContext: true }, idFor: (u: string) => sourceId(u), linkFor };
    const b: AnswerBlock = buildAnswerBlock(answerOf(i, 7_000), ctx);
    if (inThread && parent !== undefined) Object.assign(b, { parent, thread: "t00000" });
    if (inThread) parent = id;
    const text = formatBlock(b, options);
    parts.push(text, filler);
    size += text.length + filler.length + 2;
  }
  return { note: parts.join("\n\n"), lastId: parent! };
}

export async function benchThread(): Promise<BenchRow[]> {
  const { note, lastId } = noteForBench();
  // What ask-follow-up does with the cursor in the thread's 50th answer: index the note, walk the thread back to
  // its first answer, parse the turns sent, find where the follow-up goes, build the request body.
  const ask = (maxTurns: number) => () => {
    const index = indexNote(note);
    const last = index.get(lastId)!;
    const all = earlierTurns(last.block, (id) => index.get(id)?.block, maxTurns);
    const history = conversationOf([...all.turns, last.block], maxTurns);
    if (history.length !== maxTurns) throw new Error(`sent ${history.length} turns, expected ${maxTurns}`);
    followUpOffset(index.refs, index.refs.find((r) => r.block.blockId === lastId)!);
    return toWireRequest({ question: "And next?", choice: { preset: "fast" }, history }, { stream: true });
  };
  const walk = () => {
    const index = indexNote(note);
    const turns = earlierTurns(index.get(lastId)!.block, (id) => index.get(id)?.block);
    if (turns.turns.length !== 49) throw new Error(`found ${turns.turns.length} earlier turns, expected 49`);
  };
  const size = `${(note.length / 1e6).toFixed(2)} MB, ${parseBlocks(note).length} blocks`;
  return [
    {
      name: "thread: find a 50-turn thread + build its follow-up request (2 MB note)",
      value: await medianMs(ask(DEFAULT_FOLLOW_UP_TURNS)),
      unit: "ms",
      stat: "median of 15",
      target: 20,
      note: `${size}; the last ${DEFAULT_FOLLOW_UP_TURNS} turns sent (default setting)`,
    },
    { name: "thread: the same, all 50 turns sent (setting at 50)", value: await medianMs(ask(50)), unit: "ms", stat: "median of 15", note: size },
    { name: "thread: walk all 50 turns back to the first answer", value: await medianMs(walk), unit: "ms", stat: "median of 15", note: "every turn parsed" },
    { name: "thread: whole-note parse, for comparison", value: await medianMs(() => parseBlocks(note)), unit: "ms", stat: "median of 15", note: "what the index avoids" },
  ];
}
