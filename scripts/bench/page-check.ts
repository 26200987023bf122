// Page-check memory (issue 19): a source check through the built main.js on the desktop app (Node's http) whose
// four cited pages each stream 1 GB without a length and ignore Range, one after another; the check must stop
// each download at 2 MB and stay under 100 MB of memory. Measured as the peak of the heap plus external memory
// (where Node keeps socket Buffers), sampled every 5 ms, and the process's peak RSS growth beside it. For
// contrast, the requestUrl path (mobile; the test double buffers as Obsidian's does) on one 64 MB page, which it
// can only download whole: reference only, no target.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ObsidianRuntime } from "../../tests/obsidian-runtime/runtime";
import { checkVault } from "../../tests/web/check-vault";
import { SNIPPET } from "../../tests/web/server";
import { measureHeap, type BenchRow } from "./types";

const GB = 1024 ** 3;

interface EndlessWeb {
  url(path: string): string;
  /** Bytes the server managed to write, all pages together. */
  written: number;
  close(): Promise<void>;
}

/** Every page is `size` bytes of HTML, sent as fast as the client reads, without a length. */
async function endlessWeb(size: number): Promise<EndlessWeb> {
  const state = { written: 0 };
  const sockets = new Set<Socket>();
  const chunk = Buffer.from(`<p>${SNIPPET} ${"lorem ipsum ".repeat(5000)}</p>\n`);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    let sent = 0;
    const pump = (): void => {
      while (sent < size && !res.destroyed) {
        sent += chunk.length;
        state.written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (p) => `${origin}${p}`,
    get written() {
      return state.written;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

async function checkOnce(platform: "desktop" | "mobile", size: number, pages: number) {
  const web = await endlessWeb(size);
  try {
    const runtime = new ObsidianRuntime({
      platform,
      files: checkVault((p) => web.url(p), 1, pages),
      pluginData: { checkSourcesFetch: true, checkSourcesFetchOnMobile: true, checkSourcesAllowPrivateHosts: true, checkSourcesTimeoutSeconds: 15, checkSourcesPerSecond: 50 },
    });
    const plugin = (await runtime.loadPlugin()) as unknown as { idle(): Promise<void>; clock: { now(): Date } };
    plugin.clock = { now: () => new Date("2026-12-01T09:00:00.000Z") };
    await runtime.openNote("Answers/Note 0.md");
    const run = await measureHeap(async () => {
      runtime.runCommand("check-sources-in-note");
      await plugin.idle();
      return runtime.notices.at(-1) ?? "";
    }, 5);
    await runtime.unloadPlugin();
    return { run, written: web.written };
  } finally {
    await web.close();
  }
}

export async function benchPageCheck(): Promise<BenchRow[]> {
  const desktop = await checkOnce("desktop", GB, 4);
  if (!desktop.run.result.includes("4 unknown")) throw new Error(`bench: page check ended with "${desktop.run.result}"`);
  const mobile = await checkOnce("mobile", 64 * 1024 ** 2, 1);
  const mb = (bytes: number) => bytes / 1e6;
  return [
    {
      name: "page check (desktop): memory with pages that stream 1 GB each",
      value: mb(desktop.run.peakMemoryGrowth),
      unit: "MB",
      stat: "one run, peak of heap + external, sampled every 5 ms",
      target: 100,
      note: `4 pages of 1 GB checked in ${(desktop.run.ms / 1000).toFixed(1)} s, each stopped at 2 MB; the server wrote ${mb(desktop.written).toFixed(0)} MB in all before the plugin hung up; peak RSS growth ${mb(desktop.run.peakRssGrowth).toFixed(0)} MB`,
    },
    {
      name: "page check (mobile, requestUrl): memory with one 64 MB page",
      value: mb(mobile.run.peakMemoryGrowth),
      unit: "MB",
      stat: "one run, peak of heap + external, sampled every 5 ms",
      note: `reference only: requestUrl cannot stop a download, so the whole page (${mb(mobile.written).toFixed(0)} MB sent) is held, and a 1 GB page would be held whole too; peak RSS growth ${mb(mobile.run.peakRssGrowth).toFixed(0)} MB`,
    },
  ];
}
