// Finding a thread in a long note without reading every block. A full parse hashes every answer (to tell edited
// ones), which costs ~100 ms in a 2 MB note; a thread needs only the metadata lines (each block's id and thread
// links) and the few turns a request sends. Each block read here is read by `parseBlocks` itself, on exactly the
// lines a whole-note parse gives it, so the result is the same; notes with lone CR line ends are parsed whole.
import { parseBlocks, scanBlocks } from "./block";
import type { AnswerBlock, ParsedBlock, UnreadableBlock } from "./block";
import { readMeta } from "./block/meta";

const META_CANDIDATE_RE = /^ {0,3}> ?%% ?pplx .*$/gm;
const QUOTE_PREFIX_RE = /^ {0,3}> ?/;
const QUOTE_RE = /^ {0,3}>/;
const ID_LINE_RE = /^\^pplx-([A-Za-z0-9-]+)\s*$/;

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

interface Line {
  start: number;
  end: number;
}

function lineAt(text: string, start: number): Line {
  const nl = text.indexOf("\n", start);
  return { start, end: nl === -1 ? text.length : nl };
}
/** A line's end as `parseBlocks` counts it: before a CR of a CRLF. */
const endOf = (text: string, l: Line): number => (l.end > l.start && text[l.end - 1] === "\r" ? l.end - 1 : l.end);
const textOf = (text: string, l: Line): string => text.slice(l.start, l.end);
const previousLine = (text: string, l: Line): Line | null =>
  l.start === 0 ? null : { start: l.start < 2 ? 0 : text.lastIndexOf("\n", l.start - 2) + 1, end: l.start - 1 };
const nextLine = (text: string, l: Line): Line | null => (l.end >= text.length ? null : lineAt(text, l.end + 1));

const NON_QUOTE_LINE_RE = /(^|\n)(?! {0,3}>)/g;
const HEADER_LINE_RE = /(^|\n) {0,3}> ?\[!perplexity\]/gi;

/** Where each match's line starts (the regexes match at a line start, after its "\n"). */
function starts(text: string, re: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(re)) out.push(m.index + m[1]!.length);
  return out;
}

/** The first index whose value is at least `value` (the array is sorted). */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The whole-note fallback: every block parsed. */
function fullIndex(text: string): NoteIndex {
  const blocks = parseBlocks(text);
  const byId = new Map<string, ParsedBlock>();
  for (const p of blocks) if (!byId.has(p.block.blockId)) byId.set(p.block.blockId, p);
  const refs: BlockRef[] = blocks.map((p) => ({ block: p.block, from: p.from, to: p.to, end: p.to }));
  return { refs, get: (id) => byId.get(id), parse: (ref) => blocks[refs.indexOf(ref)] };
}

/** Indexes a note's blocks from their metadata lines; blocks are parsed only when asked for. */
export function indexNote(text: string): NoteIndex {
  if (/\r(?!\n)/.test(text)) return fullIndex(text);
  // Readable metadata lines, in order.
  const metas: { line: Line; id: string; parent?: string; thread?: string }[] = [];
  for (const m of text.matchAll(META_CANDIDATE_RE)) {
    // The whole line up to "\n" (a JS multiline `$` also stops before the CR of a CRLF).
    const line = lineAt(text, m.index);
    const meta = readMeta(m[0].replace(QUOTE_PREFIX_RE, ""));
    if (meta) metas.push({ line, id: meta.id, ...(meta.parent === undefined ? {} : { parent: meta.parent }), ...(meta.thread === undefined ? {} : { thread: meta.thread }) });
  }
  // Starts of the lines that are not quote lines, and of callout header lines, in order: one native regex pass
  // each, so that finding a block's quote run costs a binary search instead of a walk over its lines.
  const plain = starts(text, NON_QUOTE_LINE_RE);
  const headers = starts(text, HEADER_LINE_RE);
  const refs: BlockRef[] = [];
  for (let k = 0; k < metas.length; k++) {
    const meta = metas[k]!;
    // The quote run holding the metadata line (between two non-quote lines); the block starts at its first header.
    const before = lowerBound(plain, meta.line.start) - 1;
    const runStart = before < 0 ? 0 : lineAt(text, plain[before]!).end + 1;
    const after = plain[before + 1];
    const last = after === undefined ? lineAt(text, text.lastIndexOf("\n", text.length - 1) + 1) : lineAt(text, text.lastIndexOf("\n", after - 2) + 1);
    const headerAt = headers[lowerBound(headers, runStart)];
    if (headerAt === undefined || headerAt >= meta.line.start) continue; // not inside a block's callout
    const header = lineAt(text, headerAt);
    // A block's metadata is the last readable one of its callout: a later one in the same run wins.
    const later = metas[k + 1];
    if (later && later.line.start <= last.end) continue;
    let to = endOf(text, meta.line);
    let end = endOf(text, last);
    if (last.start === meta.line.start) {
      let after = nextLine(text, last);
      while (after && textOf(text, after).trim() === "") after = nextLine(text, after);
      if (after && ID_LINE_RE.test(textOf(text, after))) to = end = endOf(text, after);
    }
    const block: BlockRef["block"] = { blockId: meta.id };
    if (meta.parent !== undefined) block.parent = meta.parent;
    if (meta.parent !== undefined && meta.thread !== undefined) block.thread = meta.thread;
    refs.push({ block, from: header.start, to, end });
  }
  const byId = new Map<string, BlockRef>();
  for (const r of refs) if (!byId.has(r.block.blockId)) byId.set(r.block.blockId, r);
  const parsed = new Map<BlockRef, ParsedBlock | undefined>();
  const parse = (ref: BlockRef): ParsedBlock | undefined => {
    if (parsed.has(ref)) return parsed.get(ref);
    const one = parseBlocks(text.slice(ref.from, ref.end))[0];
    const out = one === undefined ? undefined : { ...one, from: one.from + ref.from, to: one.to + ref.from };
    parsed.set(ref, out);
    return out;
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
 * The answer block under `offset`, parsed, or the damaged one (`scanBlocks`' unreadable callout) there; read from
 * the metadata lines and the callout around the offset only, so that a command's availability check stays cheap
 * in a long note.
 */
export function blockAtOffset(text: string, offset: number): { parsed?: ParsedBlock; unreadable?: UnreadableBlock } {
  if (/\r(?!\n)/.test(text)) {
    const scan = scanBlocks(text);
    const parsed = scan.blocks.find((p) => p.from <= offset && offset <= p.to);
    if (parsed) return { parsed };
    const unreadable = scan.unreadable.find((u) => u.from <= offset && offset <= u.to);
    return unreadable ? { unreadable } : {};
  }
  const index = indexNote(text);
  const ref = index.refs.find((r) => r.from <= offset && offset <= r.to);
  if (ref) {
    const parsed = index.parse(ref);
    return parsed ? { parsed } : {};
  }
  // A damaged block: the callout around the offset (or just above a `^pplx-` line under the cursor), read alone.
  let line: Line | null = lineAt(text, text.lastIndexOf("\n", offset - 1) + 1);
  while (line && !QUOTE_RE.test(textOf(text, line))) {
    if (textOf(text, line).trim() !== "" && !ID_LINE_RE.test(textOf(text, line))) return {};
    line = previousLine(text, line);
  }
  if (!line) return {};
  let first = line;
  for (let prev = previousLine(text, first); prev && QUOTE_RE.test(textOf(text, prev)); prev = previousLine(text, prev)) first = prev;
  let end = line;
  for (let next = nextLine(text, end); next && (QUOTE_RE.test(textOf(text, next)) || textOf(text, next).trim() === ""); next = nextLine(text, next)) end = next;
  const idLine = nextLine(text, end);
  const to = idLine && ID_LINE_RE.test(textOf(text, idLine)) ? idLine.end : end.end;
  const unreadable = scanBlocks(text.slice(first.start, to)).unreadable
    .map((u) => ({ ...u, from: u.from + first.start, to: u.to + first.start }))
    .find((u) => u.from <= offset && offset <= u.to);
  return unreadable ? { unreadable } : {};
}
