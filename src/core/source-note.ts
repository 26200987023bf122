// What a source note holds: pure functions from a cited source to the note's body and to the
// changes its properties get. The Obsidian glue applies them with processFrontMatter.
import { siteOf } from "./block";
import { escapeDisplayText, escapeLinkUrl, sanitizeAnswer } from "./sanitize";
import { beyondNextYear, cleanWebLine } from "./web-text";

export interface CitedSource {
  id: string;
  url: string;
  title?: string;
  published?: string;
  updated?: string;
  snippet?: string;
}

/**
 * At most this many source notes are made or updated for one answer (in the order of first citation): an answer
 * citing 1,500 results must not fill the vault with 1,500 notes. The others are listed in the block all the same,
 * linked to their web pages (or to a note they already had).
 */
export const MAX_SOURCE_NOTES_PER_ANSWER = 100;

/** The cited sources that get notes, and how many cited ones do not (the cap). */
export function sourcesForNotes<T extends { cited: boolean }>(sources: readonly T[]): { noted: T[]; left: number } {
  const cited = sources.filter((s) => s.cited);
  return { noted: cited.slice(0, MAX_SOURCE_NOTES_PER_ANSWER), left: Math.max(0, cited.length - MAX_SOURCE_NOTES_PER_ANSWER) };
}

/** What the user is told when the cap left sources without notes. */
export function sourceNotesCapMessage(noted: number, left: number): string {
  const n = (count: number) => count.toLocaleString("en-US");
  return `This answer cites ${n(noted + left)} sources. Source notes were made or updated for the first ${n(noted)}; the other ${n(left)} are listed in the answer with links to their web pages.`;
}

/** Our properties; anything else in a source note's frontmatter belongs to the user. */
export const SOURCE_PROPERTIES = [
  "source_id",
  "url",
  "title",
  "site",
  "published",
  "updated",
  "first_cited",
  "last_cited",
  "cited_in",
  "aliases",
  "tags",
] as const;

/** One line of web text, cleaned and cut to a readable length. */
function plainLine(text: string, max = 300): string {
  const flat = [...cleanWebLine(text)];
  return flat.length > max ? `${flat.slice(0, max - 1).join("")}…` : flat.join("");
}

export function sourceTitle(source: CitedSource): string {
  return plainLine(source.title ?? "") || siteOf(source.url);
}

/** The body of a new source note: title, link, the search snippet as a quote, room for notes. */
export function sourceNoteBody(source: CitedSource): string {
  // Titles and snippets come from the web: escaped and sanitised like answers, so they cannot
  // open a comment that hides the user's notes, run code or load images.
  const title = sourceTitle(source);
  const lines = [`# ${escapeDisplayText(title)}`, "", `[${escapeDisplayText(title)}](${escapeLinkUrl(source.url)})`, ""];
  const snippet = sanitizeAnswer((source.snippet ?? "").trim());
  if (snippet) {
    for (const line of snippet.split("\n")) lines.push(`> ${line}`.trimEnd());
    lines.push("");
  }
  lines.push("## Notes", "", "");
  return lines.join("\n");
}

export interface CitationRecord {
  source: CitedSource;
  /** A wikilink to the note whose answer cites the source, e.g. `[[The AI Model Wars]]`. */
  citedIn: string;
  /** yyyy-MM-dd of the citation. */
  citedOn: string;
  tags: string[];
}

function asStringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" && value ? [value] : [];
}

/** Link target of a wikilink string, for comparing `[[A]]` with `[[A|alias]]`. */
function linkTarget(link: string): string {
  return link.replace(/^\[\[|\]\]$/g, "").split("|")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Updates a source note's frontmatter in place (the object processFrontMatter hands us):
 * fills properties that are missing, moves `updated` and `last_cited` forward, grows
 * `cited_in`; never touches the user's own properties or values they changed.
 */
export function applyCitation(frontmatter: Record<string, unknown>, record: CitationRecord): void {
  const { source } = record;
  // A date beyond next year (9999-12-31 from an old version or a bad clock) would win every "later date"
  // comparison for ever: it counts as missing, so the next real date replaces it.
  const today = new Date(`${record.citedOn.slice(0, 10)}T00:00:00Z`);
  const farFuture = (value: unknown) => typeof value === "string" && beyondNextYear(value, today);
  for (const key of ["published", "updated", "first_cited", "last_cited"]) if (farFuture(frontmatter[key])) delete frontmatter[key];
  const setIfMissing = (key: string, value: unknown) => {
    if (value === undefined || value === "" || farFuture(value)) return;
    if (frontmatter[key] === undefined || frontmatter[key] === null || frontmatter[key] === "") frontmatter[key] = value;
  };
  setIfMissing("source_id", source.id);
  setIfMissing("url", source.url);
  setIfMissing("title", sourceTitle(source));
  setIfMissing("site", siteOf(source.url));
  setIfMissing("published", source.published);
  if (source.updated && !farFuture(source.updated) && (typeof frontmatter.updated !== "string" || frontmatter.updated < source.updated)) {
    frontmatter.updated = source.updated;
  }
  setIfMissing("first_cited", record.citedOn);
  if (typeof frontmatter.last_cited !== "string" || frontmatter.last_cited < record.citedOn) frontmatter.last_cited = record.citedOn;
  const citedIn = asStringList(frontmatter.cited_in);
  if (!citedIn.some((link) => linkTarget(link) === linkTarget(record.citedIn))) citedIn.push(record.citedIn);
  frontmatter.cited_in = citedIn;
  const aliases = asStringList(frontmatter.aliases);
  const title = sourceTitle(source);
  if (frontmatter.aliases === undefined && title) frontmatter.aliases = [title];
  else if (!Array.isArray(frontmatter.aliases) && aliases.length) frontmatter.aliases = aliases;
  if (frontmatter.tags === undefined && record.tags.length) frontmatter.tags = record.tags;
}

/** The tags setting ("source, research/web") as a list without leading "#". */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.replace(/^#/, "").trim())
    .filter(Boolean);
}

/**
 * The source folder from the setting, kept inside the vault: no leading slashes, no "." or
 * ".." segments, no empty segments. Falls back to "Sources".
 */
export function safeFolderPath(setting: string): string {
  const segments = setting
    .replace(/\\/g, "/")
    .split("/")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "." && s !== "..");
  return segments.join("/") || "Sources";
}
