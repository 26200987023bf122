// Fetching a cited page for a source check. Two fetchers, and what each can promise decides where checks run:
//  - desktop app: Node's http/https (node-page-fetch.ts): redirects followed here (at most 5) with every hop's
//    host and resolved addresses checked before connecting, the download stopped at 2 MB, the timeout and a
//    cancel closing the connection, and the real final URL known ("guarded");
//  - mobile (and a desktop where Node's modules cannot be loaded): Obsidian's requestUrl, which follows
//    redirects itself (up to 20) and reports neither them nor the final URL, resolves names where the plugin
//    cannot see the answer, cannot be aborted, and buffers the whole body: a redirect or a name can lead it to
//    a private address, a Range header asks for 2 MB but a server that ignores it sends everything, and the
//    timeout and a cancel stop waiting, not the download. So checks run there only when the user turned on
//    the setting that says so (see commands.ts); a moved page is read from the page's canonical link.
// Politeness: at most one request at a time per host, and the caller's limiter bounds the total pace.
import { requestUrl } from "obsidian";
import { hostRefusal, MAX_PAGE_BYTES, sizeFromContentRange, type FetchOutcome } from "../../core/source-check";
import { hasFunction, nodeModule } from "../node-modules";
import { fetchPageWithNode, type NodeHttpForPages, type ResolveAll } from "./node-page-fetch";

export interface FetchOptions {
  timeoutSeconds: number;
  allowPrivateHosts: boolean;
  /** Domains never fetched, in normal form (`parseDomainList`). */
  skipDomains: readonly string[];
  signal?: AbortSignal;
}

export interface PageFetcher {
  /** True when redirects, resolved addresses and the 2 MB cap are enforced by the plugin (desktop). */
  readonly guarded: boolean;
  fetch(url: string, options: FetchOptions): Promise<FetchOutcome>;
}

/** Sent with every page request: says what is asking, and that it is no browser. */
export const CHECK_USER_AGENT = "Mozilla/5.0 (compatible; Perplexity Query for Obsidian; source check)";

/** The fetcher this platform allows: Node's on the desktop app, requestUrl elsewhere. */
export function pageFetcher(): PageFetcher {
  const http = nodeModule("http");
  const https = nodeModule("https");
  const dns = nodeModule("dns");
  if (hasFunction(http, "request") && hasFunction(https, "request") && hasFunction(dns, "lookup")) {
    const modules = { http: http as unknown as NodeHttpForPages, https: https as unknown as NodeHttpForPages, resolve: (dns.lookup as unknown as ResolveAll).bind(dns) };
    return { guarded: true, fetch: (url, options) => fetchPageWithNode(url, { ...options, userAgent: CHECK_USER_AGENT }, modules) };
  }
  return { guarded: false, fetch: fetchWithRequestUrl };
}

class Timeout extends Error {}

/** The page through requestUrl, with the limits the file comment lists. */
export async function fetchWithRequestUrl(url: string, options: FetchOptions): Promise<FetchOutcome> {
  const refused = hostRefusal(url, options);
  if (refused !== null) return { kind: "refused", reason: `not fetched: ${refused.reason}` };
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
    const total = response.status === 206 ? sizeFromContentRange(headers["content-range"]) : undefined;
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
