// Web text (answers, and search-result titles and snippets) is untrusted: a page Perplexity read can steer what the
// model writes. So it is parsed with the one Markdown parser (src/core/markdown) and written back through an
// allowlist: paragraphs, emphasis and strikethrough, lists, tables, blockquotes, inline and fenced code (an inert
// language, or `text`), http(s) links, and Perplexity's citation markers. Everything else (raw HTML, images and
// embeds, wikilinks, tags, comments, math, footnotes, task boxes, Dataview fields, callouts, headings' outline
// entries...) is written as escaped text that reads as the characters the model wrote (escape.ts). Headings become
// bold paragraphs: inside an answer they would join the note's outline, its heading links and Dataview's sections,
// which belong to the user. Each token is written once, so the time is linear in the answer's length.
import type { Token } from "markdown-it";
import { lineAt, lineStartsOf, markdownParser, topLevelRuns } from "./markdown";
import { escapeDisplayText, escapeLineStarts, escapeText, unescapeText } from "./markdown/escape";
import { containAnswer } from "./block/contain";

export { escapeDisplayText, unescapeText } from "./markdown/escape";

/** Answers longer than this (characters) are cut at a paragraph. */
export const MAX_ANSWER_LENGTH = 1_000_000;

/**
 * Fence languages that only get syntax highlighting, in Obsidian and in the plugins we know of: anything else
 * (`dataviewjs`, `mermaid`, `query`, `base`, `tasks`, `meta-bind`, `js-engine`, `ad-*`, `chart`, `plantuml`...)
 * renders, queries or runs something, so its fence becomes `text`. (Execute Code adds a Run button to ordinary
 * language fences; running one is the reader's own click.)
 */
export const INERT_FENCE_LANGUAGES: ReadonlySet<string> = new Set([
  "text", "txt", "plain", "plaintext", "markdown", "md", "json", "jsonc", "json5", "yaml", "yml", "toml", "ini", "xml",
  "html", "css", "scss", "sass", "less", "sql", "graphql", "python", "py", "ruby", "rb", "go", "rust", "rs", "java",
  "kotlin", "kt", "scala", "c", "h", "cpp", "c++", "hpp", "cs", "csharp", "fsharp", "swift", "objectivec", "php",
  "perl", "lua", "r", "julia", "matlab", "octave", "haskell", "hs", "elixir", "erlang", "clojure", "lisp", "scheme",
  "ocaml", "dart", "zig", "nim", "bash", "sh", "shell", "zsh", "fish", "powershell", "ps1", "bat", "cmd",
  "dockerfile", "makefile", "cmake", "nginx", "diff", "patch", "csv", "tsv", "latex", "tex", "bibtex", "typescript",
  "ts", "tsx", "javascript", "js", "jsx", "mjs", "cjs", "vue", "svelte", "solidity", "protobuf", "proto", "regex",
  "log", "console", "http", "apacheconf", "vim", "prolog", "fortran", "cobol", "asm", "nasm", "wasm", "verilog", "vhdl",
]);

/** How a citation marker (`[7]`, `[web:7]`, `[page:2]`) is written: a link, "" to remove it, or null to keep it as text. */
export type CitationLinker = (id: number, type: string | undefined) => string | null;

export interface SanitizeOptions {
  /** Citation markers in text become what this gives. Without it they stay text. */
  cite?: CitationLinker;
}

/** The line an answer cut at `MAX_ANSWER_LENGTH` ends with. */
export function answerCutLine(droppedChars: number): string {
  return `*Answer cut at 1 MB: the rest of Perplexity's answer (${Math.ceil(droppedChars / 1000).toLocaleString("en-US")} KB more) was left out.*`;
}

const MARKER = /\[(?:([a-z][a-z_]{0,19}):)?(\d{1,9})\]/g;

/**
 * A line Dataview reads as an inline field, wherever it stands (it reads code too, its issue #2561): `key:: value`
 * as the whole line, or `[key:: value]` / `(key:: value)` anywhere in it.
 */
const DATAVIEW_FIELD = /^[^\p{L}\p{N}\n]*[\p{L}\p{N}][\p{L}\p{N}_ /-]*::|[[(][^[\]()\n]+::/mu;

/** JavaScript's `trim()`, which Dataview applies before looking for `=` and `$=` (it removes U+00A0 and U+FEFF). */
function startsLikeQuery(code: string): boolean {
  const t = code.trim();
  return t.startsWith("=") || t.startsWith("$=") || /^(?:INPUT|VIEW|BUTTON)\[/.test(code) || /^(?:INPUT|VIEW|BUTTON)\[/.test(t);
}

/**
 * Code that plugins leave as code: not a Dataview inline query (`=`, `$=`, evaluated in any `<code>` after
 * trimming), not a Meta Bind field (`INPUT[`, `VIEW[`, `BUTTON[`), no Templater tag (`<%`, run even inside code),
 * no line Dataview would index as a field. Other code is written as text (a C++ line `std::cout` included: Dataview
 * would read it as the field `std`).
 */
export function isInertCode(code: string): boolean {
  return !startsLikeQuery(code) && !code.includes("<%") && !DATAVIEW_FIELD.test(code);
}

/** Inline code is read by Dataview with the line around it, so any "::" in it could end a field the text begins. */
function isInertSpan(code: string): boolean {
  return isInertCode(code) && !code.includes("::");
}

/** Text as Markdown, with a Templater tag broken visibly ("<%" reads the same in any rendered text, so escaping is not enough). */
function textOf(s: string): string {
  return escapeText(s.includes("<%") ? s.replace(/<%/g, "< %") : s);
}

/** An http(s) URL, percent-encoded and with Markdown's link characters escaped, or null. */
export function safeLinkDestination(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  // "::" after the host is percent-encoded (the same URL): in a line, "(…:: …)" is a Dataview field.
  const afterHost = url.href.indexOf("/", url.protocol.length + 2);
  const encoded = afterHost === -1 ? url.href : url.href.slice(0, afterHost) + url.href.slice(afterHost).replace(/::+/g, (colons) => "%3A".repeat(colons.length));
  return escapeLinkUrl(encoded);
}

interface Context {
  cite: CitationLinker | undefined;
  /** Inside a table cell: "|" in our own links is escaped too. */
  inTable: boolean;
  /** The first paragraph of a list item. */
  itemStart?: boolean;
  /** How many lists hold this block. */
  depth?: number;
}

/** A run of backticks longer than any in `code`. */
function fenceFor(code: string, char: string, min: number): string {
  let longest = 0;
  for (const m of code.matchAll(char === "`" ? /`+/g : /~+/g)) longest = Math.max(longest, m[0].length);
  return char.repeat(Math.max(min, longest + 1));
}

function codeSpan(code: string): string {
  const ticks = fenceFor(code, "`", 1);
  // The parser strips one space at each end when both are there (markdown-it also for code of spaces only).
  const pad = code.startsWith("`") || code.endsWith("`") || (code.startsWith(" ") && code.endsWith(" ")) ? " " : "";
  return `${ticks}${pad}${code}${pad}${ticks}`;
}

/** Citation markers of a text, as links where `cite` gives one; the rest escaped. */
function citedText(s: string, ctx: Context, before: { char: string }, escapedBrackets: ReadonlySet<number>, atLineStart: boolean): string {
  if (ctx.cite === undefined || !s.includes("[")) {
    const out = textOf(s);
    if (s !== "") before.char = s[s.length - 1]!;
    return out;
  }
  let out = "";
  let at = 0;
  let lastLinkEnd = -1;
  for (const m of s.matchAll(MARKER)) {
    // "[[1]]" is no marker: those are a wikilink's words (and "\\[1]" one the model escaped).
    if (s[m.index - 1] === "[" || s[m.index + m[0].length] === "]" || escapedBrackets.has(m.index)) continue;
    // "[3]: …" starting a line reads as a list of references, not a citation.
    if (atLineStart && m.index === 0 && s[m[0].length] === ":") continue;
    const link = ctx.cite(Number(m[2]), m[1]);
    if (link === null) continue;
    const prev = m.index > 0 ? s[m.index - 1]! : before.char;
    if (link === "") {
      // A marker that is removed takes the spaces before it along (not a line's indentation).
      const textBefore = s.slice(at, m.index);
      const lineStart = (m.index === 0 ? atLineStart : false) || /\n[ \t]*$/.test(textBefore) || (at === 0 && atLineStart && /^[ \t]*$/.test(textBefore));
      out += textOf(lineStart ? textBefore : textBefore.replace(/[ \t]+$/, ""));
      at = m.index + m[0].length;
      continue;
    }
    out += textOf(s.slice(at, m.index));
    // A space before each link keeps "text.[1][3]" readable: "text. [[a]] [[b]]", not "text.[[a]][[b]]".
    const glued = m.index === lastLinkEnd || (prev !== "" && !/[\s([{]/.test(prev));
    out += (glued ? " " : "") + (ctx.inTable ? link.replace(/\|/g, "\\|") : link);
    at = m.index + m[0].length;
    lastLinkEnd = at;
  }
  out += textOf(s.slice(at));
  if (s !== "") before.char = s[s.length - 1]!;
  return out;
}

/**
 * Inline tokens as Markdown. Text that is written as text (text itself, raw HTML, math, code a plugin would run,
 * the words of a link or image that is dropped) is gathered until the next piece of markup and escaped in one go,
 * so that characters which only mean something side by side ("==", "::") are escaped wherever they meet.
 */
function inline(tokens: readonly Token[], ctx: Context): string {
  // Pieces of Markdown (joined once at the end: emphasis that held nothing is taken back by dropping its piece).
  const out: string[] = [];
  let last = "";
  let pending = "";
  const before = { char: "" };
  const opened: number[] = [];
  const escapedBrackets = new Set<number>();
  const flush = () => {
    if (pending === "") return;
    last = citedText(pending, ctx, before, escapedBrackets, out.length === 0 || last.endsWith("\n"));
    out.push(last);
    pending = "";
    escapedBrackets.clear();
  };
  const emit = (markdown: string, lastChar: string) => {
    flush();
    out.push(markdown);
    last = markdown;
    before.char = lastChar;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case "text":
        pending += t.content;
        break;
      case "text_special":
        // A character the model escaped is text like any other, but an escaped "\[1]" is no marker.
        if (t.info === "escape" && t.content === "[") escapedBrackets.add(pending.length);
        pending += t.content;
        break;
      case "softbreak":
        emit("\n", " ");
        break;
      case "hardbreak":
        emit("\\\n", " ");
        break;
      case "code_inline":
        if (isInertSpan(t.content)) emit(codeSpan(t.content), "`");
        else pending += "`" + t.content + "`";
        break;
      case "em_open":
      case "strong_open":
      case "s_open":
        // The delimiters as written ("*" or "_"): whether they open and close depends on them and their neighbours.
        emit(t.markup, before.char);
        opened.push(out.length);
        break;
      case "em_close":
      case "strong_close":
      case "s_close": {
        flush();
        const at = opened.pop();
        // Emphasis around nothing (what it held was dropped) is not written: "**" alone would read as text.
        if (at === out.length) {
          out.pop();
          last = out[out.length - 1] ?? "";
        } else emit(t.markup, before.char);
        break;
      }
      case "link_open": {
        const dest = safeLinkDestination(t.attrGet("href") ?? "");
        // A link that is not kept is only its words (the loop goes on through them).
        if (dest === null) break;
        let depth = 1;
        let j = i + 1;
        while (j < tokens.length && depth > 0) {
          if (tokens[j]!.type === "link_open") depth++;
          if (tokens[j]!.type === "link_close") depth--;
          j++;
        }
        // A link's text has no citations of its own (a marker there would nest links).
        const text = inline(tokens.slice(i + 1, j - 1), { ...ctx, cite: undefined, itemStart: false });
        // At the start of a list item, "[x](…)" would read to the Tasks plugin as a task box "[x]".
        if (ctx.itemStart && out.length === 0 && pending === "" && /^.$/u.test(unescapeText(text))) pending += unescapeText(text);
        else emit(`[${text === "" ? escapeText(t.attrGet("href") ?? "") : text}](${dest})`, ")");
        i = j - 1;
        break;
      }
      case "link_close":
        break;
      case "image": {
        // No image is loaded: an http(s) image becomes a link to it, any other is its description.
        const dest = safeLinkDestination(t.attrGet("src") ?? "");
        if (dest === null) {
          pending += (t.children ?? []).map((c) => c.content).join("");
          break;
        }
        const alt = inline(t.children ?? [], { ...ctx, cite: undefined, itemStart: false });
        emit(`[${alt === "" ? "image" : alt}](${dest})`, ")");
        break;
      }
      default:
        // Raw HTML, math, and anything else a parser extension might produce: the characters it holds.
        pending += t.content;
    }
  }
  flush();
  // A line break that ends the text breaks nothing (and a lone "\\" would read as a backslash).
  return out.join("").replace(/(?:\\?\n)+$/, "");
}

/** The index just past the closing token of the block opened at `i`. */
function closeOf(tokens: readonly Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    depth += tokens[j]!.nesting;
    if (depth === 0) return j + 1;
  }
  return tokens.length;
}

/** Escaped inline Markdown as the lines of a paragraph: no line can start a block, no space around a line (indentation
 *  could make code, trailing spaces a line break; a hard break is written "\\"). */
function paragraphLines(markdown: string): string[] {
  return escapeLineStarts(markdown.replace(/^[ \t]+|[ \t]+$/gm, "")).split("\n");
}

/** Lines of escaped text: what a construct outside the allowlist is written as. */
function textLines(text: string): string[] {
  // Spaces around a line are not text (four in front make code, two behind a line break).
  const lines = text.replace(/\n+$/, "").split("\n").map((l) => l.trim());
  return paragraphLines(textOf(lines.join("\n").replace(/\n{3,}/g, "\n\n")));
}

/** Prefixes every line: `first` on the first, `rest` on the others (blank lines get the prefix trimmed). */
function indent(lines: string[], first: string, rest: string): string[] {
  return lines.map((l, k) => ((k === 0 ? first : rest) + l).trimEnd());
}

const ALIGN: Record<string, string> = { "text-align:left": ":--", "text-align:right": "--:", "text-align:center": ":-:" };

function table(tokens: readonly Token[], ctx: Context): string[] {
  const rows: string[][] = [];
  const aligns: string[] = [];
  let header = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "tr_open") rows.push([]);
    else if (t.type === "th_open" || t.type === "td_open") {
      if (header) aligns.push(ALIGN[t.attrGet("style") ?? ""] ?? "---");
      const cell = tokens[i + 1]?.type === "inline" ? inline(tokens[i + 1]!.children ?? [], { ...ctx, inTable: true }) : "";
      rows[rows.length - 1]!.push(cell.replace(/\n/g, " "));
    } else if (t.type === "thead_close") header = false;
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), line(aligns), ...body.map(line)];
}

/** Block tokens `[from, to)` as lines of Markdown, blocks separated by a blank line. */
function blocks(tokens: readonly Token[], from: number, to: number, ctx: Context, tight = false): string[] {
  const out: string[] = [];
  const push = (lines: string[]) => {
    if (out.length > 0 && !tight) out.push("");
    out.push(...lines);
  };
  let i = from;
  let alternate = false;
  while (i < to) {
    const t = tokens[i]!;
    const end = t.nesting === 1 ? closeOf(tokens, i) : i + 1;
    if (t.type !== "bullet_list_open" && t.type !== "ordered_list_open") alternate = false;
    switch (t.type) {
      case "paragraph_open": {
        const text = inline(tokens[i + 1]?.children ?? [], { ...ctx, itemStart: ctx.itemStart === true && out.length === 0 });
        if (text.trim() !== "") push(paragraphLines(text));
        break;
      }
      case "heading_open": {
        const children = tokens[i + 1]?.children ?? [];
        const text = inline(children, ctx).replace(/\n/g, " ");
        if (text.trim() === "") break;
        const bold = !children.some((c) => c.type === "strong_open");
        push(bold ? [`**${text.trim()}**`] : paragraphLines(text));
        break;
      }
      case "bullet_list_open":
      case "ordered_list_open": {
        const ordered = t.type === "ordered_list_open";
        // Two lists in a row are two lists only if their markers differ ("-" then "+", "." then ")").
        const other: boolean = i > from && tokens[i - 1]!.type === (ordered ? "ordered_list_close" : "bullet_list_close") && !alternate;
        alternate = other;
        let n = Number(t.attrGet("start") ?? 1);
        const items: string[] = [];
        const loose = tokens.slice(i, end).some((x) => x.type === "paragraph_open" && !x.hidden);
        for (let k = i + 1; k < end - 1; ) {
          const close = closeOf(tokens, k);
          // A nested list's bullet differs from its parent's, so that "- - -" (a thematic break) cannot be written.
          const bullet = other ? "* " : (ctx.depth ?? 0) % 2 === 0 ? "- " : "+ ";
          const marker = ordered ? `${n++}${other ? ")" : "."} ` : bullet;
          const content = blocks(tokens, k + 1, close - 1, { ...ctx, itemStart: true, depth: (ctx.depth ?? 0) + 1 }, !loose);
          if (loose && items.length > 0) items.push("");
          items.push(...(content.length === 0 ? [marker.trimEnd()] : indent(content, marker, " ".repeat(marker.length))));
          k = close;
        }
        push(items);
        break;
      }
      case "blockquote_open": {
        const content = blocks(tokens, i + 1, end - 1, ctx);
        push(content.length === 0 ? [">"] : content.map((l) => (l === "" ? ">" : `> ${l}`)));
        break;
      }
      case "table_open":
        push(table(tokens.slice(i, end), ctx));
        break;
      case "fence":
      case "code_block": {
        const code = t.content.replace(/\n$/, "");
        if (!isInertCode(t.content)) {
          push(textLines(t.type === "fence" ? `${t.markup}${t.info}\n${t.content}${t.markup}` : t.content));
          break;
        }
        const lang = (t.info.trim().split(/\s+/)[0] ?? "").toLowerCase();
        const info = lang === "" ? "" : INERT_FENCE_LANGUAGES.has(lang) ? lang : "text";
        const fence = fenceFor(code, "`", 3);
        push([fence + info, ...(code === "" ? [] : code.split("\n")), fence]);
        break;
      }
      case "hr":
        push(textLines(t.markup));
        break;
      case "footnote_reference_open": {
        const meta = t.meta as { label?: unknown } | null;
        const label = typeof meta?.label === "string" ? meta.label : "";
        const content = blocks(tokens, i + 1, end - 1, ctx);
        // Text now: its first line starts with the label as written, the rest follows as ordinary blocks.
        // Text now: the label as written, then what it held as blocks of their own.
        push([escapeText(`[^${label}]:`)]);
        if (content.length > 0) push(content);
        break;
      }
      default:
        // Raw HTML, math, comments, properties and whatever else: the characters as text.
        if (t.nesting === 0 && t.block) push(textLines(t.content));
        else if (t.nesting === 1) push(blocks(tokens, i + 1, end - 1, ctx));
    }
    i = end;
  }
  return out;
}

/** Where an answer longer than `MAX_ANSWER_LENGTH` is cut: the start of the top-level block that passes it. */
function cutAt(text: string): number {
  const lineStarts = lineStartsOf(text);
  const lineOfLimit = lineAt(lineStarts, MAX_ANSWER_LENGTH);
  const runs = topLevelRuns(text, lineOfLimit);
  const at = lineStarts[runs[runs.length - 1]?.startLine ?? 0]!;
  if (at > 0) return at;
  // A single block over the limit (one huge paragraph) is cut at a line break, or at the limit.
  const nl = text.lastIndexOf("\n", MAX_ANSWER_LENGTH);
  return nl > 0 ? nl : MAX_ANSWER_LENGTH;
}

function normalizeNewlines(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/** Markdown through the allowlist, blocks separated by a blank line (no containment, no cut). */
function serialize(src: string, options: SanitizeOptions): string {
  const tokens = markdownParser().parse(src, {});
  return blocks(tokens, 0, tokens.length, { cite: options.cite, inTable: false }).join("\n");
}

/**
 * Answer text from Perplexity as it may be written into a note (see the module comment): parsed, written back
 * through the allowlist, citation markers linked by `options.cite`, cut at 1 MB with a visible line, and contained
 * (block/contain.ts). Line ends become "\n".
 */
export function sanitizeAnswer(text: string, options: SanitizeOptions = {}): string {
  let src = normalizeNewlines(text);
  let cut = "";
  if (src.length > MAX_ANSWER_LENGTH) {
    const at = cutAt(src);
    cut = answerCutLine(src.length - at);
    src = src.slice(0, at);
  }
  const out = serialize(src, options).trim();
  return containAnswer(cut === "" ? out : `${out}\n\n${cut}`);
}

/**
 * `sanitizeAnswer` for an answer that grows (the streaming display): the top-level blocks that are complete (the
 * parser has moved past them) are written once and kept; each call writes only the block still growing. What is
 * kept is what `sanitizeAnswer` writes for those blocks, as a block is read the same whatever follows it (a link
 * to a reference defined further on aside: it becomes a link in the finished answer).
 */
export class GrowingAnswer {
  private settledRaw = "";
  private settledOut = "";

  /** The blocks written for good so far (the growing one aside). */
  get settled(): string {
    return this.settledOut;
  }

  /** Forget what was written (the sources changed, so links may read differently). */
  reset(): void {
    this.settledRaw = "";
    this.settledOut = "";
  }

  sanitize(text: string, options: SanitizeOptions = {}): string {
    const src = normalizeNewlines(text);
    if (src.length > MAX_ANSWER_LENGTH) return sanitizeAnswer(src, options);
    if (!src.startsWith(this.settledRaw)) this.reset();
    const tail = src.slice(this.settledRaw.length);
    const runs = topLevelRuns(tail);
    const starts = lineStartsOf(tail);
    // The last line may still grow (and change what the line before it ends): blocks are final once a block after
    // them starts on a line that is complete.
    let next = runs.length - 1;
    while (next > 0 && runs[next]!.startLine >= starts.length - 1) next--;
    if (next > 0) {
      const chunk = tail.slice(0, starts[runs[next]!.startLine]);
      const out = containAnswer(serialize(chunk, options).trim());
      if (out !== "") this.settledOut = this.settledOut === "" ? out : `${this.settledOut}\n\n${out}`;
      this.settledRaw += chunk;
    }
    const open = containAnswer(serialize(src.slice(this.settledRaw.length), options).trim());
    return this.settledOut === "" ? open : open === "" ? this.settledOut : `${this.settledOut}\n\n${open}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Escaping search-result text (titles, URLs) and other one-line display text

/** Text shown literally inside Markdown link text or a line: newlines become spaces, syntax is escaped. */
export function escapeLinkText(s: string): string {
  return escapeDisplayText(s);
}

/** Inverse of `escapeLinkText` for text without newlines. */
export function unescapeLinkText(s: string): string {
  return unescapeText(s);
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
  return s.replace(/[\r\n]+/g, " ").replace(/\[/g, "(").replace(/\]/g, ")").replace(/\|/g, "¦").replace(/%%/g, "%").replace(/#/g, "＃");
}
