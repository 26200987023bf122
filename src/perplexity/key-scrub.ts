// The API key must never reach a notice, a note or a log, whatever a server echoes back: an error's message
// or `param`, a failed run's message, `incomplete_details.reason`, the model name, a title, a snippet, the
// answer text. Every string a server supplies passes `scrubKey` with the key of the request before it leaves
// the client (client.ts); streamed text passes `StreamScrubber`, which does the same in linear time overall.
//
// "Any form" means the forms an echo takes by accident: the key as it is, any run of 12 or more of its
// characters (a key cut short, masked as "pplx-abc…wxyz", or without its prefix), percent-encoded, in
// base64 or base64url (a Basic or logged header), and the key split by invisible characters (the text is
// cleaned first: web-text.ts). A server that means to hide the key in a form of its own making (reversed,
// spelled out) can always do so, and already has the key: that is no echo, and no scrubber can find it.
import type { Answer, SearchResult, StreamProgress } from "../core/answer";
import { cleanWebText } from "../core/web-text";

/** What the key becomes wherever it was. */
export const KEY_MARK = "[key]";
/** A run of this many characters of the key counts as the key. */
export const KEY_FRAGMENT = 12;

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The encoded forms of the key (the plain key and its fragments are matched apart). */
function encodedForms(key: string): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    const bare = form.replace(/=+$/, "");
    if (bare.length >= KEY_FRAGMENT && bare !== key) forms.add(bare);
  };
  add(encodeURIComponent(key));
  for (const text of [key, `Bearer ${key}`, `:${key}`]) {
    const b64 = base64(text);
    add(b64);
    add(b64.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...forms];
}

/** A key with its search tables, made once per request. */
export class KeyScrubber {
  readonly key: string;
  private readonly forms: string[];
  /** Aligned blocks of the key: any run of KEY_FRAGMENT of its characters contains one whole. */
  private readonly blocks: { at: number; text: string }[] = [];
  /** The longest text a match can span, for streaming windows. */
  readonly longestMatch: number;

  constructor(key: string) {
    this.key = key.trim();
    this.forms = this.key.length >= 4 ? encodedForms(this.key) : [];
    const size = Math.floor(KEY_FRAGMENT / 2);
    if (this.key.length >= KEY_FRAGMENT) for (let at = 0; at + size <= this.key.length; at += size) this.blocks.push({ at, text: this.key.slice(at, at + size) });
    this.longestMatch = Math.max(this.key.length, ...this.forms.map((f) => f.length + 2));
  }

  /** [from, to) ranges of `text` that are the key in some form, sorted and merged. */
  ranges(text: string): [number, number][] {
    const found: [number, number][] = [];
    const key = this.key;
    if (key.length < 4) return found;
    if (key.length < KEY_FRAGMENT) {
      for (let i = text.indexOf(key); i >= 0; i = text.indexOf(key, i + key.length)) found.push([i, i + key.length]);
    }
    for (const { at, text: block } of this.blocks) {
      for (let i = text.indexOf(block); i >= 0; i = text.indexOf(block, i + 1)) {
        // Grow the match both ways along the key: the longest run of the key through this block.
        let back = 0;
        while (i - back > 0 && at - back > 0 && text.charCodeAt(i - back - 1) === key.charCodeAt(at - back - 1)) back++;
        let ahead = block.length;
        while (i + ahead < text.length && at + ahead < key.length && text.charCodeAt(i + ahead) === key.charCodeAt(at + ahead)) ahead++;
        const from = i - back;
        const to = i + ahead;
        if (to - from >= KEY_FRAGMENT) found.push([from, to]);
      }
    }
    for (const form of this.forms) {
      for (let i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + form.length)) {
        let to = i + form.length;
        while (text[to] === "=") to++;
        found.push([i, to]);
      }
    }
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: [number, number][] = [];
    for (const r of found) {
      const last = merged.at(-1);
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    return merged;
  }

  /** `text` (already cleaned) with every form of the key replaced by KEY_MARK. */
  scrubClean(text: string): string {
    const ranges = this.ranges(text);
    if (ranges.length === 0) return text;
    let out = "";
    let at = 0;
    for (const [from, to] of ranges) {
      out += text.slice(at, from) + KEY_MARK;
      at = to;
    }
    return out + text.slice(at);
  }

  /** `text` cleaned (web-text.ts: so that invisible characters cannot split the key) and the key scrubbed. */
  scrub(text: string): string {
    return this.scrubClean(cleanWebText(text));
  }
}

/** Text from a server, cleaned and with `key` (in any form) replaced; the key may be missing (nothing to scrub). */
export function scrubKey(text: string, key: string | KeyScrubber | undefined): string {
  if (key === undefined) return cleanWebText(text);
  const scrubber = typeof key === "string" ? new KeyScrubber(key) : key;
  return scrubber.scrub(text);
}

/**
 * Whether text may be cut before `raw[at]` and each piece cleaned alone with the same result as the whole: the
 * character there is an ordinary one (no surrogate, control, selector, joiner or other character cleaning
 * judges by its neighbours), no CRLF is split, and no escape sequence may still be open.
 */
function cleanCut(raw: string, at: number): boolean {
  if (at <= 0 || at >= raw.length || raw.charCodeAt(at - 1) === 0x0d) return false;
  const c = raw.charCodeAt(at);
  if (c === 0x200c || c === 0x200d || (c >= 0xd800 && c <= 0xdfff) || cleanWebText(raw[at]!) !== raw[at]) return false;
  for (let i = Math.max(0, at - 64); i < at; i++) {
    const before = raw.charCodeAt(i);
    if (before === 0x1b || before === 0x9b || before === 0x9d) return false;
  }
  return true;
}

/**
 * The scrubbed view of a text that grows by appending (a streamed answer): the same as `scrub` on the whole
 * text, at a cost proportional to what was appended. A prefix is settled (scrubbed once, kept) at a cut no
 * match of the key can cross, once enough text follows the cut to know that.
 */
export class StreamScrubber {
  private settledRaw = 0;
  private settled = "";
  private readonly span: number;

  constructor(private readonly scrubber: KeyScrubber) {
    this.span = Math.max(64, scrubber.longestMatch + 8);
  }

  /** The scrubbed text for `raw`, which extends the raw text of the previous call. */
  view(raw: string): string {
    if (raw.length - this.settledRaw > 16 * this.span) this.settle(raw);
    return this.settled + this.scrubber.scrub(raw.slice(this.settledRaw));
  }

  private settle(raw: string): void {
    const look = 4 * this.span;
    for (let cut = raw.length - look, tries = 0; tries < 64 && cut > this.settledRaw; cut--, tries++) {
      if (!cleanCut(raw, cut)) continue;
      const from = Math.max(this.settledRaw, cut - look);
      const left = cleanWebText(raw.slice(from, cut));
      const right = cleanWebText(raw.slice(cut, cut + look));
      // Enough text on both sides to see any match through the cut (invisible characters may have shrunk it).
      if ((from > this.settledRaw && left.length < this.span) || right.length < this.span) continue;
      if (this.scrubber.ranges(left + right).some(([a, b]) => a < left.length && b > left.length)) continue;
      this.settled += this.scrubber.scrub(raw.slice(this.settledRaw, cut));
      this.settledRaw = cut;
      return;
    }
  }
}

function scrubResult(result: SearchResult, key: KeyScrubber): SearchResult {
  const out: SearchResult = { ...result, url: key.scrub(result.url) };
  for (const field of ["title", "date", "lastUpdated", "snippet", "source"] as const) {
    const value = result[field];
    if (value !== undefined) out[field] = key.scrub(value);
  }
  return out;
}

/** Every string of an answer a server supplied, scrubbed (the text cleaned too). */
export function scrubAnswer(answer: Answer, key: KeyScrubber): Answer {
  return {
    ...answer,
    text: key.scrub(answer.text),
    model: key.scrub(answer.model),
    searchResults: answer.searchResults.map((r) => scrubResult(r, key)),
    searchQueries: answer.searchQueries.map((q) => key.scrub(q)),
  };
}

/** A progress report scrubbed; `text` through the stream's scrubber (linear over the whole stream). */
export function scrubProgress(progress: StreamProgress, key: KeyScrubber, text: StreamScrubber): StreamProgress {
  switch (progress.type) {
    case "created":
    case "waiting":
      return progress;
    case "searching":
      return { type: "searching", queries: progress.queries.map((q) => key.scrub(q)) };
    case "sources":
      return { type: "sources", results: progress.results.map((r) => scrubResult(r, key)) };
    case "text":
      return { type: "text", delta: key.scrub(progress.delta), text: text.view(progress.text) };
  }
}
