// From our client's Answer to a block.
import type { Answer } from "../answer";
import { citationLinker } from "../citations";
import { hashText } from "../hash";
import { sanitizeAnswer } from "../sanitize";
import type { SanitizeOptions } from "../sanitize";
import { canonicalUrl, MAX_SOURCE_ID_LENGTH, sourceIdOfCanonical } from "../source-id";
import { cleanWebLine } from "../web-text";
import { normalizeDay, siteOf } from "./model";
import type { AnswerBlock, BlockRequestMeta, SourceEntry } from "./model";

export interface BuildContext {
  blockId: string;
  askedAt: string;
  question: string;
  request: BlockRequestMeta;
  /** The ID of a source URL (the glue resolves collisions against the vault); null: no ID, no link. */
  idFor(url: string): string | null;
  linkFor(source: SourceEntry): string;
}

/**
 * Maps an answer to a block: one source per canonical URL (results without an http(s) URL or ID are dropped),
 * web text cleaned (core/web-text.ts: titles, the model, the answer), the answer sanitised with its markers linked
 * by `linkFor` (`sanitize`: the streaming display passes one that reuses what it wrote before), cited sources first
 * in order of first
 * citation, then the others in search order. Two URLs given the same ID by `idFor` keep apart: the later
 * one gets the next longer ID of its own.
 */
export function buildAnswerBlock(answer: Answer, ctx: BuildContext, sanitize: (text: string, options: SanitizeOptions) => string = sanitizeAnswer): AnswerBlock {
  const byCanonical = new Map<string, SourceEntry>();
  const usedIds = new Map<string, string>(); // id → canonical URL
  const byMarker = new Map<number, SourceEntry>();
  for (const r of answer.searchResults) {
    const canonical = canonicalUrl(r.url);
    if (canonical === null) continue;
    let entry = byCanonical.get(canonical);
    if (entry === undefined) {
      let id = ctx.idFor(r.url);
      if (id === null) continue;
      if (usedIds.has(id) && usedIds.get(id) !== canonical) {
        const full = sourceIdOfCanonical(canonical, MAX_SOURCE_ID_LENGTH);
        let length = Math.max(id.length + 1, 7);
        while (usedIds.has(full.slice(0, length)) && length < MAX_SOURCE_ID_LENGTH) length++;
        id = full.slice(0, length);
      }
      usedIds.set(id, canonical);
      const title = cleanWebLine(r.title ?? "");
      entry = { id, url: canonical, title: title === "" ? siteOf(canonical) : title, cited: false };
      const published = normalizeDay(r.date);
      const updated = normalizeDay(r.lastUpdated);
      if (published !== undefined) entry.published = published;
      if (updated !== undefined) entry.updated = updated;
      byCanonical.set(canonical, entry);
    } else {
      if (entry.published === undefined) {
        const published = normalizeDay(r.date);
        if (published !== undefined) entry.published = published;
      }
      if (entry.updated === undefined) {
        const updated = normalizeDay(r.lastUpdated);
        if (updated !== undefined) entry.updated = updated;
      }
    }
    if (!byMarker.has(r.id)) byMarker.set(r.id, entry);
  }
  const { cite, cited } = citationLinker(byMarker, (s) => ctx.linkFor(s));
  const text = sanitize(answer.text, { cite });
  for (const s of cited) s.cited = true;
  const all = [...byCanonical.values()];
  const sources = [...cited, ...all.filter((s) => !s.cited)];
  const block: AnswerBlock = {
    blockId: ctx.blockId,
    state: "answered",
    askedAt: ctx.askedAt,
    question: ctx.question,
    request: ctx.request,
    answeredBy: cleanWebLine(answer.model),
    answer: text,
    sources: sources.map((s) => ({ ...s })),
    responseId: answer.responseId,
    answerHash: hashText(text),
  };
  if (answer.usage.totalCost !== undefined && Number.isFinite(answer.usage.totalCost)) block.cost = answer.usage.totalCost;
  return block;
}
