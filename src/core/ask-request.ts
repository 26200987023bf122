// What the plugin asks: presets, filters and the question with its options. The plugin's own words; the
// Perplexity client (src/perplexity) maps them to the wire format.

export const PRESETS = ["fast", "low", "medium", "high", "xhigh"] as const;
export type Preset = (typeof PRESETS)[number];

export const RECENCY_FILTERS = ["hour", "day", "week", "month", "year"] as const;
export type RecencyFilter = (typeof RECENCY_FILTERS)[number];

export const SEARCH_CONTEXT_SIZES = ["low", "medium", "high"] as const;
export type SearchContextSize = (typeof SEARCH_CONTEXT_SIZES)[number];

/** Preset or explicit model: exactly one is sent. */
export type ModelChoice = { preset: Preset } | { model: string };

export interface SearchOptions {
  /** Domains to search only (sent as-is). */
  allowDomains?: string[];
  /** Domains to exclude (sent with a leading "-"). */
  denyDomains?: string[];
  recency?: RecencyFilter;
  /** Only sources published on or after / before this day (yyyy-MM-dd); excludes `recency`. */
  afterDate?: string;
  beforeDate?: string;
  contextSize?: SearchContextSize;
}

/** An earlier turn of a thread, sent before a follow-up: its question, and its answer as the note shows it now. */
export interface ConversationTurn {
  question: string;
  answer: string;
}

export interface AskRequest {
  question: string;
  /**
   * Framing for this one question (where it comes from, the user's own instructions). Sent in `input` as a user
   * message before the question, never as a system prompt (with a preset, `instructions` would REPLACE the preset's
   * prompt and its citation rules) and never in the same string as the question (a string input is searched word
   * for word): see src/perplexity/request.ts.
   */
  context?: string;
  /**
   * A system prompt of the user's own (`instructions`). With a preset it replaces the preset's prompt
   * (citation rules, today's date): only ever the user's explicit, warned choice. With a model it is
   * added after the plugin's own citation instructions.
   */
  systemPrompt?: string;
  /** Answer language as an ISO 639-1 code (`language_preference`), e.g. "en". */
  language?: string;
  /** Earlier turns of the thread, oldest first (follow-ups only): sent as conversation input before the question. */
  history?: ConversationTurn[];
  choice: ModelChoice;
  search?: SearchOptions;
  maxOutputTokens?: number;
  /** Extra guidance from a profile: framing like `context`, never `instructions`. */
  guidance?: string;
}
