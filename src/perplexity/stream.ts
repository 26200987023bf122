// Streamed runs: an SSE reader (for a fully buffered body and for a live body) and the consumer that
// turns Agent API events into progress reports and, on the one terminal event, an Answer or an error.
//
// Our own SSE reader is used instead of the SDK's because the SDK aborts the whole stream on one
// malformed `data:` line and turns any event carrying an `error` field into an exception before we
// can keep what arrived; here malformed lines are skipped and counted, and errors keep the partial.

import { PerplexityError, messages, quoteServerText, toPerplexityError } from "./errors";
import {
  addUnique,
  answerSources,
  isRecord,
  parseResponseObject,
  readFetchedList,
  readQueries,
  readModel,
  readResultList,
  settleResponse,
} from "./response";
import { safeRunId } from "./run-id";
import type { ParsedResponse, RawSearchResult } from "./response";
import { runtimeTimers } from "./timers";
import type { Timers } from "./timers";
import { PRESETS } from "../core/ask-request";
import type { Answer, StreamProgress } from "../core/answer";

/** Counts kept while reading SSE, for tests and diagnostics. */
export interface SseStats {
  /** `data:` payloads that were not JSON and were skipped. */
  malformed: number;
  /** Events handed on. */
  events: number;
}

/**
 * Incremental SSE parser: feed it text as it arrives, collect parsed JSON payloads. Handles LF, CRLF
 * and CR line ends, comments, `event:`/`id:`/`retry:` lines (ignored: the payload's `type` is what
 * counts), multi-line `data:` and the `[DONE]` sentinel some servers send.
 */
export class SseParser {
  readonly stats: SseStats = { malformed: 0, events: 0 };
  /** `data:` lines read so far: what counts as the server still sending (comments and keep-alives do not). */
  dataLines = 0;
  /** Pieces of the line still open at the end of the last chunk, joined only once the line ends. */
  private pending: string[] = [];
  /** The `data:` values of the event being read. */
  private lines: string[] = [];
  private pendingCr = false;

  /**
   * Parse what `chunk` completes; returns the payloads of the events it ended. Only the new chunk is
   * scanned (an open line is kept in pieces), so a body costs the same in 64 KB chunks as in one piece.
   */
  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    const length = text.length;
    let start = 0;
    let nextLf = text.indexOf("\n");
    let nextCr = text.indexOf("\r");
    while (nextLf >= 0 || nextCr >= 0) {
      let end: number;
      let next: number;
      if (nextCr >= 0 && (nextLf < 0 || nextCr < nextLf)) {
        end = nextCr;
        if (end + 1 < length) {
          next = text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        } else {
          next = length;
          this.pendingCr = true;
        }
      } else {
        end = nextLf;
        next = end + 1;
      }
      this.line(this.closeLine(text.slice(start, end)), out);
      start = next;
      if (nextLf >= 0 && nextLf < start) nextLf = text.indexOf("\n", start);
      if (nextCr >= 0 && nextCr < start) nextCr = text.indexOf("\r", start);
    }
    if (start < length) this.pending.push(start === 0 ? text : text.slice(start));
    return out;
  }

  private closeLine(tail: string): string {
    if (this.pending.length === 0) return tail;
    this.pending.push(tail);
    const line = this.pending.join("");
    this.pending = [];
    return line;
  }

  /** The body ended: dispatch what is left, even without the final blank line. */
  end(): unknown[] {
    const out: unknown[] = [];
    const rest = this.closeLine("");
    if (rest) this.line(rest, out);
    this.dispatch(out);
    return out;
  }

  private line(line: string, out: unknown[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== "data") return;
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    this.dataLines++;
    this.lines.push(value);
  }

  private dispatch(out: unknown[]): void {
    const lines = this.lines;
    this.lines = [];
    if (lines.length === 0) return;
    const joined = lines.join("\n");
    if (joined.trim() === "[DONE]") return;
    const whole = tryJson(joined);
    if (whole.ok) {
      this.emit(whole.value, out);
      return;
    }
    // A server that forgets blank lines between events puts several payloads in one event: try each line.
    for (const line of lines.length > 1 ? lines : []) {
      if (line.trim() === "[DONE]" || line.trim() === "") continue;
      const one = tryJson(line);
      if (one.ok) this.emit(one.value, out);
      else this.stats.malformed++;
    }
    if (lines.length === 1) this.stats.malformed++;
  }

  private emit(value: unknown, out: unknown[]): void {
    this.stats.events++;
    out.push(value);
  }
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Parse a fully buffered SSE body into its JSON payloads; malformed payloads are skipped (and counted in `stats`). */
export function parseSseText(body: string, stats?: SseStats): unknown[] {
  const parser = new SseParser();
  const events = [...parser.push(body), ...parser.end()];
  if (stats) {
    stats.malformed += parser.stats.malformed;
    stats.events += parser.stats.events;
  }
  return events;
}

/**
 * Reads that fail with a `timeout` error once no event data has arrived for `idleMs`. The SDK's timeout ends when
 * the headers arrive, so without this a stream that stalls midway would wait forever. Only `touch()` (called when
 * `data:` lines arrive) counts as progress: a server sending nothing but keep-alive comments is stalled too. One
 * timer per quiet period, re-armed for what is left of it, instead of a new timer for every chunk read.
 */
class IdleReader<T> {
  private lastData = Date.now();
  private timer: unknown = null;
  private expired = false;
  private failRead: ((err: Error) => void) | null = null;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<T>,
    private readonly idleMs: number,
    private readonly timers: Timers = runtimeTimers(),
  ) {
    this.arm(idleMs);
  }

  private arm(ms: number): void {
    this.timer = this.timers.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    const quiet = Date.now() - this.lastData;
    if (quiet < this.idleMs) return this.arm(this.idleMs - quiet);
    this.timer = null;
    this.expired = true;
    this.failRead?.(new PerplexityError("timeout", messages.stalled(this.idleMs)));
  }

  read(): Promise<ReadableStreamReadResult<T>> {
    if (this.expired) return Promise.reject(new PerplexityError("timeout", messages.stalled(this.idleMs)));
    return new Promise((resolve, reject) => {
      this.failRead = reject;
      this.reader.read().then(
        (result) => {
          this.failRead = null;
          resolve(result);
        },
        (err: unknown) => {
          this.failRead = null;
          reject(err instanceof Error ? err : new TypeError("stream read failed"));
        },
      );
    });
  }

  /** Event data arrived: the quiet period starts again. */
  touch(): void {
    this.lastData = Date.now();
  }

  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Payloads from a live SSE body, as they arrive. Stopping early cancels the body. */
export async function* sseEventsFromBody(
  body: ReadableStream<Uint8Array> | null,
  stats?: SseStats,
  idleTimeoutMs?: number,
): AsyncGenerator<unknown, void, undefined> {
  if (!body) return;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const idle = idleTimeoutMs && idleTimeoutMs > 0 ? new IdleReader(reader, idleTimeoutMs) : null;
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await (idle ? idle.read() : reader.read());
      if (done) break;
      const seen = parser.dataLines;
      const events = parser.push(decoder.decode(value, { stream: true }));
      if (parser.dataLines !== seen) idle?.touch();
      for (const event of events) yield event;
    }
    finished = true;
    for (const event of parser.push(decoder.decode())) yield event;
    for (const event of parser.end()) yield event;
  } finally {
    idle?.stop();
    if (stats) {
      stats.malformed += parser.stats.malformed;
      stats.events += parser.stats.events;
    }
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

// ---------------------------------------------------------------------------------------------

const TERMINAL_ERROR_TYPES = new Set(["response.failed", "response.incomplete", "response.cancelled"]);

/** What the stream has delivered so far. */
class StreamState {
  responseId = "";
  /** The model named before completion: often the preset name, not the model that answers. */
  model = "";
  queries: string[] = [];
  /** `search_results` output items (authoritative), in order. */
  outputLists: (RawSearchResult | null)[][] = [];
  /** `response.reasoning.search_results` previews, used only if no output item arrives. */
  previewLists: (RawSearchResult | null)[][] = [];
  /** `fetch_url_results` output items (pages read in full), and their `response.reasoning.fetch_url_results` previews. */
  fetchedOutputLists: (RawSearchResult | null)[][] = [];
  fetchedPreviewLists: (RawSearchResult | null)[][] = [];
  /** Text per `item_id:content_index`, in order of first delta. */
  private segments = new Map<string, string>();

  /** The joined text, kept up to date so each delta costs O(delta), not O(text). */
  private joined = "";
  private lastKey: string | undefined;

  get text(): string {
    return this.joined;
  }

  appendText(key: string, delta: string): void {
    this.segments.set(key, (this.segments.get(key) ?? "") + delta);
    if (key === this.lastKey || this.lastKey === undefined) {
      this.lastKey = key;
      this.joined += delta;
    } else {
      this.rejoin();
    }
  }

  setText(key: string, text: string): void {
    this.segments.set(key, text);
    this.rejoin();
  }

  private rejoin(): void {
    this.joined = [...this.segments.values()].join("");
    this.lastKey = [...this.segments.keys()].at(-1);
  }

  get resultLists(): (RawSearchResult | null)[][] {
    return this.outputLists.length > 0 ? this.outputLists : this.previewLists;
  }

  get fetchedLists(): (RawSearchResult | null)[][] {
    return this.fetchedOutputLists.length > 0 ? this.fetchedOutputLists : this.fetchedPreviewLists;
  }

  /** Every source so far, as the finished answer will number them. */
  sources(): ReturnType<typeof answerSources> {
    return answerSources(this.resultLists, this.fetchedLists);
  }

  noteResponse(response: unknown): void {
    if (!isRecord(response)) return;
    if (!this.responseId) this.responseId = safeRunId(response["id"]);
    const model = readModel(response["model"]);
    if (model && !(PRESETS as readonly string[]).includes(model)) this.model = model;
  }

  /** The accumulated state as a response, with `fin` (the terminal event's response) filling in. */
  asParsed(status: string, fin?: ParsedResponse): ParsedResponse {
    const parsed: ParsedResponse = {
      id: fin?.id || this.responseId,
      status,
      model: fin?.model && !(PRESETS as readonly string[]).includes(fin.model) ? fin.model : this.model,
      // The final response is the record of the run; accumulated deltas only stand in when it lacks output.
      text: fin?.text || this.text,
      hasOutput: true,
      resultLists: fin && fin.resultLists.length > 0 ? fin.resultLists : this.resultLists,
      fetchedLists: fin && fin.fetchedLists.length > 0 ? fin.fetchedLists : this.fetchedLists,
      queries: [...this.queries],
      usage: fin?.usage ?? {},
    };
    if (fin) addUnique(parsed.queries, fin.queries);
    if (fin?.errorMessage !== undefined) parsed.errorMessage = fin.errorMessage;
    if (fin?.errorType !== undefined) parsed.errorType = fin.errorType;
    if (fin?.incompleteReason !== undefined) parsed.incompleteReason = fin.incompleteReason;
    return parsed;
  }

  partial(): Answer | undefined {
    const parsed = this.asParsed("incomplete");
    if (!parsed.text) return undefined;
    return {
      responseId: parsed.id,
      status: "incomplete",
      text: parsed.text,
      searchResults: answerSources(parsed.resultLists, parsed.fetchedLists),
      searchQueries: parsed.queries,
      model: parsed.model,
      usage: parsed.usage,
    };
  }
}

function textKey(event: Record<string, unknown>): string {
  const item = typeof event["item_id"] === "string" ? event["item_id"] : "";
  const index = typeof event["content_index"] === "number" ? event["content_index"] : 0;
  return `${item}:${index}`;
}

/** Read a terminal event's response, tolerating a missing or malformed one. */
function finalResponse(event: Record<string, unknown>, status: string): ParsedResponse | undefined {
  const response = event["response"];
  if (!isRecord(response)) return undefined;
  try {
    return parseResponseObject({ ...response, status: typeof response["status"] === "string" ? response["status"] : status });
  } catch {
    return undefined;
  }
}

/**
 * Consume Agent API stream events until the one terminal event; report progress on the way.
 * Unknown event types are ignored and sequence numbers are not checked (they have gaps).
 * Resolves with the Answer of a completed run; rejects with a PerplexityError otherwise, carrying
 * the partial Answer when text had arrived. A stream that ends without a terminal event is a
 * `run-incomplete` error.
 */
export async function consumeStream(
  events: AsyncIterable<unknown>,
  onProgress?: (p: StreamProgress) => void,
): Promise<Answer> {
  const state = new StreamState();
  // Progress objects (and the running text) are only built for someone listening.
  const listening = onProgress !== undefined;
  let announced = false;
  let sawEvent = false;
  const report = (progress: StreamProgress): void => {
    // A failing progress callback (UI code) must not break the run.
    try {
      onProgress?.(progress);
    } catch {
      /* ignored on purpose */
    }
  };

  try {
    for await (const event of events) {
      sawEvent = true;
      if (!isRecord(event) || typeof event["type"] !== "string") continue;
      const type = event["type"];
      switch (type) {
        case "response.created":
        case "response.in_progress":
        case "response.queued": {
          state.noteResponse(event["response"]);
          if (!announced && state.responseId) {
            announced = true;
            report({ type: "created", responseId: state.responseId });
          }
          break;
        }
        case "response.reasoning.search_queries": {
          const queries = readQueries(event["queries"]);
          if (queries.length === 0) break;
          addUnique(state.queries, queries);
          report({ type: "searching", queries });
          break;
        }
        case "response.reasoning.search_results":
        case "response.reasoning.fetch_url_results": {
          // Previews of the search results and of the pages read in full (their output items come later).
          const fetched = type === "response.reasoning.fetch_url_results";
          const list = fetched ? readFetchedList(event["contents"]) : readResultList(event["results"]);
          if (list.length === 0) break;
          (fetched ? state.fetchedPreviewLists : state.previewLists).push(list);
          if (listening) report({ type: "sources", results: state.sources() });
          break;
        }
        case "response.output_item.done": {
          const item = event["item"];
          if (!isRecord(item)) break;
          if (item["type"] === "fetch_url_results") {
            const hadFetched = state.fetchedOutputLists.length > 0;
            state.fetchedOutputLists.push(readFetchedList(item["contents"]));
            if (listening && (hadFetched || state.fetchedPreviewLists.length === 0)) report({ type: "sources", results: state.sources() });
            break;
          }
          if (item["type"] !== "search_results") break;
          const hadOutputLists = state.outputLists.length > 0;
          state.outputLists.push(readResultList(item["results"]));
          addUnique(state.queries, readQueries(item["queries"]));
          // The item repeats the preview; report only when it brings something the preview did not.
          if (listening && (hadOutputLists || state.previewLists.length === 0)) {
            report({ type: "sources", results: state.sources() });
          }
          break;
        }
        case "response.output_text.delta": {
          const delta = event["delta"];
          if (typeof delta !== "string" || delta === "") break;
          state.appendText(textKey(event), delta);
          if (listening) report({ type: "text", delta, text: state.text });
          break;
        }
        case "response.output_text.done": {
          if (typeof event["text"] === "string") state.setText(textKey(event), event["text"]);
          break;
        }
        case "response.completed": {
          const fin = finalResponse(event, "completed");
          if (fin) state.noteResponse(event["response"]);
          return settleResponse(state.asParsed("completed", fin));
        }
        case "error": {
          const inner = isRecord(event["error"]) ? event["error"] : event;
          const partial = state.partial();
          throw new PerplexityError("run-failed", messages.runFailed(quoteServerText(inner["message"])), {
            ...(partial ? { partial } : {}),
            ...(quoteServerText(inner["type"]) !== undefined ? { detail: quoteServerText(inner["type"])! } : {}),
          });
        }
        default: {
          if (TERMINAL_ERROR_TYPES.has(type)) {
            const status = type.slice("response.".length);
            const fin = finalResponse(event, status);
            // Trust the event type over a contradictory status inside it.
            const parsed = state.asParsed(status, fin);
            // Perplexity's `response.failed` carries its `error` at the top level, with no `response`.
            const error = isRecord(event["error"]) ? event["error"] : undefined;
            if (error) {
              const message = quoteServerText(error["message"]);
              if (message !== undefined) parsed.errorMessage = message;
              const errorType = quoteServerText(error["type"]) ?? quoteServerText(error["code"]);
              if (errorType !== undefined) parsed.errorType = errorType;
            }
            return settleResponse(parsed);
          }
          // Anything else (reasoning started/stopped, fetch_url_queries, skill.loaded, ...) is ignored.
        }
      }
    }
  } catch (err) {
    const error = toPerplexityError(err, withPartial(state.partial()));
    // Once events have arrived, "could not reach" would be wrong: the connection broke midway.
    if (error.kind === "network" && sawEvent) {
      throw new PerplexityError("network", messages.connectionLost(), withPartial(error.partial));
    }
    throw error;
  }
  const partial = state.partial();
  throw new PerplexityError("run-incomplete", messages.streamEnded(), {
    detail: "stream ended without a terminal event",
    ...(partial ? { partial } : {}),
  });
}

function withPartial(partial: Answer | undefined): { partial?: Answer } {
  return partial ? { partial } : {};
}
