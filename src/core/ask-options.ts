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
  /** 0 leaves the limit to Perplexity (the preset's own; a model that requires one gets the client's). */
  maxOutputTokens: number;
  /** The user's own instructions, sent with every question (see `questionFraming`). */
  customInstructions: string;
  /**
   * Send the custom instructions as the system prompt (`instructions`). With a preset this replaces the
   * preset's prompt, which holds the citation rules and today's date: answers may lose their citations.
   * Off by default; the settings and docs/settings.md warn about it.
   */
  replaceSystemPrompt: boolean;
  /** ISO 639-1 code for `language_preference`; "" leaves the language to Perplexity. */
  language: string;
}

/** The part of the settings that says how a question is framed. */
export type FramingSettings = Pick<AskDefaults, "customInstructions" | "replaceSystemPrompt" | "language">;

/**
 * Where the words around a question go. Note context and custom instructions are question framing: they go in
 * `input` beside the question (read, not searched: src/perplexity/request.ts), so the preset's own system prompt,
 * with its citation rules and today's date, stays in charge. Only when the user chose to replace the system prompt
 * do the custom instructions become `instructions`.
 */
export function questionFraming(settings: FramingSettings, noteContext: string): Pick<AskRequest, "context" | "systemPrompt" | "language"> {
  const custom = settings.customInstructions.trim();
  const asSystemPrompt = settings.replaceSystemPrompt && custom !== "";
  const context = [noteContext.trim(), asSystemPrompt ? "" : custom].filter(Boolean).join("\n\n");
  const language = settings.language.trim();
  return {
    ...(context ? { context } : {}),
    ...(asSystemPrompt ? { systemPrompt: custom } : {}),
    ...(language ? { language } : {}),
  };
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

/**
 * The request for one question, from settings and the per-question choices. `noteContext` says where the
 * question comes from (see note-context.ts), "" when that setting is off. The rules that depend on the
 * API (one domain-filter mode, the citation instructions and forced search for a model, a limit for
 * models that need one) are applied when the request is sent: src/perplexity/request.ts.
 */
export function buildAskRequest(
  question: string,
  options: QuestionOptions,
  settings: AskDefaults,
  noteContext: string,
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
    ...questionFraming(settings, noteContext),
    ...(Object.keys(search).length ? { search } : {}),
    ...(settings.maxOutputTokens > 0 ? { maxOutputTokens: settings.maxOutputTokens } : {}),
    ...(options.language ? { language: options.language } : {}),
    ...(options.guidance ? { guidance: options.guidance } : {}),
  };
}
