// Request validation as strict as the real Agent API: unknown fields are rejected with the Go decoder's
// message, and a few values are checked so the plugin's mistakes show up in tests, not in production.

export interface ApiError {
  status: number;
  body: { error: { message: string; type: string; code: number | string; param?: string } };
}

export function apiError(status: number, type: string, message: string, param?: string): ApiError {
  return { status, body: { error: { message, type, code: status, ...(param === undefined ? {} : { param }) } } };
}

/** What the emulator needs from a valid request. */
export interface ParsedRequest {
  /** The preset, sent as `preset` or `effort`. */
  preset?: string;
  model?: string;
  /** The last user message (or the string input): what the question was. */
  question: string;
  /** The messages before that one (a conversation sent as input), oldest first; empty for a string input. */
  earlier: { role: string; text: string }[];
  stream: boolean;
  background: boolean;
  /** Kept for GET /v1/responses/{id}: `store` as sent, else true for a background run and false otherwise (live). */
  store: boolean;
  instructions?: string;
  maxOutputTokens?: number;
  /** The tools as sent (echoed in the response). */
  tools?: unknown[];
  /** Whether the request forces a web search (`tool_choice` "required" or `{type: "web_search"}`). */
  forcesSearch: boolean;
  reasoning?: unknown;
  languagePreference?: string;
  /** The web search tool's `search_domain_filter`, as sent ("-" excludes). */
  domainFilter?: string[];
}

/** How a server spells its fields. Perplexity is renaming `preset` to `effort`; a server may know one name only. */
export interface ServerDialect {
  /** The only name accepted for the preset ("neither": presets are unknown); both when unset. */
  presetField?: "preset" | "effort" | "neither";
}

export const PRESETS = ["fast", "low", "medium", "high", "xhigh"];
export const MODELS = ["perplexity/sonar", "openai/gpt-6-luna", "anthropic/claude-sonnet-4-6", "google/gemini-3-pro"];

// The fields of the official SDK's ResponsesRequestInput (0.38.5), plus `effort` (the preset's new name, in
// the newest docs) and `tool_choice` (documented for forcing the search with a model).
const TOP_LEVEL = new Set([
  "preset",
  "effort",
  "tool_choice",
  "store",
  "previous_response_id",
  "temperature",
  "top_p",
  "skills",
  "profile",
  "model",
  "models",
  "input",
  "instructions",
  "tools",
  "max_output_tokens",
  "max_steps",
  "stream",
  "background",
  "reasoning",
  "language_preference",
  "response_format",
]);
const TOOL_FIELDS = new Set(["type", "search_context_size", "max_tokens", "max_tokens_per_page", "max_urls", "user_location", "filters"]);
const FILTER_FIELDS = new Set([
  "search_domain_filter",
  "search_recency_filter",
  "search_after_date_filter",
  "search_before_date_filter",
  "last_updated_after_filter",
  "last_updated_before_filter",
]);
const LOCATION_FIELDS = new Set(["country", "city", "region", "latitude", "longitude", "timezone"]);
const ROLES = new Set(["user", "assistant", "system", "developer"]);
const RECENCY = new Set(["hour", "day", "week", "month", "year"]);
const CONTEXT_SIZES = new Set(["low", "medium", "high"]);
const EFFORTS = new Set(["minimal", "low", "medium", "high", "xhigh"]);
const DATE_RE = /^(0?[1-9]|1[0-2])\/(0?[1-9]|[12]\d|3[01])\/\d{4}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function unknownField(fields: Obj, allowed: Set<string>): ApiError | undefined {
  const name = Object.keys(fields).find((key) => !allowed.has(key));
  if (name === undefined) return undefined;
  return apiError(400, "invalid_request", `invalid request body: json: unknown field "${name}"`, name);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (isObj(part) && typeof part.text === "string" ? part.text : ""))
      .join("");
  }
  return "";
}

function parseInput(input: unknown): { question: string; earlier: ParsedRequest["earlier"] } | ApiError {
  if (typeof input === "string") {
    return input.trim() === "" ? apiError(400, "invalid_request", "input must not be empty", "input") : { question: input, earlier: [] };
  }
  if (!Array.isArray(input) || input.length === 0) {
    return apiError(400, "invalid_request", "input is required: a string or a non-empty array of messages", "input");
  }
  let question = "";
  let last = -1;
  const messages: ParsedRequest["earlier"] = [];
  for (const item of input) {
    if (!isObj(item) || typeof item.role !== "string" || !ROLES.has(item.role)) {
      return apiError(400, "invalid_request", "each input message needs a role: user, assistant, system or developer", "input");
    }
    if (item.type !== undefined && item.type !== "message") {
      return apiError(400, "invalid_request", `unsupported input item type ${JSON.stringify(item.type)}`, "input");
    }
    if (typeof item.content !== "string" && !Array.isArray(item.content)) {
      return apiError(400, "invalid_request", "each input message needs content: a string or a list of content parts", "input");
    }
    messages.push({ role: item.role, text: textOf(item.content) });
    if (item.role === "user") {
      question = textOf(item.content);
      last = messages.length - 1;
    }
  }
  return { question, earlier: messages.slice(0, Math.max(0, last)) };
}

function validateTools(tools: unknown): ApiError | undefined {
  if (!Array.isArray(tools)) return apiError(400, "invalid_parameter", "tools must be an array", "tools");
  for (const tool of tools) {
    if (!isObj(tool)) return apiError(400, "invalid_parameter", "each tool must be an object", "tools");
    if (tool.type !== "web_search" && tool.type !== "fetch_url") {
      return apiError(400, "invalid_parameter", `unsupported tool type ${JSON.stringify(tool.type)}`, "tools");
    }
    const unknown = unknownField(tool, TOOL_FIELDS);
    if (unknown) return unknown;
    if (tool.search_context_size !== undefined && !CONTEXT_SIZES.has(tool.search_context_size as string)) {
      return apiError(400, "invalid_parameter", "search_context_size must be low, medium or high", "search_context_size");
    }
    if (tool.user_location !== undefined) {
      if (!isObj(tool.user_location)) return apiError(400, "invalid_parameter", "user_location must be an object", "user_location");
      const bad = unknownField(tool.user_location, LOCATION_FIELDS);
      if (bad) return bad;
    }
    if (tool.filters !== undefined) {
      const bad = validateFilters(tool.filters);
      if (bad) return bad;
    }
  }
  return undefined;
}

function validateFilters(filters: unknown): ApiError | undefined {
  if (!isObj(filters)) return apiError(400, "invalid_parameter", "filters must be an object", "filters");
  const unknown = unknownField(filters, FILTER_FIELDS);
  if (unknown) return unknown;
  const domains = filters.search_domain_filter;
  if (domains !== undefined) {
    if (!Array.isArray(domains) || domains.some((d) => typeof d !== "string" || d.trim() === "")) {
      return apiError(400, "invalid_search_domain_filter", "search_domain_filter must be a list of domains", "search_domain_filter");
    }
    if (domains.length > 20) {
      return apiError(
        400,
        "invalid_search_domain_filter",
        `search_domain_filter accepts at most 20 domains, got ${domains.length}`,
        "search_domain_filter",
      );
    }
    const long = (domains as string[]).find((d) => d.replace(/^-/, "").length > 253);
    if (long !== undefined) {
      return apiError(400, "invalid_search_domain_filter", "search_domain_filter entries must be at most 253 characters", "search_domain_filter");
    }
    // "in either allowlist mode or denylist mode, not both" (web search tool docs).
    const denied = (domains as string[]).filter((d) => d.startsWith("-")).length;
    if (denied > 0 && denied < domains.length) {
      return apiError(
        400,
        "invalid_search_domain_filter",
        "search_domain_filter must be an allowlist or a denylist (every entry with a leading -), not both",
        "search_domain_filter",
      );
    }
  }
  const recency = filters.search_recency_filter;
  if (recency !== undefined && !RECENCY.has(recency as string)) {
    return apiError(400, "invalid_parameter", "search_recency_filter must be hour, day, week, month or year", "search_recency_filter");
  }
  for (const key of FILTER_FIELDS) {
    if (!key.endsWith("_date_filter") && !key.startsWith("last_updated")) continue;
    const value = filters[key];
    if (value !== undefined && (typeof value !== "string" || !DATE_RE.test(value))) {
      return apiError(400, "invalid_date_format", `${key} must be a date in MM/DD/YYYY format`, key);
    }
  }
  if (recency !== undefined && (filters.search_after_date_filter !== undefined || filters.search_before_date_filter !== undefined)) {
    return apiError(
      400,
      "invalid_parameter",
      "search_recency_filter cannot be combined with search_after_date_filter or search_before_date_filter",
      "search_recency_filter",
    );
  }
  return undefined;
}

const TOOL_CHOICES = new Set(["auto", "none", "required"]);

function validateToolChoice(choice: unknown): ApiError | undefined {
  if (typeof choice === "string" && TOOL_CHOICES.has(choice)) return undefined;
  if (isObj(choice) && typeof choice.type === "string" && ["web_search", "fetch_url", "function"].includes(choice.type)) return undefined;
  return apiError(400, "invalid_parameter", 'tool_choice must be "auto", "none", "required" or {"type": "<tool>"}', "tool_choice");
}

/** Validate a parsed JSON body; returns the request or the error the real API would send. */
export function validateRequest(body: unknown, dialect: ServerDialect = {}): ParsedRequest | ApiError {
  if (!isObj(body)) return apiError(400, "invalid_request", "invalid request body: expected a JSON object");
  const rejected = dialect.presetField === undefined ? [] : dialect.presetField === "preset" ? ["effort"] : dialect.presetField === "effort" ? ["preset"] : ["preset", "effort"];
  const accepted = rejected.length === 0 ? TOP_LEVEL : new Set([...TOP_LEVEL].filter((f) => !rejected.includes(f)));
  const unknown = unknownField(body, accepted);
  if (unknown) return unknown;

  const { model } = body;
  if (body.preset !== undefined && body.effort !== undefined) {
    return apiError(400, "invalid_request", "set either preset or effort, not both", "effort");
  }
  const presetName = body.preset !== undefined ? "preset" : "effort";
  const preset = body.preset ?? body.effort;
  if (preset === undefined && model === undefined && body.models === undefined) {
    return apiError(400, "invalid_request", "either preset or model is required", "model");
  }
  // A pinned version ("fast@2026-10-16.0") names the same preset.
  if (preset !== undefined && (typeof preset !== "string" || !PRESETS.includes(preset.split("@")[0] ?? ""))) {
    return apiError(400, "invalid_parameter", `unknown ${presetName} ${JSON.stringify(preset)}; use one of ${PRESETS.join(", ")}`, presetName);
  }
  // Agent API models are "provider/name" from GET /v1/models; a bare name such as the retired "sonar-pro" is rejected.
  if (model !== undefined && (typeof model !== "string" || !MODELS.includes(model))) {
    return apiError(400, "invalid_model", `invalid model ${JSON.stringify(model)}: use provider/model, see GET /v1/models`, "model");
  }
  if (body.models !== undefined && (!Array.isArray(body.models) || body.models.length === 0 || body.models.length > 5)) {
    return apiError(400, "invalid_parameter", "models must list 1 to 5 models", "models");
  }

  const input = parseInput(body.input);
  if (isApiError(input)) return input;
  const { question, earlier } = input;

  for (const key of ["stream", "background", "store"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "boolean") {
      return apiError(400, "invalid_request", `invalid request body: json: cannot unmarshal ${typeof body[key]} into field ${key} of type bool`, key);
    }
  }
  const max = body.max_output_tokens;
  if (max !== undefined && (typeof max !== "number" || !Number.isInteger(max) || max < 1)) {
    return apiError(400, "invalid_parameter", "max_output_tokens must be a positive integer", "max_output_tokens");
  }
  // "max_output_tokens is required when using Anthropic models" (reference, correction 6).
  if (typeof model === "string" && model.startsWith("anthropic/") && max === undefined) {
    return apiError(400, "invalid_parameter", "max_output_tokens is required when using Anthropic models", "max_output_tokens");
  }
  if (body.tool_choice !== undefined) {
    const bad = validateToolChoice(body.tool_choice);
    if (bad) return bad;
  }
  if (body.language_preference !== undefined && typeof body.language_preference !== "string") {
    return apiError(400, "invalid_parameter", "language_preference must be a string", "language_preference");
  }
  if (body.instructions !== undefined && typeof body.instructions !== "string") {
    return apiError(400, "invalid_request", "instructions must be a string", "instructions");
  }
  if (body.tools !== undefined) {
    const bad = validateTools(body.tools);
    if (bad) return bad;
  }
  if (body.reasoning !== undefined) {
    if (!isObj(body.reasoning)) return apiError(400, "invalid_parameter", "reasoning must be an object", "reasoning");
    const bad = unknownField(body.reasoning, new Set(["effort"]));
    if (bad) return bad;
    if (body.reasoning.effort !== undefined && !EFFORTS.has(body.reasoning.effort as string)) {
      return apiError(400, "invalid_parameter", "reasoning.effort must be minimal, low, medium, high or xhigh", "reasoning.effort");
    }
  }

  const modelName = typeof model === "string" ? model : Array.isArray(body.models) ? String(body.models[0]) : undefined;
  const choice = body.tool_choice;
  const forcesSearch = choice === "required" || (isObj(choice) && choice.type === "web_search");
  const searchTool = Array.isArray(body.tools) ? body.tools.find((t) => isObj(t) && t.type === "web_search") : undefined;
  const domainFilter = isObj(searchTool) && isObj(searchTool.filters) ? searchTool.filters.search_domain_filter : undefined;
  return {
    ...(Array.isArray(domainFilter) ? { domainFilter: domainFilter as string[] } : {}),
    preset: typeof preset === "string" ? preset.split("@")[0] : undefined,
    forcesSearch,
    ...(typeof body.language_preference === "string" ? { languagePreference: body.language_preference } : {}),
    model: preset === undefined ? modelName : undefined,
    question,
    earlier,
    stream: body.stream === true,
    background: body.background === true,
    // Live: a plain run comes back with "store": false (capture of 2026-09-25), a background one with
    // "store": true (cfdude/mcp-perplexity-pro agent_background_submit.json).
    store: typeof body.store === "boolean" ? body.store : body.background === true,
    instructions: body.instructions,
    maxOutputTokens: max,
    tools: body.tools as unknown[] | undefined,
    reasoning: body.reasoning,
  };
}

export function isApiError(value: unknown): value is ApiError {
  return isObj(value) && typeof value.status === "number" && isObj(value.body);
}
