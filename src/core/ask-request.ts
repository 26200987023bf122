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

export interface AskRequest {
  question: string;
  /** System prompt: custom instructions and note context, already joined. */
  instructions?: string;
  choice: ModelChoice;
  search?: SearchOptions;
  maxOutputTokens?: number;
  /** The answer's language (`language_preference`), e.g. "de" or "German". */
  language?: string;
  /** Extra guidance from a profile: sent with the question in `input`, never as `instructions`. */
  guidance?: string;
}
