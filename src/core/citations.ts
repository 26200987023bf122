// Perplexity's citation markers ([7], [web:7] and [type:n] in general, runs like [1][3]) become links to sources
// as the answer is written (sanitize.ts calls back for each marker in text, never in code). Only untyped and `web`
// markers name a search result (or a page read in full); and existing citation
// links in an answer are repointed (relinkCitations), leaving code, math and HTML alone (markdown/literals.ts).
import { lineAt } from "./markdown";
import { inLiteral, textLayout } from "./markdown/literals";
import { sanitizeAnswer } from "./sanitize";
import type { CitationLinker } from "./sanitize";
import { isHttpUrl } from "./source-id";

export interface CitationRewrite<S> {
  text: string;
  /** Every source that got at least one link, in order of first citation. */
  cited: S[];
}

/** The source type that names search results and fetched pages, like an untyped marker. */
const WEB_TYPE = "web";

/**
 * Types whose markers are removed, with the spaces before them: `[conversation_history:1]` (an earlier turn of the
 * conversation, which the note already shows above), `[page:2]` and `[file:3]` (a page or a file given to the
 * model, which this plugin never gives). None of them is a search result, and the number would be read as one.
 * Any other type is left as text: it is not known what it names. (The presets' prompts define these types:
 * the API reference's correction 4.)
 */
export const DROPPED_MARKER_TYPES: ReadonlySet<string> = new Set(["conversation_history", "page", "file"]);

/**
 * Links markers to sources: an untyped or `web` marker whose number is a source with an http(s) URL gets
 * `linkFor(source)`; a marker of `DROPPED_MARKER_TYPES` is removed; any other stays text. `cited` collects the
 * sources linked, in order of first citation.
 */
export function citationLinker<S extends { url: string }>(sources: ReadonlyMap<number, S>, linkFor: (source: S) => string): { cite: CitationLinker; cited: S[] } {
  const cited: S[] = [];
  const seen = new Set<S>();
  const cite: CitationLinker = (id, type) => {
    if (type !== undefined && DROPPED_MARKER_TYPES.has(type)) return "";
    if (type !== undefined && type !== WEB_TYPE) return null;
    const source = sources.get(id);
    if (source === undefined || !isHttpUrl(source.url)) return null;
    if (!seen.has(source)) {
      seen.add(source);
      cited.push(source);
    }
    return linkFor(source);
  };
  return { cite, cited };
}

/** Answer text from Perplexity, sanitised (see sanitize.ts), with its markers linked by `citationLinker`. */
export function rewriteCitations<S extends { url: string }>(text: string, sources: ReadonlyMap<number, S>, linkFor: (source: S) => string): CitationRewrite<S> {
  const { cite, cited } = citationLinker(sources, linkFor);
  return { text: sanitizeAnswer(text, { cite }), cited };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Points an answer's existing citation links at new targets: every link that reads as a source's ID — `[id](…)`,
 * `[[id]]`, `[[folder/id]]` or `[[note|id]]` — becomes `linkFor(source)`. Used to repair blocks written while
 * source notes were off, or pasted from another vault. Links inside code, math and raw HTML are left alone, and in
 * a table the new link's "|" is escaped (Obsidian's help: escape the pipe in tables).
 */
export function relinkCitations<S extends { id: string }>(text: string, sources: readonly { oldId: string; source: S }[], linkFor: (source: S) => string): string {
  if (!sources.length) return text;
  const byOldId = new Map(sources.map((s) => [s.oldId.toLowerCase(), s.source]));
  const ids = sources.map((s) => escapeRegExp(s.oldId)).join("|");
  const link = new RegExp(`\\[\\[(?:[^\\]|\\n]*\\|(${ids})|(?:[^\\]|\\n]*/)?(${ids}))\\]\\]|\\[(${ids})\\]\\([^)\\s]*\\)`, "gi");
  const layout = textLayout(text);
  const tableRows = (at: number): boolean => {
    const line = lineAt(layout.lineStarts, at);
    return layout.tables.some(([from, to]) => line >= from && line < to);
  };
  return text.replace(link, (whole: string, alias: string | undefined, target: string | undefined, label: string | undefined, at: number) => {
    if (inLiteral(layout.literals, at, at + whole.length)) return whole;
    const source = byOldId.get((alias ?? target ?? label ?? "").toLowerCase());
    if (!source) return whole;
    const next = linkFor(source);
    return tableRows(at) ? next.replace(/(^|[^\\])\|/g, "$1\\|") : next;
  });
}
