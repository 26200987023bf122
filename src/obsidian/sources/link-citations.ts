// "Link citations in this note": creates or repairs the source notes of every answer block in
// the note (blocks pasted from elsewhere, or written while source notes were off) and points the
// blocks' citation links at them. Each block is written only if it is still exactly as read.
import { Notice } from "obsidian";
import type { Editor, TFile } from "obsidian";
import { BLOCK_ID_PREFIX, findBlock, formatBlock, hashText, parseBlocks } from "../../core/block";
import type { AnswerBlock, SourceEntry } from "../../core/block";
import { relinkCitations } from "../../core/citations";
import { sourceNotesCapMessage } from "../../core/source-note";
import type { RefreshContext } from "../refresh/refresh-flow";
import { formatOptions } from "../ask/ask-flow";
import { errorMessage } from "../ask/answer-block";
import { plural } from "../../core/plural";
import { applyToNote, currentText } from "../editing/note-writer";

export interface LinkReport {
  blocks: number;
  sources: number;
  changed: number;
  skipped: number;
  /** Source notes made (missing ones included: a deleted source note is made again). */
  created: number;
}

/** `editor`: the editor the command ran in (a Canvas card or popover is no markdown tab), used while it holds the blocks. */
export async function linkCitationsInNote(ctx: RefreshContext, file: TFile, editor?: Editor): Promise<LinkReport> {
  const settings = ctx.settings();
  const originFor = (blockId: string) => (editor ? { editor, mark: `^${BLOCK_ID_PREFIX}${blockId}` } : undefined);
  const firstId = editor ? parseBlocks(editor.getValue())[0]?.block.blockId : undefined;
  const text = await currentText(ctx.app, file, firstId ? originFor(firstId) : undefined);
  const report: LinkReport = { blocks: 0, sources: 0, changed: 0, skipped: 0, created: 0 };
  for (const parsed of parseBlocks(text)) {
    if (parsed.block.state !== "answered" || parsed.problems.length) {
      report.skipped++;
      continue;
    }
    const before = text.slice(parsed.from, parsed.to);
    const old = parsed.block;
    const idFor = ctx.sources.idResolver(old.sources.map((s) => s.url));
    const sources: SourceEntry[] = old.sources.map((s) => ({ ...s, id: idFor(s.url) ?? s.id }));
    const relinked: AnswerBlock = { ...old, sources };
    if (settings.createSourceNotes) {
      const notes = await ctx.sources.recordCitations(relinked, file, ctx.now());
      report.created += notes.created;
      if (notes.left > 0) new Notice(sourceNotesCapMessage(notes.noted, notes.left), 15_000);
    }
    const linkFor = (s: SourceEntry) => ctx.sources.linkFor(s, file);
    const answer = relinkCitations(
      old.answer,
      old.sources.map((s, i) => ({ oldId: s.id, source: sources[i] ?? s })),
      linkFor,
    );
    // An answer the user had edited stays marked as edited; otherwise the new links are "as written".
    const block: AnswerBlock = { ...relinked, answer, answerHash: parsed.edited ? old.answerHash : hashText(answer) };
    const formatted = formatBlock(block, formatOptions(settings, linkFor));
    report.blocks++;
    report.sources += sources.filter((s) => s.cited).length;
    if (formatted === before) continue;
    const outcome = await applyToNote(
      ctx.app,
      file,
      (current) => {
        const now = findBlock(current, old.blockId);
        return now && current.slice(now.from, now.to) === before ? { from: now.from, to: now.to, text: formatted } : null;
      },
      originFor(old.blockId),
    );
    if (outcome === "written") report.changed++;
    else report.skipped++;
  }
  return report;
}

export async function linkCitationsWithNotice(ctx: RefreshContext, file: TFile, editor?: Editor): Promise<void> {
  try {
    const r = await linkCitationsInNote(ctx, file, editor);
    if (!r.blocks && !r.skipped) {
      new Notice(`No Perplexity answers in "${file.basename}".`);
      return;
    }
    const skipped = r.skipped ? ` ${r.skipped} skipped (pending, failed, damaged or changed meanwhile).` : "";
    const made = r.created ? `, ${plural(r.created, "source note")} made` : "";
    const rewritten = r.changed ? `${plural(r.changed, "answer")} rewritten with the links` : "no answer needed new links";
    new Notice(`Linked ${plural(r.sources, "cited source")} in ${plural(r.blocks, "answer")}${made}; ${rewritten}.${skipped}`);
  } catch (error) {
    new Notice(`Citations could not be linked: ${errorMessage(error)}`, 10_000);
  }
}
