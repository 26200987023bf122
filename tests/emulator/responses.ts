// Builds response objects and stream events with the field shapes of the live capture
// (fixtures/agent-web-search.json and .chunks.txt): same keys, ids like resp_/msg_/call_/fc_ + UUID,
// usage with cost, and sequence numbers with the small gaps seen live.

import { randomUUID } from "node:crypto";
import { defaultAnswer } from "./fixtures";
import type { AnswerStep, CannedAnswer, FetchUrlResultsItem, RunError, RunStatus, SearchResultsItem, UsageOverride } from "./scenario";
import type { ParsedRequest } from "./validate";

type Obj = Record<string, unknown>;

export const DEFAULT_MODEL = "openai/gpt-6-luna";

/** Everything decided about one run before any byte is sent. */
export interface Run {
  id: string;
  messageId: string;
  callId: string;
  functionCallId: string;
  createdAt: number;
  /** What was asked for: the preset, or the model (`response.model` while in progress, as seen live). */
  requested: string;
  /** The model that "answered" (`response.model` of the finished run). */
  model: string;
  status: RunStatus;
  error: RunError | null;
  incompleteReason?: string;
  text: string;
  searchResults: SearchResultsItem[];
  /** Pages read in full (`fetch_url_results` items), after the search results in `output`. */
  fetchResults: FetchUrlResultsItem[];
  usage: Obj;
  request: ParsedRequest;
}

const DEFAULT_ERRORS: Record<"failed" | "cancelled", RunError> = {
  failed: { message: "The run failed: upstream model error.", type: "internal_error", code: "internal_error" },
  // As captured live (cfdude/mcp-perplexity-pro agent_background_cancelled.json): code, message and type "cancelled".
  cancelled: { message: "cancelled", type: "cancelled", code: "cancelled" },
};

export function markerFor(request: ParsedRequest): "n" | "web" {
  return request.preset === "fast" ? "n" : "web";
}

/**
 * Whether the run searches: a preset always does; a model only with the web_search tool (argus captures: it
 * searched with the tool and `tool_choice` "auto"; cfdude agent_model_without_tools: without it, it did not).
 */
export function searchesWeb(request: ParsedRequest): boolean {
  if (request.preset !== undefined) return true;
  return (request.tools ?? []).some((t) => typeof t === "object" && t !== null && (t as Obj).type === "web_search");
}

/** The presets that read pages in full by default (reference, correction 1: low, medium and high). */
const FETCHING_PRESETS = new Set(["low", "medium", "high"]);

/**
 * Whether an explicit model narrates its work ("Let me compile the answer.", argus capture): it does unless its
 * instructions say not to. A preset's own prompt forbids it.
 */
export function narrates(request: ParsedRequest): boolean {
  return request.preset === undefined && !/\bnarrat/i.test(request.instructions ?? "");
}

const STOP_WORDS = new Set(
  "a an and are as at be by can could did do does for from has have how i in is it its me my of on one or our please reply should short so tell that the their them then there these this to was we what when where which who why will with would you your".split(" "),
);

/**
 * What the run searches for (the `queries` of its search_results item), as seen live: a string `input` is searched
 * word for word, whole (cfdude agent_fast, agent_fast_filters, agent_fast_deny_after, agent_chat_turn_a; vercel
 * agent-web-search). A message array has its last user message rewritten into a query (cfdude agent_chat_replay:
 * "user favorite color codeword PELICAN-42 teal"): modelled as that message's words without filler, then up to
 * four distinctive terms of the earlier user messages (words in double quotes or with a digit). The earlier
 * messages' sentences are never searched word for word.
 */
export function searchQueryOf(request: ParsedRequest): string {
  if (!request.inputIsMessages) return request.question;
  const words = (text: string) => text.match(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu) ?? [];
  const query = words(request.question).filter((w) => !STOP_WORDS.has(w.toLowerCase()));
  const seen = new Set(query.map((w) => w.toLowerCase()));
  const distinctive: string[] = [];
  for (const m of request.earlier.filter((e) => e.role === "user")) {
    const quoted = [...m.text.matchAll(/"([^"]+)"|“([^”]+)”/g)].flatMap((q) => words(q[1] ?? q[2] ?? ""));
    for (const w of [...quoted, ...words(m.text).filter((x) => /\d/.test(x))]) {
      if (STOP_WORDS.has(w.toLowerCase()) || seen.has(w.toLowerCase())) continue;
      seen.add(w.toLowerCase());
      distinctive.push(w);
    }
  }
  return [...query, ...distinctive.slice(0, 4)].join(" ");
}

/**
 * Whether the answer carries citation markers. A preset's own system prompt holds the citation rules, and
 * `instructions` REPLACES that prompt (reference, correction 1): with instructions, no markers. A model has
 * no citation rules unless the instructions ask for bracketed citations.
 */
export function citesSources(request: ParsedRequest): boolean {
  if (!searchesWeb(request)) return false;
  if (request.preset !== undefined) return request.instructions === undefined;
  return /\bcit(e|ation)/i.test(request.instructions ?? "") && /\[\d+\]|square brackets/i.test(request.instructions ?? "");
}

const MARKERS = /\[(?:[a-z_]+:)?\d+\]/g;

/** Tokens the emulator charges for text: about four characters each, as usage reports. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

export function createRun(request: ParsedRequest, step: AnswerStep): Run {
  const status = step.status ?? "completed";
  const given = step.answer ?? {};
  // Failed and cancelled runs carry no output unless the step gives some. The answer is about the question (the
  // whole input when it is a string, as live); its search_results item names the query searched for.
  const ended = status === "failed" || status === "cancelled";
  const generated: CannedAnswer = ended ? { text: "", searchResults: [] } : withFetchedPage(withinDomainFilter(searchedFor(defaultAnswer(request.question, given.marker ?? markerFor(request)), request), request.domainFilter), request);
  // The generated answer behaves like the real API; a scripted text or result list is sent as given.
  const cited = citesSources(request) ? generated.text : generated.text?.replace(MARKERS, "");
  const generatedText = cited && narrates(request) ? `${NARRATION}\n\n${cited}` : cited;
  let text = given.text ?? (generatedText ? followUpLead(request) + generatedText : "");
  const searchResults = given.searchResults ?? (searchesWeb(request) ? generated.searchResults : undefined) ?? [];
  // A scripted answer is sent as given: no generated page is added to it.
  const scripted = given.text !== undefined || given.searchResults !== undefined;
  const fetchResults = given.fetchUrlResults ?? (searchesWeb(request) && !scripted ? generated.fetchUrlResults : undefined) ?? [];
  let finalStatus: RunStatus = status;
  let incompleteReason = status === "incomplete" ? (step.incompleteReason ?? "max_output_tokens") : undefined;
  // An answer longer than max_output_tokens stops there, as an incomplete run.
  const limit = request.maxOutputTokens;
  if (limit !== undefined && status === "completed" && tokensOf(text) > limit) {
    text = text.slice(0, limit * 4);
    finalStatus = "incomplete";
    incompleteReason = "max_output_tokens";
  }
  const run: Run = {
    id: step.runId ?? `resp_${randomUUID()}`,
    messageId: `msg_${randomUUID()}`,
    callId: `call_${randomUUID()}`,
    functionCallId: `fc_${randomUUID()}`,
    createdAt: Math.floor(Date.now() / 1000),
    requested: request.preset ?? request.model ?? "fast",
    model: given.model ?? (request.preset === undefined && request.model ? request.model : DEFAULT_MODEL),
    status: finalStatus,
    error: status === "failed" || status === "cancelled" ? (step.error ?? DEFAULT_ERRORS[status]) : null,
    incompleteReason,
    text,
    searchResults,
    fetchResults,
    usage: {},
    request,
  };
  run.usage = buildUsage(run, given.usage, given.cost);
  return run;
}

/** How an explicit model opened its answer in the argus capture (thorough_comparison_web_search_citations). */
export const NARRATION = "I have enough to write a strong answer. Let me compile the answer.";

/** The generated search names what was searched for: the query, as `searchQueryOf` models it. */
function searchedFor(answer: CannedAnswer, request: ParsedRequest): CannedAnswer {
  const query = searchQueryOf(request);
  return { ...answer, searchResults: (answer.searchResults ?? []).map((item) => ({ ...item, queries: [query] })) };
}

/**
 * For the presets that read pages (low, medium, high): the first page found, read in full, as a `fetch_url_results`
 * item (no ids), cited as `[web:0]` as in the live capture (cfdude agent_low_fetch_url).
 */
function withFetchedPage(answer: CannedAnswer, request: ParsedRequest): CannedAnswer {
  const found = answer.searchResults?.[0]?.results[0];
  if (!FETCHING_PRESETS.has(request.preset ?? "") || !found?.url) return answer;
  const page = { snippet: `${found.snippet ?? ""}\n\nThe page read in full: the details behind the summary.`, title: found.title ?? found.url, url: found.url };
  return { ...answer, text: `${answer.text ?? ""} A page read in full gives the details.[web:0]`, fetchUrlResults: [{ contents: [page] }] };
}

/** The host an allowlist entry stands for: a domain, a suffix like ".gov" (some host under it), or a page URL's host. */
function hostOf(entry: string): string {
  if (/^https?:\/\//.test(entry)) return new URL(entry).hostname;
  return entry.startsWith(".") ? `www.example${entry}` : entry;
}

function matches(host: string, entry: string): boolean {
  const e = /^https?:\/\//.test(entry) ? new URL(entry).hostname : entry;
  if (e.startsWith(".")) return host.endsWith(e);
  return host === e || host.endsWith(`.${e}`);
}

/**
 * What the search finds under `search_domain_filter`, as the real search does: with an allowlist only pages on
 * those domains (the generated pages move onto them, in turn); with a denylist none on the excluded ones (their
 * pages are dropped, and the text no longer cites them).
 */
export function withinDomainFilter(answer: CannedAnswer, filter: string[] | undefined): CannedAnswer {
  if (!filter?.length || !answer.searchResults) return answer;
  const denied = filter.filter((e) => e.startsWith("-")).map((e) => e.slice(1));
  const allowed = filter.filter((e) => !e.startsWith("-"));
  const hostOfUrl = (url: string | undefined) => (url ? new URL(url).hostname : "");
  let next = 0;
  let text = answer.text ?? "";
  const searchResults = answer.searchResults.map((item) => ({
    ...item,
    results: item.results.flatMap((r) => {
      const host = hostOfUrl(r.url);
      if (denied.some((e) => matches(host, e))) {
        text = text.replace(new RegExp(`\\[(?:web:)?${r.id}\\]`, "g"), "");
        return [];
      }
      if (allowed.length && !allowed.some((e) => matches(host, e))) {
        const to = hostOf(allowed[next++ % allowed.length] as string);
        // A page moved to another site no longer names the old one in its title.
        return [{ ...r, url: (r.url ?? "").replace(host, to), ...(r.title ? { title: r.title.replace(/ - Wikipedia$/, ` - ${to}`) } : {}) }];
      }
      return [r];
    }),
  }));
  return { ...answer, text, searchResults };
}

/**
 * A conversation's answer depends on its earlier turns, as a real one does: the default answer to a follow-up
 * starts by naming the question it follows and how many earlier turns it read, so tests see the history arrived.
 */
function followUpLead(request: ParsedRequest): string {
  // A turn is a user message answered by an assistant one; a user message followed by another is context.
  const questions = request.earlier.filter((m, i) => m.role === "user" && request.earlier[i + 1]?.role === "assistant");
  const answers = request.earlier.filter((m) => m.role === "assistant");
  if (questions.length === 0) return "";
  return `Following up on "${questions[questions.length - 1]!.text}" (${questions.length} earlier ${questions.length === 1 ? "question" : "questions"}, ${answers.length} earlier ${answers.length === 1 ? "answer" : "answers"}).\n\n`;
}

/** Usage shaped like the capture; token counts roughly follow the text length. */
function buildUsage(run: Run, override: UsageOverride | undefined, cost: number | undefined): Obj {
  const searches = run.searchResults.length;
  const fetches = run.fetchResults.length;
  const earlier = run.request.earlier.reduce((n, m) => n + m.text.length, 0);
  const input = 3000 + Math.ceil((run.request.instructions?.length ?? 0) / 4) + Math.ceil((run.request.question.length + earlier) / 4);
  const output = Math.ceil(run.text.length / 4);
  const inputCost = round(input * 1e-7);
  const outputCost = round(output * 5e-7);
  const searchCost = round(searches * 0.001);
  // The capture's one fetch cost $0.00359 (cfdude agent_low_fetch_url).
  const fetchCost = round(fetches * 0.00359);
  const toolCost = round(searchCost + fetchCost);
  const usage: Obj = {
    cost: {
      cache_read_cost: 0,
      currency: "USD",
      input_cost: inputCost,
      output_cost: outputCost,
      tool_calls_cost: toolCost,
      tool_calls_cost_details: { ...(searches ? { search_web: searchCost } : {}), ...(fetches ? { fetch_url: fetchCost } : {}) },
      total_cost: round(inputCost + outputCost + toolCost),
    },
    input_tokens: input,
    input_tokens_details: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    tool_calls_details: {
      ...(searches ? { search_web: { cost_usd: searchCost, invocation: searches } } : {}),
      ...(fetches ? { fetch_url: { cost_usd: fetchCost, invocation: fetches } } : {}),
    },
    total_tokens: input + output,
  };
  if (override) {
    const { cost: costOverride, ...rest } = override;
    Object.assign(usage, rest);
    if (costOverride) usage.cost = { ...(usage.cost as Obj), ...costOverride };
  }
  if (cost !== undefined) usage.cost = { ...(usage.cost as Obj), total_cost: cost };
  return usage;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function searchResultsItem(item: SearchResultsItem, query: string): Obj {
  return { queries: item.queries ?? [query], results: item.results, type: "search_results" };
}

export function fetchUrlResultsItem(item: FetchUrlResultsItem): Obj {
  return { contents: item.contents, type: "fetch_url_results" };
}

export function messageItem(run: Run, text: string, status: string): Obj {
  return {
    content: [{ annotations: [], text, type: "output_text" }],
    id: run.messageId,
    role: "assistant",
    status,
    type: "message",
  };
}

/** The full output array of a run with the given text (partial text for cancelled streams). */
export function outputOf(run: Run, text = run.text, searchItems = run.searchResults.length + run.fetchResults.length): Obj[] {
  const query = searchQueryOf(run.request);
  const output = [...run.searchResults.map((item) => searchResultsItem(item, query)), ...run.fetchResults.map(fetchUrlResultsItem)].slice(0, searchItems);
  if (text !== "") output.push(messageItem(run, text, run.status === "incomplete" ? "incomplete" : "completed"));
  return output;
}

/** The response object: keys and defaults as in the capture. */
export function responseObject(run: Run, phase: "in_progress" | "final", overrides: Obj = {}): Obj {
  const final = phase === "final";
  const now = Math.floor(Date.now() / 1000);
  return {
    background: run.request.background,
    completed_at: final && run.status === "completed" ? now : null,
    created_at: run.createdAt,
    error: final ? run.error : null,
    frequency_penalty: 0,
    id: run.id,
    incomplete_details: final && run.incompleteReason ? { reason: run.incompleteReason } : null,
    instructions: run.request.instructions ?? null,
    max_output_tokens: run.request.maxOutputTokens ?? null,
    max_tool_calls: null,
    metadata: {},
    model: final ? run.model : run.requested,
    object: "response",
    output: final ? outputOf(run) : [],
    parallel_tool_calls: true,
    presence_penalty: 0,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: run.request.reasoning ?? null,
    safety_identifier: null,
    service_tier: final ? "fast" : "default",
    status: final ? run.status : "in_progress",
    store: run.request.store,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: run.request.tools ?? [{ type: "web_search" }],
    top_logprobs: 0,
    top_p: 1,
    truncation: "",
    usage: final ? run.usage : null,
    user: null,
    ...overrides,
  };
}

/**
 * A background run that is not finished, as GET /v1/agent/{id} showed it live: `queued` with no output right
 * after the start (agent_background_submit.json, agent_background_poll_pending.json), then `in_progress` with
 * the search results found so far and no message (agent_background_in_progress.json). `usage` is null, `model`
 * names what was asked for, `tools` is empty.
 */
export function unfinishedObject(run: Run, stage: "queued" | "in_progress"): Obj {
  const output = stage === "in_progress" ? run.searchResults.map((item) => searchResultsItem(item, run.request.question)) : [];
  return responseObject(run, "in_progress", { output, status: stage, tools: [] });
}

/**
 * A background run cancelled before it finished, as captured live (agent_background_cancelled.json): status and
 * error `cancelled`, `incomplete_details.reason` "cancelled", no usage (its cost never arrives), the search
 * results found until then and no message.
 */
export function cancelledRunObject(run: Run, stage: "queued" | "in_progress"): Obj {
  return responseObject(run, "in_progress", {
    error: DEFAULT_ERRORS.cancelled,
    incomplete_details: { reason: "cancelled" },
    output: stage === "in_progress" ? run.searchResults.map((item) => searchResultsItem(item, run.request.question)) : [],
    status: "cancelled",
    tools: [],
  });
}

/** Split text into `count` chunks by characters (never inside a surrogate pair), or into word pieces. */
export function splitDeltas(text: string, count?: number): string[] {
  if (text === "") return [];
  const chars = Array.from(text);
  if (count !== undefined && count > 0) {
    const n = Math.min(count, chars.length);
    const deltas: string[] = [];
    for (let i = 0; i < n; i++) {
      deltas.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(""));
    }
    return deltas;
  }
  // Word pieces like the live stream: "types", ".[", "7", "]" (so markers are split across deltas).
  return text.match(/\s*[A-Za-z0-9]+|\s*[^\sA-Za-z0-9]+|\s+/g) ?? [text];
}

/** One streamed event, before its sequence number is assigned. */
export interface PlannedEvent {
  event: Obj;
  /** Text sent so far once this event is out (to build a cancelled run's partial output). */
  textSoFar?: string;
  /** Search items sent so far once this event is out. */
  searchItemsSoFar?: number;
  /** Leave a gap in sequence numbers before this event, as seen live. */
  gapBefore?: boolean;
}

/** The body events of a stream, in the live order (reference §4), without the terminal event. */
export function streamEvents(run: Run, deltaCount?: number): PlannedEvent[] {
  const events: PlannedEvent[] = [
    { event: { response: responseObject(run, "in_progress"), type: "response.created" } },
    { event: { response: responseObject(run, "in_progress"), type: "response.in_progress" } },
  ];
  let outputIndex = 0;
  const query = searchQueryOf(run.request);
  run.searchResults.forEach((item, i) => {
    const queries = item.queries ?? [query];
    events.push({
      gapBefore: i === 0,
      event: {
        item: {
          arguments: JSON.stringify({ queries }),
          call_id: run.callId,
          id: run.functionCallId,
          name: "search_web",
          status: "completed",
          type: "function_call",
        },
        output_index: outputIndex,
        type: "response.output_item.added",
      },
    });
    events.push({ event: { call_id: run.callId, queries, thought: "Searching the web...", type: "response.reasoning.search_queries" } });
    events.push({
      event: {
        call_id: run.callId,
        results: item.results,
        thought: `Found ${item.results.length} results`,
        type: "response.reasoning.search_results",
      },
    });
    events.push({
      searchItemsSoFar: i + 1,
      event: { item: searchResultsItem(item, query), output_index: outputIndex, type: "response.output_item.done" },
    });
    outputIndex++;
  });
  // Pages read in full: the SDK's FetchUrlQueriesEvent and FetchUrlResultsEvent, then the output item.
  run.fetchResults.forEach((item, i) => {
    const urls = item.contents.map((c) => c.url ?? "");
    events.push({
      gapBefore: i === 0 && run.searchResults.length === 0,
      event: {
        item: { arguments: JSON.stringify({ urls }), call_id: run.callId, id: run.functionCallId, name: "fetch_url", status: "completed", type: "function_call" },
        output_index: outputIndex,
        type: "response.output_item.added",
      },
    });
    events.push({ event: { thought: "Reading the page...", type: "response.reasoning.fetch_url_queries", urls } });
    events.push({ event: { contents: item.contents, thought: `Read ${urls.length} ${urls.length === 1 ? "page" : "pages"}`, type: "response.reasoning.fetch_url_results" } });
    events.push({
      searchItemsSoFar: run.searchResults.length + i + 1,
      event: { item: fetchUrlResultsItem(item), output_index: outputIndex, type: "response.output_item.done" },
    });
    outputIndex++;
  });
  if (run.text === "") return events;

  const messageStatus = run.status === "incomplete" ? "incomplete" : "completed";
  events.push({
    event: {
      item: { content: null, id: run.messageId, role: "assistant", status: messageStatus, type: "message" },
      output_index: outputIndex,
      type: "response.output_item.added",
    },
  });
  let soFar = "";
  for (const delta of splitDeltas(run.text, deltaCount)) {
    soFar += delta;
    events.push({
      textSoFar: soFar,
      event: { content_index: 0, delta, item_id: run.messageId, output_index: outputIndex, type: "response.output_text.delta" },
    });
  }
  events.push({
    gapBefore: true,
    event: { content_index: 0, item_id: run.messageId, output_index: outputIndex, text: run.text, type: "response.output_text.done" },
  });
  events.push({ event: { item: messageItem(run, run.text, messageStatus), output_index: outputIndex, type: "response.output_item.done" } });
  return events;
}

const TERMINAL_TYPES: Record<RunStatus, string> = {
  completed: "response.completed",
  failed: "response.failed",
  cancelled: "response.cancelled",
  incomplete: "response.incomplete",
};

/**
 * The terminal event for the run's status. `response.failed` is `{type, error, sequence_number}`: a
 * top-level `error` and no `response` (the official SDK's ResponseFailedEvent; Perplexity's MCP server
 * reads `error.message`). The others carry the final `response`.
 */
export function terminalEvent(run: Run): Obj {
  if (run.status === "failed") return { error: run.error ?? DEFAULT_ERRORS.failed, type: TERMINAL_TYPES.failed };
  return { response: responseObject(run, "final"), type: TERMINAL_TYPES[run.status] };
}

/** The `response.cancelled` event for a run cancelled mid-stream, with what had been sent so far. */
export function cancelledEvent(run: Run, textSoFar: string, searchItemsSoFar: number): Obj {
  return {
    response: responseObject(run, "final", {
      status: "cancelled",
      completed_at: null,
      error: DEFAULT_ERRORS.cancelled,
      output: outputOf(run, textSoFar, searchItemsSoFar),
    }),
    type: "response.cancelled",
  };
}

export function errorEvent(overrides: Obj | true | undefined): Obj {
  const base: Obj = {
    error: { message: "stream interrupted: upstream connection lost", type: "internal_error", code: "internal_error" },
    type: "error",
  };
  return overrides === true || overrides === undefined ? base : { ...base, ...overrides };
}
