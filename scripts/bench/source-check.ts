// Source-check benchmarks (issue 12). (a) Matching one 2 MB HTML page's text (target 50 ms); (b) CPU time to
// match the 30 sources of a typical answer, 150 KB pages (target 300 ms); extraction with happy-dom's DOMParser
// printed beside them for reference (see benchPages). (c) A vault of 2,000 source notes (100 answers citing 20
// pages each) checked through the built main.js in the test runtime against the local web at 20 requests a
// second: wall time over the minimum 1,999 × 50 ms (target 1.10), and the heap's peak growth while it runs
// (target 100 MB). Real time: (c) takes about 100 s.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { claimsFor, compare, readPage, type HtmlParser } from "../../src/core/source-check";
import { ObsidianRuntime } from "../../tests/obsidian-runtime/runtime";
import { checkVault } from "../../tests/web/check-vault";
import { article, CLAIM, SNIPPET, startLocalWeb } from "../../tests/web/server";
import { measureHeap, medianMs, type BenchRow } from "./types";

const TODAY = "2026-12-01";
const claims = claimsFor(`${CLAIM} [[abc123]]`, "abc123");

/** About `bytes` of article HTML, with the kind of markup real pages carry (scripts, nav, tables, links). */
function page(bytes: number, seed: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p =
      i % 9 === 0
        ? `<script>window.dataLayer = (window.dataLayer || []).concat([{ "event": "view", "id": ${seed * 1000 + i} }]);</script>`
        : i % 7 === 0
          ? `<table><tr><td>Year ${2000 + (i % 25)}</td><td>${i * 3}%</td><td>$${i}.5 million</td></tr></table>`
          : `<p class="body-text">Paragraph ${i} of article ${seed} discusses the market, <a href="/link/${i}">its players</a> and <em>figures</em> such as ${i} units &amp; ${i % 100}% growth in ${2000 + (i % 25)}.</p>`;
    parts.push(p);
    size += p.length;
  }
  parts.splice(Math.floor(parts.length / 2), 0, `<p>${SNIPPET} Revenue grew 12% from the year before.</p>`);
  return article(`<nav>${"<a href='/x'>Menu</a>".repeat(50)}</nav>${parts.join("")}`);
}

function response(html: string) {
  return { kind: "response" as const, status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: new TextEncoder().encode(html) };
}

function extract(html: ReturnType<typeof response>, parser: HtmlParser): { text: string; moved?: string } {
  const read = readPage({ url: "https://news.example.com/a", today: TODAY, parser }, html);
  if ("check" in read) throw new Error(`bench: page not read: ${read.check.reason}`);
  return read;
}

function match(read: { text: string; moved?: string }): void {
  const check = compare({ snippet: SNIPPET, claims, today: TODAY }, read.text, read.moved);
  if (check.verdict !== "supported") throw new Error(`bench: ${check.verdict} ${JSON.stringify(check)}`);
}

/**
 * Extraction runs on the DOMParser the platform gives: Obsidian's is the browser's own (native code); here it is
 * happy-dom's, written in JavaScript and orders of magnitude slower, so its time is printed for reference, not
 * held to the target. Matching (the plugin's own code on the extracted text) is held to the targets.
 */
export async function benchPages(): Promise<BenchRow[]> {
  const parser: HtmlParser = new DOMParser();
  const big = response(page(2 * 1024 * 1024 - 8 * 1024, 1));
  let start = performance.now();
  const bigText = extract(big, parser);
  const bigExtractMs = performance.now() - start;
  const bigMatchMs = await medianMs(() => match(bigText), 15, 3);
  // The worst case: a passage and figures that are not on the page, so every anchor's windows are read.
  const absent = claimsFor("Globex lost $7.25 trillion on 29 February 2023, down 87.5%. [[abc123]]", "abc123");
  const absentMs = await medianMs(() => compare({ snippet: "Globex announced sweeping layoffs across its quantum refrigerator division yesterday.", claims: absent, today: TODAY }, bigText.text), 15, 3);
  // The 30 pages' text: tags stripped (the words extraction gives); one page is extracted with happy-dom for reference.
  const pages = Array.from({ length: 30 }, (_, i) => page(150 * 1024, i + 2));
  start = performance.now();
  extract(response(pages[0]!), parser);
  const extractOneMs = performance.now() - start;
  const texts = pages.map((p) => ({ text: p.replace(/<script[\s\S]*?<\/script>|<nav[\s\S]*?<\/nav>/g, " ").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ") }));
  for (const t of texts) match(t); // warm-up
  const cpu = process.cpuUsage();
  for (const t of texts) match(t);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return [
    { name: "source check: match one 2 MB HTML page (passage + figures)", value: bigMatchMs, unit: "ms", stat: "median of 15", target: 50, note: `${(big.body.byteLength / 1e6).toFixed(2)} MB page, ${(bigText.text.length / 1e6).toFixed(2)} M chars of text` },
    { name: "source check: extract the 2 MB page with happy-dom's DOMParser", value: bigExtractMs, unit: "ms", stat: "one run", note: "reference only: Obsidian parses with the browser's native DOMParser" },
    { name: "source check: match the 2 MB page, passage and figures absent", value: absentMs, unit: "ms", stat: "median of 15", target: 50, note: "worst case: every anchor's windows read" },
    { name: "source check: CPU to match the 30 sources of an answer (150 KB pages)", value: cpuMs, unit: "ms", stat: "one run, CPU time after a warm-up", target: 300 },
    { name: "source check: extract one 150 KB page with happy-dom's DOMParser", value: extractOneMs, unit: "ms", stat: "one run", note: "reference only, as above" },
  ];
}

/**
 * Old-space ceiling of the fresh process, in MB: about 55 MB before the check, so under it the check has less
 * than the 100 MB target to grow into. V8 collects lazily, so the sampled peak without a ceiling swings with its
 * heuristics (47 to 230 MB seen for the same run); with one, a check that needed more would fail here, loudly.
 */
const VAULT_HEAP_CEILING_MB = 150;

const PER_SECOND = 20;
const NOTES = 100;
const PER_NOTE = 20;

export async function benchVault(): Promise<BenchRow[]> {
  const web = await startLocalWeb();
  try {
    const files = checkVault((p) => web.url(p), NOTES, PER_NOTE);
    const runtime = new ObsidianRuntime({
      // The desktop app: pages are fetched with Node's http (on mobile checks need their own setting).
      platform: "desktop",
      files,
      pluginData: { checkSourcesFetch: true, checkSourcesAllowPrivateHosts: true, checkSourcesPerSecond: PER_SECOND },
    });
    const plugin = (await runtime.loadPlugin()) as unknown as { idle(): Promise<void>; clock: { now(): Date } };
    plugin.clock = { now: () => new Date(`${TODAY}T09:00:00.000Z`) };
    runtime.runCommand("check-sources-in-vault");
    await plugin.idle();
    const modal = runtime.openModals.at(-1) as unknown as { run(): Promise<{ fetched: number; blocksWritten: number; verdicts: Record<string, number> }> };
    const cpu = process.cpuUsage();
    // What the check keeps is measured while its plan and results are still referenced here.
    const { result: report, ms, baseline: baseHeap, peakGrowth, retained } = await measureHeap(() => modal.run(), 100);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    await runtime.unloadPlugin();
    const pages = NOTES * PER_NOTE;
    if (report.fetched !== pages || report.blocksWritten !== NOTES || report.verdicts.supported !== pages) throw new Error(`bench: ${JSON.stringify(report)}`);
    const minMs = (pages - 1) * (1000 / PER_SECOND);
    return [
      { name: `source check: vault of ${pages} source notes at ${PER_SECOND}/s, time / minimum`, value: ms / minMs, unit: "×", stat: "one run", baseline: "the minimum time the rate allows", target: 1.1, note: `${(ms / 1000).toFixed(1)} s vs ${(minMs / 1000).toFixed(1)} s minimum; ${web.requests.length} requests, at most ${web.maxConcurrent} at once (one host); ${(cpuMs / 1000).toFixed(1)} s CPU on the one thread, mostly happy-dom parsing` },
      { name: "source check: vault check, peak heap growth", value: peakGrowth / 1e6, unit: "MB", stat: "one run", target: 100, note: `heap before ${(baseHeap / 1e6).toFixed(0)} MB (runtime, vault and plugin loaded), in a Node process of its own with a ${VAULT_HEAP_CEILING_MB} MB old-space ceiling; peak includes garbage not yet collected; retained after GC ${(retained / 1e6).toFixed(1)} MB` },
    ];
  } finally {
    await web.close();
  }
}

/** benchVault in a fresh process (source-check-vault.ts), whose rows it prints as JSON on its last line. */
async function benchVaultFresh(): Promise<BenchRow[]> {
  const entry = fileURLToPath(new URL("./source-check-vault.ts", import.meta.url));
  const args = ["--expose-gc", `--max-old-space-size=${VAULT_HEAP_CEILING_MB}`, "--import", "tsx", entry];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 10_000_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as BenchRow[];
}

export async function benchSourceCheck(): Promise<BenchRow[]> {
  return [...(await benchPages()), ...(await benchVaultFresh())];
}
