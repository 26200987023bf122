// Profiles: named sets of request options (like Perplexity's Spaces), attached to folders, picked or overridden
// per note with properties. The options of a question come from, highest first: the ask prompt, the note's
// properties (single options over the note's `perplexity-profile`), the profile of the nearest folder, the
// settings. Each value keeps where it came from, so the ask prompt can say so. A value that cannot be used (a
// property with a typo, a profile that does not exist) is never sent: the next level's value is, and the
// problem is reported naming the property.
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "./ask-request";
import type { ModelChoice, Preset, RecencyFilter, SearchContextSize } from "./ask-request";
import { defaultQuestionOptions, parseDomainList } from "./ask-options";
import { domainFilterOf } from "./domains";
import type { AskDefaults, QuestionOptions } from "./ask-options";

export const PROFILE_PROPERTY = "perplexity-profile";
export const PRESET_PROPERTY = "perplexity-preset";
export const DOMAINS_PROPERTY = "perplexity-domains";
export const RECENCY_PROPERTY = "perplexity-recency";
export const LANGUAGE_PROPERTY = "perplexity-language";

/** A profile as stored in settings: every option is optional text, as typed ("" = not set). */
export interface Profile {
  name: string;
  /** A preset (fast … xhigh) or a model name with its provider ("openai/gpt-6-luna"). */
  preset: string;
  /** As the domains setting: one per line or comma-separated, "-" excludes. */
  domains: string;
  /** hour, day, week, month or year. */
  recency: string;
  /** yyyy-MM-dd; a date range replaces recency. */
  after: string;
  before: string;
  contextSize: string;
  language: string;
  /** Sent with each question (in the input, never as instructions). */
  guidance: string;
  /** Folder paths (vault-relative) whose notes use this profile. */
  folders: string[];
}

export function emptyProfile(name: string): Profile {
  return { name, preset: "", domains: "", recency: "", after: "", before: "", contextSize: "", language: "", guidance: "", folders: [] };
}

/** The options a profile or note can set, one provenance each. Time is recency or a date range. */
export type OptionKey = "choice" | "domains" | "time" | "contextSize" | "language" | "guidance";
export const OPTION_KEYS: readonly OptionKey[] = ["choice", "domains", "time", "contextSize", "language", "guidance"];
export const OPTION_LABELS: Record<OptionKey, string> = {
  choice: "Preset or model",
  domains: "Domains",
  time: "Recency or dates",
  contextSize: "Search context size",
  language: "Answer language",
  guidance: "Guidance",
};

type Time = { recency: RecencyFilter | "" } | { after?: string; before?: string };
interface Values {
  choice?: ModelChoice;
  domains?: string;
  time?: Time;
  contextSize?: SearchContextSize | "";
  language?: string;
  guidance?: string;
}

export interface ResolvedOptions {
  options: QuestionOptions;
  /** Where each value came from, in words ("settings", `profile "News" (folder News)`, "note property perplexity-recency"). */
  from: Record<OptionKey, string>;
  /** The profile in effect (the note's, else the nearest folder's), if any. */
  profile?: string;
  /** What could not be used, each naming the property or profile, and what was used instead. */
  problems: string[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function validDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

const MODEL_NAME = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._:@-]+$/;
const LANGUAGE = /^[a-z]{2}$/i;

/** A preset or model as typed; null when blank. Throws a message for anything else. */
function parseChoice(raw: string): ModelChoice | null {
  const t = raw.trim();
  if (!t) return null;
  if ((PRESETS as readonly string[]).includes(t.toLowerCase())) return { preset: t.toLowerCase() as Preset };
  if (MODEL_NAME.test(t)) return { model: t };
  throw new Error(`"${t}" is neither a preset (${PRESETS.join(", ")}) nor a model name like openai/gpt-6-luna`);
}

function parseRecency(raw: string): RecencyFilter | null {
  const t = raw.trim().toLowerCase();
  if (!t) return null;
  if ((RECENCY_FILTERS as readonly string[]).includes(t)) return t as RecencyFilter;
  throw new Error(`"${raw.trim()}" is not one of ${RECENCY_FILTERS.join(", ")}`);
}

function parseDomains(raw: unknown): string | null {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.some((x) => typeof x !== "string")) throw new Error("it must be text or a list of domains");
  const text = (list as string[]).join("\n");
  if (!text.trim()) return null;
  const { allowDomains = [], denyDomains = [] } = parseDomainList(text);
  // The request's own rules, said here so that the property or profile is named (the error says what is wrong).
  domainFilterOf(allowDomains, denyDomains);
  return text;
}

function parseLanguage(raw: string): string | null {
  const t = raw.trim();
  if (!t) return null;
  // language_preference takes a two-letter ISO 639-1 code; the request builder refuses anything else.
  if (!LANGUAGE.test(t)) throw new Error(`"${t}" is not a two-letter language code (like de or en)`);
  return t.toLowerCase();
}

function parseContextSize(raw: string): SearchContextSize | null {
  const t = raw.trim().toLowerCase();
  if (!t) return null;
  if ((SEARCH_CONTEXT_SIZES as readonly string[]).includes(t)) return t as SearchContextSize;
  throw new Error(`"${raw.trim()}" is not one of ${SEARCH_CONTEXT_SIZES.join(", ")}`);
}

/** A profile's values; its bad fields are reported (`where` says which profile) and left out. */
export function profileValues(p: Profile, problems: string[]): Values {
  const out: Values = {};
  const field = <T>(label: string, parse: () => T | null, set: (v: T) => void) => {
    try {
      const v = parse();
      if (v !== null) set(v);
    } catch (e) {
      problems.push(`profile "${p.name}": ${label} ${(e as Error).message}; not used`);
    }
  };
  field("preset or model", () => parseChoice(p.preset), (v) => (out.choice = v));
  field("domains", () => parseDomains(p.domains), (v) => (out.domains = v));
  field("context size", () => parseContextSize(p.contextSize), (v) => (out.contextSize = v));
  field("language", () => parseLanguage(p.language), (v) => (out.language = v));
  if (p.guidance.trim()) out.guidance = p.guidance.trim();
  const after = p.after.trim();
  const before = p.before.trim();
  if (after || before) {
    const bad = [after, before].filter((d) => d && !validDay(d));
    if (bad.length) problems.push(`profile "${p.name}": dates must be yyyy-MM-dd, got ${bad.map((d) => `"${d}"`).join(" and ")}; no date range used`);
    else if (after && before && after > before) problems.push(`profile "${p.name}": the date range ends (${before}) before it starts (${after}); not used`);
    else out.time = { ...(after ? { after } : {}), ...(before ? { before } : {}) };
  } else {
    field("recency", () => parseRecency(p.recency), (v) => (out.time = { recency: v }));
  }
  return out;
}

/** The profiles by name and by attached folder, built from the settings (cheap: one pass). */
export interface ProfileIndex {
  byName: Map<string, Profile>;
  byFolder: Map<string, Profile>;
}

export function normalizeFolder(path: string): string {
  return path.trim().replace(/\\/g, "/").replace(/\/+/g, "/").replace(/^\/|\/$/g, "");
}

export function indexProfiles(profiles: readonly Profile[]): ProfileIndex {
  const byName = new Map<string, Profile>();
  const byFolder = new Map<string, Profile>();
  for (const p of profiles) {
    if (!byName.has(p.name)) byName.set(p.name, p);
    for (const folder of p.folders) {
      const key = normalizeFolder(folder);
      if (!byFolder.has(key)) byFolder.set(key, p);
    }
  }
  return { byName, byFolder };
}

/** The profile of the nearest folder above `notePath` with one, and that folder ("" is the vault root). */
export function folderProfile(index: ProfileIndex, notePath: string): { profile: Profile; folder: string } | null {
  let folder = notePath.includes("/") ? notePath.slice(0, notePath.lastIndexOf("/")) : "";
  for (;;) {
    const profile = index.byFolder.get(folder);
    if (profile) return { profile, folder };
    if (folder === "") return null;
    const cut = folder.lastIndexOf("/");
    folder = cut < 0 ? "" : folder.slice(0, cut);
  }
}

function propertyText(value: unknown, property: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new Error(`${property} must be text, got ${JSON.stringify(value)}`);
}

/** The note's own values: its profile first, then single properties over it. */
function noteValues(frontmatter: Record<string, unknown> | undefined, index: ProfileIndex, problems: string[]): { profile?: Profile; own: Values; profileValues: Values } {
  const own: Values = {};
  let profile: Profile | undefined;
  let fromProfile: Values = {};
  if (!frontmatter) return { own, profileValues: fromProfile };
  const prop = <T>(property: string, parse: (raw: unknown) => T | null, set: (v: T) => void) => {
    const raw = frontmatter[property];
    if (raw === undefined || raw === null || raw === "") return;
    try {
      const v = parse(raw);
      if (v !== null) set(v);
    } catch (e) {
      problems.push(`The note property ${property} was not used: ${(e as Error).message}.`);
    }
  };
  prop(
    PROFILE_PROPERTY,
    (raw) => {
      const name = propertyText(raw, PROFILE_PROPERTY).trim();
      const found = index.byName.get(name);
      if (!found) throw new Error(`there is no profile named "${name}" (profiles: ${[...index.byName.keys()].map((n) => `"${n}"`).join(", ") || "none yet"})`);
      return found;
    },
    (p) => {
      profile = p;
      fromProfile = profileValues(p, problems);
    },
  );
  prop(PRESET_PROPERTY, (raw) => parseChoice(propertyText(raw, PRESET_PROPERTY)), (v) => (own.choice = v));
  prop(DOMAINS_PROPERTY, (raw) => parseDomains(raw), (v) => (own.domains = v));
  prop(RECENCY_PROPERTY, (raw) => parseRecency(propertyText(raw, RECENCY_PROPERTY)), (v) => (own.time = { recency: v }));
  prop(LANGUAGE_PROPERTY, (raw) => parseLanguage(propertyText(raw, LANGUAGE_PROPERTY)), (v) => (own.language = v));
  return { ...(profile ? { profile } : {}), own, profileValues: fromProfile };
}

/**
 * The options for a question in the note at `notePath` with these properties. The ask prompt's changes are
 * applied on top by the caller (`fromPrompt`).
 */
export function resolveOptions(settings: AskDefaults, index: ProfileIndex, notePath: string, frontmatter: Record<string, unknown> | undefined): ResolvedOptions {
  const problems: string[] = [];
  const base = defaultQuestionOptions(settings);
  const values: Required<Pick<Values, "choice" | "domains" | "time" | "contextSize">> & Values = {
    choice: base.choice,
    domains: base.domains,
    time: { recency: base.recency },
    contextSize: settings.searchContextSize,
  };
  const from = Object.fromEntries(OPTION_KEYS.map((k) => [k, "settings"])) as Record<OptionKey, string>;
  const layer = (v: Values, where: string) => {
    for (const key of OPTION_KEYS) {
      if (v[key] === undefined) continue;
      (values as unknown as Record<string, unknown>)[key] = v[key];
      from[key] = where;
    }
  };
  let profile: string | undefined;
  const note = noteValues(frontmatter, index, problems);
  // A profile the note picks replaces its folder's (profiles never mix).
  const folder = note.profile ? null : folderProfile(index, notePath);
  if (folder) {
    layer(profileValues(folder.profile, problems), `profile "${folder.profile.name}" (folder ${folder.folder || "/"})`);
    profile = folder.profile.name;
  }
  if (note.profile) {
    layer(note.profileValues, `profile "${note.profile.name}" (note property ${PROFILE_PROPERTY})`);
    profile = note.profile.name;
  }
  for (const key of OPTION_KEYS) {
    if (note.own[key] === undefined) continue;
    (values as unknown as Record<string, unknown>)[key] = note.own[key];
    from[key] = `note property ${propertyOf(key)}`;
  }
  const time = values.time;
  const options: QuestionOptions = {
    choice: values.choice,
    domains: values.domains,
    recency: "recency" in time ? time.recency : "",
    ...("recency" in time ? {} : { ...(time.after ? { afterDate: time.after } : {}), ...(time.before ? { beforeDate: time.before } : {}) }),
    contextSize: values.contextSize,
    ...(values.language ? { language: values.language } : {}),
    ...(values.guidance ? { guidance: values.guidance } : {}),
  };
  if (from.language === "settings") from.language = "not set";
  if (from.guidance === "settings") from.guidance = "not set";
  return { options, from, problems, ...(profile ? { profile } : {}) };
}

function propertyOf(key: OptionKey): string {
  return key === "choice" ? PRESET_PROPERTY : key === "domains" ? DOMAINS_PROPERTY : key === "time" ? RECENCY_PROPERTY : LANGUAGE_PROPERTY;
}

/** The options after the ask prompt: values the user changed there say "ask prompt". */
export function fromPrompt(resolved: ResolvedOptions, chosen: QuestionOptions): ResolvedOptions {
  const from = { ...resolved.from };
  const before = resolved.options;
  if (JSON.stringify(before.choice) !== JSON.stringify(chosen.choice)) from.choice = "ask prompt";
  if (before.domains !== chosen.domains) from.domains = "ask prompt";
  if (before.recency !== chosen.recency || before.afterDate !== chosen.afterDate || before.beforeDate !== chosen.beforeDate) from.time = "ask prompt";
  if ((before.language ?? "") !== (chosen.language ?? "")) from.language = "ask prompt";
  return { ...resolved, options: chosen, from };
}

/** Folder paths as saved: "" (how the vault root is saved) or "/" is the root; blank text is nothing. */
function readFolders(raw: unknown[]): string[] {
  const folders = raw.filter((f): f is string => typeof f === "string" && (f === "" || f.trim() !== "")).map(normalizeFolder);
  return [...new Set(folders)];
}

/** Reads the profiles in data.json (hand edits included): bad entries are dropped, names made unique. */
export function normalizeProfiles(raw: unknown): Profile[] {
  if (!Array.isArray(raw)) return [];
  const out: Profile[] = [];
  const names = new Set<string>();
  for (const item of raw) {
    if (typeof item !== "object" || item === null) continue;
    const r = item as Record<string, unknown>;
    const text = (x: unknown) => (typeof x === "string" ? x : "");
    let name = text(r.name).trim() || `Profile ${out.length + 1}`;
    while (names.has(name)) name = `${name} (2)`;
    names.add(name);
    out.push({
      name,
      preset: text(r.preset),
      domains: text(r.domains),
      recency: text(r.recency),
      after: text(r.after),
      before: text(r.before),
      contextSize: text(r.contextSize),
      language: text(r.language),
      guidance: text(r.guidance),
      folders: Array.isArray(r.folders) ? readFolders(r.folders) : [],
    });
  }
  return out;
}

/**
 * Profiles after a folder was renamed (`to` set) or deleted (`to` null): attachments to it and to the folders
 * inside it follow the rename, or are removed. Returns the profiles changed, with what happened, for a notice.
 */
export function moveFolder(profiles: Profile[], from: string, to: string | null): string[] {
  const old = normalizeFolder(from);
  const changed: string[] = [];
  for (const p of profiles) {
    const next: string[] = [];
    for (const f of p.folders) {
      if (f === old || f.startsWith(`${old}/`)) {
        if (to === null) changed.push(`profile "${p.name}" is no longer attached to the deleted folder ${f}`);
        else {
          const moved = normalizeFolder(to) + f.slice(old.length);
          next.push(moved);
          changed.push(`profile "${p.name}" now applies to ${moved} (was ${f})`);
        }
      } else next.push(f);
    }
    p.folders = next;
  }
  return changed;
}
