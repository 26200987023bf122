// How a question's options are resolved into the request that is sent: the settings' defaults, then what the
// ask prompt chose. Profiles and note properties slot in between (see the profiles issue).
import type { AskRequest, ModelChoice, Preset, RecencyFilter, SearchContextSize, SearchOptions } from "./ask-request";

/** The settings that give a question its default options. */
export interface AskDefaults {
  /** A preset name, or "model" to use `model`. */
  preset: Preset | "model";
  model: string;
  /** "" leaves the choice to Perplexity. */
  searchContextSize: SearchContextSize | "";
  recency: RecencyFilter | "";
  /** One domain per line or comma-separated; a leading "-" excludes it. */
  domains: string;
  /** 0 sends no limit. */
  maxOutputTokens: number;
}

/** Splits the domain setting into allow and deny lists ("-example.com" denies). */
export function parseDomainList(text: string): Pick<SearchOptions, "allowDomains" | "denyDomains"> {
  const allow: string[] = [];
  const deny: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    const domain = part.trim();
    if (!domain) continue;
    if (domain.startsWith("-")) {
      if (domain.length > 1) deny.push(domain.slice(1));
    } else {
      allow.push(domain);
    }
  }
  return { ...(allow.length ? { allowDomains: allow } : {}), ...(deny.length ? { denyDomains: deny } : {}) };
}

/** Per-question choices: the ask prompt, the note's properties and folder profiles decide them (core/profiles.ts). */
export interface QuestionOptions {
  choice: ModelChoice;
  recency: RecencyFilter | "";
  domains: string;
  /** Only sources published on or after / before these days (yyyy-MM-dd); set instead of `recency`. */
  afterDate?: string;
  beforeDate?: string;
  /** Overrides the setting when given ("" leaves the choice to Perplexity). */
  contextSize?: SearchContextSize | "";
  language?: string;
  guidance?: string;
}

export function defaultQuestionOptions(settings: AskDefaults): QuestionOptions {
  const choice: ModelChoice =
    settings.preset === "model" && settings.model ? { model: settings.model } : { preset: settings.preset === "model" ? "fast" : settings.preset };
  return { choice, recency: settings.recency, domains: settings.domains };
}

/** The request for one question, from settings and the per-question choices. */
export function buildAskRequest(
  question: string,
  options: QuestionOptions,
  settings: AskDefaults,
  instructions: string,
): AskRequest {
  const search: SearchOptions = {
    ...parseDomainList(options.domains),
    ...(options.recency ? { recency: options.recency } : {}),
    ...(options.afterDate ? { afterDate: options.afterDate } : {}),
    ...(options.beforeDate ? { beforeDate: options.beforeDate } : {}),
  };
  const contextSize = options.contextSize ?? settings.searchContextSize;
  if (contextSize) search.contextSize = contextSize;
  return {
    question,
    choice: options.choice,
    ...(instructions ? { instructions } : {}),
    ...(Object.keys(search).length ? { search } : {}),
    ...(settings.maxOutputTokens > 0 ? { maxOutputTokens: settings.maxOutputTokens } : {}),
    ...(options.language ? { language: options.language } : {}),
    ...(options.guidance ? { guidance: options.guidance } : {}),
  };
}
