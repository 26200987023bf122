// Rewriting Perplexity's citation markers ([7], [web:7] and [type:n] in general, runs like [1][3]) into links
// to sources. The number is the id of a search result, whatever the type says.
import { splitLiterals } from "./markdown-scan";
import { isHttpUrl } from "./source-id";
import { tableSafeWikilinks } from "./table-links";

export interface CitationRewrite<S> {
  text: string;
  /** Every source that got at least one link, in order of first citation. */
  cited: S[];
}

const MARKER = /\[(?:[a-z][a-z_]{0,19}:)?(\d{1,9})\]/g;

/**
 * Replaces each marker whose id is in `sources` with `linkFor(source)`. Left as text: markers with no
 * source or whose source has no http(s) URL; markers in code spans, fenced code and math; escaped (`\[1]`)
 * or nested (`[[1]]`) brackets; link texts (`[1](url)`) and reference definitions (`[1]: url`).
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
    out += s.replace(MARKER, (marker: string, num: string, at: number) => {
      const before = at > 0 ? s[at - 1] : prevChar;
      const after = s[at + marker.length];
      if (before === "\\" || before === "[" || after === "(") return marker;
      if (after === ":" && (at === 0 ? prevChar === "\n" || prevChar === "" : s[at - 1] === "\n")) return marker;
      const source = sources.get(Number(num));
      if (source === undefined) return marker;
      let ok = linkable.get(source);
      if (ok === undefined) {
        ok = isHttpUrl(source.url);
        linkable.set(source, ok);
      }
      if (!ok) return marker;
      if (!seen.has(source)) {
        seen.add(source);
        cited.push(source);
      }
      // A space before each link keeps "text.[1][3]" readable: "text. [[a]] [[b]]", not "text.[[a]][[b]]".
      const glued = at === lastLinkEnd || (before !== undefined && before !== "" && !/[\s([{]/.test(before));
      lastLinkEnd = at + marker.length;
      return (glued ? " " : "") + linkFor(source);
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
