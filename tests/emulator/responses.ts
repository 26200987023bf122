// Builds response objects and stream events with the field shapes of the live capture
// (fixtures/agent-web-search.json and .chunks.txt): same keys, ids like resp_/msg_/call_/fc_ + UUID,
// usage with cost, and sequence numbers with the small gaps seen live.

import { randomUUID } from "node:crypto";
import { defaultAnswer } from "./fixtures";
import type { AnswerStep, CannedAnswer, RunError, RunStatus, SearchResultsItem, UsageOverride } from "./scenario";
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
 * Whether the run searches: a preset always does; a model only with the web_search tool, and surely only
 * when the search is forced (`tool_choice`); otherwise it may answer from memory, modelled here as "does not".
 */
export function searchesWeb(request: ParsedRequest): boolean {
  if (request.preset !== undefined) return true;
  const hasTool = (request.tools ?? []).some((t) => typeof t === "object" && t !== null && (t as Obj).type === "web_search");
  return hasTool && request.forcesSearch;
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
  // Failed and cancelled runs carry no output unless the step gives some.
  // The first paragraph of the input is what seeds the search (framing may follow it): the answer is about it.
  const seed = request.question.trim().split(/\n\s*\n/)[0] ?? request.question;
  const generated = status === "failed" || status === "cancelled" ? { text: "", searchResults: [] } : withinDomainFilter(defaultAnswer(seed, given.marker ?? markerFor(request)), request.domainFilter);
  // The generated answer behaves like the real API; a scripted text or result list is sent as given.
  const generatedText = citesSources(request) ? generated.text : generated.text?.replace(MARKERS, "");
  let text = given.text ?? (generatedText ? followUpLead(request) + generatedText : "");
  const searchResults = given.searchResults ?? (searchesWeb(request) ? generated.searchResults : undefined) ?? [];
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
    id: `resp_${randomUUID()}`,
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
    usage: {},
    request,
  };
  run.usage = buildUsage(run, given.usage, given.cost);
  return run;
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
  const questions = request.earlier.filter((m) => m.role === "user");
  const answers = request.earlier.filter((m) => m.role === "assistant");
  if (questions.length === 0) return "";
  return `Following up on "${questions[questions.length - 1]!.text}" (${questions.length} earlier ${questions.length === 1 ? "question" : "questions"}, ${answers.length} earlier ${answers.length === 1 ? "answer" : "answers"}).\n\n`;
}

/** Usage shaped like the capture; token counts roughly follow the text length. */
function buildUsage(run: Run, override: UsageOverride | undefined, cost: number | undefined): Obj {
  const searches = run.searchResults.length;
  const earlier = run.request.earlier.reduce((n, m) => n + m.text.length, 0);
  const input = 3000 + Math.ceil((run.request.instructions?.length ?? 0) / 4) + Math.ceil((run.request.question.length + earlier) / 4);
  const output = Math.ceil(run.text.length / 4);
  const inputCost = round(input * 1e-7);
  const outputCost = round(output * 5e-7);
  const toolCost = round(searches * 0.001);
  const usage: Obj = {
    cost: {
      cache_read_cost: 0,
      currency: "USD",
      input_cost: inputCost,
      output_cost: outputCost,
      tool_calls_cost: toolCost,
      tool_calls_cost_details: { search_web: toolCost },
      total_cost: round(inputCost + outputCost + toolCost),
    },
    input_tokens: input,
    input_tokens_details: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    tool_calls_details: { search_web: { cost_usd: toolCost, invocation: searches } },
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

export function searchResultsItem(item: SearchResultsItem, question: string): Obj {
  return { queries: item.queries ?? [question], results: item.results, type: "search_results" };
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
export function outputOf(run: Run, text = run.text, searchItems = run.searchResults.length): Obj[] {
  const output = run.searchResults.slice(0, searchItems).map((item) => searchResultsItem(item, run.request.question));
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
  run.searchResults.forEach((item, i) => {
    const queries = item.queries ?? [run.request.question];
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
      event: { item: searchResultsItem(item, run.request.question), output_index: outputIndex, type: "response.output_item.done" },
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
