// Our AskRequest to the Agent API request body. The API rejects unknown fields with 400, so the body
// is built from an explicit list of fields and nothing else; our own input is checked first, so a bad
// setting fails here, before any network, with the parameter named.

import { PerplexityError, messages } from "./errors";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../core/ask-request";
import type { AskRequest, SearchOptions } from "../core/ask-request";

/** Perplexity's limit on `search_domain_filter` entries (allow and deny together). */
export const MAX_DOMAIN_FILTERS = 20;

function invalid(param: string, problem: string): PerplexityError {
  return new PerplexityError("invalid-request", messages.invalidRequest(param, problem), { param });
}

/**
 * A domain as Perplexity expects it: host only, lowercased, no scheme, port, path or trailing dot.
 * Returns null for an entry that is blank; throws for one that is not a host name.
 */
export function normalizeDomain(entry: string, param = "search_domain_filter"): string | null {
  let host = entry.trim().toLowerCase();
  if (!host) return null;
  const schemeEnd = host.indexOf("://");
  if (schemeEnd >= 0) host = host.slice(schemeEnd + 3);
  // Cut at the first path, query, fragment or port character.
  host = host.split(/[/?#:]/)[0] ?? "";
  if (host.includes("@")) host = host.slice(host.lastIndexOf("@") + 1);
  host = host.replace(/\.+$/, "");
  if (!host) return null;
  if (!/^[a-z0-9.-]+$/.test(host) || host.startsWith(".") || host.includes("..") || host.startsWith("-")) {
    throw invalid(param, `"${entry.trim()}" is not a domain name`);
  }
  return host;
}

/** The `search_domain_filter` list: allowed domains as-is, denied ones with a leading "-". */
export function domainFilter(search: SearchOptions | undefined): string[] {
  const allowed: string[] = [];
  const denied: string[] = [];
  // A user may type "-example.com" in either list: the minus sign means "exclude" everywhere.
  const add = (entry: unknown, deny: boolean): void => {
    if (typeof entry !== "string") throw invalid("search_domain_filter", "domains must be text");
    let text = entry.trim();
    let isDeny = deny;
    if (text.startsWith("-")) {
      isDeny = true;
      text = text.slice(1);
    }
    const host = normalizeDomain(text);
    if (host === null) return;
    const list = isDeny ? denied : allowed;
    if (!list.includes(host)) list.push(host);
  };
  for (const entry of search?.allowDomains ?? []) add(entry, false);
  for (const entry of search?.denyDomains ?? []) add(entry, true);

  const both = allowed.find((host) => denied.includes(host));
  if (both) throw invalid("search_domain_filter", `${both} is both allowed and excluded`);
  const filter = [...allowed, ...denied.map((host) => `-${host}`)];
  if (filter.length > MAX_DOMAIN_FILTERS) {
    throw invalid("search_domain_filter", `at most ${MAX_DOMAIN_FILTERS} domains are allowed, got ${filter.length}`);
  }
  return filter;
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

/** The Agent API body for `req`. Throws an `invalid-request` PerplexityError for bad input. */
export function toWireRequest(req: AskRequest, opts: { stream: boolean }): Record<string, unknown> {
  const question = typeof req.question === "string" ? req.question.trim() : "";
  if (!question) throw invalid("input", "the question is empty");

  const body: Record<string, unknown> = {};
  const choice = req.choice as Partial<{ preset: unknown; model: unknown }> | undefined;
  const hasPreset = choice?.preset !== undefined;
  const hasModel = choice?.model !== undefined;
  if (hasPreset === hasModel) throw invalid("preset", "choose either a preset or a model");

  const tool = webSearchTool(req.search);
  if (hasPreset) {
    if (typeof choice.preset !== "string" || !(PRESETS as readonly string[]).includes(choice.preset)) {
      throw invalid("preset", `must be one of ${PRESETS.join(", ")}`);
    }
    body["preset"] = choice.preset;
  } else {
    const model = typeof choice?.model === "string" ? choice.model.trim() : "";
    if (!model) throw invalid("model", "the model name is empty");
    body["model"] = model;
  }
  // Guidance goes with the question (never in `instructions`, which would replace the preset's prompt).
  const guidance = typeof req.guidance === "string" ? req.guidance.trim() : "";
  body["input"] = guidance ? `${question}\n\n${guidance}` : question;
  if (typeof req.language === "string" && req.language.trim()) body["language_preference"] = req.language.trim();
  if (typeof req.instructions === "string" && req.instructions.trim()) body["instructions"] = req.instructions;

  // With a model, search runs only when the tool is sent; a preset brings its own tools, so the
  // tool is sent only to configure it.
  if (hasModel || Object.keys(tool).length > 1) body["tools"] = [tool];

  if (req.maxOutputTokens !== undefined) {
    if (!Number.isInteger(req.maxOutputTokens) || req.maxOutputTokens < 1) {
      throw invalid("max_output_tokens", "must be a whole number of at least 1");
    }
    body["max_output_tokens"] = req.maxOutputTokens;
  }
  body["stream"] = opts.stream;
  return body;
}
