// Agent API response JSON to our Answer. Parsing is defensive: the body is `unknown` until checked,
// unknown output items and fields are ignored, and a shape we cannot use becomes a `bad-response`.
// Failures that arrive with HTTP 200 (`failed`, `cancelled`, `incomplete`) become errors here.

import { PerplexityError, messages, quoteServerText } from "./errors";
import { safeRunId } from "./run-id";
import type { Answer, SearchResult, Usage } from "../core/answer";
import { beyondNextYear, cleanWebLine, cleanWebText } from "../core/web-text";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** A string from the web, cleaned (web-text.ts); undefined when nothing is left. */
function webString(value: unknown, oneLine = true): string | undefined {
  if (typeof value !== "string") return undefined;
  const cleaned = oneLine ? cleanWebLine(value) : cleanWebText(value);
  return cleaned.trim() === "" ? undefined : cleaned;
}

/** A result's date: cleaned, and dropped when it lies beyond next year (an error, or a date that would win every comparison). */
function webDate(value: unknown): string | undefined {
  const date = webString(value);
  return date === undefined || beyondNextYear(date) ? undefined : date;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** One result as sent, before ids are settled: our SearchResult, with Perplexity's id if it was a whole number. */
export type RawSearchResult = Omit<SearchResult, "id"> & { rawId?: number };

/** One entry of a `results` array, or null when it has no usable URL. */
export function readSearchResult(value: unknown): RawSearchResult | null {
  if (!isRecord(value)) return null;
  const url = optionalString(value["url"])?.trim();
  if (!url) return null;
  const result: RawSearchResult = { url };
  const id = typeof value["id"] === "string" && /^\d+$/.test(value["id"]) ? Number(value["id"]) : value["id"];
  if (typeof id === "number" && Number.isInteger(id) && id >= 0) result.rawId = id;
  const title = webString(value["title"]);
  if (title !== undefined) result.title = title;
  const date = webDate(value["date"]);
  if (date !== undefined) result.date = date;
  const lastUpdated = webDate(value["last_updated"]);
  if (lastUpdated !== undefined) result.lastUpdated = lastUpdated;
  const snippet = webString(value["snippet"], false);
  if (snippet !== undefined) result.snippet = snippet;
  const source = webString(value["source"]);
  if (source !== undefined) result.source = source;
  return result;
}

/**
 * A `results` array as a list of positions: entries without a URL stay as null so positional
 * numbering (below) counts them like the model did.
 */
export function readResultList(value: unknown): (RawSearchResult | null)[] {
  return Array.isArray(value) ? value.map(readSearchResult) : [];
}

/** The `contents` of a `fetch_url_results` item: pages read in full, `{snippet, title, url}` without ids. */
export function readFetchedList(value: unknown): (RawSearchResult | null)[] {
  // A fetched page's number is its position (see answerSources), never an id it might carry.
  return readResultList(value).map((page) => (page ? { ...page, rawId: undefined, source: FETCHED_SOURCE } : null));
}

/** `SearchResult.source` of a page read in full (the fetch_url tool) rather than found by a search. */
export const FETCHED_SOURCE = "fetch_url";

/**
 * Every source of an answer: the search results (ids as `mergeSearchResults` settles them), then the pages read in
 * full. A fetched page has no id; live it is cited as `[web:0]` for the first page (cfdude agent_low_fetch_url), so
 * page k (counting from 0 over every `fetch_url_results` item) takes id k, unless a search result already has that
 * id: then the marker means the search result, which has an id of its own, and the page stays a source that no
 * marker names (an id below zero). A page that is also a search result (the same URL) is listed under both ids;
 * the block keeps one source per URL.
 */
export function answerSources(resultLists: (RawSearchResult | null)[][], fetchedLists: (RawSearchResult | null)[][]): SearchResult[] {
  const sources = mergeSearchResults(resultLists);
  if (fetchedLists.length === 0) return sources;
  const ids = new Set(sources.map((s) => s.id));
  fetchedLists.flat().forEach((page, position) => {
    if (page) sources.push(toSearchResult(page, ids.has(position) ? -1 - position : position));
  });
  return sources;
}

/**
 * Merge every `search_results` item into one list with unique ids.
 *
 * Normally citation markers name a result's `id`, so results are kept unique by id, first one wins.
 * The ids cannot be trusted when any result lacks one, or when one id names two different URLs; then,
 * like Perplexity's MCP server, results are numbered by position: 1, 2, 3... over all items in order
 * (entries without a URL still take their number, so later numbers line up with what the model saw).
 */
export function mergeSearchResults(lists: (RawSearchResult | null)[][]): SearchResult[] {
  const all = lists.flat();
  const urlById = new Map<number, string>();
  let idsUsable = true;
  for (const entry of all) {
    if (!entry) continue;
    if (entry.rawId === undefined) {
      idsUsable = false;
      break;
    }
    const seen = urlById.get(entry.rawId);
    if (seen !== undefined && seen !== entry.url) {
      idsUsable = false;
      break;
    }
    urlById.set(entry.rawId, entry.url);
  }

  const merged: SearchResult[] = [];
  if (idsUsable) {
    const taken = new Set<number>();
    for (const entry of all) {
      if (!entry || entry.rawId === undefined || taken.has(entry.rawId)) continue;
      taken.add(entry.rawId);
      merged.push(toSearchResult(entry, entry.rawId));
    }
  } else {
    all.forEach((entry, index) => {
      if (entry) merged.push(toSearchResult(entry, index + 1));
    });
  }
  return merged;
}

function toSearchResult(raw: RawSearchResult, id: number): SearchResult {
  const result: SearchResult = { id, url: raw.url };
  if (raw.title !== undefined) result.title = raw.title;
  if (raw.date !== undefined) result.date = raw.date;
  if (raw.lastUpdated !== undefined) result.lastUpdated = raw.lastUpdated;
  if (raw.snippet !== undefined) result.snippet = raw.snippet;
  if (raw.source !== undefined) result.source = raw.source;
  return result;
}

export function readQueries(value: unknown): string[] {
  return Array.isArray(value) ? value.map((q) => webString(q)).filter((q): q is string => q !== undefined) : [];
}

/** The model a response names, cleaned to one line. */
export function readModel(value: unknown): string {
  return webString(value) ?? "";
}

export function addUnique(target: string[], items: string[]): void {
  for (const item of items) if (!target.includes(item)) target.push(item);
}

export function readUsage(value: unknown): Usage {
  const usage: Usage = {};
  if (!isRecord(value)) return usage;
  const input = optionalNumber(value["input_tokens"]);
  if (input !== undefined) usage.inputTokens = input;
  const output = optionalNumber(value["output_tokens"]);
  if (output !== undefined) usage.outputTokens = output;
  const total = optionalNumber(value["total_tokens"]);
  if (total !== undefined) usage.totalTokens = total;
  const cost = isRecord(value["cost"]) ? optionalNumber(value["cost"]["total_cost"]) : undefined;
  if (cost !== undefined) usage.totalCost = cost;
  return usage;
}

/** What a response object says, read but not yet judged. */
export interface ParsedResponse {
  id: string;
  status: string;
  model: string;
  text: string;
  /** Whether `output` held a message or search results (a final stream event may omit them). */
  hasOutput: boolean;
  resultLists: (RawSearchResult | null)[][];
  /** `fetch_url_results` items: pages read in full. */
  fetchedLists: (RawSearchResult | null)[][];
  queries: string[];
  usage: Usage;
  errorMessage?: string;
  errorType?: string;
  incompleteReason?: string;
}

/** Read a response object; throws `bad-response` when it is not one. */
export function parseResponseObject(json: unknown): ParsedResponse {
  if (!isRecord(json)) throw badResponse("not an object");
  const status = json["status"];
  if (typeof status !== "string") {
    // An error envelope sent with 200 instead of a response.
    const error = isRecord(json["error"]) ? json["error"] : undefined;
    if (error) {
      throw new PerplexityError("run-failed", messages.runFailed(quoteServerText(error["message"])));
    }
    throw badResponse("no status");
  }
  const output = json["output"];
  if (output !== undefined && output !== null && !Array.isArray(output)) throw badResponse("output is not a list");

  const parsed: ParsedResponse = {
    id: safeRunId(json["id"]),
    status,
    model: readModel(json["model"]),
    text: "",
    hasOutput: false,
    resultLists: [],
    fetchedLists: [],
    queries: [],
    usage: readUsage(json["usage"]),
  };
  const texts: string[] = [];
  for (const item of Array.isArray(output) ? output : []) {
    if (!isRecord(item)) continue;
    if (item["type"] === "message") {
      parsed.hasOutput = true;
      const content = item["content"];
      if (typeof content === "string") texts.push(content);
      if (!Array.isArray(content)) continue;
      for (const part of content) {
        if (isRecord(part) && part["type"] === "output_text" && typeof part["text"] === "string") texts.push(part["text"]);
      }
    } else if (item["type"] === "search_results") {
      parsed.hasOutput = true;
      parsed.resultLists.push(readResultList(item["results"]));
      addUnique(parsed.queries, readQueries(item["queries"]));
    } else if (item["type"] === "fetch_url_results") {
      parsed.hasOutput = true;
      parsed.fetchedLists.push(readFetchedList(item["contents"]));
    }
  }
  parsed.text = texts.join("");

  const error = json["error"];
  if (isRecord(error)) {
    const message = quoteServerText(error["message"]);
    if (message !== undefined) parsed.errorMessage = message;
    const type = quoteServerText(error["type"]) ?? quoteServerText(error["code"]);
    if (type !== undefined) parsed.errorType = type;
  }
  const details = json["incomplete_details"];
  if (isRecord(details)) {
    const reason = quoteServerText(details["reason"]);
    if (reason !== undefined) parsed.incompleteReason = reason;
  }
  return parsed;
}

function badResponse(what: string): PerplexityError {
  return new PerplexityError("bad-response", messages.badResponse(what), { detail: what });
}

export function toAnswer(parsed: ParsedResponse, status: Answer["status"]): Answer {
  return {
    responseId: parsed.id,
    status,
    text: parsed.text,
    searchResults: answerSources(parsed.resultLists, parsed.fetchedLists),
    searchQueries: [...parsed.queries],
    model: parsed.model,
    usage: parsed.usage,
  };
}

/**
 * The Answer for a completed run, or the error for any other status. `partial` is attached to the
 * error when some text arrived.
 */
export function settleResponse(parsed: ParsedResponse): Answer {
  const partial = parsed.text ? { partial: toAnswer(parsed, "incomplete") } : {};
  const detail = parsed.errorType ? { detail: parsed.errorType } : {};
  switch (parsed.status) {
    case "completed":
      return toAnswer(parsed, "completed");
    case "failed":
      throw new PerplexityError("run-failed", messages.runFailed(parsed.errorMessage), { ...partial, ...detail });
    case "cancelled":
      throw new PerplexityError("run-cancelled", messages.runCancelled(), { ...partial, ...detail });
    case "incomplete":
      throw new PerplexityError("run-incomplete", messages.runIncomplete(parsed.incompleteReason), {
        ...partial,
        ...(parsed.incompleteReason ? { detail: parsed.incompleteReason } : {}),
      });
    default:
      // `queued` / `in_progress` are a background run still going: `readRunSnapshot` reads those.
      throw badResponse(`unexpected status "${parsed.status.slice(0, 40)}"`);
  }
}

/** Map a non-streamed Agent API response body (parsed JSON) to an Answer, or throw a PerplexityError. */
export function answerFromResponse(json: unknown): Answer {
  return settleResponse(parseResponseObject(json));
}

/** A background run as one GET (or its start) shows it. */
export interface RunSnapshot {
  id: string;
  status: string;
  /** The answer, once the run completed. */
  answer?: Answer;
  /** Why the run ended without an answer (failed, cancelled, incomplete), with what arrived as `partial`. */
  error?: PerplexityError;
  /** While it runs: how many sources it found so far (the in-progress output lists them, the live capture shows). */
  sources: number;
}

const UNFINISHED = new Set(["queued", "in_progress"]);

/** Reads a run object from POST (background) or GET /v1/responses/{id}; throws `bad-response` when it is none. */
export function readRunSnapshot(json: unknown): RunSnapshot {
  const parsed = parseResponseObject(json);
  if (!parsed.id) throw badResponse("no run id");
  if (UNFINISHED.has(parsed.status)) return { id: parsed.id, status: parsed.status, sources: mergeSearchResults(parsed.resultLists).length };
  try {
    return { id: parsed.id, status: parsed.status, answer: settleResponse(parsed), sources: 0 };
  } catch (error) {
    if (!(error instanceof PerplexityError)) throw error;
    return { id: parsed.id, status: parsed.status, error, sources: 0 };
  }
}
