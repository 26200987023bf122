// The "ask" job: insert a pending block at once, ask Perplexity, then fill the block in
// wherever it is by then (found again by its id), or undo the insertion on failure.
import { Notice, TFile } from "obsidian";
import type { App, Editor } from "obsidian";
import { buildAnswerBlock, findBlock, formatBlock, newBlockId, parseBlocks } from "../core/block";
import type { AnswerBlock, BlockRequestMeta, FormatOptions, SourceEntry } from "../core/block";
import { endOfLine, planInsertion, settleInsertion } from "../core/insertion";
import type { PendingInsertion, TextChange } from "../core/insertion";
import { noteContextInstructions } from "../core/note-context";
import { incompleteNote } from "../core/partial";
import { PerplexityError } from "../perplexity/errors";
import type { Answer, AskRequest } from "../perplexity/types";
import { buildAskRequest } from "../settings";
import type { PerplexityQuerySettings, QuestionOptions } from "../settings";
import { applyToEditor, applyToNote } from "./note-writer";
import type { PerplexityService } from "./perplexity-service";
import type { SourceLinker } from "./source-linker";

export interface AskContext {
  app: App;
  service: PerplexityService;
  settings: () => PerplexityQuerySettings;
  now: () => Date;
  sources: SourceLinker;
}

/** Where the question sits in the note when the user asks. */
export interface AskTarget {
  editor: Editor;
  file: TFile;
  question: string;
  /** Offsets of the selected text the question came from (from === to when typed in a prompt). */
  from: number;
  to: number;
  options: QuestionOptions;
}

export function formatOptions(settings: PerplexityQuerySettings, linkFor: (s: SourceEntry) => string): FormatOptions {
  const fold = settings.calloutFold === "expanded" ? "+" : settings.calloutFold === "collapsed" ? "-" : "";
  return { fold, citationDateFormat: settings.citationDateFormat, linkFor };
}

export function requestMeta(request: AskRequest, noteContext: boolean): BlockRequestMeta {
  const search = request.search ?? {};
  return {
    ...("preset" in request.choice ? { preset: request.choice.preset } : { model: request.choice.model }),
    ...(search.recency ? { recency: search.recency } : {}),
    ...(search.allowDomains ? { allowDomains: search.allowDomains } : {}),
    ...(search.denyDomains ? { denyDomains: search.denyDomains } : {}),
    ...(search.contextSize ? { contextSize: search.contextSize } : {}),
    ...(request.maxOutputTokens ? { maxOutputTokens: request.maxOutputTokens } : {}),
    noteContext,
  };
}

/** Runs one question end to end. Resolves when the block is written or the failure reported. */
export async function askAndInsert(ctx: AskContext, target: AskTarget): Promise<void> {
  const settings = ctx.settings();
  const { editor, file } = target;
  const noteText = editor.getValue();
  const instructions = [
    settings.customInstructions.trim(),
    settings.noteContext ? noteContextInstructions(file.basename, noteText, target.from) : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  const request = buildAskRequest(target.question, target.options, settings, instructions);
  const taken = new Set(parseBlocks(noteText).map((p) => p.block.blockId));
  const pending: AnswerBlock = {
    blockId: newBlockId(Math.random, (id) => taken.has(id)),
    state: "pending",
    askedAt: ctx.now().toISOString(),
    question: target.question,
    request: requestMeta(request, settings.noteContext),
    sources: [],
    answer: "",
  };
  const options = formatOptions(settings, (s) => ctx.sources.linkFor(s, file));
  // Replace the selection, or insert below the line where the selection ends.
  const replace = settings.insertionMode === "replace" && target.from !== target.to;
  const at = replace ? target.from : endOfLine(noteText, target.to);
  const insertion = planInsertion(noteText, at, replace ? target.to : at, formatBlock(pending, options));
  applyToEditor(editor, () => insertion.change);

  let answer: Answer;
  try {
    answer = await ctx.service.ask(request);
  } catch (error) {
    const partial = keptPartial(error);
    if (!partial) {
      // Put back exactly what the pending block replaced; leave the note alone if the block is gone.
      await applyToNote(ctx.app, file, (text) => settle(text, insertion, pending.blockId, null));
      new Notice(errorMessage(error), 10_000);
      return;
    }
    // The user paid for what arrived: keep it, marked as incomplete.
    answer = partial;
    new Notice(`${errorMessage(error)} The part of the answer that arrived was kept and marked incomplete.`, 10_000);
  }
  try {
    const formatted = await blockText(ctx, answer, pending, file);
    const outcome = await applyToNote(ctx.app, file, (text) => settle(text, insertion, pending.blockId, formatted));
    if (outcome === "unchanged") new Notice("Perplexity's answer arrived after its placeholder was removed from the note, so it was not inserted.");
    if (outcome === "note-missing") new Notice(`Perplexity's answer arrived after "${file.basename}" was deleted, so it was not inserted.`);
  } catch (error) {
    new Notice(`Perplexity answered, but the answer could not be written into "${file.basename}": ${errorMessage(error)}`, 10_000);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof PerplexityError) return error.message;
  return error instanceof Error && error.message ? error.message : "Something went wrong while asking Perplexity.";
}

/** The partial answer of a run that stopped early, with a note saying so, if any text arrived. */
function keptPartial(error: unknown): Answer | null {
  if (!(error instanceof PerplexityError) || !error.partial?.text.trim()) return null;
  if (error.kind === "aborted") return null;
  return { ...error.partial, text: `${error.partial.text.trimEnd()}\n\n${incompleteNote(error.kind)}` };
}

/** The finished block's text: source notes first (so links can point at them), then the block. */
async function blockText(ctx: AskContext, answer: Answer, pending: AnswerBlock, file: TFile): Promise<string> {
  const settings = ctx.settings();
  const build = (linkFor: (s: SourceEntry) => string) =>
    buildAnswerBlock(answer, {
      blockId: pending.blockId,
      askedAt: pending.askedAt,
      question: pending.question,
      request: pending.request,
      idFor: ctx.sources.idResolver(answer.searchResults.map((r) => r.url)),
      linkFor,
    });
  const linkFor = (s: SourceEntry) => ctx.sources.linkFor(s, file);
  let block = build(linkFor);
  if (settings.createSourceNotes && block.sources.some((s) => s.cited)) {
    try {
      await ctx.sources.recordCitations(block, file, ctx.now(), answer.searchResults);
      // Built again so the answer's links point at the notes just made.
      block = build(linkFor);
    } catch (error) {
      new Notice(`Source notes could not be updated (${errorMessage(error)}). The answer links to the sources' web pages instead.`, 10_000);
      block = build((s) => ctx.sources.urlLink(s));
      return formatBlock(block, formatOptions(settings, (s) => ctx.sources.urlLink(s)));
    }
  }
  return formatBlock(block, formatOptions(settings, linkFor));
}

/** Settles the pending block if it is still there and still pending; null leaves the note alone. */
function settle(text: string, insertion: PendingInsertion, blockId: string, answer: string | null): TextChange | null {
  const found = findBlock(text, blockId);
  if (!found || found.block.state !== "pending") return null;
  return settleInsertion(text, found, insertion, answer);
}

export function isMarkdownFile(file: unknown): file is TFile {
  return file instanceof TFile && file.extension === "md";
}
