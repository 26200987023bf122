// Fetching a cited page on the desktop app, with Node's http/https (injected: mobile has no Node, and the
// plugin may only `require` them behind Platform.isDesktopApp). Unlike requestUrl this can keep every promise a
// check makes about the network:
//  - redirects are followed here, at most 5, and each hop is judged before it is requested: an http(s) URL, a
//    host that is neither private (unless allowed) nor on the list of domains never fetched;
//  - every name is resolved by our own `lookup`, which refuses the connection when ANY address of the answer is
//    private, and hands Node exactly the addresses it checked: the socket connects to what was checked, so a
//    name that answers a public address to a check and a private one to the connection (DNS rebinding) cannot
//    pass, and nothing resolves the name a second time;
//  - the download stops at 2 MB (the socket is destroyed), also when the server ignores Range and sends no
//    length, and the timeout and a cancel destroy the connection rather than stop waiting for it;
//  - the real final URL is known: a 301 or 308 from the cited address to another page makes it "moved".
// This file imports no Node built-in (its types are structural) and nothing from `obsidian`.
import { MAX_PAGE_BYTES, sizeFromContentRange, type FetchOutcome } from "../../core/source-check/judge";
import { hostRefusal, privateAddressReason } from "../../core/source-check/host-guard";

/** At most this many redirects are followed from the cited URL. */
export const MAX_PAGE_REDIRECTS = 5;

export interface LookupAddress {
  address: string;
  family: number;
}

/** Node's `dns.lookup` with `{ all: true }` (the resolver the system uses). */
export type ResolveAll = (hostname: string, options: { all: true; family?: number }, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

/** The parts of Node's `IncomingMessage` read here. */
export interface PageResponseLike {
  readonly statusCode?: number | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  destroy(): unknown;
}

export interface PageRequestLike {
  on(event: "error", listener: (err: Error) => void): unknown;
  end(): unknown;
  destroy(): unknown;
}

/** Node's `lookup` option: called with `all: true` by current Node (happy eyeballs), without it by older ones. */
type LookupOption = (hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => void;

export interface PageRequestOptions {
  method: "GET";
  headers: Record<string, string>;
  /** A connection of its own per page (closed after it), never a pooled socket another check opened. */
  agent: false;
  lookup: LookupOption;
}

export interface NodeHttpForPages {
  request(url: string, options: PageRequestOptions, callback: (res: PageResponseLike) => void): PageRequestLike;
}

export interface NodePageModules {
  http: NodeHttpForPages;
  https: NodeHttpForPages;
  resolve: ResolveAll;
}

export interface NodePageOptions {
  timeoutSeconds: number;
  allowPrivateHosts: boolean;
  /** Domains never fetched, in normal form (core/source-check/host-guard.ts parseDomainList). */
  skipDomains: readonly string[];
  signal?: AbortSignal;
  userAgent: string;
  /** Tests and benchmarks: a smaller cap. */
  maxBytes?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const PERMANENT = new Set([301, 308]);

class Refused extends Error {}
class Timeout extends Error {}

function abortError(): DOMException {
  return new DOMException("The check was cancelled.", "AbortError");
}

/** "http://127.0.0.1:8080" for a URL; the scheme alone for one that has no host. */
function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : parsed.protocol;
  } catch {
    return "an address that is not valid";
  }
}

function headerRecord(raw: PageResponseLike["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A resolver that refuses private answers (unless allowed) and gives Node exactly the addresses it checked. */
function guardedLookup(resolve: ResolveAll, allowPrivate: boolean, refused: (reason: string) => void): LookupOption {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (error, addresses) => {
      if (error) return callback(error);
      const list = Array.isArray(addresses) ? addresses.filter((a) => typeof a?.address === "string") : [];
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }));
      if (!allowPrivate) {
        for (const a of list) {
          const reason = privateAddressReason(a.address);
          if (reason !== null) {
            const message = `${hostname} resolves to ${a.address}, ${reason} (allow private hosts in settings to check it)`;
            refused(message);
            return callback(new Refused(message));
          }
        }
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

type Hop = { kind: "redirect"; status: number; location: string } | { kind: "refused"; reason: string } | { kind: "final"; outcome: FetchOutcome };

/** Fetches `url` following redirects itself; resolves with the outcome (rejects only with an AbortError). */
export function fetchPageWithNode(url: string, options: NodePageOptions, modules: NodePageModules): Promise<FetchOutcome> {
  const maxBytes = options.maxBytes ?? MAX_PAGE_BYTES;
  let current: PageRequestLike | null = null;
  let stopped: Error | null = null;
  const stop = (error: Error): void => {
    stopped ??= error;
    current?.destroy();
  };
  const timer = window.setTimeout(() => stop(new Timeout()), options.timeoutSeconds * 1000);
  const onAbort = (): void => stop(abortError());
  options.signal?.addEventListener("abort", onAbort, { once: true });

  /** One request: a redirect to follow, or the final outcome. */
  const hop = (hopUrl: string): Promise<Hop> =>
    new Promise((resolve, reject) => {
      let refusedBecause: string | null = null;
      const transport = hopUrl.startsWith("https:") ? modules.https : modules.http;
      const fail = (error: Error): void => {
        if (stopped) return reject(stopped);
        if (refusedBecause !== null || error instanceof Refused) return resolve({ kind: "refused", reason: refusedBecause ?? error.message });
        const code = (error as { code?: unknown }).code;
        resolve({ kind: "final", outcome: { kind: "error", message: typeof code === "string" ? code : error.message } });
      };
      const request = transport.request(
        hopUrl,
        {
          method: "GET",
          headers: {
            accept: "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
            "accept-encoding": "identity",
            range: `bytes=0-${maxBytes - 1}`,
            "user-agent": options.userAgent,
          },
          agent: false,
          lookup: guardedLookup(modules.resolve, options.allowPrivateHosts, (reason) => (refusedBecause = reason)),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const headers = headerRecord(res.headers);
          const location = headers["location"];
          if (REDIRECTS.has(status) && location !== undefined) {
            res.destroy();
            return resolve({ kind: "redirect", status, location });
          }
          const declared = status === 206 ? sizeFromContentRange(headers["content-range"]) : Number(headers["content-length"] ?? NaN);
          if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) {
            res.destroy();
            return resolve({ kind: "final", outcome: { kind: "too-large", bytes: declared } });
          }
          const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
          if (encoding !== "identity" && encoding !== "") {
            res.destroy();
            return resolve({ kind: "final", outcome: { kind: "error", message: `the site sent the page ${encoding}-compressed although it was asked not to` } });
          }
          const chunks: Uint8Array[] = [];
          let received = 0;
          let done = false;
          res.on("data", (chunk) => {
            if (done) return;
            received += chunk.byteLength;
            if (received > maxBytes) {
              // Stop the download itself: nothing more is read or kept.
              done = true;
              chunks.length = 0;
              res.destroy();
              current?.destroy();
              return resolve({ kind: "final", outcome: { kind: "too-large" } });
            }
            chunks.push(chunk);
          });
          res.on("end", () => {
            if (done) return;
            done = true;
            const body = new Uint8Array(received);
            let offset = 0;
            for (const c of chunks) {
              body.set(c, offset);
              offset += c.byteLength;
            }
            resolve({ kind: "final", outcome: { kind: "response", status: status === 206 ? 200 : status, headers, body } });
          });
          res.on("error", (error) => {
            if (done) return;
            done = true;
            fail(error);
          });
          res.on("close", () => {
            if (done) return;
            done = true;
            fail(stopped ?? new Error("the connection closed before the page was complete"));
          });
        },
      );
      current = request;
      request.on("error", fail);
      request.end();
    });

  const run = async (): Promise<FetchOutcome> => {
    if (options.signal?.aborted) throw abortError();
    const first = hostRefusal(url, options);
    if (first !== null) return { kind: "refused", reason: `not fetched: ${first.reason}` };
    let at = url;
    // The address the cited one moved to: the end of the leading run of permanent redirects.
    let movedTo: string | undefined;
    let permanentSoFar = true;
    for (let redirects = 0; ; redirects++) {
      if (stopped) throw stopped;
      const result = await hop(at);
      if (result.kind === "refused") {
        return { kind: "refused", reason: at === url ? `not fetched: ${result.reason}` : `not fetched: the page redirects to ${originOf(at)}, and ${result.reason}` };
      }
      if (result.kind === "final") {
        const outcome = result.outcome;
        if (outcome.kind !== "response") return outcome;
        return { ...outcome, redirects: { finalUrl: at, ...(movedTo !== undefined ? { movedTo } : {}) } };
      }
      let next: string;
      try {
        next = new URL(result.location, at).href;
      } catch {
        return { kind: "error", message: "the site redirected to an address that is not valid" };
      }
      if (redirects >= MAX_PAGE_REDIRECTS) return { kind: "error", message: `too many redirects, more than ${MAX_PAGE_REDIRECTS}` };
      const refused = hostRefusal(next, options);
      if (refused !== null) return { kind: "refused", reason: `not fetched: the page redirects to ${originOf(next)}, and ${refused.reason}` };
      if (permanentSoFar && PERMANENT.has(result.status)) movedTo = next;
      else permanentSoFar = false;
      at = next;
    }
  };

  return run()
    .catch((error: unknown) => {
      if (error instanceof Timeout) return { kind: "timeout" as const, seconds: options.timeoutSeconds };
      throw error;
    })
    .finally(() => {
      window.clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      current?.destroy();
    });
}
