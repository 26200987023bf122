// Our AskRequest to the Agent API request body. The API rejects unknown fields with 400, so the body
// is built from an explicit list of fields and nothing else; our own input is checked first, so a bad
// setting fails here, before any network, with the parameter named.

import { PerplexityError, messages } from "./errors";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../core/ask-request";
import type { AskRequest, ConversationTurn, SearchOptions } from "../core/ask-request";
import { DomainError, domainFilterOf } from "../core/domains";

/** Longest question framing or system prompt sent: long text dilutes the search and costs on every question. */
export const MAX_FRAMING_LENGTH = 4000;
/** Sent to `anthropic/*` models when no limit is set: they require one (HTTP 400 without it). */
export const REQUIRED_LIMIT_DEFAULT = 8192;

function invalid(param: string, problem: string): PerplexityError {
  return new PerplexityError("invalid-request", messages.invalidRequest(param, problem), { param });
}

function badOption(param: string, problem: string): PerplexityError {
  return new PerplexityError("invalid-request", messages.badOption(problem), { param });
}

/** The `search_domain_filter` list (core/domains.ts), a refused one reported as an invalid request or option. */
export function domainFilter(search: SearchOptions | undefined): string[] {
  try {
    return domainFilterOf(search?.allowDomains ?? [], search?.denyDomains ?? []);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Mixing the two modes is a choice the user makes in settings or the prompt: said as such, with where to change it.
    if (error.kind === "mixed") throw badOption("search_domain_filter", `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`);
    throw invalid("search_domain_filter", error.message);
  }
}

function webSearchTool(search: SearchOptions | undefined): Record<string, unknown> {
  const tool: Record<string, unknown> = { type: "web_search" };
  if (search?.contextSize !== undefined) {
    if (!(SEARCH_CONTEXT_SIZES as readonly string[]).includes(search.contextSize)) {
      throw invalid("search_context_size", `must be one of ${SEARCH_CONTEXT_SIZES.join(", ")}`);
    }
    tool["search_context_size"] = search.contextSize;
  }
  const filters: Record<string, unknown> = {};
  const domains = domainFilter(search);
  if (domains.length > 0) filters["search_domain_filter"] = domains;
  if (search?.recency !== undefined) {
    if (!(RECENCY_FILTERS as readonly string[]).includes(search.recency)) {
      throw invalid("search_recency_filter", `must be one of ${RECENCY_FILTERS.join(", ")}`);
    }
    filters["search_recency_filter"] = search.recency;
  }
  // Our days are yyyy-MM-dd; the API wants MM/DD/YYYY.
  const wireDay = (day: string, param: string): string => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    if (!m) throw invalid(param, `"${day}" is not a date (yyyy-MM-dd)`);
    return `${m[2]}/${m[3]}/${m[1]}`;
  };
  if (search?.afterDate !== undefined) filters["search_after_date_filter"] = wireDay(search.afterDate, "search_after_date_filter");
  if (search?.beforeDate !== undefined) filters["search_before_date_filter"] = wireDay(search.beforeDate, "search_before_date_filter");
  if (Object.keys(filters).length > 0) tool["filters"] = filters;
  return tool;
}

/** How the server names the preset field: `preset` (SDK 0.38, cookbook) or `effort` (newest docs). */
export type PresetField = "preset" | "effort";

export interface WireOptions {
  stream: boolean;
  /**
   * Start a background run: Perplexity answers at once with the run's id and status `queued`, and keeps the run
   * (`store: true`) so it can be fetched with GET /v1/responses/{id} until it ends (never with `stream`).
   */
  background?: boolean;
  /** Default `preset`. */
  presetField?: PresetField;
  /** Today, for the model instructions (default: now). */
  today?: Date;
}

function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The system prompt sent with an explicit model. A preset brings its own (citation rules, today's date);
 * a model has none, so without this it answers without `[n]` markers and without knowing the date.
 */
export function modelInstructions(today: Date): string {
  return [
    `Today's date is ${isoDay(today)}.`,
    "Search the web before you answer, and base the answer on the search results.",
    "Cite the results inline: right after each claim, put the id of the result it comes from in square brackets, " +
      "like [1], or [2][5] for several. Use only ids of results you found. Do not add a list of sources at the end.",
    // Models narrate their work without a preset's prompt ("Let me compile the answer.": argus capture).
    "Do not narrate your work or announce what you will do next: write only the answer itself.",
  ].join(" ");
}

/** Models that reject a request without `max_output_tokens`. */
function requiresLimit(model: string): boolean {
  return model.toLowerCase().startsWith("anthropic/");
}

function checkFraming(param: string, text: string | undefined): string {
  const trimmed = typeof text === "string" ? text.trim() : "";
  if (trimmed.length > MAX_FRAMING_LENGTH) {
    throw badOption(
      param,
      `The custom instructions are ${trimmed.length.toLocaleString("en-US")} characters long; at most ` +
        `${MAX_FRAMING_LENGTH.toLocaleString("en-US")} are sent with a question. Shorten them.`,
    );
  }
  return trimmed;
}

type InputMessage = { type: "message"; role: "user" | "assistant" | "system" | "developer"; content: string };

const userMessage = (content: string): InputMessage => ({ type: "message", role: "user", content });

/**
 * The `input`: what is searched is the question, what is read is the framing.
 *
 * Live, a string `input` is searched word for word, whole (five captures: cfdude agent_fast, agent_fast_filters,
 * agent_fast_deny_after, agent_chat_turn_a; vercel agent-web-search), so framing appended to the question became
 * search terms. A message array has its last user message rewritten into a query, drawing a few distinctive terms
 * from the earlier messages and none of their sentences (cfdude agent_chat_replay). So: the question alone is a
 * string; with framing (note context, the user's instructions, a profile's guidance) or earlier turns, the framing
 * comes first as a user message of its own, then the turns (each question a `user` message, each answer an
 * `assistant` one), then the question as the last user message. The turns themselves are sent, never
 * `previous_response_id`, whose support the docs disagree on (and which would ignore the user's edits).
 */
function questionInput(question: string, framing: string, history: readonly ConversationTurn[]): string | InputMessage[] {
  if (!framing && history.length === 0) return question;
  const items: InputMessage[] = framing ? [userMessage(framing)] : [];
  for (const turn of history) {
    items.push(userMessage(turn.question));
    items.push({ type: "message", role: "assistant", content: turn.answer });
  }
  items.push(userMessage(question));
  return items;
}

/** The Agent API body for `req`. Throws an `invalid-request` PerplexityError for bad input. */
export function toWireRequest(req: AskRequest, opts: WireOptions): Record<string, unknown> {
  const question = typeof req.question === "string" ? req.question.trim() : "";
  if (!question) throw invalid("input", "the question is empty");
  const context = checkFraming("input", req.context);
  const systemPrompt = checkFraming("instructions", req.systemPrompt);

  const body: Record<string, unknown> = {};
  const choice = req.choice as Partial<{ preset: unknown; model: unknown }> | undefined;
  const hasPreset = choice?.preset !== undefined;
  const hasModel = choice?.model !== undefined;
  if (hasPreset === hasModel) throw invalid("preset", "choose either a preset or a model");

  const tool = webSearchTool(req.search);
  let model = "";
  if (hasPreset) {
    if (typeof choice.preset !== "string" || !(PRESETS as readonly string[]).includes(choice.preset)) {
      throw invalid("preset", `must be one of ${PRESETS.join(", ")}`);
    }
    body[opts.presetField ?? "preset"] = choice.preset;
  } else {
    model = typeof choice?.model === "string" ? choice.model.trim() : "";
    if (!model) throw invalid("model", "the model name is empty");
    body["model"] = model;
  }
  // Profile guidance (issue 14) and the note context: both framing, read but never searched, never a system prompt.
  const guidance = typeof req.guidance === "string" ? req.guidance.trim() : "";
  const framing = [guidance, context].filter(Boolean).join("\n\n");
  body["input"] = questionInput(question, framing, req.history ?? []);
  // With a preset, `instructions` replaces the preset's prompt: sent only when the user chose that.
  // A model has no prompt of its own: it gets the citation rules and the date, then the user's own.
  const instructions = hasModel ? [modelInstructions(opts.today ?? new Date()), systemPrompt].filter(Boolean).join("\n\n") : systemPrompt;
  if (instructions) body["instructions"] = instructions;
  if (req.language !== undefined && req.language !== "") {
    if (typeof req.language !== "string" || !/^[a-z]{2}$/i.test(req.language.trim())) {
      throw invalid("language_preference", "must be a two-letter ISO 639-1 code such as en or de");
    }
    body["language_preference"] = req.language.trim().toLowerCase();
  }

  // With a model, search runs only when the tool is sent (its instructions ask it to search: `tool_choice` is
  // an unknown field live, opencode issue #32108); a preset brings its own tools, so the tool is sent only to
  // configure it.
  if (hasModel || Object.keys(tool).length > 1) body["tools"] = [tool];

  if (req.maxOutputTokens !== undefined) {
    if (!Number.isInteger(req.maxOutputTokens) || req.maxOutputTokens < 1) {
      throw invalid("max_output_tokens", "must be a whole number of at least 1");
    }
    body["max_output_tokens"] = req.maxOutputTokens;
  } else if (requiresLimit(model)) {
    body["max_output_tokens"] = REQUIRED_LIMIT_DEFAULT;
  }
  if (opts.background) {
    body["stream"] = false;
    body["background"] = true;
    body["store"] = true;
  } else body["stream"] = opts.stream;
  return body;
}
