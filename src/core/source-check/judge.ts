// From what a fetch returned to a verdict. The fetch itself is the glue's (Node's http/https on desktop,
// Obsidian's requestUrl on mobile); this module only reads its outcome: status, headers, bytes, the redirects
// it followed when it knows them, or the error it ended with.
import { canonicalUrl } from "../source-id";
import { privateHostReason } from "./host-guard";
import type { Claim } from "./claims";
import { decodePage, extractPage, pageKind, parseContentType, type HtmlParser } from "./extract";
import { figureFound, passageFound } from "./match";
import type { SourceCheck, Verdict } from "./verdict";

/** Pages larger than this are not read (the cap). */
export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
/** The page's whole size from a 206 answer's Content-Range ("bytes 0-2097151/3145728" → 3145728). */
export function sizeFromContentRange(header: string | undefined): number | undefined {
  const m = /\/(\d+)\s*$/.exec(header ?? "");
  return m ? Number(m[1]) : undefined;
}

/** With less reading text than this and scripts on the page, the text is built by JavaScript. */
export const MIN_PAGE_TEXT = 200;
/** What the summary calls the quoted passage in found / missing lists. */
export const SNIPPET_LABEL = "the quoted passage";

/** The redirects a fetcher followed itself (desktop); requestUrl hides them (mobile), so its outcomes have none. */
export interface Redirects {
  /** The URL of the page that answered. */
  finalUrl: string;
  /** Where the cited address moved: the end of the 301/308 redirects it starts with. */
  movedTo?: string;
}

export type FetchOutcome =
  | { kind: "response"; status: number; headers: Record<string, string>; body: Uint8Array; redirects?: Redirects }
  | { kind: "timeout"; seconds: number }
  | { kind: "too-large"; bytes?: number }
  | { kind: "error"; message: string }
  | { kind: "refused"; reason: string };

export interface CheckInput {
  /** The cited URL (canonical). */
  url: string;
  /** The search result's snippet, when known. */
  snippet?: string;
  /** The claims of the answer(s) citing the source. */
  claims: Claim[];
  today: string;
  parser: HtmlParser;
}

function result(verdict: Verdict, today: string, extra: Partial<SourceCheck> = {}): SourceCheck {
  return { verdict, on: today, ...extra };
}

/** A canonical URL with the differences that do not make a page "moved" ignored: scheme and "www.". */
function sameAddress(a: string, b: string): boolean {
  const key = (u: string) => (canonicalUrl(u) ?? u).replace(/^https?:\/\/(www\.)?/, "");
  return key(a) === key(b);
}

const BLOCKED = new Set([401, 402, 403, 407, 429, 451]);

export function judge(input: CheckInput, outcome: FetchOutcome): SourceCheck {
  const page = readPage(input, outcome);
  return "check" in page ? page.check : compare(input, page.text, page.moved);
}

/** A page that could be read: its text and, when it names another address, where it moved. */
export interface ReadPage {
  text: string;
  moved?: string;
}

/**
 * The outcome read once per URL: a final verdict (gone, unknown) or the page's text, which `compare` then
 * judges against the claims of each answer citing it.
 */
export function readPage(input: Pick<CheckInput, "url" | "today" | "parser">, outcome: FetchOutcome): ReadPage | { check: SourceCheck } {
  const done = (check: SourceCheck) => ({ check });
  const { today } = input;
  switch (outcome.kind) {
    case "timeout":
      return done(result("unknown", today, { reason: `the site did not answer within ${outcome.seconds} s` }));
    case "too-large":
      return done(result("unknown", today, { reason: "the page is larger than 2 MB" }));
    case "error":
      return done(result("unknown", today, { reason: `the site could not be reached (${outcome.message})` }));
    case "refused":
      return done(result("unknown", today, { reason: outcome.reason }));
    case "response":
      break;
  }
  const { status, headers, body } = outcome;
  if (status === 404 || status === 410) return done(result("gone", today, { reason: `HTTP ${status}` }));
  if (BLOCKED.has(status)) return done(result("unknown", today, { reason: `the site refused the request (HTTP ${status})` }));
  if (status >= 300 && status < 400) return done(result("unknown", today, { reason: `the site redirected without saying where (HTTP ${status})` }));
  if (status < 200 || status >= 300) return done(result("unknown", today, { reason: `the site answered HTTP ${status}` }));
  if (body.byteLength > MAX_PAGE_BYTES) return done(result("unknown", today, { reason: "the page is larger than 2 MB" }));
  const contentType = parseContentType(headers["content-type"]);
  const kind = pageKind(contentType.type);
  if (kind === undefined) return done(result("unknown", today, { reason: `not a web page or plain text (${contentType.type || "no content type"})` }));
  const page = extractPage(decodePage(body, contentType.charset, kind), kind, input.parser);
  if (page.text.length < MIN_PAGE_TEXT && page.scripts > 0) {
    return done(result("unknown", today, { reason: "the page shows its text only by running JavaScript, which a check never does" }));
  }
  // Where the redirects are known, they alone say whether the page moved; where they are not (requestUrl), the
  // page's own canonical link stands in, unless it names a private host (a redirect there was followed blindly).
  const moved = outcome.redirects ? differentAddress(input.url, outcome.redirects.movedTo) : movedTo(input.url, page.canonical);
  return moved === undefined ? { text: page.text } : { text: page.text, moved };
}

/** `url` in canonical form when it is another address than the cited one, else undefined. */
function differentAddress(cited: string, url: string | undefined): string | undefined {
  const normal = url === undefined ? null : canonicalUrl(url);
  return normal !== null && !sameAddress(normal, cited) ? normal : undefined;
}

/** The page's canonical address when it differs from the cited one (only public http(s) URLs count). */
function movedTo(cited: string, canonical: string | undefined): string | undefined {
  if (canonical === undefined) return undefined;
  let resolved: string;
  try {
    resolved = new URL(canonical, cited).href;
  } catch {
    return undefined;
  }
  if (privateHostReason(resolved) !== null && privateHostReason(cited) === null) return undefined;
  return differentAddress(cited, resolved);
}

/** The verdict for a page's text: the snippet and every claimed figure present or not. */
export function compare(input: Pick<CheckInput, "snippet" | "claims" | "today">, text: string, moved?: string): SourceCheck {
  const found: string[] = [];
  const missing: string[] = [];
  if (input.snippet !== undefined && input.snippet.trim() !== "") (passageFound(input.snippet, text) ? found : missing).push(SNIPPET_LABEL);
  const seen = new Set<string>();
  for (const claim of input.claims) {
    for (const figure of claim.figures) {
      if (seen.has(figure.key)) continue;
      seen.add(figure.key);
      (figureFound(figure, text) ? found : missing).push(figure.text);
    }
  }
  const extra: Partial<SourceCheck> = {};
  if (found.length) extra.found = found;
  if (missing.length) extra.missing = missing;
  if (moved !== undefined) return result("moved", input.today, { ...extra, reason: moved });
  if (found.length === 0 && missing.length === 0) {
    return result("unknown", input.today, { reason: "nothing to compare: no quoted passage was recorded and the citing sentences have no figures" });
  }
  return result(missing.length ? "partly" : "supported", input.today, extra);
}

