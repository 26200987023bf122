// The onload target (issue 10): the built main.js loaded into the runtime as Obsidian loads it does no I/O
// and no network in onload, and takes under 2 ms. For the benchmarks (`measureOnload` prints figures; the
// bench runner owns the printing). Run on its own after a build: `node --expose-gc --import tsx tests/bench-support/onload.ts`.
import "../obsidian-runtime/node-globals";
import { ObsidianRuntime } from "../obsidian-runtime/runtime";

export interface OnloadFigures {
  runs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Vault reads, writes and listings during onload, over all runs (target 0). */
  vaultCalls: number;
  /** Requests (requestUrl, Node http/https) during onload, over all runs (target 0). */
  networkCalls: number;
}

const VAULT_METHODS = ["read", "cachedRead", "readBinary", "modify", "process", "create", "createFolder", "delete", "rename", "getFiles", "getMarkdownFiles", "getAllLoadedFiles"] as const;

/** Loads the built plugin `runs` times into a fresh desktop runtime with a vault of `notes` notes. */
export async function measureOnload(runs = 200, notes = 2000): Promise<OnloadFigures> {
  const files: Record<string, string> = {};
  for (let i = 0; i < notes; i++) files[`Notes/${i}.md`] = `# Note ${i}\n\nText.\n`;
  const times: number[] = [];
  let vaultCalls = 0;
  let networkCalls = 0;
  for (let i = 0; i < runs; i++) {
    const runtime = new ObsidianRuntime({ files, platform: "desktop", secrets: { "perplexity-api-key": "bench" } });
    const vault = runtime.app.vault as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of VAULT_METHODS) {
      const original = vault[name]?.bind(vault);
      if (!original) continue;
      vault[name] = (...args: unknown[]) => {
        vaultCalls++;
        return original(...args);
      };
    }
    const obsidian = runtime.obsidian as unknown as { requestUrl: (...args: unknown[]) => unknown };
    const requestUrl = obsidian.requestUrl;
    obsidian.requestUrl = (...args: unknown[]) => {
      networkCalls++;
      return requestUrl(...args);
    };
    // A collection from building the vault must not land inside the measurement (run node with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const before = runtime.timings.responseAt;
    await runtime.loadPlugin();
    if (runtime.timings.responseAt !== before) networkCalls++;
    times.push(runtime.timings.onloadMs);
    await runtime.unloadPlugin();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { runs, medianMs: at(0.5), p95Ms: at(0.95), maxMs: times.at(-1) ?? 0, vaultCalls, networkCalls };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureOnload();
  console.log(`onload (built main.js, 2000-note vault, ${figures.runs} runs): median ${figures.medianMs.toFixed(3)} ms, p95 ${figures.p95Ms.toFixed(3)} ms, max ${figures.maxMs.toFixed(3)} ms (target < 2 ms); vault calls ${figures.vaultCalls}, network calls ${figures.networkCalls} (target 0)`);
}
