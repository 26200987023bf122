// Finding the stale answers of a whole vault, as "Refresh stale answers in vault" does before it
// shows its count: through the built plugin in the Obsidian runtime. Only notes whose metadata
// lists a ^pplx- block id are read. Time and the heap the search adds are reported.
import { formatBlock, hashText } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { ObsidianRuntime } from "../../tests/obsidian-runtime/runtime";
import { measureHeap, type BenchRow } from "./types";

/** One answered block with one cited source, as the vault benchmarks fill notes with. */
export function answerBlock(id: string, askedAt: string): string {
  const answer = `An answer of a few sentences, citing [[src${id}]] and more text to make it realistic. `.repeat(4).trim();
  const block: AnswerBlock = {
    blockId: id,
    state: "answered",
    askedAt,
    question: `Question ${id}?`,
    request: { preset: "fast", noteContext: true },
    answeredBy: "openai/gpt-6-luna",
    answer,
    sources: [{ id: `src${id}`.slice(0, 6), url: `https://example.com/${id}`, title: `Source ${id}`, updated: "2025-09-14", cited: true }],
    cost: 0.002,
    answerHash: hashText(answer),
  };
  return formatBlock(block, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` });
}

/** A vault of `notes` notes in folders of 1,000; one in ten holds three answer blocks (two stale). */
function makeVault(notes: number): Record<string, string> {
  const files: Record<string, string> = {};
  const filler = "Some paragraph of the user's own notes, about as long as a real one. ".repeat(12);
  for (let i = 0; i < notes; i++) {
    const path = `Folder ${Math.floor(i / 1000)}/Note ${i}.md`;
    if (i % 10 === 0) {
      const id = (n: number) => `b${(i * 3 + n).toString(36).padStart(5, "0")}`;
      files[path] = `# Note ${i}\n\n${filler}\n\n${answerBlock(id(0), "2026-08-01T10:00:00.000Z")}\n\n${answerBlock(id(1), "2026-09-01T10:00:00.000Z")}\n\n${answerBlock(id(2), "2026-11-20T10:00:00.000Z")}\n`;
    } else {
      files[path] = `# Note ${i}\n\n${filler}\n`;
    }
  }
  return files;
}

async function measure(notes: number): Promise<{ ms: number; heapMb: number; stale: number }> {
  const runtime = new ObsidianRuntime({ files: makeVault(notes) });
  const plugin = (await runtime.loadPlugin()) as unknown as { clock: { now(): Date }; idle(): Promise<void> };
  plugin.clock = { now: () => new Date("2026-11-24T12:00:00.000Z") };
  const { ms, peakGrowth } = await measureHeap(async () => {
    runtime.runCommand("refresh-stale-in-vault");
    await plugin.idle();
  }, 5);
  const modal = runtime.openModals[0] as unknown as { contentEl: HTMLElement } | undefined;
  const stale = Number(/(\d+) stale answers? in/.exec(modal?.contentEl.textContent ?? "")?.[1] ?? Number.NaN);
  await runtime.unloadPlugin();
  return { ms, heapMb: peakGrowth / 2 ** 20, stale };
}

export async function benchFindStale(): Promise<BenchRow[]> {
  // Best of a few runs: the first pays for warming up the JIT, later ones for a busy machine.
  const smallRuns = [await measure(10_000), await measure(10_000), await measure(10_000)];
  const small = { ms: Math.min(...smallRuns.map((r) => r.ms)), stale: smallRuns[0]!.stale };
  const largeRuns = [await measure(100_000), await measure(100_000)];
  const large = { ms: Math.min(...largeRuns.map((r) => r.ms)), heapMb: Math.min(...largeRuns.map((r) => r.heapMb)), stale: largeRuns[0]!.stale };
  return [
    { name: "find stale answers: 10,000 notes (1,000 with 3,000 blocks)", value: small.ms, unit: "ms", target: 1000, stat: "min of 3", note: `${small.stale} stale found` },
    { name: "find stale answers: 100,000 notes (10,000 with 30,000 blocks)", value: large.ms / 1000, unit: "s", target: 10, stat: "min of 2", note: `${large.stale} stale found` },
    { name: "find stale answers: 100,000 notes, heap added at peak", value: large.heapMb, unit: "MB", target: 200, stat: "min of 2", note: "heapUsed over the baseline, sampled every 5 ms" },
  ];
}
