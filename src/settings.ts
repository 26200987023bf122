// Plugin settings as stored in data.json. The API key is NOT here: only the name of the
// secret in Obsidian's secret storage, so data.json can be synced without leaking it.
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "./core/ask-request";
import type { AskDefaults } from "./core/ask-options";
import { normalizeBaseUrl } from "./perplexity/base-url";
import { DEFAULT_FOLLOW_UP_TURNS } from "./core/thread";
import { parseCap } from "./core/spend";
import { normalizeProfiles } from "./core/profiles";
import { QUESTION_LINE_MODES } from "./core/batch-questions";
import type { QuestionLines } from "./core/batch-questions";
import type { Profile } from "./core/profiles";
import { BACKGROUND_MODES } from "./core/background";
import type { BackgroundMode } from "./core/background";

export const DEFAULT_BASE_URL = "https://api.perplexity.ai/v1";

export type InsertionMode = "below" | "replace";
export type CalloutFold = "expanded" | "collapsed" | "none";
export type KeepPrevious = "none" | "last" | "all";
export type WhenEdited = "skip" | "keep";

export interface PerplexityQuerySettings extends AskDefaults {
  /** Name of the secret in `app.secretStorage` that holds the API key. */
  apiKeySecret: string;
  noteContext: boolean;
  insertionMode: InsertionMode;
  calloutFold: CalloutFold;
  citationDateFormat: string;
  baseUrl: string;
  requestTimeoutSeconds: number;
  createSourceNotes: boolean;
  sourceFolder: string;
  sourceTags: string;
  /** Answers older than this are stale; a note property or the block can say otherwise. */
  staleAfterDays: number;
  /** What a refresh does with an answer the user edited: skip it, or keep the edit as a previous answer. */
  whenEdited: WhenEdited;
  keepPrevious: KeepPrevious;
  requestsPerMinute: number;
  concurrency: number;
  /** Desktop only: show the answer as it is written (mobile always waits for the whole answer). */
  streaming: boolean;
  /** When a streamed answer is cancelled: keep what arrived (marked cancelled) or remove it. */
  keepPartialOnCancel: boolean;
  /** Threads: at most this many earlier turns are sent with a follow-up question. */
  followUpTurns: number;
  // Checking sources (issue 12). Fetching a page tells its site the user's IP address: off by default.
  /** Allow fetching cited pages to check them. */
  checkSourcesFetch: boolean;
  /**
   * Mobile (and any device without Node's http): allow checks through requestUrl, which cannot refuse a redirect
   * to a private address, see what a name resolves to, or stop a download at 2 MB. Off by default.
   */
  checkSourcesFetchOnMobile: boolean;
  /** Check the sources of each new answer as soon as it is written. */
  checkSourcesAuto: boolean;
  /** Domains never fetched ("example.com" also skips its subdomains), separated by commas, spaces or lines. */
  checkSourcesSkipDomains: string;
  /** A page checked less than this many days ago is not fetched again. */
  checkSourcesIntervalDays: number;
  /** Allow loopback, private-range, link-local and .local/.internal hosts (off: a hostile answer cannot reach the user's network). */
  checkSourcesAllowPrivateHosts: boolean;
  /** How long to wait for one page. */
  checkSourcesTimeoutSeconds: number;
  /** Pages fetched per second, all sites together (one at a time per site in any case). */
  checkSourcesPerSecond: number;
  /** Monthly spending cap in USD; null: no cap (the default). 0 refuses every paid request. */
  monthlyCapUsd: number | null;
  /** Spending cap per batch (refreshing many answers, the questions of a selection) in USD; null: no cap. */
  batchCapUsd: number | null;
  /** Show month-to-date spend in the status bar. */
  showSpendInStatusBar: boolean;
  /** Named option sets, attached to folders (see core/profiles.ts). */
  profiles: Profile[];
  /** Refreshes ask with the note's current profile instead of the options the block recorded. */
  refreshAppliesProfile: boolean;
  /** Which lines of a selection "Ask every question in the selection" asks. */
  batchQuestionLines: QuestionLines;
  /** Which asks run in the background at Perplexity (polled until they end; they survive a restart). */
  backgroundRuns: BackgroundMode;
  /** The longest wait between two checks of a background run, in seconds (the first comes after 3 s). */
  pollMaxSeconds: number;
}

export const DEFAULT_SETTINGS: PerplexityQuerySettings = {
  apiKeySecret: "perplexity-api-key",
  preset: "fast",
  model: "",
  searchContextSize: "",
  recency: "",
  domains: "",
  // 0: the preset's own limit (8,192 tokens for fast, 32,768 for low); a limit here replaces it.
  maxOutputTokens: 0,
  customInstructions: "",
  replaceSystemPrompt: false,
  language: "",
  noteContext: true,
  insertionMode: "below",
  calloutFold: "expanded",
  citationDateFormat: "yyyy, MMM d",
  baseUrl: DEFAULT_BASE_URL,
  requestTimeoutSeconds: 300,
  createSourceNotes: true,
  sourceFolder: "Sources",
  sourceTags: "source",
  staleAfterDays: 30,
  whenEdited: "skip",
  keepPrevious: "last",
  requestsPerMinute: 50,
  concurrency: 2,
  streaming: true,
  keepPartialOnCancel: true,
  followUpTurns: DEFAULT_FOLLOW_UP_TURNS,
  checkSourcesFetch: false,
  checkSourcesFetchOnMobile: false,
  checkSourcesAuto: false,
  checkSourcesSkipDomains: "",
  checkSourcesIntervalDays: 30,
  checkSourcesAllowPrivateHosts: false,
  checkSourcesTimeoutSeconds: 15,
  checkSourcesPerSecond: 5,
  monthlyCapUsd: null,
  batchCapUsd: null,
  showSpendInStatusBar: false,
  profiles: [],
  refreshAppliesProfile: false,
  batchQuestionLines: "question-mark",
  backgroundRuns: "deep",
  pollMaxSeconds: 30,
};

type NumberKey = { [K in keyof PerplexityQuerySettings]: PerplexityQuerySettings[K] extends number ? K : never }[keyof PerplexityQuerySettings];

/**
 * The range of every whole-number setting: the settings tab refuses a value outside it, and loading clamps
 * one into it (a hand edit of data.json). The largest values keep timers within what a browser timer holds.
 */
export const NUMBER_BOUNDS: Record<NumberKey, { min: number; max: number }> = {
  maxOutputTokens: { min: 0, max: 128_000 },
  requestTimeoutSeconds: { min: 1, max: 3600 },
  staleAfterDays: { min: 1, max: 36_500 },
  requestsPerMinute: { min: 1, max: 10_000 },
  concurrency: { min: 1, max: 16 },
  followUpTurns: { min: 0, max: 100 },
  checkSourcesIntervalDays: { min: 0, max: 3650 },
  checkSourcesTimeoutSeconds: { min: 1, max: 15 },
  checkSourcesPerSecond: { min: 1, max: 50 },
  pollMaxSeconds: { min: 5, max: 600 },
};

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === "string" && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

/** A whole number within the setting's bounds (clamped), or its default. */
function int(value: unknown, key: NumberKey): number {
  const { min, max } = NUMBER_BOUNDS[key];
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : DEFAULT_SETTINGS[key];
}

/** An ISO 639-1 code ("en", "de"), lowercased; anything else falls back. */
function languageCode(value: unknown, fallback: string): string {
  if (typeof value !== "string") return fallback;
  const code = value.trim().toLowerCase();
  return code === "" || /^[a-z]{2}$/.test(code) ? code : fallback;
}

/**
 * Versions before `replaceSystemPrompt` existed saved their default limit of 2,048 tokens, which cut the
 * presets' own limits (8,192 and more) short: read it as "no limit", as the new default is.
 */
function oldDefaultLimit(raw: Record<string, unknown>): boolean {
  return raw.maxOutputTokens === 2048 && !("replaceSystemPrompt" in raw);
}

/**
 * A cap from data.json. A value that cannot be read (a typo in a hand edit) becomes a cap of 0, which refuses
 * paid requests and says so, rather than no cap, which would spend without a ceiling the user meant to set.
 */
function cap(value: unknown): number | null {
  const parsed = parseCap(value);
  return parsed === undefined ? 0 : parsed;
}

/** Caps in data.json that could not be read (and were set to 0), named for the user. */
export function capProblems(data: unknown): string[] {
  const raw = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  return (["monthlyCapUsd", "batchCapUsd"] as const)
    .filter((key) => parseCap(raw[key]) === undefined)
    .map((key) => `${key} is ${JSON.stringify(raw[key])}, not an amount in USD, so it is treated as a cap of $0`);
}

/** Reads whatever data.json holds (old versions, hand edits) into valid settings. */
export function normalizeSettings(data: unknown): PerplexityQuerySettings {
  const raw = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const d = DEFAULT_SETTINGS;
  return {
    apiKeySecret: str(raw.apiKeySecret, d.apiKeySecret),
    preset: oneOf(raw.preset, [...PRESETS, "model"] as const, d.preset),
    model: str(raw.model, d.model).trim(),
    searchContextSize: oneOf(raw.searchContextSize, ["", ...SEARCH_CONTEXT_SIZES] as const, d.searchContextSize),
    recency: oneOf(raw.recency, ["", ...RECENCY_FILTERS] as const, d.recency),
    domains: str(raw.domains, d.domains),
    maxOutputTokens: int(oldDefaultLimit(raw) ? 0 : raw.maxOutputTokens, "maxOutputTokens"),
    customInstructions: str(raw.customInstructions, d.customInstructions),
    replaceSystemPrompt: bool(raw.replaceSystemPrompt, d.replaceSystemPrompt),
    language: languageCode(raw.language, d.language),
    noteContext: bool(raw.noteContext, d.noteContext),
    insertionMode: oneOf(raw.insertionMode, ["below", "replace"] as const, d.insertionMode),
    calloutFold: oneOf(raw.calloutFold, ["expanded", "collapsed", "none"] as const, d.calloutFold),
    citationDateFormat: str(raw.citationDateFormat, d.citationDateFormat).trim() || d.citationDateFormat,
    baseUrl: normalizeBaseUrl(str(raw.baseUrl, d.baseUrl), d.baseUrl),
    requestTimeoutSeconds: int(raw.requestTimeoutSeconds, "requestTimeoutSeconds"),
    createSourceNotes: bool(raw.createSourceNotes, d.createSourceNotes),
    sourceFolder: str(raw.sourceFolder, d.sourceFolder),
    sourceTags: str(raw.sourceTags, d.sourceTags),
    staleAfterDays: int(raw.staleAfterDays, "staleAfterDays"),
    whenEdited: oneOf(raw.whenEdited, ["skip", "keep"] as const, d.whenEdited),
    keepPrevious: oneOf(raw.keepPrevious, ["none", "last", "all"] as const, d.keepPrevious),
    requestsPerMinute: int(raw.requestsPerMinute, "requestsPerMinute"),
    concurrency: int(raw.concurrency, "concurrency"),
    streaming: bool(raw.streaming, d.streaming),
    keepPartialOnCancel: bool(raw.keepPartialOnCancel, d.keepPartialOnCancel),
    followUpTurns: int(raw.followUpTurns, "followUpTurns"),
    checkSourcesFetch: bool(raw.checkSourcesFetch, d.checkSourcesFetch),
    checkSourcesFetchOnMobile: bool(raw.checkSourcesFetchOnMobile, d.checkSourcesFetchOnMobile),
    checkSourcesAuto: bool(raw.checkSourcesAuto, d.checkSourcesAuto),
    checkSourcesSkipDomains: str(raw.checkSourcesSkipDomains, d.checkSourcesSkipDomains),
    checkSourcesIntervalDays: int(raw.checkSourcesIntervalDays, "checkSourcesIntervalDays"),
    checkSourcesAllowPrivateHosts: bool(raw.checkSourcesAllowPrivateHosts, d.checkSourcesAllowPrivateHosts),
    checkSourcesTimeoutSeconds: int(raw.checkSourcesTimeoutSeconds, "checkSourcesTimeoutSeconds"),
    checkSourcesPerSecond: int(raw.checkSourcesPerSecond, "checkSourcesPerSecond"),
    monthlyCapUsd: cap(raw.monthlyCapUsd),
    batchCapUsd: cap(raw.batchCapUsd),
    showSpendInStatusBar: bool(raw.showSpendInStatusBar, d.showSpendInStatusBar),
    profiles: normalizeProfiles(raw.profiles),
    refreshAppliesProfile: bool(raw.refreshAppliesProfile, d.refreshAppliesProfile),
    batchQuestionLines: oneOf(raw.batchQuestionLines, QUESTION_LINE_MODES, d.batchQuestionLines),
    backgroundRuns: oneOf(raw.backgroundRuns, BACKGROUND_MODES, d.backgroundRuns),
    pollMaxSeconds: int(raw.pollMaxSeconds, "pollMaxSeconds"),
  };
}
