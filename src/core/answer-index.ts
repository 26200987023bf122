// The answers of the whole vault, one row per answer block, kept note by note so that a changed note costs
// one parse of that note (never a rescan of the vault). The answers view lists and filters these rows.
import type { Meta } from "./block/meta";
import { answerRegions, regionMeta } from "./block/regions";
import { readStructure } from "./markdown";
import { describeChecks, VERDICTS } from "./source-check/verdict";
import type { Verdict } from "./source-check/verdict";
import { isStale, parseAskedAt } from "./staleness";

export interface AnswerRow {
  path: string;
  blockId: string;
  question: string;
  askedAt: string;
  /** `askedAt` in ms (0 when unreadable), for sorting. */
  at: number;
  state: "pending" | "answered" | "failed";
  /** The preset or model asked for, and the model that answered ("fast · openai/gpt-6-luna"). */
  model: string;
  cost?: number;
  /** Sources listed, and how many of them the answer cites. */
  sources: number;
  cited: number;
  profile?: string;
  staleAfterDays?: number;
  /** The block's source-check summary ("Sources checked 2026-12-01: 3 supported, 1 gone"), when checked. */
  checks?: string;
  /** The run id (`rid`): with `device` on a pending row, a run going on at Perplexity in the background. */
  responseId?: string;
  /** The device that polls a background run (core/background.ts), and the estimate it holds against the caps. */
  device?: string;
  estimate?: number;
}

export type Staleness = "all" | "stale" | "fresh";

export interface AnswerFilter {
  /** Words that must all appear in the question or the note's path (case-insensitive). */
  text?: string;
  /** Only notes in this folder or below ("" or undefined: everywhere). */
  folder?: string;
  staleness?: Staleness;
  /** Only answers asked with this profile; "" for answers asked without one. Undefined: any. */
  profile?: string;
}

/** The metadata of each answer block of a note, in note order. */
function metadataOf(text: string): Meta[] {
  // Each note is read once here (a vault at a time): not remembered.
  const structure = readStructure(text);
  return answerRegions(text, structure).flatMap((region) => regionMeta(text, structure.lineStarts, region)?.meta ?? []);
}

/**
 * The rows of one note's answer blocks, in note order, read from their metadata alone: everything the view shows
 * is there, and reading every answer in full would make the first build of a large vault slow. Only real answers
 * count: a block quoted in code, a comment or another callout is an example.
 */
export function rowsOf(path: string, text: string): AnswerRow[] {
  if (!text.includes("%% pplx ")) return [];
  const rows: AnswerRow[] = [];
  for (const meta of metadataOf(text)) {
    const asked = meta.req.preset ?? meta.req.model ?? "?";
    const row: AnswerRow = {
      path,
      blockId: meta.id,
      question: meta.q,
      askedAt: meta.at,
      at: parseAskedAt(meta.at) ?? 0,
      state: meta.state,
      model: meta.by && meta.by !== asked ? `${asked} · ${meta.by}` : asked,
      sources: meta.c.length + meta.o.length,
      cited: meta.c.length,
    };
    if (meta.cost !== undefined) row.cost = meta.cost;
    if (meta.req.profile !== undefined) row.profile = meta.req.profile;
    if (meta.stale !== undefined) row.staleAfterDays = meta.stale;
    const checked = (meta.ck ?? []).flatMap((c) => ((VERDICTS as readonly string[]).includes(c.v) ? [{ verdict: c.v as Verdict, on: c.on }] : []));
    const checks = describeChecks(checked);
    if (checks !== null) row.checks = checks;
    if (meta.rid !== undefined) row.responseId = meta.rid;
    if (meta.dev !== undefined) row.device = meta.dev;
    if (meta.est !== undefined) row.estimate = meta.est;
    rows.push(row);
  }
  return rows;
}

interface NoteEntry {
  rows: AnswerRow[];
  /** The note's `perplexity-stale-after` property, as read. */
  staleProperty: unknown;
}

export class AnswerIndex {
  private readonly notes = new Map<string, NoteEntry>();
  private count = 0;

  /** Replaces what is known of one note (from its current text). */
  setNote(path: string, text: string, staleProperty?: unknown): void {
    const rows = rowsOf(path, text);
    this.count -= this.notes.get(path)?.rows.length ?? 0;
    if (rows.length) {
      this.notes.set(path, { rows, staleProperty });
      this.count += rows.length;
    } else this.notes.delete(path);
  }

  /** Whether the note holds answers as last read. */
  hasNote(path: string): boolean {
    return this.notes.has(path);
  }

  removeNote(path: string): void {
    this.count -= this.notes.get(path)?.rows.length ?? 0;
    this.notes.delete(path);
  }

  renameNote(from: string, to: string): void {
    const entry = this.notes.get(from);
    if (!entry) return;
    this.notes.delete(from);
    for (const row of entry.rows) row.path = to;
    this.notes.set(to, entry);
  }

  get size(): number {
    return this.count;
  }

  /** Every profile name seen, for the filter. */
  profiles(): string[] {
    const names = new Set<string>();
    for (const entry of this.notes.values()) for (const row of entry.rows) if (row.profile) names.add(row.profile);
    return [...names].sort();
  }

  isStale(row: AnswerRow, now: number, defaultDays: number): boolean {
    return row.state === "answered" && isStale(row, now, this.notes.get(row.path)?.staleProperty, defaultDays);
  }

  /** The rows the filter lets through, newest first. */
  query(filter: AnswerFilter, now: number, defaultDays: number): AnswerRow[] {
    const words = (filter.text ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    const folder = (filter.folder ?? "").replace(/^\/+|\/+$/g, "");
    const out: AnswerRow[] = [];
    for (const [path, entry] of this.notes) {
      if (folder && !path.startsWith(`${folder}/`)) continue;
      for (const row of entry.rows) {
        if (filter.profile !== undefined && (row.profile ?? "") !== filter.profile) continue;
        if (words.length) {
          const hay = `${row.question}\n${path}`.toLowerCase();
          if (!words.every((w) => hay.includes(w))) continue;
        }
        if (filter.staleness && filter.staleness !== "all") {
          const stale = isStale(row, now, entry.staleProperty, defaultDays);
          if ((filter.staleness === "stale") !== stale) continue;
        }
        out.push(row);
      }
    }
    return out.sort((a, b) => b.at - a.at);
  }
}

/** "3 d", "5 mo": how long ago an answer was asked. */
export function formatAge(askedAt: string, now: number): string {
  const at = parseAskedAt(askedAt);
  if (at === undefined) return "?";
  const days = Math.max(0, (now - at) / 86_400_000);
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} h`;
  if (days < 60) return `${Math.round(days)} d`;
  if (days < 730) return `${Math.round(days / 30.44)} mo`;
  return `${Math.round(days / 365.25)} y`;
}
