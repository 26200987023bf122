// Request validation as strict as the real Agent API: unknown fields are rejected with the Go decoder's
// message, and a few values are checked so the plugin's mistakes show up in tests, not in production. Where a live
// capture shows the answer (tests/fixtures/captures), the message and type are the captured ones.

import { readFileSync } from "node:fs";
import { capturesDir } from "./captures-dir";

/** An error answer. Live error bodies have message, type and code, never `param` (every captured 4xx). */
export interface ApiError {
  status: number;
  body: { error: { message: string; type: string; code: number | string } };
}

export function apiError(status: number, type: string, message: string): ApiError {
  return { status, body: { error: { message, type, code: status } } };
}

/** Perplexity's own validation failures, as captured: 400 `invalid_request`, "validation failed: ...". */
function validationFailed(problem: string): ApiError {
  return apiError(400, "invalid_request", `validation failed: ${problem}`);
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
  /** Whether `input` was a list of messages (searched differently from a string, see responses.ts). */
  inputIsMessages: boolean;
  stream: boolean;
  background: boolean;
  /** Kept for GET /v1/responses/{id}: `store` as sent, else true for a background run and false otherwise (live). */
  store: boolean;
  instructions?: string;
  maxOutputTokens?: number;
  /** The tools as sent (echoed in the response). */
  tools?: unknown[];
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
/** GET /v1/models as captured live (cfdude models.json, 2026-10-09): the body sent, and the model ids it lists. */
export const MODELS_BODY = readFileSync(capturesDir("cfdude/models.json"), "utf8");
export const MODELS = (JSON.parse(MODELS_BODY) as { data: { id: string }[] }).data.map((m) => m.id);

// The fields of the official SDK's ResponsesRequestInput (0.38.5), plus `effort` (the preset's new name, in
// the newest docs). `tool_choice` is not one: live it is an unknown field (opencode issue #32108).
const TOP_LEVEL = new Set([
  "preset",
  "effort",
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
// `max_results` is accepted live (cfdude agent_fast_deny_after) although SDK 0.38.5 does not list it.
const TOOL_FIELDS = new Set(["type", "search_context_size", "max_tokens", "max_tokens_per_page", "max_urls", "max_results", "user_location", "filters"]);
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
  return apiError(400, "invalid_request", `invalid request body: json: unknown field "${name}"`);
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
    return input.trim() === "" ? validationFailed("input cannot be empty") : { question: input, earlier: [] };
  }
  if (!Array.isArray(input) || input.length === 0) {
    return apiError(400, "invalid_request", "input is required: a string or a non-empty array of messages");
  }
  let question = "";
  let last = -1;
  const messages: ParsedRequest["earlier"] = [];
  for (const item of input) {
    if (!isObj(item) || typeof item.role !== "string" || !ROLES.has(item.role)) {
      return apiError(400, "invalid_request", "each input message needs a role: user, assistant, system or developer");
    }
    if (item.type !== undefined && item.type !== "message") {
      return apiError(400, "invalid_request", `unsupported input item type ${JSON.stringify(item.type)}`);
    }
    if (typeof item.content !== "string" && !Array.isArray(item.content)) {
      return apiError(400, "invalid_request", "each input message needs content: a string or a list of content parts");
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
  if (!Array.isArray(tools)) return apiError(400, "invalid_parameter", "tools must be an array");
  for (const [index, tool] of tools.entries()) {
    if (!isObj(tool)) return apiError(400, "invalid_parameter", "each tool must be an object");
    if (tool.type !== "web_search" && tool.type !== "fetch_url") {
      return apiError(400, "invalid_parameter", `unsupported tool type ${JSON.stringify(tool.type)}`);
    }
    const unknown = unknownField(tool, TOOL_FIELDS);
    if (unknown) return unknown;
    if (tool.search_context_size !== undefined && !CONTEXT_SIZES.has(tool.search_context_size as string)) {
      return apiError(400, "invalid_parameter", "search_context_size must be low, medium or high");
    }
    if (tool.user_location !== undefined) {
      if (!isObj(tool.user_location)) return apiError(400, "invalid_parameter", "user_location must be an object");
      const bad = unknownField(tool.user_location, LOCATION_FIELDS);
      if (bad) return bad;
    }
    if (tool.filters !== undefined) {
      const bad = validateFilters(tool.filters, index);
      if (bad) return bad;
    }
  }
  return undefined;
}

function validateFilters(filters: unknown, index: number): ApiError | undefined {
  if (!isObj(filters)) return apiError(400, "invalid_parameter", "filters must be an object");
  const unknown = unknownField(filters, FILTER_FIELDS);
  if (unknown) return unknown;
  const domains = filters.search_domain_filter;
  if (domains !== undefined) {
    if (!Array.isArray(domains) || domains.some((d) => typeof d !== "string" || d.trim() === "")) {
      return apiError(400, "invalid_search_domain_filter", "search_domain_filter must be a list of domains");
    }
    if (domains.length > 20) {
      return apiError(
        400,
        "invalid_search_domain_filter",
        `search_domain_filter accepts at most 20 domains, got ${domains.length}`,
      );
    }
    const long = (domains as string[]).find((d) => d.replace(/^-/, "").length > 253);
    if (long !== undefined) {
      return apiError(400, "invalid_search_domain_filter", "search_domain_filter entries must be at most 253 characters");
    }
    // "in either allowlist mode or denylist mode, not both" (web search tool docs).
    const denied = (domains as string[]).filter((d) => d.startsWith("-")).length;
    if (denied > 0 && denied < domains.length) {
      return apiError(
        400,
        "invalid_search_domain_filter",
        "search_domain_filter must be an allowlist or a denylist (every entry with a leading -), not both",
      );
    }
  }
  const recency = filters.search_recency_filter;
  if (recency !== undefined && !RECENCY.has(recency as string)) {
    return validationFailed(`tools[${index}]: search recency filter must be one of: hour day week month year`);
  }
  for (const key of FILTER_FIELDS) {
    if (!key.endsWith("_date_filter") && !key.startsWith("last_updated")) continue;
    const value = filters[key];
    if (value !== undefined && (typeof value !== "string" || !DATE_RE.test(value))) {
      return apiError(400, "invalid_date_format", `${key} must be a date in MM/DD/YYYY format`);
    }
  }
  if (recency !== undefined && (filters.search_after_date_filter !== undefined || filters.search_before_date_filter !== undefined)) {
    return apiError(
      400,
      "invalid_parameter",
      "search_recency_filter cannot be combined with search_after_date_filter or search_before_date_filter",
    );
  }
  return undefined;
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
    return apiError(400, "invalid_request", "set either preset or effort, not both");
  }
  const presetName = body.preset !== undefined ? "preset" : "effort";
  const preset = body.preset ?? body.effort;
  if (preset === undefined && model === undefined && body.models === undefined) {
    return apiError(400, "invalid_request", "either preset or model is required");
  }
  // A pinned version ("fast@2026-10-16.0") names the same preset.
  if (preset !== undefined && (typeof preset !== "string" || !PRESETS.includes(preset.split("@")[0] ?? ""))) {
    return apiError(400, "invalid_parameter", `unknown ${presetName} ${JSON.stringify(preset)}; use one of ${PRESETS.join(", ")}`);
  }
  // Agent API models are "provider/name" from GET /v1/models; a bare name such as the retired "sonar-pro" is rejected.
  if (model !== undefined && (typeof model !== "string" || !MODELS.includes(model))) {
    return apiError(400, "invalid_model", `invalid model ${JSON.stringify(model)}: use provider/model, see GET /v1/models`);
  }
  if (body.models !== undefined && (!Array.isArray(body.models) || body.models.length === 0 || body.models.length > 5)) {
    return apiError(400, "invalid_parameter", "models must list 1 to 5 models");
  }

  const input = parseInput(body.input);
  if (isApiError(input)) return input;
  const { question, earlier } = input;
  const inputIsMessages = Array.isArray(body.input);

  for (const key of ["stream", "background", "store"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "boolean") {
      return apiError(400, "invalid_request", `invalid request body: json: cannot unmarshal ${typeof body[key]} into field ${key} of type bool`);
    }
  }
  const max = body.max_output_tokens;
  if (max !== undefined && (typeof max !== "number" || !Number.isInteger(max) || max < 1)) {
    return apiError(400, "invalid_parameter", "max_output_tokens must be a positive integer");
  }
  // Captured live: cfdude agent_anthropic_no_max_output_tokens_400.json.
  if (typeof model === "string" && model.startsWith("anthropic/") && max === undefined) {
    return validationFailed("max_output_tokens is required when using Anthropic models");
  }
  const steps = body.max_steps;
  if (steps !== undefined && (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1)) return validationFailed("max steps must be at least 1");
  if (body.language_preference !== undefined && typeof body.language_preference !== "string") {
    return apiError(400, "invalid_parameter", "language_preference must be a string");
  }
  if (body.instructions !== undefined && typeof body.instructions !== "string") {
    return apiError(400, "invalid_request", "instructions must be a string");
  }
  if (body.tools !== undefined) {
    const bad = validateTools(body.tools);
    if (bad) return bad;
  }
  if (body.reasoning !== undefined) {
    if (!isObj(body.reasoning)) return apiError(400, "invalid_parameter", "reasoning must be an object");
    const bad = unknownField(body.reasoning, new Set(["effort"]));
    if (bad) return bad;
    if (body.reasoning.effort !== undefined && !EFFORTS.has(body.reasoning.effort as string)) {
      return apiError(400, "invalid_parameter", "reasoning.effort must be minimal, low, medium, high or xhigh");
    }
  }

  const modelName = typeof model === "string" ? model : Array.isArray(body.models) ? String(body.models[0]) : undefined;
  const searchTool = Array.isArray(body.tools) ? body.tools.find((t) => isObj(t) && t.type === "web_search") : undefined;
  const domainFilter = isObj(searchTool) && isObj(searchTool.filters) ? searchTool.filters.search_domain_filter : undefined;
  return {
    ...(Array.isArray(domainFilter) ? { domainFilter: domainFilter as string[] } : {}),
    preset: typeof preset === "string" ? preset.split("@")[0] : undefined,
    ...(typeof body.language_preference === "string" ? { languagePreference: body.language_preference } : {}),
    model: preset === undefined ? modelName : undefined,
    question,
    earlier,
    inputIsMessages,
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
