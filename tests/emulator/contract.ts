// Perplexity's own types as a runtime contract. The official SDK (@perplexity-ai/perplexity_ai, a dev
// dependency only) publishes the Agent API's types in its generated api.d.ts; the checks below are built
// from them, and the compiler holds each check to its type: `fields<T>()` must list exactly the keys of T,
// each marked required or optional as T has it. When the SDK changes a type, this file stops compiling.
//
// Where the running API and the SDK's types disagree, the running API wins, and each such point is named
// here (see DEVIATIONS): the SDK's generated types are older than some of what the docs and live captures show.
import type {
  ContentPartOutput,
  ErrorInfoOutput,
  FetchUrlQueriesEventOutput,
  FetchUrlResultsEventOutput,
  FetchUrlResultsOutputItemOutput,
  FetchUrlToolInput,
  FunctionCallOutputItemOutput,
  InputMessageInput,
  MessageOutputItemOutput,
  OutputItemAddedEventOutput,
  OutputItemDoneEventOutput,
  ResponseCompletedEventOutput,
  ResponseCreatedEventOutput,
  ResponseFailedEventOutput,
  ResponseInProgressEventOutput,
  ResponsesCostOutput,
  ResponsesRequestInput,
  ResponsesResponseOutput,
  ResponsesUsageOutput,
  SearchQueriesEventOutput,
  SearchResultOutput,
  SearchResultsEventOutput,
  SearchResultsOutputItemOutput,
  SkillLoadedOutputItemOutput,
  TextDeltaEventOutput,
  TextDoneEventOutput,
  ToolUserLocationInput,
  UrlContentOutput,
  WebSearchFiltersInput,
  WebSearchToolInput,
} from "@perplexity-ai/perplexity_ai/generated/api";

/**
 * Where the live API goes beyond SDK 0.38.5's types: each point is shown by a capture in tests/fixtures/captures
 * (or, for `effort`, by the newest docs) and applied in exactly one place below.
 */
export const DEVIATIONS = {
  /**
   * The Go server writes absent optional fields as `null`: `"error": null`, `"usage": null` (vercel agent-web-search),
   * a search_results item's `"queries": null` (cfdude agent_chat_turn_b).
   */
  nullForOptional: true,
  /**
   * `incomplete` is a run status the API sends, with `incomplete_details.reason` (cfdude agent_incomplete_truncated:
   * HTTP 200, status incomplete, empty output), and `response.incomplete` ends such a stream.
   */
  incompleteStatus: "incomplete",
  /** `response.incomplete` and `response.cancelled` end streams (reference §4); the SDK's union lacks them. */
  extraTerminalEvents: ["response.incomplete", "response.cancelled"],
  /** A message announced by `output_item.added` has `content: null` until it is done (vercel agent-web-search.chunks). */
  nullContentWhenAdded: true,
  /**
   * Output items the SDK's union does not have: `finance_results` ({categories, results, tickers}), sent with the
   * finance_search tool (argus probes, 2026-08-07).
   */
  extraOutputItems: ["finance_results"],
  /** `effort`, the preset's new name (newest docs), is a request field newer than the SDK. */
  extraRequestFields: ["effort"],
  /** `max_results` in the web_search tool is accepted live and echoed in `tools` (cfdude agent_fast_deny_after). */
  extraWebSearchToolFields: ["max_results"],
} as const;

type Check = (value: unknown, path: string, problems: string[]) => void;
interface Field<Optional extends boolean> {
  optional: Optional;
  check: Check;
}
const required = (check: Check): Field<false> => ({ optional: false, check });
const optional = (check: Check): Field<true> => ({ optional: true, check });

/** Every key of T, required or optional exactly as T declares it. */
type Fields<T> = { [K in keyof T]-?: Field<object extends Pick<T, K> ? true : false> };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An object with T's fields. Extra keys are allowed (TypeScript object types are open; the API adds fields). */
function fields<T>(spec: Fields<T>): Check {
  return (value, path, problems) => {
    if (!isObj(value)) return void problems.push(`${path}: expected an object`);
    for (const [key, field] of Object.entries<Field<boolean>>(spec as Record<string, Field<boolean>>)) {
      const v = value[key];
      if (v === undefined || (v === null && field.optional && DEVIATIONS.nullForOptional)) {
        if (!field.optional) problems.push(`${path}.${key}: required`);
        continue;
      }
      field.check(v, `${path}.${key}`, problems);
    }
  };
}

const str: Check = (v, path, problems) => void (typeof v !== "string" && problems.push(`${path}: expected a string`));
const num: Check = (v, path, problems) => void ((typeof v !== "number" || !Number.isFinite(v)) && problems.push(`${path}: expected a number`));
const int: Check = (v, path, problems) => void (!Number.isInteger(v) && problems.push(`${path}: expected an integer`));
const bool: Check = (v, path, problems) => void (typeof v !== "boolean" && problems.push(`${path}: expected a boolean`));
const anything: Check = () => undefined;
function oneOf<T extends string>(...values: readonly T[]): Check {
  return (v, path, problems) => void (!(values as readonly unknown[]).includes(v) && problems.push(`${path}: ${JSON.stringify(v)} is not one of ${values.join(", ")}`));
}
function list(item: Check): Check {
  return (v, path, problems) => {
    if (!Array.isArray(v)) return void problems.push(`${path}: expected an array`);
    v.forEach((x, i) => item(x, `${path}[${i}]`, problems));
  };
}
function either(...checks: Check[]): Check {
  return (v, path, problems) => {
    const attempts = checks.map((c) => {
      const p: string[] = [];
      c(v, path, p);
      return p;
    });
    if (!attempts.some((p) => p.length === 0)) problems.push(...(attempts[0] ?? [`${path}: no alternative matched`]));
  };
}
/** A union told apart by its `type` field; `fallback` for types the union leaves open. */
function byType(cases: Record<string, Check>, fallback?: Check): Check {
  return (v, path, problems) => {
    const type = isObj(v) ? v.type : undefined;
    const check = typeof type === "string" ? (cases[type] ?? fallback) : undefined;
    if (!check) return void problems.push(`${path}.type: ${JSON.stringify(type)} is not one of ${Object.keys(cases).join(", ")}`);
    check(v, path, problems);
  };
}

// ---------------------------------------------------------------------------------------------
// Responses and stream events (what the emulator must produce).

const STATUS = ["completed", "failed", "in_progress", "queued", "cancelled", "requires_action", DEVIATIONS.incompleteStatus] as const;

const errorInfo = fields<ErrorInfoOutput>({ code: optional(str), message: required(str), type: optional(str) });
const searchResult = fields<SearchResultOutput>({
  date: optional(str),
  id: required(int),
  last_updated: optional(str),
  snippet: required(str),
  source: optional(oneOf("web")),
  title: required(str),
  url: required(str),
});
const searchResultsItem = fields<SearchResultsOutputItemOutput>({
  queries: optional(list(str)),
  results: required(list(searchResult)),
  type: required(oneOf("search_results")),
});
const contentPart = fields<ContentPartOutput>({ annotations: optional(list(anything)), text: required(str), type: required(oneOf("output_text")) });
function messageItem(contentMayBeNull: boolean): Check {
  const content = list(contentPart);
  return fields<MessageOutputItemOutput>({
    content: required(contentMayBeNull ? (v, path, problems) => (v === null ? undefined : content(v, path, problems)) : content),
    id: required(str),
    role: required(oneOf("assistant")),
    status: required(oneOf(...STATUS)),
    type: required(oneOf("message")),
  });
}
const functionCallItem = fields<FunctionCallOutputItemOutput>({
  arguments: required(str),
  call_id: required(str),
  id: required(str),
  name: required(str),
  status: required(oneOf(...STATUS)),
  thought_signature: optional(str),
  type: required(oneOf("function_call")),
});
const urlContent = fields<UrlContentOutput>({ snippet: required(str), title: required(str), url: required(str) });
const fetchUrlResultsItem = fields<FetchUrlResultsOutputItemOutput>({ contents: required(list(urlContent)), type: required(oneOf("fetch_url_results")) });
const skillLoadedItem = fields<SkillLoadedOutputItemOutput>({ name: required(str), type: required(oneOf("skill_loaded")) });
const extraItem: Check = (v, path, problems) => void (!isObj(v) && problems.push(`${path}: expected an object`));
// The union has more members (mcp_call, sandbox_*, unknown, ...) than the emulator sends or the captures hold.
const outputItem = (contentMayBeNull: boolean) =>
  byType({
    message: messageItem(contentMayBeNull),
    search_results: searchResultsItem,
    fetch_url_results: fetchUrlResultsItem,
    function_call: functionCallItem,
    skill_loaded: skillLoadedItem,
    ...Object.fromEntries(DEVIATIONS.extraOutputItems.map((type) => [type, extraItem])),
  });

const cost = fields<ResponsesCostOutput>({
  cache_creation_cost: optional(num),
  cache_read_cost: optional(num),
  currency: required(oneOf("USD")),
  input_cost: required(num),
  output_cost: required(num),
  tool_calls_cost: optional(num),
  total_cost: required(num),
});
const usage = fields<ResponsesUsageOutput>({
  cost: optional(cost),
  input_tokens: required(int),
  input_tokens_details: optional(anything),
  output_tokens: required(int),
  tool_calls_details: optional(anything),
  total_tokens: required(int),
});

/** A response object, as `ResponsesResponseOutput`. */
export const checkResponse: Check = fields<ResponsesResponseOutput>({
  background: optional(bool),
  created_at: required(int),
  error: optional(errorInfo),
  id: required(str),
  model: required(str),
  object: required(oneOf("response")),
  output: required(list(outputItem(false))),
  previous_response_id: optional(str),
  status: required(oneOf(...STATUS)),
  store: optional(bool),
  usage: optional(usage),
});

/** A stream event, as `ResponseStreamEventOutput` (plus the terminal events named in DEVIATIONS). */
export const checkStreamEvent: Check = byType({
  "response.created": fields<ResponseCreatedEventOutput>({ response: optional(checkResponse), sequence_number: required(int), type: required(oneOf("response.created")) }),
  "response.in_progress": fields<ResponseInProgressEventOutput>({ response: optional(checkResponse), sequence_number: required(int), type: required(oneOf("response.in_progress")) }),
  "response.completed": fields<ResponseCompletedEventOutput>({ response: optional(checkResponse), sequence_number: required(int), type: required(oneOf("response.completed")) }),
  "response.failed": fields<ResponseFailedEventOutput>({ error: required(errorInfo), sequence_number: required(int), type: required(oneOf("response.failed")) }),
  "response.output_item.added": fields<OutputItemAddedEventOutput>({
    item: required(outputItem(DEVIATIONS.nullContentWhenAdded)),
    output_index: required(int),
    sequence_number: required(int),
    type: required(oneOf("response.output_item.added")),
  }),
  "response.output_item.done": fields<OutputItemDoneEventOutput>({
    item: required(outputItem(false)),
    output_index: required(int),
    sequence_number: required(int),
    type: required(oneOf("response.output_item.done")),
  }),
  "response.output_text.delta": fields<TextDeltaEventOutput>({
    content_index: required(int),
    delta: required(str),
    item_id: required(str),
    output_index: required(int),
    sequence_number: required(int),
    type: required(oneOf("response.output_text.delta")),
  }),
  "response.output_text.done": fields<TextDoneEventOutput>({
    content_index: required(int),
    item_id: required(str),
    output_index: required(int),
    sequence_number: required(int),
    text: required(str),
    type: required(oneOf("response.output_text.done")),
  }),
  "response.reasoning.search_queries": fields<SearchQueriesEventOutput>({
    queries: required(list(str)),
    sequence_number: required(int),
    thought: optional(str),
    type: required(oneOf("response.reasoning.search_queries")),
  }),
  "response.reasoning.fetch_url_queries": fields<FetchUrlQueriesEventOutput>({
    sequence_number: required(int),
    thought: optional(str),
    type: required(oneOf("response.reasoning.fetch_url_queries")),
    urls: required(list(str)),
  }),
  "response.reasoning.fetch_url_results": fields<FetchUrlResultsEventOutput>({
    contents: required(list(urlContent)),
    sequence_number: required(int),
    thought: optional(str),
    type: required(oneOf("response.reasoning.fetch_url_results")),
  }),
  "response.reasoning.search_results": fields<SearchResultsEventOutput>({
    results: required(list(searchResult)),
    sequence_number: required(int),
    thought: optional(str),
    type: required(oneOf("response.reasoning.search_results")),
    usage: optional(usage),
  }),
  ...Object.fromEntries(
    DEVIATIONS.extraTerminalEvents.map((type) => [type, fields<{ response: unknown; sequence_number: number; type: string }>({ response: required(checkResponse), sequence_number: required(int), type: required(oneOf(type)) })]),
  ),
});

// ---------------------------------------------------------------------------------------------
// Requests (what the client must send).

const location = fields<ToolUserLocationInput>({ city: optional(str), country: optional(str), latitude: optional(num), longitude: optional(num), region: optional(str) });
const filters = fields<WebSearchFiltersInput>({
  search_domain_filter: optional(list(str)),
  last_updated_after_filter: optional(str),
  last_updated_before_filter: optional(str),
  search_after_date_filter: optional(str),
  search_before_date_filter: optional(str),
  search_recency_filter: optional(oneOf("hour", "day", "week", "month", "year")),
});
const webSearchToolFields = fields<WebSearchToolInput>({
  filters: optional(filters),
  max_tokens: optional(int),
  max_tokens_per_page: optional(int),
  search_context_size: optional(oneOf("low", "medium", "high")),
  type: required(oneOf("web_search")),
  user_location: optional(location),
});
const WEB_SEARCH_TOOL_KEYS = new Set<string>([
  ...Object.keys({ filters: 0, max_tokens: 0, max_tokens_per_page: 0, search_context_size: 0, type: 0, user_location: 0 } satisfies Record<keyof WebSearchToolInput, 0>),
  ...DEVIATIONS.extraWebSearchToolFields,
]);
/** Tools are closed like requests: a field the API does not know is a 400. */
const webSearchTool: Check = (value, path, problems) => {
  webSearchToolFields(value, path, problems);
  if (isObj(value)) for (const key of Object.keys(value)) if (!WEB_SEARCH_TOOL_KEYS.has(key)) problems.push(`${path}.${key}: not a WebSearchToolInput field`);
};
const fetchUrlTool = fields<FetchUrlToolInput>({ max_urls: optional(int), type: required(oneOf("fetch_url")) });
const inputMessage = fields<InputMessageInput>({
  content: required(either(str, list(anything))),
  role: required(oneOf("user", "assistant", "system", "developer")),
  type: required(oneOf("message")),
});

const requestFields = fields<ResponsesRequestInput>({
  background: optional(bool),
  input: required(either(str, list(inputMessage))),
  instructions: optional(str),
  language_preference: optional(str),
  max_output_tokens: optional(int),
  max_steps: optional(int),
  model: optional(str),
  models: optional(list(str)),
  preset: optional(str),
  previous_response_id: optional(str),
  profile: optional(anything),
  reasoning: optional(anything),
  response_format: optional(anything),
  skills: optional(list(anything)),
  store: optional(bool),
  stream: optional(bool),
  temperature: optional(num),
  tools: optional(list(byType({ web_search: webSearchTool, fetch_url: fetchUrlTool }))),
  top_p: optional(num),
});

const REQUEST_KEYS = new Set<string>([
  ...Object.keys({
    background: 0, input: 0, instructions: 0, language_preference: 0, max_output_tokens: 0, max_steps: 0, model: 0, models: 0, preset: 0,
    previous_response_id: 0, profile: 0, reasoning: 0, response_format: 0, skills: 0, store: 0, stream: 0, temperature: 0, tools: 0, top_p: 0,
  } satisfies Record<keyof ResponsesRequestInput, 0>),
  ...DEVIATIONS.extraRequestFields,
]);

/**
 * A request body, as `ResponsesRequestInput`. Unlike responses, requests are closed: the API answers an
 * unknown field with a 400, so a key the SDK does not know (apart from DEVIATIONS) is a problem.
 */
export const checkRequest: Check = (value, path, problems) => {
  requestFields(value, path, problems);
  if (!isObj(value)) return;
  for (const key of Object.keys(value)) if (!REQUEST_KEYS.has(key)) problems.push(`${path}.${key}: not a ResponsesRequestInput field`);
  const effort = value.effort;
  if (effort !== undefined) oneOf("fast", "low", "medium", "high", "xhigh")(typeof effort === "string" ? effort.split("@")[0] : effort, `${path}.effort`, problems);
};

/** The problems `check` finds in `value`; empty when it conforms. */
export function problemsOf(check: Check, value: unknown, path = "$"): string[] {
  const problems: string[] = [];
  check(value, path, problems);
  return problems;
}
