// A streaming `fetch` built on Node's `http`/`https` (Obsidian desktop only). Renderer fetch is held
// back by CORS and requestUrl buffers the whole body, so this is the one way to show an answer as
// it is written. The modules are injected: mobile has no Node, and the plugin may only `require`
// them behind `Platform.isDesktopApp`, so this file imports no Node built-in (types are structural).

import { abortError, isDroppedHeader } from "./transport-request-url";

/** The parts of Node's `IncomingMessage` this transport reads. */
export interface NodeIncomingMessageLike {
  readonly statusCode?: number | undefined;
  readonly statusMessage?: string | undefined;
  /** Name/value pairs as received: keeps every value of a repeated header. */
  readonly rawHeaders: string[];
  /** True once the whole message arrived; false when the connection ended early. */
  readonly complete: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

/** The parts of Node's `ClientRequest` this transport uses. */
export interface NodeClientRequestLike {
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "socket", listener: (socket: NodeSocketLike) => void): unknown;
  end(chunk?: Uint8Array): unknown;
  destroy(): unknown;
}

/** The parts of Node's `net.Socket` / `tls.TLSSocket` used to tell whether the request could leave. */
export interface NodeSocketLike {
  /** True while the TCP connection is being made. */
  readonly connecting?: boolean;
  /** Set on TLS sockets. */
  readonly encrypted?: boolean;
  once(event: "connect" | "secureConnect", listener: () => void): unknown;
}

/**
 * A failure before the connection was made (for https: before the TLS handshake completed): nothing of the
 * request left this machine, so the same request may be sent another way. Typical causes: connection
 * refused, a proxy being required (Node ignores the system proxy), a certificate Node does not trust
 * (Node ignores the system certificate store), a name that does not resolve.
 */
export class NotConnectedError extends TypeError {
  readonly notConnected = true;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "NotConnectedError";
  }
}

/** Whether `err` (or an error it wraps) says the request never left this machine. */
export function isNotConnectedError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NotConnectedError || (e as { notConnected?: unknown }).notConnected === true) return true;
  }
  return false;
}

export interface NodeRequestOptions {
  method: string;
  headers: Record<string, string>;
}

/** What `require("http")` and `require("https")` both provide. */
export interface NodeHttpLike {
  /** Takes the URL as a string: a renderer `URL` object is not Node's, and a string works everywhere. */
  request(url: string, options: NodeRequestOptions, callback: (res: NodeIncomingMessageLike) => void): NodeClientRequestLike;
}

// Statuses whose Response must have no body (the Response constructor throws otherwise).
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

// Bytes received but not yet read before the socket is paused.
const HIGH_WATER_MARK = 64 * 1024;

/** fetch reports network failures as TypeError; the SDK turns that into a connection error. */
function networkError(message: string, cause?: unknown): TypeError {
  return cause === undefined ? new TypeError(message) : new TypeError(message, { cause });
}

async function bytesOf(body: BodyInit, headers: Headers): Promise<Uint8Array> {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  // Blobs, URLSearchParams, FormData, streams: let Response do the conversion, and keep the
  // content type it derives (a multipart boundary) when the caller set none, as fetch does.
  const converted = new Response(body);
  const type = converted.headers.get("content-type");
  if (type !== null && !headers.has("content-type")) headers.set("content-type", type);
  return new Uint8Array(await converted.arrayBuffer());
}

/** One chunk of all `parts`, as a plain Uint8Array (not a Buffer: the type fetch gives). */
function concat(parts: readonly Uint8Array[], byteLength: number): Uint8Array {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only) return new Uint8Array(only.buffer, only.byteOffset, only.byteLength);
  const out = new Uint8Array(byteLength);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * `primary`, except when it fails before connecting (nothing was sent): then the same request through
 * `fallback`, and `onFallback` is told why.
 */
export function fetchWithFallback(primary: typeof fetch, fallback: typeof fetch, onFallback: (error: unknown) => void): typeof fetch {
  return async (input, init) => {
    try {
      return await primary(input, init);
    } catch (error) {
      if (!isNotConnectedError(error) || init?.signal?.aborted) throw error;
      onFallback(error);
      return fallback(input, init);
    }
  };
}

/** The Node error code in words, for the log and the user's message. */
function describeConnectError(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : err.message;
}

function responseHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      // append, so repeated headers are joined with ", " as fetch does.
      headers.append(raw[i] ?? "", raw[i + 1] ?? "");
    } catch {
      // A header Headers refuses (invalid characters) is dropped rather than failing the response.
    }
  }
  return headers;
}

/** Wrap Node's `http`/`https` modules as a standard, streaming `fetch`. */
export function createNodeHttpsFetch(modules: { http: NodeHttpLike; https: NodeHttpLike }): typeof fetch {
  const nodeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    let url: URL;
    try {
      url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
    } catch (err) {
      throw networkError("fetch failed: invalid URL", err);
    }
    const transport = url.protocol === "https:" ? modules.https : url.protocol === "http:" ? modules.http : undefined;
    if (!transport) throw networkError(`fetch failed: unsupported protocol ${url.protocol}`);
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    const signal = init?.signal ?? request?.signal ?? undefined;
    if (signal?.aborted) throw abortError();

    const headers = new Headers(init?.headers ?? request?.headers);
    for (const name of [...headers.keys()]) if (isDroppedHeader(name)) headers.delete(name);
    let body: Uint8Array | undefined;
    if (init?.body !== undefined && init.body !== null) body = await bytesOf(init.body, headers);
    else if (request?.body && method !== "GET" && method !== "HEAD") body = new Uint8Array(await request.arrayBuffer());
    // Checked again: the signal may have fired while the body was being read.
    if (signal?.aborted) throw abortError();
    // fetch sends a length for every body, and 0 for a bodiless POST/PUT (some servers want it).
    if (body !== undefined) headers.set("content-length", String(body.byteLength));
    else if (method === "POST" || method === "PUT") headers.set("content-length", "0");
    // Node does not decompress. Asking for identity is simpler and honest (SSE gains little from
    // compression); a server that compresses anyway is refused below rather than passed on garbled.
    headers.set("accept-encoding", "identity");
    const outgoing: Record<string, string> = {};
    headers.forEach((value, name) => {
      outgoing[name] = value;
    });

    return new Promise<Response>((resolve, reject) => {
      let incoming: NodeIncomingMessageLike | undefined;
      // Connected: for https once the TLS handshake is done (no request byte is sent before), for http once
      // TCP connects; a reused keep-alive socket is connected already; a response proves it too.
      let connected = false;
      // Set once the Response exists: from then on failures go to the body stream.
      let sink: { fail(err: Error, now: boolean): void } | undefined;
      // The socket side is over (ended, failed, aborted or cancelled): ignore its later events.
      let socketDone = false;

      const stopListening = (): void => signal?.removeEventListener("abort", onAbort);
      /** Before the response, reject; after it, error the body (`now`: without delivering what is queued). */
      const fail = (err: Error, now: boolean): void => {
        if (socketDone) {
          if (now) sink?.fail(err, now);
          return;
        }
        socketDone = true;
        // Destroying the request also destroys its socket, so nothing is left open.
        req.destroy();
        incoming?.destroy();
        if (sink) {
          sink.fail(err, now);
        } else {
          stopListening();
          reject(err);
        }
      };
      // Abort errors the body at once, also when the last bytes came but were not read yet (as fetch does).
      function onAbort(): void {
        fail(abortError(), true);
      }

      const onResponse = (res: NodeIncomingMessageLike): void => {
        incoming = res;
        connected = true;
        if (socketDone) {
          res.destroy();
          return;
        }
        const status = res.statusCode ?? 0;
        if (!Number.isInteger(status) || status < 200 || status > 599) {
          fail(networkError(`fetch failed: unusable HTTP status ${String(status)}`), true);
          return;
        }
        const resHeaders = responseHeaders(res.rawHeaders);
        const encoding = (resHeaders.get("content-encoding") ?? "identity").trim().toLowerCase();
        if (encoding !== "identity" && encoding !== "") {
          fail(networkError(`fetch failed: the server sent a ${encoding}-encoded body although identity was asked for`), true);
          return;
        }
        const responseInit: ResponseInit = { status, headers: resHeaders };

        let stream: ReadableStream<Uint8Array> | null = null;
        if (NULL_BODY_STATUSES.has(status) || method === "HEAD") {
          // Drain whatever came so the connection can be reused.
          socketDone = true;
          stopListening();
          res.resume();
        } else {
          // Bytes that arrived since the consumer's last read. Each read takes all of them at once:
          // an SSE server writes one small event per TCP segment, and one chunk per segment would make
          // the reader pay its per-read cost thousands of times for one answer.
          const pending: Uint8Array[] = [];
          let pendingBytes = 0;
          let ended = false;
          let failure: Error | undefined;
          let wake: (() => void) | undefined;
          let controller: ReadableStreamDefaultController<Uint8Array> | undefined;

          /** Hand the consumer what arrived, else the end or the failure; false when there is nothing yet. */
          const deliver = (): boolean => {
            if (!controller) return false;
            if (pending.length > 0) {
              controller.enqueue(concat(pending, pendingBytes));
              pending.length = 0;
              pendingBytes = 0;
              return true;
            }
            if (failure === undefined && !ended) return false;
            stopListening();
            if (failure !== undefined) controller.error(failure);
            else controller.close();
            return true;
          };
          const poke = (): void => {
            if (wake && deliver()) {
              const resolvePull = wake;
              wake = undefined;
              resolvePull();
            }
          };
          sink = {
            fail(err, now) {
              if (failure !== undefined) return;
              failure = err;
              if (now) {
                pending.length = 0;
                pendingBytes = 0;
                controller?.error(err);
              }
              poke();
            },
          };

          stream = new ReadableStream<Uint8Array>(
            {
              start(c) {
                controller = c;
              },
              pull() {
                // The consumer wants more: let the socket flow again (it may be paused below).
                if (!socketDone) res.resume();
                if (deliver()) return;
                return new Promise<void>((resolve) => {
                  wake = resolve;
                });
              },
              cancel() {
                // The reader stopped early (done, stall timeout): close the connection.
                stopListening();
                if (socketDone) return;
                socketDone = true;
                req.destroy();
                res.destroy();
              },
            },
            // Nothing is queued inside the stream; `pending` is the buffer, so pull runs only when someone reads.
            { highWaterMark: 0 },
          );
          res.on("data", (chunk) => {
            if (socketDone) return;
            pending.push(chunk);
            pendingBytes += chunk.byteLength;
            // Backpressure: stop reading the socket until the consumer pulls.
            if (pendingBytes >= HIGH_WATER_MARK) res.pause();
            poke();
          });
          res.on("end", () => {
            if (socketDone) return;
            // Current Node reports a cut connection as error/close, older versions as a short "end".
            if (!res.complete) {
              fail(networkError("terminated: the connection closed before the body was complete"), false);
              return;
            }
            socketDone = true;
            ended = true;
            poke();
          });
          // A server that goes away mid-body: what came is still read, then the body errors, so the
          // consumer keeps the partial answer and reports a broken connection.
          res.on("error", (err) => fail(networkError("terminated", err), false));
          res.on("close", () => fail(networkError("terminated: the connection closed before the body was complete"), false));
        }

        let response: Response;
        try {
          response = new Response(stream, { ...responseInit, statusText: res.statusMessage ?? "" });
        } catch {
          // A status text Response refuses (invalid characters) is dropped rather than failing.
          response = new Response(stream, responseInit);
        }
        // fetch's Response carries its URL; the SDK logs it.
        Object.defineProperty(response, "url", { value: url.href });
        resolve(response);
      };

      let req: NodeClientRequestLike;
      try {
        req = transport.request(url.href, { method, headers: outgoing }, onResponse);
      } catch (err) {
        // Node throws synchronously for what it cannot send (a bad header value, say): fetch rejects.
        reject(networkError("fetch failed", err));
        return;
      }
      req.on("socket", (socket: NodeSocketLike) => {
        if (socket.connecting === false && (url.protocol !== "https:" || socket.encrypted === true)) connected = true;
        else socket.once(url.protocol === "https:" ? "secureConnect" : "connect", () => (connected = true));
      });
      req.on("error", (err) => {
        const message = connected ? "fetch failed" : `fetch failed: could not connect to ${url.host} (${describeConnectError(err)})`;
        fail(connected ? networkError(message, err) : new NotConnectedError(message, err), false);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (body) req.end(body);
      else req.end();
    });
  };
  return nodeFetch;
}
