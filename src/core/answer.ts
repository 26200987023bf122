// What an answer is to the plugin: text with raw citation markers, the search results they refer to, and
// usage. The Perplexity client maps its responses and stream events into these.

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

/** Progress reported while an answer is on its way (streamed; a rate-limit wait for any). */
export type StreamProgress =
  | { type: "created"; responseId: string }
  | { type: "searching"; queries: string[] }
  | { type: "sources"; results: SearchResult[] }
  | { type: "text"; delta: string; text: string }
  /** Perplexity's rate limit: asking again in `seconds` (0: asking again now). */
  | { type: "waiting"; seconds: number };
