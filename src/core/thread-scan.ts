// Finding a thread in a long note without reading every block: a full read hashes every answer (to tell edited
// ones), which a thread does not need. The note's structure says where the answer callouts are; each block's
// metadata comment gives its id and thread links, and only the few blocks a request sends are read in full, by
// the same reader `parseBlocks` uses, so the result is the same.
import { readRegion } from "./block/parse";
import { answerRegions, regionMeta } from "./block/regions";
import type { AnswerRegion } from "./block/regions";
import type { AnswerBlock, ParsedBlock, UnreadableBlock } from "./block";
import { lineEnd, noteStructure } from "./markdown";

/** A block as its metadata line names it: id and thread links, and where the block ends. */
export interface BlockRef {
  block: Pick<AnswerBlock, "blockId" | "parent" | "thread">;
  /** Offset of the callout's first line. */
  from: number;
  /** As `ParsedBlock.to`: just past the `^pplx-` line, or past the metadata line. */
  to: number;
  /** Where the lines a whole-note parse reads for this block end (past `to` when text follows the metadata). */
  end: number;
}

export interface NoteIndex {
  /** Every block, in note order (without parsing answers). */
  refs: BlockRef[];
  /** The first block with this id, parsed in full; undefined when there is none. */
  get(blockId: string): ParsedBlock | undefined;
  /** The block of one of `refs`, parsed in full. */
  parse(ref: BlockRef): ParsedBlock | undefined;
}

/** Indexes a note's blocks from their metadata comments; blocks are read in full only when asked for. */
export function indexNote(text: string): NoteIndex {
  const structure = noteStructure(text);
  const { lineStarts } = structure;
  const refs: BlockRef[] = [];
  const regionOf = new Map<BlockRef, AnswerRegion>();
  for (const region of answerRegions(text, structure)) {
    const found = regionMeta(text, lineStarts, region);
    if (!found) continue;
    const { meta, line } = found;
    const block: BlockRef["block"] = { blockId: meta.id };
    if (meta.parent !== undefined) block.parent = meta.parent;
    if (meta.parent !== undefined && meta.thread !== undefined) block.thread = meta.thread;
    const last = line === region.quoteEndLine - 1;
    const ref: BlockRef = { block, from: region.from, to: last && region.idLine ? region.idLine.to : lineEnd(text, lineStarts, line), end: region.to };
    refs.push(ref);
    regionOf.set(ref, region);
  }
  const byId = new Map<string, BlockRef>();
  for (const r of refs) if (!byId.has(r.block.blockId)) byId.set(r.block.blockId, r);
  const parsed = new Map<BlockRef, ParsedBlock | undefined>();
  const parse = (ref: BlockRef): ParsedBlock | undefined => {
    if (!parsed.has(ref)) {
      const region = regionOf.get(ref);
      parsed.set(ref, region === undefined ? undefined : readRegion(text, lineStarts, region).parsed);
    }
    return parsed.get(ref);
  };
  return {
    refs,
    get(id) {
      const ref = byId.get(id);
      return ref === undefined ? undefined : parse(ref);
    },
    parse,
  };
}

/**
 * The answer block under `offset`, read in full, or the damaged one (`scanBlocks`' unreadable callout) there; only
 * the callout around the offset is read, so that a command's availability check stays cheap in a long note.
 */
export function blockAtOffset(text: string, offset: number): { parsed?: ParsedBlock; unreadable?: UnreadableBlock } {
  const structure = noteStructure(text);
  for (const region of answerRegions(text, structure)) {
    if (region.from > offset || offset > region.to) continue;
    const read = readRegion(text, structure.lineStarts, region);
    if (read.parsed && read.parsed.from <= offset && offset <= read.parsed.to) return { parsed: read.parsed };
    if (read.unreadable && read.unreadable.from <= offset && offset <= read.unreadable.to) return { unreadable: read.unreadable };
  }
  return {};
}
