// Rewriting Perplexity's citation markers ([7], [web:7] and [type:n] in general, runs like [1][3]) into links
// to sources. Only untyped and `web` markers name a search result (or a page read in full): the presets' prompts
// define other source types too, which name material the answer has no record of (reference, correction 4).
import { splitLiterals } from "./markdown-scan";
import { isHttpUrl } from "./source-id";
import { tableSafeWikilinks } from "./table-links";

export interface CitationRewrite<S> {
  text: string;
  /** Every source that got at least one link, in order of first citation. */
  cited: S[];
}

/** A marker with the spaces before it: spaces, type (absent for `[7]`), number. */
const MARKER = /([ \t]*)\[(?:([a-z][a-z_]{0,19}):)?(\d{1,9})\]/g;

/** The source type that names search results and fetched pages, like an untyped marker. */
const WEB_TYPE = "web";

/**
 * Types whose markers are removed, with the spaces before them: `[conversation_history:1]` (an earlier turn of the
 * conversation, which the note already shows above), `[page:2]` and `[file:3]` (a page or a file given to the
 * model, which this plugin never gives). None of them is a search result, and the number would be read as one.
 * Any other type is left as text: it is not known what it names.
 */
export const DROPPED_MARKER_TYPES: ReadonlySet<string> = new Set(["conversation_history", "page", "file"]);

/**
 * Replaces each untyped or `web` marker whose id is in `sources` with `linkFor(source)`, and removes the markers of
 * `DROPPED_MARKER_TYPES`. Left as text: markers with no source or whose source has no http(s) URL; markers of other
 * types; markers in code spans, fenced code and math; escaped (`\[1]`) or nested (`[[1]]`) brackets; link texts
 * (`[1](url)`) and reference definitions (`[1]: url`).
 */
export function rewriteCitations<S extends { url: string }>(
  text: string,
  sources: ReadonlyMap<number, S>,
  linkFor: (source: S) => string,
): CitationRewrite<S> {
  const cited: S[] = [];
  const seen = new Set<S>();
  const linkable = new Map<S, boolean>();
  let out = "";
  let prevChar = "";
  for (const seg of splitLiterals(text)) {
    if (seg.literal) {
      out += seg.text;
      prevChar = seg.text[seg.text.length - 1] ?? prevChar;
      continue;
    }
    const s = seg.text;
    let lastLinkEnd = -1;
    out += s.replace(MARKER, (whole: string, spaces: string, type: string | undefined, num: string, start: number) => {
      const at = start + spaces.length;
      const marker = whole.slice(spaces.length);
      const before = at > 0 ? s[at - 1] : prevChar;
      const after = s[at + marker.length];
      if (before === "\\" || before === "[" || after === "(") return whole;
      if (after === ":" && (at === 0 ? prevChar === "\n" || prevChar === "" : s[at - 1] === "\n")) return whole;
      if (type !== undefined && type !== WEB_TYPE) {
        // At the start of a line the spaces may be indentation: only the marker goes.
        if (!DROPPED_MARKER_TYPES.has(type)) return whole;
        const lineStart = start === 0 ? prevChar === "\n" || prevChar === "" : s[start - 1] === "\n";
        return lineStart ? spaces : "";
      }
      const source = sources.get(Number(num));
      if (source === undefined) return whole;
      let ok = linkable.get(source);
      if (ok === undefined) {
        ok = isHttpUrl(source.url);
        linkable.set(source, ok);
      }
      if (!ok) return whole;
      if (!seen.has(source)) {
        seen.add(source);
        cited.push(source);
      }
      // A space before each link keeps "text.[1][3]" readable: "text. [[a]] [[b]]", not "text.[[a]][[b]]".
      const glued = at === lastLinkEnd || (before !== undefined && before !== "" && !/[\s([{]/.test(before));
      lastLinkEnd = at + marker.length;
      return spaces + (glued ? " " : "") + linkFor(source);
    });
    prevChar = s[s.length - 1] ?? prevChar;
  }
  // A link with an alias or a path has a "|", which would split a table cell.
  return { text: tableSafeWikilinks(out), cited };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Points an answer's existing citation links at new targets: every link that reads as a source's
 * ID — `[id](…)`, `[[id]]`, `[[folder/id]]` or `[[note|id]]` — becomes `linkFor(source)`. Used to
 * repair blocks written while source notes were off, or pasted from another vault. Links inside
 * code and math are left alone, like markers are.
 */
export function relinkCitations<S extends { id: string }>(text: string, sources: readonly { oldId: string; source: S }[], linkFor: (source: S) => string): string {
  if (!sources.length) return text;
  const byOldId = new Map(sources.map((s) => [s.oldId.toLowerCase(), s.source]));
  const ids = sources.map((s) => escapeRegExp(s.oldId)).join("|");
  const link = new RegExp(`\\[\\[(?:[^\\]|\\n]*\\|(${ids})|(?:[^\\]|\\n]*/)?(${ids}))\\]\\]|\\[(${ids})\\]\\([^)\\s]*\\)`, "gi");
  const relinked = splitLiterals(text)
    .map((seg) =>
      seg.literal
        ? seg.text
        : seg.text.replace(link, (whole: string, alias?: string, target?: string, label?: string) => {
            const source = byOldId.get((alias ?? target ?? label ?? "").toLowerCase());
            return source ? linkFor(source) : whole;
          }),
    )
    .join("");
  return tableSafeWikilinks(relinked);
}
