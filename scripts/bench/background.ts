// Background runs (issue 21) through the built plugin in the Obsidian runtime, against the emulator:
// - loading with 1,000 pending runs in a 100,000-note vault: onload, nothing before layout-ready, the search for
//   the runs after it, and the pace of the polls (against the requests-per-minute setting);
// - a dozen runs finishing at different times: GETs per run per wait, and how soon each answer is written.
import { formatBlock } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { pollDelayMs, pollPolicy } from "../../src/core/background";
import { startEmulator } from "../../tests/emulator/server";
import { ObsidianRuntime, waitFor } from "../../tests/obsidian-runtime/runtime";
import type { BenchRow } from "./types";
import { median } from "./types";

const DEVICE = "benchdevice1";
const KEY = "bench";
const options = { fold: "+" as const, citationDateFormat: "yyyy, MMM d", linkFor: () => "" };

function pendingBlock(id: string, rid: string, question: string): string {
  const b: AnswerBlock = {
    blockId: id, state: "pending", askedAt: "2026-11-24T14:02:00.000Z", question, request: { preset: "high", noteContext: true },
    answer: "", sources: [], responseId: rid, device: DEVICE, estimate: 0.4,
  };
  return formatBlock(b, options);
}

/** Starts `n` background runs at the emulator, as the asks before the restart did; returns their ids. */
async function startRuns(baseUrl: string, n: number, question: (i: number) => string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${baseUrl}/responses`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ preset: "high", input: question(i), background: true }) });
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

async function pendingInLargeVault(): Promise<BenchRow[]> {
  const perMinute = 600;
  const gets: number[] = [];
  const emulator = await startEmulator({ scenario: { default: { backgroundMs: 3_600_000 } }, log: (line) => void (line.startsWith("GET /v1/responses/") && gets.push(performance.now())) });
  const runs = 1000;
  const rids = await startRuns(emulator.baseUrl, runs, (i) => `Deep question ${i}?`);
  const files: Record<string, string> = {};
  const filler = "Some paragraph of the user's own notes, about as long as a real one. ".repeat(12);
  for (let i = 0; i < 100_000; i++) {
    const path = `Folder ${Math.floor(i / 1000)}/Note ${i}.md`;
    const run = i % 100 === 0 ? i / 100 : -1;
    files[path] = run >= 0 ? `# Note ${i}\n\nDeep question ${run}?\n\n${pendingBlock(`p${run.toString(36).padStart(5, "0")}`, rids[run]!, `Deep question ${run}?`)}\n` : `# Note ${i}\n\n${filler}\n`;
  }
  const hints = rids.map((rid, run) => ({ rid, path: `Folder ${Math.floor((run * 100) / 1000)}/Note ${run * 100}.md`, blockId: `p${run.toString(36).padStart(5, "0")}` }));
  const runtime = new ObsidianRuntime({
    files,
    secrets: { "perplexity-api-key": KEY },
    pluginData: { baseUrl: emulator.baseUrl, requestsPerMinute: perMinute, concurrency: 2 },
    layoutReady: false,
    localStorage: { "perplexity-query-device": DEVICE, "perplexity-query-background-runs": hints },
  });
  // onload as Obsidian starting: loaded before the layout is ready, several times (the later loads find nothing new).
  const onload: number[] = [];
  const loads = 21;
  for (let i = 0; i < loads; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await runtime.loadPlugin();
    onload.push(runtime.timings.onloadMs);
    if (i < loads - 1) await runtime.unloadPlugin();
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = gets.length;
  const plugin = runtime.plugin as unknown as { resuming: Promise<unknown> | null; background: { count: number } };
  const readyAt = performance.now();
  runtime.setLayoutReady();
  await waitFor(() => plugin.resuming !== null, 10_000, "the search");
  await plugin.resuming;
  const foundMs = performance.now() - readyAt;
  const found = plugin.background.count;
  // The pace: polls over a 20 s window once they started.
  await waitFor(() => gets.length > before, 10_000, "the first poll");
  const windowStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  const polled = gets.filter((t) => t >= windowStart).length;
  const observedPerMinute = (polled / (performance.now() - windowStart)) * 60_000;
  await runtime.unloadPlugin();
  await emulator.close();
  return [
    { name: "onload, 1,000 pending runs in a 100,000-note vault", value: median(onload), unit: "ms", target: 2, stat: `median of ${onload.length}`, note: `min ${Math.min(...onload).toFixed(2)} ms; the search waits for layout-ready` },
    { name: "polls before layout-ready (1,000 pending runs)", value: before, unit: "GETs", target: 0, stat: "exact" },
    { name: "layout-ready → 1,000 pending runs found, estimates held", value: foundMs, unit: "ms", stat: "1 run", note: `${found} found; notes read 50 at a time, yielding between` },
    { name: "polls per minute with 1,000 pending runs (setting: 600)", value: observedPerMinute, unit: "/min", target: perMinute, stat: "20 s window", note: `${polled} GETs; each run polled every ${((runs / perMinute) * 60).toFixed(0)} s at this pace` },
  ];
}

async function landingLatency(): Promise<BenchRow[]> {
  const log: { at: number; rid: string; status?: number }[] = [];
  const emulator = await startEmulator({
    log: (line) => {
      const m = /^GET \/v1\/responses\/(\S+) -> (\d+)/.exec(line);
      if (m) log.push({ at: Date.now(), rid: m[1]!, status: Number(m[2]) });
    },
  });
  const maxSeconds = 5;
  const runs = 12;
  // Each run finishes at its own time, from 1 s to 23 s after it starts.
  const finishIn = Array.from({ length: runs }, (_, i) => 1_000 + i * 2_000);
  emulator.setScenario({ steps: finishIn.map((ms) => ({ backgroundMs: ms })) });
  const files: Record<string, string> = { "Deep.md": Array.from({ length: runs }, (_, i) => `Deep question ${i}?`).join("\n\n") + "\n" };
  const runtime = new ObsidianRuntime({ files, secrets: { "perplexity-api-key": KEY }, pluginData: { baseUrl: emulator.baseUrl, requestsPerMinute: 600, concurrency: 2, preset: "high", pollMaxSeconds: maxSeconds } });
  await runtime.loadPlugin();
  const view = await runtime.openNote("Deep.md");
  const started = new Map<number, number>();
  const landed = new Map<number, number>();
  for (let i = 0; i < runs; i++) {
    const text = view.editor.getValue();
    const at = text.indexOf(`Deep question ${i}?`);
    view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + `Deep question ${i}?`.length));
    runtime.runCommand("ask-selection");
    started.set(i, Date.now());
  }
  // Every 20 ms: which answers are in the note now.
  const deadline = Date.now() + 120_000;
  while (landed.size < runs) {
    if (Date.now() > deadline) throw new Error(`only ${landed.size} of ${runs} background answers landed within 2 minutes`);
    const text = view.editor.getValue();
    for (let i = 0; i < runs; i++) {
      if (landed.has(i)) continue;
      const at = text.indexOf(`"q":"Deep question ${i}?"`);
      if (at >= 0 && text.slice(text.lastIndexOf("%% pplx", at), at).includes('"state":"answered"')) landed.set(i, Date.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const policy = pollPolicy(maxSeconds);
  const rids = [...new Set(log.map((l) => l.rid))];
  let mostInOneWait = 0;
  for (const rid of rids) {
    const times = log.filter((l) => l.rid === rid).map((l) => l.at);
    times.forEach((t, k) => {
      const wait = pollDelayMs(policy, k + 1);
      mostInOneWait = Math.max(mostInOneWait, times.filter((u) => u >= t && u < t + wait).length);
    });
  }
  // How long after a run finished its answer was in the note, against the longest wait (one interval).
  const delays = [...landed].map(([i, at]) => at - (started.get(i)! + finishIn[i]!));
  await runtime.unloadPlugin();
  await emulator.close();
  return [
    { name: "GETs of one run within one poll wait (12 runs)", value: mostInOneWait, unit: "GETs", target: 1, stat: "max over runs", note: `${log.length} GETs for ${runs} runs finishing 1-23 s after their start` },
    { name: "run finished → answer in the note, worst (wait at most 5 s)", value: Math.max(...delays), unit: "ms", target: policy.maxMs, stat: `max of ${delays.length}`, note: `median ${median(delays).toFixed(0)} ms` },
  ];
}

export async function benchBackground(): Promise<BenchRow[]> {
  return [...(await pendingInLargeVault()), ...(await landingLatency())];
}
