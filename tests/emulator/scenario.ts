// Scenario: a script of per-request behaviour for the emulator. Pure data (JSON-friendly) so the same
// script works from a test (object) and from the CLI (file). See README.md for the full description.

/** One search result as the API sends it. Every field may be missing or odd on purpose. */
export interface SearchResult {
  id?: number | null;
  title?: string;
  url?: string;
  date?: string | null;
  last_updated?: string | null;
  snippet?: string;
  source?: string;
  [extra: string]: unknown;
}

/** One `search_results` output item (a run may have several). */
export interface SearchResultsItem {
  queries?: string[];
  results: SearchResult[];
}

/** One page read in full (the fetch_url tool): no id, unlike a search result (cfdude agent_low_fetch_url). */
export interface UrlContent {
  snippet?: string;
  title?: string;
  url?: string;
  [extra: string]: unknown;
}

/** One `fetch_url_results` output item. */
export interface FetchUrlResultsItem {
  contents: UrlContent[];
}

/** Usage fields to override; merged over the emulator's default usage (deeply for `cost`). */
export interface UsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  cost?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** What the run answers. Anything left out is generated from the question. */
export interface CannedAnswer {
  /** Answer text with raw markers (`[7]`, `[web:7]`, runs like `[1][3]`). */
  text?: string;
  /** Marker style for generated text; default: `n` for preset `fast`, `web` otherwise. */
  marker?: "n" | "web";
  /** One entry per `search_results` output item. Default: five results about the question. */
  searchResults?: SearchResultsItem[];
  /** One entry per `fetch_url_results` output item. Default: one page for presets low, medium and high. */
  fetchUrlResults?: FetchUrlResultsItem[];
  /** `response.model` of the finished run (the model that "answered"). */
  model?: string;
  usage?: UsageOverride;
  /** Shorthand for `usage.cost.total_cost` (USD). */
  cost?: number;
}

export type RunStatus = "completed" | "failed" | "cancelled" | "incomplete";

export interface RunError {
  message: string;
  type?: string;
  code?: string | number;
}

/** How a streamed answer is delivered. Ignored for non-streaming requests. */
export interface StreamScript {
  /** Pause before every event after the first (ms). */
  eventDelayMs?: number;
  /** Split the text into exactly this many deltas (by characters, so markers get split). Default: word pieces. */
  deltas?: number;
  /** Destroy the socket right after this many `data:` events were written. */
  disconnectAfter?: number;
  /** Never send the terminal event; the stream stays open until the client leaves, a cancel, or close(). */
  noTerminal?: boolean;
  /** Replace the terminal event with a bare `error` event (fields merged over the default). */
  errorEvent?: Record<string, unknown> | true;
  /** Raw text written verbatim once `after` events were sent (e.g. `"data: {broken\n\n"`, `": ping\n\n"`). */
  inject?: { after: number; raw: string }[];
  /** Fields merged over the terminal event (e.g. `{"error": null}` to drop the top-level error of `response.failed`). */
  terminalOverrides?: Record<string, unknown>;
  /** Write an SSE comment (`: keep-alive`) this often (ms) for as long as the stream is open, as proxies do. */
  keepAliveMs?: number;
}

interface StepBase {
  /** Apply this step to this many consecutive requests (default 1). */
  repeat?: number;
  /** Wait this long before answering at all (ms). */
  delayMs?: number;
}

/** A run: JSON, or SSE when the request has `stream: true`. The default kind. */
export interface AnswerStep extends StepBase {
  kind?: "answer";
  answer?: CannedAnswer;
  /** Final run status (HTTP is still 200). Default `completed`. */
  status?: RunStatus;
  /** For `failed` / `cancelled`: the run's `error`. */
  error?: RunError;
  /** For `incomplete`: `incomplete_details.reason` (default `max_output_tokens`). */
  incompleteReason?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  stream?: StreamScript;
  /**
   * For `background: true` requests: how many GETs still see the run unfinished (the first `queued`, the others
   * `in_progress` with the search results so far) before the finished run. Default 0: the first GET sees it done.
   */
  backgroundPolls?: number;
  /** The run's id as sent (default `resp_<uuid>`): hostile ids such as ".." for the client's URL building. */
  runId?: string;
  /** For `background: true` requests: the run finishes this many ms after it started (emulator clock), instead of after `backgroundPolls` GETs. */
  backgroundMs?: number;
  /** For `background: true` requests: the connections of this many GETs are dropped before any answer (a phone losing the network). */
  backgroundDroppedPolls?: number;
  /**
   * For `background: true` requests: the run starts at once, the reply that says its id comes this many ms later
   * (real time): a client that stops waiting meanwhile leaves a run it cannot name, going on and billed, as live.
   */
  backgroundReplyMs?: number;
}

/** A plain HTTP answer, for errors: 429 with Retry-After, 500, HTML pages, ... */
export interface HttpStep extends StepBase {
  kind: "http";
  status: number;
  headers?: Record<string, string>;
  /** JSON body. If no body is given, the standard error envelope for the status is sent. */
  json?: unknown;
  /** HTML body (content-type text/html). */
  html?: string;
  /** Raw body, sent as given (content-type text/plain unless set in headers). */
  body?: string;
}

/**
 * A captured live answer sent as it was (tests/fixtures/captures, loaded by captures.ts): the body byte for
 * byte, or a stream of raw event payloads each sent as `data: <payload>` and a blank line.
 */
export interface ReplayStep extends StepBase {
  kind: "replay";
  status: number;
  /** Response headers as captured (a header sent several times, like set-cookie, as a list). */
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Stream payloads, one event each, in order; the stream ends after the last. */
  events?: string[];
}

/** HTTP 200 with a JSON content type and a body that is not valid JSON. */
export interface MalformedJsonStep extends StepBase {
  kind: "malformed-json";
  body?: string;
}

/** Destroy the socket without answering (after `delayMs`). */
export interface DisconnectStep extends StepBase {
  kind: "disconnect";
}

/** Never answer; the request stays open until the client leaves or close(). For timeout tests. */
export interface HangStep extends StepBase {
  kind: "hang";
}

export type Step = AnswerStep | HttpStep | ReplayStep | MalformedJsonStep | DisconnectStep | HangStep;

export interface Scenario {
  /** If set, only `Authorization: Bearer <apiKey>` is accepted; any other key gets a 401 (see `unauthorized`). */
  apiKey?: string;
  /**
   * Perplexity's per-minute request limit: an answer request (POST /v1/responses or /v1/agent, authorised)
   * that would make more than `perMinute` accepted ones within 60 s gets a 429 (`request_rate_limit_exceeded`)
   * with the live headers `x-ratelimit-limit`, `-remaining`, `-used` and `x-ratelimit-reset` (epoch seconds) and no
   * Retry-After; accepted answers carry the same headers. 429s do not count and consume no step.
   */
  rateLimit?: { perMinute: number };
  /**
   * The only name this server accepts for the preset: `"preset"` (as the official SDK 0.38 sends) or
   * `"effort"` (the newest docs); the other is an unknown field (400). `"neither"` rejects both. Both are
   * accepted when unset.
   */
  presetField?: "preset" | "effort" | "neither";
  /**
   * What a missing or wrong key gets: Perplexity's JSON `invalid_api_key` envelope (default, as captured live) or
   * the HTML page its proxy has also been seen to send (`"html"`).
   */
  unauthorized?: "json" | "html";
  /** Captured answers for the other routes, sent instead of the emulator's own (see captures.ts). */
  routes?: { models?: RouteReply; cancel?: RouteReply };
  /** Stored runs older than this (ms, emulator clock) are forgotten: GET answers 404, cancel 400, as for an unknown id. */
  runRetentionMs?: number;
  /** Consumed in order by POST /v1/responses and /v1/agent (requests rejected with 401/400 consume nothing). */
  steps?: Step[];
  /** Used once the steps are used up. Default: a completed answer about the question. */
  default?: Step;
}

/** A whole answer for a route: status, headers and body, sent as given. */
export interface RouteReply {
  status: number;
  headers?: Record<string, string | string[]>;
  body: string;
}

/** The step chosen for one request; `index` is its position in `steps`, or -1 for the default. */
export interface SelectedStep {
  step: Step;
  index: number;
}

/** Hands out steps in order, honouring `repeat`. */
export class StepCursor {
  private index = 0;
  private usedOfCurrent = 0;

  constructor(private readonly scenario: Scenario) {}

  next(): SelectedStep {
    const steps = this.scenario.steps ?? [];
    while (this.index < steps.length) {
      const step = steps[this.index] as Step;
      const times = Math.max(1, step.repeat ?? 1);
      if (this.usedOfCurrent < times) {
        this.usedOfCurrent++;
        return { step, index: this.index };
      }
      this.index++;
      this.usedOfCurrent = 0;
    }
    return { step: this.scenario.default ?? {}, index: -1 };
  }
}

const KINDS = new Set(["answer", "http", "replay", "malformed-json", "disconnect", "hang"]);

/** Light check of a scenario read from a file, so a typo fails loudly instead of answering oddly. */
export function parseScenario(value: unknown): Scenario {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("scenario must be a JSON object");
  }
  const scenario = value as Scenario;
  if (scenario.apiKey !== undefined && typeof scenario.apiKey !== "string") throw new Error("apiKey must be a string");
  if (scenario.steps !== undefined && !Array.isArray(scenario.steps)) throw new Error("steps must be an array");
  if (scenario.unauthorized !== undefined && !["json", "html"].includes(scenario.unauthorized)) throw new Error('unauthorized must be "json" or "html"');
  if (scenario.presetField !== undefined && !["preset", "effort", "neither"].includes(scenario.presetField)) {
    throw new Error('presetField must be "preset", "effort" or "neither"');
  }
  if (scenario.runRetentionMs !== undefined && !(typeof scenario.runRetentionMs === "number" && scenario.runRetentionMs > 0)) {
    throw new Error("runRetentionMs must be a positive number of milliseconds");
  }
  if (scenario.rateLimit !== undefined) {
    const perMinute = (scenario.rateLimit as { perMinute?: unknown } | null)?.perMinute;
    if (typeof perMinute !== "number" || !(perMinute > 0)) throw new Error("rateLimit.perMinute must be a positive number");
  }
  const all = [...(scenario.steps ?? []), ...(scenario.default ? [scenario.default] : [])];
  all.forEach((step, i) => {
    const kind = (step as { kind?: unknown }).kind ?? "answer";
    if (typeof kind !== "string" || !KINDS.has(kind)) throw new Error(`step ${i}: unknown kind ${JSON.stringify(kind)}`);
    if ((kind === "http" || kind === "replay") && typeof (step as HttpStep).status !== "number") throw new Error(`step ${i}: ${kind} step needs a status`);
  });
  return scenario;
}
