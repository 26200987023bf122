// From Perplexity's answer to the block written in the note: source notes first (so the
// answer's links can point at them), then the block. Shared by asking and refreshing.
import { Notice } from "obsidian";
import type { TFile } from "obsidian";
import { buildAnswerBlock } from "../../core/block";
import type { AnswerBlock, SourceEntry } from "../../core/block";
import { PerplexityError } from "../../perplexity/errors";
import type { Answer } from "../../core/answer";
import { sourceNotesCapMessage } from "../../core/source-note";
import type { PerplexityQuerySettings } from "../../settings";
import type { SourceLinker } from "../sources/source-linker";

export type BlockMeta = Pick<AnswerBlock, "blockId" | "askedAt" | "question" | "request">;

export interface BuiltAnswer {
  block: AnswerBlock;
  /** The links to use when formatting the block. */
  linkFor: (source: SourceEntry) => string;
}

/** A plain-words message for any error, never a stack trace. */
export function errorMessage(error: unknown): string {
  if (error instanceof PerplexityError) return error.message;
  return error instanceof Error && error.message ? error.message : "Something went wrong while asking Perplexity.";
}

export async function buildWithSources(
  deps: { sources: SourceLinker; settings: () => PerplexityQuerySettings; now: () => Date },
  answer: Answer,
  meta: BlockMeta,
  file: TFile,
): Promise<BuiltAnswer> {
  const idFor = deps.sources.idResolver(answer.searchResults.map((r) => r.url));
  const build = (linkFor: (s: SourceEntry) => string) => buildAnswerBlock(answer, { ...meta, idFor, linkFor });
  const linkFor = (s: SourceEntry) => deps.sources.linkFor(s, file);
  const block = build(linkFor);
  if (!deps.settings().createSourceNotes || !block.sources.some((s) => s.cited)) return { block, linkFor };
  try {
    const notes = await deps.sources.recordCitations(block, file, deps.now(), answer.searchResults);
    if (notes.left > 0) new Notice(sourceNotesCapMessage(notes.noted, notes.left), 15_000);
    // Built again so the answer's links point at the notes just made.
    return { block: build(linkFor), linkFor };
  } catch (error) {
    new Notice(`Source notes could not be updated (${errorMessage(error)}). The answer links to the sources' web pages instead.`, 10_000);
    const urlLink = (s: SourceEntry) => deps.sources.urlLink(s);
    return { block: build(urlLink), linkFor: urlLink };
  }
}
