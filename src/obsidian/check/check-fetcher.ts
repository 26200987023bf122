// Fetching a cited page for a source check, through Obsidian's requestUrl (desktop and mobile alike: no
// CORS, no Node). What requestUrl can and cannot do decides the limits:
//  - it follows redirects itself and reports neither them nor the final URL (Electron gives up after 20),
//    so "moved" is read from the page's own canonical link or og:url (see core/source-check/judge.ts), and a
//    redirect loop ends as an error; the plugin cannot cap redirects at 5 itself;
//  - it cannot be aborted, so the 15 s timeout and a cancel stop waiting, not the download;
//  - it buffers the whole body: a Range header asks for the first 2 MB only (servers that honour it send no
//    more; their Content-Range tells the page's real size), and a larger body is refused unread.
// Politeness: at most one request at a time per host, and the caller's limiter bounds the total pace.
import { requestUrl } from "obsidian";
import { MAX_PAGE_BYTES, privateHostReason, type FetchOutcome } from "../../core/source-check";

export interface FetchOptions {
  timeoutSeconds: number;
  allowPrivateHosts: boolean;
  signal?: AbortSignal;
}

/** The reason to refuse a host: private (unless allowed), or on the skip list. */
export function refusal(url: string, options: { allowPrivateHosts: boolean; skipDomains: string[] }): { kind: "private" | "skipped"; reason: string } | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return { kind: "private", reason: "not a valid URL" };
  }
  const skipped = options.skipDomains.find((d) => host === d || host.endsWith(`.${d}`));
  if (skipped !== undefined) return { kind: "skipped", reason: `${skipped} is on your list of domains never to fetch` };
  if (!options.allowPrivateHosts) {
    const reason = privateHostReason(url);
    if (reason !== null) return { kind: "private", reason: `not fetched: the address is ${reason} (allow private hosts in settings to check it)` };
  }
  return null;
}

/** "example.com, .Example.org\nfoo.net" → ["example.com", "example.org", "foo.net"]. */
export function parseDomains(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim().toLowerCase().replace(/^\*?\./, "").replace(/\.$/, ""))
    .filter(Boolean);
}

function totalFromContentRange(header: string | undefined): number | undefined {
  const m = /\/(\d+)\s*$/.exec(header ?? "");
  return m ? Number(m[1]) : undefined;
}

class Timeout extends Error {}

export async function fetchPage(url: string, options: FetchOptions): Promise<FetchOutcome> {
  const reason = options.allowPrivateHosts ? null : privateHostReason(url);
  if (reason !== null) return { kind: "refused", reason: `not fetched: the address is ${reason}` };
  let timer = 0;
  let onAbort = (): void => {};
  const stop = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Timeout()), options.timeoutSeconds * 1000);
    onAbort = () => reject(new DOMException("The check was cancelled.", "AbortError"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    if (options.signal?.aborted) throw new DOMException("The check was cancelled.", "AbortError");
    const request = requestUrl({
      url,
      method: "GET",
      throw: false,
      headers: { Accept: "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1", Range: `bytes=0-${MAX_PAGE_BYTES - 1}` },
    });
    request.catch(() => {}); // a late failure after a timeout or cancel is nobody's business
    const response = await Promise.race([request, stop]);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
    const total = response.status === 206 ? totalFromContentRange(headers["content-range"]) : undefined;
    if (total !== undefined && total > MAX_PAGE_BYTES) return { kind: "too-large", bytes: total };
    const body = new Uint8Array(response.arrayBuffer);
    if (body.byteLength > MAX_PAGE_BYTES) return { kind: "too-large", bytes: body.byteLength };
    return { kind: "response", status: response.status === 206 ? 200 : response.status, headers, body };
  } catch (error) {
    if (error instanceof Timeout) return { kind: "timeout", seconds: options.timeoutSeconds };
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "error", message: /TOO_MANY_REDIRECTS/i.test(message) ? "too many redirects" : message };
  } finally {
    window.clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** One request at a time per host: `run` waits for the host's previous request to finish. */
export class HostQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(url: string, task: () => Promise<T>): Promise<T> {
    let host = "";
    try {
      host = new URL(url).host;
    } catch {
      // an invalid URL fails inside the task
    }
    const previous = this.tails.get(host) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.tails.set(host, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(host) === tail) this.tails.delete(host);
    }
  }
}
