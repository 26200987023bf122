// Obsidian's `requestUrl`, reimplemented on node:http / node:https for tests and scripts: it buffers
// the whole body, has no CORS and no abort, resolves any status with `throw: false`, and otherwise
// rejects on status >= 400. Network failures reject. Response header names are lowercase.
// Like Obsidian's (Electron's net module on desktop, the native HTTP client on mobile), it follows
// redirects itself and says nothing about them: the response is the last one's, with no final URL.
// Chromium gives up after 20 redirects with net::ERR_TOO_MANY_REDIRECTS; so does this.

import http from "node:http";
import https from "node:https";
import type { RequestUrlParam } from "../../src/perplexity/transport-request-url";

/** The same parameter Obsidian's requestUrl takes (one definition, in the transport). */
export type NodeRequestUrlParam = RequestUrlParam;

export interface NodeRequestUrlResponse {
  status: number;
  headers: Record<string, string>;
  arrayBuffer: ArrayBuffer;
  text: string;
  /** Parsed lazily, like Obsidian's: throws on access if the body is not JSON. */
  readonly json: unknown;
}

/** Obsidian's promise also exposes the body parts directly (`await requestUrl(x).json`). */
export type NodeRequestUrlResponsePromise = Promise<NodeRequestUrlResponse> & {
  arrayBuffer: Promise<ArrayBuffer>;
  json: Promise<unknown>;
  text: Promise<string>;
};

/** The error Obsidian rejects with for a status >= 400 when `throw` is not false. */
export class RequestUrlStatusError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, headers: Record<string, string>) {
    super(`Request failed, status ${status}`);
    this.name = "RequestUrlStatusError";
    this.status = status;
    this.headers = headers;
  }
}

function makeResponse(status: number, headers: Record<string, string>, bytes: Buffer): NodeRequestUrlResponse {
  const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const text = new TextDecoder().decode(bytes);
  let parsed: { value: unknown } | undefined;
  return {
    status,
    headers,
    arrayBuffer,
    text,
    get json(): unknown {
      parsed ??= { value: JSON.parse(text) as unknown };
      return parsed.value;
    },
  };
}

function lowercaseHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** Chromium's limit (net/url_request: kMaxRedirects). */
const MAX_REDIRECTS = 20;

/** How the network is reached: the resolver (tests inject DNS answers, as the system's resolver would give them). */
export interface NodeRequestUrlNetwork {
  lookup?: typeof import("node:dns").lookup;
}

async function send(param: NodeRequestUrlParam, network: NodeRequestUrlNetwork): Promise<NodeRequestUrlResponse> {
  let current = param;
  for (let redirects = 0; ; redirects++) {
    const response = await sendOnce({ ...current, throw: false }, network);
    const location = response.headers["location"];
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) {
      if (param.throw !== false && response.status >= 400) throw new RequestUrlStatusError(response.status, response.headers);
      return response;
    }
    if (redirects >= MAX_REDIRECTS) throw new Error("net::ERR_TOO_MANY_REDIRECTS");
    const url = new URL(location, current.url).href;
    // 301/302/303 turn a POST into a GET without a body, as browsers do; 307/308 repeat the request.
    const keep = response.status === 307 || response.status === 308 || (current.method ?? "GET").toUpperCase() === "GET";
    current = keep ? { ...current, url } : { url, method: "GET", ...(current.headers ? { headers: current.headers } : {}) };
  }
}

function sendOnce(param: NodeRequestUrlParam, network: NodeRequestUrlNetwork): Promise<NodeRequestUrlResponse> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(param.url);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const transport = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!transport) {
      reject(new Error(`Unsupported protocol ${url.protocol}`));
      return;
    }
    const headers: Record<string, string> = { ...(param.headers ?? {}) };
    if (param.contentType !== undefined) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === "content-type") delete headers[name];
      headers["content-type"] = param.contentType;
    }
    const body =
      param.body === undefined ? undefined : typeof param.body === "string" ? Buffer.from(param.body, "utf8") : Buffer.from(param.body);
    if (body !== undefined) headers["content-length"] = String(body.byteLength);

    const req = transport.request(url, { method: (param.method ?? "GET").toUpperCase(), headers, ...(network.lookup ? { lookup: network.lookup } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("net::ERR_CONNECTION_CLOSED")));
      res.on("end", () => {
        if (!res.complete) {
          reject(new Error("net::ERR_CONNECTION_CLOSED"));
          return;
        }
        const status = res.statusCode ?? 0;
        const responseHeaders = lowercaseHeaders(res.headers);
        if (param.throw !== false && status >= 400) {
          reject(new RequestUrlStatusError(status, responseHeaders));
          return;
        }
        resolve(makeResponse(status, responseHeaders, Buffer.concat(chunks)));
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Drop-in for Obsidian's `requestUrl` (also used as the `obsidian` module's `requestUrl` in tests). */
export function nodeRequestUrl(request: NodeRequestUrlParam | string, network: NodeRequestUrlNetwork = {}): NodeRequestUrlResponsePromise {
  const param = typeof request === "string" ? { url: request } : request;
  const promise = send(param, network);
  // Getters, so an unread part never becomes an unhandled rejection.
  void Object.defineProperties(promise, {
    arrayBuffer: { get: () => promise.then((r) => r.arrayBuffer) },
    json: { get: () => promise.then((r) => r.json) },
    text: { get: () => promise.then((r) => r.text) },
  });
  return promise as NodeRequestUrlResponsePromise;
}
