// The Perplexity client: the `openai` SDK pointed at the Agent API, over whatever fetch the caller
// gives (requestUrl everywhere, a streaming one on desktop). The SDK does auth, retries (429 and 5xx,
// honouring retry-after-ms / retry-after; never 400/401/403) and the connect timeout; we parse the
// body ourselves so the streamed and the buffered path give the same Answer and the same errors.

import { OpenAI } from "openai/client";
import { APIError } from "openai/core/error";
import { parseBaseUrl } from "./base-url";
import { PerplexityError, messages, scrubError, toPerplexityError, unknownFieldOf } from "./errors";
import { KeyScrubber, scrubAnswer, scrubProgress, StreamScrubber } from "./key-scrub";
import { toWireRequest } from "./request";
import type { PresetField } from "./request";
import { answerFromResponse, readRunSnapshot } from "./response";
import type { RunSnapshot } from "./response";
import { isSafeRunId, runPath } from "./run-id";
import { consumeStream, sseEventsFromBody } from "./stream";
import { sleep } from "./timers";
import type { AskRequest } from "../core/ask-request";
import type { Answer, StreamProgress } from "../core/answer";

type MaybePromise<T> = T | Promise<T>;

export interface PerplexityClientOptions {
  /** e.g. `https://api.perplexity.ai/v1` */
  baseUrl: string;
  /** Read before every request, so a changed key takes effect at once. */
  getApiKey: () => MaybePromise<string | null | undefined>;
  fetch: typeof fetch;
  /** Per attempt, until the response headers arrive (all of it with requestUrl, which buffers). */
  timeoutMs: number;
  /** Retries of 408/409/429/5xx and connection failures. Default 2. */
  maxRetries?: number;
}

export interface AskOptions {
  signal?: AbortSignal;
  /** Stream the answer (progress events); the result is the same Answer either way. Default false. */
  stream?: boolean;
  onProgress?: (p: StreamProgress) => void;
}

export interface ConnectionReport {
  /** The model that answered the test question. */
  model: string;
  responseId: string;
  /** What the test cost, in USD, as Perplexity reported it. */
  totalCost?: number;
  elapsedMs: number;
}

/** What a cancel found: the run was still running, had already ended, or is unknown to the server. */
export type CancelResult = "cancelling" | "ended" | "unknown";

export interface PerplexityClient {
  ask(req: AskRequest, opts?: AskOptions): Promise<Answer>;
  testConnection(opts?: { signal?: AbortSignal }): Promise<ConnectionReport>;
  cancelRun(responseId: string): Promise<CancelResult>;
  /** Starts a background run (`background: true`): resolves with its id and first status (`queued` live). */
  startRun(req: AskRequest, opts?: { signal?: AbortSignal }): Promise<RunSnapshot>;
  /** GET /v1/responses/{id}: the run as it is now; a `run-unknown` PerplexityError for a 404. */
  retrieveRun(responseId: string, opts?: { signal?: AbortSignal }): Promise<RunSnapshot>;
}

/**
 * The cheapest request that proves the key works. `GET /models` proves little (Perplexity's docs say it needs no key);
 * an unknown run id might answer 404 for a good key, but that is undocumented. This is a real run:
 * preset `fast` (the cheapest), a one-word answer and a 16-token cap (the usual minimum). It costs a
 * fraction of a cent (tokens, plus about $0.001 if the preset decides to search); the report says
 * what it cost.
 */
export const CONNECTION_TEST_REQUEST: AskRequest = {
  question: "Reply with the single word OK.",
  choice: { preset: "fast" },
  maxOutputTokens: 16,
};

/** Reports progress; a failing callback (UI code) must not break the request. */
function tell(opts: AskOptions, progress: StreamProgress): void {
  try {
    opts.onProgress?.(progress);
  } catch {
    /* ignored on purpose */
  }
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream");
}

function abortedError(): PerplexityError {
  return new PerplexityError("aborted", messages.aborted());
}

/** Events from a live body that stop (with an abort) as soon as the caller's signal fires. */
async function* untilAborted(events: AsyncIterable<unknown>, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
  for await (const event of events) {
    if (signal?.aborted) throw abortedError();
    yield event;
  }
  if (signal?.aborted) throw abortedError();
}

/** Errors after which a started run may still be going on at Perplexity. */
const ABANDONED_KINDS = new Set(["aborted", "timeout", "network", "bad-response"]);

/** The longest the client waits by itself for a rate limit to reset; past it, the user is told when to try again. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 60;

/**
 * How long to wait before asking again after a 429: until the limit resets (Retry-After or `x-ratelimit-reset`,
 * at least half a second, since the reset is given in whole seconds), else 0.5 s, 1 s, 2 s… Null when the reset
 * is further away than `MAX_RATE_LIMIT_WAIT_SECONDS`: nobody waits minutes for a note.
 */
export function retryDelayMs(retryAfterSeconds: number | undefined, attempt: number): number | null {
  if (retryAfterSeconds === undefined) return 500 * 2 ** attempt;
  if (retryAfterSeconds > MAX_RATE_LIMIT_WAIT_SECONDS) return null;
  return Math.max(retryAfterSeconds * 1000, 500);
}

/**
 * The only request headers sent. The SDK adds more: `x-stainless-*` (platform details), and, from the
 * process environment, `openai-organization`, `openai-project` and any `OPENAI_CUSTOM_HEADERS`. Nothing
 * outside the plugin's settings may shape a request to Perplexity.
 */
const SENT_HEADERS = new Set(["accept", "authorization", "content-type", "content-length"]);

/** Wrap a fetch so only `SENT_HEADERS` leave. */
export function onlyApiHeaders(baseFetch: typeof fetch): typeof fetch {
  return (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (!init?.headers) return baseFetch(input, init);
    const headers = new Headers(init.headers);
    for (const name of [...headers.keys()]) if (!SENT_HEADERS.has(name.toLowerCase())) headers.delete(name);
    return baseFetch(input, { ...init, headers });
  };
}

/**
 * How a server spells the request, learned from its "unknown field" 400s and kept per base URL for the
 * session: `preset` is being renamed `effort`.
 */
interface WireDialect {
  presetField: PresetField;
}

const dialects = new Map<string, WireDialect>();

/** Forget what servers were learned to accept (tests). */
export function forgetServerDialects(): void {
  dialects.clear();
}

/** The dialect to try after `field` was rejected as unknown, or null when there is no other. */
function adapted(dialect: WireDialect, field: string, usesPreset: boolean): WireDialect | null {
  if (usesPreset && field === dialect.presetField) return { ...dialect, presetField: dialect.presetField === "preset" ? "effort" : "preset" };
  return null;
}

export function createPerplexityClient(options: PerplexityClientOptions): PerplexityClient {
  const fetchWithoutSdkHeaders = onlyApiHeaders(options.fetch);
  const base = parseBaseUrl(options.baseUrl);
  const baseURL = base.ok ? base.url : options.baseUrl;

  /** `watch` wraps the fetch of this one client (startRun learns when its POST leaves). */
  async function sdkFor(watch?: (f: typeof fetch) => typeof fetch): Promise<{ sdk: OpenAI; apiKey: string }> {
    let raw: string | null | undefined;
    try {
      raw = await options.getApiKey();
    } catch {
      // A failing secret store reads as "no key": the user's fix is the same.
      raw = undefined;
    }
    const apiKey = typeof raw === "string" ? raw.trim() : "";
    if (!apiKey) throw new PerplexityError("missing-key", messages.missingKey());
    if (!base.ok) throw new PerplexityError("invalid-request", base.message);
    const sdk = new OpenAI({
      apiKey,
      baseURL: base.url,
      // Given explicitly so the SDK never reads OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_LOG and the like
      // from the environment (the bundle also disables its env reader: scripts/slim-openai.mjs).
      organization: null,
      project: null,
      webhookSecret: null,
      logLevel: "off",
      fetch: watch ? watch(fetchWithoutSdkHeaders) : fetchWithoutSdkHeaders,
      timeout: options.timeoutMs,
      // The SDK would also retry timeouts, dropped connections and 5xx: each retry of a question
      // starts another paid run while the first may still be running. `ask` retries 429s itself.
      maxRetries: 0,
      dangerouslyAllowBrowser: true,
    });
    return { sdk, apiKey };
  }

  async function readAnswer(response: Response, opts: AskOptions): Promise<Answer> {
    if (isEventStream(response)) {
      // Between events, the timeout applies again: a stream that stalls fails instead of hanging.
      const events = sseEventsFromBody(response.body, undefined, options.timeoutMs);
      return consumeStream(untilAborted(events, opts.signal), opts.onProgress);
    }
    // A JSON body, also when a stream was asked for but the server answered in one piece.
    return answerFromResponse(await readJson(response, opts));
  }

  /** The body as JSON, or `bad-response`; an abort while it was read wins. */
  async function readJson(response: Response, opts: { signal?: AbortSignal }): Promise<unknown> {
    const text = await response.text();
    if (opts.signal?.aborted) throw abortedError();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PerplexityError("bad-response", messages.badResponse("not JSON"), { detail: "not JSON" });
    }
  }

  /**
   * Sends `req` as a new run (with the dialect this server was learned to accept) and reads the response with
   * `read`, which gets the key's scrubber (nothing the server sends may carry the key on). An "unknown field" 400
   * is asked once more in the other spelling, a 429 is retried after its wait; nothing else is sent twice. A run
   * we stop reading is cancelled at Perplexity.
   */
  async function send<T>(
    req: AskRequest,
    opts: AskOptions,
    wire: { stream: boolean; background?: boolean; watch?: (f: typeof fetch) => typeof fetch },
    read: (response: Response, opts: AskOptions, key: KeyScrubber) => Promise<T>,
  ): Promise<T> {
    let dialect = dialects.get(baseURL) ?? { presetField: "preset" };
    const bodyFor = (d: WireDialect): Record<string, unknown> =>
      toWireRequest(req, { stream: wire.stream, ...(wire.background ? { background: true } : {}), presetField: d.presetField });
    // Input errors first: they need neither a key nor the network.
    let body = bodyFor(dialect);
    if (opts.signal?.aborted) throw abortedError();
    const { sdk, apiKey } = await sdkFor(wire.watch);
    // Whatever the server sends back leaves the client without the key in any form (key-scrub.ts).
    const key = new KeyScrubber(apiKey);
    const retries = options.maxRetries ?? 2;
    const usesPreset = "preset" in req.choice;
    let adaptedOnce = false;
    for (let attempt = 0; ; attempt++) {
      let responseId = "";
      const streamedText = new StreamScrubber(key);
      const onProgress = (p: StreamProgress): void => {
        if (p.type === "created") responseId = p.responseId;
        opts.onProgress?.(scrubProgress(p, key, streamedText));
      };
      try {
        // The client's own `post` (what `responses.create` calls): the bundle leaves out the SDK's
        // resource classes (scripts/slim-openai.mjs), and Perplexity-only fields need no casts.
        const response = await sdk
          .post("/responses", { body, stream: wire.stream, ...(opts.signal ? { signal: opts.signal } : {}) })
          .asResponse();
        dialects.set(baseURL, dialect);
        return await read(response, { ...opts, onProgress }, key);
      } catch (err) {
        // An "unknown field" 400 runs nothing and bills nothing: ask once more in the other spelling.
        const field = unknownFieldOf(err);
        if (field !== undefined && !opts.signal?.aborted) {
          const next = adaptedOnce ? null : adapted(dialect, field, usesPreset);
          if (next) {
            adaptedOnce = true;
            dialect = next;
            body = bodyFor(dialect);
            attempt--; // not a retry of a 429
            continue;
          }
          if (usesPreset && (field === "preset" || field === "effort")) {
            throw new PerplexityError("invalid-request", messages.presetFieldRejected(), { status: 400, param: field, detail: `unknown field ${field}` });
          }
        }
        const error = scrubError(toPerplexityError(err, { apiKey, timeoutMs: options.timeoutMs, ...("model" in req.choice ? { model: req.choice.model } : {}) }), key);
        // A 429 means no run was started: waiting and asking again costs nothing extra. The wait is shown.
        const wait = error.kind === "rate-limited" && attempt < retries && !opts.signal?.aborted ? retryDelayMs(error.retryAfterSeconds, attempt) : null;
        if (wait !== null) {
          tell(opts, { type: "waiting", seconds: Math.ceil(wait / 1000) });
          await sleep(wait, opts.signal);
          tell(opts, { type: "waiting", seconds: 0 });
          continue;
        }
        // A run we stopped reading (cancelled, stalled, connection lost) goes on server-side and
        // keeps costing money: tell Perplexity to stop it.
        if (responseId && ABANDONED_KINDS.has(error.kind)) void cancelRun(responseId).catch(() => undefined);
        throw error;
      }
    }
  }

  function ask(req: AskRequest, opts: AskOptions = {}): Promise<Answer> {
    return send(req, opts, { stream: opts.stream ?? false }, async (response, o, key) => scrubAnswer(await readAnswer(response, o), key));
  }

  /** A run object from a response body: JSON, or `bad-response`; what it holds scrubbed of the key. */
  async function readSnapshot(response: Response, opts: { signal?: AbortSignal }, key: KeyScrubber): Promise<RunSnapshot> {
    const snapshot = readRunSnapshot(await readJson(response, opts));
    if (!isSafeRunId(snapshot.id)) throw new PerplexityError("bad-response", messages.badResponse("a run id with unexpected characters"), { detail: "bad run id" });
    const scrubbed: RunSnapshot = { ...snapshot };
    if (snapshot.answer) scrubbed.answer = scrubAnswer(snapshot.answer, key);
    if (snapshot.error) scrubbed.error = scrubError(snapshot.error, key);
    return scrubbed;
  }

  /**
   * Starts a background run. Once its POST has left, Perplexity may have started the run, and only the reply says
   * the run's id: an abort from then on does not drop the exchange (a background start replies at once) but waits
   * for the reply and cancels the run it names, so no run goes on unseen. An abort before the POST left (or while a
   * 429 is waited out: no run) stops at once. When the reply never comes (timeout, abort and then no reply), the
   * error says that a run may go on and be billed.
   */
  async function startRun(req: AskRequest, opts: { signal?: AbortSignal } = {}): Promise<RunSnapshot> {
    const exchange = new AbortController();
    // A POST has left and no reply said that it started nothing (an error status starts no run).
    let mayHaveStarted = false;
    let abandoned = false;
    const stop = (): void => {
      abandoned = true;
      if (!mayHaveStarted) exchange.abort();
    };
    const watch = (f: typeof fetch): typeof fetch => async (input, init) => {
      if (!exchange.signal.aborted) mayHaveStarted = true;
      const response = await f(input, init);
      if (!response.ok) {
        mayHaveStarted = false;
        if (abandoned) exchange.abort();
      }
      return response;
    };
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
    let snapshot: RunSnapshot;
    try {
      snapshot = await send(req, { signal: exchange.signal }, { stream: false, background: true, watch }, readSnapshot);
    } catch (error) {
      if (!mayHaveStarted || !(error instanceof PerplexityError)) throw abandoned ? abortedError() : error;
      if (abandoned) throw new PerplexityError("aborted", messages.runStartUnnamed(), { detail: `no reply (${error.kind})` });
      if (error.kind === "timeout") throw new PerplexityError("timeout", messages.runStartUnnamed(options.timeoutMs), { detail: "no reply to the start" });
      throw error;
    } finally {
      opts.signal?.removeEventListener("abort", stop);
    }
    if (!abandoned) return snapshot;
    try {
      await cancelRun(snapshot.id);
    } catch (error) {
      throw new PerplexityError("aborted", messages.runStartNotStopped(error instanceof PerplexityError ? error.message : messages.network()), { detail: "started, not cancelled" });
    }
    throw new PerplexityError("aborted", messages.runStartStopped(), { detail: "started, cancelled" });
  }

  async function retrieveRun(responseId: string, opts: { signal?: AbortSignal } = {}): Promise<RunSnapshot> {
    // An unsafe id throws before anything is sent.
    const path = runPath("responses", responseId);
    const { sdk, apiKey } = await sdkFor();
    const key = new KeyScrubber(apiKey);
    try {
      // The official SDK's `responses.retrieve`. No retries here: the caller polls again later anyway.
      const response = await sdk.get(path, { maxRetries: 0, ...(opts.signal ? { signal: opts.signal } : {}) }).asResponse();
      return await readSnapshot(response, opts, key);
    } catch (err) {
      if (err instanceof PerplexityError) throw err;
      // Unknown to the server: expired, started with store false (live: 404 not_found), or another key's run.
      if (err instanceof APIError && err.status === 404) throw new PerplexityError("run-unknown", messages.runUnknown(), { status: 404, detail: "HTTP 404 not_found" });
      throw scrubError(toPerplexityError(err, { apiKey, timeoutMs: options.timeoutMs }), key);
    }
  }

  async function testConnection(opts: { signal?: AbortSignal } = {}): Promise<ConnectionReport> {
    const started = Date.now();
    try {
      const answer = await ask(CONNECTION_TEST_REQUEST, opts.signal ? { signal: opts.signal } : {});
      return report(answer, started);
    } catch (err) {
      // Running out of the 16 tokens still proves the key and the endpoint work.
      if (err instanceof PerplexityError && err.kind === "run-incomplete" && err.partial) {
        return report(err.partial, started);
      }
      if (err instanceof PerplexityError && err.kind === "run-incomplete" && err.detail === "max_output_tokens") {
        return { model: "", responseId: "", elapsedMs: Date.now() - started };
      }
      throw err;
    }
  }

  function report(answer: Answer, started: number): ConnectionReport {
    const result: ConnectionReport = {
      model: answer.model,
      responseId: answer.responseId,
      elapsedMs: Date.now() - started,
    };
    if (answer.usage.totalCost !== undefined) result.totalCost = answer.usage.totalCost;
    return result;
  }

  /**
   * Asks Perplexity to stop a run: "cancelling" when it was still running (200), "ended" when it had already
   * ended (400: live, an unknown id gets the same 400 "the run is already terminal"), "unknown" for a 404.
   */
  async function cancelRun(responseId: string): Promise<CancelResult> {
    const id = responseId.trim();
    if (!id) throw new PerplexityError("invalid-request", messages.invalidRequest("id", "the run id is empty"), { param: "id" });
    // The path Perplexity's own MCP server uses to stop an abandoned run; an unsafe id throws before anything is sent.
    const path = runPath("agent", id, "cancel");
    const { sdk, apiKey } = await sdkFor();
    try {
      await sdk.post(path, { maxRetries: 0 });
      return "cancelling";
    } catch (err) {
      // 400: the run has already ended, so it costs nothing more; that is what cancelling was for.
      if (err instanceof APIError && err.status === 400) return "ended";
      if (err instanceof APIError && err.status === 404) return "unknown";
      throw scrubError(toPerplexityError(err, { apiKey, timeoutMs: options.timeoutMs }), new KeyScrubber(apiKey));
    }
  }

  return { ask, testConnection, cancelRun, startRun, retrieveRun };
}
