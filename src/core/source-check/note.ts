// What a source check keeps in the source note: properties `checked`, `check_status`, `final_url` (when the
// page moved), `archive` (the Web Archive copy nearest the first citation), and `check_missing` /
// `check_reason` (so the next answer citing the page, within the recheck interval, gets the same detail
// without another fetch). Only these keys are ever written; the user's body and other properties stay.
import { lineEnd, noteStructure, unquoted } from "../markdown";
import { unescapeText } from "../markdown/escape";
import { archiveUrl } from "./archive";
import { VERDICTS, type SourceCheck, type Verdict } from "./verdict";

export const CHECK_PROPERTIES = ["checked", "check_status", "final_url", "archive", "check_missing", "check_reason"] as const;

/** Updates the frontmatter object processFrontMatter hands over. */
export function applySourceCheck(frontmatter: Record<string, unknown>, check: SourceCheck, url: string): void {
  frontmatter.checked = check.on;
  frontmatter.check_status = check.verdict;
  if (check.verdict === "moved" && check.reason !== undefined) frontmatter.final_url = check.reason;
  else delete frontmatter.final_url;
  const citedOn = typeof frontmatter.first_cited === "string" ? frontmatter.first_cited : check.on;
  frontmatter.archive = archiveUrl(url, citedOn);
  if (check.missing?.length) frontmatter.check_missing = check.missing;
  else delete frontmatter.check_missing;
  if (check.reason !== undefined && check.verdict !== "moved") frontmatter.check_reason = check.reason;
  else delete frontmatter.check_reason;
}

/** The check a source note records, if any. */
export function sourceCheckOf(frontmatter: Record<string, unknown> | undefined): SourceCheck | undefined {
  if (!frontmatter) return undefined;
  const verdict = frontmatter.check_status;
  const on = frontmatter.checked;
  if (typeof verdict !== "string" || !VERDICTS.includes(verdict as Verdict) || typeof on !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(on)) return undefined;
  const out: SourceCheck = { verdict: verdict as Verdict, on };
  const missing = Array.isArray(frontmatter.check_missing) ? frontmatter.check_missing.filter((m): m is string => typeof m === "string") : [];
  if (missing.length) out.missing = missing;
  const reason = verdict === "moved" ? frontmatter.final_url : frontmatter.check_reason;
  if (typeof reason === "string") out.reason = reason;
  return out;
}

/**
 * The search snippet a source note quotes: the first blockquote of its body, as `sourceNoteBody` writes it
 * (after the title and the link). Undefined when the note has none (the user removed it, or there was none).
 */
export function snippetOfNote(text: string): string | undefined {
  const structure = noteStructure(text);
  for (const block of structure.blocks) {
    // Only before the user's Notes section.
    if (block.heading?.text.trim() === "Notes") return undefined;
    if (block.kind !== "quote") continue;
    const quote: string[] = [];
    for (let line = block.startLine; line < block.endLine; line++) {
      quote.push(unquoted(text.slice(structure.lineStarts[line], lineEnd(text, structure.lineStarts, line))));
    }
    // The snippet was written as Markdown text (escaped): read back as the characters it shows.
    const snippet = unescapeText(quote.join("\n").trim());
    return snippet === "" ? undefined : snippet;
  }
  return undefined;
}
