// Benchmarks of the pure core: source IDs, block formatting and parsing, building a block from an answer.
import { buildAnswerBlock, findBlock, formatBlock, hashText, parseBlocks, type AnswerBlock, type FormatOptions, type SourceEntry } from "../../src/core/block";
import { sourceId } from "../../src/core/source-id";
import type { Answer, SearchResult } from "../../src/core/answer";
import { readFileSync } from "node:fs";
import { placeAnswer } from "../../src/core/insertion";
import { medianMs, type BenchRow } from "./types";

const linkFor = (s: SourceEntry): string => `[[${s.id}]]`;
const options: FormatOptions = { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor };

function urls(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `https://www.example${i % 311}.com/news/2026/article-${i}/?utm_source=feed&id=${i}&page=${i % 7}#section`);
}

function results(n: number): SearchResult[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    url: `https://site${i}.example.org/research/report-${i}?ref_src=twsrc&lang=en`,
    title: `Report ${i}: findings on [topic] (${2000 + i}) & more`,
    date: "2025-03-17",
    lastUpdated: i % 3 === 0 ? undefined : "2025-09-14",
  }));
}

/** About `bytes` of answer text citing 30 sources, with lists, code and math like real answers. */
function answerText(bytes: number, sources: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p =
      i % 7 === 3
        ? "```ts\nconst xs: Array<string> = items[1].map((x) => `${x}`);\n```"
        : i % 5 === 2
          ? `- **Point ${i}** costs $${i} million, per the report [${(i % sources) + 1}][web:${((i + 3) % sources) + 1}].`
          : `Paragraph ${i} explains the market with $x^2$ growth and \`code[1]\` examples, citing evidence.[${(i % sources) + 1}] It continues at length to look like prose.`;
    parts.push(p);
    size += p.length + 2;
  }
  return parts.join("\n\n");
}

function answer(text: string, n: number): Answer {
  return { responseId: "resp_bench", status: "completed", text, searchResults: results(n), searchQueries: ["q"], model: "openai/gpt-6-luna", usage: { totalCost: 0.002 } };
}

function ctx(blockId: string): Parameters<typeof buildAnswerBlock>[1] {
  return { blockId, askedAt: "2026-11-24T16:43:12.385Z", question: "What does the market look like?", request: { preset: "fast", noteContext: true }, idFor: (u) => sourceId(u), linkFor };
}

export async function benchCore(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  const list = urls(10_000);
  rows.push({ name: "core: source IDs for 10,000 URLs", value: await medianMs(() => list.map((u) => sourceId(u))), unit: "ms", target: 50, stat: "median of 15" });

  // 200 blocks of ~5 KB in a 1 MB note, with prose between them.
  const blocks: AnswerBlock[] = [];
  for (let i = 0; i < 200; i++) {
    const b = buildAnswerBlock(answer(answerText(2_300, 12), 12), ctx(`b${String(i).padStart(5, "0")}`));
    blocks.push(b);
  }
  const filler = "Some notes of my own between the answers, with a [[link]] and a #tag.\n".repeat(12);
  const format = (): string => blocks.map((b) => formatBlock(b, options)).join(`\n\n${filler}\n`);
  const note = format();
  rows.push({ name: "core: format 200 blocks (1 MB note)", value: await medianMs(format), unit: "ms", target: 50, stat: "median of 15", note: `${(note.length / 1e6).toFixed(2)} MB` });
  // Each run reads a note it has not read before (the structure layer remembers the last few notes it read).
  let n = 0;
  const fresh = (text: string): string => `${text}\n\n${++n}`;
  rows.push({ name: "core: parse 200 blocks (1 MB note)", value: await medianMs(() => parseBlocks(fresh(note))), unit: "ms", target: 50, stat: "median of 15" });
  // Every answer of a batch is settled by finding its block in the note, which may hold hundreds of answers.
  const last = blocks[blocks.length - 1]!.blockId;
  const whole = await medianMs(() => parseBlocks(fresh(note)).find((p) => p.block.blockId === last));
  rows.push({
    name: "core: find one block among 200 (1 MB note)",
    value: await medianMs(() => findBlock(fresh(note), last)),
    unit: "ms",
    target: 10,
    stat: "median of 15",
    note: `parsing the whole note to find it: ${whole.toFixed(1)} ms`,
  });
  rows.push({
    name: "core: format + parse 200 blocks (1 MB note)",
    value: await medianMs(() => parseBlocks(fresh(format()))),
    unit: "ms",
    target: 50,
    stat: "median of 15",
  });

  const big = answer(answerText(10_000, 30), 30);
  rows.push({
    name: "core: build + format a block (10 KB answer, 30 sources)",
    value: await medianMs(() => formatBlock(buildAnswerBlock(big, ctx("abc123")), options), 31, 5),
    unit: "ms",
    target: 15,
    stat: "median of 31",
    note: "a share of the 15 ms last-byte-to-written target",
  });
  rows.push({ name: "core: hashText of a 10 KB answer", value: await medianMs(() => hashText(big.text)), unit: "ms", stat: "median of 15" });
  rows.push(...(await benchPlacement()));
  return rows;
}

/** Real notes (tests/fixtures/notes) one after another, until the text is `bytes` long. */
function realNotes(bytes: number): string {
  const dir = "tests/fixtures/notes/";
  const manifest = JSON.parse(readFileSync(`${dir}MANIFEST.json`, "utf8")) as { file: string }[];
  const notes = manifest.map((e) => readFileSync(dir + e.file, "utf8"));
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const note = notes[i % notes.length]!;
    parts.push(note);
    size += note.length + 2;
  }
  return parts.join("\n\n").slice(0, bytes);
}

/** Issue 18: placing an answer in a large note, parse included, and how the cost grows with the note. */
async function benchPlacement(): Promise<BenchRow[]> {
  const one = realNotes(1_000_000);
  const two = realNotes(2_000_000);
  let n = 0;
  // A cursor in the middle of the note; each run places in a note text the parser has not seen.
  const place = (text: string) => () => {
    const note = `${++n}\n\n${text}`;
    return placeAnswer(note, note.length >> 1, note.length >> 1, false);
  };
  const oneMs = await medianMs(place(one), 15, 3);
  const twoMs = await medianMs(place(two), 15, 3);
  return [
    { name: "structure: place an answer in a 1 MB note (parse included)", value: oneMs, unit: "ms", target: 200, stat: "median of 15", note: "real notes from tests/fixtures/notes, one after another" },
    { name: "structure: 2 MB note / 1 MB note", value: twoMs / oneMs, unit: "×", target: 2.5, stat: "ratio of medians", baseline: "the 1 MB placement above", note: `${twoMs.toFixed(0)} ms for 2 MB` },
  ];
}
