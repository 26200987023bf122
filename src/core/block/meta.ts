// The metadata comment: the callout's last line, one JSON object, escaped so Obsidian reads nothing in it.
import { hashText } from "../hash";
import { isHiddenCharacter } from "../web-text";
import { parseStaleAfter } from "../staleness";
import { BLOCK_FORMAT_VERSION, isValidBlockId, normalizeRequest, strings } from "./model";
import type { AnswerBlock, BlockRequestMeta } from "./model";

export interface Meta {
  v: number;
  id: string;
  state: AnswerBlock["state"];
  at: string;
  q: string;
  req: BlockRequestMeta;
  by?: string;
  cost?: number;
  rid?: string;
  h?: string;
  fail?: string;
  /** Stale-after override in days; written as a number, read as anything `parseStaleAfter` accepts ("2w"). */
  stale?: number;
  /** Changes: added and dropped cited source IDs. */
  ch?: { a: string[]; d: string[] };
  /** Previous answers in order (their text is in the nested callouts): hash `h` of the text as written. */
  p?: { at: string; by?: string; e?: boolean; h?: string }[];
  /** Threads: the block id this answer follows up, and the thread's first block id (follow-ups only). */
  parent?: string;
  thread?: string;
  /** Background runs: the device that polls the run, and the estimate held against the spending caps. */
  dev?: string;
  est?: number;
  /** Source checks (issue 12): one entry per checked source, by ID, in source order. */
  ck?: { id: string; v: string; on: string; f?: string[]; m?: string[]; r?: string }[];
  /** IDs of cited sources, then of other sources, in order. */
  c: string[];
  o: string[];
  /** What could not be read (fields that were ignored). Never written. */
  issues?: string[];
}

// Characters that could mean something to Obsidian even inside a comment (or end it) are \u-escaped inside
// JSON strings: the line stays valid JSON and never contains "%%", "[[", "#tag", "^id", "`" or "$", nor a raw
// control, direction or invisible character.
const META_ESCAPE = /[%[\]<>#^`$|\u2028\u2029]/;

function metaJson(meta: Meta): string {
  const json = JSON.stringify(meta);
  let out = "";
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === "\\") {
        out += c + json[i + 1]!;
        i++;
        continue;
      }
      if (c === '"') inString = false;
      else if (META_ESCAPE.test(c)) {
        out += "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
        continue;
      } else if (c.charCodeAt(0) >= 0x7f) {
        // Control, direction and invisible characters (web-text.ts) are kept exactly, but escaped: none is written raw.
        const ch = String.fromCodePoint(json.codePointAt(i)!);
        if (isHiddenCharacter(ch)) {
          for (let k = 0; k < ch.length; k++) out += "\\u" + ch.charCodeAt(k).toString(16).padStart(4, "0");
          i += ch.length - 1;
          continue;
        }
        if (ch.length === 2) {
          out += ch;
          i++;
          continue;
        }
      }
    } else if (c === '"') inString = true;
    out += c;
  }
  return out;
}

const META_LINE = /^%% pplx (\{.*\}) %%\s*$/;

export function metaLine(b: AnswerBlock): string {
  const meta: Meta = {
    v: BLOCK_FORMAT_VERSION,
    id: b.blockId,
    state: b.state,
    at: b.askedAt,
    q: b.question,
    req: b.request,
    by: b.answeredBy,
    cost: b.cost,
    rid: b.responseId,
    h: b.answerHash,
    fail: b.failure,
    stale: b.staleAfterDays,
    ch: b.changes === undefined ? undefined : { a: b.changes.added, d: b.changes.dropped },
    p: b.previous?.map((x) => ({ at: x.askedAt, by: x.answeredBy, e: x.edited, h: hashText(x.answer) })),
    parent: b.parent,
    thread: b.thread,
    dev: b.device,
    est: b.estimate,
    c: b.sources.filter((s) => s.cited).map((s) => s.id),
    o: b.sources.filter((s) => !s.cited).map((s) => s.id),
  };
  const checks = b.sources.flatMap((s) => (s.check === undefined ? [] : [{ id: s.id, v: s.check.verdict, on: s.check.on, f: s.check.found, m: s.check.missing, r: s.check.reason }]));
  if (checks.length > 0) meta.ck = checks;
  return `%% pplx ${metaJson(meta)} %%`;
}

export function readMeta(line: string): Meta | null {
  const m = META_LINE.exec(line);
  if (!m) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(m[1]!);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "string" || typeof r.v !== "number") return null;
  const state = r.state === "pending" || r.state === "failed" ? r.state : "answered";
  const meta: Meta = {
    v: r.v,
    id: r.id,
    state,
    at: typeof r.at === "string" ? r.at : "",
    q: typeof r.q === "string" ? r.q : "",
    req: normalizeRequest(typeof r.req === "object" && r.req !== null ? (r.req as BlockRequestMeta) : { noteContext: false }),
    c: strings(r.c),
    o: strings(r.o),
  };
  if (typeof r.by === "string") meta.by = r.by;
  if (typeof r.cost === "number") meta.cost = r.cost;
  if (typeof r.rid === "string") meta.rid = r.rid;
  if (typeof r.h === "string") meta.h = r.h;
  if (typeof r.fail === "string") meta.fail = r.fail;
  if (typeof r.dev === "string" && r.dev !== "") meta.dev = r.dev;
  if (typeof r.est === "number" && Number.isFinite(r.est) && r.est >= 0) meta.est = r.est;
  const issues: string[] = [];
  if (r.stale !== undefined) {
    const days = parseStaleAfter(r.stale);
    if (days === undefined) issues.push(`unreadable stale-after value in the metadata: ${JSON.stringify(r.stale)}`);
    else meta.stale = days;
  }
  if (typeof r.ch === "object" && r.ch !== null) {
    const ch = r.ch as Record<string, unknown>;
    meta.ch = { a: strings(ch.a), d: strings(ch.d) };
  }
  if (Array.isArray(r.p)) {
    meta.p = r.p.map((x: unknown) => {
      const e = (typeof x === "object" && x !== null ? x : {}) as Record<string, unknown>;
      if (typeof e.at !== "string") issues.push("a previous answer without its date in the metadata");
      const entry: NonNullable<Meta["p"]>[number] = { at: typeof e.at === "string" ? e.at : "" };
      if (typeof e.by === "string") entry.by = e.by;
      if (e.e === true) entry.e = true;
      if (typeof e.h === "string") entry.h = e.h;
      return entry;
    });
  }
  readThreadLinks(r, meta, issues);
  if (Array.isArray(r.ck)) {
    meta.ck = r.ck.flatMap((x: unknown) => {
      const e = (typeof x === "object" && x !== null ? x : {}) as Record<string, unknown>;
      if (typeof e.id !== "string" || typeof e.v !== "string" || typeof e.on !== "string") return [];
      const entry: NonNullable<Meta["ck"]>[number] = { id: e.id, v: e.v, on: e.on };
      if (Array.isArray(e.f)) entry.f = strings(e.f);
      if (Array.isArray(e.m)) entry.m = strings(e.m);
      if (typeof e.r === "string") entry.r = e.r;
      return [entry];
    });
  }
  if (issues.length > 0) meta.issues = issues;
  return meta;
}


/** `parent` and `thread` (threads): block ids, or an issue (the block is then damaged and left alone). */
function readThreadLinks(r: Record<string, unknown>, meta: Meta, issues: string[]): void {
  for (const key of ["parent", "thread"] as const) {
    const value = r[key];
    if (value === undefined) continue;
    if (typeof value === "string" && isValidBlockId(value)) meta[key] = value;
    else issues.push(`unreadable ${key} in the metadata: ${JSON.stringify(value)}`);
  }
  if (meta.thread !== undefined && meta.parent === undefined) issues.push("a thread without a parent in the metadata");
}
