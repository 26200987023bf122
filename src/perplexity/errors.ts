// Every failure the client can report, as one error class with a kind the UI can branch on and a
// message written for the user (what happened, what to do). Messages never carry the API key, HTML
// bodies or stack traces: server text is only quoted from a JSON error envelope, shortened and scrubbed.

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai/core/error";
import type { Answer } from "../core/answer";
import { KEY_MARK, scrubAnswer, scrubKey, type KeyScrubber } from "./key-scrub";

export type ErrorKind =
  | "missing-key"
  | "key-rejected"
  | "forbidden"
  | "out-of-credit"
  | "retired-endpoint"
  | "rate-limited"
  | "invalid-request"
  | "server-error"
  | "network"
  | "timeout"
  | "run-failed"
  | "run-cancelled"
  | "run-incomplete"
  | "run-unknown"
  | "bad-response"
  | "aborted";

export const SETTINGS_PLACE = "Settings → Perplexity Query";

export interface PerplexityErrorInit {
  status?: number;
  param?: string;
  retryAfterSeconds?: number;
  partial?: Answer;
  /** Short technical detail for logs (already scrubbed), e.g. the server's error type. */
  detail?: string;
}

export class PerplexityError extends Error {
  readonly kind: ErrorKind;
  readonly status?: number;
  readonly param?: string;
  readonly retryAfterSeconds?: number;
  /** What arrived before the run failed, when it had any text. */
  readonly partial?: Answer;
  readonly detail?: string;

  constructor(kind: ErrorKind, message: string, init: PerplexityErrorInit = {}) {
    super(scrubSecrets(message));
    this.name = "PerplexityError";
    this.kind = kind;
    if (init.status !== undefined) this.status = init.status;
    if (init.param !== undefined) this.param = init.param;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.partial !== undefined) this.partial = init.partial;
    if (init.detail !== undefined) this.detail = scrubSecrets(init.detail);
  }
}

export function isPerplexityError(err: unknown): err is PerplexityError {
  return err instanceof PerplexityError;
}

/** Context that makes messages more precise; `apiKey` is only used to scrub it out of any text. */
export interface ErrorContext {
  apiKey?: string;
  /** The model asked for, named in the "unknown model" message. */
  model?: string;
  timeoutMs?: number;
  partial?: Answer;
}

// ---------------------------------------------------------------------------------------------
// Message builders: one place for every sentence the user can see.

export const messages = {
  missingKey: (): string => `No Perplexity API key is set. Add your key in ${SETTINGS_PLACE}.`,
  keyRejected: (): string => `Perplexity rejected the API key. Check the key in ${SETTINGS_PLACE}.`,
  forbidden: (status: number): string =>
    `Perplexity refused this request (HTTP ${status}). The key may not have access to this model or feature, ` +
    `or the account may be out of credit: check your Perplexity API console.`,
  outOfCredit: (): string =>
    "Perplexity says the account is out of credit (HTTP 402). Add credit or turn on auto top-up in your " +
    "Perplexity API console, then try again.",
  unknownModel: (model?: string): string =>
    `Perplexity does not know the model${model ? ` "${model}"` : ""}. Pick one of the models it lists ` +
    `(the model field in ${SETTINGS_PLACE} suggests them), or choose a preset.`,
  presetFieldRejected: (): string =>
    "Perplexity rejected the preset under both of its names (preset and effort), so nothing was asked and " +
    `nothing was billed. Choose a model instead of a preset in ${SETTINGS_PLACE}, or update the plugin.`,
  badOption: (problem: string): string => `${problem} Change it in ${SETTINGS_PLACE} or in the ask prompt.`,
  retiredEndpoint: (): string =>
    "Perplexity has retired the endpoint this request was sent to (Sonar chat completions). " +
    `The plugin must use the Agent API: set the base URL in ${SETTINGS_PLACE} to https://api.perplexity.ai/v1, ` +
    "or update the plugin.",
  rateLimited: (retryAfterSeconds?: number): string =>
    retryAfterSeconds !== undefined
      ? `Perplexity is limiting how often you can ask. Wait ${formatDuration(retryAfterSeconds)} and try again.`
      : "Perplexity is limiting how often you can ask. Wait a moment and try again.",
  invalidRequest: (param?: string, serverMessage?: string): string =>
    `Perplexity rejected the request as invalid${param ? ` (parameter "${param}")` : ""}` +
    `${serverMessage ? `: ${serverMessage}` : ""}. Check the query options in ${SETTINGS_PLACE}.`,
  notFound: (): string =>
    `Perplexity has no such endpoint or run (HTTP 404). Check the base URL in ${SETTINGS_PLACE}: ` +
    "the Agent API is at https://api.perplexity.ai/v1, and a proxy or emulator usually needs the /v1 path too.",
  serverError: (status?: number): string =>
    `Perplexity had a server problem${status ? ` (HTTP ${status})` : ""}. Try again in a few minutes.`,
  network: (): string =>
    `Could not reach Perplexity. Check your internet connection and the base URL in ${SETTINGS_PLACE}, then try again.`,
  connectionLost: (): string =>
    "The connection to Perplexity broke before the answer was complete. Check your internet connection and try again.",
  timeout: (timeoutMs?: number): string =>
    `Perplexity did not answer${timeoutMs ? ` within ${formatSeconds(timeoutMs / 1000)}` : " in time"}. ` +
    `Try again, or raise the timeout in ${SETTINGS_PLACE}.`,
  stalled: (idleMs: number): string =>
    `Perplexity stopped sending the answer for ${formatSeconds(idleMs / 1000)}. ` +
    `Try again, or raise the timeout in ${SETTINGS_PLACE}.`,
  runFailed: (serverMessage?: string): string =>
    `Perplexity could not finish the answer${serverMessage ? `: ${serverMessage}` : ""}. Try again.`,
  runCancelled: (): string => "The Perplexity run was cancelled before it finished.",
  runUnknown: (): string =>
    "Perplexity no longer knows this run (HTTP 404): it may have expired, have been started without being stored, " +
    "or belong to another API key. Its answer cannot be fetched.",
  runIncomplete: (reason?: string): string =>
    reason === "max_output_tokens"
      ? `Perplexity stopped because the answer reached the maximum output tokens. Raise the limit in ${SETTINGS_PLACE} to get a complete answer.`
      : `Perplexity stopped before the answer was complete${reason ? ` (reason: ${reason})` : ""}. Try again.`,
  streamEnded: (): string =>
    "The connection to Perplexity ended before the answer was complete. Try again.",
  badResponse: (what?: string): string =>
    `Perplexity sent a response this plugin could not read${what ? ` (${what})` : ""}. ` +
    "Try again; if it keeps happening, update the plugin.",
  aborted: (): string => "The request to Perplexity was cancelled.",
  runStartStopped: (): string =>
    "The request to Perplexity was cancelled. Perplexity had already started the run, so the plugin told it to stop; " +
    "what it did until then may be billed (a cancelled run reports no cost: the spending total counts it as unknown).",
  runStartNotStopped: (why: string): string =>
    `The request to Perplexity was cancelled, but Perplexity had already started the run and could not be told to stop (${why}). ` +
    "It may run to its end and be billed.",
  runStartUnnamed: (timeoutMs?: number): string =>
    (timeoutMs !== undefined
      ? `Perplexity did not reply within ${formatSeconds(timeoutMs / 1000)} to the start of a background run. `
      : "The request to Perplexity was cancelled after the question was sent, and Perplexity's reply never arrived. ") +
    "If Perplexity started the run, it goes on and may be billed: without the run's id, which only that reply says, " +
    "the plugin can neither stop it nor fetch its answer." +
    (timeoutMs !== undefined ? ` Check your connection before asking again, or raise the timeout in ${SETTINGS_PLACE}.` : ""),
  redirected: (status: number, to?: string): string =>
    `Perplexity's address answered with a redirect (HTTP ${status}${to ? ` to ${to}` : ""}). The plugin never follows a ` +
    `redirect of a request that carries your API key, so nothing was asked. Check the base URL in ${SETTINGS_PLACE}.`,
};

function formatSeconds(seconds: number): string {
  const rounded = Math.max(1, Math.ceil(seconds));
  return rounded === 1 ? "1 second" : `${rounded} seconds`;
}

/** Seconds as a person says them: "40 seconds", "3 minutes", "2 hours". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return formatSeconds(seconds);
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} hours`;
}

// ---------------------------------------------------------------------------------------------
// Scrubbing: the key must never reach a message, even if a server or library echoes it.

// Messages (notices, logs, a failed block's line) also lose anything shaped like a key: Perplexity keys look
// like `pplx-…`, and bearer tokens of any shape go too. Answer text and titles lose only the key itself
// (key-scrub.ts): "pplx-embed-v1" is a model an answer may name.
const KEY_PATTERNS: RegExp[] = [/pplx-[A-Za-z0-9_-]+/g, /Bearer\s+[^\s"',;]+/gi];

/** A message cleaned (web-text.ts), without the key in any form (key-scrub.ts) or anything shaped like a key. */
export function scrubSecrets(text: string, apiKey?: string | KeyScrubber): string {
  let scrubbed = scrubKey(text, apiKey);
  for (const pattern of KEY_PATTERNS) scrubbed = scrubbed.replace(pattern, KEY_MARK);
  return scrubbed;
}

/** Server text fit to quote in a sentence: one line, no markup, short, cleaned, scrubbed. */
export function quoteServerText(text: unknown, apiKey?: string | KeyScrubber): string | undefined {
  if (typeof text !== "string") return undefined;
  // HTML pages from proxies are never quoted: they are noise to the user.
  if (/<\s*(html|!doctype|body|head)\b/i.test(text)) return undefined;
  // Scrubbed before it is cut, so that a key cannot be cut into pieces too short to be recognised.
  let oneLine = scrubSecrets(text, apiKey).replace(/\s+/g, " ").trim();
  if (!oneLine) return undefined;
  if ([...oneLine].length > 200) oneLine = `${[...oneLine].slice(0, 197).join("")}...`;
  return oneLine.replace(/[.\s]+$/, "");
}

// ---------------------------------------------------------------------------------------------
// Classification of whatever was thrown: the SDK's errors, fetch/DOM errors, our own.

interface ErrorEnvelope {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  param?: unknown;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The SDK stores `body.error` in `APIError.error`; accept a whole body too. */
function envelopeOf(apiError: { error: unknown }): ErrorEnvelope {
  const inner = asRecord(apiError.error);
  if (!inner) return {};
  return asRecord(inner["error"]) ?? inner;
}

function isRetiredEndpoint(envelope: ErrorEnvelope): boolean {
  const type = typeof envelope.type === "string" ? envelope.type : "";
  const code = typeof envelope.code === "string" ? envelope.code : "";
  if (type === "chat_completions_not_available" || code === "chat_completions_not_available") return true;
  const message = typeof envelope.message === "string" ? envelope.message : "";
  return /Sonar is now the Agent API|Use \/v1\/(responses|agent) instead/i.test(message);
}

/** Seconds to wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterSecondsFrom(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const raw = headers.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  return undefined;
}

/** Epoch seconds are told from a plain number of seconds to wait by their size (anything after 2001). */
const EPOCH_SECONDS = 1e9;

/**
 * Seconds until the request limit resets. Live, Perplexity sends `x-ratelimit-reset` in epoch seconds (cfdude
 * agent_response_headers: 1791572841 with `date` 19:07:20 GMT, one second later); it is read against the
 * response's own `date`, so a wrong clock on this computer does not matter. Other servers' forms are read too: a
 * plain number of seconds, or `x-ratelimit-reset-requests` as "12s", "1m30s", "500ms".
 */
export function rateLimitResetSecondsFrom(headers: Headers | undefined, now = Date.now()): number | undefined {
  const reset = headers?.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number.parseFloat(reset);
    if (value < EPOCH_SECONDS) return Math.ceil(value);
    const serverNow = Date.parse(headers?.get("date") ?? "");
    return Math.max(0, Math.ceil(value - (Number.isFinite(serverNow) ? serverNow : now) / 1000));
  }
  const raw = headers?.get("x-ratelimit-reset-requests")?.trim().toLowerCase();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number.parseFloat(raw));
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== raw) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const seconds = parts.reduce((sum, p) => sum + Number.parseFloat(p[1] ?? "0") * (unit[p[2] ?? "s"] ?? 1), 0);
  return Math.ceil(seconds);
}

/** "https://elsewhere.example" of a Location header, cleaned; undefined when there is none. */
function originOf(location: string | null | undefined): string | undefined {
  if (!location) return undefined;
  try {
    const url = new URL(location);
    return url.host ? quoteServerText(`${url.protocol}//${url.host}`) : undefined;
  } catch {
    return undefined;
  }
}

function fromStatus(apiError: APIError, status: number, ctx: ErrorContext): PerplexityError {
  const envelope = envelopeOf(apiError);
  const type = typeof envelope.type === "string" ? envelope.type : undefined;
  const param = typeof envelope.param === "string" && envelope.param ? quoteServerText(envelope.param, ctx.apiKey) : undefined;
  const serverMessage = quoteServerText(envelope.message, ctx.apiKey);
  const detail = `HTTP ${status}${type ? ` ${type}` : ""}`;
  const base = { status, detail, ...(ctx.partial ? { partial: ctx.partial } : {}) };

  // A redirect reaches here only when the transport did not follow it (Node's http never does): say so.
  if (status >= 300 && status < 400) return new PerplexityError("invalid-request", messages.redirected(status, originOf(apiError.headers?.get("location"))), base);
  // Checked first: the retired endpoint answers 403 (or anything) and must never read as "bad key".
  if (isRetiredEndpoint(envelope)) return new PerplexityError("retired-endpoint", messages.retiredEndpoint(), base);
  if (status === 401) return new PerplexityError("key-rejected", messages.keyRejected(), base);
  if (status === 403) return new PerplexityError("forbidden", messages.forbidden(status), base);
  if (status === 402) return new PerplexityError("out-of-credit", messages.outOfCredit(), base);
  if (type === "invalid_model") {
    return new PerplexityError("invalid-request", messages.unknownModel(ctx.model), { ...base, param: "model" });
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfterSecondsFrom(apiError.headers) ?? rateLimitResetSecondsFrom(apiError.headers);
    return new PerplexityError("rate-limited", messages.rateLimited(retryAfterSeconds), {
      ...base,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  if (status === 404) return new PerplexityError("invalid-request", messages.notFound(), base);
  if (status >= 500 || status === 408 || status === 409) {
    return new PerplexityError("server-error", messages.serverError(status), base);
  }
  return new PerplexityError("invalid-request", messages.invalidRequest(param, serverMessage), {
    ...base,
    ...(param ? { param } : {}),
  });
}

/**
 * The field named by an "unknown field" 400 (`invalid request body: json: unknown field "preset"`), the
 * answer of a server that does not know a field; nothing ran and nothing was billed.
 */
export function unknownFieldOf(err: unknown): string | undefined {
  if (!(err instanceof APIError)) return undefined;
  const apiError = err as APIError;
  if (apiError.status !== 400) return undefined;
  const envelope = envelopeOf(apiError);
  const message = typeof envelope.message === "string" ? envelope.message : "";
  const named = /unknown field "([^"]+)"/.exec(message)?.[1];
  if (named !== undefined) return named;
  return /unknown field/i.test(message) && typeof envelope.param === "string" && envelope.param ? envelope.param : undefined;
}

function isNamed(err: unknown, name: string): boolean {
  return asRecord(err)?.["name"] === name;
}

/** Turn anything thrown while talking to Perplexity into a PerplexityError. */
export function toPerplexityError(err: unknown, ctx: ErrorContext = {}): PerplexityError {
  const partial = ctx.partial ? { partial: ctx.partial } : {};
  if (err instanceof PerplexityError) {
    if (ctx.partial && !err.partial) {
      return new PerplexityError(err.kind, err.message, {
        ...pickInit(err),
        partial: ctx.partial,
      });
    }
    return err;
  }
  // Order matters: the timeout and abort classes are subclasses of APIConnectionError / APIError.
  if (err instanceof APIUserAbortError) return new PerplexityError("aborted", messages.aborted(), partial);
  if (err instanceof APIConnectionTimeoutError) {
    return new PerplexityError("timeout", messages.timeout(ctx.timeoutMs), partial);
  }
  if (err instanceof APIConnectionError) return new PerplexityError("network", messages.network(), partial);
  if (err instanceof APIError) {
    const apiError = err as APIError;
    if (typeof apiError.status === "number") return fromStatus(apiError, apiError.status, ctx);
    // No status: an `error` object inside a stream. The run failed server-side.
    const serverMessage = quoteServerText(envelopeOf(apiError).message, ctx.apiKey);
    return new PerplexityError("run-failed", messages.runFailed(serverMessage), partial);
  }
  if (isNamed(err, "AbortError")) return new PerplexityError("aborted", messages.aborted(), partial);
  if (isNamed(err, "TimeoutError")) return new PerplexityError("timeout", messages.timeout(ctx.timeoutMs), partial);
  // A body that is not JSON (SyntaxError) or not the expected shape.
  if (err instanceof SyntaxError) return new PerplexityError("bad-response", messages.badResponse("not JSON"), partial);
  // fetch reports network failures as TypeError (also while reading a body mid-stream).
  if (err instanceof TypeError) return new PerplexityError("network", messages.network(), partial);
  return new PerplexityError("bad-response", messages.badResponse(), partial);
}

/** The error with every server-supplied string it carries scrubbed of the key (message, param, detail, partial answer). */
export function scrubError(err: PerplexityError, key: KeyScrubber): PerplexityError {
  const init = pickInit(err);
  if (init.param !== undefined) init.param = scrubSecrets(init.param, key);
  if (init.detail !== undefined) init.detail = scrubSecrets(init.detail, key);
  if (err.partial) init.partial = scrubAnswer(err.partial, key);
  return new PerplexityError(err.kind, scrubSecrets(err.message, key), init);
}

function pickInit(err: PerplexityError): PerplexityErrorInit {
  const init: PerplexityErrorInit = {};
  if (err.status !== undefined) init.status = err.status;
  if (err.param !== undefined) init.param = err.param;
  if (err.retryAfterSeconds !== undefined) init.retryAfterSeconds = err.retryAfterSeconds;
  if (err.detail !== undefined) init.detail = err.detail;
  return init;
}
