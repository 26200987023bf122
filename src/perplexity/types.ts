// Our own request and answer types: the rest of the plugin never sees the wire format.

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
  contextSize?: SearchContextSize;
}

export interface AskRequest {
  question: string;
  /** System prompt: custom instructions and note context, already joined. */
  instructions?: string;
  choice: ModelChoice;
  search?: SearchOptions;
  maxOutputTokens?: number;
}

export interface SearchResult {
  /** The id Perplexity uses in citation markers (`[n]`, `[web:n]`). */
  id: number;
  url: string;
  title?: string;
  /** Publication date as sent (yyyy-MM-dd), if any. */
  date?: string;
  /** Last update as sent (yyyy-MM-dd), if any. */
  lastUpdated?: string;
  snippet?: string;
  source?: string;
}

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** `usage.cost.total_cost` in USD, as reported. */
  totalCost?: number;
}

export interface Answer {
  /** The run id (`resp_...`), used to cancel or re-read a run. */
  responseId: string;
  status: "completed" | "incomplete";
  /** Assistant text with Perplexity's raw markers (`[7]`, `[web:7]`). */
  text: string;
  /** Every `search_results` item merged, in order of first appearance; ids are unique. */
  searchResults: SearchResult[];
  /** The queries Perplexity searched for. */
  searchQueries: string[];
  /** The model that actually answered (e.g. `openai/gpt-6-luna`). */
  model: string;
  usage: Usage;
}

/** Progress reported while a streamed answer arrives. */
export type StreamProgress =
  | { type: "created"; responseId: string }
  | { type: "searching"; queries: string[] }
  | { type: "sources"; results: SearchResult[] }
  | { type: "text"; delta: string; text: string };
