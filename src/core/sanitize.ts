// Making answer text from the web safe to write into the user's vault, and escaping search-result text.
//
// Two layers. `containAnswer` is structural and minimal: whatever the text, it cannot hide or swallow the
// block's metadata (`%%`), forge a block id (`^id`), end the answer section early or fake a block header.
// The block formatter applies it to every answer, and it is idempotent. `sanitizeAnswer` is the content
// policy for text that came from Perplexity: no raw HTML, no executable code blocks, no dangerous links, no
// remote images; it ends with `containAnswer`.
//
// Code must stay readable, so escaping depends on where text is (see markdown-scan.ts). Inside code that is
// certainly code nothing is escaped except Templater tags. Where fence pairing is ambiguous (indented or
// nested fences) text might be code or not, so it is defanged with an invisible U+200B that breaks the
// syntax in Markdown and shows the same in code.
import { codeSpanEnd, matchFence, mathEnd, scanFences, type FenceLine } from "./markdown-scan";
import { containAnswer, RESERVED_LINES } from "./block/contain";
export { containAnswer, RESERVED_LINES } from "./block/contain";

/** Zero-width space: breaks a syntax without changing what the reader sees. */
export const ZWSP = "\u200b";

/** Fence languages that some plugin executes or renders as a live query: the fence becomes `text`. */
export const EXECUTABLE_FENCE_LANGUAGES: readonly string[] = [
  "dataview", "dataviewjs", "dv", "dvjs", "datacore", "datacorejs", "datacorejsx", "datacorets", "datacoretsx",
  "js-engine", "js-engine-debug", "javascript", "js", "mjs", "cjs", "jsx", "templater", "tasks", "query",
  "base", "bases", "button", "buttons", "meta-bind", "meta-bind-js-view", "meta-bind-button", "meta-bind-embed",
  "customjs", "chart", "tracker", "sqlseal", "kanban", "excalidraw", "dataviewx",
];
/** Fence language prefixes of the same kind (`run-python` runs on render, `ad-*` renders nested Markdown). */
export const EXECUTABLE_FENCE_PREFIXES: readonly string[] = ["run-", "ad-", "jsx:", "meta-bind", "datacore", "dataview", "js-engine"];
/** Inline code that a plugin evaluates: Dataview (`= expr`, `$= js`), Meta Bind (`INPUT[...]`, `VIEW[...]`, `BUTTON[...]`). */
export const INLINE_EXEC_PREFIXES: readonly string[] = ["=", "$=", "INPUT[", "VIEW[", "BUTTON[", "INPUT ", "VIEW "];
/** The only link schemes kept; relative links (no scheme) are kept too. */
export const SAFE_LINK_SCHEMES: readonly string[] = ["http", "https", "mailto"];
/** Schemes defanged even in plain text, in case a link form was not recognised. */
export const DANGEROUS_SCHEMES: readonly string[] = ["javascript", "vbscript", "data", "file", "obsidian", "livescript"];

const EXECUTABLE = new Set(EXECUTABLE_FENCE_LANGUAGES);

export function isExecutableLanguage(info: string): boolean {
  const lang = (info.trim().split(/[\s{},]+/).find((w) => w !== "") ?? "").replace(/^\./, "").toLowerCase();
  if (lang === "") return false;
  return EXECUTABLE.has(lang) || EXECUTABLE_FENCE_PREFIXES.some((p) => lang.startsWith(p));
}

function normalizeNewlines(s: string): string {
  return s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
}

// ---------------------------------------------------------------------------------------------------------
// Containment

const BLOCK_ID_AT_END = /(^|\s)\^([A-Za-z0-9-]+\s*)$/;
const HEADER_LOOKALIKE = /^(\s*)\[!perplexity/i;

/** Breaks `%%` comments and a block id at the end of a line, invisibly. */
export function defangStructure(line: string): string {
  let out = line.includes("%%") ? line.replace(/%(?=%)/g, "%" + ZWSP) : line;
  if (out.includes("^")) out = out.replace(BLOCK_ID_AT_END, (_m, pre: string, rest: string) => `${pre}${ZWSP}^${rest}`);
  return out;
}

/** Web text's lines: `%%` and block ids broken outside code, no line reads as a sources heading or a block header. */
function defangLines(text: string): string {
  const scan = scanFences(text);
  return scan.lines
    .map((line) => {
      let t = line.text;
      if (line.kind !== "code" || scan.ambiguous) t = defangStructure(t);
      if (RESERVED_LINES.includes(t)) t += ZWSP;
      if (HEADER_LOOKALIKE.test(t)) t = t.replace(HEADER_LOOKALIKE, (_m, sp: string) => `${sp}${ZWSP}[!perplexity`);
      return t;
    })
    .join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Content policy

function neutralizeFenceLine(line: string, f: FenceLine): string {
  return isExecutableLanguage(f.info) ? `${f.prefix}${f.fence}text` : line;
}

function defangTemplater(s: string): string {
  return s.includes("<%") ? s.replace(/<%/g, "<" + ZWSP + "%") : s;
}

const INLINE_EXEC_RE = /(`+)([ \t]*)(=|\$=|INPUT\[|VIEW\[|BUTTON\[|INPUT |VIEW )/g;

/** Text that may or may not be code: break every dangerous syntax invisibly. */
function defangProbableCode(line: string): string {
  let t = line.replace(/<(?=[A-Za-z/!?%])/g, "<" + ZWSP);
  t = t.replace(/\]\(/g, "]" + ZWSP + "(").replace(/!\[/g, "!" + ZWSP + "[");
  t = t.replace(/^(\s*(?:>\s*)*)\[([^\]]*)\]:/, (_m, pre: string, label: string) => `${pre}[${label}]${ZWSP}:`);
  t = t.replace(INLINE_EXEC_RE, (_m, ticks: string, sp: string, p: string) => `${ticks}${ZWSP}${sp}${p}`);
  return defangSchemes(t);
}

const NAMED_ENTITIES: Record<string, string> = { colon: ":", tab: "\t", newline: "\n", sol: "/", period: ".", lpar: "(", rpar: ")" };

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);?/g, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

// A scheme-like token (letters or entities) followed by a colon, possibly entity-encoded.
const SCHEME_TOKEN = /((?:[A-Za-z0-9+.-]|&#?[A-Za-z0-9]+;?)+)(\s*(?::|&colon;?|&#0*58;?|&#[xX]0*3[aA];?))/g;

/** Breaks `javascript:` and friends wherever they appear in text (the backup for unrecognised link forms). */
function defangSchemes(s: string): string {
  if (!s.includes(":") && !s.includes("&")) return s;
  return s.replace(SCHEME_TOKEN, (m, token: string, colon: string) => {
    const scheme = decodeEntities(token).replace(/[^A-Za-z0-9+.-]/g, "").toLowerCase();
    return DANGEROUS_SCHEMES.includes(scheme) ? `${token}${ZWSP}${colon}` : m;
  });
}

/** Whether a link destination (as written in Markdown) is http(s), mailto or relative. */
export function isSafeDestination(raw: string): boolean {
  let d = raw.replace(/\\([!-/:-@[-`{-~])/g, "$1");
  d = decodeEntities(d);
  // Browsers drop leading C0 controls and spaces and every tab and newline before reading a scheme.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  d = d.replace(/[\u0000-\u0020\u007f]+/g, "");
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(d);
  if (m) return SAFE_LINK_SCHEMES.includes(m[1]!.toLowerCase());
  const head = d.split(/[/?#]/, 1)[0] ?? "";
  // An undecoded entity or a colon before the first "/" could still turn into a scheme somewhere.
  return !head.includes("&") && !head.includes(":");
}

interface ParsedLink {
  textStart: number;
  textEnd: number;
  /** Destination as written (without angle brackets). */
  dest: string;
  /** Offset just past the closing ")". */
  end: number;
}

/** Matching "]" for a "[" at `at` (nested brackets, escapes and code spans skipped), or -1. */
function closingBracket(s: string, at: number): number {
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "`") {
      const end = codeSpanEnd(s, i);
      if (end !== -1) i = end - 1;
      else while (s[i + 1] === "`") i++;
    } else if (c === "[") depth++;
    else if (c === "]") {
      depth--;
      if (depth === 0) return i;
    } else if (c === "\n" && s[i + 1] === "\n") return -1;
  }
  return -1;
}

/** An inline link or image body `[text](dest "title")` starting at `at`, CommonMark-like, or null. */
function parseInlineLink(s: string, at: number): ParsedLink | null {
  const close = closingBracket(s, at);
  if (close === -1 || s[close + 1] !== "(") return null;
  let i = close + 2;
  while (s[i] === " " || s[i] === "\t") i++;
  if (s[i] === "\n") i++;
  while (s[i] === " " || s[i] === "\t") i++;
  let dest: string;
  if (s[i] === "<") {
    const start = i + 1;
    for (i = start; i < s.length && s[i] !== ">"; i++) {
      if (s[i] === "\n" || s[i] === "<") return null;
      if (s[i] === "\\") i++;
    }
    if (i >= s.length) return null;
    dest = s.slice(start, i);
    i++;
  } else {
    const start = i;
    let depth = 0;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === "\\") {
        i++;
        continue;
      }
      if (c <= " ") break;
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) break;
        depth--;
      }
    }
    dest = s.slice(start, i);
  }
  while (s[i] === " " || s[i] === "\t" || s[i] === "\n") i++;
  const q = s[i];
  if (q === '"' || q === "'" || q === "(") {
    const endQ = q === "(" ? ")" : q;
    for (i++; i < s.length && s[i] !== endQ; i++) if (s[i] === "\\") i++;
    if (i >= s.length) return null;
    i++;
    while (s[i] === " " || s[i] === "\t" || s[i] === "\n") i++;
  }
  if (s[i] !== ")") return null;
  return { textStart: at + 1, textEnd: close, dest, end: i + 1 };
}

const AUTOLINK = /<(?:https?|mailto):[^\s<>]*>/iy;

function sanitizeCodeSpan(span: string): string {
  let t = defangTemplater(span);
  INLINE_EXEC_RE.lastIndex = 0;
  const m = /^(`+)([ \t]*)(=|\$=|INPUT\[|VIEW\[|BUTTON\[|INPUT |VIEW )/.exec(t);
  if (m) t = m[1] + ZWSP + t.slice(m[1]!.length);
  return t;
}

function sanitizeMath(math: string): string {
  // TeX ignores the space, and "< x" is no HTML tag.
  return defangTemplater(math.replace(/<(?=[A-Za-z/!?%])/g, "< "));
}

/** Content policy for free Markdown text (no fenced code inside). */
function sanitizeInline(s: string): string {
  let out = "";
  let plain = "";
  const flush = (): void => {
    out += defangSchemes(plain);
    plain = "";
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) {
      plain += s.slice(i, i + 2);
      i += 2;
    } else if (c === "`") {
      const end = codeSpanEnd(s, i);
      if (end === -1) {
        let j = i;
        while (s[j] === "`") j++;
        plain += s.slice(i, j);
        i = j;
      } else {
        flush();
        out += sanitizeCodeSpan(s.slice(i, end));
        i = end;
      }
    } else if (c === "$") {
      const end = mathEnd(s, i);
      if (end !== -1) {
        flush();
        out += sanitizeMath(s.slice(i, end));
        i = end;
      } else {
        const n = s[i + 1] === "$" ? 2 : 1;
        plain += s.slice(i, i + n);
        i += n;
      }
    } else if (c === "<") {
      AUTOLINK.lastIndex = i;
      const auto = AUTOLINK.exec(s);
      if (auto) {
        plain += auto[0];
        i += auto[0].length;
      } else {
        plain += /[A-Za-z/!?%]/.test(s[i + 1] ?? "") ? "&lt;" : "<";
        i++;
      }
    } else if (c === "%" && s[i + 1] === "%") {
      plain += "&#37;";
      i++;
    } else if (c === "!" && s[i + 1] === "[") {
      if (s[i + 2] === "[") {
        // An embed (![[note]], ![[image.png]]) becomes its text: nothing is loaded or transcluded.
        const close = s.indexOf("]]", i + 3);
        const inner = close === -1 ? "" : s.slice(i + 3, close);
        if (close !== -1 && !inner.includes("\n")) {
          const bar = inner.indexOf("|");
          plain += escapeLinkText(bar === -1 ? inner : inner.slice(bar + 1));
          i = close + 2;
          continue;
        }
      }
      // An image (inline or by reference) loses its "!" and becomes a link; anything else keeps it.
      const close = closingBracket(s, i + 1);
      const next = close === -1 ? undefined : s[close + 1];
      if (next !== "(" && next !== "[") plain += "!";
      i++;
    } else if (c === "[") {
      const link = parseInlineLink(s, i);
      if (link === null) {
        plain += c;
        i++;
        continue;
      }
      flush();
      const text = sanitizeInline(s.slice(link.textStart, link.textEnd));
      if (isSafeDestination(link.dest)) {
        const rest = s.slice(link.textEnd, link.end).replace(/%(?=%)/g, "%25").replace(/<(?=[A-Za-z/!?%])/g, "%3C");
        out += `[${text}${rest}`;
      } else out += text;
      i = link.end;
    } else {
      plain += c;
      i++;
    }
  }
  flush();
  return out;
}

const REF_DEFINITION = /^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*)\[(?!\^)([^\]\n]*)\]:/;

/**
 * The content policy for answer text from Perplexity (see the module comment): executable fences become
 * `text`; raw HTML shows as text (`<` escaped); links other than http(s), mailto and relative keep only their
 * text; images become links and embeds become text; reference definitions are disabled (so no reference
 * image can load); plugin-evaluated inline code and Templater tags are broken; then `containAnswer`.
 */
export function sanitizeAnswer(text: string): string {
  const src = normalizeNewlines(text);
  const scan = scanFences(src);
  const out: string[] = [];
  let chunk: string[] = [];
  const flushChunk = (): void => {
    if (chunk.length === 0) return;
    out.push(...sanitizeInline(chunk.join("\n")).split("\n"));
    chunk = [];
  };
  for (const line of scan.lines) {
    const f = matchFence(line.text);
    if (line.kind === "text") {
      chunk.push(line.text.replace(REF_DEFINITION, (_m, pre: string, label: string) => `${pre}\\[${label}]:`));
      continue;
    }
    flushChunk();
    let t = f ? neutralizeFenceLine(line.text, f) : line.text;
    t = line.kind === "code" && !scan.ambiguous ? defangTemplater(t) : defangTemplater(defangProbableCode(t));
    out.push(t);
  }
  flushChunk();
  return containAnswer(defangLines(out.join("\n")));
}

// ---------------------------------------------------------------------------------------------------------
// Escaping search-result text (titles, URLs) and other one-line display text

// Inside link text "[" and "]" are escaped, so "](" and "![" cannot form; "%" is escaped so "%%" cannot either.
const TEXT_SPECIALS = /[\\`*_[\]<#$%]/g;

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

/** Text shown literally inside Markdown link text or a line: newlines become spaces, syntax is backslash-escaped. */
export function escapeLinkText(s: string): string {
  return oneLine(s).replace(TEXT_SPECIALS, "\\$&");
}

/** Inverse of `escapeLinkText` for text without newlines. */
export function unescapeLinkText(s: string): string {
  return s.replace(/\\([\\`*_[\]<#$%])/g, "$1");
}

/** One-line text shown literally (questions, model names, failures); not meant to be parsed back. */
export function escapeDisplayText(s: string): string {
  return defangStructure(oneLine(s).replace(/[\\`*_[\]<#$]/g, "\\$&"));
}

/** A URL made safe to write: whitespace (any Unicode space) and controls percent-encoded, a "%" that starts no escape becomes "%25". */
export function safeUrl(url: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  return url.replace(/%(?![0-9A-Fa-f]{2})/g, "%25").replace(/[\s\u0000-\u001f\u007f-\u009f]/g, (c) => encodeURIComponent(c));
}

const URL_SPECIALS = /[\\()<>[\]`$&]/g;

/** A URL as a Markdown link destination: `safeUrl`, then characters with inline meaning backslash-escaped. */
export function escapeLinkUrl(url: string): string {
  return safeUrl(url).replace(URL_SPECIALS, "\\$&");
}

/** Inverse of `escapeLinkUrl` for URLs already passed through `safeUrl`. */
export function unescapeLinkUrl(s: string): string {
  return s.replace(/\\([\\()<>[\]`$&])/g, "$1");
}

/** Text for a wikilink alias (`[[target|alias]]`), where backslash escapes do not work. */
export function escapeWikilinkAlias(s: string): string {
  return oneLine(s).replace(/\[/g, "(").replace(/\]/g, ")").replace(/\|/g, "¦").replace(/%%/g, "%").replace(/#/g, "＃");
}
