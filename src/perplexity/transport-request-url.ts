// A `fetch` built on Obsidian's `requestUrl`, which has no CORS limits and works on desktop and
// mobile. requestUrl buffers the whole body and cannot be aborted, so the returned fetch races it
// against the signal, and maps its failures to what the `openai` SDK expects from fetch.

/** The parameter of Obsidian's `requestUrl` (structural, so this module needs no `obsidian` import). */
export interface RequestUrlParam {
  url: string;
  method?: string;
  contentType?: string;
  body?: string | ArrayBuffer;
  headers?: Record<string, string>;
  throw?: boolean;
}

/** The parts of Obsidian's `RequestUrlResponse` this transport reads. */
export interface RequestUrlResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  arrayBuffer: ArrayBuffer;
}

export type RequestUrlFn = (param: RequestUrlParam) => Promise<RequestUrlResult>;

// Statuses whose Response must have no body (the Response constructor throws otherwise).
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The SDK adds `x-stainless-*` headers (OS, architecture, runtime version, retry count). They tell
 * Perplexity nothing it needs, disclose the user's platform, and have been seen rejected by
 * Perplexity's CORS preflight; dropping them costs nothing, so every transport drops them.
 */
export function isDroppedHeader(name: string): boolean {
  return name.toLowerCase().startsWith("x-stainless-");
}

/** The error fetch rejects with when its signal aborts (the SDK recognises it by name). */
export function abortError(): DOMException {
  return new DOMException("The operation was aborted.", "AbortError");
}

async function bodyOf(body: BodyInit | null | undefined): Promise<string | ArrayBuffer | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer) return body;
  // Typed arrays, Blobs, URLSearchParams, streams: let Response do the conversion.
  return new Response(body).arrayBuffer();
}

/** Wrap `requestUrl` as a standard `fetch`. */
export function createRequestUrlFetch(requestUrl: RequestUrlFn): typeof fetch {
  const requestUrlFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    const signal = init?.signal ?? request?.signal ?? undefined;
    if (signal?.aborted) throw abortError();

    const headers: Record<string, string> = {};
    let contentType: string | undefined;
    new Headers(init?.headers ?? request?.headers).forEach((value, name) => {
      if (isDroppedHeader(name)) return;
      // requestUrl takes the content type as its own parameter.
      if (name === "content-type") contentType = value;
      else headers[name] = value;
    });
    let body = await bodyOf(init?.body);
    if (body === undefined && request && method !== "GET" && method !== "HEAD") body = await request.arrayBuffer();

    const param: RequestUrlParam = { url, method, headers, throw: false };
    if (contentType !== undefined) param.contentType = contentType;
    if (body !== undefined) param.body = body;

    const result = await new Promise<RequestUrlResult>((resolve, reject) => {
      // requestUrl cannot be stopped; on abort we stop waiting for it, as fetch would.
      // Checked again here: the signal may have fired while the body was being read.
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const onAbort = (): void => reject(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      requestUrl(param).then(
        (res) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(res);
        },
        (err: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          // fetch reports network failures as TypeError; the SDK turns that into a connection error.
          reject(new TypeError("fetch failed", { cause: err }));
        },
      );
    });

    const status = result.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new TypeError(`fetch failed: unusable HTTP status ${String(status)}`);
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      try {
        responseHeaders.append(name, value);
      } catch {
        // A header Headers refuses (invalid characters) is dropped rather than failing the response.
      }
    }
    const payload = NULL_BODY_STATUSES.has(status) ? null : (result.arrayBuffer ?? result.text);
    return new Response(payload, { status, headers: responseHeaders });
  };
  return requestUrlFetch;
}

/** Wrap any fetch so the `x-stainless-*` headers are dropped (see `isDroppedHeader`). */
export function withoutSdkHeaders(baseFetch: typeof fetch): typeof fetch {
  const filtered = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (!init?.headers) return baseFetch(input, init);
    const headers = new Headers(init.headers);
    for (const name of [...headers.keys()]) if (isDroppedHeader(name)) headers.delete(name);
    return baseFetch(input, { ...init, headers });
  };
  return filtered;
}
