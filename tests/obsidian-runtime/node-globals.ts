// Outside vitest (the demo and the benchmarks), give Node a DOM and Obsidian's DOM helpers
// before anything imports the obsidian mocks. Import this module first.
// Node's own fetch family is kept: happy-dom's fetch applies browser CORS rules, which the
// plugin never meets (it uses requestUrl) and the emulator does not answer.
import { GlobalRegistrator } from "@happy-dom/global-registrator";

const KEEP = ["fetch", "Request", "Response", "Headers", "FormData", "Blob", "AbortController", "AbortSignal", "ReadableStream", "TextEncoder", "TextDecoder", "URL", "URLSearchParams", "performance"] as const;

if (typeof document === "undefined") {
  const g = globalThis as Record<string, unknown>;
  const kept = new Map(KEEP.map((name) => [name, g[name]]));
  GlobalRegistrator.register();
  for (const [name, value] of kept) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}
const { setup } = await import("obsidian-test-mocks/setup");
setup();
